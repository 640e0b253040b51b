import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { type Browser, launchChromium, watchPage } from './support/browser.js';

const immutable = 'public, max-age=31536000, immutable';

let app: TestApp;
let key: string;
let origin: string;
let chromium: Browser;

beforeAll(async () => {
  app = await startTestApp();
  origin = new URL(app.url).origin;
  key = (await app.createAccount('Docs reader')).key;
  const created = await fetch(`${app.url}/v1/audiences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
    body: JSON.stringify({ data: { name: 'Docs reader audience', channel: 'SMS' } }),
  });
  expect(created.status).toBe(201);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await app?.close();
});

describe('the REST reference page at /v1/docs in headless Chromium', () => {
  it('renders every operation of /v1/openapi.json from assets of this server alone, and tries one with a key', async () => {
    const page = await chromium.context.newPage();
    const { requested, problems, foreign } = await watchPage(page, origin);

    const response = await page.goto(`${app.url}/v1/docs`, { waitUntil: 'networkidle', timeout: 90_000 });
    expect(response?.status()).toBe(200);
    const audiences = page.locator('.opblock-tag-section', { hasText: 'Audiences' });
    await expect.poll(() => audiences.locator('.opblock').count(), { timeout: 30_000 }).toBeGreaterThan(0);

    // Every operation the document describes is on the page, with its method, path and summary.
    const document = (await (await fetch(`${app.url}/v1/openapi.json`)).json()) as { info: { title: string }; paths: Record<string, Record<string, { summary: string }>> };
    const operations = Object.entries(document.paths).flatMap(([route, methods]) => Object.entries(methods).map(([method, operation]) => ({ route, method, summary: operation.summary })));
    expect(operations.length).toBeGreaterThanOrEqual(10);
    const shown = await page.locator('.opblock-summary').evaluateAll((blocks) =>
      blocks.map((block) => ({
        method: block.querySelector('.opblock-summary-method')?.textContent?.toLowerCase(),
        route: block.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
        summary: block.querySelector('.opblock-summary-description')?.textContent,
      })),
    );
    expect(shown).toEqual(expect.arrayContaining(operations));
    expect(shown).toHaveLength(operations.length);
    await expect.poll(() => page.locator('.opblock-summary-description', { hasText: 'List the audiences of the account' }).isVisible()).toBe(true);
    expect(await page.locator('.info .title').innerText()).toContain(document.info.title);
    // "Try it out" with a key entered under Authorize calls this server (the document's server is relative).
    await page.locator('.auth-wrapper .authorize').click();
    await page.locator('.auth-container', { hasText: 'DexatelKey' }).locator('input').fill(key);
    await page.locator('.auth-container', { hasText: 'DexatelKey' }).locator('button.modal-btn.authorize').click();
    await page.locator('.modal-ux .close-modal').click();
    const listAudiences = page.locator('.opblock', { has: page.locator('.opblock-summary-description', { hasText: 'List the audiences of the account' }) });
    await listAudiences.locator('.opblock-summary').click();
    await listAudiences.locator('.try-out__btn').click();
    const answered = page.waitForResponse((res) => res.url().startsWith(`${origin}/v1/audiences`) && res.request().method() === 'GET');
    await listAudiences.locator('.execute').click();
    const answer = await answered;
    expect(answer.request().headers()['x-dexatel-key']).toBe(key);
    expect(answer.status()).toBe(200);
    await expect.poll(() => listAudiences.locator('.live-responses-table').innerText()).toContain('"name": "Docs reader audience"');

    expect(foreign).toEqual([]);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(requested).toEqual(expect.arrayContaining([`${origin}/v1/openapi.json`, expect.stringMatching(/\/v1\/docs\/\d+\.\d+\.\d+\/swagger-ui-bundle\.js$/)]));
    expect(problems).toEqual([]);
    await page.close();
    // Chromium and 2 MB of Swagger UI on a 2-core machine that may run another suite at the same time.
  }, 180_000);

  it('serves a small page whose versioned assets browsers may cache for good; other versions are 404', async () => {
    const page = await fetch(`${app.url}/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    // Scripts, styles and icons come from this server only, and the page itself stays small.
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="(https?:)?\/\//);
    expect(html.length).toBeLessThan(5_000);
    const assets = [...html.matchAll(/(?:src|href)="(\/v1\/docs\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.map((asset) => asset.split('/').at(-1))).toEqual(expect.arrayContaining(['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']));
    const version = assets[0]!.split('/')[3]!;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const asset of assets) {
      const response = await fetch(`${app.url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control'), asset).toBe(immutable);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    const script = await fetch(`${app.url}/v1/docs/${version}/swagger-ui-bundle.js`);
    expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1_000_000);
    const styles = await fetch(`${app.url}/v1/docs/${version}/swagger-ui.css`);
    expect(styles.headers.get('content-type')).toMatch(/^text\/css/);
    // The stylesheet loads no font or image from anywhere: its url()s are inline data.
    expect([...(await styles.text()).matchAll(/url\(\s*["']?([^"')]*)/g)].map((match) => match[1]!).filter((url) => !url.startsWith('data:'))).toEqual([]);

    // Only the files the page uses, and only at the installed version.
    for (const missing of [`/v1/docs/0.0.0/swagger-ui-bundle.js`, `/v1/docs/${version}/package.json`, `/v1/docs/${version}/../package.json`, '/v1/docs/swagger-ui-bundle.js']) {
      expect((await fetch(`${app.url}${missing}`)).status, missing).toBe(404);
    }
    const slash = await fetch(`${app.url}/v1/docs/`, { redirect: 'manual' });
    expect(slash.status).toBe(301);
    expect(slash.headers.get('location')).toBe('/v1/docs');
  });
});
