import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { examplesDir } from './support/examples.js';
import { projectRoot, runCommand } from './support/run.js';

/**
 * /v1/openapi.json is what REST clients are generated from: openapi-typescript turns it into types, the example
 * client (examples/rest-client.ts, on openapi-fetch) must compile against them with tsc --strict and work against
 * the server, and the document must pass Redocly's recommended rules with warnings counted as errors.
 */

const bin = (name: string) => path.join(projectRoot, 'node_modules/.bin', name);

let app: TestApp;
let key: string;
let document: Record<string, any>;
const scratchDirs: string[] = [];

/** A directory laid out like examples/: the client, generated/rest.ts, and the project's packages. */
function clientDir(clientSource: string, generated: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cg-rest-client-'));
  scratchDirs.push(dir);
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  // ES modules, as in this project: the example uses import syntax and runs under tsx.
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(path.join(dir, 'generated'));
  writeFileSync(path.join(dir, 'generated/rest.ts'), generated);
  writeFileSync(path.join(dir, 'rest-client.ts'), clientSource);
  return dir;
}

/** tsc over the client and the types it imports, strict, with no tsconfig to loosen anything. */
const typeCheck = (dir: string) =>
  runCommand(
    bin('tsc'),
    ['--strict', '--noEmit', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--types', 'node', path.join(dir, 'rest-client.ts')],
    process.env,
  );

let generated: string;
let exampleSource: string;

beforeAll(async () => {
  app = await startTestApp();
  key = (await app.createAccount('REST client')).key;
  const response = await fetch(`${app.url}/v1/openapi.json`);
  expect(response.status).toBe(200);
  // The text as served: openapi-typescript parses it as the CLI would the URL's body.
  const text = await response.text();
  document = JSON.parse(text) as Record<string, any>;
  generated = astToString(await openapiTS(text));
  exampleSource = readFileSync(path.join(examplesDir, 'rest-client.ts'), 'utf8');
});
afterAll(async () => {
  await app?.close();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe('a typed client generated from /v1/openapi.json (openapi-typescript, openapi-fetch)', () => {
  it('types every path, operation and schema of the document', () => {
    for (const route of Object.keys(document.paths)) expect(generated).toContain(`"${route}": {`);
    for (const operationId of ['listAudiences', 'createAudience', 'listAudienceContacts', 'addAudienceContact', 'removeAudienceContact']) {
      expect(generated).toMatch(new RegExp(`^ {4}${operationId}: \\{$`, 'm'));
    }
    for (const schema of ['Audience', 'AudienceContact', 'Pagination', 'DexatelError']) expect(generated).toMatch(new RegExp(`^ {8}${schema}: \\{$`, 'm'));
    expect(generated).toMatch(/channel: "SMS" \| "VIBER" \| "WHATSAPP";/);
  });

  it('compiles examples/rest-client.ts with tsc --strict, and runs it against the server', async () => {
    const dir = clientDir(exampleSource, generated);
    const checked = await typeCheck(dir);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);

    const run = await runCommand(bin('tsx'), [path.join(dir, 'rest-client.ts'), 'Typed client audience'], { ...process.env, CONTACT_GATEWAY_URL: app.url, CONTACT_GATEWAY_KEY: key });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { audience: { id: string; name: string; channel: string }; numbers: string[]; total: number; pages: number };
    // Two numbers, read back one a page by following the pagination links, oldest first, stored as E.164.
    expect(result).toEqual({ audience: { id: expect.any(String), name: 'Typed client audience', channel: 'SMS' }, numbers: ['+14155552671', '+14155552672'], total: 2, pages: 2 });

    // The server holds what the client says it wrote.
    const audience = await fetch(`${app.url}/v1/audiences/${result.audience.id}`, { headers: { 'x-dexatel-key': key } });
    expect(((await audience.json()) as { data: { name: string; contacts_count: number } }).data).toMatchObject({ name: 'Typed client audience', contacts_count: 2 });
    // A second run is refused by the server, and the client reports its error in the document's error shape.
    const again = await runCommand(bin('tsx'), [path.join(dir, 'rest-client.ts'), 'typed CLIENT audience'], { ...process.env, CONTACT_GATEWAY_URL: app.url, CONTACT_GATEWAY_KEY: key });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^409 AUDIENCE_ALREADY_EXISTS \(1309\): Audience already exists/);
  }, 120_000);

  it('makes a wrong path, a wrong parameter or a field the API does not return a compile error', async () => {
    const wrong = exampleSource
      .replace("client.POST('/v1/audiences'", "client.POST('/v1/audience'")
      .replace('page_size: String(pageSize)', 'page_size: pageSize')
      .replace('contacts.map((contact) => contact.number)', 'contacts.map((contact) => contact.phone)');
    expect(wrong).not.toBe(exampleSource);
    const checked = await typeCheck(clientDir(wrong, generated));
    expect(checked.code).not.toBe(0);
    expect(checked.stdout).toContain(`'"/v1/audience"' is not assignable`);
    expect(checked.stdout).toMatch(/Type 'number' is not assignable to type 'string'/);
    expect(checked.stdout).toContain(`Property 'phone' does not exist`);
  }, 60_000);
});

describe('Redocly lint of /v1/openapi.json', () => {
  /** `redocly lint` with its recommended rules, warnings counted as errors; offline: no telemetry, no update check. */
  async function lint(doc: unknown) {
    const dir = mkdtempSync(path.join(tmpdir(), 'cg-redocly-'));
    scratchDirs.push(dir);
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const result = await runCommand(bin('redocly'), ['lint', file, '--format=json', '--extends=recommended-strict', '--max-problems=1000'], {
      ...process.env,
      REDOCLY_TELEMETRY: 'off',
      REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
    });
    const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }> };
    return { code: result.code, totals: report.totals, problems: report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`) };
  }

  it('finds no error and no warning in the served document', async () => {
    const result = await lint(document);
    expect(result.problems).toEqual([]);
    expect(result.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(result.code).toBe(0);
  }, 60_000);

  it('fails a document that points at localhost or drops an operation summary', async () => {
    const broken = structuredClone(document);
    broken.servers = [{ url: 'http://localhost:4000' }];
    delete broken.paths['/v1/audiences'].get.summary;
    const result = await lint(broken);
    expect(result.code).not.toBe(0);
    expect(result.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^no-server-example\.com at #\/servers\/0\/url/), expect.stringMatching(/^operation-summary at #\/paths\/~1v1~1audiences\/get/)]),
    );
  }, 60_000);
});
