import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { createScratchDatabase, testEngine } from './support/app.js';
import { exampleOperation } from './support/examples.js';
import { liveClient, subscribed, until, watch } from './support/live.js';
import { databaseEnv, freePort, projectRoot, runCommand, runScript, type ServerProcess, startServerProcess } from './support/run.js';

/**
 * The real entry point (dist/main.js, as npm start runs it) in child processes: every process on one PostgreSQL
 * database hears every committed write, whichever process (or CLI) made it; and SIGTERM ends live streams
 * cleanly before the process exits.
 */

const AUDIENCE_CHANGED = print(exampleOperation('AudienceChanged'));
const CONTACTS_CHANGED = print(exampleOperation('AudienceContactsChanged'));

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let key: string;
let env: NodeJS.ProcessEnv;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  scratch = await createScratchDatabase({ onDisk: true });
  const database = await openDatabase({ config: scratch.config, migrate: true });
  key = (await createAccountWithKey(database.prisma, 'Processes')).key;
  await database.close();
  env = { ...databaseEnv(scratch.config), RATE_LIMIT_BURST: '1000' };
});
afterAll(async () => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await scratch?.drop();
});

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  servers.push(server);
  return server;
}

async function gql(url: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dexatel-key': key }, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

const createAudience = async (url: string, name: string) =>
  (await gql(url, `mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id } } }`, { input: { name, channel: 'SMS' } })).createAudience.audience.id as string;

describe.skipIf(testEngine !== 'postgres')('two server processes on one PostgreSQL database (PGlite is one process: see subscriptions.test.ts)', () => {
  it('a write on either process, or by the import CLI, reaches the subscribers of both', async () => {
    const [first, second] = [await start(), await start()];
    const audienceId = await createAudience(first.url, 'Across processes');
    const onFirst = watch(liveClient(first.url, key), CONTACTS_CHANGED, { audienceId });
    const onSecond = watch(liveClient(second.url, key), CONTACTS_CHANGED, { audienceId });
    await subscribed(first.url, 1);
    await subscribed(second.url, 1);

    const added = await gql(second.url, `mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id } } }`, { input: { audienceId, number: '+37491000001' } });
    const rowId = added.addAudienceContact.audienceContact.id;
    for (const w of [onFirst, onSecond]) expect(await w.event(0)).toMatchObject({ kind: 'ADDED', audienceContactId: rowId, audienceContact: { number: '+37491000001' } });

    await gql(first.url, `mutation ($input: UpdateAudienceContactInput!) { updateAudienceContact(input: $input) { audienceContact { id } } }`, { input: { id: rowId, firstName: 'Nare' } });
    for (const w of [onFirst, onSecond]) expect(await w.event(1)).toMatchObject({ kind: 'UPDATED', audienceContact: { firstName: 'Nare' } });

    // The import CLI is a third process writing straight to the database.
    const dir = mkdtempSync(path.join(tmpdir(), 'cg-live-'));
    try {
      const csv = path.join(dir, 'contacts.csv');
      writeFileSync(csv, ['number,firstName', ...Array.from({ length: 30 }, (_, i) => `+374910001${String(i).padStart(2, '0')},Row ${i}`)].join('\n'));
      const result = await runScript('src/cli/import.ts', ['--audience', audienceId, csv], { ...env, CONTACT_GATEWAY_KEY: key });
      expect(result.code, result.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const w of [onFirst, onSecond]) {
      expect(await w.event(2)).toMatchObject({ kind: 'BATCH', batch: { operation: 'IMPORT', addedCount: 30, updatedCount: 0 }, audience: { contacts: { totalCount: 31 } } });
      expect(w.events).toHaveLength(3);
    }
  });
});

describe.skipIf(testEngine !== 'postgres')('npm run start:cluster (PostgreSQL only: PGlite is one process)', () => {
  it('subscribers on any worker hear a write made through any worker, and SIGTERM closes their WebSockets with 1001', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/cluster.js'], { cwd: projectRoot, env: { ...env, PORT: String(port), WORKERS: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => output.split('GraphQL and GraphiQL').length > 2, 60_000, () => `two workers listening:\n${output}`);
      const url = `http://127.0.0.1:${port}`;
      const audienceId = await createAudience(url, 'Cluster');
      // Six connections: the primary hands them to the workers in turn.
      const closed: number[] = [];
      const watches = Array.from({ length: 6 }, () => {
        const c = liveClient(url, key);
        c.on('closed', (event) => closed.push((event as { code: number }).code));
        return watch(c, AUDIENCE_CHANGED, { id: audienceId });
      });
      // Until every subscriber has heard a rename (each one is in place at some point; later renames reach it).
      for (let i = 0; watches.some((w) => w.events.length === 0) && i < 50; i++) {
        await gql(url, `mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { id } } }`, { input: { id: audienceId, name: `Cluster ${i}` } });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      for (const w of watches) expect(w.events[0]).toMatchObject({ kind: 'AUDIENCE_UPDATED', audience: { name: expect.stringMatching(/^Cluster \d+$/) } });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await until(() => closed.length === 6, 5_000, () => `six closes, got ${closed}`);
      expect(closed).toEqual([1001, 1001, 1001, 1001, 1001, 1001]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

// What PGlite has in place of several processes on one database: one process a data directory, and the others told so.
describe.runIf(testEngine === 'pglite')('PGlite: one server process a data directory (the multi-process cases run on PostgreSQL)', () => {
  it('a second server on the same DATA_DIR stops at start with the lock message; the first serves on', async () => {
    const first = await start();
    const second = await runCommand(process.execPath, ['dist/main.js'], { ...env, PORT: String(await freePort()) });
    expect(second.code).not.toBe(0);
    expect(second.stdout + second.stderr).toMatch(/in use by another process \(pid \d+\).*stop that process/s);
    expect((await gql(first.url, '{ viewer { name } }', {})).viewer.name).toBe('Processes');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('npm run start:cluster refuses PGlite: exit 1, pointing at DATABASE_URL and npm start', async () => {
    const result = await runCommand(process.execPath, ['dist/cluster.js'], { ...env, PORT: String(await freePort()), WORKERS: '2' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cluster mode needs DATABASE_URL (PostgreSQL): the embedded PGlite database is single-process. Use `npm start` instead.');
    expect(result.stdout).not.toContain('workers');
  });
});

describe('SIGTERM', () => {
  it('ends every live stream (WebSockets closed with 1001, SSE streams with SERVICE_UNAVAILABLE), then the process exits 0', async () => {
    const server = await start();
    const audienceId = await createAudience(server.url, 'Until shutdown');
    const ws = liveClient(server.url, key);
    let closeCode: number | undefined;
    ws.on('closed', (event) => (closeCode = (event as { code: number }).code));
    const overWebSocket = watch(ws, AUDIENCE_CHANGED, { id: audienceId });
    let sseCompleted = false;
    const sseResults: any[] = [];
    const sse = createSseClient({ url: `${server.url}/graphql`, headers: { 'x-dexatel-key': key }, retryAttempts: 0 });
    sse.subscribe({ query: AUDIENCE_CHANGED, variables: { id: audienceId } }, { next: (value) => sseResults.push(value), error: () => {}, complete: () => (sseCompleted = true) });
    await subscribed(server.url, 2);

    const stopping = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Well within SHUTDOWN_GRACE_MS (10 s): the streams did not hold the process until the grace ran out.
    expect(Date.now() - stopping).toBeLessThan(5_000);
    await until(() => closeCode !== undefined && sseCompleted, 5_000, () => `close ${closeCode}, SSE completed ${sseCompleted}`);
    // WebSocket clients reconnect on 1001 by themselves; an SSE stream's last event says to subscribe again.
    expect(closeCode).toBe(1001);
    expect(overWebSocket.completed).toBe(true);
    expect(sseResults).toMatchObject([{ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE', status: 503 } }] }]);
    sse.dispose();
  });
});
