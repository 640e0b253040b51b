import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RestEnv } from './context.js';

/**
 * GET /v1/docs: a reference page for /v1/openapi.json, Swagger UI from the npm package swagger-ui-dist, served
 * by this server, never from a CDN (offline machines and many company networks reach none). Chosen over
 * @scalar/api-reference, which pulls about 270 packages, wants Node 22, and by default loads its fonts from its
 * vendor's host and reports telemetry; and over redoc 3, which does not install (its dependency
 * @redocly/redoc-opentelemetry ^0.5.1 is not in the registry) and sends traces to its vendor. swagger-ui-dist is
 * one self-contained bundle and stylesheet (system fonts, images inlined); its validator badge, the one thing
 * that would call out, is switched off below. Its only dependency, @scarf/scarf, is install-time analytics
 * whose script package.json denies.
 *
 * The assets are about 2 MB, so they live at versioned URLs (/v1/docs/<version>/...) browsers may cache for
 * good, and the page itself stays small. Like the document, the page is public: app.ts lets it through without
 * a key; "Try it out" sends the key the reader enters under "Authorize".
 */
const require = createRequire(import.meta.url);
const { version } = require('swagger-ui-dist/package.json') as { version: string };
const packageDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const assetTypes: Record<string, string> = {
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  // The stylesheet names its source map; browsers ask for it only while their developer tools are open.
  'swagger-ui.css.map': 'application/json',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Each file is read on its first request, not on every start of the server. */
const assets = new Map<string, Promise<Buffer>>();
const readAsset = (file: string) => {
  let body = assets.get(file);
  if (!body) assets.set(file, (body = readFile(path.join(packageDir, file))));
  return body;
};

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function renderApiReference({ title, documentUrl, assetsUrl }: { title: string; documentUrl: string; assetsUrl: string }): string {
  const options = {
    url: documentUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Swagger UI's default sends the document's URL to its vendor's online validator for a badge.
    validatorUrl: null,
    // The plain layout: the standalone one adds a bar for loading any other document by URL.
    layout: 'BaseLayout',
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)}</title>
    <link rel="icon" type="image/png" sizes="32x32" href="${assetsUrl}/favicon-32x32.png" />
    <link rel="icon" type="image/png" sizes="16x16" href="${assetsUrl}/favicon-16x16.png" />
    <link rel="stylesheet" href="${assetsUrl}/swagger-ui.css" />
  </head>
  <body>
    <noscript>This page needs JavaScript; the OpenAPI document itself is at <a href="${escapeHtml(documentUrl)}">${escapeHtml(documentUrl)}</a>.</noscript>
    <div id="swagger-ui"></div>
    <script src="${assetsUrl}/swagger-ui-bundle.js"></script>
    <script>
      window.ui = SwaggerUIBundle({ ...${scriptJson(options)}, presets: [SwaggerUIBundle.presets.apis] });
    </script>
  </body>
</html>
`;
}

/** GET /v1/docs (the page) and /v1/docs/<version>/<file> (its assets); any other /v1/docs path is a 404. */
export function registerApiReference(app: OpenAPIHono<RestEnv>, { title, documentPath }: { title: string; documentPath: string }): void {
  const base = '/v1/docs';
  const page = renderApiReference({ title, documentUrl: documentPath, assetsUrl: `${base}/${version}` });
  app.get('/docs', (c) => c.html(page, 200, { 'cache-control': 'no-cache' }));
  app.get('/docs/', (c) => c.redirect(base, 301));
  for (const [file, type] of Object.entries(assetTypes)) {
    app.get(`/docs/${version}/${file}`, async (c) =>
      c.body(new Uint8Array(await readAsset(file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' }),
    );
  }
}
