import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/schema/ids.js';
import { startTestApp, type TestApp } from './support/app.js';
import { rest, type RestOptions, type RestResponse } from './support/rest.js';

// Seed 003's contacts API over real HTTP: /v1/contacts on the same data, keys and rules as GraphQL.

let app: TestApp;
let acme: { key: string; accountId: string };
let globex: { key: string; accountId: string };
/** The SQL statements the server sends while set (the batching test reads them). */
let statements: string[] | null = null;

beforeAll(async () => {
  // The suite sends a few hundred requests with one key: far more than the default burst allows.
  app = await startTestApp({ hardening: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 }, onQuery: (sql) => statements?.push(sql) });
  acme = await app.createAccount('Acme'); // the default key of app.gql
  globex = await app.createAccount('Globex');
});
afterAll(() => app?.close());

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** One call with acme's key unless told otherwise (`key: null` sends none). */
const call = (method: string, path: string, { body, ...options }: RestOptions & { body?: unknown } = {}) => rest(app, acme.key, method, path, body, options);

/** Seed 003's error body: status, `error`, catalogue `code` and `field` exactly, a message, and no leak. */
function expectContactsError(reply: RestResponse, status: number, error: string, code: string, field: string | null) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(reply.body).toEqual({ error, code, field, message: expect.any(String) });
  expect(reply.text).not.toMatch(/prisma|SELECT|INSERT|stack|\.ts:\d+/i);
  return reply.body as { error: string; code: string; field: string | null; message: string };
}

/** Another account's id gets the very response an id nobody has gets: nothing tells it exists. */
function expectForeignLikeUnknown(foreign: RestResponse, unknown: RestResponse, code: string, field: string) {
  expectContactsError(unknown, 404, 'not_found', code, field);
  expect(foreign.status).toBe(404);
  expect(foreign.text).toBe(unknown.text);
}

let sequence = 0;

/** A fresh valid number, E.164, unique in this run. */
function freshPhone(): string {
  return `+1415555${String(1000 + sequence++).padStart(4, '0')}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A list (a Dexatel audience) of `key`'s account: its `lst_` id and its audience UUID. */
async function createList(key = acme.key): Promise<{ lst: string; uuid: string }> {
  const reply = await call('POST', '/v1/audiences', { body: { data: { name: `List ${sequence++} ${randomUUID()}`, channel: 'SMS' } }, key });
  expect(reply.status, reply.text).toBe(201);
  return { lst: `lst_${reply.body.data.id}`, uuid: reply.body.data.id };
}

async function createContact(body: Record<string, unknown>, key = acme.key) {
  const reply = await call('POST', '/v1/contacts', { body, key });
  expect(reply.status, reply.text).toBe(201);
  return reply.body as { id: string; name: string | null; phone: string; email: string | null; lists: string[]; created_at: string };
}

const uuidOf = (prefixed: string) => prefixed.slice(4);

const GQL_CONTACT = 'query ($id: ID!) { contact(id: $id) { id phone name email createdAt audiences(first: 100) { edges { node { id } } } } }';

// ---------------------------------------------------------------------------------------------------------

describe('POST /v1/contacts', () => {
  it('201: the contact itself, unwrapped, with cnt_ id, E.164 phone, lst_ lists in list order and an ISO UTC created_at', async () => {
    const first = await createList();
    const second = await createList();
    const phone = freshPhone();
    // Given out of order: the response lists them in the lists' own order (oldest first), as every read does.
    const reply = await call('POST', '/v1/contacts', { body: { name: 'Maria Santos', phone, email: 'maria@example.com', lists: [second.lst, first.lst] } });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      id: expect.stringMatching(new RegExp(`^cnt_${UUID}$`)),
      name: 'Maria Santos',
      phone,
      email: 'maria@example.com',
      lists: [first.lst, second.lst],
      created_at: expect.stringMatching(ISO_UTC),
    });
    expect(Math.abs(Date.parse(reply.body.created_at) - Date.now())).toBeLessThan(60_000);

    // GET returns the same object.
    const read = await call('GET', `/v1/contacts/${reply.body.id}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toEqual(reply.body);
  });

  it("201 with a phone only: name and email null, lists empty; seed 003's Angolan example is accepted", async () => {
    const created = await createContact({ phone: '+244912345678' });
    expect(created).toMatchObject({ name: null, email: null, phone: '+244912345678', lists: [] });
  });

  it('one list given twice is one membership', async () => {
    const list = await createList();
    const created = await createContact({ phone: freshPhone(), lists: [list.lst, list.lst] });
    expect(created.lists).toEqual([list.lst]);
  });

  it('the contact is the same data over GraphQL: contact(id: base64url("Contact:" + uuid)), its audiences the lists', async () => {
    const list = await createList();
    const created = await createContact({ name: 'Ana', phone: freshPhone(), email: 'ana@example.com', lists: [list.lst] });
    const globalId = encodeGlobalId('Contact', uuidOf(created.id));
    const response = await app.gql(GQL_CONTACT, { id: globalId });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.contact).toEqual({
      id: globalId,
      phone: created.phone,
      name: 'Ana',
      email: 'ana@example.com',
      createdAt: created.created_at,
      audiences: { edges: [{ node: { id: encodeGlobalId('Audience', list.uuid) } }] },
    });
  });

  it('a contact created over GraphQL (lenient phone) reads over REST in E.164 with its lists', async () => {
    const list = await createList();
    const line = String(1000 + sequence++).padStart(4, '0');
    const response = await app.gql('mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }', {
      input: { phone: `1 (415) 555-${line}`, audienceIds: [encodeGlobalId('Audience', list.uuid)] },
    });
    expect(response.body.errors).toBeUndefined();
    const uuid = Buffer.from(response.body.data.createContact.contact.id, 'base64url').toString('utf8').split(':')[1];
    const read = await call('GET', `/v1/contacts/cnt_${uuid}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ id: `cnt_${uuid}`, phone: `+1415555${line}`, lists: [list.lst] });
  });

  describe('400 invalid_request', () => {
    it('malformed JSON and an empty body', async () => {
      expectContactsError(await call('POST', '/v1/contacts', { raw: '{"phone": "+14155550000"' }), 400, 'invalid_request', 'INVALID_REQUEST', null);
      expectContactsError(await call('POST', '/v1/contacts', { raw: '' }), 400, 'invalid_request', 'INVALID_REQUEST', null);
    });

    it('wrong JSON types name the field as sent', async () => {
      const cases: Array<[unknown, string | null]> = [
        [[], null],
        ['a string', null],
        [{ phone: 14155550000 }, 'phone'],
        [{ phone: freshPhone(), name: 42 }, 'name'],
        [{ phone: freshPhone(), email: true }, 'email'],
        [{ phone: freshPhone(), lists: 'lst_x' }, 'lists'],
        [{ phone: freshPhone(), lists: [1] }, 'lists[0]'],
      ];
      for (const [body, field] of cases) {
        expectContactsError(await call('POST', '/v1/contacts', { body }), 400, 'invalid_request', 'INVALID_REQUEST', field);
      }
    });

    it('malformed list ids: INVALID_AUDIENCE_ID naming lists[i]; nothing is created', async () => {
      const list = await createList();
      const phone = freshPhone();
      for (const bad of ['abc', list.uuid, `cnt_${list.uuid}`, 'lst_not-a-uuid', `lst_${list.uuid.toUpperCase()}`, '']) {
        expectContactsError(await call('POST', '/v1/contacts', { body: { phone, lists: [list.lst, bad] } }), 400, 'invalid_request', 'INVALID_AUDIENCE_ID', 'lists[1]');
      }
      await createContact({ phone });
    });
  });

  it('415: a body that is not JSON', async () => {
    const reply = await call('POST', '/v1/contacts', { raw: 'phone=+14155550000', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectContactsError(reply, 415, 'unsupported_media_type', 'UNSUPPORTED_CONTENT_TYPE', null);
  });

  it('401 unauthorized: no key, an unknown key', async () => {
    for (const key of [null, 'not-a-key']) {
      const reply = await call('POST', '/v1/contacts', { body: { phone: freshPhone() }, key });
      expectContactsError(reply, 401, 'unauthorized', 'UNAUTHENTICATED', null);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it("404 not_found: an unknown list and another account's list answer alike, and nothing is created", async () => {
    const mine = await createList();
    const theirs = await createList(globex.key);
    const phone = freshPhone();
    const unknown = await call('POST', '/v1/contacts', { body: { phone, lists: [mine.lst, `lst_${randomUUID()}`] } });
    const foreign = await call('POST', '/v1/contacts', { body: { phone, lists: [mine.lst, theirs.lst] } });
    expectForeignLikeUnknown(foreign, unknown, 'AUDIENCE_NOT_FOUND', 'lists[1]');
    // All or nothing: the phone is still free.
    await createContact({ phone });
  });

  it('409 conflict: a phone the account already has; another account may have it too', async () => {
    const phone = freshPhone();
    await createContact({ phone });
    expectContactsError(await call('POST', '/v1/contacts', { body: { phone, name: 'Again' } }), 409, 'conflict', 'CONTACT_ALREADY_EXISTS', 'phone');
    await createContact({ phone }, globex.key);
  });

  describe('422 validation_error', () => {
    it('a phone not typed as E.164 (no +, spaces, punctuation, trunk 0, padding), though GraphQL would take it', async () => {
      for (const phone of ['14155552671', '244912345678', '+244 912 345 678', '+1 (415) 555-2671', '+1-415-555-2671', '+4402079460000', ' +14155552671', '+14155552671 ']) {
        const error = expectContactsError(await call('POST', '/v1/contacts', { body: { phone } }), 422, 'validation_error', 'VALIDATION_ERROR', 'phone');
        expect(error.message).toMatch(/E\.164/);
      }
    });

    it('a phone in E.164 shape that is no real number, or too long', async () => {
      for (const phone of ['+1234', '+14155552671 ext. 12', `+1${'4'.repeat(40)}`]) {
        expectContactsError(await call('POST', '/v1/contacts', { body: { phone } }), 422, 'validation_error', 'VALIDATION_ERROR', 'phone');
      }
    });

    it('a missing phone: absent, null or blank', async () => {
      for (const body of [{}, { name: 'No phone' }, { phone: null }, { phone: '' }, { phone: '   ' }]) {
        const error = expectContactsError(await call('POST', '/v1/contacts', { body }), 422, 'validation_error', 'VALIDATION_ERROR', 'phone');
        expect(error.message).toBe('Phone number is required');
      }
    });

    it('a malformed email', async () => {
      for (const email of ['not-an-email', 'a@', '@example.com', 'a b@example.com']) {
        const error = expectContactsError(await call('POST', '/v1/contacts', { body: { phone: freshPhone(), email } }), 422, 'validation_error', 'VALIDATION_ERROR', 'email');
        expect(error.message).toBe('Email address is invalid');
      }
    });

    it('a name over 256 characters', async () => {
      expectContactsError(await call('POST', '/v1/contacts', { body: { phone: freshPhone(), name: 'x'.repeat(257) } }), 422, 'validation_error', 'VALIDATION_ERROR', 'name');
    });
  });
});

describe('GET /v1/contacts/{id}', () => {
  it('400 invalid_request: malformed ids (no prefix, another prefix, not a UUID)', async () => {
    const created = await createContact({ phone: freshPhone() });
    const uuid = uuidOf(created.id);
    for (const bad of ['abc', uuid, `lst_${uuid}`, `cnt_${uuid.slice(1)}`, `cnt_${uuid.toUpperCase()}`, 'cnt_']) {
      expectContactsError(await call('GET', `/v1/contacts/${encodeURIComponent(bad)}`), 400, 'invalid_request', 'INVALID_CONTACT_ID', 'id');
    }
  });

  it("404 not_found: an unknown id and another account's contact answer alike", async () => {
    const theirs = await createContact({ phone: freshPhone() }, globex.key);
    const unknown = await call('GET', `/v1/contacts/cnt_${randomUUID()}`);
    const foreign = await call('GET', `/v1/contacts/${theirs.id}`);
    expectForeignLikeUnknown(foreign, unknown, 'CONTACT_NOT_FOUND', 'id');
  });

  it('401 unauthorized', async () => {
    const created = await createContact({ phone: freshPhone() });
    expectContactsError(await call('GET', `/v1/contacts/${created.id}`, { key: null }), 401, 'unauthorized', 'UNAUTHENTICATED', null);
  });

  it('lists follow the audiences: a number added through the Dexatel audience API shows in the contact', async () => {
    const created = await createContact({ phone: freshPhone() });
    const list = await createList();
    const added = await call('POST', `/v1/audiences/${list.uuid}/contacts`, { body: { data: { number: created.phone } } });
    expect(added.status, added.text).toBe(201);
    expect((await call('GET', `/v1/contacts/${created.id}`)).body.lists).toEqual([list.lst]);
  });
});

describe('GET /v1/contacts', () => {
  let pager: { key: string; accountId: string };
  /** The pager account's contacts in creation batches; the API's order is (created_at, id). */
  let all: Array<Awaited<ReturnType<typeof createContact>>>;
  let list: { lst: string; uuid: string };
  let inList: string[];

  beforeAll(async () => {
    pager = await app.createAccount('Pager');
    list = await createList(pager.key);
    all = [];
    for (let batch = 0; batch < 101; batch += 10) {
      const size = Math.min(10, 101 - batch);
      const created = await Promise.all(
        Array.from({ length: size }, (_, i) => createContact({ phone: freshPhone(), ...((batch + i) % 3 === 0 ? { lists: [list.lst] } : {}) }, pager.key)),
      );
      all.push(...created);
    }
    all.sort((a, b) => a.created_at.localeCompare(b.created_at) || uuidOf(a.id).localeCompare(uuidOf(b.id)));
    inList = all.filter((contact) => contact.lists.length).map((contact) => contact.id);
  });

  const page = (query: string, key = pager.key) => call('GET', `/v1/contacts${query}`, { key });

  it('defaults: page 1 of 50, oldest first, with the pagination object', async () => {
    const reply = await page('');
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.pagination).toEqual({ page: 1, per_page: 50, total: 101, total_pages: 3 });
    expect(reply.body.data.map((contact: { id: string }) => contact.id)).toEqual(all.slice(0, 50).map((contact) => contact.id));
    expect(reply.body.data[0]).toEqual({ id: all[0]!.id, name: null, phone: expect.any(String), email: null, lists: expect.any(Array), created_at: all[0]!.created_at });
  });

  it('per_page 100 is allowed; page 2 holds the rest; the pages together are every contact once, in order', async () => {
    const first = await page('?per_page=100');
    const second = await page('?per_page=100&page=2');
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toHaveLength(100);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.pagination).toEqual({ page: 2, per_page: 100, total: 101, total_pages: 2 });
    expect([...first.body.data, ...second.body.data].map((contact: { id: string }) => contact.id)).toEqual(all.map((contact) => contact.id));
  });

  it("one statement reads the lists of a whole page's contacts", async () => {
    await page('?per_page=1'); // the key is looked up once and cached: it does not count below
    statements = [];
    try {
      const reply = await page('?per_page=100');
      expect(reply.status).toBe(200);
      expect(reply.body.data.filter((contact: { lists: string[] }) => contact.lists.length)).toHaveLength(inList.length);
      expect(statements.filter((sql) => sql.includes('array_agg'))).toHaveLength(1);
    } finally {
      statements = null;
    }
  });

  it('a page past the end is empty, with the true total', async () => {
    for (const query of ['?page=4', '?page=3&per_page=100', '?page=999999999']) {
      const reply = await page(query);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.data).toEqual([]);
      expect(reply.body.pagination.total).toBe(101);
    }
  });

  it('an account without contacts: total 0, no pages', async () => {
    const empty = await app.createAccount('Empty');
    const reply = await page('', empty.key);
    expect(reply.body).toEqual({ data: [], pagination: { page: 1, per_page: 50, total: 0, total_pages: 0 } });
  });

  it('400: per_page outside 1..100 or not a whole number', async () => {
    for (const perPage of ['101', '0', '-1', '1.5', 'abc', '', '1e2']) {
      expectContactsError(await page(`?per_page=${encodeURIComponent(perPage)}`), 400, 'invalid_request', 'BAD_USER_INPUT', 'per_page');
    }
  });

  it('400: page below 1 or not a whole number', async () => {
    for (const number of ['0', '-1', '1.5', 'abc', '', ' 1']) {
      expectContactsError(await page(`?page=${encodeURIComponent(number)}`), 400, 'invalid_request', 'INVALID_REQUEST', 'page');
    }
  });

  it('list_id: only the contacts in that list, paged and counted', async () => {
    const reply = await page(`?list_id=${list.lst}&per_page=10&page=2`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.pagination).toEqual({ page: 2, per_page: 10, total: inList.length, total_pages: Math.ceil(inList.length / 10) });
    expect(reply.body.data.map((contact: { id: string }) => contact.id)).toEqual(inList.slice(10, 20));
    for (const contact of reply.body.data) expect(contact.lists).toEqual([list.lst]);
  });

  it("list_id: 404 for an unknown list and another account's list alike; 400 for a malformed one", async () => {
    const theirs = await createList(globex.key);
    const unknown = await page(`?list_id=lst_${randomUUID()}`);
    const foreign = await page(`?list_id=${theirs.lst}`);
    expectForeignLikeUnknown(foreign, unknown, 'AUDIENCE_NOT_FOUND', 'list_id');
    // This API's word for an audience is "list", in its messages too.
    expect(unknown.body.message).toBe('List is not found');
    for (const bad of ['abc', list.uuid, `cnt_${list.uuid}`, 'lst_1', '']) {
      expect(expectContactsError(await page(`?list_id=${encodeURIComponent(bad)}`), 400, 'invalid_request', 'INVALID_AUDIENCE_ID', 'list_id').message).toBe('Invalid list identifier');
    }
  });

  it("shows only the caller's contacts", async () => {
    const reply = await page('?per_page=100', acme.key);
    const ids = new Set(all.map((contact) => contact.id));
    expect(reply.status).toBe(200);
    expect(reply.body.data.length).toBeGreaterThan(0);
    for (const contact of reply.body.data) expect(ids.has(contact.id)).toBe(false);
  });

  it('401 unauthorized', async () => {
    expectContactsError(await page('', 'not-a-key'), 401, 'unauthorized', 'UNAUTHENTICATED', null);
  });
});

describe('DELETE /v1/contacts/{id}', () => {
  it('204 with an empty body; the contact leaves every list, the lists stay, GraphQL no longer finds it', async () => {
    const first = await createList();
    const second = await createList();
    const keep = await createContact({ phone: freshPhone(), lists: [first.lst, second.lst] });
    const gone = await createContact({ phone: freshPhone(), lists: [first.lst, second.lst] });

    const reply = await call('DELETE', `/v1/contacts/${gone.id}`);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');

    expectContactsError(await call('GET', `/v1/contacts/${gone.id}`), 404, 'not_found', 'CONTACT_NOT_FOUND', 'id');
    for (const list of [first, second]) {
      const members = await call('GET', `/v1/audiences/${list.uuid}/contacts`);
      expect(members.status, members.text).toBe(200);
      expect(members.body.data.map((row: { number: string }) => row.number)).toEqual([keep.phone]);
      expect(members.body.pagination.total).toBe(1);
      const listed = await call('GET', `/v1/contacts?list_id=${list.lst}`);
      expect(listed.body.data.map((contact: { id: string }) => contact.id)).toEqual([keep.id]);
    }
    const graphql = await app.gql(GQL_CONTACT, { id: encodeGlobalId('Contact', uuidOf(gone.id)) });
    expect(graphql.body.errors).toBeUndefined();
    expect(graphql.body.data.contact).toBeNull();

    // Gone for good: a second delete is a 404, and the phone is free again.
    expectContactsError(await call('DELETE', `/v1/contacts/${gone.id}`), 404, 'not_found', 'CONTACT_NOT_FOUND', 'id');
    await createContact({ phone: gone.phone });
  });

  it("404 not_found: an unknown id and another account's contact answer alike, and theirs survives", async () => {
    const theirs = await createContact({ phone: freshPhone() }, globex.key);
    const unknown = await call('DELETE', `/v1/contacts/cnt_${randomUUID()}`);
    const foreign = await call('DELETE', `/v1/contacts/${theirs.id}`);
    expectForeignLikeUnknown(foreign, unknown, 'CONTACT_NOT_FOUND', 'id');
    expect((await call('GET', `/v1/contacts/${theirs.id}`, { key: globex.key })).status).toBe(200);
  });

  it('400 invalid_request: malformed ids', async () => {
    for (const bad of ['abc', randomUUID(), `lst_${randomUUID()}`, 'cnt_123']) {
      expectContactsError(await call('DELETE', `/v1/contacts/${bad}`), 400, 'invalid_request', 'INVALID_CONTACT_ID', 'id');
    }
  });

  it('401 unauthorized, and the contact stays', async () => {
    const created = await createContact({ phone: freshPhone() });
    expectContactsError(await call('DELETE', `/v1/contacts/${created.id}`, { key: null }), 401, 'unauthorized', 'UNAUTHENTICATED', null);
    expect((await call('GET', `/v1/contacts/${created.id}`)).status).toBe(200);
  });
});

describe('OpenAPI document', () => {
  it('describes the four operations under the Contacts tag, with their success and error responses', async () => {
    const reply = await call('GET', '/v1/openapi.json', { key: null });
    expect(reply.status).toBe(200);
    const paths = reply.body.paths;
    const operations = [
      [paths['/v1/contacts']?.post, 'createContact', '201'],
      [paths['/v1/contacts']?.get, 'listContacts', '200'],
      [paths['/v1/contacts/{id}']?.get, 'getContact', '200'],
      [paths['/v1/contacts/{id}']?.delete, 'deleteContact', '204'],
    ] as const;
    for (const [operation, operationId, success] of operations) {
      expect(operation?.operationId).toBe(operationId);
      expect(operation.tags).toEqual(['Contacts']);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining([success, '400', '401']));
      expect(operation.responses['401'].content['application/json'].schema.$ref).toBe('#/components/schemas/ContactsError');
    }
  });
});
