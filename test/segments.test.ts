import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMissingCountries } from '../src/services/countries.js';
import { type GraphQLResponse, startTestApp, type TestApp } from './support/app.js';
import { expectError, unknownId } from './support/assertions.js';
import { compareKeys, contactRow, foldAscii, NUMBER_OF, type OracleField, oracleKey, TAGS } from './support/segments.js';

// Issue 14's filters and orders on the connections, against an oracle computed here from the rows themselves:
// every order forwards and backwards, every filter field, counts equal to what the pages hold when walked.

let app: TestApp;
let other: { key: string };
let audienceId: string;
let rows: Row[];

interface Row {
  id: string;
  number: string;
  country: string | null;
  firstName: string | null;
  lastName: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

const FIELDS = 'id number country firstName lastName tags createdAt updatedAt';
const CONTACTS = `query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: AudienceContactFilter, $orderBy: AudienceContactOrder, $search: String) {
  audience(id: $id) { contacts(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy, search: $search) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${FIELDS} } } } }
}`;
const IMPORT = `mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount rejected { index message } } }`;


async function importRows(key: string | undefined, id: string, from: number, count: number) {
  const contacts = Array.from({ length: count }, (_, i) => contactRow(from + i));
  const response = await app.gql(IMPORT, { input: { audienceId: id, contacts } }, key ? { key } : undefined);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.importAudienceContacts.rejected).toEqual([]);
  expect(response.body.data.importAudienceContacts.importedCount).toBe(count);
}

async function page(variables: Record<string, unknown>): Promise<GraphQLResponse> {
  return app.gql(CONTACTS, { id: audienceId, ...variables });
}

/** Every row a filter and order select, walked page by page forwards, and backwards from the end. */
async function walk(filter: Record<string, unknown> | null, orderBy: Record<string, unknown> | null, size = 7) {
  const forward: Row[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let guard = 0; guard < 100; guard++) {
    const response = await page({ first: size, after, filter, orderBy });
    expect(response.body.errors).toBeUndefined();
    const connection = response.body.data.audience.contacts;
    totalCount = connection.totalCount;
    forward.push(...connection.edges.map((edge: { node: Row }) => edge.node));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  const backward: Row[] = [];
  let before: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const response = await page({ last: size, before, filter, orderBy });
    expect(response.body.errors).toBeUndefined();
    const connection = response.body.data.audience.contacts;
    backward.unshift(...connection.edges.map((edge: { node: Row }) => edge.node));
    if (!connection.pageInfo.hasPreviousPage) break;
    before = connection.pageInfo.startCursor;
  }
  return { forward, backward, totalCount };
}

// ---------------------------------------------------------------------------------------------------------
// The oracle: the order and the filter as docs/graphql.md states them.

type Field = 'FIRST_NAME' | 'LAST_NAME' | 'NUMBER' | 'CREATED_AT' | 'UPDATED_AT';
const keyOf = (row: Row, field: Field) =>
  oracleKey({ ...row, createdAt: Date.parse(row.createdAt), updatedAt: Date.parse(row.updatedAt) }, field.toLowerCase() as OracleField);

/** Ties are broken by the row's uuid (in a global id it is base64-encoded, which orders differently). */
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

function sorted(list: Row[], field: Field, direction: 'ASC' | 'DESC'): Row[] {
  const sign = direction === 'ASC' ? 1 : -1;
  return [...list].sort((a, b) => sign * compareKeys([...keyOf(a, field), uuidOf(a.id)], [...keyOf(b, field), uuidOf(b.id)]));
}

interface Filter {
  tags?: { any?: string[]; all?: string[]; none?: string[] };
  country?: string[];
  hasFirstName?: boolean;
  hasLastName?: boolean;
  createdAt?: { after?: string; before?: string };
  search?: string;
}

function matches(row: Row, filter: Filter): boolean {
  const { tags, country, hasFirstName, hasLastName, createdAt, search } = filter;
  if (tags?.any && !tags.any.some((tag) => row.tags.includes(tag))) return false;
  if (tags?.all && !tags.all.every((tag) => row.tags.includes(tag))) return false;
  if (tags?.none && tags.none.some((tag) => row.tags.includes(tag))) return false;
  if (country && !country.includes(row.country ?? '')) return false;
  if (hasFirstName !== undefined && (row.firstName !== null) !== hasFirstName) return false;
  if (hasLastName !== undefined && (row.lastName !== null) !== hasLastName) return false;
  if (createdAt?.after && !(Date.parse(row.createdAt) > Date.parse(createdAt.after))) return false;
  if (createdAt?.before && !(Date.parse(row.createdAt) < Date.parse(createdAt.before))) return false;
  // Only ASCII words are generated: PostgreSQL's ILIKE and this agree on their case.
  if (search && !search.split(' ').every((word) => [row.firstName, row.lastName].some((name) => name?.toLowerCase().includes(word.toLowerCase())))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------

let secondImportAt: string;

beforeAll(async () => {
  app = await startTestApp();
  await app.createAccount('Segments'); // the default key of app.gql
  other = await app.createAccount('Elsewhere');
  const created = await app.gql('mutation { createAudience(input: { name: "Segments", channel: SMS }) { audience { id } } }');
  audienceId = created.body.data.createAudience.audience.id;
  await importRows(undefined, audienceId, 0, 40);
  // A second import later: two createdAt groups to filter and sort on.
  await new Promise((resolve) => setTimeout(resolve, 20));
  secondImportAt = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await importRows(undefined, audienceId, 40, 30);
  rows = (await walk(null, null, 100)).forward;
  expect(rows).toHaveLength(70);
}, 60_000);
afterAll(() => app?.close());

describe('every order, forwards and backwards', () => {
  for (const field of ['FIRST_NAME', 'LAST_NAME', 'NUMBER', 'CREATED_AT', 'UPDATED_AT'] as const) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`${field} ${direction}: the oracle's order, the same both ways, every row once`, async () => {
        const expected = sorted(rows, field, direction).map((row) => row.id);
        const { forward, backward, totalCount } = await walk(null, { field, direction });
        expect(forward.map((row) => row.id)).toEqual(expected);
        expect(backward.map((row) => row.id)).toEqual(expected);
        expect(totalCount).toBe(70);
      });
    }
  }

  it('names: case folded for A-Z only, then code points, no name last ascending and first descending', async () => {
    const ascending = (await walk(null, { field: 'FIRST_NAME', direction: 'ASC' }, 100)).forward.map((row) => (row.firstName === null ? null : foldAscii(row.firstName)));
    // ann and Ann share a key (their ids decide between them): one run of 'ann'.
    expect(ascending.filter((name, i) => name !== ascending[i - 1])).toEqual(['ann', 'bob', 'zed', 'zoe', 'Émile', '名', null]);
    const descending = (await walk(null, { field: 'FIRST_NAME', direction: 'DESC' }, 100)).forward.map((row) => row.firstName);
    expect(descending[0]).toBeNull();
  });

  it('the direction defaults to ASC', async () => {
    const response = await page({ first: 100, orderBy: { field: 'NUMBER' } });
    expect(response.body.data.audience.contacts.edges.map((edge: { node: Row }) => edge.node.id)).toEqual(sorted(rows, 'NUMBER', 'ASC').map((row) => row.id));
  });
});

describe('filters, against the oracle on generated filters', () => {
  const tagList = fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 3 });
  const filterArbitrary = fc.record(
    {
      tags: fc.record({ any: tagList, all: tagList, none: tagList }, { requiredKeys: [] }),
      country: fc.uniqueArray(fc.constantFrom('US', 'AM', 'GB', 'am', 'FR'), { minLength: 1, maxLength: 3 }),
      hasFirstName: fc.boolean(),
      hasLastName: fc.boolean(),
      createdAt: fc.constantFrom({ after: 'SECOND' }, { before: 'SECOND' }),
      search: fc.constantFrom('ann', 'sm', 'an sm', 'zo'),
    },
    { requiredKeys: [] },
  );

  it('each selects exactly the oracle’s rows, in the order asked, and totalCount counts them', async () => {
    await fc.assert(
      fc.asyncProperty(filterArbitrary, fc.constantFrom('FIRST_NAME', 'LAST_NAME', 'NUMBER', 'CREATED_AT') as fc.Arbitrary<Field>, fc.constantFrom('ASC', 'DESC') as fc.Arbitrary<'ASC' | 'DESC'>, async (generated, field, direction) => {
        const filter: Filter = { ...generated } as Filter;
        if (generated.createdAt) filter.createdAt = Object.fromEntries(Object.keys(generated.createdAt).map((end) => [end, secondImportAt]));
        if (filter.country) filter.country = filter.country.map((code) => code.toUpperCase());
        const expected = sorted(rows.filter((row) => matches(row, filter)), field, direction).map((row) => row.id);
        const { forward, totalCount } = await walk({ ...generated, createdAt: filter.createdAt }, { field, direction }, 9);
        expect(forward.map((row) => row.id)).toEqual(expected);
        expect(totalCount).toBe(expected.length);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('an empty filter and a filter of nulls select every row', async () => {
    for (const filter of [{}, { tags: null, country: null, hasFirstName: null, createdAt: null }]) {
      const response = await page({ first: 1, filter });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.audience.contacts.totalCount).toBe(70);
    }
  });
});

describe('cursors belong to their order and filter', () => {
  it('a cursor sent with another order, direction or filter is BAD_USER_INPUT (CURSOR_MISMATCH), never a wrong page', async () => {
    const first = await page({ first: 5, orderBy: { field: 'LAST_NAME', direction: 'ASC' } });
    const cursor = first.body.data.audience.contacts.pageInfo.endCursor;
    for (const variables of [
      { orderBy: { field: 'FIRST_NAME', direction: 'ASC' } },
      { orderBy: { field: 'LAST_NAME', direction: 'DESC' } },
      { orderBy: { field: 'LAST_NAME', direction: 'ASC' }, filter: { hasLastName: true } },
      {},
    ]) {
      expectError(await page({ first: 5, after: cursor, ...variables }), { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field: 'after' });
      expect((await page({ first: 5, after: cursor, ...variables })).body.errors![0]!.message).toMatch(/another order or filter/);
    }
    expect((await page({ first: 5, after: cursor, orderBy: { field: 'LAST_NAME', direction: 'ASC' } })).body.errors).toBeUndefined();
  });

  it('the first cursors (k1: createdAt and id) still page the default order', async () => {
    const row = sorted(rows, 'CREATED_AT', 'ASC')[9]!;
    const legacy = Buffer.from(`k1:${Date.parse(row.createdAt)}:${uuidOf(row.id)}`).toString('base64url');
    const response = await page({ first: 3, after: legacy });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.audience.contacts.edges.map((edge: { node: Row }) => edge.node.id)).toEqual(sorted(rows, 'CREATED_AT', 'ASC').slice(10, 13).map((r) => r.id));
    expectError(await page({ first: 3, after: legacy, orderBy: { field: 'NUMBER', direction: 'ASC' } }), { code: 'BAD_USER_INPUT', status: 400, field: 'after' });
  });

  it('a cursor that is not ours is CURSOR_INVALID', async () => {
    for (const after of ['x', Buffer.from('k2:abcdefghij:[1,2]').toString('base64url'), Buffer.from('k2:short:[null,"x"]').toString('base64url'), 'A'.repeat(3000)]) {
      const error = expectError(await page({ first: 3, after }), { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field: 'after' });
      expect(error.message).toBe('Malformed cursor');
    }
  });
});

describe('pages stay whole while rows come and go between them', () => {
  it('LAST_NAME ASC, forwards with an insert and a delete between pages: no row twice, none that stayed is missed', async () => {
    const created = await app.gql('mutation { createAudience(input: { name: "Churn", channel: SMS }) { audience { id } } }');
    const churnId = created.body.data.createAudience.audience.id;
    await importRows(undefined, churnId, 100, 30);
    const initial = (await app.gql(CONTACTS, { id: churnId, first: 100 })).body.data.audience.contacts.edges.map((edge: { node: Row }) => edge.node.id as string);
    const seen: Row[] = [];
    let after: string | null = null;
    const removed = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const response: GraphQLResponse = await app.gql(CONTACTS, { id: churnId, first: 6, after, orderBy: { field: 'LAST_NAME', direction: 'ASC' } });
      const connection: { edges: Array<{ node: Row }>; pageInfo: { hasNextPage: boolean; endCursor: string } } = response.body.data.audience.contacts;
      seen.push(...connection.edges.map((edge: { node: Row }) => edge.node));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      // Between pages: one new row, and one row of the next pages removed.
      const add = await app.gql('mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id } } }', {
        input: { audienceId: churnId, number: NUMBER_OF.US(500 + round), lastName: round % 2 ? 'Aaron' : 'Zylstra' },
      });
      expect(add.body.errors).toBeUndefined();
      const rest = await app.gql(CONTACTS, { id: churnId, first: 3, after, orderBy: { field: 'LAST_NAME', direction: 'ASC' } });
      const victim = rest.body.data.audience.contacts.edges.at(-1)?.node.id;
      if (victim) {
        await app.gql('mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }', { id: victim });
        removed.add(victim);
      }
    }
    const ids = seen.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(removed.size).toBeGreaterThan(2);
    const final = (await app.gql(CONTACTS, { id: churnId, first: 100, orderBy: { field: 'LAST_NAME', direction: 'ASC' } })).body.data.audience.contacts.edges.map(
      (edge: { node: Row }) => edge.node.id,
    );
    // Every row there from the first page to the end was seen, and the rows seen are in the final order.
    for (const id of initial) if (final.includes(id)) expect(ids).toContain(id);
    expect(ids.filter((id) => final.includes(id))).toEqual(final.filter((id: string) => ids.includes(id)));
    for (const id of removed) expect(final).not.toContain(id);
  });
});

describe('filter errors: catalogued, 400, naming the field', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['an unknown country', { filter: { country: ['US', 'XX'] } }, 'filter.country[1]', 'Unknown country'],
    ['a country that is not two letters', { filter: { country: ['USA'] } }, 'filter.country[0]', 'Unknown country'],
    ['more than 10 tags', { filter: { tags: { any: Array.from({ length: 11 }, (_, i) => `t${i}`) } } }, 'filter.tags.any', 'tag filter'],
    ['an empty tag list', { filter: { tags: { all: [] } } }, 'filter.tags.all', 'tag filter'],
    ['an empty tag', { filter: { tags: { none: ['ok', ''] } } }, 'filter.tags.none[1]', 'tag filter'],
    ['after later than before', { filter: { createdAt: { after: '2026-02-01T00:00:00Z', before: '2026-01-01T00:00:00Z' } } }, 'filter.createdAt', 'after earlier'],
    ['after equal to before', { filter: { updatedAt: { after: '2026-02-01T00:00:00Z', before: '2026-02-01T00:00:00Z' } } }, 'filter.updatedAt', 'after earlier'],
    ['search both as the argument and in filter', { search: 'ann', filter: { search: 'bob' } }, 'filter.search', 'either'],
  ];
  for (const [what, variables, field, message] of cases) {
    it(what, async () => {
      const error = expectError(await page({ first: 5, ...variables }), { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field });
      expect(error.message).toContain(message);
    });
  }

  it('Query.contacts: another account’s audience as audienceId or notInAudienceId is AUDIENCE_NOT_FOUND', async () => {
    const theirs = await app.gql('mutation { createAudience(input: { name: "Theirs", channel: SMS }) { audience { id } } }', {}, { key: other.key });
    const theirId = theirs.body.data.createAudience.audience.id;
    for (const [filter, field] of [
      [{ audienceId: theirId }, 'filter.audienceId'],
      [{ notInAudienceId: theirId }, 'filter.notInAudienceId'],
      [{ notInAudienceId: unknownId('Audience') }, 'filter.notInAudienceId'],
    ] as const) {
      const response = await app.gql('query ($filter: ContactFilter) { contacts(first: 5, filter: $filter) { totalCount } }', { filter });
      expectError(response, { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field });
    }
    expectError(await app.gql('query ($a: ID) { contacts(first: 5, audienceId: $a, filter: { audienceId: $a }) { totalCount } }', { a: audienceId }), {
      code: 'BAD_USER_INPUT',
      status: 400,
      field: 'filter.audienceId',
    });
  });
});

describe('Query.contacts and Query.audiences filters and orders', () => {
  it('contacts: notInAudienceId, country, hasEmail and an order by phone, against the oracle', async () => {
    const all = await app.gql('{ contacts(first: 100, orderBy: { field: PHONE, direction: DESC }) { totalCount edges { node { id phone country email } } } }');
    const contacts = all.body.data.contacts.edges.map((edge: { node: { id: string; phone: string; country: string; email: string | null } }) => edge.node);
    expect(contacts.map((c: { phone: string }) => c.phone)).toEqual([...contacts.map((c: { phone: string }) => c.phone)].sort().reverse());
    const amInAudience = rows.filter((row) => row.country === 'AM').map((row) => row.number);
    const response = await app.gql('query ($filter: ContactFilter) { contacts(first: 100, filter: $filter) { totalCount edges { node { phone country } } } }', {
      filter: { country: ['am'], notInAudienceId: audienceId },
    });
    expect(response.body.errors).toBeUndefined();
    const outside = contacts.filter((c: { phone: string; country: string }) => c.country === 'AM' && !rows.some((row) => row.number === c.phone));
    expect(response.body.data.contacts.totalCount).toBe(outside.length);
    expect(amInAudience.length).toBeGreaterThan(0);
    const withEmail = await app.gql('{ contacts(first: 1, filter: { hasEmail: true }) { totalCount } }');
    expect(withEmail.body.data.contacts.totalCount).toBe(contacts.filter((c: { email: string | null }) => c.email !== null).length);
  });

  it('audiences: by NAME both ways, and a channel given twice is an error', async () => {
    for (const name of ['b audience', 'A audience', 'c audience']) {
      await app.gql('mutation ($name: String!) { createAudience(input: { name: $name, channel: VIBER }) { audience { id } } }', { name });
    }
    const asc = await app.gql('{ audiences(first: 100, filter: { channel: VIBER }, orderBy: { field: NAME }) { totalCount edges { node { name } } } }');
    expect(asc.body.data.audiences.edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual(['A audience', 'b audience', 'c audience']);
    const desc = await app.gql('{ audiences(last: 2, filter: { channel: VIBER }, orderBy: { field: NAME, direction: DESC }) { edges { node { name } } } }');
    expect(desc.body.data.audiences.edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual(['b audience', 'A audience']);
    expectError(await app.gql('{ audiences(first: 1, channel: SMS, filter: { channel: SMS }) { totalCount } }'), { code: 'BAD_USER_INPUT', status: 400, field: 'filter.channel' });
  });
});

describe('countries', () => {
  it('each number carries its country; rows written before countries were kept get theirs from fillMissingCountries', async () => {
    expect(new Set(rows.map((row) => row.country))).toEqual(new Set(['US', 'AM', 'GB']));
    for (const row of rows) expect(row.country).toBe(row.number.startsWith('+1') ? 'US' : row.number.startsWith('+374') ? 'AM' : 'GB');
    // As an older gateway left them: no country anywhere.
    await app.database.prisma.$executeRawUnsafe('UPDATE contact SET country = NULL');
    expect((await app.database.prisma.$queryRawUnsafe<Array<{ n: number }>>('SELECT count(*)::int AS n FROM audience_contact WHERE country IS NOT NULL'))[0]!.n).toBe(0);
    const filled = await fillMissingCountries(app.database.prisma, 7);
    expect(filled).toBeGreaterThanOrEqual(70);
    expect((await app.database.prisma.$queryRawUnsafe<Array<{ n: number }>>('SELECT count(*)::int AS n FROM contact WHERE country IS NULL'))[0]!.n).toBe(0);
    const after = (await walk(null, null, 100)).forward;
    expect(after.map((row) => row.country)).toEqual(rows.map((row) => row.country));
    expect(await fillMissingCountries(app.database.prisma)).toBe(0);
  });
});
