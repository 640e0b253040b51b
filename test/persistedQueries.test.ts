import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../src/http.js';
import { createLogger } from '../src/observability/logger.js';
import { redisPersistedQueries } from '../src/persistedQueries.js';
import { createGateway, type Gateway } from '../src/server.js';
import type { GraphQLResponse } from './support/app.js';
import { expectError } from './support/assertions.js';
import { defaultHardening, startTestApp, type TestApp } from './support/app.js';

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
async function post(body: { query?: string; extensions: unknown; variables?: unknown }, url = app.url): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
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

describe('persisted queries across processes', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const started: Array<{ gateway: Gateway; running: RunningServer }> = [];
  afterAll(async () => {
    for (const { gateway, running } of started) {
      await running.stop(500);
      await gateway.dispose();
    }
  });

  async function processes(count: number, sharedRedis: string | null): Promise<string[]> {
    const urls = [];
    for (let i = 0; i < count; i++) {
      const gateway = createGateway({ database: app.database, logger: createLogger({ level: 'silent' }), hardening: { ...defaultHardening, redisUrl: sharedRedis } });
      const running = await listen(gateway, 0, '127.0.0.1');
      started.push({ gateway, running });
      urls.push(running.url);
    }
    return urls;
  }
  // A text no earlier run registered in the shared Redis.
  const fresh = (name: string) => `query ${name}${randomBytes(6).toString('hex')} { viewer { name } }`;

  it('with REDIS_URL a query registered on one process runs by hash on the others', async () => {
    const [a, b, c] = await processes(3, redisUrl);
    const text = fresh('Fleet');
    expectError(await post({ extensions: persistedQuery(text) }, b), { code: 'PERSISTED_QUERY_NOT_FOUND', status: 404 });
    expect((await post({ query: text, extensions: persistedQuery(text) }, a)).body).toEqual({ data: { viewer: { name: 'APQ' } } });
    expect((await post({ extensions: persistedQuery(text) }, b)).body).toEqual({ data: { viewer: { name: 'APQ' } } });
    expect((await post({ extensions: persistedQuery(text) }, c)).body).toEqual({ data: { viewer: { name: 'APQ' } } });
  });

  it('without Redis each process keeps its own (the documented default)', async () => {
    const [a, b] = await processes(2, null);
    const text = fresh('Alone');
    await post({ query: text, extensions: persistedQuery(text) }, a);
    expect((await post({ extensions: persistedQuery(text) }, a)).body).toEqual({ data: { viewer: { name: 'APQ' } } });
    expectError(await post({ extensions: persistedQuery(text) }, b), { code: 'PERSISTED_QUERY_NOT_FOUND', status: 404 });
  });

  it('when Redis cannot be reached, a process still runs the queries registered on it', async () => {
    const [a] = await processes(1, 'redis://127.0.0.1:1');
    const text = fresh('NoRedis');
    expectError(await post({ extensions: persistedQuery(text) }, a), { code: 'PERSISTED_QUERY_NOT_FOUND', status: 404 });
    await post({ query: text, extensions: persistedQuery(text) }, a);
    expect((await post({ extensions: persistedQuery(text) }, a)).body).toEqual({ data: { viewer: { name: 'APQ' } } });
  });

  it('a hash that is not a SHA-256 is not found, and not looked up', async () => {
    const [a] = await processes(1, redisUrl);
    const response = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'x'.repeat(100_000) } } }, a);
    expectError(response, { code: 'PERSISTED_QUERY_NOT_FOUND', status: 404 });
  });

  it('Redis keeps a bounded number, each with an expiry: past the bound the longest-registered go', async () => {
    const prefix = `cg:test:apq:${randomBytes(4).toString('hex')}:`;
    const logger = createLogger({ level: 'silent' });
    const writer = redisPersistedQueries(redisUrl, logger, { maxQueries: 3, ttlSeconds: 60, prefix });
    const redis = new Redis(redisUrl);
    try {
      const texts = ['one', 'two', 'three', 'four', 'five'].map((word) => `query ${word} { viewer { id } }`);
      for (const text of texts) {
        await writer.set(sha256(text), text);
        // Registrations a second apart: Redis orders them by its own clock, in whole seconds.
        await new Promise((resolve) => setTimeout(resolve, 1_050));
      }
      // A process that has seen none of them asks Redis.
      const reader = redisPersistedQueries(redisUrl, logger, { maxQueries: 3, ttlSeconds: 60, prefix });
      const found = await Promise.all(texts.map((text) => reader.get(sha256(text))));
      expect(found).toEqual([undefined, undefined, texts[2], texts[3], texts[4]]);
      expect(await redis.zcard(`${prefix}registered`)).toBe(3);
      const ttl = await redis.ttl(`${prefix}q:${sha256(texts[4]!)}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
      await reader.close();
    } finally {
      await writer.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  }, 20_000);
});
