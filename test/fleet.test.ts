import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { type Fleet, startFleet } from '../scripts/fleet.js';
import { type GraphQLResponse, type TestApp, testEngine } from './support/app.js';
import { expectError } from './support/assertions.js';
import { liveClient, openSubscriptions, watch } from './support/live.js';
import { runOn } from './support/replica.js';
import { expectDexatelError, rest } from './support/rest.js';
import { databaseEnv, runScript } from './support/run.js';

// The whole topology, as `npm run fleet` starts it: HAProxy on 4510, three gateway processes on 4511-4513, a private
// PostgreSQL primary (5435) with a streaming replica (5436), and the machine's Redis. Its databases are its own, so
// stopping the primary or the replica here disturbs no other test.
describe.skipIf(testEngine !== 'postgres')('the fleet behind HAProxy (its own PostgreSQL primary and replica: runs once, on the PostgreSQL pass)', () => {
  let fleet: Fleet;
  let admin: Database;

  beforeAll(async () => {
    fleet = await startFleet({
      port: 4510,
      postgresPorts: [5435, 5436],
      env: {
        DATABASE_READ_MAX_LAG_MS: '2000',
        DATABASE_READ_CHECK_MS: '100',
        SHUTDOWN_GRACE_MS: '10000',
        // A bucket of 300 refilled at 1 a second: whatever the machine's speed, one shared bucket lets about 300 of
        // 700 requests through and three separate ones would let them all through. Each load client below stays
        // well inside its own key's 300.
        RATE_LIMIT_PER_SECOND: '1',
        RATE_LIMIT_BURST: '300',
      },
    });
    admin = await openDatabase({ config: { kind: 'postgres', url: fleet.databaseUrl, poolSize: 4 } });
  }, 180_000);

  afterAll(async () => {
    await admin?.close();
    await fleet?.stop();
  });

  interface Answer extends GraphQLResponse {
    servedBy: string | null;
  }
  async function ask(key: string | null, body: unknown): Promise<Answer> {
    const response = await fetch(`${fleet.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-dexatel-key': key } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: GraphQLResponse['body'];
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { errors: [{ message: `not JSON (${response.status}): ${text.slice(0, 200)}` }] };
    }
    return { status: response.status, headers: response.headers, body: parsed, servedBy: response.headers.get('x-served-by') };
  }
  const account = async (name: string) => {
    const created = await createAccountWithKey(admin.prisma, name);
    return { key: created.key, accountId: created.account.id, keyId: created.apiKey.id };
  };
  const countContacts = async (key: string) => {
    const answer = await ask(key, { query: '{ contacts(first: 5) { totalCount } }' });
    if (!answer.body.data) throw new Error(JSON.stringify(answer.body));
    return { total: answer.body.data.contacts.totalCount as number, servedBy: answer.servedBy };
  };

  it('one key’s rate-limit bucket is shared by the three processes', async () => {
    const { key } = await account('Rate limited');
    // 700 requests, 30 at a time, spread over the processes by the balancer. One bucket lets 300 + 1 a second
    // through; three (a bucket per process) would let 900 through.
    const statuses: number[] = [];
    const servers = new Set<string>();
    let sent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (sent < 700) {
          sent++;
          const answer = await ask(key, { query: '{ viewer { id } }' });
          statuses.push(answer.status);
          if (answer.servedBy) servers.add(answer.servedBy);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const allowed = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(servers).toEqual(new Set(['g1', 'g2', 'g3']));
    expect(allowed).toBeGreaterThanOrEqual(300);
    expect(allowed).toBeLessThanOrEqual(300 + Math.ceil(seconds) + 1);
  });

  it('a persisted query registered through one process runs by hash on all three', async () => {
    const { key } = await account('APQ fleet');
    const query = `query FleetApq${Date.now()} { viewer { name } }`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const registered = await ask(key, { query, extensions });
    expect(registered.body).toEqual({ data: { viewer: { name: 'APQ fleet' } } });
    const servers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const byHash = await ask(key, { extensions });
      expect(byHash.body).toEqual({ data: { viewer: { name: 'APQ fleet' } } });
      servers.add(byHash.servedBy!);
    }
    expect(servers).toEqual(new Set(['g1', 'g2', 'g3']));
  });

  it('keys revoke (the CLI) is refused by every process within 1 s, though each had the key cached', async () => {
    const { key, keyId } = await account('Revoked in the fleet');
    for (let i = 0; i < 6; i++) expect((await ask(key, { query: '{ viewer { id } }' })).status).toBe(200);
    const revoke = await runScript('src/cli/keys.ts', ['revoke', keyId], databaseEnv({ kind: 'postgres', url: fleet.databaseUrl, poolSize: 2 }));
    expect(revoke.code, revoke.stderr).toBe(0);
    const revokedAt = Date.now();
    const lateSuccesses: number[] = [];
    const refusedBy = new Set<string>();
    while (Date.now() - revokedAt < 1_500) {
      const answer = await ask(key, { query: '{ viewer { id } }' });
      if (answer.status === 200) lateSuccesses.push(Date.now() - revokedAt);
      else {
        expectError(answer, { code: 'UNAUTHENTICATED', numericCode: null, status: 401 });
        refusedBy.add(answer.servedBy!);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(refusedBy).toEqual(new Set(['g1', 'g2', 'g3']));
    expect(lateSuccesses.filter((ms) => ms >= 1_000)).toEqual([]);
  });

  it('read-your-writes through the balancer: a write on one process is read at once through another, while the replica lags', async () => {
    const writer = await account('Fleet writer');
    const reader = await account('Fleet reader');
    await waitUntilReplicaServes();
    await runOn(fleet.databaseReadUrl!, 'SELECT pg_wal_replay_pause()');
    try {
      const readerBefore = (await countContacts(reader.key)).total;
      await runOn(fleet.databaseUrl, `INSERT INTO contact (id, account_id, phone, country, updated_at) VALUES (gen_random_uuid(), $1, '+14155550190', 'US', now())`, [
        reader.accountId,
      ]);
      // The replica serves the reader: the row written behind the gateway's back is not there.
      expect((await countContacts(reader.key)).total).toBe(readerBefore);
      const created = await ask(writer.key, { query: 'mutation { createContact(input: { phone: "+14155550191" }) { contact { phone } } }' });
      expect(created.body).toEqual({ data: { createContact: { contact: { phone: '+14155550191' } } } });
      const read = await countContacts(writer.key);
      expect(read.servedBy).not.toBe(created.servedBy);
      expect(read.total).toBe(1);
    } finally {
      await runOn(fleet.databaseReadUrl!, 'SELECT pg_wal_replay_resume()');
    }
  });

  it('a subscription held through HAProxy on one process hears the writes made on each of the three', async () => {
    const { key } = await account('Live fleet');
    const created = await ask(key, { query: 'mutation { createAudience(input: { name: "Live", channel: SMS }) { audience { id } } }' });
    const audienceId = created.body.data.createAudience.audience.id as string;
    const client = liveClient(fleet.url, key);
    try {
      const w = watch(client, 'subscription ($id: ID!) { audienceChanged(id: $id) { kind audience { name } } }', { id: audienceId });
      await waitUntil(async () => (await Promise.all(fleet.gateways.map((gateway) => openSubscriptions(gateway.url)))).reduce((a, b) => a + b, 0) === 1, 10_000);
      // Each rename straight to one process: two of the three are not the one holding the WebSocket.
      for (const gateway of fleet.gateways) {
        const response = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
          body: JSON.stringify({ query: 'mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { id } } }', variables: { input: { id: audienceId, name: `Renamed on ${gateway.name}` } } }),
        });
        expect(response.status).toBe(200);
      }
      // An event carries ids; the subscriber reads the audience as it is when the event reaches it, so an earlier
      // rename's event can already show a later name (seen once in three runs). One event a rename, the last the
      // last name: that event is published after the last commit.
      const events = [await w.event(0), await w.event(1), await w.event(2)];
      for (const event of events) expect(event).toEqual({ kind: 'AUDIENCE_UPDATED', audience: { name: expect.stringMatching(/^Renamed on g[123]$/) } });
      expect(events[2]).toEqual({ kind: 'AUDIENCE_UPDATED', audience: { name: 'Renamed on g3' } });
      w.stop();
    } finally {
      await client.dispose();
    }
  });

  it('the replica stopped under load: no read fails', async () => {
    const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => account(`Replica load ${i}`)));
    await waitUntilReplicaServes();
    const load = runClients(keys.map(({ key }) => key), { reads: true, writes: false });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await fleet.replica!.stop('fast');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const result = await load.stop();
    await fleet.replica!.start();
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(100);
    await waitUntilReplicaServes();
  });

  it('a rolling restart of all three processes under 50 concurrent clients fails no request', { timeout: 240_000 }, async () => {
    const keys = await Promise.all(Array.from({ length: 50 }, (_, i) => account(`Rolling ${i}`)));
    const load = runClients(keys.map(({ key }) => key), { reads: true, writes: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (let index = 0; index < 3; index++) await fleet.restart(index);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const result = await load.stop();
    console.log(`rolling restart: ${result.requests} requests (${result.writes} writes) in ${(result.ms / 1000).toFixed(1)} s from 50 clients, ${result.failures.length} failed`);
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(1_000);
  });

  it('the primary restarted: the outage answers SERVICE_UNAVAILABLE, and every process recovers by itself', { timeout: 120_000 }, async () => {
    const { key } = await account('Outage');
    const write = () => ask(key, { query: `mutation { createContact(input: { phone: "+1415555${String(Date.now() % 10_000).padStart(4, '0')}" }) { contact { id } } }` });
    expect((await write()).status).toBe(200);
    await fleet.primary!.stop('fast');
    try {
      // No process is ready (/ready asks the primary): HAProxy sends to the live ones, which answer for themselves.
      await waitUntil(async () => Object.values(await fleet.serverStates()).every((state) => state.startsWith('DOWN')), 10_000);
      const outage = await write();
      expect(outage.status).toBe(503);
      expectError(outage, { code: 'SERVICE_UNAVAILABLE', numericCode: null, status: 503 });
      expect(outage.headers.get('retry-after')).toBe('1');
      // The REST front through the balancer: the same 503 in its own error shape.
      const restWrite = await rest({ url: fleet.url } as TestApp, key, 'POST', '/v1/audiences', { data: { name: 'During the outage', channel: 'SMS' } });
      expectDexatelError(restWrite, { status: 503, code: null, name: 'SERVICE_UNAVAILABLE' });
      expect(restWrite.headers.get('retry-after')).toBe('1');
    } finally {
      await fleet.primary!.start();
    }
    // Nothing restarted but the database: each process reconnects, is ready again, and takes writes.
    await waitUntil(async () => Object.values(await fleet.serverStates()).every((state) => state === 'UP'), 30_000);
    for (const gateway of fleet.gateways) expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const answer = await write();
      expect(answer.body.errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  });

  async function waitUntilReplicaServes(): Promise<void> {
    const serving = async () => {
      for (const gateway of fleet.gateways) {
        const ready = (await (await fetch(`${gateway.url}/ready`)).json()) as { databases: Array<{ role: string; serving?: boolean }> };
        if (!ready.databases.some((entry) => entry.role === 'replica' && entry.serving)) return false;
      }
      return true;
    };
    await waitUntil(serving, 30_000);
  }

  /** Clients in a loop until stopped: each alternates a nested read and a node(id) read, and every tenth request writes. */
  function runClients(keys: string[], mix: { reads: boolean; writes: boolean }) {
    let running = true;
    let requests = 0;
    let writes = 0;
    const failures: string[] = [];
    const started = Date.now();
    const clients = keys.map(async (key, client) => {
      let contactId: string | null = null;
      for (let n = 0; running; n++) {
        let body: unknown;
        if (mix.writes && n % 10 === 9) {
          const phone = `+1415${200 + client}${String(n).padStart(4, '0')}`;
          body = { query: `mutation { createContact(input: { phone: "${phone}" }) { contact { id } } }` };
          writes++;
        } else if (contactId && n % 2 === 1) {
          body = { query: 'query ($id: ID!) { node(id: $id) { id ... on Contact { phone } } }', variables: { id: contactId } };
        } else {
          body = { query: '{ contacts(first: 5) { totalCount edges { node { id phone audiences(first: 2) { totalCount } } } } }' };
        }
        const answer = await ask(key, body).catch((error: Error) => ({ status: 0, body: { errors: [{ message: error.message }] } }) as unknown as Answer);
        requests++;
        if (answer.status !== 200 || answer.body.errors) failures.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        const created = answer.body.data?.createContact?.contact?.id ?? answer.body.data?.contacts?.edges?.[0]?.node?.id;
        if (created) contactId = created;
      }
    });
    return {
      async stop() {
        running = false;
        await Promise.all(clients);
        return { requests, writes, failures, ms: Date.now() - started };
      },
    };
  }
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
