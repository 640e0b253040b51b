import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { listen } from '../src/http.js';
import { createGateway } from '../src/server.js';
import { createLogger } from '../src/observability/logger.js';
import { createScratchDatabase, testEngine } from './support/app.js';
import { databaseEnv, lastLine, printedKey, runScript, startServerProcess } from './support/run.js';

const quietLogger = createLogger({ level: 'silent' });
const VIEWER = JSON.stringify({ query: '{ viewer { name } }' });

async function viewerStatus(url: string, key: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
    body: VIEWER,
  });
  return { status: response.status, body: await response.json() };
}

/** The gateway in this process on a database a CLI process also uses. */
async function serve(config: Awaited<ReturnType<typeof createScratchDatabase>>['config']) {
  const database = await openDatabase({ config, migrate: true });
  const running = await listen(createGateway({ database, logger: quietLogger }), 0, '127.0.0.1');
  return { url: running.url, stop: async () => { await running.stop(500); await database.close(); } };
}

describe('keys CLI end to end', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase({ onDisk: true });
    // The CLI uses migrated databases; on PostgreSQL migrating is an explicit step (npm run db:migrate).
    if (testEngine === "postgres") await (await openDatabase({ config: scratch.config, migrate: true })).close();
  });
  afterAll(() => scratch?.drop());

  it('creates a key that works, lists it, revokes it, and then the key gets 401', async () => {
    const env = databaseEnv(scratch.config);
    const created = await runScript('src/cli/keys.ts', ['create', '--account', 'Acme CLI'], env);
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.code).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^cgk_[A-Za-z0-9_-]{43}$/);
    const keyId = created.stdout.match(/Key id:\s+(\S+)/)?.[1];
    expect(keyId).toBeDefined();

    const listed = await runScript('src/cli/keys.ts', ['list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toContain('Acme CLI');
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(key);

    let server = await serve(scratch.config);
    expect(await viewerStatus(server.url, key)).toMatchObject({ status: 200, body: { data: { viewer: { name: 'Acme CLI' } } } });

    if (testEngine === 'pglite') {
      // PGlite is single-process: while the server holds the data directory, the CLI must refuse, not corrupt it.
      const refused = await runScript('src/cli/keys.ts', ['revoke', keyId!], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in use by another process .*stop that process/);
      await server.stop();
    }
    const revoked = await runScript('src/cli/keys.ts', ['revoke', keyId!], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked key/);
    if (testEngine === 'pglite') server = await serve(scratch.config);

    const after = await viewerStatus(server.url, key);
    expect(after.status).toBe(401);
    expect(after.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await server.stop();

    const listedAgain = await runScript('src/cli/keys.ts', ['list'], env);
    expect(listedAgain.stdout).toMatch(/revoked \d{4}-/);
  });

  it('explains its usage and fails on a missing argument or an unknown key id', async () => {
    const env = databaseEnv(scratch.config);
    const missing = await runScript('src/cli/keys.ts', ['create'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--account');
    const unknown = await runScript('src/cli/keys.ts', ['revoke', '00000000-0000-0000-0000-000000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No key with id');
  });
});

describe.runIf(testEngine === 'pglite')('first start on the embedded database', () => {
  it('creates a development account, prints its key last, serves it, and stops cleanly on SIGTERM', async () => {
    const scratch = await createScratchDatabase({ onDisk: true });
    const first = await startServerProcess(databaseEnv(scratch.config));
    try {
      const key = await printedKey(first);
      expect(key).toMatch(/^cgk_[A-Za-z0-9_-]{43}$/);
      const viewer = await viewerStatus(first.url, key);
      expect(viewer).toMatchObject({ status: 200, body: { data: { viewer: { name: 'Development' } } } });
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);

    // A second start finds the account and prints no new key.
    const again = await startServerProcess(databaseEnv(scratch.config));
    await new Promise((r) => setTimeout(r, 300));
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
    expect(again.output()).not.toMatch(/cgk_/);
    await scratch.drop();
  });
});
