import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
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
  // Directives + Federation only add `builder.asEntity` and `toSubGraphSchema` (src/schema/federation/): the
  // default schema carries no @key until that module marks the entities, which the default server never loads.
  plugins: [RelayPlugin, DataloaderPlugin, DirectivePlugin, FederationPlugin],
  // Fields are non-null unless they say otherwise: clients then generate types without needless `| null`.
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, String(id)),
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      if (!decoded) throw appError('NODE_ID_INVALID', 'id');
      return decoded;
    },
  },
});

builder.queryType({});
builder.mutationType({});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'The number of items in the whole connection, whatever page was asked for.',
    resolve: (connection) => connection.totalCount(),
  }),
);
