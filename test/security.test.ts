import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHashMatches, hashApiKey } from '../src/domain/apiKeys.js';
import { schema } from '../src/schema/index.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';
import { rest } from './support/rest.js';
import { projectRoot } from './support/run.js';

let app: TestApp;
let a: { key: string; accountId: string };
let b: { key: string; accountId: string };
/** Every id A has, as A's key sees them. */
/** An audience of B's own: segment actions between it and A's must not reach A's. */
let ownAudienceOfB: string;
const A: Record<'account' | 'audience' | 'contact' | 'audienceContact' | 'standalone', string> = {
  account: '', audience: '', contact: '', audienceContact: '', standalone: '',
};

beforeAll(async () => {
  app = await startTestApp();
  a = await app.createAccount('Account A');
  b = await app.createAccount('Account B');
  const created = await app.gql(
    `mutation { createAudience(input: { name: "A's list", channel: SMS, contacts: [{ number: "+14155550101", firstName: "Ann" }] }) {
      audience { id contacts { edges { node { id contact { id } } } } } } }`,
    {},
    { key: a.key },
  );
  const audience = created.body.data.createAudience.audience;
  A.audience = audience.id;
  A.audienceContact = audience.contacts.edges[0].node.id;
  A.contact = audience.contacts.edges[0].node.contact.id;
  A.standalone = (await app.gql('mutation { createContact(input: { phone: "+14155550102", name: "Solo" }) { contact { id } } }', {}, { key: a.key })).body.data.createContact.contact.id;
  A.account = (await app.gql('{ viewer { id } }', {}, { key: a.key })).body.data.viewer.id;
  ownAudienceOfB = (await app.gql('mutation { createAudience(input: { name: "B own segment target", channel: SMS }) { audience { id } } }', {}, { key: b.key })).body.data.createAudience
    .audience.id;
});
afterAll(() => app?.close());

describe('API keys', () => {
  it('are compared in constant time: the stored hash is checked with timingSafeEqual after the indexed lookup', () => {
    const hash = hashApiKey('cgk_example_key_0123456789');
    expect(apiKeyHashMatches(hash, hash)).toBe(true);
    expect(apiKeyHashMatches(hash, hashApiKey('cgk_example_key_0123456788'))).toBe(false);
    expect(apiKeyHashMatches(hash, hash.slice(0, 10))).toBe(false);
    expect(apiKeyHashMatches(hash, 'zz'.repeat(32))).toBe(false);
    const source = readFileSync(`${projectRoot}src/domain/apiKeys.ts`, 'utf8');
    expect(source).toMatch(/timingSafeEqual\(/);
    expect(readFileSync(`${projectRoot}src/services/accounts.ts`, 'utf8')).toMatch(/apiKeyHashMatches\(/);
  });

  it('are stored only as SHA-256 hashes and never appear in logs, even when a request fails unexpectedly', async () => {
    const stored = await app.database.prisma.apiKey.findMany();
    for (const row of stored) expect(JSON.stringify(row)).not.toContain(a.key.slice(4));
    // An unexpected failure (a table gone) is logged with its cause: the key must not be part of it.
    await app.database.prisma.$executeRawUnsafe('ALTER TABLE audience RENAME TO audience_gone');
    try {
      const response = await app.gql('{ audiences { totalCount } }', {}, { key: a.key });
      expectError(response, { code: 'INTERNAL_SERVER_ERROR', status: 500 });
    } finally {
      await app.database.prisma.$executeRawUnsafe('ALTER TABLE audience_gone RENAME TO audience');
    }
    await app.gql('{ viewer { id } }', {}, { key: `${a.key}x` });
    const logged = JSON.stringify(app.logged);
    expect(logged).toContain('unexpected error');
    expect(logged).not.toContain(a.key);
    expect(logged).not.toContain(a.key.slice(4, 24));
  });
});

describe('errors', () => {
  it('never echo SQL, table names or stack traces: unexpected failures are masked as INTERNAL_SERVER_ERROR', async () => {
    await app.database.prisma.$executeRawUnsafe('ALTER TABLE contact RENAME TO contact_gone');
    try {
      const response = await app.gql('{ contacts { totalCount edges { node { phone } } } }', {}, { key: a.key });
      const error = expectError(response, { code: 'INTERNAL_SERVER_ERROR', status: 500 });
      expect(error.message).toBe('Unexpected error');
      const text = JSON.stringify(response.body);
      for (const leak of [/contact_gone/, /relation/i, /SELECT/i, /\.ts:\d+/, /prisma/i, /stack/i, /at [\w.]+ \(/]) expect(text).not.toMatch(leak);
      // The REST front masks the same failure the same way, in its own error shape (seed 003's contacts list: an
      // audience's contacts no longer read the contact table, their rows carry the number).
      const restResponse = await rest(app, a.key, 'GET', '/v1/contacts');
      expect(restResponse.status).toBe(500);
      expect(restResponse.body).toEqual({ error: 'internal_error', message: 'Unexpected error', code: 'INTERNAL_SERVER_ERROR', field: null });
      for (const leak of [/contact_gone/, /relation/i, /SELECT/i, /\.ts:\d+/, /prisma/i, /stack/i, /at [\w.]+ \(/]) expect(restResponse.text).not.toMatch(leak);
    } finally {
      await app.database.prisma.$executeRawUnsafe('ALTER TABLE contact_gone RENAME TO contact');
    }
  });

  it('a NUL character or a lone surrogate (no database text can hold them) is refused naming the field, never a database failure', async () => {
    const add = (details: Record<string, unknown>) =>
      app.gql(
        'mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id } } }',
        { input: { audienceId: A.audience, number: '+14155550177', ...details } },
        { key: a.key },
      );
    for (const field of ['firstName', 'lastName', 'timestamp', 'date']) {
      expectError(await add({ [field]: 'A\u0000B' }), { code: 'BAD_USER_INPUT', status: 400, field });
      expectError(await add({ [field]: 'lone \udfff surrogate' }), { code: 'BAD_USER_INPUT', status: 400, field });
    }
    expectError(await add({ tags: ['\ud800'] }), { code: 'VALIDATION_ERROR', numericCode: 1359, status: 422, field: 'tags' });
    expectError(await add({ tags: ['ok', 'b\u0000d'] }), { code: 'VALIDATION_ERROR', numericCode: 1359, status: 422, field: 'tags' });
    const search = await app.gql('{ contacts(search: "Solo\\u0000") { totalCount } }', {}, { key: a.key });
    expect(search.body).toEqual({ data: { contacts: { totalCount: 1 } } });
  });
});

describe('nesting: no request shape recurses past limits.nesting', () => {
  // Every root field's own request (the walk below), made hostile: its selection wrapped in 3,000 inline
  // fragments, and its variables nested 3,000 deep. Both are refused before anything recurses over them.
  it('every root field, wrapped in 3,000 inline fragments, is QUERY_TOO_DEEP (400) and writes nothing', async () => {
    const before = await app.database.prisma.audience.count();
    for (const [field, { query, variables }] of Object.entries(FOREIGN_CASES)) {
      const open = query.indexOf('{');
      const wrapped = `${query.slice(0, open + 1)}${' ... on %s {'.repeat(3_000)}${query.slice(open + 1, -1)}${' }'.repeat(3_000)} }`
        .replaceAll('%s', query.startsWith('mutation') ? 'Mutation' : 'Query');
      const response = await app.gql(wrapped, variables(), { key: a.key });
      expect(response.status, field).toBe(400);
      expectError(response, { code: 'QUERY_TOO_DEEP', status: 400 });
    }
    expect(await app.database.prisma.audience.count()).toBe(before);
  });

  it('every root field with its variables nested 3,000 deep is INPUT_TOO_DEEP (400)', async () => {
    const deep = `${'['.repeat(3_000)}1${']'.repeat(3_000)}`;
    for (const [field, { query }] of Object.entries(FOREIGN_CASES)) {
      const response = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dexatel-key': a.key },
        body: `{"query":${JSON.stringify(query)},"variables":{"id":${deep},"ids":${deep}}}`,
      });
      expect(response.status, field).toBe(400);
      expect(((await response.json()) as any).errors[0].extensions, field).toEqual({ code: 'INPUT_TOO_DEEP', status: 400 });
    }
  });
});

// Every REST operation of /v1/openapi.json, with B's key on A's ids. An endpoint added without a case here
// fails the first test, so the walk stays complete.
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
const FOREIGN_REST: Record<string, { path: () => string; body?: () => unknown }> = {
  'GET /v1/accounts/{account_id}': { path: () => `/v1/accounts/${uuidOf(A.account)}` },
  'GET /v1/audiences': { path: () => '/v1/audiences?page_size=100' },
  'POST /v1/audiences': { path: () => '/v1/audiences', body: () => ({ data: { name: 'B over REST', channel: 'SMS', contacts: [{ number: '+14155550101' }] } }) },
  'GET /v1/audiences/{audience_id}': { path: () => `/v1/audiences/${uuidOf(A.audience)}` },
  'PUT /v1/audiences/{audience_id}': { path: () => `/v1/audiences/${uuidOf(A.audience)}`, body: () => ({ data: { name: 'Hijacked' } }) },
  'DELETE /v1/audiences/{audience_id}': { path: () => `/v1/audiences/${uuidOf(A.audience)}` },
  'GET /v1/audiences/{audience_id}/contacts': { path: () => `/v1/audiences/${uuidOf(A.audience)}/contacts` },
  'GET /v1/audiences/{audience_id}/contacts/export': { path: () => `/v1/audiences/${uuidOf(A.audience)}/contacts/export` },
  'POST /v1/audiences/{audience_id}/contacts': { path: () => `/v1/audiences/${uuidOf(A.audience)}/contacts`, body: () => ({ data: { number: '+14155550199' } }) },
  'GET /v1/audiences/{audience_id}/contacts/{contact_id}': { path: () => `/v1/audiences/${uuidOf(A.audience)}/contacts/${uuidOf(A.audienceContact)}` },
  'PUT /v1/audiences/{audience_id}/contacts/{contact_id}': {
    path: () => `/v1/audiences/${uuidOf(A.audience)}/contacts/${uuidOf(A.audienceContact)}`,
    body: () => ({ data: { first_name: 'Hijacked' } }),
  },
  'DELETE /v1/audiences/{audience_id}/contacts/{contact_id}': { path: () => `/v1/audiences/${uuidOf(A.audience)}/contacts/${uuidOf(A.audienceContact)}` },
  'GET /v1/contacts': { path: () => `/v1/contacts?per_page=100` },
  'POST /v1/contacts': { path: () => '/v1/contacts', body: () => ({ phone: '+14155550101', name: 'B', lists: [`lst_${uuidOf(A.audience)}`] }) },
  'GET /v1/contacts/{id}': { path: () => `/v1/contacts/cnt_${uuidOf(A.contact)}` },
  'DELETE /v1/contacts/{id}': { path: () => `/v1/contacts/cnt_${uuidOf(A.standalone)}` },
};

describe("adversarial walk over REST: every operation of /v1/openapi.json with another account's key", () => {
  it('covers every operation of the OpenAPI document', async () => {
    const document = (await (await fetch(`${app.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).filter((method) => ['get', 'post', 'put', 'delete', 'patch'].includes(method)).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const data = operations.filter((operation) => operation !== 'GET /v1/openapi.json' && !operation.startsWith('GET /v1/docs'));
    expect(Object.keys(FOREIGN_REST).sort()).toEqual(data.sort());
  });

  it("finds nothing of A's over REST: no id, name or number of A in B's responses, and A's data unchanged", async () => {
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all([
          app.database.prisma.audience.findMany({ where: { accountId: a.accountId }, orderBy: { id: 'asc' } }),
          app.database.prisma.contact.findMany({ where: { accountId: a.accountId }, orderBy: { id: 'asc' } }),
          app.database.prisma.audienceContact.findMany({ where: { audience: { accountId: a.accountId } }, orderBy: { id: 'asc' } }),
        ]),
      );
    const before = await snapshot();
    const secrets = [...Object.values(A).map(uuidOf), a.accountId, 'Ann', 'Solo', 'Account A'];
    for (const [operation, { path, body }] of Object.entries(FOREIGN_REST)) {
      const method = operation.split(' ')[0]!;
      const response = await rest(app, b.key, method, path(), body?.());
      expect(response.status, `${operation}: ${response.text}`).toBeLessThan(500);
      for (const secret of secrets) expect(response.text, `${operation} leaked ${secret}`).not.toContain(secret);
      if (response.status >= 400) {
        const name = response.body.error?.name ?? response.body.code;
        expect(['AUDIENCE_NOT_FOUND', 'CONTACT_NOT_FOUND', 'ACCOUNT_NOT_FOUND'], `${operation}: ${response.text}`).toContain(name);
        expect(response.status).toBe(404);
      }
    }
    expect(await snapshot()).toBe(before);
  });
});

// Every root field of the schema, with B's key on A's ids. A field added to the schema without a case
// here fails the first test, so the walk stays complete.
const FOREIGN_CASES: Record<string, { query: string; variables: () => Record<string, unknown> }> = {
  node: { query: 'query ($id: ID!) { node(id: $id) { id } }', variables: () => ({ id: A.audience }) },
  nodes: { query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: () => ({ ids: Object.values(A) }) },
  viewer: { query: '{ viewer { id name } }', variables: () => ({}) },
  audiences: { query: '{ audiences(first: 100) { totalCount edges { cursor node { id name contacts { totalCount edges { node { id number } } } } } } }', variables: () => ({}) },
  audience: { query: 'query ($id: ID!) { audience(id: $id) { id name } }', variables: () => ({ id: A.audience }) },
  contacts: { query: 'query ($aid: ID) { all: contacts(first: 100) { totalCount edges { node { id phone } } } inA: contacts(audienceId: $aid) { totalCount } }', variables: () => ({ aid: A.audience }) },
  contact: { query: 'query ($id: ID!) { contact(id: $id) { id phone } }', variables: () => ({ id: A.contact }) },
  createAudience: { query: 'mutation { createAudience(input: { name: "B list", channel: SMS }) { audience { id contacts { totalCount } } } }', variables: () => ({}) },
  updateAudience: { query: 'mutation ($id: ID!) { updateAudience(input: { id: $id, name: "Hijacked" }) { audience { id } } }', variables: () => ({ id: A.audience }) },
  deleteAudience: { query: 'mutation ($id: ID!) { deleteAudience(input: { id: $id }) { deletedAudienceId } }', variables: () => ({ id: A.audience }) },
  addAudienceContact: { query: 'mutation ($id: ID!) { addAudienceContact(input: { audienceId: $id, number: "+14155550199" }) { audienceContact { id } } }', variables: () => ({ id: A.audience }) },
  updateAudienceContact: { query: 'mutation ($id: ID!) { updateAudienceContact(input: { id: $id, firstName: "Hijacked" }) { audienceContact { id } } }', variables: () => ({ id: A.audienceContact }) },
  removeAudienceContact: { query: 'mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }', variables: () => ({ id: A.audienceContact }) },
  importAudienceContacts: { query: 'mutation ($id: ID!) { importAudienceContacts(input: { audienceId: $id, contacts: [{ number: "+14155550101", firstName: "Hijacked" }] }) { importedCount } }', variables: () => ({ id: A.audience }) },
  createContact: { query: 'mutation ($ids: [ID!]) { createContact(input: { phone: "+14155550101", audienceIds: $ids }) { contact { id } } }', variables: () => ({ ids: [A.audience] }) },
  updateContact: { query: 'mutation ($id: ID!) { updateContact(input: { id: $id, name: "Hijacked" }) { contact { id } } }', variables: () => ({ id: A.contact }) },
  deleteContact: { query: 'mutation ($id: ID!) { deleteContact(input: { id: $id }) { deletedContactId } }', variables: () => ({ id: A.standalone }) },
  // Segment actions: A's audience as the source into B's, as the target from B's, and by A's row ids.
  copyAudienceContacts: {
    query: 'mutation ($from: ID!, $to: ID!) { copyAudienceContacts(input: { fromAudienceId: $from, toAudienceId: $to, filter: {} }) { matchedCount } }',
    variables: () => ({ from: A.audience, to: ownAudienceOfB }),
  },
  moveAudienceContacts: {
    query: 'mutation ($from: ID!, $to: ID!) { moveAudienceContacts(input: { fromAudienceId: $from, toAudienceId: $to, filter: {} }) { matchedCount } }',
    variables: () => ({ from: ownAudienceOfB, to: A.audience }),
  },
  removeAudienceContacts: {
    query: 'mutation ($id: ID!, $row: ID!) { removeAudienceContacts(input: { audienceId: $id, ids: [$row] }) { matchedCount } }',
    variables: () => ({ id: A.audience, row: A.audienceContact }),
  },
  tagAudienceContacts: {
    query: 'mutation ($id: ID!) { tagAudienceContacts(input: { audienceId: $id, filter: {}, add: ["hijacked"] }) { matchedCount } }',
    variables: () => ({ id: A.audience }),
  },
};

describe("adversarial walk: every query, mutation and node id with another account's key", () => {
  it('covers every root field of the schema', () => {
    const roots = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())];
    expect(Object.keys(FOREIGN_CASES).sort()).toEqual(roots.sort());
  });

  it("finds nothing of A's: no id, no name, no number of A in any of B's responses, and A's data unchanged", async () => {
    const snapshot = async () => {
      const rows = await Promise.all([
        app.database.prisma.audience.findMany({ where: { accountId: a.accountId }, orderBy: { id: 'asc' } }),
        app.database.prisma.contact.findMany({ where: { accountId: a.accountId }, orderBy: { id: 'asc' } }),
        app.database.prisma.audienceContact.findMany({ where: { audience: { accountId: a.accountId } }, orderBy: { id: 'asc' } }),
      ]);
      return JSON.stringify(rows);
    };
    const before = await snapshot();
    const uuids = [
      ...(await app.database.prisma.audience.findMany({ where: { accountId: a.accountId } })).map((row) => row.id),
      ...(await app.database.prisma.contact.findMany({ where: { accountId: a.accountId } })).map((row) => row.id),
      a.accountId,
    ];
    const secrets = [...Object.values(A), ...uuids, "A's list", 'Ann', 'Solo', 'Account A'];

    for (const [field, { query, variables }] of Object.entries(FOREIGN_CASES)) {
      const response = await app.gql(query, variables(), { key: b.key });
      const text = JSON.stringify(response.body);
      for (const secret of secrets) expect(text, `${field} leaked ${secret}`).not.toContain(secret);
      expect(response.status, field).toBeLessThan(500);
      for (const error of response.body.errors ?? []) {
        expect(['AUDIENCE_NOT_FOUND', 'CONTACT_NOT_FOUND', 'CONTACT_ALREADY_EXISTS'], `${field}: ${error.extensions?.code}`).toContain(error.extensions?.code);
      }
    }
    // Every node id of A, one by one, through node and nodes.
    for (const id of Object.values(A)) {
      const single = await app.gql('query ($id: ID!) { node(id: $id) { id } }', { id }, { key: b.key });
      expect(single.body).toEqual({ data: { node: null } });
    }
    const many = await app.gql('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Object.values(A) }, { key: b.key });
    expect(many.body.data.nodes).toEqual(Object.values(A).map(() => null));
    expect(await snapshot()).toBe(before);
  });
});
