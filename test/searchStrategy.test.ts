import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience } from '../src/db/generated/client.js';
import { type Database, openDatabase } from '../src/db/database.js';
import type { Connection, SearchTuning } from '../src/services/connections.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { audienceContactFilter, createAudience, listAudienceContacts } from '../src/services/audiences.js';
import { listContacts } from '../src/services/contacts.js';
import { importAudienceContacts } from '../src/services/importAudienceContacts.js';
import { createRequestScope } from '../src/services/loaders.js';
import { createScratchDatabase } from './support/app.js';

// A search is answered by a bounded walk over the parent's rows in order, or through the indexes when the
// walk shows the term is rare; counts likewise. Whatever the strategy, the answer must be the same: every
// page walked forwards and backwards, and the count, equal what the plain walk gives and a brute-force
// oracle computes here. Small walk bounds make a 400-row audience exercise every path.

const FIRST = ['Ann', 'Anna', 'Boris', 'Chen', 'Dana', 'Emil', 'Fatima', 'Goran', 'Hana', 'Ivan'];
const LAST = ['Smith', 'Smirnova', 'Petrosyan', 'Rossi', 'Kumar', 'Lee', 'Hakobyan', 'Martin', 'Sargsyan', 'Ivanova'];
const ROWS = 400;

let database: Database;
let drop: () => Promise<void>;
let accountId: string;
let audience: Audience;
const people: Array<{ number: string; firstName: string | null; lastName: string | null }> = [];

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  drop = scratch.drop;
  database = await openDatabase({ config: scratch.config, migrate: true });
  accountId = (await createAccountWithKey(database.prisma, 'Search')).account.id;
  const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
  audience = await createAudience(scope, { name: 'Searched', channel: 'SMS' });
  for (let i = 0; i < ROWS; i++) {
    // Mostly Ann/Anna names early on and rare ones late, so a walk from the start sees an unrepresentative share.
    const firstName = i % 97 === 0 ? null : FIRST[(i * 7) % (i < 200 ? 3 : FIRST.length)]!;
    const lastName = LAST[(i * 13 + (i >> 3)) % LAST.length]!;
    people.push({ number: `+1415555${String(1000 + i).padStart(4, '0')}`, firstName, lastName });
  }
  // One rare number fragment: 7 numbers elsewhere in the plan.
  for (let i = 0; i < 7; i++) people[50 + i * 53]!.number = `+1212555${String(7700 + i)}`;
  const result = await importAudienceContacts(scope, audience.id, people);
  expect(result.rejected).toEqual([]);
  // A contact of the account outside the audience, so the account-level search has something the audience lacks.
  await database.prisma.contact.create({ data: { accountId, phone: '+12125557799', name: 'Ann Outside', email: 'ann@outside.example' } });
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

/** The search semantics, computed in JavaScript: every word in a name (or, digits, in the number), or the digits in the number. */
function oracle(term: string, rows: Array<{ number: string; names: Array<string | null> }>): string[] {
  const words = term.toLowerCase().split(' ');
  const digits = /^[\d\s+()./-]+$/.test(term) ? term.replace(/\D/g, '') : '';
  return rows
    .filter((row) => {
      if (digits && row.number.includes(digits)) return true;
      return words.every((word) => row.names.some((name) => name?.toLowerCase().includes(word)) || (/^\d+$/.test(word) && row.number.includes(word)));
    })
    .map((row) => row.number);
}

const strategies: Record<string, SearchTuning> = {
  'plain walk': { walkRows: 1_000_000, walkFurther: 1, walkCountShare: 0 },
  'short walk, then indexes; counts through the indexes': { walkRows: 12, walkFurther: 1, walkCountShare: 1.01 },
  'short walk, then indexes; counts by walking': { walkRows: 12, walkFurther: 1, walkCountShare: 0 },
  'short walk, walking on where the share says, then indexes': { walkRows: 12, walkFurther: 6, walkCountShare: 0.05 },
};

const TERMS = ['ann', 'anna smi', 'ivan', 'zzz', '1212', '(212) 555', '41555510', '555', 'sargsyan', 'an', 'ann 1415', 'HAKOB'];

/** Every page, forwards by `after`, and the same backwards by `before`: the row numbers in order, and the total. */
async function walkAll(list: (args: { first?: number; after?: string | null; last?: number; before?: string | null }) => Promise<Connection<any>>, numberOf: (row: any) => string) {
  const forward: string[] = [];
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const page = await list({ first: 7, after });
    if (total < 0) total = await page.totalCount();
    forward.push(...page.edges.map((edge) => numberOf(edge.node)));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  const backward: string[] = [];
  let before: string | null = null;
  for (;;) {
    const page = await list({ last: 7, before });
    backward.unshift(...page.edges.map((edge) => numberOf(edge.node)));
    if (!page.pageInfo.hasPreviousPage) break;
    before = page.pageInfo.startCursor;
  }
  return { forward, backward, total };
}

/** The database's reader, keeping the text of every statement it sends (which strategy answered shows in them). */
function recordingReader() {
  const statements: string[] = [];
  const readRows: Database['readRows'] = (statement, options) => {
    statements.push(statement.text);
    return database.readRows(statement, options);
  };
  return { statements, readRows };
}

describe('Audience.contacts search: every strategy gives the oracle’s rows, pages and count', () => {
  for (const [strategy, tuning] of Object.entries(strategies)) {
    it(strategy, async () => {
      // In the connection's order, (created_at, id): an import writes its rows in one statement, so one time.
      const stored = await database.prisma.audienceContact.findMany({
        where: { audienceId: audience.id },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        include: { contact: true },
      });
      const rows = stored.map((row) => ({ number: row.contact.phone, names: [row.firstName, row.lastName] }));
      expect(rows).toHaveLength(ROWS);
      for (const term of TERMS) {
        const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId }, tuning);
        const { forward, backward, total } = await walkAll((args) => listAudienceContacts(scope, audience, { ...args, search: term }), (row) => row.number);
        const expected = oracle(term, rows);
        expect(forward, term).toEqual(expected);
        expect(backward, term).toEqual(expected);
        expect(total, term).toBe(expected.length);
      }
    });
  }

  it('the walk answers frequent terms, the indexes rare ones (statements tell which)', async () => {
    const { statements, readRows } = recordingReader();
    // A share of 0.15 needs 8 matches in the 50 rows walked: the 7 numbers with '1212' can never reach it, whatever order
    // the ids put them in (at 0.05, 3 of the 7 among the first 50 did, once in CI), and 'ann' (43 % of rows) always does.
    const tuning = { walkRows: 50, walkFurther: 1, walkCountShare: 0.15 };
    let lastTotal = -1;
    const run = async (term: string) => {
      statements.length = 0;
      const scope = createRequestScope({ prisma: database.prisma, readRows, accountId }, tuning);
      const page = await listAudienceContacts(scope, audience, { first: 5, search: term });
      lastTotal = await page.totalCount();
      return statements.join('\n');
    };
    const frequent = await run('ann');
    expect(frequent).not.toMatch(/WITH m AS MATERIALIZED/);
    expect(frequent).not.toMatch(/count\(\*\)::int AS total FROM \(/);
    // The page's walk told the share of matches: the count walks at once, with no probe of its own.
    expect(statements).toHaveLength(2);
    expect(frequent).not.toMatch(/FILTER \(WHERE/);
    const rare = await run('1212');
    expect(rare).toMatch(/WITH m AS MATERIALIZED/);
    // The page counted the matches it materialized: no second statement counts them again.
    expect(rare).toMatch(/count\(\*\)::int AS total FROM m/);
    expect(rare).not.toMatch(/count\(\*\)::int AS total FROM \(/);
    expect(statements).toHaveLength(2);
    const rareTotal = lastTotal;
    expect(rareTotal).toBeGreaterThanOrEqual(7);
    // Asked for the count alone, a rare term is counted through the indexes.
    statements.length = 0;
    const countOnly = createRequestScope({ prisma: database.prisma, readRows, accountId }, tuning);
    expect(await countOnly.loaders.audienceContacts.count(audience.id, audienceContactFilter(null, '1212'))).toBe(rareTotal);
    expect(statements.join('\n')).toMatch(/count\(\*\)::int AS total FROM \(/);
  });
});

describe('Query.contacts search: every strategy gives the oracle’s rows, pages and count', () => {
  for (const [strategy, tuning] of Object.entries(strategies)) {
    it(strategy, async () => {
      const contacts = await database.prisma.contact.findMany({ where: { accountId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      const rows = contacts.map((c) => ({ number: c.phone, names: [c.name, c.email] }));
      for (const term of [...TERMS, 'outside', 'ann@']) {
        const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId }, tuning);
        for (const audienceId of [null, audience.id]) {
          const { forward, backward, total } = await walkAll((args) => listContacts(scope, { ...args, search: term, audienceId }), (row) => row.phone);
          const inAudience = audienceId ? rows.filter((row) => people.some((p) => p.number === row.number)) : rows;
          const expected = oracle(term, inAudience);
          expect(forward, `${term} ${audienceId}`).toEqual(expected);
          expect(backward, `${term} ${audienceId}`).toEqual(expected);
          expect(total, `${term} ${audienceId}`).toBe(expected.length);
        }
      }
    });
  }

  it('a walk that met some matches but not a page walks on as far as their share says; one that met none goes to the indexes', async () => {
    const { statements, readRows } = recordingReader();
    // 10 rows cannot hold a page of 15: "an" (about 3 rows in 4) shows its share there, and the walk goes on
    // from the row after the 10th (not from the start again) up to 80 rows in all, where its page lies; "zzz" shows
    // none, and the indexes answer at once.
    const tuning = { walkRows: 10, walkFurther: 8, walkCountShare: 0.05 };
    const page = async (term: string) => {
      statements.length = 0;
      const scope = createRequestScope({ prisma: database.prisma, readRows, accountId }, tuning);
      return listAudienceContacts(scope, audience, { first: 15, search: term });
    };
    const uncommon = await page('an');
    expect(uncommon.edges).toHaveLength(15);
    expect(uncommon.pageInfo.hasNextPage).toBe(true);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/LIMIT \$\d+\) t/);
    // The first walk starts at the start (a first page); the second after the last row the first examined.
    expect(statements[0]).not.toMatch(/\) > \(/);
    expect(statements[1]).toMatch(/\(t\.created_at, t\.id\) > \(/);
    expect(statements.join('\n')).not.toMatch(/WITH m AS MATERIALIZED/);
    const none = await page('zzz');
    expect(none.edges).toHaveLength(0);
    expect(statements).toHaveLength(2);
    expect(statements[1]).toMatch(/WITH m AS MATERIALIZED/);
  });
});
