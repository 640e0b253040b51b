import type { PrismaClient } from '../db/database.js';

/**
 * Fresh statistics after bulk writes. The planner chooses between walking an audience in order and its
 * trigram indexes from the tables' statistics; right after a large import they describe the table as it was
 * (or, never analyzed, not at all), and autovacuum may be late or off (it is off on the machines this runs
 * on). So the gateway analyzes a table when autovacuum's own rule would: more rows changed since the last
 * ANALYZE than 50 + 10 % of the table. After its own imports it does so at once (an import flushes its row
 * counts to pg_stat_user_tables before it commits; where they have not arrived, the write's own count stands
 * in); for changes it did not make (a bulk load in SQL, a restore) a watch checks at start-up and then every
 * minute.
 */
const ANALYZE_BASE_ROWS = 50;
const ANALYZE_SHARE = 0.1;

/** The tables searches and pages plan on. */
export const PLANNED_TABLES = ['contact', 'audience_contact', 'audience'] as const;
export type PlannedTable = (typeof PLANNED_TABLES)[number];

interface TableState {
  table: PlannedTable;
  /** The planner's row count; -1 (or a count set by CREATE INDEX) before any ANALYZE. */
  reltuples: number;
  /** Rows changed since the last ANALYZE, as PostgreSQL counted them. */
  changed: number;
  /** Whether ANALYZE ever gave the table column statistics. */
  hasStatistics: boolean;
  /** Whether the table's file holds anything (reltuples says -1 both for a new table and for one bulk-loaded since). */
  hasPages: boolean;
}

async function tableStates(prisma: Pick<PrismaClient, '$queryRaw'>, tables: readonly PlannedTable[]): Promise<TableState[]> {
  return prisma.$queryRaw<TableState[]>`
    SELECT c.relname::text AS "table", c.reltuples::float8 AS reltuples, COALESCE(s.n_mod_since_analyze, 0)::float8 AS changed,
      EXISTS (SELECT 1 FROM pg_statistic st WHERE st.starelid = c.oid) AS "hasStatistics",
      pg_relation_size(c.oid) > 0 AS "hasPages"
    FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE c.oid = ANY (${tables.map((table) => table)}::regclass[])`;
}

/**
 * Whether a table's statistics are stale: never gathered on a table that may hold rows (a never-analyzed
 * table without them left PostgreSQL guessing 1,500 rows for an account of 300,000 contacts, and a walk of
 * 1,000 of them became a bitmap scan of all and a sort: 85 ms instead of 2), or past autovacuum's threshold.
 */
function isStale(state: TableState, writtenRows = 0): boolean {
  if (!state.hasStatistics && state.hasPages && state.reltuples !== 0) return true;
  return Math.max(writtenRows, state.changed) > ANALYZE_BASE_ROWS + ANALYZE_SHARE * Math.max(state.reltuples, 0);
}

const running = new Map<PlannedTable, Promise<boolean>>();

/**
 * ANALYZE `table` when it is stale, counting `writtenRows` just committed; resolves to whether it ran. One at
 * a time per table in this process: a second caller meanwhile shares the first one's run.
 */
export function analyzeIfStale(prisma: PrismaClient, table: PlannedTable, writtenRows = 0): Promise<boolean> {
  const pending = running.get(table);
  if (pending) return pending;
  const run = (async () => {
    const [state] = await tableStates(prisma, [table]);
    if (!state || !isStale(state, writtenRows)) return false;
    // Several processes on one database (a cluster, a fleet) see the same stale table at the same moment:
    // one of them analyzes it, the others go on (two ANALYZEs of a table queue behind each other's lock).
    return prisma.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(hashtext(${`contact-gateway:analyze:${table}`})) AS locked`;
        if (!lock?.locked) return false;
        // The name comes from PLANNED_TABLES, never from a request.
        await tx.$executeRawUnsafe(`ANALYZE ${table}`);
        return true;
      },
      { timeout: 300_000, maxWait: 30_000 },
    );
  })().finally(() => running.delete(table));
  running.set(table, run);
  return run;
}

/** After an import: ANALYZE what it changed when that passes the threshold. */
export function analyzeAfterBulkWrite(prisma: PrismaClient, table: 'audience_contact' | 'contact', writtenRows: number): Promise<boolean> {
  return analyzeIfStale(prisma, table, writtenRows);
}

/** Every planned table that is stale, analyzed; resolves to the ones that were. */
export async function analyzeStaleTables(prisma: PrismaClient): Promise<PlannedTable[]> {
  const analyzed: PlannedTable[] = [];
  for (const table of PLANNED_TABLES) if (await analyzeIfStale(prisma, table)) analyzed.push(table);
  return analyzed;
}

/**
 * Checks at once and then every `intervalMs` (a check is one catalogue query; an ANALYZE of the 1,000,000
 * audience contacts of the benchmark took about a second). Errors are reported, never thrown: statistics are
 * an optimisation, and a database that is away now is retried at the next tick.
 */
export function watchTableStatistics(prisma: PrismaClient, options: { intervalMs: number; onAnalyzed?: (tables: PlannedTable[]) => void; onError?: (error: unknown) => void }) {
  let current: Promise<void> = Promise.resolve();
  const check = () => {
    current = analyzeStaleTables(prisma).then(
      (tables) => {
        if (tables.length) options.onAnalyzed?.(tables);
      },
      (error) => options.onError?.(error),
    );
  };
  check();
  const timer = setInterval(check, options.intervalMs);
  timer.unref();
  return {
    /** Stops the checks; resolves when one under way has finished (so the database can close after it). */
    stop(): Promise<void> {
      clearInterval(timer);
      return current;
    },
  };
}
