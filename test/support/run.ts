import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DatabaseConfig } from '../../src/db/config.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${projectRoot}node_modules/.bin/tsx`;

/** Environment that points a child process at a database the way a user would: DATA_DIR or DATABASE_URL. */
export function databaseEnv(config: DatabaseConfig): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  return config.kind === 'pglite' ? { ...env, DATA_DIR: config.dataDir } : { ...env, DATABASE_URL: config.url };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's TypeScript entry points as its npm script would. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return runCommand(tsx, [script, ...args], env);
}

export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * The real entry point as `npm start` runs it (one node process, so signals reach the server itself), on a
 * free port; resolves once it listens.
 */
export async function startServerProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const port = await freePort();
  // The compiled build, as `npm start` runs it; test/support/globalSetup.ts builds it before the suite.
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: projectRoot,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let waited = 0; !output.includes('GraphQL and GraphiQL'); waited += 50) {
    if (waited > 60_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Polls until `condition` holds; false when `timeoutMs` passes first. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; !condition(); waited += 100) {
    if (waited >= timeoutMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The development key a first start prints on the last line of its output. */
export async function printedKey(server: ServerProcess, timeoutMs = 90_000): Promise<string> {
  await waitUntil(() => /cgk_\S+\s*$/.test(server.output()), timeoutMs);
  return lastLine(server.output());
}
