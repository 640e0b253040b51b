/**
 * True when the database refused a write because of a unique constraint: Prisma reports P2002 for its
 * own queries; a raw statement's failure (P2010) carries PostgreSQL's SQLSTATE 23505 in its meta, directly
 * or as the driver adapter's cause, and the pg driver's own error carries it as its code.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as {
    code?: string;
    meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } };
    cause?: unknown;
  } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'P2002' || e.code === '23505' || e.meta?.code === '23505') return true;
  const adapterCause = e.meta?.driverAdapterError?.cause;
  if (adapterCause?.originalCode === '23505' || adapterCause?.kind === 'UniqueConstraintViolation') return true;
  return e.cause ? isUniqueViolation(e.cause) : false;
}
