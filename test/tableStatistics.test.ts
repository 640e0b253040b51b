import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { createAudience } from '../src/services/audiences.js';
import { importAudienceContacts } from '../src/services/importAudienceContacts.js';
import { analyzeStaleTables, watchTableStatistics } from '../src/services/tableStatistics.js';
import { createRequestScope, type RequestScope } from '../src/services/loaders.js';
import { createScratchDatabase } from './support/app.js';
import { databaseEnv, startServerProcess, waitUntil } from './support/run.js';

// Autovacuum is off on these machines, and late anywhere after a bulk load: the gateway analyzes what an
// import changed, by autovacuum's own rule, so the next search is planned on statistics of the rows it has.

let database: Database;
let drop: () => Promise<void>;
let scope: RequestScope;

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  drop = scratch.drop;
  database = await openDatabase({ config: scratch.config, migrate: true });
  const accountId = (await createAccountWithKey(database.prisma, 'Statistics')).account.id;
  scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

const statistics = async () => {
  const rows = await database.prisma.$queryRaw<Array<{ relname: string; reltuples: number }>>`
    SELECT relname::text, reltuples::float8 AS reltuples FROM pg_class WHERE relname IN ('audience_contact', 'contact') ORDER BY relname`;
  return Object.fromEntries(rows.map((row) => [row.relname, row.reltuples]));
};
const changedSinceAnalyze = async () => {
  const rows = await database.prisma.$queryRaw<Array<{ relname: string; changed: number }>>`
    SELECT relname::text, n_mod_since_analyze::float8 AS changed FROM pg_stat_user_tables WHERE relname IN ('audience_contact', 'contact') ORDER BY relname`;
  return Object.fromEntries(rows.map((row) => [row.relname, row.changed]));
};
const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ number: `+1415${String(5_000_000 + from + i)}`, firstName: `N${i}` }));

describe('statistics after an import', () => {
  it('a bulk import into a table never analyzed leaves it analyzed, with its new row count', async () => {
    expect((await statistics()).audience_contact).toBeLessThanOrEqual(0);
    const audience = await createAudience(scope, { name: 'Bulk', channel: 'SMS' });
    const result = await importAudienceContacts(scope, audience.id, rows(0, 3_000));
    expect(result.importedCount).toBe(3_000);
    expect(await statistics()).toEqual({ audience_contact: 3_000, contact: 3_000 });
    // The import's own row counts reached PostgreSQL before that ANALYZE, not after it (a backend sends them
    // at most once a second): arriving late, they would count 3,000 changes since it and the next small import
    // would analyze again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await changedSinceAnalyze()).toEqual({ audience_contact: 0, contact: 0 });
  });

  it('an import that changes less than autovacuum’s threshold (50 + 10 %) leaves the statistics as they were; a larger one refreshes them', async () => {
    const audience = await createAudience(scope, { name: 'Trickle', channel: 'SMS' });
    await importAudienceContacts(scope, audience.id, rows(10_000, 40));
    expect((await statistics()).audience_contact).toBe(3_000);
    await importAudienceContacts(scope, audience.id, rows(20_000, 400));
    expect((await statistics()).audience_contact).toBe(3_440);
  });
});

/** Rows written in SQL, as a bulk load or a restore writes them: past the gateway, so no ANALYZE follows. */
const loadInSql = async (target: Database, accountId: string, count: number, from: number) => {
  await target.prisma.$executeRaw`
    INSERT INTO contact (account_id, phone, name)
    SELECT ${accountId}::uuid, '+1212' || (5000000 + ${from}::int + i), 'Loaded ' || i FROM generate_series(1, ${count}::int) AS i`;
};
const hasColumnStatistics = async (target: Database, table: string) =>
  (await target.prisma.$queryRaw<Array<{ found: boolean }>>`SELECT EXISTS (SELECT 1 FROM pg_statistic WHERE starelid = ${table}::regclass) AS found`)[0]!.found;

describe('statistics after changes the gateway did not make', () => {
  let loaded: Database;
  let dropLoaded: () => Promise<void>;
  let accountId: string;
  let config: Awaited<ReturnType<typeof createScratchDatabase>>['config'];
  beforeAll(async () => {
    const scratch = await createScratchDatabase({ onDisk: true });
    config = scratch.config;
    dropLoaded = scratch.drop;
    loaded = await openDatabase({ config, migrate: true });
    accountId = (await createAccountWithKey(loaded.prisma, 'Loaded')).account.id;
  });
  afterAll(async () => {
    await loaded?.close();
    await dropLoaded?.();
  });

  it('an empty table is left alone; one bulk-loaded and never analyzed gets statistics once, not at every check', async () => {
    expect(await analyzeStaleTables(loaded.prisma)).toEqual([]);
    await loadInSql(loaded, accountId, 2_000, 0);
    expect(await hasColumnStatistics(loaded, 'contact')).toBe(false);
    expect(await analyzeStaleTables(loaded.prisma)).toEqual(['contact']);
    expect(await hasColumnStatistics(loaded, 'contact')).toBe(true);
    expect(await analyzeStaleTables(loaded.prisma)).toEqual([]);
  });

  it('the watch analyzes a table whose rows changed past 50 + 10 % since its last ANALYZE, within its interval', async () => {
    const reltuples = async () =>
      (await loaded.prisma.$queryRaw<Array<{ rows: number }>>`SELECT reltuples::float8 AS rows FROM pg_class WHERE relname = 'contact'`)[0]!.rows;
    const analyzed: string[][] = [];
    const watch = watchTableStatistics(loaded.prisma, { intervalMs: 200, onAnalyzed: (tables) => analyzed.push(tables) });
    try {
      await loadInSql(loaded, accountId, 1_000, 10_000);
      let rows = await reltuples();
      for (let waited = 0; rows < 3_000 && waited < 15_000; waited += 200) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        rows = await reltuples();
      }
      expect(rows).toBe(3_000);
      expect(analyzed).toContainEqual(['contact']);
    } finally {
      await watch.stop();
    }
  });

  it('the server checks at start-up: a table loaded while it was down is analyzed at once, and it says so', async () => {
    const [audience] = await loaded.prisma.$queryRaw<Array<{ id: string }>>`
      INSERT INTO audience (account_id, name, name_key, channel) VALUES (${accountId}::uuid, 'Loaded', 'loaded', 'SMS') RETURNING id::text`;
    await loaded.prisma.$executeRaw`
      INSERT INTO audience_contact (audience_id, contact_id, first_name) SELECT ${audience!.id}::uuid, id, 'Loaded' FROM contact WHERE account_id = ${accountId}::uuid`;
    expect(await hasColumnStatistics(loaded, 'audience_contact')).toBe(false);
    await loaded.close();
    const server = await startServerProcess({ ...databaseEnv(config), STATISTICS_CHECK_INTERVAL_MS: '600000' });
    try {
      expect(await waitUntil(() => /statistics: analyzed .*audience_contact/.test(server.output()), 30_000)).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    const reopened = await openDatabase({ config });
    try {
      expect(await hasColumnStatistics(reopened, 'audience_contact')).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});
