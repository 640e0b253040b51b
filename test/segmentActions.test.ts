import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudienceContactFilterInput } from '../src/domain/filters.js';
import { decodeGlobalId, encodeGlobalId } from '../src/schema/ids.js';
import { columns, sql } from '../src/services/sql.js';
import { type GraphQLResponse, isLiveEventPublish, startTestApp, type TestApp, testEngine } from './support/app.js';
import { expectError, unknownId } from './support/assertions.js';

// Issue 14's actions on a segment (copy, move, remove, tag) over HTTP, each against an oracle computed here from
// the rows read back before and after; their errors; races with adds and removes; and a larger case whose
// statement count must not grow with its rows.

let app: TestApp;
let acme: { key: string; accountId: string };
let globex: { key: string; accountId: string };
/** The SQL statements the server sends while set. */
let statements: string[] | null = null;

beforeAll(async () => {
  app = await startTestApp({ hardening: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 }, onQuery: (text) => !isLiveEventPublish(text) && statements?.push(text) });
  acme = await app.createAccount('Acme'); // the default key of app.gql
  globex = await app.createAccount('Globex');
});
afterAll(() => app?.close());

// ---------------------------------------------------------------------------------------------------------
// Requests

const RESULT = 'matchedCount changedCount skippedCount skipped { reason count } unmatchedIds';
const COPY = `mutation ($input: CopyAudienceContactsInput!) { copyAudienceContacts(input: $input) { ${RESULT} fromAudience { id } toAudience { id } } }`;
const MOVE = `mutation ($input: MoveAudienceContactsInput!) { moveAudienceContacts(input: $input) { ${RESULT} fromAudience { id } toAudience { id } } }`;
const REMOVE = `mutation ($input: RemoveAudienceContactsInput!) { removeAudienceContacts(input: $input) { ${RESULT} audience { id } } }`;
const TAG = `mutation ($input: TagAudienceContactsInput!) { tagAudienceContacts(input: $input) { ${RESULT} audience { id } } }`;
const MUTATION = { copy: COPY, move: MOVE, remove: REMOVE, tag: TAG } as const;
type Action = keyof typeof MUTATION;

interface Result {
  matchedCount: number;
  changedCount: number;
  skippedCount: number;
  skipped: Array<{ reason: string; count: number }>;
  unmatchedIds: string[];
}

type Key = { key?: string };

async function run(action: Action, input: Record<string, unknown>, options: Key = {}): Promise<GraphQLResponse> {
  return app.gql(MUTATION[action], { input }, options);
}

/** The action's counts; it must have succeeded and named its audiences back. */
async function act(action: Action, input: Record<string, unknown>): Promise<Result> {
  const response = await run(action, input);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  const { fromAudience, toAudience, audience, ...result } = Object.values(response.body.data)[0] as Record<string, any>;
  if (action === 'copy' || action === 'move') expect([fromAudience.id, toAudience.id]).toEqual([input.fromAudienceId, input.toAudienceId]);
  else expect(audience.id).toBe(input.audienceId);
  return result as Result;
}

let counter = 0;

/** A new audience of the account with these rows; its global id. */
async function audienceWith(rows: Array<Record<string, unknown>>, options: Key = {}): Promise<string> {
  const created = await app.gql('mutation ($name: String!) { createAudience(input: { name: $name, channel: SMS }) { audience { id } } }', { name: `Segment ${++counter}` }, options);
  const id: string = created.body.data.createAudience.audience.id;
  for (let from = 0; from < rows.length; from += 10_000) {
    const contacts = rows.slice(from, from + 10_000);
    const imported = await app.gql(
      'mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount rejected { index message } } }',
      { input: { audienceId: id, contacts } },
      options,
    );
    expect(imported.body.data.importAudienceContacts).toEqual({ importedCount: contacts.length, rejected: [] });
  }
  return id;
}

const uuidOf = (globalId: string) => decodeGlobalId(globalId)!.id;

interface Stored {
  id: string;
  contactId: string;
  number: string;
  country: string | null;
  firstName: string | null;
  lastName: string | null;
  timestamp: string | null;
  date: string | null;
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** The rows of an audience as stored, by number. */
async function rowsOf(audienceId: string): Promise<Stored[]> {
  const rows = await app.database.readRows<Stored>(sql`SELECT ${columns.audienceContact} FROM audience_contact t WHERE t.audience_id = ${uuidOf(audienceId)}::uuid ORDER BY t.phone`);
  return rows.map((row) => ({ ...row, id: encodeGlobalId('AudienceContact', row.id) }));
}

/** What travels with a contact from one audience to another. */
const travelling = ({ contactId, number, country, firstName, lastName, timestamp, date, tags }: Stored) => ({ contactId, number, country, firstName, lastName, timestamp, date, tags });

const MINUTE = 60_000;
const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
const minute = (k: number) => new Date(EPOCH + k * MINUTE).toISOString();

/** Gives each row of the audience a createdAt and updatedAt of its own, one of five minutes in the past. */
async function spreadTimes(audienceId: string): Promise<void> {
  await app.database.prisma.$executeRaw(sql`
    UPDATE audience_contact SET created_at = ${minute(0)}::timestamptz + ((hashtext(id::text) & 1023) % 5) * interval '1 minute',
      updated_at = ${minute(0)}::timestamptz + ((hashtext(id::text) & 1023) % 5) * interval '1 minute'
    WHERE audience_id = ${uuidOf(audienceId)}::uuid`);
}

// ---------------------------------------------------------------------------------------------------------
// Random audiences and selections, and the oracle

const TAG_POOL = Array.from({ length: 12 }, (_, i) => `tag${i}`);
/** Valid numbers of three countries and of none (+800, international freephone), by index. */
const POOL_NUMBER = (i: number) =>
  [`+1212${2100000 + i}`, `+37491${200000 + i}`, `+447911${200000 + i}`, `+80012345${String(i).padStart(3, '0').slice(-3)}`][i % 4]!;
const POOL_SIZE = 24;

const detailsArbitrary = {
  firstName: fc.constantFrom('Ann', 'annie', 'Bob', 'Cy', null),
  lastName: fc.constantFrom('Smith', 'smithers', 'Young', null),
  timestamp: fc.constantFrom('1767225600', 'noon', null),
  date: fc.constantFrom('2026-05-01', '1 May', null),
  tags: fc.uniqueArray(fc.constantFrom(...TAG_POOL), { maxLength: 10 }),
};
const rowsArbitrary = fc
  .uniqueArray(fc.record({ n: fc.nat({ max: POOL_SIZE - 1 }), ...detailsArbitrary }), { selector: (row) => row.n, maxLength: 14 })
  .map((rows) => rows.map(({ n, ...details }) => ({ number: POOL_NUMBER(n), ...details })));

const tagList = fc.uniqueArray(fc.constantFrom(...TAG_POOL.slice(0, 5)), { minLength: 1, maxLength: 3 });
const filterArbitrary = fc.record(
  {
    tags: fc.record({ any: tagList, all: tagList, none: tagList }, { requiredKeys: [] }),
    country: fc.uniqueArray(fc.constantFrom('US', 'AM', 'GB', 'gb'), { minLength: 1, maxLength: 2 }),
    hasFirstName: fc.boolean(),
    hasLastName: fc.boolean(),
    createdAt: fc.constantFrom({ after: minute(1) }, { before: minute(3) }, { after: minute(0), before: minute(4) }, { after: minute(2), before: minute(3) }),
    search: fc.constantFrom('ann', 'SMITH', 'an sm', 'yo', '+374', '212 210'),
  },
  { requiredKeys: [] },
);
/** A filter, or ids: some of the source's rows (by position, maybe repeated) and `foreign` ids of no row of it. */
const selectionArbitrary = fc.oneof(
  fc.record({ filter: filterArbitrary }),
  fc.record({ picks: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 6 }), foreign: fc.nat({ max: 2 }) }),
);
type SelectionSpec = { filter: Filter } | { picks: number[]; foreign: number };

/** The filter as the test sends it: the domain's, with times as JSON has them. */
type Filter = Pick<AudienceContactFilterInput, 'tags' | 'country' | 'hasFirstName' | 'hasLastName' | 'search'> & { createdAt?: { after?: string; before?: string } };

/** The search as docs/graphql.md states it: every word in a name (or, digits, in the number), or the digits of a number-like term in the number. */
function found(row: Stored, term: string): boolean {
  const digits = /^[\d\s+()./-]+$/.test(term) ? term.replace(/\D/g, '') : '';
  if (digits && row.number.includes(digits)) return true;
  const inNames = (word: string) => [row.firstName, row.lastName].some((name) => name?.toLowerCase().includes(word.toLowerCase()));
  return term.split(' ').every((word) => inNames(word) || (/^\d+$/.test(word) && word !== digits && row.number.includes(word)));
}

/** Each condition of a filter as a test of a row; all must hold. */
const conditions: { [K in keyof Filter]-?: (row: Stored, value: NonNullable<Filter[K]>) => boolean } = {
  tags: (row, { any, all, none }) =>
    (!any || any.some((tag) => row.tags.includes(tag))) && (!all || all.every((tag) => row.tags.includes(tag))) && (!none || !none.some((tag) => row.tags.includes(tag))),
  country: (row, codes) => codes.map((code) => code.toUpperCase()).includes(row.country ?? '-'),
  hasFirstName: (row, wanted) => (row.firstName !== null) === wanted,
  hasLastName: (row, wanted) => (row.lastName !== null) === wanted,
  createdAt: (row, { after, before }) => (!after || row.createdAt.getTime() > Date.parse(after)) && (!before || row.createdAt.getTime() < Date.parse(before)),
  search: found,
};

const matches = (row: Stored, filter: Filter) =>
  Object.entries(filter).every(([name, value]) => (conditions[name as keyof Filter] as (row: Stored, value: unknown) => boolean)(row, value));

/** The selection as the mutation takes it, the rows it selects, and the ids given that select none, in order. */
function resolveSelection(spec: SelectionSpec, source: Stored[], elsewhere: Stored[]) {
  if ('filter' in spec) return { input: { filter: spec.filter }, selected: source.filter((row) => matches(row, spec.filter)), unmatchedIds: [] as string[] };
  const picked = spec.picks.filter((pick) => pick < source.length).map((pick) => source[pick]!.id);
  const foreign = [elsewhere[0]?.id ?? unknownId('AudienceContact'), unknownId('AudienceContact')].slice(0, spec.foreign);
  const ids = [...picked, ...foreign];
  if (!ids.length) ids.push(unknownId('AudienceContact'));
  return { input: { ids }, selected: source.filter((row) => ids.includes(row.id)), unmatchedIds: [...new Set(ids.filter((id) => !source.some((row) => row.id === id)))] };
}

/** Two fresh audiences: the source with `sourceRows`, another with `otherRows` (sharing some of their numbers). */
async function scenario(sourceRows: Array<Record<string, unknown>>, otherRows: Array<Record<string, unknown>>) {
  const source = await audienceWith(sourceRows);
  const other = await audienceWith(otherRows);
  await spreadTimes(source);
  await spreadTimes(other);
  return { source, other, sourceBefore: await rowsOf(source), otherBefore: await rowsOf(other) };
}

const skips = (entries: Array<[string, number]>) => entries.filter(([, count]) => count > 0).map(([reason, count]) => ({ reason, count }));

// ---------------------------------------------------------------------------------------------------------

describe('copy and move, against the oracle', () => {
  for (const action of ['copy', 'move'] as const) {
    it(`${action}: the selected rows land in the target with their details, numbers it had are skipped and its rows untouched`, async () => {
      await fc.assert(
        fc.asyncProperty(rowsArbitrary, rowsArbitrary, selectionArbitrary, async (sourceRows, targetRows, spec) => {
          const { source, other: target, sourceBefore, otherBefore: targetBefore } = await scenario(sourceRows, targetRows);
          const { input, selected, unmatchedIds } = resolveSelection(spec as SelectionSpec, sourceBefore, targetBefore);
          const inTarget = new Set(targetBefore.map((row) => row.number));
          const landing = selected.filter((row) => !inTarget.has(row.number));

          const result = await act(action, { fromAudienceId: source, toAudienceId: target, ...input });

          const skipped = selected.length - landing.length;
          expect(result).toEqual({
            matchedCount: selected.length,
            changedCount: landing.length,
            skippedCount: skipped,
            skipped: skips([['ALREADY_IN_TARGET', skipped]]),
            unmatchedIds,
          });
          const targetAfter = await rowsOf(target);
          // The target's own rows exactly as they were (ids, details, times); the new ones with the source's details.
          expect(targetAfter.filter((row) => inTarget.has(row.number))).toEqual(targetBefore);
          expect(targetAfter.filter((row) => !inTarget.has(row.number)).map(travelling)).toEqual(landing.map(travelling));
          const sourceAfter = await rowsOf(source);
          expect(sourceAfter).toEqual(action === 'copy' ? sourceBefore : sourceBefore.filter((row) => !selected.includes(row)));
        }),
        { numRuns: 25 },
      );
    }, 180_000);
  }

  it('a copy lands with the number, its country and every detail, and joins the target now', async () => {
    const before = Date.now();
    const { source, other: target } = await scenario(
      [{ number: '+37491234567', firstName: 'Ann', lastName: 'Smith', timestamp: '1767225600', date: '2026-05-01', tags: ['vip', 'am'] }],
      [],
    );
    expect(await act('copy', { fromAudienceId: source, toAudienceId: target, filter: {} })).toMatchObject({ matchedCount: 1, changedCount: 1 });
    const [row] = await rowsOf(target);
    expect(row).toMatchObject({ number: '+37491234567', country: 'AM', firstName: 'Ann', lastName: 'Smith', timestamp: '1767225600', date: '2026-05-01', tags: ['vip', 'am'] });
    expect(row!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const read = await app.gql('query ($id: ID!) { node(id: $id) { ... on AudienceContact { number country firstName tags audience { id } } } }', { id: row!.id });
    expect(read.body.data.node).toEqual({ number: '+37491234567', country: 'AM', firstName: 'Ann', tags: ['vip', 'am'], audience: { id: target } });
  });

  it('a move of rows the target already has still empties them from the source', async () => {
    const numbers = [POOL_NUMBER(0), POOL_NUMBER(1), POOL_NUMBER(2)];
    const { source, other: target, otherBefore } = await scenario(
      numbers.map((number) => ({ number, firstName: 'Source' })),
      numbers.slice(0, 2).map((number) => ({ number, firstName: 'Target' })),
    );
    expect(await act('move', { fromAudienceId: source, toAudienceId: target, filter: {} })).toEqual({
      matchedCount: 3,
      changedCount: 1,
      skippedCount: 2,
      skipped: [{ reason: 'ALREADY_IN_TARGET', count: 2 }],
      unmatchedIds: [],
    });
    expect(await rowsOf(source)).toEqual([]);
    const after = await rowsOf(target);
    expect(after.map((row) => [row.number, row.firstName])).toEqual([...numbers].sort().map((number) => [number, numbers.indexOf(number) < 2 ? 'Target' : 'Source']));
    expect(after.filter((row) => row.firstName === 'Target')).toEqual(otherBefore);
  });
});

describe('remove and tag, against the oracle', () => {
  it('remove: exactly the selected rows leave the audience; the account keeps their contacts', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, rowsArbitrary, selectionArbitrary, async (rows, otherRows, spec) => {
        const { source, sourceBefore, other, otherBefore } = await scenario(rows, otherRows);
        const { input, selected, unmatchedIds } = resolveSelection(spec as SelectionSpec, sourceBefore, otherBefore);
        const result = await act('remove', { audienceId: source, ...input });
        expect(result).toEqual({ matchedCount: selected.length, changedCount: selected.length, skippedCount: 0, skipped: [], unmatchedIds });
        expect(await rowsOf(source)).toEqual(sourceBefore.filter((row) => !selected.includes(row)));
        expect(await rowsOf(other)).toEqual(otherBefore);
        const contacts = await app.database.readRows<{ n: number }>(sql`SELECT count(*)::int AS n FROM contact WHERE id = ANY (${selected.map((row) => row.contactId)}::uuid[])`);
        expect(contacts[0]!.n).toBe(selected.length);
      }),
      { numRuns: 25 },
    );
  }, 180_000);

  const addRemove = fc.record({
    add: fc.uniqueArray(fc.constantFrom(...TAG_POOL), { maxLength: 4 }),
    remove: fc.uniqueArray(fc.constantFrom(...TAG_POOL), { maxLength: 4 }),
  });

  /** The oracle's retagging: tags minus remove (a tag also added is kept), then add, without duplicates. */
  function retag(tags: string[], add: string[], remove: string[]): { tags: string[]; skip: 'UNCHANGED' | 'TAG_LIMIT' | null } {
    const next = [...new Set([...tags, ...add])].filter((tag) => add.includes(tag) || !remove.includes(tag));
    if (next.length === new Set(tags).size && next.every((tag) => tags.includes(tag))) return { tags, skip: 'UNCHANGED' };
    if (next.length > 10) return { tags, skip: 'TAG_LIMIT' };
    return { tags: next, skip: null };
  }

  it('tag: (tags − remove) + add on the rows that change, the 10-tag limit and unchanged rows reported and left untouched', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, rowsArbitrary, selectionArbitrary, addRemove, async (rows, otherRows, spec, { add, remove }) => {
        const { source, sourceBefore, other, otherBefore } = await scenario(rows, otherRows);
        const { input, selected, unmatchedIds } = resolveSelection(spec as SelectionSpec, sourceBefore, otherBefore);
        const outcome = new Map(selected.map((row) => [row.id, retag(row.tags, add, remove)]));
        const count = (skip: string | null) => [...outcome.values()].filter((row) => row.skip === skip).length;
        const started = Date.now();

        const result = await act('tag', { audienceId: source, ...input, add, remove });

        expect(result).toEqual({
          matchedCount: selected.length,
          changedCount: count(null),
          skippedCount: selected.length - count(null),
          skipped: skips([
            ['TAG_LIMIT', count('TAG_LIMIT')],
            ['UNCHANGED', count('UNCHANGED')],
          ]),
          unmatchedIds,
        });
        const after = await rowsOf(source);
        expect(after.map((row) => row.id)).toEqual(sourceBefore.map((row) => row.id));
        after.forEach((row, index) => {
          const before = sourceBefore[index]!;
          const expected = outcome.get(row.id);
          if (!expected || expected.skip) {
            // Not selected, or skipped: not touched at all.
            expect(row).toEqual(before);
          } else {
            expect(row).toEqual({ ...before, tags: expected.tags, updatedAt: row.updatedAt });
            expect(row.updatedAt.getTime()).toBeGreaterThanOrEqual(started - 1000);
          }
        });
        expect(await rowsOf(other)).toEqual(otherBefore);
      }),
      { numRuns: 30 },
    );
  }, 180_000);

  it('tag: a row at 10 tags takes no 11th, a row that already has the tag is unchanged, the others get it at the end', async () => {
    const ten = TAG_POOL.slice(0, 10);
    const { source, sourceBefore } = await scenario(
      [
        { number: POOL_NUMBER(0), tags: ten },
        { number: POOL_NUMBER(1), tags: ['new', 'x'] },
        { number: POOL_NUMBER(2), tags: ['x'] },
        { number: POOL_NUMBER(3), tags: [...ten.slice(0, 9), 'x'] },
      ],
      [],
    );
    expect(await act('tag', { audienceId: source, filter: {}, add: ['new'], remove: ['x'] })).toEqual({
      matchedCount: 4,
      changedCount: 3,
      skippedCount: 1,
      skipped: [{ reason: 'TAG_LIMIT', count: 1 }],
      unmatchedIds: [],
    });
    const byNumber = new Map((await rowsOf(source)).map((row) => [row.number, row]));
    expect(byNumber.get(POOL_NUMBER(0))).toEqual(sourceBefore.find((row) => row.number === POOL_NUMBER(0)));
    expect(byNumber.get(POOL_NUMBER(1))!.tags).toEqual(['new']);
    expect(byNumber.get(POOL_NUMBER(2))!.tags).toEqual(['new']);
    expect(byNumber.get(POOL_NUMBER(3))!.tags).toEqual([...ten.slice(0, 9), 'new']);
    expect(await act('tag', { audienceId: source, filter: { tags: { any: ['new'] } }, add: ['new'] })).toMatchObject({
      matchedCount: 3,
      changedCount: 0,
      skipped: [{ reason: 'UNCHANGED', count: 3 }],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('errors', () => {
  const badRequest = (field: string | null, message: RegExp) => ({ expected: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field }, message });

  let source: string;
  let target: string;
  let before: Stored[][];

  beforeAll(async () => {
    ({ source, other: target } = await scenario([{ number: POOL_NUMBER(5), tags: ['a'] }], [{ number: POOL_NUMBER(6) }]));
    before = [await rowsOf(source), await rowsOf(target)];
  });

  /** The error, and nothing written in either audience. */
  async function expectRefused(action: Action, input: Record<string, unknown>, expected: Parameters<typeof expectError>[1], message?: RegExp, options: Key = {}) {
    const error = expectError(await run(action, input, options), expected);
    if (message) expect(error.message).toMatch(message);
    expect([await rowsOf(source), await rowsOf(target)]).toEqual(before);
  }

  const rowIds = () => ({ ids: [before[0]![0]!.id] });

  it('SEGMENT_SELECTION_INVALID: both filter and ids, neither, no ids, more than 1,000 ids', async () => {
    const { expected, message } = badRequest(null, /either a filter or ids/);
    const ids = rowIds().ids;
    for (const action of ['copy', 'move', 'remove', 'tag'] as const) {
      const audiences = action === 'copy' || action === 'move' ? { fromAudienceId: source, toAudienceId: target } : { audienceId: source };
      const extra = action === 'tag' ? { add: ['b'] } : {};
      await expectRefused(action, { ...audiences, ...extra, filter: {}, ids }, expected, message);
      await expectRefused(action, { ...audiences, ...extra }, expected, message);
      await expectRefused(action, { ...audiences, ...extra, filter: null, ids: null }, expected, message);
      await expectRefused(action, { ...audiences, ...extra, ids: [] }, { ...expected, field: 'ids' }, message);
      const tooMany = [...ids, ...Array.from({ length: 1000 }, () => unknownId('AudienceContact'))];
      await expectRefused(action, { ...audiences, ...extra, ids: tooMany }, { ...expected, field: 'ids' }, message);
    }
    // 1,000 is allowed: one of them is the row, the others name nothing.
    const thousand = [...ids, ...Array.from({ length: 999 }, () => unknownId('AudienceContact'))];
    const result = await act('tag', { audienceId: source, ids: thousand, add: ['a'] });
    expect(result).toMatchObject({ matchedCount: 1, changedCount: 0, skipped: [{ reason: 'UNCHANGED', count: 1 }] });
    expect(result.unmatchedIds).toEqual(thousand.slice(1));
  });

  it('SEGMENT_SAME_AUDIENCE: copy or move an audience into itself', async () => {
    for (const action of ['copy', 'move'] as const) {
      const { expected, message } = badRequest('toAudienceId', /same audience/);
      await expectRefused(action, { fromAudienceId: source, toAudienceId: source, filter: {} }, expected, message);
    }
  });

  it("AUDIENCE_NOT_FOUND: another account's audience as source or target, or as the audience; an unknown one", async () => {
    const theirs = await audienceWith([{ number: POOL_NUMBER(7), tags: ['theirs'] }], { key: globex.key });
    const theirsBefore = await rowsOf(theirs);
    const notFound = (field: string) => ({ code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field });
    for (const action of ['copy', 'move'] as const) {
      await expectRefused(action, { fromAudienceId: theirs, toAudienceId: target, filter: {} }, notFound('fromAudienceId'));
      await expectRefused(action, { fromAudienceId: source, toAudienceId: theirs, filter: {} }, notFound('toAudienceId'));
      await expectRefused(action, { fromAudienceId: unknownId('Audience'), toAudienceId: theirs, filter: {} }, notFound('fromAudienceId'));
      await expectRefused(action, { fromAudienceId: source, toAudienceId: unknownId('Audience'), filter: {} }, notFound('toAudienceId'));
      // With their key, theirs is found and ours is not.
      await expectRefused(action, { fromAudienceId: theirs, toAudienceId: source, filter: {} }, notFound('toAudienceId'), undefined, { key: globex.key });
    }
    await expectRefused('remove', { audienceId: theirs, filter: {} }, notFound('audienceId'));
    await expectRefused('tag', { audienceId: theirs, filter: {}, add: ['x'] }, notFound('audienceId'));
    await expectRefused('tag', { audienceId: unknownId('Audience'), filter: {}, add: ['x'] }, notFound('audienceId'));
    expect(await rowsOf(theirs)).toEqual(theirsBefore);
    // Our ids sent to their audience by them select nothing there.
    const response = await run('remove', { audienceId: theirs, ids: rowIds().ids }, { key: globex.key });
    expect(response.body.data.removeAudienceContacts).toMatchObject({ matchedCount: 0, changedCount: 0, unmatchedIds: rowIds().ids });
    expect([await rowsOf(source), await rowsOf(target), await rowsOf(theirs)]).toEqual([...before, theirsBefore]);
  });

  it('malformed ids: INVALID_AUDIENCE_ID and INVALID_CONTACT_ID, naming the field', async () => {
    await expectRefused('copy', { fromAudienceId: 'nope', toAudienceId: target, filter: {} }, { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'fromAudienceId' });
    await expectRefused('move', { fromAudienceId: source, toAudienceId: rowIds().ids[0], filter: {} }, { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'toAudienceId' });
    await expectRefused('remove', { audienceId: source, ids: [rowIds().ids[0], source] }, { code: 'INVALID_CONTACT_ID', numericCode: 1352, status: 400, field: 'ids[1]' });
  });

  it('an invalid filter: its catalogued error and field, nothing done', async () => {
    await expectRefused('copy', { fromAudienceId: source, toAudienceId: target, filter: { country: ['US', 'XX'] } }, badRequest('filter.country[1]', /Unknown country/).expected, /Unknown country/);
    await expectRefused('remove', { audienceId: source, filter: { tags: { any: [] } } }, badRequest('filter.tags.any', /tag filter/).expected, /tag filter/);
    await expectRefused(
      'tag',
      { audienceId: source, filter: { createdAt: { after: minute(3), before: minute(3) } }, add: ['x'] },
      badRequest('filter.createdAt', /after earlier/).expected,
      /after earlier/,
    );
  });

  it('invalid tags to add or remove: TAGS_INVALID (1359), as for a row’s tags', async () => {
    const tagsInvalid = (field: string) => ({ code: 'VALIDATION_ERROR', numericCode: 1359, status: 422, field });
    await expectRefused('tag', { audienceId: source, filter: {}, add: Array.from({ length: 11 }, (_, i) => `t${i}`) }, tagsInvalid('add'));
    await expectRefused('tag', { audienceId: source, filter: {}, add: ['ok', 'x'.repeat(65)] }, tagsInvalid('add'));
    await expectRefused('tag', { audienceId: source, filter: {}, add: [''] }, tagsInvalid('add'));
    await expectRefused('tag', { audienceId: source, filter: {}, remove: ['a', '\u0000'] }, tagsInvalid('remove'));
    // 64 characters is a tag; one both added and removed is kept.
    expect(await act('tag', { audienceId: source, filter: {}, add: ['x'.repeat(64)], remove: ['x'.repeat(64), 'a'] })).toMatchObject({ changedCount: 1 });
    expect((await rowsOf(source))[0]!.tags).toEqual(['x'.repeat(64)]);
    before[0] = await rowsOf(source);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe.runIf(testEngine === 'postgres')('races with adds, removes and changes of contacts (PostgreSQL)', () => {
  // The source holds SOURCE rows (firstName "S"). The target holds the first OVERLAP of those numbers and
  // TARGET_ONLY others (firstName "T"). While the action runs, staggered over its duration: new numbers added to
  // the source ("SA") and to the target ("TA"), numbers of the source added to the target ("TA", racing the
  // copy for them), and rows removed from both. Afterwards every row is accounted for.
  const SOURCE = 3_000;
  const OVERLAP = 50;
  const TARGET_ONLY = 50;
  const sourceNumber = (i: number) => `+1212${3000000 + i}`;
  const otherNumber = (i: number) => `+1212${4000000 + i}`;

  interface Outcome {
    ok: boolean;
    code?: string;
  }

  async function outcome(request: Promise<GraphQLResponse>): Promise<Outcome> {
    const response = await request;
    if (!response.body.errors) return { ok: true };
    return { ok: false, code: response.body.errors[0]!.extensions?.code };
  }

  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const ADD = 'mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id } } }';
  const REMOVE_ONE = 'mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }';

  for (const action of ['copy', 'move'] as const) {
    it(`${action}: nothing lost, nothing duplicated, the counts as the rows say`, async () => {
      for (let round = 0; round < 3; round++) {
        const source = await audienceWith(Array.from({ length: SOURCE }, (_, i) => ({ number: sourceNumber(i), firstName: 'S' })));
        const target = await audienceWith([
          ...Array.from({ length: OVERLAP }, (_, i) => ({ number: sourceNumber(i), firstName: 'T' })),
          ...Array.from({ length: TARGET_ONLY }, (_, i) => ({ number: otherNumber(i), firstName: 'T' })),
        ]);
        const sourceBefore = await rowsOf(source);
        const targetBefore = await rowsOf(target);
        const sourceRow = new Map(sourceBefore.map((row) => [row.number, row]));
        const targetRow = new Map(targetBefore.map((row) => [row.number, row]));

        // What races the action: each started after a delay spread over the action's likely duration.
        const removedFromSource = Array.from({ length: 20 }, (_, i) => sourceNumber(1000 + i * 7));
        const removedFromTarget = [...Array.from({ length: 10 }, (_, i) => sourceNumber(i)), ...Array.from({ length: 10 }, (_, i) => otherNumber(i))];
        const addedToSource = Array.from({ length: 20 }, (_, i) => otherNumber(1000 + i));
        const addedToTarget = Array.from({ length: 20 }, (_, i) => [otherNumber(2000 + i), sourceNumber(2000 + i)]).flat();
        const later = <T>(index: number, request: () => Promise<T>) => delay(index * 7).then(request);
        const races = {
          removedFromSource: removedFromSource.map((number, i) => later(i, () => outcome(app.gql(REMOVE_ONE, { id: sourceRow.get(number)!.id })))),
          removedFromTarget: removedFromTarget.map((number, i) => later(i, () => outcome(app.gql(REMOVE_ONE, { id: targetRow.get(number)!.id })))),
          addedToSource: addedToSource.map((number, i) => later(i, () => outcome(app.gql(ADD, { input: { audienceId: source, number, firstName: 'SA' } })))),
          addedToTarget: addedToTarget.map((number, i) => later(i, () => outcome(app.gql(ADD, { input: { audienceId: target, number, firstName: 'TA' } })))),
        };
        // The action starts with the first of them, or after some have run, so they come before, during and after it.
        const result = await delay([0, 40, 90][round]!).then(() => act(action, { fromAudienceId: source, toAudienceId: target, filter: {} }));
        const settled = {
          removedFromSource: await Promise.all(races.removedFromSource),
          removedFromTarget: await Promise.all(races.removedFromTarget),
          addedToSource: await Promise.all(races.addedToSource),
          addedToTarget: await Promise.all(races.addedToTarget),
        };

        // Nothing duplicated: one row per number in each audience, as SQL counts them.
        const duplicates = await app.database.readRows<{ n: number }>(sql`
          SELECT count(*)::int AS n FROM (SELECT audience_id, phone FROM audience_contact WHERE audience_id = ANY (${[uuidOf(source), uuidOf(target)]}::uuid[])
          GROUP BY audience_id, phone HAVING count(*) > 1) d`);
        expect(duplicates[0]!.n).toBe(0);

        const sourceAfter = new Map((await rowsOf(source)).map((row) => [row.number, row]));
        const targetAfter = new Map((await rowsOf(target)).map((row) => [row.number, row]));
        // Adds of new numbers and removals of the target's own rows always succeed, whenever they run.
        settled.addedToSource.forEach((added) => expect(added).toEqual({ ok: true }));
        settled.removedFromTarget.forEach((removed) => expect(removed).toEqual({ ok: true }));
        settled.addedToTarget.forEach((added, i) => sourceRow.has(addedToTarget[i]!) || expect(added).toEqual({ ok: true }));

        // The target's own rows: kept as they were; a removed one gone, or (removed before the action) the source's.
        for (const number of targetBefore.map((row) => row.number)) {
          const row = targetAfter.get(number);
          if (!removedFromTarget.includes(number)) expect(row).toEqual(targetRow.get(number));
          else if (!sourceRow.has(number)) expect(row).toBeUndefined();
          else expect(row?.firstName ?? 'gone').toMatch(/^(S|gone)$/);
        }
        // A row removed from the source before the action was not carried; one a move took first could not be removed.
        settled.removedFromSource.forEach((removed, i) => {
          const number = removedFromSource[i]!;
          expect(sourceAfter.has(number)).toBe(false);
          if (action === 'copy') expect(removed).toEqual({ ok: true });
          else expect([removed, targetAfter.get(number)?.firstName]).toEqual(removed.ok ? [{ ok: true }, undefined] : [{ ok: false, code: 'CONTACT_NOT_FOUND' }, 'S']);
        });
        // Every other number of the source is in the target now: carried, or the target's own.
        for (const number of sourceRow.keys()) {
          if (removedFromSource.includes(number) || removedFromTarget.includes(number)) continue;
          const row = targetAfter.get(number);
          expect(row, number).toBeDefined();
          if (targetRow.has(number)) continue;
          const addIndex = addedToTarget.indexOf(number);
          if (addIndex < 0) expect(row!.firstName).toBe('S');
          // Raced by an add: whichever came first holds the number, and the other one knows it.
          else expect([row!.firstName, settled.addedToTarget[addIndex]]).toEqual(row!.firstName === 'TA' ? ['TA', { ok: true }] : ['S', { ok: false, code: 'CONTACT_ALREADY_EXISTS' }]);
        }
        // Numbers added to the source: a copy leaves them there; a move either carried them (added before it) or not (after).
        for (const number of addedToSource) {
          const places = [sourceAfter.get(number)?.firstName, targetAfter.get(number)?.firstName];
          if (action === 'copy') expect(places[0]).toBe('SA');
          else expect(places.filter(Boolean)).toEqual(['SA']);
        }
        for (const number of addedToTarget.filter((candidate) => !sourceRow.has(candidate))) expect(targetAfter.get(number)?.firstName).toBe('TA');

        // The source afterwards: a copy leaves it as the adds and removes made it; a move leaves what came after it.
        const removedCount = settled.removedFromSource.filter((removed) => removed.ok).length;
        if (action === 'copy') expect(sourceAfter.size).toBe(SOURCE + addedToSource.length - removedCount);
        else for (const row of sourceAfter.values()) expect(row.firstName).toBe('SA');

        // The counts: the rows carried are the rows of source origin in the target (none of them was removed).
        const carried = [...targetAfter.values()].filter((row) => row.firstName === 'S' || row.firstName === 'SA').length;
        expect(result.changedCount).toBe(carried);
        expect(result.skipped).toEqual(skips([['ALREADY_IN_TARGET', result.matchedCount - result.changedCount]]));
        if (action === 'move') expect(result.matchedCount).toBe(SOURCE + addedToSource.length - removedCount - sourceAfter.size);
        else {
          expect(result.matchedCount).toBeGreaterThanOrEqual(SOURCE - removedCount);
          expect(result.matchedCount).toBeLessThanOrEqual(SOURCE + addedToSource.length);
        }
      }
    }, 180_000);
  }
  const DELETE_CONTACT = 'mutation ($id: ID!) { deleteContact(input: { id: $id }) { deletedContactId } }';
  const RENUMBER_CONTACT = 'mutation ($id: ID!, $phone: String!) { updateContact(input: { id: $id, phone: $phone }) { contact { id } } }';

  for (const action of ['copy', 'move'] as const) {
    it(`${action} while contacts it carries are deleted or renumbered: it succeeds, and every row has its contact's number`, async () => {
      for (let round = 0; round < 3; round++) {
        const numbers = Array.from({ length: SOURCE }, (_, i) => `+1212${6000000 + round * 10_000 + i}`);
        const source = await audienceWith(numbers.map((number) => ({ number, firstName: 'S' })));
        const target = await audienceWith([]);
        const sourceBefore = await rowsOf(source);
        const contactId = (row: Stored) => encodeGlobalId('Contact', row.contactId);
        const doomed = sourceBefore.filter((_, i) => i % 150 === 7);
        const renumbered = new Map(sourceBefore.filter((_, i) => i % 150 === 77).map((row, i) => [row.number, `+1212${7000000 + (action === 'move' ? 50_000 : 0) + round * 10_000 + i}`]));
        const changes = [
          ...doomed.map((row, i) => delay(i * 7).then(() => outcome(app.gql(DELETE_CONTACT, { id: contactId(row) })))),
          ...[...renumbered].map(([number, phone], i) => delay(i * 7).then(() => outcome(app.gql(RENUMBER_CONTACT, { id: contactId(sourceBefore.find((row) => row.number === number)!), phone })))),
        ];
        const response = await delay([0, 40, 90][round]!).then(() => run(action, { fromAudienceId: source, toAudienceId: target, filter: {} }));
        expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
        const result = Object.values(response.body.data)[0] as Result;
        expect(await Promise.all(changes)).toEqual(changes.map(() => ({ ok: true })));

        // Every row of either audience has its contact's number and country now: none kept a number it replaced.
        const stale = await app.database.readRows<{ n: number }>(sql`
          SELECT count(*)::int AS n FROM audience_contact t JOIN contact c ON c.id = t.contact_id
          WHERE t.audience_id = ANY (${[uuidOf(source), uuidOf(target)]}::uuid[]) AND (t.phone <> c.phone OR t.country IS DISTINCT FROM c.country)`);
        expect(stale[0]!.n).toBe(0);
        // Every contact not deleted was carried (under its new number where it got one): nothing lost.
        const gone = new Set(doomed.map((row) => row.number));
        const expected = numbers.filter((number) => !gone.has(number)).map((number) => renumbered.get(number) ?? number);
        const targetAfter = await rowsOf(target);
        expect(targetAfter.map((row) => row.number)).toEqual(expected.sort());
        expect((await rowsOf(source)).map((row) => row.number)).toEqual(action === 'copy' ? expected : []);
        // Carried: the rows there now, and those of contacts deleted after the action (their deletion waited for it).
        expect(result.changedCount).toBeGreaterThanOrEqual(targetAfter.length);
        expect(result.changedCount).toBeLessThanOrEqual(targetAfter.length + doomed.length);
        expect(result.matchedCount).toBe(result.changedCount);
      }
    }, 180_000);
  }
});

// ---------------------------------------------------------------------------------------------------------

describe('a larger segment', () => {
  const ROWS = 20_000;

  /** The statements one action sends, and how long it took. */
  async function measured(action: Action, input: Record<string, unknown>) {
    statements = [];
    const started = performance.now();
    const result = await act(action, input);
    const ms = performance.now() - started;
    const sent = statements;
    statements = null;
    return { result, ms, sent };
  }

  /** The statements that read or write audience rows (not the statistics gathered after a large write). */
  const onRows = (sent: string[]) => sent.filter((text) => /audience_contact/.test(text) && !/pg_class|ANALYZE/i.test(text));

  it(`copying and tagging ${ROWS.toLocaleString('en-US')} rows sends the statements 3 rows send`, async () => {
    const rows = (count: number, offset: number) =>
      Array.from({ length: count }, (_, i) => ({ number: `+1212${5000000 + offset + i}`, firstName: `F${i % 100}`, tags: i % 3 ? ['bulk'] : [] }));
    const small = await audienceWith(rows(3, 100_000));
    const smallTarget = await audienceWith([]);
    const large = await audienceWith(rows(ROWS, 0));
    const largeTarget = await audienceWith(rows(10, 0));

    const smallCopy = await measured('copy', { fromAudienceId: small, toAudienceId: smallTarget, filter: {} });
    const largeCopy = await measured('copy', { fromAudienceId: large, toAudienceId: largeTarget, filter: {} });
    expect(largeCopy.result).toEqual({ matchedCount: ROWS, changedCount: ROWS - 10, skippedCount: 10, skipped: [{ reason: 'ALREADY_IN_TARGET', count: 10 }], unmatchedIds: [] });
    expect((await rowsOf(largeTarget)).length).toBe(ROWS);

    const smallTag = await measured('tag', { audienceId: small, filter: {}, add: ['more'] });
    const largeTag = await measured('tag', { audienceId: large, filter: { tags: { none: ['bulk'] } }, add: ['more'], remove: ['bulk'] });
    const untagged = Math.ceil(ROWS / 3);
    expect(largeTag.result).toEqual({ matchedCount: untagged, changedCount: untagged, skippedCount: 0, skipped: [], unmatchedIds: [] });
    const tagAll = await measured('tag', { audienceId: large, filter: {}, add: ['bulk'] });
    expect(tagAll.result).toMatchObject({ matchedCount: ROWS, changedCount: untagged, skipped: [{ reason: 'UNCHANGED', count: ROWS - untagged }] });

    // One statement reads and writes the rows, whatever their number; the others lock the audiences, and after a
    // large write gather statistics.
    expect(onRows(largeCopy.sent)).toEqual(onRows(smallCopy.sent));
    for (const { sent } of [smallCopy, largeCopy, smallTag, largeTag, tagAll]) expect(onRows(sent)).toHaveLength(1);
    for (const [few, many] of [
      [smallCopy, largeCopy],
      [smallTag, largeTag],
      [smallTag, tagAll],
    ] as const) {
      expect(many.sent.length).toBeLessThanOrEqual(few.sent.length + 4);
    }
    console.log(
      `${testEngine}: copy ${ROWS} rows ${largeCopy.ms.toFixed(0)} ms (${Math.round(ROWS / (largeCopy.ms / 1000))} rows/s), ` +
        `tag ${untagged} rows ${largeTag.ms.toFixed(0)} ms (${Math.round(untagged / (largeTag.ms / 1000))} rows/s), ` +
        `tag ${ROWS} rows (${untagged} changed) ${tagAll.ms.toFixed(0)} ms; statements: copy ${largeCopy.sent.length}, tag ${largeTag.sent.length}`,
    );
  }, 300_000);
});
