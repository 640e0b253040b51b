import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngine } from './support/app.js';
import { freePort, projectRoot, waitUntil } from './support/run.js';

// `npm start` builds before it runs. Several processes started from one checkout at the same moment each rebuilt
// dist/ in place, and one loaded a module another was still writing ("does not provide an export named ..."). The
// test runs the real `npm start` several times at once in a copy of the checkout (its own dist, its own builds),
// with sources no build has seen yet, so every one of them builds.
describe.skipIf(testEngine !== 'pglite')('several `npm start` at once from one checkout (the build, not the database: runs once, on the PGlite pass)', () => {
  const checkout = mkdtempSync(path.join(tmpdir(), 'cg-build-race-'));
  for (const entry of ['src', 'prisma', 'scripts', 'package.json']) cpSync(path.join(projectRoot, entry), path.join(checkout, entry), { recursive: true });
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(checkout, 'node_modules'));
  // Sources no build in the real checkout has: this copy's first builds all start from nothing.
  appendFileSync(path.join(checkout, 'src/start.ts'), `\n// build race test ${Date.now()}\n`);

  interface Started {
    child: ChildProcess;
    url: string;
    output: () => string;
  }
  const started: Started[] = [];

  async function npmStart(): Promise<Started> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: 'memory://', PORT: String(port) };
    delete env.DATABASE_URL;
    // Its own process group, so the test can stop npm and the server it execs alike.
    const child = spawn('npm', ['start', '--silent'], { cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const process_ = { child, url: `http://127.0.0.1:${port}`, output: () => output };
    started.push(process_);
    return process_;
  }

  async function waitListening(server: Started): Promise<void> {
    const up = await waitUntil(() => server.output().includes('GraphQL and GraphiQL') || server.child.exitCode !== null, 90_000);
    if (!up || server.child.exitCode !== null) throw new Error(`npm start did not come up:\n${server.output()}`);
  }

  afterAll(() => {
    for (const { child } of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(checkout, { recursive: true, force: true });
  });

  it('each comes up on a whole build; a later rebuild leaves the running ones their own files', { timeout: 240_000 }, async () => {
    const first = await Promise.all([npmStart(), npmStart(), npmStart(), npmStart()]);
    await Promise.all(first.map(waitListening));
    for (const server of first) {
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status, server.output()).toBe(200);
    }
    const firstBuild = readlinkSync(path.join(checkout, 'dist'));

    // A source changes while they run, and three more start at once: a new build, in a directory of its own.
    appendFileSync(path.join(checkout, 'src/start.ts'), '// changed while running\n');
    const second = await Promise.all([npmStart(), npmStart(), npmStart()]);
    await Promise.all(second.map(waitListening));
    const secondBuild = readlinkSync(path.join(checkout, 'dist'));
    expect(secondBuild).not.toBe(firstBuild);

    // The REST front is imported on its first request: the first four load it now, after the rebuild, from the build
    // they started on (its files untouched), the last three from theirs.
    for (const server of [...first, ...second]) {
      const response = await fetch(`${server.url}/v1/openapi.json`);
      expect(response.status, server.output()).toBe(200);
    }
    const builds = readdirSync(checkout).filter((entry) => entry.startsWith('.build-'));
    expect(builds.filter((entry) => entry.includes('.tmp-'))).toEqual([]);
    expect(builds.sort()).toEqual([firstBuild, secondBuild].sort());
    for (const server of [...first, ...second]) expect(server.output()).not.toMatch(/does not provide an export|SyntaxError|Cannot find module/);
  });
});
