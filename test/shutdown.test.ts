import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { decodeGlobalId } from '../src/schema/ids.js';
import { createScratchDatabase } from './support/app.js';
import { databaseEnv, startServerProcess } from './support/run.js';

// The real entry point (dist/main.js, as npm start runs it) in a child process, stopped with SIGTERM while a large import runs.

const IMPORT = `mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount rejected { index } } }`;
const rows = (count: number, offset: number) =>
  Array.from({ length: count }, (_, i) => ({ number: `+1415${String(2_000_000 + offset + i).padStart(7, '0')}`, firstName: `Row ${i}` }));

describe('SIGTERM', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let key: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    scratch = await createScratchDatabase({ onDisk: true });
    const database = await openDatabase({ config: scratch.config, migrate: true });
    key = (await createAccountWithKey(database.prisma, 'Shutdown')).key;
    await database.close();
    env = { ...databaseEnv(scratch.config), RATE_LIMIT_BURST: '1000' };
  });
  afterAll(() => scratch?.drop());

  async function createAudience(url: string): Promise<string> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
      body: JSON.stringify({ query: 'mutation ($n: String!) { createAudience(input: { name: $n, channel: SMS }) { audience { id } } }', variables: { n: `A ${Date.now()}` } }),
    });
    return (await response.json()).data.createAudience.audience.id;
  }

  /**
   * An import request whose body is sent in two halves, so the test decides when it is in flight: the
   * server has its headers and half its body, and is waiting for the rest.
   */
  function importInHalves(url: string, audienceId: string, offset: number) {
    const body = Buffer.from(JSON.stringify({ query: IMPORT, variables: { input: { audienceId, contacts: rows(10_000, offset) } } }));
    const { hostname, port } = new URL(url);
    const request = httpRequest({
      host: hostname,
      port,
      path: '/graphql',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-dexatel-key': key },
    });
    const response = new Promise<{ status: number; body: any } | 'cut'>((resolve) => {
      request.on('response', (incoming) => {
        let text = '';
        incoming.on('data', (chunk) => (text += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: JSON.parse(text) }));
        incoming.on('error', () => resolve('cut'));
      });
      request.on('error', () => resolve('cut'));
    });
    request.write(body.subarray(0, body.length >> 1));
    return { response, finish: () => request.end(body.subarray(body.length >> 1)) };
  }

  /** A request on a new connection (never a pooled keep-alive one): does the server still accept? */
  const accepts = (url: string) =>
    new Promise<boolean>((resolve) => {
      const { hostname, port } = new URL(url);
      httpRequest({ host: hostname, port, path: '/health', agent: false }, (incoming) => {
        incoming.resume();
        resolve(true);
      })
        .on('error', () => resolve(false))
        .end();
    });

  async function waitFor(condition: () => boolean, what: string) {
    for (let waited = 0; !condition(); waited += 20) {
      if (waited > 20_000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('stops accepting, finishes the in-flight 10,000-row import, closes the database and exits 0', async () => {
    const server = await startServerProcess(env);
    const audienceId = await createAudience(server.url);
    const upload = importInHalves(server.url, audienceId, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await waitFor(() => server.output().includes('SIGTERM: finishing in-flight requests'), 'the SIGTERM handler');
    expect(await accepts(server.url)).toBe(false);
    expect(server.child.exitCode).toBeNull();

    upload.finish();
    const response = await upload.response;
    expect(response).not.toBe('cut');
    if (response === 'cut') return;
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.importAudienceContacts.importedCount).toBe(10_000);
    expect(await server.exited).toBe(0);

    // Everything the response promised is in the database.
    const database = await openDatabase({ config: scratch.config });
    try {
      expect(await database.prisma.audienceContact.count({ where: { audienceId: decodeGlobalId(audienceId)!.id } })).toBe(10_000);
    } finally {
      await database.close();
    }
  });

  it('the grace period is bounded: a request still unfinished after SHUTDOWN_GRACE_MS is cut, and the process still exits 0', async () => {
    const server = await startServerProcess({ ...env, SHUTDOWN_GRACE_MS: '300' });
    const audienceId = await createAudience(server.url);
    const upload = importInHalves(server.url, audienceId, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const elapsed = Date.now() - signalled;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(30_000);
    expect(await upload.response).toBe('cut');
  });
});
