import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fences, readDoc, readerEnv, runShellExample } from './support/docs.js';

// docs/ecosystem.md's shell blocks, as a reader runs them from the project's directory: the Relay compile check, the
// composition, the schema lint, the breaking-change check and the dependency check. Its graphql blocks go through
// Hive Gateway in test/federation.test.ts. None needs a database; the suite runs it on both anyway.

const DOC = 'docs/ecosystem.md';
const blocks = fences(readDoc(DOC));

describe(`${DOC}, every example that runs from a shell`, () => {
  let workdir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    workdir = mkdtempSync(path.join(tmpdir(), 'cg-ecosystem-docs-'));
    env = readerEnv(workdir, {});
  });
  afterAll(() => workdir && rmSync(workdir, { recursive: true, force: true }));

  it('runs or hands on every block, and marks the others with the reason', () => {
    const unmarked = blocks.filter((block) => !block.notRun && !['sh', 'graphql', 'json'].includes(block.lang));
    expect(unmarked.map((block) => `${DOC}:${block.line} (${block.lang})`)).toEqual([]);
    expect(blocks.filter((block) => block.lang === 'sh' && !block.notRun).length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter((block) => block.lang === 'graphql').length).toBeGreaterThanOrEqual(2);
  });

  for (const block of blocks.filter((b) => b.lang === 'sh' && !b.notRun)) {
    it(`runs the sh block at ${DOC}:${block.line}`, async () => {
      env = await runShellExample(block, env, workdir, 'http://localhost:4000');
    }, 60_000);
  }
});
