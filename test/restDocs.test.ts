import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocServer, type Fence, fences, readDoc, readerEnv, runShellExample, startDocServer } from './support/docs.js';

/**
 * docs/rest.md, run as a reader would: the real server (the build `npm start` runs) on a scratch database, a key,
 * then every ```sh block in order with bash and curl, each block seeing the variables the earlier ones exported.
 * A block must exit 0; each `# → text` line must appear in what it printed, in order (`…` stands for anything);
 * a ```json block right after a ```sh block is that block's last JSON answer, trimmed, and must match it (see
 * matchSample). Every operation of /v1/openapi.json must have a curl example on the page.
 */

const DOC = 'docs/rest.md';
const markdown = readDoc(DOC);

interface Example {
  code: string;
  line: number;
  /** The ```json block after it, parsed. */
  sample?: unknown;
}

function examplesOf(all: Fence[]): Example[] {
  const examples: Example[] = [];
  all.forEach((fence, index) => {
    if (fence.notRun) return;
    if (fence.lang === 'json') {
      if (all[index - 1]?.lang !== 'sh') throw new Error(`${DOC}:${fence.line}: a json block must follow the sh block whose answer it shows`);
      examples.at(-1)!.sample = JSON.parse(fence.code);
    }
    if (fence.lang !== 'sh') return;
    examples.push({ code: fence.code, line: fence.line });
  });
  return examples;
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

const examples = examplesOf(fences(markdown));

describe(`${DOC}, every example against the real server`, () => {
  let docServer: DocServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    docServer = await startDocServer('cg-rest-docs-');
    env = readerEnv(docServer.workdir, { KEY: docServer.key, BASE: docServer.base });
  });

  afterAll(async () => docServer?.close());

  it('has examples, each json sample after the block that prints it', () => {
    expect(examples.length).toBeGreaterThan(20);
    expect(examples.filter((example) => example.sample !== undefined).length).toBeGreaterThan(10);
  });

  for (const example of examples) {
    it(`runs the block at ${DOC}:${example.line}`, async () => {
      env = await runShellExample(example, env, docServer.workdir, docServer.base);
    });
  }

  it('shows a curl example for every operation of /v1/openapi.json', async () => {
    const document = (await (await fetch(`${docServer.server.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
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
