import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mallocArenaMax, memoryFlags } from '../src/runtimeSettings.js';
import { createScratchDatabase } from './support/app.js';
import { databaseEnv, type ServerProcess, startServerProcess } from './support/run.js';

// The server as `npm start` and the benchmark start it (`node dist/main.js`, no flags) runs with the memory
// settings of src/runtimeSettings.ts, in the process that was started (same pid); settings given explicitly
// are left alone. Read from /proc, so Linux only (the machines this runs on).

const proc = (pid: number, file: string) => readFileSync(`/proc/${pid}/${file}`, 'utf8');
const commandLine = (pid: number) => proc(pid, 'cmdline').split('\0').filter(Boolean);
const environment = (pid: number) => proc(pid, 'environ').split('\0').filter(Boolean);
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(proc(pid, 'status'))![1]) / 1024;

describe.runIf(process.platform === 'linux')('memory settings', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let server: ServerProcess | undefined;
  // One server at a time: PGlite's data directory admits one process.
  const start = async (env: NodeJS.ProcessEnv = {}) => (server = await startServerProcess({ ...databaseEnv(scratch.config), ...env }));

  beforeAll(async () => {
    scratch = await createScratchDatabase({ onDisk: true });
  });
  afterEach(async () => {
    server?.child.kill('SIGTERM');
    expect(await server?.exited).toBe(0);
    server = undefined;
  });
  afterAll(() => scratch?.drop());

  it('a server started without flags has them, in the same process, and serves', async () => {
    const { child, url } = await start();
    const pid = child.pid!;
    expect(commandLine(pid)).toEqual(expect.arrayContaining(memoryFlags));
    expect(environment(pid)).toContain(`MALLOC_ARENA_MAX=${mallocArenaMax}`);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    // Measured about 150 MB on PostgreSQL (issue 13's idle target); the bound only catches a gross regression,
    // such as everything loaded at start again. PGlite's own memory is not the server's and is not bounded here.
    if (scratch.config.kind === 'postgres') expect(rssMb(pid)).toBeLessThan(250);
  });

  it('heap flags given explicitly are kept, and nothing is added', async () => {
    const { child } = await start({ NODE_OPTIONS: '--max-semi-space-size=32', MALLOC_ARENA_MAX: undefined });
    const pid = child.pid!;
    expect(commandLine(pid)).not.toEqual(expect.arrayContaining(memoryFlags));
    expect(environment(pid).some((entry) => entry.startsWith('MALLOC_ARENA_MAX='))).toBe(false);
  });
});
