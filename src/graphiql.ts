import { createRequire } from 'node:module';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/** The first thing a newcomer runs: who am I, and my first audiences with a few of their contacts. */
export const graphiqlExampleQuery = `# Put your API key in the Headers tab below ("X-Dexatel-Key": "cgk_..."), then press the run button (or Ctrl-Enter).
query Overview {
  viewer {
    id
    name
  }
  audiences(first: 5) {
    totalCount
    edges {
      node {
        id
        name
        channel
        contacts(first: 3) {
          totalCount
          edges { node { number firstName lastName tags } }
        }
      }
    }
  }
}
`;

export const graphiqlOptions: GraphiQLOptions = {
  title: 'Contact Gateway',
  defaultQuery: graphiqlExampleQuery,
  // Empty, not a placeholder: a presented but unknown key is refused even for introspection, and GraphiQL
  // loads the schema with these headers before the user has typed anything.
  headers: JSON.stringify({ 'X-Dexatel-Key': '' }, null, 2),
  defaultEditorToolsVisibility: 'headers',
  isHeadersEditorEnabled: true,
};

/**
 * GraphiQL's scripts, styles and editor workers come from @graphql-yoga/render-graphiql and are served by this
 * server, never from a CDN (yoga's default page loads from one, which offline machines and many company networks
 * cannot reach). They are several megabytes, so they live at versioned URLs browsers may cache for good, and the
 * page itself stays small.
 */
const version = (createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string }).version;
const assetsPath = `/graphiql/${version}`;

type Asset = { body: string | ArrayBuffer; type: string };
let assets: Promise<Map<string, Asset>> | undefined;

/** The 9 MB module is loaded on the first GraphiQL visit, not on every start of the server. */
function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= import('@graphql-yoga/render-graphiql/graphiql').then(({ css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker }) => {
    const script = 'application/javascript; charset=utf-8';
    const faviconBytes = Buffer.from(favicon.slice(favicon.indexOf(',') + 1), 'base64');
    return new Map<string, Asset>([
      ['favicon.ico', { body: new Uint8Array(faviconBytes).buffer, type: 'image/x-icon' }],
      ['graphiql.js', { body: js, type: script }],
      ['graphiql.css', { body: css, type: 'text/css; charset=utf-8' }],
      ['editor.worker.js', { body: editorWorkerService, type: script }],
      ['json.worker.js', { body: jsonWorker, type: script }],
      ['graphql.worker.js', { body: graphqlWorker, type: script }],
    ]);
  });
  return assets;
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  const workers = {
    editorWorkerService: `${assetsPath}/editor.worker.js`,
    json: `${assetsPath}/json.worker.js`,
    graphql: `${assetsPath}/graphql.worker.js`,
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(options.favicon ?? `${assetsPath}/favicon.ico`)}" />
    <link rel="stylesheet" href="${assetsPath}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${assetsPath}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;
}

/** Serves GraphiQL's assets under /graphiql/<version>/. */
export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith('/graphiql/')) return;
      const asset = url.pathname.startsWith(`${assetsPath}/`) ? (await loadAssets()).get(url.pathname.slice(assetsPath.length + 1)) : undefined;
      endResponse(
        asset
          ? new fetchAPI.Response(asset.body, {
              headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' },
            })
          : new fetchAPI.Response('Not found', { status: 404 }),
      );
    },
  };
}
