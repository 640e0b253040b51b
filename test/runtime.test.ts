import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from './support/app.js';
import { databaseEnv, projectRoot, runCommand, type ServerProcess, startServerProcess } from './support/run.js';

// The project brings its runtime: package.json pins npm's `node` package, so every npm script (npm start,
// npm test, npx vitest) runs on that Node, whatever Node the machine has. These fail when the suite, or a
// process it starts the way a user would, runs on another one (e.g. vitest started by the system's Node).

const declared: string = JSON.parse(readFileSync(`${projectRoot}package.json`, 'utf8')).dependencies.node;
const onDeclared = `the declared runtime is Node ${declared} (package.json "node"): run through npm (npm test, npx vitest), after npm ci`;

describe('runtime', () => {
  it('the suite runs on the Node that package.json pins', () => {
    expect(declared).toMatch(/^24\.\d+\.\d+$/);
    expect(process.versions.node, onDeclared).toBe(declared);
  });

  it('a TypeScript entry point started as its npm script is (tsx) runs on it too', async () => {
    const tsx = await runCommand(`${projectRoot}node_modules/.bin/tsx`, ['--eval', 'console.log(process.versions.node)'], process.env);
    expect(tsx.stdout.trim(), `${onDeclared}${tsx.stderr ? `\n${tsx.stderr}` : ''}`).toBe(declared);
  });

  describe('the server as npm start runs it', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    let server: ServerProcess;

    beforeAll(async () => {
      scratch = await createScratchDatabase({ onDisk: true });
      server = await startServerProcess(databaseEnv(scratch.config));
    });
    afterAll(async () => {
      server?.child.kill('SIGTERM');
      await server?.exited;
      await scratch?.drop();
    });

    it('reports the same Node in /metrics (nodejs_version_info)', async () => {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const reported = /^nodejs_version_info\{version="v([^"]+)"/m.exec(metrics)?.[1];
      expect(reported, onDeclared).toBe(declared);
    });
  });
});
