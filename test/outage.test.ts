import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdminUrl, startTestApp, type TestApp, testEngine } from './support/app.js';
import { expectError } from './support/assertions.js';
import { expectDexatelError, rest } from './support/rest.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';

// The server reaches PostgreSQL through a proxy the test cuts and restores: the database "goes away" under
// a running server, which must answer fast with SERVICE_UNAVAILABLE and recover by itself.
describe.runIf(testEngine === 'postgres')('database outage (PostgreSQL through a TCP proxy)', () => {
  let app: TestApp;
  let proxy: TcpProxy;
  let audienceId: string;
  let key: string;

  beforeAll(async () => {
    const server = new URL(postgresAdminUrl);
    proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    app = await startTestApp({
      connectThrough: (config) => {
        if (config.kind !== 'postgres') throw new Error('PostgreSQL only');
        const url = new URL(config.url);
        url.hostname = '127.0.0.1';
        url.port = String(proxy.port);
        return { ...config, url: url.toString() };
      },
    });
    ({ key } = await app.createAccount('Outage'));
    const created = await app.gql('mutation { createAudience(input: { name: "Before", channel: SMS }) { audience { id } } }');
    audienceId = created.body.data.createAudience.audience.id;
  });
  afterAll(async () => {
    await proxy?.restore().catch(() => {});
    await app?.close();
    await proxy?.close();
  });

  const DURING = 'mutation { createAudience(input: { name: "During", channel: SMS }) { audience { id } } }';
  const ready = async () => (await fetch(`${app.url}/ready`)).status;

  it('serves while the database is there', async () => {
    expect(await ready()).toBe(200);
    const response = await app.gql('query ($id: ID!) { audience(id: $id) { name } }', { id: audienceId });
    expect(response.body.data.audience.name).toBe('Before');
  });

  it('cut: reads and writes fail fast with SERVICE_UNAVAILABLE (503, Retry-After) and /ready is 503', async () => {
    await proxy.cut();
    const started = Date.now();
    const read = await app.gql('{ audiences { totalCount } }');
    const write = await app.gql(DURING, {}, { headers: { 'idempotency-key': 'k-outage' } });
    const elapsed = Date.now() - started;
    for (const response of [read, write]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expectError(response, { code: 'SERVICE_UNAVAILABLE', status: 503 });
    }
    // "Fast": refused connections fail at once, a hanging one after the pool's 3 s connect timeout; the bound
    // is loose because other suites share the machine, and still far below a client's typical 30 s.
    expect(elapsed).toBeLessThan(15_000);
    // The REST front: the same 503 in its own error shape, for a read and for a write with an Idempotency-Key.
    const restRead = await rest(app, key, 'GET', '/v1/audiences');
    const restWrite = await rest(app, key, 'POST', '/v1/audiences', { data: { name: 'During REST', channel: 'SMS' } }, { headers: { 'idempotency-key': 'k-outage-rest' } });
    for (const response of [restRead, restWrite]) {
      expectDexatelError(response, { status: 503, code: null, name: 'SERVICE_UNAVAILABLE' });
      expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(await ready()).toBe(503);
    expect(app.logged.some((entry) => entry.message === 'unexpected error')).toBe(false);
  });

  it('restore: the same server recovers by itself, and the write made during the cut is absent', async () => {
    await proxy.restore();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await ready();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    const response = await app.gql('{ audiences { edges { node { name } } } }');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.audiences.edges.map((edge: any) => edge.node.name)).toEqual(['Before']);
    expect(await app.database.prisma.idempotencyKey.count()).toBe(0);
    expect((await rest(app, key, 'GET', '/v1/audiences')).body.data.map((a: any) => a.name)).toEqual(['Before']);
    const write = await app.gql('mutation { createAudience(input: { name: "After", channel: SMS }) { audience { name } } }');
    expect(write.body.data.createAudience.audience.name).toBe('After');
    // The failed attempt left its Idempotency-Key free: the client's retry runs now instead of replaying a 503.
    const retried = await app.gql(DURING, {}, { headers: { 'idempotency-key': 'k-outage' } });
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.data.createAudience.audience.id).toEqual(expect.any(String));
    const restRetried = await rest(app, key, 'POST', '/v1/audiences', { data: { name: 'During REST', channel: 'SMS' } }, { headers: { 'idempotency-key': 'k-outage-rest' } });
    expect(restRetried.status).toBe(201);
    expect(restRetried.headers.get('idempotent-replayed')).toBeNull();
  });
});

