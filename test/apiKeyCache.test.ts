import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { listen, type RunningServer } from '../src/http.js';
import { createGateway } from '../src/server.js';
import { createAccountWithKey, revokeApiKey } from '../src/services/accounts.js';
import { createScratchDatabase } from './support/app.js';
import { expectError } from './support/assertions.js';
import { createLogger } from '../src/observability/logger.js';

/**
 * The short-TTL key cache: a key seen within the TTL costs no lookup, and a revoked key stops working
 * once its entry expires (docs/operations.md: "a revoked key keeps working for up to API_KEY_CACHE_TTL_MS").
 */
const TTL_MS = 1_500;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let database: Database;
let running: RunningServer;
let statements: string[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase();
  database = await openDatabase({ config: scratch.config, migrate: true, onQuery: (sql) => statements.push(sql) });
  running = await listen(createGateway({ database, logger: createLogger({ level: 'silent' }), apiKeyCacheTtlMs: TTL_MS }), 0, '127.0.0.1');
});
afterAll(async () => {
  await running?.stop(500);
  await database?.close();
  await scratch?.drop();
});

async function viewer(key: string) {
  const response = await fetch(`${running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
    body: JSON.stringify({ query: '{ viewer { name } }' }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

function expectRejected(response: Awaited<ReturnType<typeof viewer>>) {
  expect(response.status).toBe(401);
  expectError(response, { code: 'UNAUTHENTICATED', numericCode: null, status: 401 });
}

const keyLookups = () => statements.filter((sql) => /"api_key"/.test(sql)).length;

describe('API key cache', () => {
  it('looks a key up once within the TTL', async () => {
    const { key } = await createAccountWithKey(database.prisma, 'Cached');
    statements = [];
    for (let i = 0; i < 5; i++) expect((await viewer(key)).body).toEqual({ data: { viewer: { name: 'Cached' } } });
    expect(keyLookups()).toBe(1);
  });

  it('shares one lookup among concurrent requests with the same new key', async () => {
    const { key } = await createAccountWithKey(database.prisma, 'Concurrent');
    statements = [];
    const answers = await Promise.all(Array.from({ length: 8 }, () => viewer(key)));
    for (const answer of answers) expect(answer.body.data.viewer.name).toBe('Concurrent');
    expect(keyLookups()).toBe(1);
  });

  it('rejects a revoked key once the TTL has passed', async () => {
    const { key, apiKey } = await createAccountWithKey(database.prisma, 'Revoked later');
    expect((await viewer(key)).status).toBe(200);
    await revokeApiKey(database.prisma, apiKey.id);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 100));
    expectRejected(await viewer(key));
  });

  it('caches a rejection too, and never turns an unknown key into an account', async () => {
    const unknown = 'cgk_thisKeyWasNeverIssuedByTheGatewayAtAll00000';
    statements = [];
    expectRejected(await viewer(unknown));
    expectRejected(await viewer(unknown));
    expect(keyLookups()).toBe(1);
  });
});
