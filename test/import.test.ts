import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizePhone } from '../src/domain/phone.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { type GraphQLResponse, onlyError, startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';

let app: TestApp;
let acme: { key: string; accountId: string };

beforeAll(async () => {
  app = await startTestApp();
  acme = await app.createAccount('Acme'); // the default key of app.gql
});
afterAll(() => app?.close());

// ---------------------------------------------------------------------------------------------------------
// Helpers

let sequence = 0;

/** A fresh valid number each call, in several spellings of the same E.164 number. */
function freshPhone() {
  const line = String(1000 + sequence++).padStart(4, '0');
  return {
    e164: `+1628555${line}`,
    plain: `1628555${line}`,
    spaced: `+1 628 555 ${line}`,
    formatted: `1 (628) 555-${line}`,
  };
}

/** `count` distinct valid numbers, +1 650 2xx xxxx, every one accepted by the gateway's own rule. */
function bulkNumbers(count: number): string[] {
  const numbers = Array.from({ length: count }, (_, i) => `+1650${2_000_000 + i}`);
  for (const number of numbers) expect(normalizePhone(number)).toBe(number);
  return numbers;
}

const IMPORT = `mutation ($input: ImportAudienceContactsInput!) {
  importAudienceContacts(input: $input) {
    importedCount updatedCount
    rejected { index number code numericCode message field }
    audience { id contacts { totalCount } }
  }
}`;
const CREATE_AUDIENCE = 'mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id } } }';
const CREATE_CONTACT = 'mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id phone name } } }';
const AUDIENCE_CONTACTS = `query ($id: ID!, $first: Int, $search: String) {
  audience(id: $id) {
    contacts(first: $first, search: $search) {
      totalCount
      edges { node { id number firstName lastName timestamp date tags contact { id phone name } } }
    }
  }
}`;
const CONTACTS_TOTAL = 'query ($search: String) { contacts(search: $search) { totalCount } }';

interface Row {
  number: string;
  firstName?: string | null;
  lastName?: string | null;
  timestamp?: string | null;
  date?: string | null;
  tags?: string[] | null;
}

interface ImportResult {
  importedCount: number;
  updatedCount: number;
  rejected: Array<{ index: number; number: string | null; code: string; numericCode: number | null; message: string; field: string | null }>;
  audience: { id: string; contacts: { totalCount: number } };
}

async function createAudience(key = acme.key): Promise<string> {
  const name = `Import ${sequence++} ${randomUUID().slice(0, 8)}`;
  const response = await app.gql(CREATE_AUDIENCE, { input: { name, channel: 'SMS' } }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createAudience.audience.id;
}

async function importRows(audienceId: string, rows: Row[], key = acme.key): Promise<ImportResult> {
  const response = await app.gql(IMPORT, { input: { audienceId, contacts: rows } }, { key });
  expect(response.body.errors).toBeUndefined();
  const result = response.body.data.importAudienceContacts as ImportResult;
  // No row vanishes: each one is imported, updated or rejected.
  expect(result.importedCount + result.updatedCount + result.rejected.length).toBe(rows.length);
  return result;
}

type StoredRow = {
  id: string;
  number: string;
  firstName: string | null;
  lastName: string | null;
  timestamp: string | null;
  date: string | null;
  tags: string[];
  contact: { id: string; phone: string; name: string | null };
};

async function storedRows(audienceId: string, key = acme.key): Promise<{ totalCount: number; byNumber: Map<string, StoredRow> }> {
  const response = await app.gql(AUDIENCE_CONTACTS, { id: audienceId, first: 100 }, { key });
  expect(response.body.errors).toBeUndefined();
  const contacts = response.body.data.audience.contacts;
  return {
    totalCount: contacts.totalCount,
    byNumber: new Map(contacts.edges.map((edge: { node: StoredRow }) => [edge.node.number, edge.node])),
  };
}

async function accountContactsWith(e164: string, key = acme.key): Promise<number> {
  const response = await app.gql(CONTACTS_TOTAL, { search: e164.replace(/\D/g, '') }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.contacts.totalCount;
}

const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;

// ---------------------------------------------------------------------------------------------------------

describe('importAudienceContacts with mixed rows', () => {
  const p = Array.from({ length: 9 }, () => freshPhone());
  const tenLongTags = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(64, 't'));
  const rows: Row[] = [
    { number: p[0]!.spaced, firstName: 'Ann', lastName: 'Smith', timestamp: '1700000000', date: '2024-01-31', tags: ['vip'] }, // 0 valid
    { number: '12345', firstName: 'Invalid number' }, // 1: 1354
    { number: p[1]!.e164, firstName: 'f'.repeat(129) }, // 2: 1361
    { number: p[2]!.e164, tags: Array.from({ length: 11 }, (_, i) => `tag${i}`) }, // 3: 1359
    { number: p[3]!.plain }, // 4 valid, details left out
    { number: p[0]!.formatted, firstName: 'Duplicate' }, // 5: 1360, row 0's number in another spelling
    { number: '' }, // 6: 1353
    { number: '1'.repeat(33) }, // 7: 1355
    { number: p[4]!.e164, lastName: 'l'.repeat(129) }, // 8: 1362
    { number: p[5]!.e164, timestamp: 't'.repeat(65) }, // 9: 1363
    { number: p[6]!.e164, date: 'd'.repeat(65) }, // 10: 1364
    { number: p[7]!.e164, firstName: 'f'.repeat(128), lastName: 'l'.repeat(128), timestamp: 't'.repeat(64), date: 'd'.repeat(64), tags: tenLongTags }, // 11 valid at the limits
    { number: p[8]!.e164, tags: ['ok', ''] }, // 12: 1359 (an empty tag)
  ];
  const expectedRejected = [
    { index: 1, number: '12345', code: 'VALIDATION_ERROR', numericCode: 1354, field: 'number' },
    { index: 2, number: p[1]!.e164, code: 'VALIDATION_ERROR', numericCode: 1361, field: 'firstName' },
    { index: 3, number: p[2]!.e164, code: 'VALIDATION_ERROR', numericCode: 1359, field: 'tags' },
    { index: 5, number: p[0]!.formatted, code: 'CONTACT_ALREADY_EXISTS', numericCode: 1360, field: 'number' },
    { index: 6, number: '', code: 'VALIDATION_ERROR', numericCode: 1353, field: 'number' },
    { index: 7, number: '1'.repeat(33), code: 'VALIDATION_ERROR', numericCode: 1355, field: 'number' },
    { index: 8, number: p[4]!.e164, code: 'VALIDATION_ERROR', numericCode: 1362, field: 'lastName' },
    { index: 9, number: p[5]!.e164, code: 'VALIDATION_ERROR', numericCode: 1363, field: 'timestamp' },
    { index: 10, number: p[6]!.e164, code: 'VALIDATION_ERROR', numericCode: 1364, field: 'date' },
    { index: 12, number: p[8]!.e164, code: 'VALIDATION_ERROR', numericCode: 1359, field: 'tags' },
  ];
  let audienceId: string;
  let first: ImportResult;

  beforeAll(async () => {
    audienceId = await createAudience();
    first = await importRows(audienceId, rows);
  });

  it('lands the valid rows and reports each invalid row with its index, number, code, numericCode and field', async () => {
    expect(first.importedCount).toBe(3);
    expect(first.updatedCount).toBe(0);
    expect(first.rejected.length).toBe(expectedRejected.length);
    const rejected = [...first.rejected].sort(byIndex);
    rejected.forEach((row, i) => {
      expect(row).toMatchObject(expectedRejected[i]!);
      expect(typeof row.message).toBe('string');
      expect(row.message.length).toBeGreaterThan(0);
    });
    expect(first.audience).toEqual({ id: audienceId, contacts: { totalCount: 3 } });
  });

  it('stores the valid rows with their details, numbers in E.164', async () => {
    const stored = await storedRows(audienceId);
    expect(stored.totalCount).toBe(3);
    expect([...stored.byNumber.keys()].sort()).toEqual([p[0]!.e164, p[3]!.e164, p[7]!.e164].sort());
    // The first occurrence of a number wins; the later duplicate row does not overwrite it.
    expect(stored.byNumber.get(p[0]!.e164)).toMatchObject({
      firstName: 'Ann',
      lastName: 'Smith',
      timestamp: '1700000000',
      date: '2024-01-31',
      tags: ['vip'],
      contact: { phone: p[0]!.e164 },
    });
    expect(stored.byNumber.get(p[3]!.e164)).toMatchObject({ firstName: null, lastName: null, timestamp: null, date: null, tags: [] });
    expect(stored.byNumber.get(p[7]!.e164)).toMatchObject({
      firstName: 'f'.repeat(128),
      lastName: 'l'.repeat(128),
      timestamp: 't'.repeat(64),
      date: 'd'.repeat(64),
      tags: tenLongTags,
    });
  });

  it('creates no account contact for a rejected row', async () => {
    for (const phone of [p[1]!, p[2]!, p[4]!, p[5]!, p[6]!, p[8]!]) expect(await accountContactsWith(phone.e164)).toBe(0);
    expect(await accountContactsWith(p[0]!.e164)).toBe(1);
  });

  it('imports the same file again as updates: no duplicates, the same rejections', async () => {
    const again = await importRows(audienceId, rows);
    expect(again.importedCount).toBe(0);
    expect(again.updatedCount).toBe(first.importedCount);
    expect([...again.rejected].sort(byIndex)).toEqual([...first.rejected].sort(byIndex));
    expect(again.audience.contacts.totalCount).toBe(3);
    const stored = await storedRows(audienceId);
    expect(stored.totalCount).toBe(3);
    expect(stored.byNumber.get(p[0]!.e164)!.firstName).toBe('Ann');
    expect(await accountContactsWith(p[0]!.e164)).toBe(1);
  });
});

describe('importAudienceContacts updates', () => {
  it('keeps a stored value for a field the row omits and clears it on an explicit null', async () => {
    const audienceId = await createAudience();
    const phone = freshPhone();
    const original = { number: phone.e164, firstName: 'First', lastName: 'Last', timestamp: 'ts', date: 'dt', tags: ['a', 'b'] };
    expect((await importRows(audienceId, [original])).importedCount).toBe(1);
    const before = (await storedRows(audienceId)).byNumber.get(phone.e164)!;

    const result = await importRows(audienceId, [{ number: phone.formatted, firstName: null, tags: null, date: 'new date' }]);
    expect(result).toMatchObject({ importedCount: 0, updatedCount: 1, rejected: [] });
    const after = await storedRows(audienceId);
    expect(after.totalCount).toBe(1);
    expect(after.byNumber.get(phone.e164)).toMatchObject({
      id: before.id,
      firstName: null,
      lastName: 'Last',
      timestamp: 'ts',
      date: 'new date',
      tags: [],
    });

    await importRows(audienceId, [{ number: phone.plain, lastName: null, timestamp: null, date: null }]);
    expect((await storedRows(audienceId)).byNumber.get(phone.e164)).toMatchObject({
      id: before.id,
      firstName: null,
      lastName: null,
      timestamp: null,
      date: null,
      tags: [],
    });
  });

  it("adds a number to the account's existing contact instead of duplicating it", async () => {
    const audienceId = await createAudience();
    const phone = freshPhone();
    const created = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, name: 'Existing' } });
    const contact = created.body.data.createContact.contact;
    const result = await importRows(audienceId, [{ number: phone.spaced, firstName: 'In audience' }]);
    expect(result).toMatchObject({ importedCount: 1, updatedCount: 0, rejected: [] });
    expect(await accountContactsWith(phone.e164)).toBe(1);
    expect((await storedRows(audienceId)).byNumber.get(phone.e164)).toMatchObject({
      firstName: 'In audience',
      contact: { id: contact.id, phone: phone.e164, name: 'Existing' },
    });
  });

  it('lands a later valid row whose number an earlier, rejected row had', async () => {
    const audienceId = await createAudience();
    const phone = freshPhone();
    const result = await importRows(audienceId, [
      { number: phone.e164, firstName: 'x'.repeat(129) },
      { number: phone.spaced, firstName: 'Valid' },
    ]);
    expect(result.importedCount).toBe(1);
    expect(result.rejected).toMatchObject([{ index: 0, code: 'VALIDATION_ERROR', numericCode: 1361, field: 'firstName' }]);
    expect((await storedRows(audienceId)).byNumber.get(phone.e164)!.firstName).toBe('Valid');
  });

  it('takes an empty list', async () => {
    const audienceId = await createAudience();
    expect(await importRows(audienceId, [])).toMatchObject({ importedCount: 0, updatedCount: 0, rejected: [], audience: { contacts: { totalCount: 0 } } });
  });
});

describe('importAudienceContacts size limit', () => {
  it('takes 10,000 rows in one call', async () => {
    const account = await app.createAccount('Bulk');
    const audienceId = await createAudience(account.key);
    const numbers = bulkNumbers(10_000);
    // A mix of spellings: the + is optional on input.
    const rows = numbers.map((number, i) => (i % 2 ? { number: number.slice(1), firstName: `Row ${i}` } : { number }));
    const result = await importRows(audienceId, rows, account.key);
    expect(result).toMatchObject({ importedCount: 10_000, updatedCount: 0, rejected: [] });
    expect(result.audience.contacts.totalCount).toBe(10_000);
    const contacts = await app.gql('{ contacts { totalCount } }', {}, { key: account.key });
    expect(contacts.body.data.contacts.totalCount).toBe(10_000);
    const stored = await storedRows(audienceId, account.key);
    for (const [number, row] of stored.byNumber) {
      const i = numbers.indexOf(number);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(row.firstName).toBe(i % 2 ? `Row ${i}` : null);
    }
  });

  it('rejects 10,001 rows with BAD_USER_INPUT / 400 and writes nothing', async () => {
    const account = await app.createAccount('Too big');
    const audienceId = await createAudience(account.key);
    const rows = bulkNumbers(10_001).map((number) => ({ number }));
    const response = await app.gql(IMPORT, { input: { audienceId, contacts: rows } }, { key: account.key });
    expect(response.body.data ?? null).toBeNull();
    expectError(response, { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field: 'contacts' });
    expect((await storedRows(audienceId, account.key)).totalCount).toBe(0);
    const contacts = await app.gql('{ contacts { totalCount } }', {}, { key: account.key });
    expect(contacts.body.data.contacts.totalCount).toBe(0);
  });
});

describe('importAudienceContacts audience', () => {
  it("answers an unknown or another account's audience with 1301, writing nothing", async () => {
    const other = await app.createAccount('Other');
    const foreignAudience = await createAudience(other.key);
    const phone = freshPhone();
    for (const audienceId of [encodeGlobalId('Audience', randomUUID()), foreignAudience]) {
      const response = await app.gql(IMPORT, { input: { audienceId, contacts: [{ number: phone.e164 }] } });
      expect(response.body.data ?? null).toBeNull();
      expectError(response, { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' });
    }
    expect(await accountContactsWith(phone.e164)).toBe(0);
    expect(await accountContactsWith(phone.e164, other.key)).toBe(0);
    expect((await storedRows(foreignAudience, other.key)).totalCount).toBe(0);
  });

  it('answers a malformed audience id with 1302', async () => {
    for (const audienceId of ['nope', encodeGlobalId('Contact', randomUUID())]) {
      const response = await app.gql(IMPORT, { input: { audienceId, contacts: [{ number: freshPhone().e164 }] } });
      expectError(response, { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'audienceId' });
    }
  });
});
