/**
 * True when the database refused a write because of a unique constraint: Prisma reports P2002 for its
 * own queries and the raw SQLSTATE 23505 for raw statements. `target` narrows it to one constraint.
 */
export function isUniqueViolation(error: unknown, target?: string): boolean {
  const e = error as { code?: string; meta?: Record<string, unknown>; message?: string; cause?: unknown };
  if (!e || typeof e !== 'object') return false;
  const text = JSON.stringify(e.meta ?? {}) + (e.message ?? '');
  const unique = e.code === 'P2002' || text.includes('23505') || /unique constraint/i.test(text);
  if (!unique) return e.cause ? isUniqueViolation(e.cause, target) : false;
  return target ? text.includes(target) || !/_key|_idx|_pkey/.test(text) : true;
}
