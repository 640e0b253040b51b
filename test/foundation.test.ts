import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../src/services/accounts.js';
import { onlyError, startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
let acme: { key: string; accountId: string; keyId: string };
let globex: { key: string; accountId: string; keyId: string };

beforeAll(async () => {
  app = await startTestApp();
  acme = await app.createAccount('Acme');
  globex = await app.createAccount('Globex');
});
afterAll(() => app?.close());

const VIEWER = '{ viewer { id name createdAt } }';

function expectUnauthenticated(response: Awaited<ReturnType<TestApp['gql']>>) {
  expect(response.status).toBe(401);
  expect(response.body.data ?? null).toBeNull();
  const error = onlyError(response);
  expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  expect(error.extensions).not.toHaveProperty('numericCode');
}

describe('health and readiness', () => {
  it('answers /health while the process is up', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers /ready after checking the database', async () => {
    const response = await fetch(`${app.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true });
  });
});

describe('authentication', () => {
  it('accepts the key in X-Dexatel-Key', async () => {
    const response = await app.gql(VIEWER, {}, { key: acme.key });
    expect(response.status).toBe(200);
    expect(response.body.data.viewer.name).toBe('Acme');
  });

  it('accepts the key as Authorization: Bearer', async () => {
    const response = await app.gql(VIEWER, {}, { key: null, headers: { authorization: `Bearer ${globex.key}` } });
    expect(response.status).toBe(200);
    expect(response.body.data.viewer.name).toBe('Globex');
  });

  it('rejects a request without a key with 401 UNAUTHENTICATED', async () => {
    expectUnauthenticated(await app.gql(VIEWER, {}, { key: null }));
  });

  it('rejects an unknown key', async () => {
    expectUnauthenticated(await app.gql(VIEWER, {}, { key: 'cgk_thisKeyWasNeverIssuedByTheGatewayAtAll00000' }));
  });

  it('rejects an unknown bearer token and a malformed authorization header', async () => {
    expectUnauthenticated(await app.gql(VIEWER, {}, { key: null, headers: { authorization: 'Bearer nope-nope-nope-nope-nope' } }));
    expectUnauthenticated(await app.gql(VIEWER, {}, { key: null, headers: { authorization: `Basic ${acme.key}` } }));
  });

  it('rejects a revoked key at once', async () => {
    const extra = await app.createAccount('Soon revoked');
    expect((await app.gql(VIEWER, {}, { key: extra.key })).status).toBe(200);
    await revokeApiKey(app.database.prisma, extra.keyId);
    expectUnauthenticated(await app.gql(VIEWER, {}, { key: extra.key }));
  });

  it('rejects a mutation without a key', async () => {
    expectUnauthenticated(await app.gql('mutation { __typename }', {}, { key: null }));
  });

  it('rejects a query mixing introspection and data without a key', async () => {
    expectUnauthenticated(await app.gql('{ __typename viewer { id } }', {}, { key: null }));
    expectUnauthenticated(await app.gql('query Q { ...F } fragment F on Query { __typename viewer { id } }', {}, { key: null }));
  });

  it('allows introspection without a key', async () => {
    const response = await app.gql('{ __schema { queryType { name } } __type(name: "Account") { name } }', {}, { key: null });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ __schema: { queryType: { name: 'Query' } }, __type: { name: 'Account' } });
  });

  it('rejects introspection with a key that is wrong: a misconfigured client hears about it', async () => {
    expectUnauthenticated(await app.gql('{ __typename }', {}, { key: 'cgk_wrongwrongwrongwrongwrongwrong' }));
  });
});

describe('viewer', () => {
  it('is the account of the key, one per account, with an opaque node id', async () => {
    const a = (await app.gql(VIEWER, {}, { key: acme.key })).body.data.viewer;
    const b = (await app.gql(VIEWER, {}, { key: globex.key })).body.data.viewer;
    expect(a.name).toBe('Acme');
    expect(b.name).toBe('Globex');
    expect(a.id).not.toBe(b.id);
    expect(a.id).not.toContain(acme.accountId);
    expect(new Date(a.createdAt).toISOString()).toBe(a.createdAt);
  });

  it('resolves as a node for its own account and as null for another account', async () => {
    const own = (await app.gql(VIEWER, {}, { key: acme.key })).body.data.viewer;
    const other = (await app.gql(VIEWER, {}, { key: globex.key })).body.data.viewer;
    const query = 'query ($id: ID!) { node(id: $id) { id ... on Account { name } } }';
    expect((await app.gql(query, { id: own.id }, { key: acme.key })).body.data.node).toEqual({ id: own.id, name: 'Acme' });
    const foreign = await app.gql(query, { id: other.id }, { key: acme.key });
    expect(foreign.body.data.node).toBeNull();
  });
});
