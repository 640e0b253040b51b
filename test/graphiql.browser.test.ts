import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';

/** Debian's chromium (installed by .ci/run); playwright's own browser downloads cannot work offline. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let app: TestApp;
let key: string;
let userDataDir: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install it with "apt-get install -y chromium" (as .ci/run does) or set CHROMIUM_PATH`);
  }
  app = await startTestApp();
  key = (await app.createAccount('Browser user')).key;
  userDataDir = mkdtempSync(path.join(tmpdir(), 'cg-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Everything the page asked for, and everything that went wrong while it did. */
function watch(page: Page) {
  const requested: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { requested, problems };
}

const editor = (page: Page, kind: 'query' | 'headers') =>
  kind === 'query' ? page.locator('.graphiql-query-editor .monaco-editor') : page.locator('.graphiql-editor-tool .monaco-editor[data-uri*="headers"]');

/** An editor's visible text, its whitespace (Monaco's non-breaking spaces included) made single spaces. */
const editorText = async (page: Page, kind: 'query' | 'headers') => (await editor(page, kind).innerText()).replace(/\s+/g, ' ');

describe('GraphiQL at /graphql in headless Chromium', () => {
  it('loads every asset from this server, opens with an example query and the key header, and runs a query', async () => {
    const page = await browser.newPage();
    const origin = new URL(app.url).origin;
    // Nothing leaves this machine, even if the page regressed to a CDN: such requests are recorded and aborted.
    const foreign: string[] = [];
    await page.route(
      (url) => url.origin !== origin,
      (route) => {
        foreign.push(route.request().url());
        return route.abort();
      },
    );
    const { requested, problems } = watch(page);
    await page.goto(`${app.url}/graphql`, { waitUntil: 'networkidle', timeout: 90_000 });
    expect(foreign).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    const assets = requested.filter((url) => url.startsWith(`${origin}/graphiql/`)).map((url) => url.split('/').at(-1));
    expect(assets).toEqual(expect.arrayContaining(['graphiql.js', 'graphiql.css']));

    await expect.poll(() => editorText(page, 'query')).toContain('query Overview {');
    expect(await editorText(page, 'query')).toContain('viewer {');
    // The headers tab is open and shows where the key goes.
    await expect.poll(() => editorText(page, 'headers')).toContain('"X-Dexatel-Key": ""');

    await editor(page, 'headers').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ 'X-Dexatel-Key': key }));
    const answered = page.waitForResponse((response) => response.url() === `${origin}/graphql` && response.request().method() === 'POST' && (response.request().postData() ?? '').includes('Overview'));
    await page.locator('.graphiql-execute-button').click();
    expect((await answered).status()).toBe(200);

    const resultText = async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');
    await expect.poll(resultText, { timeout: 20_000 }).toContain('"name": "Browser user"');
    expect(await resultText()).toContain('"totalCount": 0');
    // The editor's workers (syntax, validation, JSON) came from this server as well.
    expect(requested.filter((url) => url.startsWith(`${origin}/graphiql/`)).map((url) => url.split('/').at(-1))).toEqual(
      expect.arrayContaining(['editor.worker.js', 'json.worker.js', 'graphql.worker.js']),
    );
    expect(problems).toEqual([]);
    await page.close();
    // Chromium, 9 MB of GraphiQL and its editor workers on a 2-core machine that runs another suite at the same
    // time: seconds when alone, over a minute once under load. The page load itself is bounded at 90 s above.
  }, 180_000);

  it('serves a small page with versioned, cacheable assets, and JSON to API clients on the same URL', async () => {
    const response = await app.gql('{ viewer { name } }', undefined, { key });
    expect(response.body).toEqual({ data: { viewer: { name: 'Browser user' } } });
    const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    // Scripts, styles and icon come from this server only, and the page itself stays small.
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
    expect(html.length).toBeLessThan(10_000);
    const script = html.match(/<script src="(\/graphiql\/[^"]+\/graphiql\.js)"/)?.[1];
    const asset = await fetch(`${app.url}${script}`);
    expect(asset.headers.get('content-type')).toMatch(/^application\/javascript/);
    // Versioned URLs: browsers keep the megabytes of GraphiQL and ask again only after an upgrade.
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await asset.text()).length).toBeGreaterThan(1_000_000);
    expect((await fetch(`${app.url}/graphiql/0.0.0/graphiql.js`)).status).toBe(404);
  });
});
