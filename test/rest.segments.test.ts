import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/schema/ids.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expectDexatelError, rest as restCall, type RestResponse } from './support/rest.js';
import { compareKeys, contactRow, foldAscii, NUMBER_OF, type OracleField, oracleKey, type OracleRow, TAGS } from './support/segments.js';

// Issue 14's filters and sort as query parameters of Dexatel's list of an audience's contacts, over real HTTP:
// every sort forwards by the `next` links, generated filters against an oracle computed here from the rows as
// stored, pages that stay whole while rows come and go, page tokens bound to their filter and sort, and every
// way a parameter can be refused, with its status, numeric code, name and field.

let app: TestApp;
let key: string;
let other: { key: string };
let audienceId: string;
let rows: Row[];
/** An instant between the two imports, and one between the rows updated last and the others. */
let secondImportAt: string;
let updatesAt: string;

/** A row as the oracle keeps it: what it sorts on (times in milliseconds), and what the filters test. */
interface Row extends OracleRow {
  id: string;
  country: string | null;
  tags: string[];
}

const rest = (path: string, options?: { key?: string }) => restCall(app, key, 'GET', path, undefined, options);
const contactsPath = (query = '', id = audienceId) => `/v1/audiences/${id}/contacts${query ? `?${query}` : ''}`;


async function importRows(id: string, from: number, count: number) {
  const contacts = Array.from({ length: count }, (_, i) => contactRow(from + i));
  const response = await app.gql(`mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount rejected { index } } }`, {
    input: { audienceId: encodeGlobalId('Audience', id), contacts },
  });
  expect(response.body.data?.importAudienceContacts, JSON.stringify(response.body)).toEqual({ importedCount: count, rejected: [] });
}

/** The rows as stored (times to the millisecond, the country), for the oracle. */
async function storedRows(id: string): Promise<Row[]> {
  const stored = await app.database.prisma.$queryRaw<Array<Omit<Row, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date }>>`
    SELECT id::text, phone AS number, country, first_name AS "firstName", last_name AS "lastName", tags, created_at AS "createdAt", updated_at AS "updatedAt"
    FROM audience_contact WHERE audience_id = ${id}::uuid`;
  return stored.map((row) => ({ ...row, createdAt: row.createdAt.getTime(), updatedAt: row.updatedAt.getTime() }));
}

/** Every page of a list by its `next` links: the ids in order, and the totals each page showed. */
async function walk(query: string, id = audienceId): Promise<{ ids: string[]; totals: number[]; pages: RestResponse[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  const pages: RestResponse[] = [];
  let url: string | null = contactsPath(query, id);
  for (let guard = 0; url && guard < 200; guard++) {
    const page: RestResponse = await rest(url);
    expect(page.status, page.text).toBe(200);
    pages.push(page);
    ids.push(...page.body.data.map((contact: { id: string }) => contact.id));
    totals.push(page.body.pagination.total);
    url = page.body.pagination.links.next;
  }
  return { ids, totals, pages };
}

// ---------------------------------------------------------------------------------------------------------
// The oracle: the sort and the filters as docs/rest.md states them.

type SortField = OracleField;
const SORT_FIELDS: SortField[] = ['first_name', 'last_name', 'number', 'created_at', 'updated_at'];

function sortedIds(list: Row[], sort: string): string[] {
  const descending = sort.startsWith('-');
  const field = (descending ? sort.slice(1) : sort) as SortField;
  const sign = descending ? -1 : 1;
  return [...list].sort((a, b) => sign * compareKeys([...oracleKey(a, field), a.id], [...oracleKey(b, field), b.id])).map((row) => row.id);
}

/** A filter as generated: its query parameters, and the rule each row must keep. */
interface Generated {
  tagsAny?: string[];
  tagsAll?: string[];
  tagsNone?: string[];
  country?: string[];
  hasFirstName?: boolean;
  hasLastName?: boolean;
  created?: 'after' | 'before';
  updated?: 'after' | 'before';
  search?: string;
}

function queryOf(filter: Generated, sort: string | null): string {
  const params = new URLSearchParams();
  if (filter.search) params.set('filter[search]', filter.search);
  if (filter.tagsAny) params.set('filter[tags][any]', filter.tagsAny.join(','));
  if (filter.tagsAll) params.set('filter[tags][all]', filter.tagsAll.join(','));
  if (filter.tagsNone) params.set('filter[tags][none]', filter.tagsNone.join(','));
  if (filter.country) params.set('filter[country]', filter.country.join(','));
  if (filter.hasFirstName !== undefined) params.set('filter[has_first_name]', String(filter.hasFirstName));
  if (filter.hasLastName !== undefined) params.set('filter[has_last_name]', String(filter.hasLastName));
  if (filter.created) params.set(`filter[created_at][${filter.created}]`, secondImportAt);
  // This API's own date form (UTC, to the second) for the other range.
  if (filter.updated) params.set(`filter[updated_at][${filter.updated}]`, updatesAt.replace('T', ' ').slice(0, 19));
  if (sort) params.set('sort', sort);
  return params.toString();
}

function matches(row: Row, filter: Generated): boolean {
  const updatedBound = Date.parse(`${updatesAt.slice(0, 19)}Z`);
  if (filter.tagsAny && !filter.tagsAny.some((tag) => row.tags.includes(tag))) return false;
  if (filter.tagsAll && !filter.tagsAll.every((tag) => row.tags.includes(tag))) return false;
  if (filter.tagsNone && filter.tagsNone.some((tag) => row.tags.includes(tag))) return false;
  if (filter.country && !filter.country.map((code) => code.toUpperCase()).includes(row.country ?? '')) return false;
  if (filter.hasFirstName !== undefined && (row.firstName !== null) !== filter.hasFirstName) return false;
  if (filter.hasLastName !== undefined && (row.lastName !== null) !== filter.hasLastName) return false;
  if (filter.created === 'after' && !(row.createdAt > Date.parse(secondImportAt))) return false;
  if (filter.created === 'before' && !(row.createdAt < Date.parse(secondImportAt))) return false;
  if (filter.updated === 'after' && !(row.updatedAt > updatedBound)) return false;
  if (filter.updated === 'before' && !(row.updatedAt < updatedBound)) return false;
  // Only ASCII words are generated: ILIKE and this agree on their case.
  if (filter.search && !filter.search.split(' ').every((word) => [row.firstName, row.lastName].some((name) => name?.toLowerCase().includes(word)))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  app = await startTestApp({ hardening: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 } });
  ({ key } = await app.createAccount('REST segments'));
  other = await app.createAccount('Elsewhere');
  const created = await restCall(app, key, 'POST', '/v1/audiences', { data: { name: 'Segments', channel: 'SMS' } });
  audienceId = created.body.data.id;
  await importRows(audienceId, 0, 40);
  // A second import later: two created_at groups. Then, a second later (this API's dates are to the second),
  // some rows updated: two updated_at groups.
  await pause(20);
  secondImportAt = new Date().toISOString();
  await pause(20);
  await importRows(audienceId, 40, 30);
  updatesAt = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000).toISOString();
  await pause(Date.parse(updatesAt) - Date.now() + 20);
  const stored = await storedRows(audienceId);
  for (const row of stored.filter((_, i) => i % 4 === 0)) {
    const put = await restCall(app, key, 'PUT', `/v1/audiences/${audienceId}/contacts/${row.id}`, { data: { date: '2026-12-24' } });
    expect(put.status, put.text).toBe(200);
  }
  rows = await storedRows(audienceId);
  expect(rows).toHaveLength(70);
}, 60_000);
afterAll(() => app?.close());

describe('sort', () => {
  for (const field of SORT_FIELDS) {
    for (const sort of [field, `-${field}`]) {
      it(`sort=${sort}: the oracle's order through the next links, every row once, pages numbered`, async () => {
        const { ids, totals, pages } = await walk(`sort=${sort}&page_size=9`);
        expect(ids).toEqual(sortedIds(rows, sort));
        expect(new Set(totals)).toEqual(new Set([70]));
        expect(pages.map((page) => page.body.pagination.number)).toEqual(pages.map((_, i) => i + 1));
        // The links keep the sort: the last page's `first` link is this sort's first page.
        expect(new URL(pages.at(-1)!.body.pagination.links.first).searchParams.get('sort')).toBe(sort);
      });
    }
  }

  it('without sort: oldest first, as before; backwards by the previous links gives the same pages', async () => {
    const { ids, pages } = await walk('page_size=20');
    expect(ids).toEqual(sortedIds(rows, 'created_at'));
    const last = pages.at(-1)!;
    const previous = await rest(last.body.pagination.links.previous);
    expect(previous.body.data.map((contact: { id: string }) => contact.id)).toEqual(ids.slice(40, 60));
  });

  it('names: A-Z folded, then code points; no name last ascending, first descending', async () => {
    const page = await rest(contactsPath('sort=first_name&page_size=100'));
    const names: Array<string | null> = page.body.data.map((contact: { first_name: string | null }) => (contact.first_name === null ? null : foldAscii(contact.first_name)));
    // ann and Ann are one key (the id orders them); É is no A-Z letter: it sorts by its code point, after z.
    expect(names.filter((name, i) => name !== names[i - 1])).toEqual(['ann', 'bob', 'zed', 'zoe', 'Émile', '名', null]);
    expect((await rest(contactsPath('sort=-first_name&page_size=1'))).body.data[0].first_name).toBeNull();
  });
});

describe('filters, against the oracle on generated filters', () => {
  const tagList = fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 3 });
  const filterArbitrary: fc.Arbitrary<Generated> = fc.record(
    {
      tagsAny: tagList,
      tagsAll: tagList,
      tagsNone: tagList,
      country: fc.uniqueArray(fc.constantFrom('US', 'AM', 'GB', 'am', 'FR'), { minLength: 1, maxLength: 3 }),
      hasFirstName: fc.boolean(),
      hasLastName: fc.boolean(),
      created: fc.constantFrom('after' as const, 'before' as const),
      updated: fc.constantFrom('after' as const, 'before' as const),
      search: fc.constantFrom('ann', 'sm', 'an sm', 'zo'),
    },
    { requiredKeys: [] },
  );
  const sortArbitrary = fc.constantFrom(null, ...SORT_FIELDS.flatMap((field) => [field, `-${field}`]));

  it('each selects exactly the oracle’s rows, in the sort asked, and every page’s total counts them', async () => {
    await fc.assert(
      fc.asyncProperty(filterArbitrary, sortArbitrary, async (filter, sort) => {
        const expected = sortedIds(rows.filter((row) => matches(row, filter)), sort ?? 'created_at');
        const { ids, totals } = await walk(`${queryOf(filter, sort)}&page_size=8`);
        expect(ids).toEqual(expected);
        for (const total of totals) expect(total).toBe(expected.length);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('spot checks, so the generated cases are not all empty: each filter alone selects some rows and not all', async () => {
    for (const query of ['filter[tags][any]=vip', 'filter[tags][all]=vip,trial', 'filter[tags][none]=vip', 'filter[country]=am', 'filter[has_first_name]=false', 'filter[has_last_name]=true', `filter[created_at][after]=${secondImportAt}`, `filter[updated_at][before]=${updatesAt}`, 'filter[search]=smi']) {
      const total = (await rest(contactsPath(query))).body.pagination.total;
      expect(total, query).toBeGreaterThan(0);
      expect(total, query).toBeLessThan(70);
    }
  });

  it('filter[search] works as it did: names and any fragment of the number', async () => {
    const page = await rest(contactsPath(`filter[search]=${encodeURIComponent('(415)')}`));
    expect(page.body.data.map((contact: { id: string }) => contact.id).sort()).toEqual(rows.filter((row) => row.number.startsWith('+1415')).map((row) => row.id).sort());
  });
});

describe('pages stay whole while rows come and go between them', () => {
  for (const sort of ['last_name', '-number']) {
    it(`sort=${sort}, filtered, forwards by the next links with an insert and a delete between pages: no row twice, none that stayed is missed`, async () => {
      const churn = (await restCall(app, key, 'POST', '/v1/audiences', { data: { name: `Churn ${sort}`, channel: 'SMS' } })).body.data.id as string;
      await importRows(churn, 100, 40);
      const query = `filter[tags][none]=b2b&sort=${sort}&page_size=5`;
      const initial = (await walk(query, churn)).ids;
      const seen: string[] = [];
      const removed = new Set<string>();
      let url: string | null = contactsPath(query, churn);
      for (let round = 0; url && round < 40; round++) {
        const page: RestResponse = await rest(url);
        expect(page.status, page.text).toBe(200);
        seen.push(...page.body.data.map((contact: { id: string }) => contact.id));
        url = page.body.pagination.links.next;
        if (!url) break;
        // Between pages: a new row that sorts before or after where the walk is, and a row of the pages ahead removed.
        const added = await restCall(app, key, 'POST', `/v1/audiences/${churn}/contacts`, { data: { number: NUMBER_OF.US(600 + round), last_name: round % 2 ? 'Aaron' : 'Zylstra' } });
        expect(added.status, added.text).toBe(201);
        const ahead = (await rest(url)).body.data as Array<{ id: string }>;
        const victim = ahead.at(-1)?.id;
        if (victim) {
          expect((await restCall(app, key, 'DELETE', `/v1/audiences/${churn}/contacts/${victim}`)).status).toBe(204);
          removed.add(victim);
        }
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(removed.size).toBeGreaterThan(2);
      const final = (await walk(query, churn)).ids;
      for (const id of initial) if (final.includes(id)) expect(seen).toContain(id);
      // What was seen is in the final order, and nothing removed was seen after its removal.
      expect(seen.filter((id) => final.includes(id))).toEqual(final.filter((id) => seen.includes(id)));
      for (const id of removed) expect(final).not.toContain(id);
    });
  }
});

describe('page tokens belong to their filter and sort', () => {
  it('a page_token sent with another sort or filter is 400 BAD_USER_INPUT naming page_token, never a wrong page', async () => {
    const first = await rest(contactsPath('sort=last_name&filter[has_first_name]=true&page_size=5'));
    const token = new URL(first.body.pagination.links.next).searchParams.get('page_token')!;
    for (const query of ['sort=-last_name&filter[has_first_name]=true', 'sort=first_name&filter[has_first_name]=true', 'sort=last_name', 'sort=last_name&filter[has_first_name]=false', 'filter[has_first_name]=true']) {
      const error = expectDexatelError(await rest(contactsPath(`${query}&page_size=5&page_token=${token}`)), { status: 400, code: null, name: 'BAD_USER_INPUT', field: 'page_token' });
      expect(error.message).toMatch(/another order or filter/);
    }
    const second = await rest(contactsPath(`sort=last_name&filter[has_first_name]=true&page_size=5&page_token=${token}`));
    expect(second.status).toBe(200);
    expect(second.body.pagination.number).toBe(2);
  });

  it('a page_token of the default order from before filters existed still pages it', async () => {
    const first = await rest(contactsPath('page_size=3'));
    const next = await rest(first.body.pagination.links.next);
    expect(next.body.data.map((contact: { id: string }) => contact.id)).toEqual(sortedIds(rows, 'created_at').slice(3, 6));
  });
});

describe('refused parameters: 400 in the Dexatel error shape, naming the parameter', () => {
  // Parameters of the wrong form: INVALID_REQUEST.
  const malformed: Array<[string, string]> = [
    ['filter[created_at][after]=yesterday', 'filter[created_at][after]'],
    ['filter[created_at][before]=2026-01-01', 'filter[created_at][before]'],
    ['filter[updated_at][after]=1767225600', 'filter[updated_at][after]'],
    ['filter[updated_at][before]=2026-13-45T00:00:00Z', 'filter[updated_at][before]'],
    ['filter[has_first_name]=yes', 'filter[has_first_name]'],
    ['filter[has_last_name]=TRUE', 'filter[has_last_name]'],
    ['filter[has_last_name]=', 'filter[has_last_name]'],
    ['sort=age', 'sort'],
    ['sort=', 'sort'],
    ['sort=--last_name', 'sort'],
    ['sort=last_name,-number', 'sort'],
    ['sort=LAST_NAME', 'sort'],
    ['filter[tags]=vip', 'filter[tags]'],
    ['filter[tag][any]=vip', 'filter[tag][any]'],
    ['filter[channel]=SMS', 'filter[channel]'],
    ['filter[country]=AM&filter[country]=US', 'filter[country]'],
  ];
  for (const [query, field] of malformed) {
    it(`${query} → INVALID_REQUEST`, async () => {
      expectDexatelError(await rest(contactsPath(query)), { status: 400, code: null, name: 'INVALID_REQUEST', field });
    });
  }

  // Values of the right form that the filter language refuses (the services' checks, as over GraphQL): BAD_USER_INPUT.
  const eleven = Array.from({ length: 11 }, (_, i) => `t${i}`).join(',');
  const refused: Array<[string, string, RegExp]> = [
    ['filter[country]=US,XX', 'filter[country]', /Unknown country/],
    ['filter[country]=USA', 'filter[country]', /Unknown country/],
    ['filter[country]=', 'filter[country]', /Unknown country/],
    [`filter[tags][any]=${eleven}`, 'filter[tags][any]', /1 to 10 tags/],
    ['filter[tags][all]=', 'filter[tags][all]', /1 to 10 tags/],
    ['filter[tags][none]=ok,,fine', 'filter[tags][none]', /1 to 10 tags/],
    [`filter[tags][none]=${'x'.repeat(65)}`, 'filter[tags][none]', /1 to 10 tags/],
    ['filter[created_at][after]=2026-02-01T00:00:00Z&filter[created_at][before]=2026-01-01T00:00:00Z', 'filter[created_at]', /after earlier/],
    ['filter[updated_at][after]=2026-02-01 00:00:00&filter[updated_at][before]=2026-02-01T00:00:00Z', 'filter[updated_at]', /after earlier/],
  ];
  for (const [query, field, message] of refused) {
    it(`${query.slice(0, 80)} → BAD_USER_INPUT`, async () => {
      const error = expectDexatelError(await rest(contactsPath(query)), { status: 400, code: null, name: 'BAD_USER_INPUT', field });
      expect(error.message).toMatch(message);
    });
  }

  it("the audience is checked as before: unknown or another account's is 404 (1301), malformed 400 (1302)", async () => {
    const filtered = 'filter[tags][any]=vip&sort=-number';
    const foreign = await rest(contactsPath(filtered), { key: other.key });
    expectDexatelError(foreign, { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    expect(foreign.body).toEqual((await rest(contactsPath(filtered, randomUUID()), { key: other.key })).body);
    expectDexatelError(await rest(contactsPath(filtered, 'nope')), { status: 400, code: 1302, name: 'INVALID_AUDIENCE_ID', field: 'audience_id' });
  });
});

describe('the OpenAPI document', () => {
  it('describes every filter and sort parameter of the list and of the export', async () => {
    const document = (await rest('/v1/openapi.json')).body;
    const names = (path: string) => document.paths[path].get.parameters.map((parameter: { name: string }) => parameter.name);
    const segment = ['filter[search]', 'filter[tags][any]', 'filter[tags][all]', 'filter[tags][none]', 'filter[country]', 'filter[created_at][after]', 'filter[created_at][before]', 'filter[updated_at][after]', 'filter[updated_at][before]', 'filter[has_first_name]', 'filter[has_last_name]', 'sort'];
    expect(names('/v1/audiences/{audience_id}/contacts')).toEqual(expect.arrayContaining([...segment, 'page_token', 'page_size']));
    expect(names('/v1/audiences/{audience_id}/contacts/export')).toEqual(expect.arrayContaining([...segment, 'format']));
    for (const parameter of document.paths['/v1/audiences/{audience_id}/contacts'].get.parameters) expect(parameter.description, parameter.name).toBeTruthy();
  });
});
