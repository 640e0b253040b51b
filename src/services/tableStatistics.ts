import type { PrismaClient } from '../db/database.js';

/**
 * Fresh statistics after bulk writes. The planner chooses between walking an audience in order and its
 * trigram indexes from the tables' statistics; right after a large import they describe the table as it was
 * (or, never analyzed, not at all), and autovacuum may be late or off (it is off on the machines this runs
 * on). So after an import the gateway analyzes what it changed when autovacuum's own rule would: more rows
 * changed since the last ANALYZE than 50 + 10 % of the table. The write's own count is added to PostgreSQL's,
 * which reaches pg_stat_user_tables up to a second after a commit.
 */
const ANALYZE_BASE_ROWS = 50;
const ANALYZE_SHARE = 0.1;

const running = new Map<string, Promise<boolean>>();

/**
 * ANALYZE `table` if `writtenRows` (just committed) and the changes PostgreSQL counted since its last ANALYZE
 * pass autovacuum's threshold; resolves to whether it ran. One at a time per table in this process: a second
 * import finishing meanwhile shares the first one's run.
 */
export function analyzeAfterBulkWrite(prisma: PrismaClient, table: 'audience_contact' | 'contact', writtenRows: number): Promise<boolean> {
  const pending = running.get(table);
  if (pending) return pending;
  const run = (async () => {
    const [stats] = await prisma.$queryRaw<Array<{ reltuples: number; changed: number }>>`
      SELECT c.reltuples::float8 AS reltuples, COALESCE(s.n_mod_since_analyze, 0)::float8 AS changed
      FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE c.oid = ${table}::regclass`;
    const rows = Math.max(stats?.reltuples ?? 0, 0);
    if (writtenRows + (stats?.changed ?? 0) <= ANALYZE_BASE_ROWS + ANALYZE_SHARE * rows) return false;
    await prisma.$executeRawUnsafe(`ANALYZE ${table === 'contact' ? 'contact' : 'audience_contact'}`);
    return true;
  })().finally(() => running.delete(table));
  running.set(table, run);
  return run;
}
