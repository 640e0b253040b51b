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
import { databaseEnv, runScript, type ServerProcess, startServerProcess } from './support/run.js';

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

describe('SIGTERM', () => {
  it('ends every live stream (WebSocket closed with 1001, SSE completed), then the process exits 0', async () => {
    const server = await start();
    const audienceId = await createAudience(server.url, 'Until shutdown');
    const ws = liveClient(server.url, key);
    let closeCode: number | undefined;
    ws.on('closed', (event) => (closeCode = (event as { code: number }).code));
    const overWebSocket = watch(ws, AUDIENCE_CHANGED, { id: audienceId });
    let sseCompleted = false;
    const sse = createSseClient({ url: `${server.url}/graphql`, headers: { 'x-dexatel-key': key }, retryAttempts: 0 });
    sse.subscribe({ query: AUDIENCE_CHANGED, variables: { id: audienceId } }, { next: () => {}, error: () => {}, complete: () => (sseCompleted = true) });
    await subscribed(server.url, 2);

    const stopping = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Well within SHUTDOWN_GRACE_MS (10 s): the streams did not hold the process until the grace ran out.
    expect(Date.now() - stopping).toBeLessThan(5_000);
    await until(() => closeCode !== undefined && sseCompleted, 5_000, () => `close ${closeCode}, SSE completed ${sseCompleted}`);
    expect(closeCode).toBe(1001);
    expect(overWebSocket.completed).toBe(true);
    sse.dispose();
  });
});
