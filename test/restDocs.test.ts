import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { createScratchDatabase } from './support/app.js';
import { type CommandResult, databaseEnv, printedKey, projectRoot, runCommand, type ServerProcess, startServerProcess } from './support/run.js';

/**
 * docs/rest.md, run as a reader would: the real server (the build `npm start` runs) on a scratch database, a key,
 * then every ```sh block in order with bash and curl, each block seeing the variables the earlier ones exported.
 * A block must exit 0; each `# → text` line must appear in what it printed, in order (`…` stands for anything);
 * a ```json block right after a ```sh block is that block's last JSON answer, trimmed, and must match it (see
 * matchSample). Every operation of /v1/openapi.json must have a curl example on the page.
 */

const DOC = 'docs/rest.md';
const markdown = readFileSync(path.join(projectRoot, DOC), 'utf8');
/** The origin the page's samples show; the test's server answers on another port. */
const DOC_ORIGIN = 'http://localhost:4000';
const ELIDED = '…';

interface Fence {
  lang: string;
  code: string;
  line: number;
}

interface Example {
  code: string;
  line: number;
  /** The `# → …` lines: texts the block must print, in this order. */
  expected: string[];
  /** The ```json block after it, parsed. */
  sample?: unknown;
}

function fences(text: string): Fence[] {
  return [...text.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    lang: match[1]!,
    code: match[2]!,
    line: text.slice(0, match.index).split('\n').length,
  }));
}

function examplesOf(all: Fence[]): Example[] {
  const examples: Example[] = [];
  all.forEach((fence, index) => {
    if (fence.lang === 'json') {
      if (all[index - 1]?.lang !== 'sh') throw new Error(`${DOC}:${fence.line}: a json block must follow the sh block whose answer it shows`);
      examples.at(-1)!.sample = JSON.parse(fence.code);
    }
    if (fence.lang !== 'sh') return;
    const expected = [...fence.code.matchAll(/^# → (.*)$/gm)].map((match) => match[1]!);
    examples.push({ code: fence.code, line: fence.line, expected });
  });
  return examples;
}

/** Where `pattern` (with `…` for anything) occurs in `text` from `from` on: the end of the match, or -1. */
function find(text: string, pattern: string, from: number): number {
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
function matchSample(sample: unknown, actual: unknown, base: string, at = '$'): string[] {
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

/** The method and path of every curl on the page that calls $BASE/v1. */
function documentedCalls(examples: Example[]): Array<{ method: string; path: string }> {
  return examples.flatMap(({ code }) =>
    code
      .replace(/\\\n/g, ' ')
      .split('\n')
      .flatMap((line) => line.split('|'))
      .filter((command) => /\bcurl\b/.test(command))
      .flatMap((command) => {
        const url = command.match(/"\$BASE(\/v1[^"?]*)/);
        if (!url) return [];
        const method = command.match(/-X (\w+)/)?.[1] ?? (/ (-d|--data-binary) /.test(command) ? 'POST' : 'GET');
        return [{ method, path: url[1]! }];
      }),
  );
}

/** One block in bash, `set -euo pipefail`, with `env`: what it printed, and the environment it left for the next. */
async function runBlock(code: string, env: NodeJS.ProcessEnv, workdir: string): Promise<CommandResult & { env: NodeJS.ProcessEnv }> {
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

const examples = examplesOf(fences(markdown));

describe(`${DOC}, every example against the real server`, () => {
  let server: ServerProcess;
  let drop: () => Promise<void>;
  let workdir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    drop = scratch.drop;
    let key: string | undefined;
    if (scratch.config.kind === 'postgres') {
      // On PostgreSQL the operator migrates and makes a key before the first start, as the README says.
      const database = await openDatabase({ config: scratch.config, migrate: true });
      key = (await createAccountWithKey(database.prisma, 'Development')).key;
      await database.close();
    }
    server = await startServerProcess(databaseEnv(scratch.config));
    key ??= await printedKey(server);
    expect(key).toMatch(/^cgk_/);
    base = `http://localhost:${new URL(server.url).port}`;
    workdir = mkdtempSync(path.join(tmpdir(), 'cg-rest-docs-'));
    env = { PATH: process.env.PATH, HOME: workdir, LANG: 'C.UTF-8', KEY: key, BASE: base };
  });

  afterAll(async () => {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await drop?.();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('has examples, each json sample after the block that prints it', () => {
    expect(examples.length).toBeGreaterThan(20);
    expect(examples.filter((example) => example.sample !== undefined).length).toBeGreaterThan(10);
  });

  for (const example of examples) {
    it(`runs the block at ${DOC}:${example.line}`, async () => {
      const run = await runBlock(example.code, env, workdir);
      const report = `\n--- block ---\n${example.code}--- stdout ---\n${run.stdout}--- stderr ---\n${run.stderr}`;
      expect(run.code, `exit code${report}`).toBe(0);
      env = run.env;
      let at = 0;
      for (const expected of example.expected) {
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
    });
  }

  it('shows a curl example for every operation of /v1/openapi.json', async () => {
    const document = (await (await fetch(`${server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const calls = documentedCalls(examples);
    const operations = Object.entries(document.paths).flatMap(([template, methods]) => Object.keys(methods).map((method) => ({ template, method: method.toUpperCase() })));
    expect(operations.length).toBeGreaterThan(0);
    const missing = operations.filter(({ template, method }) => {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return !calls.some((call) => call.method === method && pattern.test(call.path));
    });
    expect(missing, `operations without a curl example in ${DOC}`).toEqual([]);
  });
});
