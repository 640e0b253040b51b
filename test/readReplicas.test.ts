import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConfigFromEnv } from '../src/db/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { listen, type RunningServer } from '../src/http.js';
import { createLogger } from '../src/observability/logger.js';
import { createGateway, type Gateway } from '../src/server.js';
import { defaultHardening, startTestApp, testEngine, type TestApp } from './support/app.js';
import { replicasArePostgresOnly, type ReplicatedDatabase, runOn, startReplicatedDatabase, waitForReplay } from './support/replica.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('DATABASE_READ_URL', () => {
  it('takes one or more replicas, comma-separated, with their bounds', () => {
    const config = databaseConfigFromEnv({
      DATABASE_URL: 'postgresql://p@10.0.0.1/app',
      DATABASE_READ_URL: 'postgresql://r@10.0.0.2/app, postgresql://r@10.0.0.3:6432/app',
      DATABASE_READ_MAX_LAG_MS: '500',
      REDIS_URL: 'redis://10.0.0.4:6379',
    });
    expect(config).toMatchObject({
      kind: 'postgres',
      replicas: { urls: ['postgresql://r@10.0.0.2/app', 'postgresql://r@10.0.0.3:6432/app'], maxLagMs: 500, checkIntervalMs: 200, redisUrl: 'redis://10.0.0.4:6379' },
    });
  });

  it('is refused without DATABASE_URL, and so is a bound that is not a positive number', () => {
    expect(() => databaseConfigFromEnv({ DATABASE_READ_URL: 'postgresql://r@10.0.0.2/app' })).toThrow(/set DATABASE_URL too/);
    expect(() => databaseConfigFromEnv({ DATABASE_URL: 'postgresql://p@h/a', DATABASE_READ_URL: 'postgresql://r@h/a', DATABASE_READ_MAX_LAG_MS: 'soon' })).toThrow(
      /DATABASE_READ_MAX_LAG_MS must be a positive number/,
    );
  });
});

// A private primary and a streaming replica of it on loopback (ports 5433 and 5434 are this file's).
describe.skipIf(testEngine !== 'postgres')(`reads on a streaming replica (${replicasArePostgresOnly})`, () => {
  let cluster: ReplicatedDatabase;
  let app: TestApp;
  let writer: { key: string; accountId: string };
  let reader: { key: string; accountId: string };
  // A second process on the same databases, sharing Redis with the first for read-your-writes.
  let other: { database: Database; gateway: Gateway; running: RunningServer };

  beforeAll(async () => {
    cluster = await startReplicatedDatabase(5433, 5434);
    // Three seconds: wide enough for the steps of a test to run while the replica is paused but not yet too far behind.
    app = await startTestApp({ scratch: cluster.scratch({ maxLagMs: 3_000, redisUrl }), hardening: { redisUrl } });
    writer = await app.createAccount('Writer');
    reader = await app.createAccount('Reader');
    const database = await openDatabase({ config: cluster.scratch({ maxLagMs: 3_000, redisUrl }).config });
    const gateway = createGateway({ database, logger: createLogger({ level: 'silent' }), hardening: { ...defaultHardening, redisUrl } });
    other = { database, gateway, running: await listen(gateway, 0, '127.0.0.1') };
    await waitForReplay(cluster.primaryUrl, cluster.replicaUrl);
    await waitUntilServing(app.url);
  }, 120_000);

  afterAll(async () => {
    await other?.running.stop(500);
    await other?.gateway.dispose();
    await other?.database.close();
    await app?.close();
    await cluster?.remove();
  });

  const countContacts = async (url: string, key: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
      body: JSON.stringify({ query: '{ contacts(first: 50) { totalCount edges { node { phone } } } }' }),
    });
    const body = (await response.json()) as { data?: { contacts: { totalCount: number; edges: unknown[] } }; errors?: unknown };
    if (!body.data) throw new Error(`read failed: ${response.status} ${JSON.stringify(body)}`);
    return body.data.contacts.totalCount;
  };
  /** A contact written behind the gateway's back: no account's write position records it. */
  const insertDirectly = (accountId: string, phone: string) =>
    runOn(cluster.primaryUrl, `INSERT INTO contact (id, account_id, phone, country, updated_at) VALUES (gen_random_uuid(), $1, $2, 'US', now())`, [accountId, phone]);

  it('an account reads from the replica: a row the replica has not replayed is not seen, until the replica falls too far behind', async () => {
    await runOn(cluster.replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      const before = await countContacts(app.url, reader.key);
      await insertDirectly(reader.accountId, '+14155550101');
      // Served by the paused replica: the new row is not there yet.
      expect(await countContacts(app.url, reader.key)).toBe(before);
      // Past the 3 s bound the replica is skipped: the primary answers, with the row.
      await new Promise((resolve) => setTimeout(resolve, 3_600));
      expect(await countContacts(app.url, reader.key)).toBe(before + 1);
      const ready = (await (await fetch(`${app.url}/ready`)).json()) as { databases: Array<Record<string, unknown>> };
      expect(ready.databases[0]).toEqual({ role: 'primary', name: 'primary', reachable: true });
      expect(ready.databases[1]).toMatchObject({ role: 'replica', name: 'replica 1', reachable: true, serving: false });
      expect(ready.databases[1]!.lagMs).toBeGreaterThan(3_000);
    } finally {
      await runOn(cluster.replicaUrl, 'SELECT pg_wal_replay_resume()');
    }
    await waitUntilServing(app.url);
  });

  it('read-your-writes: after a write, the writer reads it at once, on this process and on another, while others still read the replica', async () => {
    await runOn(cluster.replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      const readerBefore = await countContacts(app.url, reader.key);
      const writerBefore = await countContacts(other.running.url, writer.key);
      await insertDirectly(reader.accountId, '+14155550102');
      // The mutation's own answer reads after its write (the contact's audiences come through the loaders): the primary.
      const created = await app.gql(
        'mutation { createContact(input: { phone: "+14155550103", name: "Mine" }) { contact { name phone audiences(first: 5) { totalCount } } } }',
        undefined,
        { key: writer.key },
      );
      expect(created.body).toEqual({ data: { createContact: { contact: { name: 'Mine', phone: '+14155550103', audiences: { totalCount: 0 } } } } });
      // The writer's next reads, on either process: its contact is there, though the replica has not replayed it.
      expect(await countContacts(app.url, writer.key)).toBe(writerBefore + 1);
      expect(await countContacts(other.running.url, writer.key)).toBe(writerBefore + 1);
      // Meanwhile the replica still serves everyone else (the row behind the gateway's back is not seen yet).
      expect(await countContacts(other.running.url, reader.key)).toBe(readerBefore);
    } finally {
      await runOn(cluster.replicaUrl, 'SELECT pg_wal_replay_resume()');
    }
    await waitForReplay(cluster.primaryUrl, cluster.replicaUrl);
  });

  it('a write of one statement (an audience contact updated) runs on the primary, is read at once on any process, and leaves the replica serving', async () => {
    const gql = (url: string, query: string) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dexatel-key': writer.key }, body: JSON.stringify({ query }) }).then(
        (response) => response.json() as Promise<{ data?: any; errors?: unknown }>,
      );
    const audience = await gql(app.url, 'mutation { createAudience(input: { name: "One statement", channel: SMS }) { audience { id } } }');
    const added = await gql(
      app.url,
      `mutation { addAudienceContact(input: { audienceId: "${audience.data.createAudience.audience.id}", number: "+14155550104", firstName: "Before" }) { audienceContact { id } } }`,
    );
    const id = added.data.addAudienceContact.audienceContact.id as string;
    await waitForReplay(cluster.primaryUrl, cluster.replicaUrl);
    await runOn(cluster.replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      // The update is a single statement on the driver (src/services/audienceContacts.ts), not through Prisma.
      const updated = await gql(app.url, `mutation { updateAudienceContact(input: { id: "${id}", firstName: "After" }) { audienceContact { firstName } } }`);
      expect(updated).toEqual({ data: { updateAudienceContact: { audienceContact: { firstName: 'After' } } } });
      const read = `{ node(id: "${id}") { ... on AudienceContact { firstName } } }`;
      expect(await gql(app.url, read)).toEqual({ data: { node: { firstName: 'After' } } });
      expect(await gql(other.running.url, read)).toEqual({ data: { node: { firstName: 'After' } } });
      // Sent to the read-only replica first, the write had failed there and taken it out of service.
      const ready = (await (await fetch(`${app.url}/ready`)).json()) as { databases: Array<Record<string, unknown>> };
      expect(ready.databases[1]).toMatchObject({ role: 'replica', reachable: true, serving: true });
    } finally {
      await runOn(cluster.replicaUrl, 'SELECT pg_wal_replay_resume()');
    }
    await waitForReplay(cluster.primaryUrl, cluster.replicaUrl);
  });

  it('a replica that stops is skipped without a failed read, and serves again once back; /ready says so', async () => {
    const before = await countContacts(app.url, reader.key);
    await cluster.replica.stop('fast');
    try {
      for (let i = 0; i < 20; i++) expect(await countContacts(app.url, reader.key)).toBe(before);
      const response = await fetch(`${app.url}/ready`);
      expect(response.status).toBe(200);
      const ready = (await response.json()) as { ready: boolean; databases: Array<Record<string, unknown>> };
      expect(ready.ready).toBe(true);
      expect(ready.databases[1]).toMatchObject({ role: 'replica', reachable: false, serving: false, lagMs: null });
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/^gateway_read_replica_serving\{replica="replica 1"\} 0$/m);
      expect(metrics).not.toMatch(/^gateway_read_replica_lag_ms\{/m);
    } finally {
      await cluster.replica.start();
    }
    await waitUntilServing(app.url);
    expect(await countContacts(app.url, reader.key)).toBe(before);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_read_replica_serving\{replica="replica 1"\} 1$/m);
    expect(metrics).toMatch(/^gateway_read_replica_lag_ms\{replica="replica 1"\} \d+$/m);
  });
});

/** Until /ready says every replica serves reads again. */
async function waitUntilServing(url: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const ready = (await (await fetch(`${url}/ready`)).json()) as { databases: Array<{ serving?: boolean; role: string }> };
    if (ready.databases.filter((entry) => entry.role === 'replica').every((entry) => entry.serving)) return;
    if (waited > 20_000) throw new Error(`replicas not serving: ${JSON.stringify(ready)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
