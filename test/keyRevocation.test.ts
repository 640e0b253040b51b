import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { listen, type RunningServer } from '../src/http.js';
import { createLogger } from '../src/observability/logger.js';
import { createGateway, type Gateway } from '../src/server.js';
import { createAccountWithKey, createKeyForAccount, revokeApiKey } from '../src/services/accounts.js';
import { createScratchDatabase, testEngine } from './support/app.js';
import { expectError } from './support/assertions.js';

// Each process caches a key's account for a minute here, so only the announcement can end a revoked key's life in
// time: the 1 s the issue allows is far below the TTL.
const TTL_MS = 60_000;

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
// Two server processes' worth of gateway, each with its own database handle (pool, LISTEN connection) and key cache.
const processes: Array<{ database: Database; gateway: Gateway; running: RunningServer }> = [];

beforeAll(async () => {
  scratch = await createScratchDatabase();
  await (await openDatabase({ config: scratch.config, migrate: true })).close();
  for (let i = 0; i < 2; i++) {
    // PGlite is one database in one process: its two gateways share the handle, as they would share the process.
    const database = testEngine === 'pglite' && processes[0] ? processes[0].database : await openDatabase({ config: scratch.config });
    const gateway = createGateway({ database, logger: createLogger({ level: 'silent' }), apiKeyCacheTtlMs: TTL_MS });
    await gateway.hearingRevocations;
    processes.push({ database, gateway, running: await listen(gateway, 0, '127.0.0.1') });
  }
});

afterAll(async () => {
  for (const { gateway, running } of processes) {
    await running.stop(500);
    await gateway.dispose();
  }
  for (const database of new Set(processes.map((entry) => entry.database))) await database.close();
  await scratch?.drop();
});

async function viewer(url: string, key: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
    body: JSON.stringify({ query: '{ viewer { name } }' }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('key revocation across processes', () => {
  it('a revoked key is refused by every process within 1 s, though each had it cached for a minute', async () => {
    const { key, apiKey } = await createAccountWithKey(processes[0]!.database.prisma, 'Revoked everywhere');
    for (const { running } of processes) expect((await viewer(running.url, key)).status).toBe(200);

    const revokedAt = Date.now();
    await revokeApiKey(processes[1]!.database.prisma, apiKey.id);
    const refusedAfter = await Promise.all(
      processes.map(async ({ running }) => {
        for (;;) {
          const answer = await viewer(running.url, key);
          if (answer.status === 401) {
            expectError(answer, { code: 'UNAUTHENTICATED', numericCode: null, status: 401 });
            return Date.now() - revokedAt;
          }
          if (Date.now() - revokedAt > 5_000) return Infinity;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    for (const elapsed of refusedAfter) expect(elapsed).toBeLessThan(1_000);
  });

  it('another key of the same account stays cached and working', async () => {
    const first = await createAccountWithKey(processes[0]!.database.prisma, 'Two keys');
    const second = await createKeyForAccount(processes[0]!.database.prisma, first.account.id);
    for (const { running } of processes) expect((await viewer(running.url, second.key)).status).toBe(200);
    await revokeApiKey(processes[0]!.database.prisma, first.apiKey.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const { running } of processes) {
      expect((await viewer(running.url, second.key)).body).toEqual({ data: { viewer: { name: 'Two keys' } } });
      expect((await viewer(running.url, first.key)).status).toBe(401);
    }
  });

  it.skipIf(testEngine !== 'postgres')(
    'a process that lost its listening connection forgets every cached key (it may have missed a revocation) (PostgreSQL: PGlite has no connection to lose)',
    async () => {
      const { key, apiKey } = await createAccountWithKey(processes[0]!.database.prisma, 'Missed announcement');
      expect((await viewer(processes[0]!.running.url, key)).status).toBe(200);
      // The server ends the listening sessions; the revocation below is written without an announcement, as if sent
      // while they were gone.
      const admin = processes[0]!.database.prisma;
      await admin.$executeRawUnsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.$executeRaw`UPDATE api_key SET revoked_at = now() WHERE id = ${apiKey.id}::uuid`;
      expect((await viewer(processes[0]!.running.url, key)).status).toBe(401);
    },
  );
});
