import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { addAudienceContact, updateAudienceContact } from '../src/services/audienceContacts.js';
import { createAudience, listAudienceContacts } from '../src/services/audiences.js';
import { createRequestScope } from '../src/services/loaders.js';
import { raw, sql } from '../src/services/sql.js';
import { createScratchDatabase, testEngine } from './support/app.js';

// Lookups by key, writes and pages in key order are prepared on PostgreSQL (planned once per connection, not
// once per request); a search never is, since a generic plan would ignore its term's selectivity. One pool
// connection, so every statement below meets the same session's prepared statements.

let database: Database;
let drop: () => Promise<void>;
let accountId: string;

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  drop = scratch.drop;
  const config = scratch.config.kind === 'postgres' ? { ...scratch.config, poolSize: 1 } : scratch.config;
  database = await openDatabase({ config, migrate: true });
  accountId = (await createAccountWithKey(database.prisma, 'Prepared')).account.id;
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

/** The texts prepared on the pool's one connection (asked unprepared, so the question is not among them). */
const preparedTexts = async () => (await database.readRows<{ statement: string }>(sql`SELECT statement FROM pg_prepared_statements`)).map((row) => row.statement);

describe.runIf(testEngine === 'postgres')('prepared statements on PostgreSQL', () => {
  it('prepares a node lookup, a write and a plain page once each, and no search statement', async () => {
    const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
    const audience = await createAudience(scope, { name: 'Prepared', channel: 'SMS' });
    const added = await addAudienceContact(scope, audience.id, { number: '+14155550100', firstName: 'Ann' });
    await addAudienceContact(scope, audience.id, { number: '+14155550101', firstName: 'Bob' }).catch(() => {});
    for (let i = 0; i < 3; i++) {
      const fresh = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
      expect((await fresh.loaders.audienceContactById.load(added.id))?.firstName).toBe(i === 0 ? 'Ann' : `Ann ${i}`);
      await updateAudienceContact(fresh, added.id, { firstName: `Ann ${i + 1}` });
      await listAudienceContacts(fresh, audience, { first: 10 });
      await listAudienceContacts(fresh, audience, { first: 10, search: 'ann' });
    }
    const texts = await preparedTexts();
    expect(texts.filter((text) => text.includes('FROM audience_contact t JOIN audience a ON a.id = t.audience_id'))).toHaveLength(1);
    expect(texts.filter((text) => /^\s*UPDATE audience_contact/.test(text))).toHaveLength(1);
    expect(texts.filter((text) => /ORDER BY t\.created_at ASC, t\.id ASC/.test(text) && !/ILIKE/.test(text))).toHaveLength(1);
    expect(texts.filter((text) => /ILIKE/.test(text))).toEqual([]);
  });

  it('keeps one plan for the pages of an audience far larger than the others, instead of planning each page again', async () => {
    // One audience of 20,000 next to 200 of 10, as the benchmark has one of 300,000 next to many of about 1,000:
    // planned for that audience a page costs less than planned for an average one, so a page whose statement
    // named the audience was planned again on every run (its generic plan never won) and PostgreSQL spent more
    // on planning the page than on reading it.
    const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
    const large = await createAudience(scope, { name: 'Large', channel: 'SMS' });
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO contact (account_id, phone) SELECT $1::uuid, '+1202' || lpad(i::text, 7, '0') FROM generate_series(1, 20000) i`,
      accountId,
    );
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO audience_contact (audience_id, contact_id, phone, created_at)
       SELECT $1::uuid, c.id, c.phone, now() + c.n * interval '1 millisecond'
       FROM (SELECT id, phone, row_number() OVER (ORDER BY phone) AS n FROM contact WHERE account_id = $2::uuid AND phone LIKE '+1202%') c`,
      large.id,
      accountId,
    );
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO audience (account_id, name, name_key, channel) SELECT $1::uuid, 'Small ' || i, 'small ' || i, 'SMS' FROM generate_series(1, 200) i`,
      accountId,
    );
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO audience_contact (audience_id, contact_id, phone)
       SELECT a.id, c.id, c.phone
       FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM audience WHERE account_id = $1::uuid AND name LIKE 'Small %') a
       JOIN (SELECT id, phone, row_number() OVER (ORDER BY phone) AS n FROM contact WHERE account_id = $1::uuid AND phone LIKE '+1202%') c
         ON c.n BETWEEN a.n * 10 AND a.n * 10 + 9`,
      accountId,
    );
    await database.prisma.$executeRawUnsafe('ANALYZE audience_contact');
    const pages = [];
    for (let i = 0; i < 8; i++) {
      const fresh = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
      pages.push((await listAudienceContacts(fresh, large, { first: 25 })).edges.map((edge) => edge.node.number));
    }
    expect(pages[7]).toHaveLength(25);
    expect(pages[7]![0]).toBe('+12020000001');
    expect(new Set(pages.map((page) => page.join()))).toHaveProperty('size', 1);
    const plans = await database.readRows<{ generic: number; custom: number }>(sql`
      SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements
      WHERE statement LIKE '%FROM audience_contact t%' AND statement LIKE '%ORDER BY t.created_at ASC, t.id ASC%' AND statement NOT LIKE '%ILIKE%'`);
    // PostgreSQL plans the first five runs for their values, then keeps the generic plan when it costs no more
    // (the first test's pages of 10 have a text of their own).
    expect(plans).toContainEqual({ generic: 3, custom: 5 });
  });

  it('prepares a bounded number of texts: past 256 a statement runs unprepared, and still answers', async () => {
    for (let i = 0; i < 300; i++) {
      const [row] = await database.readRows<{ n: number }>(sql`SELECT ${raw(String(i))}::int AS n, ${i}::int AS m`, { prepare: true });
      expect(row).toEqual({ n: i, m: i });
    }
    expect((await preparedTexts()).length).toBeLessThanOrEqual(256);
  });
});

describe('prepared reads on either database', () => {
  it('answer as unprepared ones do (PGlite runs them as they are)', async () => {
    const statement = sql`SELECT ${accountId}::uuid::text AS id, 1::int AS one`;
    expect(await database.readRows(statement, { prepare: true })).toEqual(await database.readRows(statement));
  });
});
