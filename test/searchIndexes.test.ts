import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { type AudienceContactFilter, type ContactFilter, validateContactFilter } from '../src/domain/filters.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { audienceContactFilter, createAudience } from '../src/services/audiences.js';
import { normalizeSearch } from '../src/services/search.js';
import { audienceContactKind, contactKind, createRequestScope } from '../src/services/loaders.js';
import { type Sql, sql } from '../src/services/sql.js';
import { createScratchDatabase } from './support/app.js';

// The migration search_indexes indexes the name columns as one expression under the parent. The planner uses
// such an index only for the very expression it was built on, so a change to how the services write the search
// (src/services/filterSql.ts) that the migration does not follow would quietly leave search to walk or read
// every tenant's trigram matches (29 ms instead of 4.9 for "ann smi" in 300,000 contacts). These tests EXPLAIN
// the services' own statements, on both engines, and name the index each way of matching must go through.

const ROWS = 3000;

let database: Database;
let drop: () => Promise<void>;
let accountId: string;
let audienceId: string;

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  drop = scratch.drop;
  database = await openDatabase({ config: scratch.config, migrate: true });
  accountId = (await createAccountWithKey(database.prisma, 'Indexes')).account.id;
  const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
  audienceId = (await createAudience(scope, { name: 'Indexed', channel: 'SMS' })).id;
  // A second tenant with the same names, so an index without the parent would find rows of both.
  const otherId = (await createAccountWithKey(database.prisma, 'Other')).account.id;
  for (const account of [accountId, otherId]) {
    await database.prisma.$executeRaw`
      INSERT INTO contact (account_id, phone, name, email)
      SELECT ${account}::uuid, '+1415' || lpad(i::text, 7, '0'), CASE WHEN i % 100 = 0 THEN 'Ann Smith' ELSE 'Boris Petrov' END, 'p' || i || '@example.com'
      FROM generate_series(1, ${ROWS}) i`;
  }
  await database.prisma.$executeRaw`
    INSERT INTO audience_contact (audience_id, contact_id, first_name, last_name)
    SELECT ${audienceId}::uuid, c.id, split_part(c.name, ' ', 1), split_part(c.name, ' ', 2) FROM contact c WHERE c.account_id = ${accountId}::uuid`;
  await database.prisma.$executeRawUnsafe('ANALYZE contact');
  await database.prisma.$executeRawUnsafe('ANALYZE audience_contact');
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

/**
 * The plan of a statement over `table` when `kept` are its only indexes: the question is whether they can serve
 * the statement's conditions, not which index pays on 3,000 rows (there, any index on the parent column is
 * cheaper than the trigrams). The others are dropped inside a transaction that is rolled back.
 */
async function plan(table: string, kept: string[], statement: Sql): Promise<string> {
  let explained = '';
  await database.prisma
    .$transaction(async (tx) => {
      // Bitmap scans only: a plain scan of the primary key, which cannot be dropped, is otherwise cheaper here.
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      await tx.$executeRawUnsafe('SET LOCAL enable_indexscan = off');
      const others = await tx.$queryRaw<Array<{ name: string }>>`
        SELECT i.indexrelid::regclass::text AS name FROM pg_index i
        WHERE i.indrelid = ${table}::regclass AND NOT i.indisprimary AND NOT (i.indexrelid::regclass::text = ANY(${kept}::text[]))`;
      for (const { name } of others) await tx.$executeRawUnsafe(`DROP INDEX ${name}`);
      const rows = await tx.$queryRaw<Array<{ 'QUERY PLAN': string }>>(sql`EXPLAIN ${statement}`);
      explained = rows.map((row) => row['QUERY PLAN']).join('\n');
      throw new RolledBack();
    })
    .catch((error) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return explained;
}
class RolledBack extends Error {}

const audienceSearch = (search: string): AudienceContactFilter => audienceContactFilter(null, search);
const contactSearch = (search: string): ContactFilter => ({ ...validateContactFilter(null, { search }), search: normalizeSearch(search) });

const AUDIENCE_NAMES = 'audience_contact_audience_id_names_trgm_idx';
const AUDIENCE_NUMBER = 'audience_contact_audience_id_phone_trgm_idx';
const ACCOUNT_NAMES = 'contact_account_id_names_trgm_idx';
const ACCOUNT_NUMBER = 'contact_account_id_phone_trgm_idx';

describe('search goes through the parent’s trigram indexes', () => {
  it('an audience: every word of a name through one names index; a number through the number’s', async () => {
    const words = await plan('audience_contact', [AUDIENCE_NAMES], audienceContactKind.matchingIds!(audienceId, audienceSearch('ann smi'), sql`t.id`)!);
    // Both words and the audience are conditions of that one index scan, not filters on the rows it returns.
    expect(words).toMatch(new RegExp(`Bitmap Index Scan on ${AUDIENCE_NAMES}.*\\n\\s+Index Cond: \\(\\(audience_id = .*~~\\* '%ann%'.*~~\\* '%smi%'`));
    expect(words).not.toMatch(/Filter:/);

    // A term that looks like a number: its digits through the number's index, the word through the names'.
    const number = (kept: string) => plan('audience_contact', [kept], audienceContactKind.matchingIds!(audienceId, audienceSearch('+1 415 000'), sql`t.id`)!);
    expect(await number(AUDIENCE_NUMBER)).toMatch(new RegExp(`Bitmap Index Scan on ${AUDIENCE_NUMBER}.*\\n\\s+Index Cond: \\(\\(audience_id = .*phone ~~ '%1415000%'`));
    expect(await number(AUDIENCE_NAMES)).toMatch(new RegExp(`Bitmap Index Scan on ${AUDIENCE_NAMES}.*\\n\\s+Index Cond: \\(\\(audience_id = .*~~\\* '%\\+1%'`));
  });

  it('an account: name and email through one index; a number through the number’s', async () => {
    const words = await plan('contact', [ACCOUNT_NAMES], contactKind.matchingIds!(accountId, contactSearch('ann smi'), sql`t.id`)!);
    // The account is a condition of the index too: no other tenant's matching rows are read to be dropped.
    expect(words).toMatch(new RegExp(`Bitmap Index Scan on ${ACCOUNT_NAMES}.*\\n\\s+Index Cond: \\(\\(account_id = .*~~\\* '%ann%'.*~~\\* '%smi%'`));
    expect(words).not.toMatch(/Filter:/);

    const number = await plan('contact', [ACCOUNT_NUMBER], contactKind.matchingIds!(accountId, contactSearch('4150001'), sql`t.id`)!);
    expect(number).toMatch(new RegExp(`Bitmap Index Scan on ${ACCOUNT_NUMBER}.*\\n\\s+Index Cond: \\(\\(account_id = .*phone ~~ '%4150001%'`));
  });

  it('finds the same rows as the names tested one by one', async () => {
    const [counted] = await database.prisma.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM contact WHERE account_id = ${accountId}::uuid AND (name ILIKE '%ann%' OR email ILIKE '%ann%') AND (name ILIKE '%smi%' OR email ILIKE '%smi%')`;
    const found = await database.readRows<{ id: string }>(contactKind.matchingIds!(accountId, contactSearch('ann smi'), sql`t.id`)!);
    expect(counted!.count).toBe(ROWS / 100);
    expect(found.length).toBe(counted!.count);
    // A word spanning the space between the columns matches neither column, so it matches nothing.
    const spanning = await database.readRows<{ id: string }>(audienceContactKind.matchingIds!(audienceId, audienceSearch('annsmith'), sql`t.id`)!);
    expect(spanning).toEqual([]);
  });
});
