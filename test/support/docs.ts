import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createAccountWithKey } from '../../src/services/accounts.js';
import { createScratchDatabase } from './app.js';
import { type CommandResult, databaseEnv, printedKey, projectRoot, runCommand, type ServerProcess, startServerProcess } from './run.js';

/**
 * The runner of the guides under docs/ (test/restDocs.test.ts, test/graphqlDocs.test.ts): their fenced blocks,
 * shell blocks run with bash, `# → text` expectations, and JSON samples matched against real answers.
 */

/** The origin the guides' samples show; the tests' servers answer on other ports. */
const DOC_ORIGIN = 'http://localhost:4000';
export const ELIDED = '…';
/** The line that keeps the block after it from running, and says why: `<!-- not run: why -->`. */
const NOT_RUN = /^\s*<!-- not run: (.+) -->\s*$/;

export interface Fence {
  lang: string;
  code: string;
  line: number;
  /** Why the block is not run, when the line before it says so. */
  notRun?: string;
}

export function readDoc(doc: string): string {
  return readFileSync(path.join(projectRoot, doc), 'utf8');
}

/** Every fenced block of a markdown text, in order; a fence indented in a list item is read without its indent. */
export function fences(text: string): Fence[] {
  return [...text.matchAll(/^( *)```(\S*)\n([\s\S]*?)^\1```$/gm)].map((match) => {
    const before = text.slice(0, match.index).split('\n');
    const indent = match[1]!;
    const code = match[3]!.replace(new RegExp(`^${indent}`, 'gm'), '');
    const notRun = before.at(-2)?.match(NOT_RUN)?.[1];
    return { lang: match[2]!, code, line: before.length, ...(notRun ? { notRun } : {}) };
  });
}

/** The `# → …` lines of a shell block: texts it must print, in this order. */
export function expectedLines(code: string): string[] {
  return [...code.matchAll(/^# → (.*)$/gm)].map((match) => match[1]!);
}

/** Where `pattern` (with `…` for anything) occurs in `text` from `from` on: the end of the match, or -1. */
export function find(text: string, pattern: string, from: number): number {
  let at = from;
  for (const part of pattern.split(ELIDED)) {
    const found = text.indexOf(part, at);
    if (found < 0) return -1;
    at = found + part.length;
  }
  return at;
}

/** Values that differ on every run, reduced to their form: the origin, UUIDs, dates, page tokens. */
function normalise(text: string, base: string): string {
  return text
    .replaceAll(DOC_ORIGIN, '<base>')
    .replaceAll(base, '<base>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/page_token=[A-Za-z0-9_-]+/g, 'page_token=<token>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<iso date>')
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, '<date>');
}

/**
 * How a trimmed sample matches an answer: strings equal once normalised, or, holding `…`, equal around it
 * (`"…"` alone: any value); numbers, booleans and null equal; an object's keys all present and matching, and no
 * others unless it has a `"…"` key; an array of the same length, or at least as long when it ends with `"…"`.
 */
export function matchSample(sample: unknown, actual: unknown, base: string, at = '$'): string[] {
  if (typeof sample === 'string') {
    if (sample.includes(ELIDED)) {
      if (sample === ELIDED || (typeof actual === 'string' && find(actual, sample, 0) >= 0 && actual.endsWith(sample.split(ELIDED).at(-1)!))) return [];
      return [`${at}: ${JSON.stringify(actual)} does not match ${JSON.stringify(sample)}`];
    }
    return typeof actual === 'string' && normalise(actual, base) === normalise(sample, base) ? [] : [`${at}: ${JSON.stringify(actual)}, the page shows ${JSON.stringify(sample)}`];
  }
  if (Array.isArray(sample)) {
    if (!Array.isArray(actual)) return [`${at}: ${JSON.stringify(actual)} is not an array`];
    const open = sample.at(-1) === ELIDED;
    const items = open ? sample.slice(0, -1) : sample;
    if (open ? actual.length < items.length : actual.length !== items.length) return [`${at}: ${actual.length} items, the page shows ${items.length}${open ? ' or more' : ''}`];
    return items.flatMap((item, index) => matchSample(item, actual[index], base, `${at}[${index}]`));
  }
  if (sample !== null && typeof sample === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${at}: ${JSON.stringify(actual)} is not an object`];
    const keys = Object.keys(sample).filter((key) => key !== ELIDED);
    const extra = ELIDED in sample ? [] : Object.keys(actual).filter((key) => !keys.includes(key));
    return [
      ...extra.map((key) => `${at}.${key}: in the answer, not on the page (add it, or "…": "…")`),
      ...keys.flatMap((key) =>
        key in actual ? matchSample((sample as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], base, `${at}.${key}`) : [`${at}.${key}: missing`],
      ),
    ];
  }
  return sample === actual ? [] : [`${at}: ${JSON.stringify(actual)}, the page shows ${JSON.stringify(sample)}`];
}

/** One block in bash, `set -euo pipefail`, with `env`: what it printed, and the environment it left for the next. */
export async function runBlock(code: string, env: NodeJS.ProcessEnv, workdir: string): Promise<CommandResult & { env: NodeJS.ProcessEnv }> {
  const envFile = path.join(workdir, 'env-after-block');
  const script = `set -euo pipefail\n${code}\nenv -0 > ${JSON.stringify(envFile)}\n`;
  const result = await runCommand('bash', ['--noprofile', '--norc', '-c', script], env);
  if (result.code !== 0) return { ...result, env };
  const after: NodeJS.ProcessEnv = {};
  for (const entry of readFileSync(envFile, 'utf8').split('\0').filter(Boolean)) {
    const at = entry.indexOf('=');
    after[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return { ...result, env: after };
}

/**
 * Runs a shell block of a guide and asserts what the guides promise of it: exit 0, its `# → …` lines in what it
 * printed, in order, and its ```json sample (if any) matching the last JSON line it printed. The environment it
 * leaves, for the next block.
 */
export async function runShellExample(
  example: { code: string; sample?: unknown },
  env: NodeJS.ProcessEnv,
  workdir: string,
  base: string,
): Promise<NodeJS.ProcessEnv> {
  const run = await runBlock(example.code, env, workdir);
  const report = `\n--- block ---\n${example.code}--- stdout ---\n${run.stdout}--- stderr ---\n${run.stderr}`;
  expect(run.code, `exit code${report}`).toBe(0);
  let at = 0;
  for (const expected of expectedLines(example.code)) {
    const end = find(run.stdout, expected, at);
    expect(end, `expected "${expected}" in what the block printed (after what came before)${report}`).toBeGreaterThanOrEqual(0);
    at = end;
  }
  if (example.sample !== undefined) {
    const answer = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .at(-1);
    expect(answer, `no JSON answer printed${report}`).toBeDefined();
    expect(matchSample(example.sample, JSON.parse(answer!), base), `the answer against the page's sample${report}`).toEqual([]);
  }
  return run.env;
}

/** The environment a guide's shell blocks start from: a reader's shell with the key and the server's address. */
export function readerEnv(workdir: string, vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: workdir, LANG: 'C.UTF-8', NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...vars };
}

export interface DocServer {
  server: ServerProcess;
  key: string;
  /** The server's origin as the guides write it (`http://localhost:<port>`). */
  base: string;
  /** A scratch directory: the readers' HOME. */
  workdir: string;
  close(): Promise<void>;
}

/**
 * The real server (the build `npm start` runs) on a scratch database, and a key: on PGlite the development key
 * its first start prints; on PostgreSQL the operator migrates and makes a key before the first start, as
 * docs/operations.md says.
 */
export async function startDocServer(prefix: string): Promise<DocServer> {
  const scratch = await createScratchDatabase();
  let key: string | undefined;
  if (scratch.config.kind === 'postgres') {
    const database = await openDatabase({ config: scratch.config, migrate: true });
    key = (await createAccountWithKey(database.prisma, 'Development')).key;
    await database.close();
  }
  const server = await startServerProcess(databaseEnv(scratch.config));
  key ??= await printedKey(server);
  expect(key).toMatch(/^cgk_/);
  const workdir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    server,
    key,
    base: `http://localhost:${new URL(server.url).port}`,
    workdir,
    async close() {
      server.child.kill('SIGTERM');
      await server.exited;
      await scratch.drop();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
