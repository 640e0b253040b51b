import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/schema/ids.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expectDexatelError, rest as restCall, type RestOptions } from './support/rest.js';

// Dexatel's Audience API v1 over real HTTP: every endpoint's happy path, every error row at its boundary,
// tenancy, pagination under inserts, and the same data seen from GraphQL.

let app: TestApp;
let key: string;
let other: { key: string; accountId: string };
let accountId: string;

const rest = (method: string, path: string, body?: unknown, options?: RestOptions) => restCall(app, key, method, path, body, options);
const createAudience = async (name: string, extra: Record<string, unknown> = {}) => {
  const response = await rest('POST', '/v1/audiences', { data: { name, channel: 'SMS', ...extra } });
  expect(response.status, response.text).toBe(201);
  return response.body.data as { id: string; name: string };
};
const addContact = async (audienceId: string, fields: Record<string, unknown>) => {
  const response = await rest('POST', `/v1/audiences/${audienceId}/contacts`, { data: fields });
  expect(response.status, response.text).toBe(201);
  return response.body.data as { id: string; number: string };
};
const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

beforeAll(async () => {
  app = await startTestApp({ hardening: { maxBodyBytes: 20_000 } });
  ({ key, accountId } = await app.createAccount('REST account'));
  other = await app.createAccount('Other account');
});
afterAll(() => app?.close());

describe('audiences', () => {
  it('POST creates an audience with its contacts (201), in the seed shape with links and UTC dates', async () => {
    const response = await rest('POST', '/v1/audiences', {
      data: { name: '  Spring sale ', channel: 'whatsapp', contacts: [{ number: '1 415 555 2671', first_name: 'Ann', tags: ['vip'] }, { number: '+442071838750' }] },
    });
    expect(response.status).toBe(201);
    const audience = response.body.data;
    expect(Object.keys(audience)).toEqual(['id', 'account_id', 'name', 'channel', 'contacts_count', 'create_date', 'update_date', 'links']);
    expect(audience).toMatchObject({ account_id: accountId, name: 'Spring sale', channel: 'WHATSAPP', contacts_count: 2 });
    expect(audience.create_date).toMatch(DATE);
    expect(audience.update_date).toMatch(DATE);
    expect(audience.links).toEqual({
      self: `${app.url}/v1/audiences/${audience.id}`,
      account: `${app.url}/v1/accounts/${accountId}`,
      contacts: `${app.url}/v1/audiences/${audience.id}/contacts`,
    });
    const contacts = await rest('GET', audience.links.contacts);
    expect(contacts.body.data.map((c: any) => [c.number, c.first_name, c.tags])).toEqual([
      ['+14155552671', 'Ann', ['vip']],
      ['+442071838750', null, []],
    ]);
  });

  it('GET reads one with contacts_count; PUT renames; DELETE answers 204 with an empty body and keeps the contacts', async () => {
    const audience = await createAudience('Rename me', { contacts: [{ number: '+14155550100' }] });
    const read = await rest('GET', `/v1/audiences/${audience.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ id: audience.id, name: 'Rename me', contacts_count: 1 });
    const renamed = await rest('PUT', `/v1/audiences/${audience.id}`, { data: { name: 'Renamed' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ id: audience.id, name: 'Renamed', contacts_count: 1 });
    const deleted = await rest('DELETE', `/v1/audiences/${audience.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectDexatelError(await rest('GET', `/v1/audiences/${audience.id}`), { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    const kept = await app.gql('{ contacts(search: "4155550100") { totalCount } }');
    expect(kept.body.data.contacts.totalCount).toBe(1);
  });

  it('GET /v1/audiences filters by channel in any case; an unknown channel is 1307', async () => {
    await createAudience('Viber list', { channel: 'VIBER' });
    const viber = await rest('GET', '/v1/audiences?filter[channel]=viber');
    expect(viber.status).toBe(200);
    expect(viber.body.data.length).toBeGreaterThan(0);
    expect(viber.body.data.every((a: any) => a.channel === 'VIBER')).toBe(true);
    expect(viber.body.pagination.total).toBe(viber.body.data.length);
    expect(viber.body.data[0]).not.toHaveProperty('contacts_count');
    expectDexatelError(await rest('GET', '/v1/audiences?filter[channel]=fax'), { status: 422, code: 1307, name: 'VALIDATION_ERROR', field: 'filter[channel]' });
  });

  it('every audience rule at its boundary, with the seed code and the field as the request spells it', async () => {
    const post = (data: unknown) => rest('POST', '/v1/audiences', { data });
    const max = 'n'.repeat(128);
    expect((await post({ name: max, channel: 'SMS' })).status).toBe(201);
    expectDexatelError(await post({ channel: 'SMS' }), { status: 422, code: 1303, name: 'VALIDATION_ERROR', field: 'data.name' });
    expectDexatelError(await post({ name: '   ', channel: 'SMS' }), { status: 422, code: 1303, name: 'VALIDATION_ERROR', field: 'data.name' });
    expectDexatelError(await post({ name: 'bad\u0007name', channel: 'SMS' }), { status: 422, code: 1304, name: 'VALIDATION_ERROR', field: 'data.name' });
    expectDexatelError(await post({ name: `${max}n`, channel: 'SMS' }), { status: 422, code: 1305, name: 'VALIDATION_ERROR', field: 'data.name' });
    expectDexatelError(await post({ name: 'No channel' }), { status: 422, code: 1306, name: 'VALIDATION_ERROR', field: 'data.channel' });
    expectDexatelError(await post({ name: 'Bad channel', channel: 'FAX' }), { status: 422, code: 1307, name: 'VALIDATION_ERROR', field: 'data.channel' });
    const ten = Array.from({ length: 10 }, (_, i) => ({ number: `+1415555${String(1000 + i)}` }));
    expect((await post({ name: 'Ten', channel: 'SMS', contacts: ten })).status).toBe(201);
    expectDexatelError(await post({ name: 'Eleven', channel: 'SMS', contacts: [...ten, { number: '+14155552000' }] }), {
      status: 422, code: 1308, name: 'VALIDATION_ERROR', field: 'data.contacts',
    });
    expectDexatelError(await post({ name: max.toUpperCase(), channel: 'SMS' }), { status: 409, code: 1309, name: 'AUDIENCE_ALREADY_EXISTS', field: 'data.name' });
    expectDexatelError(await post({ name: 'Bad contact', channel: 'SMS', contacts: [{ number: '+14155550101' }, { number: '12' }] }), {
      status: 422, code: 1354, name: 'VALIDATION_ERROR', field: 'data.contacts[1].number',
    });
    expectDexatelError(await post({ name: 'Bad contact', channel: 'SMS', contacts: [{ number: '+14155550101', last_name: 'l'.repeat(129) }] }), {
      status: 422, code: 1362, name: 'VALIDATION_ERROR', field: 'data.contacts[0].last_name',
    });
    // Nothing of a refused create landed.
    expect((await rest('GET', '/v1/audiences?page_size=100')).body.data.some((a: any) => a.name === 'Bad contact')).toBe(false);
  });

  it('PUT: a missing name is 1303, a taken one 1309, an unknown audience 1301, a malformed id 1302', async () => {
    const audience = await createAudience('Put target');
    await createAudience('Taken name');
    expectDexatelError(await rest('PUT', `/v1/audiences/${audience.id}`, { data: {} }), { status: 422, code: 1303, name: 'VALIDATION_ERROR', field: 'data.name' });
    expectDexatelError(await rest('PUT', `/v1/audiences/${audience.id}`, { data: { name: 'taken NAME' } }), { status: 409, code: 1309, name: 'AUDIENCE_ALREADY_EXISTS', field: 'data.name' });
    expectDexatelError(await rest('PUT', `/v1/audiences/${randomUUID()}`, { data: { name: 'x' } }), { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    for (const method of ['GET', 'PUT', 'DELETE']) {
      expectDexatelError(await rest(method, '/v1/audiences/not-a-uuid', method === 'PUT' ? { data: { name: 'x' } } : undefined), {
        status: 400, code: 1302, name: 'INVALID_AUDIENCE_ID', field: 'audience_id',
      });
    }
  });
});

describe('contacts of an audience', () => {
  let audienceId: string;
  beforeAll(async () => {
    audienceId = (await createAudience('Contacts home')).id;
  });

  it('POST adds (201), GET reads, PUT keeps omitted fields and clears nulls, DELETE removes (204) and keeps the account contact', async () => {
    const added = await rest('POST', `/v1/audiences/${audienceId}/contacts`, {
      data: { number: '+1 (415) 555-0123', first_name: 'Cy', last_name: 'Young', timestamp: '1700000000', date: '2026-12-01', tags: ['a', 'b'] },
    });
    expect(added.status).toBe(201);
    const contact = added.body.data;
    expect(Object.keys(contact)).toEqual([
      'id', 'account_id', 'audience_id', 'number', 'first_name', 'last_name', 'timestamp', 'date', 'tags', 'create_date', 'update_date', 'links',
    ]);
    expect(contact).toMatchObject({ account_id: accountId, audience_id: audienceId, number: '+14155550123', first_name: 'Cy', last_name: 'Young', timestamp: '1700000000', date: '2026-12-01', tags: ['a', 'b'] });
    expect(contact.links).toEqual({
      self: `${app.url}/v1/audiences/${audienceId}/contacts/${contact.id}`,
      account: `${app.url}/v1/accounts/${accountId}`,
      audience: `${app.url}/v1/audiences/${audienceId}`,
    });
    const read = await rest('GET', contact.links.self);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual(contact);

    const updated = await rest('PUT', contact.links.self, { data: { first_name: 'Cyrus', last_name: null, tags: null } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ first_name: 'Cyrus', last_name: null, timestamp: '1700000000', date: '2026-12-01', tags: [], number: '+14155550123' });

    const removed = await rest('DELETE', contact.links.self);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expectDexatelError(await rest('GET', contact.links.self), { status: 404, code: 1351, name: 'CONTACT_NOT_FOUND', field: 'contact_id' });
    const account = await app.gql('{ contacts(search: "4155550123") { totalCount } }');
    expect(account.body.data.contacts.totalCount).toBe(1);
  });

  it('every contact rule at its boundary: 1353, 1354, 1355, 1359, 1360, 1361–1364', async () => {
    const post = (data: unknown) => rest('POST', `/v1/audiences/${audienceId}/contacts`, { data });
    const n = '+14155550150';
    expectDexatelError(await post({ first_name: 'No number' }), { status: 422, code: 1353, name: 'VALIDATION_ERROR', field: 'data.number' });
    expectDexatelError(await post({ number: '12345' }), { status: 422, code: 1354, name: 'VALIDATION_ERROR', field: 'data.number' });
    expectDexatelError(await post({ number: `+1 415 555 0150${' '.repeat(18)}` }), { status: 422, code: 1355, name: 'VALIDATION_ERROR', field: 'data.number' });
    expectDexatelError(await post({ number: n, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }), { status: 422, code: 1359, name: 'VALIDATION_ERROR', field: 'data.tags' });
    expectDexatelError(await post({ number: n, tags: ['x'.repeat(65)] }), { status: 422, code: 1359, name: 'VALIDATION_ERROR', field: 'data.tags' });
    expectDexatelError(await post({ number: n, first_name: 'f'.repeat(129) }), { status: 422, code: 1361, name: 'VALIDATION_ERROR', field: 'data.first_name' });
    expectDexatelError(await post({ number: n, last_name: 'l'.repeat(129) }), { status: 422, code: 1362, name: 'VALIDATION_ERROR', field: 'data.last_name' });
    expectDexatelError(await post({ number: n, timestamp: 't'.repeat(65) }), { status: 422, code: 1363, name: 'VALIDATION_ERROR', field: 'data.timestamp' });
    expectDexatelError(await post({ number: n, date: 'd'.repeat(65) }), { status: 422, code: 1364, name: 'VALIDATION_ERROR', field: 'data.date' });
    // At the limits everything passes; the same number again is 1360 (after normalisation).
    const atLimits = { number: n, first_name: 'f'.repeat(128), last_name: 'l'.repeat(128), timestamp: 't'.repeat(64), date: 'd'.repeat(64), tags: Array.from({ length: 10 }, () => 'x'.repeat(64)) };
    expect((await post(atLimits)).status).toBe(201);
    expectDexatelError(await post({ number: '1 415 555 0150' }), { status: 409, code: 1360, name: 'CONTACT_ALREADY_EXISTS', field: 'data.number' });
  });

  it('PUT rules and ids: 1361 on update, 1351 for a contact of another audience, 1352 for a malformed id, 1301 for an unknown audience', async () => {
    const contact = await addContact(audienceId, { number: '+14155550160' });
    const elsewhere = (await createAudience('Elsewhere')).id;
    const path = `/v1/audiences/${audienceId}/contacts/${contact.id}`;
    expectDexatelError(await rest('PUT', path, { data: { first_name: 'f'.repeat(129) } }), { status: 422, code: 1361, name: 'VALIDATION_ERROR', field: 'data.first_name' });
    // The number belongs to the account's contact: a PUT that tries to change it is told so, not ignored.
    expectDexatelError(await rest('PUT', path, { data: { number: '+14155550162', first_name: 'x' } }), { status: 400, code: null, name: 'INVALID_REQUEST', field: 'data.number' });
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const body = method === 'PUT' ? { data: { first_name: 'x' } } : undefined;
      expectDexatelError(await rest(method, `/v1/audiences/${elsewhere}/contacts/${contact.id}`, body), { status: 404, code: 1351, name: 'CONTACT_NOT_FOUND', field: 'contact_id' });
      expectDexatelError(await rest(method, `/v1/audiences/${audienceId}/contacts/${randomUUID()}`, body), { status: 404, code: 1351, name: 'CONTACT_NOT_FOUND', field: 'contact_id' });
      expectDexatelError(await rest(method, `/v1/audiences/${audienceId}/contacts/nope`, body), { status: 400, code: 1352, name: 'INVALID_CONTACT_ID', field: 'contact_id' });
      expectDexatelError(await rest(method, `/v1/audiences/${randomUUID()}/contacts/${contact.id}`, body), { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
      expectDexatelError(await rest(method, `/v1/audiences/nope/contacts/${contact.id}`, body), { status: 400, code: 1302, name: 'INVALID_AUDIENCE_ID', field: 'audience_id' });
    }
    expectDexatelError(await rest('GET', `/v1/audiences/${randomUUID()}/contacts`), { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    expectDexatelError(await rest('POST', `/v1/audiences/${randomUUID()}/contacts`, { data: { number: '+14155550161' } }), { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    // Still there, unchanged.
    expect((await rest('GET', path)).body.data.first_name).toBeNull();
  });

  it('filter[search] is the GraphQL search: names, and any fragment of the number', async () => {
    const home = (await createAudience('Search home')).id;
    await addContact(home, { number: '+14155552671', first_name: 'Ann', last_name: 'Smith' });
    await addContact(home, { number: '+442071838750', first_name: 'Bob' });
    const search = async (term: string) =>
      (await rest('GET', `/v1/audiences/${home}/contacts?filter[search]=${encodeURIComponent(term)}`)).body.data.map((c: any) => c.number);
    expect(await search('ann smi')).toEqual(['+14155552671']);
    expect(await search('(415)')).toEqual(['+14155552671']);
    expect(await search('+44 20')).toEqual(['+442071838750']);
    expect(await search('nobody')).toEqual([]);
    const graphql = await app.gql('query ($id: ID!) { audience(id: $id) { contacts(search: "ann smi") { totalCount } } }', { id: encodeGlobalId('Audience', home) });
    expect(graphql.body.data.audience.contacts.totalCount).toBe(1);
  });
});

describe('pagination', () => {
  it('walks forwards by the next links with rows inserted between pages: every row once, in order, totals current', async () => {
    const audienceId = (await createAudience('Paged')).id;
    const numbers = Array.from({ length: 7 }, (_, i) => `+1415555${3000 + i}`);
    for (const number of numbers) await addContact(audienceId, { number });
    let url: string | null = `/v1/audiences/${audienceId}/contacts?page_size=3`;
    const seen: string[] = [];
    const pages: any[] = [];
    let inserted = 0;
    while (url) {
      const page = await rest('GET', url);
      expect(page.status, page.text).toBe(200);
      pages.push(page.body.pagination);
      seen.push(...page.body.data.map((c: any) => c.number));
      expect(page.body.pagination.size).toBe(page.body.data.length);
      // A new row after each page: it sorts last, so the walk meets it without repeating anything.
      if (inserted < 2) numbers.push((await addContact(audienceId, { number: `+1415555${3100 + inserted++}` })).number);
      url = page.body.pagination.links.next;
    }
    expect(seen).toEqual(numbers);
    expect(pages.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(pages.map((p) => p.total)).toEqual([7, 8, 9]);
    expect(pages[0].links.previous).toBeNull();
    expect(pages[0].links.first).toBe(`${app.url}/v1/audiences/${audienceId}/contacts?page_size=3`);
    expect(pages[2].links.next).toBeNull();

    // Backwards from the last page by the previous links: the same pages, numbered the same.
    const last = await rest('GET', pages[2].links.current);
    const previous = await rest('GET', last.body.pagination.links.previous);
    expect(previous.body.pagination.number).toBe(2);
    expect(previous.body.data.map((c: any) => c.number)).toEqual(numbers.slice(3, 6));
    const first = await rest('GET', previous.body.pagination.links.previous);
    expect(first.body.pagination).toMatchObject({ number: 1, links: { previous: null } });
    expect(first.body.data.map((c: any) => c.number)).toEqual(numbers.slice(0, 3));
  });

  it('page_size 1..100, default 50; anything else and a malformed page_token are 400', async () => {
    const audienceId = (await createAudience('Sizes')).id;
    expect((await rest('GET', `/v1/audiences/${audienceId}/contacts?page_size=100`)).status).toBe(200);
    expect((await rest('GET', `/v1/audiences/${audienceId}/contacts`)).body.pagination).toMatchObject({ number: 1, size: 0, total: 0, links: { next: null, previous: null } });
    for (const size of ['0', '101', 'abc', '-1', '1.5', '']) {
      expectDexatelError(await rest('GET', `/v1/audiences/${audienceId}/contacts?page_size=${size}`), { status: 400, code: null, name: 'BAD_USER_INPUT', field: 'page_size' });
    }
    for (const token of ['garbage', Buffer.from('{"v":1,"number":0}').toString('base64url'), Buffer.from('{"v":1,"number":2,"after":"x"}').toString('base64url')]) {
      expectDexatelError(await rest('GET', `/v1/audiences?page_token=${token}`), { status: 400, code: null, name: 'BAD_USER_INPUT', field: 'page_token' });
    }
  });
});

describe('one account never sees another', () => {
  it("another account's audience and contact ids answer exactly like unknown ids on every endpoint, and change nothing", async () => {
    const mine = await createAudience('Private', { contacts: [{ number: '+14155550170', first_name: 'Secret' }] });
    const contact = (await rest('GET', `/v1/audiences/${mine.id}/contacts`)).body.data[0];
    const unknownAudience = randomUUID();
    const unknownContact = randomUUID();
    const cases: Array<[string, (a: string, c: string) => string, unknown]> = [
      ['GET', (a) => `/v1/audiences/${a}`, undefined],
      ['PUT', (a) => `/v1/audiences/${a}`, { data: { name: 'Hijacked' } }],
      ['DELETE', (a) => `/v1/audiences/${a}`, undefined],
      ['GET', (a) => `/v1/audiences/${a}/contacts`, undefined],
      ['POST', (a) => `/v1/audiences/${a}/contacts`, { data: { number: '+14155550171' } }],
      ['GET', (a, c) => `/v1/audiences/${a}/contacts/${c}`, undefined],
      ['PUT', (a, c) => `/v1/audiences/${a}/contacts/${c}`, { data: { first_name: 'Hijacked' } }],
      ['DELETE', (a, c) => `/v1/audiences/${a}/contacts/${c}`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const foreign = await rest(method, path(mine.id, contact.id), body, { key: other.key });
      const unknown = await rest(method, path(unknownAudience, unknownContact), body, { key: other.key });
      expect(foreign.status, `${method} ${path('A', 'C')}`).toBe(unknown.status);
      expect(foreign.body, `${method} ${path('A', 'C')}`).toEqual(unknown.body);
      expect(foreign.status).toBe(404);
    }
    const list = await rest('GET', '/v1/audiences?page_size=100', undefined, { key: other.key });
    expect(list.text).not.toContain(mine.id);
    const still = await rest('GET', `/v1/audiences/${mine.id}/contacts/${contact.id}`);
    expect(still.body.data).toMatchObject({ first_name: 'Secret' });
    expect((await rest('GET', `/v1/audiences/${mine.id}`)).body.data).toMatchObject({ name: 'Private', contacts_count: 1 });
  });
});

describe('the account', () => {
  it("links.account reads the key's own account; any other account id is 404 like an unknown one", async () => {
    const audience = await createAudience('Linked');
    const account = await rest('GET', (await rest('GET', `/v1/audiences/${audience.id}`)).body.data.links.account);
    expect(account.status).toBe(200);
    expect(account.body.data).toMatchObject({ id: accountId, name: 'REST account' });
    expect(account.body.data.create_date).toMatch(DATE);
    const foreign = await rest('GET', `/v1/accounts/${other.accountId}`);
    const unknown = await rest('GET', `/v1/accounts/${randomUUID()}`);
    expectDexatelError(foreign, { status: 404, code: null, name: 'ACCOUNT_NOT_FOUND', field: 'account_id' });
    expect(foreign.body).toEqual(unknown.body);
  });
});

describe('one API, two fronts', () => {
  it('created over REST, seen and renamed over GraphQL, read back over REST', async () => {
    const audience = await createAudience('Both fronts', { contacts: [{ number: '+14155550180', first_name: 'Dee' }] });
    const globalId = encodeGlobalId('Audience', audience.id);
    const seen = await app.gql('query ($id: ID!) { audience(id: $id) { name contacts { totalCount edges { node { id number firstName } } } } }', { id: globalId });
    expect(seen.body.data.audience).toMatchObject({ name: 'Both fronts', contacts: { totalCount: 1, edges: [{ node: { number: '+14155550180', firstName: 'Dee' } }] } });
    const restContact = (await rest('GET', `/v1/audiences/${audience.id}/contacts`)).body.data[0];
    expect(seen.body.data.audience.contacts.edges[0].node.id).toBe(encodeGlobalId('AudienceContact', restContact.id));
    const renamed = await app.gql('mutation ($id: ID!) { updateAudience(input: { id: $id, name: "Renamed in GraphQL" }) { audience { name } } }', { id: globalId });
    expect(renamed.body.data.updateAudience.audience.name).toBe('Renamed in GraphQL');
    expect((await rest('GET', `/v1/audiences/${audience.id}`)).body.data.name).toBe('Renamed in GraphQL');
  });
});

describe('requests the API refuses before any rule', () => {
  it('401 without a key, with an unknown key, with a revoked one; Bearer works like X-Dexatel-Key', async () => {
    expectDexatelError(await rest('GET', '/v1/audiences', undefined, { key: null }), { status: 401, code: null, name: 'UNAUTHENTICATED', field: null });
    const unknown = await rest('GET', '/v1/audiences', undefined, { key: 'cgk_unknown_key_0000000000000000000000000000' });
    expectDexatelError(unknown, { status: 401, code: null, name: 'UNAUTHENTICATED' });
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer');
    const bearer = await rest('GET', '/v1/audiences', undefined, { key: null, headers: { authorization: `Bearer ${key}` } });
    expect(bearer.status).toBe(200);
  });

  it('malformed JSON, a missing data, a wrong JSON type: 400 INVALID_REQUEST naming the field; nothing is written', async () => {
    const before = (await rest('GET', '/v1/audiences?page_size=100')).body.pagination.total;
    expectDexatelError(await rest('POST', '/v1/audiences', undefined, { raw: '{"data": {"name": "x",' }), { status: 400, code: null, name: 'INVALID_REQUEST', field: null });
    expectDexatelError(await rest('POST', '/v1/audiences', undefined, { raw: '' }), { status: 400, code: null, name: 'INVALID_REQUEST', field: null });
    expectDexatelError(await rest('POST', '/v1/audiences', { name: 'x', channel: 'SMS' }), { status: 400, code: null, name: 'INVALID_REQUEST', field: 'data' });
    expectDexatelError(await rest('POST', '/v1/audiences', []), { status: 400, code: null, name: 'INVALID_REQUEST' });
    expectDexatelError(await rest('POST', '/v1/audiences', { data: 'x' }), { status: 400, code: null, name: 'INVALID_REQUEST', field: 'data' });
    expectDexatelError(await rest('POST', '/v1/audiences', { data: { name: 5, channel: 'SMS' } }), { status: 400, code: null, name: 'INVALID_REQUEST', field: 'data.name' });
    expectDexatelError(await rest('POST', '/v1/audiences', { data: { name: 'x', channel: 'SMS', contacts: [{ number: 14155550100 }] } }), {
      status: 400, code: null, name: 'INVALID_REQUEST', field: 'data.contacts[0].number',
    });
    expectDexatelError(await rest('POST', '/v1/audiences', { data: { name: 'x', channel: 'SMS', contacts: [{ number: '+14155550100', tags: 'vip' }] } }), {
      status: 400, code: null, name: 'INVALID_REQUEST', field: 'data.contacts[0].tags',
    });
    expect((await rest('GET', '/v1/audiences?page_size=100')).body.pagination.total).toBe(before);
  });

  it('a body that is not JSON is 415; over MAX_BODY_BYTES is 413; nested past 100 is INPUT_TOO_DEEP', async () => {
    expectDexatelError(await rest('POST', '/v1/audiences', undefined, { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), {
      status: 415, code: null, name: 'UNSUPPORTED_CONTENT_TYPE',
    });
    expectDexatelError(await rest('POST', '/v1/audiences', { data: { name: 'x'.repeat(20_001), channel: 'SMS' } }), { status: 413, code: null, name: 'PAYLOAD_TOO_LARGE' });
    const deep = `{"data":{"name":"x","channel":"SMS","contacts":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    expectDexatelError(await rest('POST', '/v1/audiences', undefined, { raw: deep }), { status: 400, code: null, name: 'INPUT_TOO_DEEP' });
  });

  it('an unknown endpoint is 404 NOT_FOUND in the same error shape', async () => {
    expectDexatelError(await rest('GET', '/v1/nothing-here'), { status: 404, code: null, name: 'NOT_FOUND' });
    expectDexatelError(await rest('PATCH', '/v1/audiences'), { status: 404, code: null, name: 'NOT_FOUND' });
  });
});

describe('shared with GraphQL: idempotency, rate limit, logs and metrics', () => {
  it('Idempotency-Key on POST, PUT and DELETE: a retry replays the first answer and writes nothing; another body is IDEMPOTENCY_KEY_REUSED', async () => {
    const headers = { 'idempotency-key': `create-${randomUUID()}` };
    const first = await rest('POST', '/v1/audiences', { data: { name: 'Once', channel: 'SMS' } }, { headers });
    const retry = await rest('POST', '/v1/audiences', { data: { channel: 'SMS', name: 'Once' } }, { headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const other = await rest('POST', '/v1/audiences', { data: { name: 'Twice', channel: 'SMS' } }, { headers });
    expectDexatelError(other, { status: 422, code: null, name: 'IDEMPOTENCY_KEY_REUSED' });
    const deleteHeaders = { 'idempotency-key': `delete-${randomUUID()}` };
    expect((await rest('DELETE', `/v1/audiences/${first.body.data.id}`, undefined, { headers: deleteHeaders })).status).toBe(204);
    const replayed = await rest('DELETE', `/v1/audiences/${first.body.data.id}`, undefined, { headers: deleteHeaders });
    expect(replayed.status).toBe(204);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expectDexatelError(await rest('POST', '/v1/audiences', { data: { name: 'x', channel: 'SMS' } }, { headers: { 'idempotency-key': 'bad key with spaces' } }), {
      status: 400, code: null, name: 'IDEMPOTENCY_KEY_INVALID',
    });
  });

  it('logs one line per call with its route template, and counts it in /metrics by route', async () => {
    const requestId = `rest-${randomUUID()}`;
    const audienceId = (await createAudience('Observed')).id;
    await rest('GET', `/v1/audiences/${audienceId}`, undefined, { headers: { 'x-request-id': requestId } });
    const line = app.logged.find((entry) => entry.fields.requestId === requestId);
    expect(line?.message).toBe('rest request');
    expect(line?.fields).toMatchObject({ method: 'GET', route: '/v1/audiences/{audience_id}', status: 200, accountId });
    expect(app.logLines.join('\n')).not.toContain(key);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/rest_requests_total\{route="\/v1\/audiences\/\{audience_id\}",method="GET",status="200"\} \d+/);
  });
});

describe('rate limit: one bucket per key for both fronts', () => {
  let limited: TestApp;
  let limitedKey: string;
  beforeAll(async () => {
    limited = await startTestApp({ hardening: { rateLimitBurst: 4, rateLimitPerSecond: 0.001 } });
    ({ key: limitedKey } = await limited.createAccount('Limited'));
  });
  afterAll(() => limited?.close());

  it('REST and GraphQL calls spend the same burst; past it REST answers 429 with Retry-After', async () => {
    expect((await restCall(limited, limitedKey, 'GET', '/v1/audiences')).status).toBe(200);
    expect((await limited.gql('{ viewer { id } }', undefined, { key: limitedKey })).status).toBe(200);
    expect((await restCall(limited, limitedKey, 'GET', '/v1/audiences')).status).toBe(200);
    expect((await limited.gql('{ viewer { id } }', undefined, { key: limitedKey })).status).toBe(200);
    const refused = await restCall(limited, limitedKey, 'GET', '/v1/audiences');
    expectDexatelError(refused, { status: 429, code: null, name: 'RATE_LIMITED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.gql('{ viewer { id } }', undefined, { key: limitedKey })).status).toBe(429);
  });
});
