import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

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

const pages = new WeakMap<GraphiQLOptions, string>();

/**
 * GraphiQL with its scripts, styles and editor workers inlined in the page, so the page needs nothing from
 * a CDN (the default page loads from one; offline machines and many company networks cannot reach it).
 * The page is built once: it is several megabytes and the same for every visitor.
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  let page = pages.get(options);
  if (page === undefined) {
    page = renderGraphiQL(options);
    pages.set(options, page);
  }
  return page;
}
