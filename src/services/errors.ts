/**
 * True when the database refused a write because of a unique constraint: Prisma reports P2002 for its
 * own queries, and a raw statement's failure carries PostgreSQL's SQLSTATE 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; meta?: { code?: string }; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'P2002' || e.code === '23505' || e.meta?.code === '23505') return true;
  return e.cause ? isUniqueViolation(e.cause) : false;
}
