import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Prisma } from './generated/client.js';

/**
 * PostgreSQL's LISTEN/NOTIFY as the one bus between server processes: every process that listens on a channel
 * receives what is notified on it, with no infrastructure beyond the database. A rare event is notified inside the
 * writing transaction (`notifyInTransaction`: delivered when, and only if, it commits); a frequent one once its
 * write has committed (`publishAfterCommit`, which says why). PGlite implements the same in process, so the
 * embedded default behaves alike.
 *
 * Generic on purpose: live updates (src/services/liveEvents.ts) use it, and so can any other broadcast between
 * processes (a revoked API key). Channel names are lower case: LISTEN folds an unquoted name, pg_notify does not.
 */

export type NotificationHandler = (payload: string) => void;

export interface Notifications {
  /**
   * Calls `handler` with the payload of every notification committed on `channel` from now on (by any process on
   * the database). Resolves once listening, so a write made after it is seen. Returns the way to stop.
   */
  subscribeChannel(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  /**
   * Called whenever the listening connection was lost (PostgreSQL only): what was notified until it is back is
   * missed, so whoever keeps state from notifications should start again from the database.
   */
  onInterruption(listener: () => void): () => void;
  close(): Promise<void>;
}

/** PostgreSQL caps a payload at 8,000 bytes (NOTIFY's documented limit); ours carry ids and counts only. */
export const MAX_PAYLOAD_BYTES = 7_999;

const processTag = randomBytes(4).toString('hex');
let sequence = 0;

/**
 * A token no other payload of any process shares. PostgreSQL folds notifications with the same channel and
 * payload sent in one transaction into one: two batch events with equal counts would arrive as one. A field
 * holding this token keeps every payload distinct.
 */
export function uniqueToken(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${processTag}.${sequence.toString(36)}`;
}

/** `pg_notify(channel, payload)` as an expression, so one statement can notify several times (see publishAfterCommit). */
export function notifyExpression(channel: string, payload: Prisma.Sql | string): Prisma.Sql {
  return Prisma.sql`pg_notify(${channel}, ${payload})`;
}

/** The statement that publishes `payload`, for a transaction's client to run: `tx.$executeRaw(notifyStatement(...))`. */
export function notifyStatement(channel: string, payload: string): Prisma.Sql {
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new Error(`a notification payload is at most ${MAX_PAYLOAD_BYTES} bytes, got ${Buffer.byteLength(payload)}`);
  return Prisma.sql`SELECT ${notifyExpression(channel, payload)}`;
}

/** Anything with Prisma's `$executeRaw`: a transaction's client, or the client itself (a write of its own). */
interface RawExecutor {
  $executeRaw(query: Prisma.Sql): Promise<number>;
}

/**
 * Publishes inside the caller's transaction: delivered on COMMIT, never if it rolls back. `$executeRaw`, not
 * `$queryRaw`: pg_notify returns `void`, a column type the driver adapters do not read.
 */
export async function notifyInTransaction(tx: RawExecutor, channel: string, payload: string): Promise<void> {
  await tx.$executeRaw(notifyStatement(channel, payload));
}

/**
 * Publishing for frequent events (a notification a write), after the write has committed: queued, and sent by the
 * same client in one statement every PUBLISH_BATCH_MS, many messages a notification (joined by newlines; each
 * handler still gets them one by one), that statement's commit not waiting for its WAL flush.
 *
 * Why not `notifyInTransaction` for these: PostgreSQL serializes the commits of transactions that NOTIFY (one lock
 * for the database, held through the commit's WAL flush). Measured (8 writers, PostgreSQL 15, this 2-core machine
 * under load): single-row updates ran at 1,800-2,900 a second alone, 195-278 a second with a pg_notify each, and
 * 1,500-2,700 a second published this way. Still only committed writes are told: the caller publishes once its
 * transaction has returned. A process that dies between its commit and the publish loses that event, which
 * at-most-once delivery allows. `notifyInTransaction` stays right for rare events (a revoked key).
 */
export function publishAfterCommit(given: RawExecutor, channel: string, message: string, onError: (error: unknown) => void = () => {}): void {
  if (message.includes('\n')) throw new Error('a published message must not contain a newline (messages are joined by newlines)');
  const client = aliases.get(given) ?? given;
  let batcher = batchers.get(client);
  if (!batcher) batchers.set(client, (batcher = createBatcher(client, onError)));
  batcher.add(channel, message);
}

/** Resolves once everything published through `client` so far has been sent (before a process exits). */
export function publishedSent(client: RawExecutor): Promise<void> {
  return batchers.get(aliases.get(client) ?? client)?.drain() ?? Promise.resolve();
}

/**
 * How long a batch collects messages before it is sent. Measured through the server (updateAudienceContact, 8
 * connections, PostgreSQL): without publishing 1,153-1,430 writes/s; a batch each turn of the event loop 822-1,106
 * (a notifying commit every one or two writes); batches of 5 ms 1,072-1,309. Events wait at most 5 ms more.
 */
const PUBLISH_BATCH_MS = 5;

const batchers = new WeakMap<RawExecutor, ReturnType<typeof createBatcher>>();
const aliases = new WeakMap<object, RawExecutor>();

/**
 * Says that `alias` (a wrapper the database hands out for one request) publishes through `client`: one queue a
 * database, not one a request, and the wrapper's own bookkeeping of writes stays out of it.
 */
export function publishesThrough(alias: object, client: RawExecutor): void {
  aliases.set(alias, aliases.get(client) ?? client);
}

function createBatcher(client: RawExecutor, onError: (error: unknown) => void) {
  let queue: Array<{ channel: string; message: string }> = [];
  let flushing: Promise<void> | null = null;
  const flush = async () => {
    while (queue.length) {
      const batch = queue;
      queue = [];
      // Per channel, messages packed into payloads under PostgreSQL's limit.
      const payloads: Array<{ channel: string; payload: string }> = [];
      for (const { channel, message } of batch) {
        const last = payloads.findLast((entry) => entry.channel === channel);
        if (last && Buffer.byteLength(last.payload) + 1 + Buffer.byteLength(message) <= MAX_PAYLOAD_BYTES) last.payload += `\n${message}`;
        else payloads.push({ channel, payload: message });
      }
      try {
        // synchronous_commit off for this statement's own transaction only: it writes nothing but the notifications,
        // so nothing waits on the WAL flush while the notify lock is held.
        await client.$executeRaw(
          Prisma.sql`SELECT set_config('synchronous_commit', 'off', true), ${Prisma.join(payloads.map(({ channel, payload }) => notifyExpression(channel, payload)))}`,
        );
      } catch (error) {
        onError(error);
      }
    }
    flushing = null;
  };
  return {
    add(channel: string, message: string) {
      queue.push({ channel, message });
      flushing ??= new Promise<void>((resolve) => setTimeout(resolve, PUBLISH_BATCH_MS)).then(flush);
    },
    drain: () => flushing ?? Promise.resolve(),
  };
}

/** Fans one source's notifications out to the handlers of each channel; the source listens once a channel. */
function channelRegistry(listen: (channel: string) => Promise<void>, unlisten: (channel: string) => Promise<void>) {
  const handlers = new Map<string, Set<NotificationHandler>>();
  return {
    handlers,
    dispatch(channel: string, payload: string) {
      // One notification may carry several messages (publishAfterCommit), one a line.
      for (const message of payload.split('\n')) {
        for (const handler of handlers.get(channel) ?? []) {
          try {
            handler(message);
          } catch {
            // One handler's failure must not stop the others; handlers report their own errors.
          }
        }
      }
    },
    async subscribe(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`channel names are lower-case identifiers, got "${channel}"`);
      let set = handlers.get(channel);
      if (!set) {
        handlers.set(channel, (set = new Set()));
        try {
          await listen(channel);
        } catch (error) {
          handlers.delete(channel);
          throw error;
        }
      }
      set.add(handler);
      return async () => {
        if (!set.delete(handler) || set.size > 0 || handlers.get(channel) !== set) return;
        handlers.delete(channel);
        await unlisten(channel);
      };
    },
  };
}

/** PGlite's in-process LISTEN: delivery on commit as on PostgreSQL, and no connection to lose. */
export function pgliteNotifications(pglite: {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}): Notifications {
  const stops = new Map<string, () => Promise<void>>();
  const registry = channelRegistry(
    async (channel) => {
      stops.set(channel, await pglite.listen(channel, (payload) => registry.dispatch(channel, payload)));
    },
    async (channel) => {
      const stop = stops.get(channel);
      stops.delete(channel);
      await stop?.();
    },
  );
  return {
    subscribeChannel: registry.subscribe,
    onInterruption: () => () => {},
    async close() {
      const all = [...stops.values()];
      stops.clear();
      registry.handlers.clear();
      await Promise.allSettled(all.map((stop) => stop()));
    },
  };
}

export interface PostgresNotificationsOptions {
  /** First wait before reconnecting; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  onError?: (error: Error) => void;
}

/**
 * One connection of its own per process (not from the pool: a pooled connection is handed to other work between
 * statements, and LISTEN belongs to a session). Opened on the first subscription; when it drops (a restart, a
 * failover, the server killing it) it reconnects with a growing pause and listens again on every channel.
 */
export function postgresNotifications(url: string, options: PostgresNotificationsOptions = {}): Notifications {
  const { retryMs = 250, maxRetryMs = 5_000, onError = () => {} } = options;
  const interruptionListeners = new Set<() => void>();
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let pause = retryMs;

  const quote = (channel: string) => `"${channel}"`;

  const connect = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000, keepAlive: true });
      next.on('notification', (message) => {
        if (message.payload !== undefined) registry.dispatch(message.channel, message.payload);
      });
      next.on('error', (error) => {
        onError(error);
        lost(next);
      });
      next.on('end', () => lost(next));
      try {
        await next.connect();
        for (const channel of registry.handlers.keys()) await next.query(`LISTEN ${quote(channel)}`);
      } catch (error) {
        next.removeAllListeners('end');
        await next.end().catch(() => {});
        throw error;
      }
      client = next;
      pause = retryMs;
      return next;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = null;
    which.end().catch(() => {});
    for (const listener of interruptionListeners) listener();
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer || registry.handlers.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch((error: Error) => {
        onError(error);
        pause = Math.min(pause * 2, maxRetryMs);
        scheduleReconnect();
      });
    }, pause);
    retryTimer.unref();
  };

  const registry = channelRegistry(
    async (channel) => {
      // LISTEN twice on one channel is a no-op, so this is right whether or not a fresh connection listened already.
      await (await connect()).query(`LISTEN ${quote(channel)}`);
    },
    async (channel) => {
      await client?.query(`UNLISTEN ${quote(channel)}`).catch(() => {});
    },
  );

  return {
    subscribeChannel: registry.subscribe,
    onInterruption(listener) {
      interruptionListeners.add(listener);
      return () => interruptionListeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      registry.handlers.clear();
      const current = client ?? (await connecting?.catch(() => null));
      client = null;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => {});
      }
    },
  };
}
