import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../src/db/config.js';
import { openDatabase } from '../src/db/database.js';
import { createScratchDatabase } from './support/app.js';
import { type DocServer, ELIDED, type Fence, fences, matchSample, readDoc, readerEnv, runShellExample, startDocServer } from './support/docs.js';
import { databaseEnv, type ServerProcess, startServerProcess } from './support/run.js';

/**
 * docs/graphql.md and docs/operations.md, run as a reader would, in document order, against the real server (the
 * build `npm start` runs) on a scratch database.
 *
 * The convention of the pages (each says it again in a comment at its top):
 * - A ```graphql block is one operation, sent to /graphql by POST with a key, as GraphiQL sends it.
 * - A ```json block right after it is its variables, unless it has a top-level "data" or "errors": then it is the
 *   answer, trimmed (after the variables, if there are some). The answer is matched as docs/rest.md's samples are
 *   (matchSample: `"…"` any value or the rest of an array, `"…": "…"` the fields left out, dates and UUIDs by form).
 * - Placeholders carry ids from one block to the next: a string "$name" in an answer names the value found there
 *   the first time, and must equal it afterwards; "$name" in variables is that value. So the page can show
 *   `{ "id": "$audienceId" }` where a reader pastes the id an earlier answer gave.
 * - A graphql block must answer without `errors` (and with HTTP 200), unless its answer shows errors: then the
 *   answer's `extensions.code`s must be exactly those shown.
 * - A ```sh block runs with bash as in test/restDocs.test.ts: exit 0, its `# → text` lines in what it printed, a
 *   ```json block after it its last JSON answer. Blocks see the variables the earlier ones exported.
 * - A block right after a `<!-- not run: why -->` line is skipped (the line says why); any other block of another
 *   language fails the test, so nothing on the pages goes unrun by oversight.
 *
 * The README's short tour (its ```graphql blocks, their variables and answers) runs last on the same server.
 *
 * docs/operations.md runs on a database of its own (PGlite on disk, or PostgreSQL) with DATA_DIR / DATABASE_URL in
 * the blocks' environment, as an operator's shell has them. The server runs for the blocks that call it ("$BASE");
 * on PGlite, which is single-process, the blocks that run a CLI (`npm run …`) run while it is stopped, as the page
 * tells the reader to do.
 */

const PLACEHOLDER = /^\$([A-Za-z]\w*)$/;

type Step =
  | { kind: 'graphql'; line: number; query: string; variables?: Record<string, unknown>; answer?: Answer }
  | { kind: 'sh'; line: number; code: string; sample?: unknown };

interface Answer {
  data?: unknown;
  errors?: Array<{ extensions?: { code?: string } }>;
}

function isAnswer(json: unknown): json is Answer {
  return json !== null && typeof json === 'object' && ('data' in json || 'errors' in json);
}

/** The runnable steps of a page, each json block attached to the block it belongs to. */
function stepsOf(doc: string, all: Fence[]): Step[] {
  const steps: Step[] = [];
  all.forEach((fence, index) => {
    const where = `${doc}:${fence.line}`;
    if (fence.notRun) return;
    if (fence.lang === 'graphql') steps.push({ kind: 'graphql', line: fence.line, query: fence.code });
    else if (fence.lang === 'sh') steps.push({ kind: 'sh', line: fence.line, code: fence.code });
    else if (fence.lang === 'json') {
      const owner = steps.at(-1);
      const previous = all[index - 1];
      if (!owner || !previous || previous.notRun || !['graphql', 'sh', 'json'].includes(previous.lang)) {
        throw new Error(`${where}: a json block must follow the graphql or sh block it belongs to (or be marked not run)`);
      }
      const json: unknown = JSON.parse(fence.code);
      if (owner.kind === 'sh') {
        if (previous.lang !== 'sh') throw new Error(`${where}: an sh block has one json answer`);
        owner.sample = json;
      } else if (isAnswer(json)) {
        if (owner.answer) throw new Error(`${where}: a second answer for one graphql block`);
        owner.answer = json;
      } else {
        if (owner.variables || owner.answer) throw new Error(`${where}: variables come once, before the answer`);
        owner.variables = json as Record<string, unknown>;
      }
    } else throw new Error(`${where}: a \`\`\`${fence.lang || '(plain)'} block is not run: mark it <!-- not run: why --> or make it sh, graphql or json`);
  });
  return steps;
}

/** The variables with each "$name" replaced by the value so named. */
function fill(value: unknown, names: Map<string, unknown>, where: string): unknown {
  if (typeof value === 'string') {
    const name = value.match(PLACEHOLDER)?.[1];
    if (!name) return value;
    if (!names.has(name)) throw new Error(`${where}: "$${name}" is used before an answer names it`);
    return names.get(name);
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, names, where));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, names, where)]));
  return value;
}

/**
 * The answer sample with its placeholders resolved against the real answer: an unnamed "$name" takes the value at
 * its place (and matches it); a named one stands for its value, which the answer must hold there.
 */
function resolve(sample: unknown, actual: unknown, names: Map<string, unknown>): unknown {
  if (typeof sample === 'string') {
    const name = sample.match(PLACEHOLDER)?.[1];
    if (!name) return sample;
    if (!names.has(name)) {
      if (actual === undefined) return sample;
      names.set(name, actual);
    }
    return names.get(name);
  }
  const at = (key: string | number) => (actual !== null && typeof actual === 'object' ? (actual as Record<string | number, unknown>)[key] : undefined);
  if (Array.isArray(sample)) return sample.map((item, index) => (item === ELIDED ? item : resolve(item, at(index), names)));
  if (sample !== null && typeof sample === 'object') return Object.fromEntries(Object.entries(sample).map(([key, item]) => [key, key === ELIDED ? item : resolve(item, at(key), names)]));
  return sample;
}

function errorCodes(answer: Answer): Array<string | undefined> {
  return (answer.errors ?? []).map((error) => error.extensions?.code);
}

async function runGraphQL(step: Extract<Step, { kind: 'graphql' }>, doc: string, server: DocServer, names: Map<string, unknown>): Promise<void> {
  const where = `${doc}:${step.line}`;
  const variables = step.variables && fill(step.variables, names, where);
  const response = await fetch(`${server.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dexatel-key': server.key },
    body: JSON.stringify({ query: step.query, ...(variables ? { variables } : {}) }),
  });
  const answer = (await response.json()) as Answer;
  const report = `\n--- ${where} ---\n${step.query}--- variables ---\n${JSON.stringify(variables)}\n--- answer (HTTP ${response.status}) ---\n${JSON.stringify(answer, null, 2)}`;
  if (step.answer?.errors) {
    expect(errorCodes(answer), `the error codes the page shows${report}`).toEqual(errorCodes(step.answer));
  } else {
    expect(answer.errors, `errors the page does not show${report}`).toBeUndefined();
    expect(response.status, report).toBe(200);
  }
  if (step.answer) {
    const sample = resolve(step.answer, answer, names);
    expect(matchSample(sample, answer, server.base), `the answer against the page's sample${report}`).toEqual([]);
  }
}

describe('docs/graphql.md, every example against the real server', () => {
  const DOC = 'docs/graphql.md';
  const steps = stepsOf(DOC, fences(readDoc(DOC)));
  const names = new Map<string, unknown>();
  let docServer: DocServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    docServer = await startDocServer('cg-graphql-docs-');
    env = readerEnv(docServer.workdir, { KEY: docServer.key, BASE: docServer.base });
  });

  afterAll(async () => docServer?.close());

  it('has graphql examples with their variables and answers, errors among them', () => {
    const graphql = steps.filter((step) => step.kind === 'graphql');
    expect(graphql.length).toBeGreaterThan(10);
    expect(graphql.filter((step) => step.variables).length).toBeGreaterThan(5);
    expect(graphql.filter((step) => step.answer?.errors).length).toBeGreaterThan(0);
    expect(graphql.every((step) => step.answer), 'every graphql example shows its answer').toBe(true);
  });

  for (const step of steps) {
    it(`runs the ${step.kind} block at ${DOC}:${step.line}`, async () => {
      if (step.kind === 'graphql') await runGraphQL(step, DOC, docServer, names);
      else env = await runShellExample(step, env, docServer.workdir, docServer.base);
    });
  }

  it("runs the README's tour: its graphql blocks answer without errors, with their variables and answers", async () => {
    const tour = stepsOf('README.md', fences(readDoc('README.md'))).filter((step) => step.kind === 'graphql');
    expect(tour.length).toBeGreaterThan(5);
    for (const step of tour) await runGraphQL(step, 'README.md', docServer, names);
  });
});

describe('docs/operations.md, every example that can run', () => {
  const DOC = 'docs/operations.md';
  const steps = stepsOf(DOC, fences(readDoc(DOC)));
  let config: DatabaseConfig;
  let drop: () => Promise<void>;
  let workdir: string;
  let env: NodeJS.ProcessEnv;
  let server: ServerProcess | undefined;

  async function stopServer(): Promise<void> {
    if (!server) return;
    server.child.kill('SIGTERM');
    await server.exited;
    server = undefined;
  }

  beforeAll(async () => {
    const scratch = await createScratchDatabase({ onDisk: true });
    ({ config, drop } = scratch);
    if (config.kind === 'postgres') {
      // The page's order for PostgreSQL: migrate before the first start.
      await (await openDatabase({ config, migrate: true })).close();
    }
    workdir = mkdtempSync(path.join(tmpdir(), 'cg-operations-docs-'));
    const database: Record<string, string> = config.kind === 'pglite' ? { DATA_DIR: config.dataDir } : { DATABASE_URL: config.url };
    env = readerEnv(workdir, database);
  });

  afterAll(async () => {
    await stopServer();
    await drop?.();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('has examples that run, and marks the others', () => {
    expect(steps.filter((step) => step.kind === 'sh').length).toBeGreaterThan(4);
  });

  for (const step of steps) {
    it(`runs the ${step.kind} block at ${DOC}:${step.line}`, async () => {
      if (step.kind !== 'sh') throw new Error(`${DOC}:${step.line}: only sh blocks run on this page`);
      if (/\$BASE\b/.test(step.code) && !server) server = await startServerProcess(databaseEnv(config));
      else if (/\bnpm run\b/.test(step.code) && config.kind === 'pglite') await stopServer();
      const base = server ? `http://localhost:${new URL(server.url).port}` : 'http://localhost:4000';
      env = await runShellExample(step, { ...env, BASE: base }, workdir, base);
    }, 180_000); // each CLI run starts tsx and opens the database
  }
});
