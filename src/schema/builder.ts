import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import { appError } from '../domain/errors.js';
import type { GraphQLContext } from './context.js';
import { decodeGlobalId, encodeGlobalId } from './ids.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Connection: { totalCount: () => Promise<number> | number };
}>({
  plugins: [RelayPlugin, DataloaderPlugin],
  // Fields are non-null unless they say otherwise: clients then generate types without needless `| null`.
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false, description: 'The items of this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    // Descriptions of the types and fields the plugin makes (the schema lint wants one on every type and field).
    idFieldOptions: { description: 'The global id: opaque and stable; node(id:) and every argument taking this type finds it by it.' },
    nodeTypeOptions: { description: 'An object with a global id, refetchable with node(id:) (the Relay Node interface).' },
    nodeQueryOptions: { description: "Any object of the account by its global id; null when the account has none with that id." },
    nodesQueryOptions: { description: 'Objects by their global ids, in the same order; null for each id the account has no object for.' },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits in the whole list (the Relay cursor connection spec).' },
    pageInfoFieldOptions: { description: 'Where this page sits: the cursors to ask for the pages around it.' },
    hasNextPageFieldOptions: { description: 'Whether there are items after this page (asked for with `first`).' },
    hasPreviousPageFieldOptions: { description: 'Whether there are items before this page (asked for with `last`).' },
    startCursorFieldOptions: { description: "The first edge's cursor: `before` it, the previous page; null on an empty page." },
    endCursorFieldOptions: { description: "The last edge's cursor: `after` it, the next page; null on an empty page." },
    cursorFieldOptions: { description: "This item's place in the connection's order and filter: `after`/`before` it pages from here." },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, String(id)),
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      if (!decoded) throw appError('NODE_ID_INVALID', 'id');
      return decoded;
    },
  },
});

builder.queryType({ description: "Reads, all within the account of the request's API key." });
builder.mutationType({ description: "Writes, all within the account of the request's API key; each one is a transaction." });
builder.subscriptionType({ description: 'Live updates: see docs/graphql.md, "Live updates".' });

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'The number of items in the whole connection, whatever page was asked for.',
    resolve: (connection) => connection.totalCount(),
  }),
);
