/**
 * Whether an error means the database could not be reached (refused, reset, timed out, shut down) or had
 * no connection free in time, rather than that a statement failed. Only these become SERVICE_UNAVAILABLE:
 * the request's transaction did not commit, and a retry may succeed. Driver errors arrive wrapped (GraphQL error → Prisma error → driver adapter error → pg /
 * socket error), so the whole chain of causes is searched.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const candidate = current as Record<string, unknown>;
    if (typeof candidate.code === 'string' && UNREACHABLE_CODES.has(candidate.code)) return true;
    if (typeof candidate.kind === 'string' && UNREACHABLE_KINDS.has(candidate.kind)) return true;
    if (typeof candidate.message === 'string' && UNREACHABLE_MESSAGES.some((pattern) => pattern.test(candidate.message as string))) return true;
    queue.push(candidate.originalError, candidate.cause, candidate.meta);
  }
  return false;
}

const UNREACHABLE_CODES = new Set([
  // Node sockets
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // Prisma: can't reach / timed out / closed the connection / no pooled connection in time / an
  // interactive transaction that could not start (or ran past its timeout and was rolled back)
  'P1001', 'P1002', 'P1017', 'P2024', 'P2028',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, connection failures (class 08)
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
]);

// Prisma driver adapter error kinds for a lost or refused connection.
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

const UNREACHABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Can't reach database server/i,
  /Unable to start a transaction in the given time/i,
];
