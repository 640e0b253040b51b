import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLResponse } from './support/app.js';
import { expectError } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
let key: string;
beforeAll(async () => {
  app = await startTestApp();
  key = (await app.createAccount('APQ')).key;
});
afterAll(() => app?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persistedQuery = (query: string, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash: sha256(query) } });

/** A request in the APQ protocol's shape: the hash in extensions, the query text only when registering. */
async function post(body: { query?: string; extensions: unknown; variables?: unknown }): Promise<GraphQLResponse> {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-dexatel-key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('automatic persisted queries (the protocol over raw HTTP)', () => {
  const query = 'query PersistedViewer { viewer { name } }';

  it('answer an unknown hash with PersistedQueryNotFound, then run it by hash once registered', async () => {
    const unknown = await post({ extensions: persistedQuery(query) });
    expect(unknown.status).toBe(200);
    expect(expectError(unknown, { code: 'PERSISTED_QUERY_NOT_FOUND', status: 404 }).message).toBe('PersistedQueryNotFound');

    const registered = await post({ query, extensions: persistedQuery(query) });
    expect(registered.body).toEqual({ data: { viewer: { name: 'APQ' } } });

    const byHash = await post({ extensions: persistedQuery(query) });
    expect(byHash.body).toEqual({ data: { viewer: { name: 'APQ' } } });
  });

  it('run a registered query by hash over GET, as clients do for cacheable reads', async () => {
    const text = 'query PersistedByGet { viewer { name } }';
    await post({ query: text, extensions: persistedQuery(text) });
    const url = new URL(`${app.url}/graphql`);
    url.searchParams.set('extensions', JSON.stringify(persistedQuery(text)));
    const response = await fetch(url, { headers: { 'x-dexatel-key': key, accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { viewer: { name: 'APQ' } } });
  });

  it('refuse a query whose text does not match its hash, so no hash can be bound to another query', async () => {
    const other = 'query Other { viewer { id } }';
    const mismatch = await post({ query: other, extensions: persistedQuery(query.replace('name', 'id')) });
    expectError(mismatch, { code: 'BAD_USER_INPUT', status: 400 });
    const victim = 'query Victim { viewer { id } }';
    await post({ query: other, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(victim) } } });
    expectError(await post({ extensions: persistedQuery(victim) }), { code: 'PERSISTED_QUERY_NOT_FOUND', status: 404 });
  });

  it('refuse protocol versions other than 1', async () => {
    const response = await post({ query, extensions: persistedQuery(query, 2) });
    expect(expectError(response, { code: 'PERSISTED_QUERY_NOT_SUPPORTED', status: 400 }).message).toBe('PersistedQueryNotSupported');
  });

  it('still need a key: a hash does not bypass authentication', async () => {
    await post({ query, extensions: persistedQuery(query) });
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: persistedQuery(query) }),
    });
    expect(response.status).toBe(401);
  });
});
