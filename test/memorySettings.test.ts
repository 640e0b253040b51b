import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mallocArenaMax, memoryFlags } from '../src/runtimeSettings.js';
import { createScratchDatabase } from './support/app.js';
import { databaseEnv, projectRoot, type ServerProcess, startServerProcess } from './support/run.js';

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
    // Measured about 140 MB on PostgreSQL (issue 13's idle target: 150); the bound only catches a gross regression,
    // such as everything loaded at start again. PGlite's own memory is not the server's and is not bounded here.
    if (scratch.config.kind === 'postgres') expect(rssMb(pid)).toBeLessThan(250);
  });

  it('what the configuration does not use is not loaded at start, and loads when used', async () => {
    // Each of these held 1-2.3 MB of an idle server's heap (about 10 MB of RSS in all, 150 -> 140 MB): PGlite on
    // PostgreSQL, ioredis without REDIS_URL, the OpenTelemetry core without tracing, ws and graphql-ws before
    // the first WebSocket.
    const loadedFile = path.join(os.tmpdir(), `contact-gateway-loaded-${process.pid}-${Date.now()}.txt`);
    const { url } = await start({
      NODE_OPTIONS: `--import ${path.join(projectRoot, 'test/support/recordLoadedModules.mjs')}`,
      LOADED_MODULES_FILE: loadedFile,
      REDIS_URL: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
    });
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    const loadedPackages = () => new Set([...readFileSync(loadedFile, 'utf8').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((match) => match[1]!));
    const atStart = loadedPackages();
    // The recording works: what every request uses is there.
    expect(atStart).toContain('graphql-yoga');
    const unused = ['ioredis', '@opentelemetry/core', 'ws', 'graphql-ws', ...(scratch.config.kind === 'postgres' ? ['@electric-sql/pglite', 'pglite-prisma-adapter'] : [])];
    expect(unused.filter((name) => atStart.has(name))).toEqual([]);

    // The first WebSocket loads ws and graphql-ws, and is answered.
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const acknowledged = new Promise<string>((resolve, reject) => {
      socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.addEventListener('message', (event) => resolve(JSON.parse(String(event.data)).type));
      socket.addEventListener('error', () => reject(new Error('the WebSocket failed')));
    });
    expect(await acknowledged).toBe('connection_ack');
    socket.close();
    expect([...loadedPackages()]).toEqual(expect.arrayContaining(['ws', 'graphql-ws']));
  });

  it('heap flags given explicitly are kept, and nothing is added', async () => {
    const { child } = await start({ NODE_OPTIONS: '--max-semi-space-size=32', MALLOC_ARENA_MAX: undefined });
    const pid = child.pid!;
    expect(commandLine(pid)).not.toEqual(expect.arrayContaining(memoryFlags));
    expect(environment(pid).some((entry) => entry.startsWith('MALLOC_ARENA_MAX='))).toBe(false);
  });
});
