import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { appError } from '../../domain/errors.js';
import { builder } from '../builder.js';
import { accountScope, type GraphQLContext } from '../context.js';
import { decodeGlobalId, type NodeTypeName } from '../ids.js';
// Every type registered, and the default schema built, before the entities below get their @key: the default
// schema (schema.graphql, the server without FEDERATION=1) stays exactly as it was.
import '../index.js';
import { AccountRef } from '../account/account.js';
import { AudienceContactRef, AudienceRef, ContactRef } from '../refs.js';

/**
 * The database id inside an entity reference's `id`. A malformed id is the client's error, as it is for
 * `node(id:)`; a well-formed id of another type names no such entity, so the reference resolves to null.
 */
function referencedId(reference: { id: string }, typename: NodeTypeName): string | null {
  const decoded = decodeGlobalId(reference.id);
  if (!decoded) throw appError('NODE_ID_INVALID', 'representations');
  return decoded.typename === typename ? decoded.id : null;
}

const byId = builder.selection<{ id: string }>('id');

// Each reference is loaded through the request's account-scoped loaders, like `node`: an id of another
// account's row resolves to null, and the gateway's batch of references costs one query per type.
builder.asEntity(AccountRef, {
  key: byId,
  resolveReference: (reference, context: GraphQLContext) => {
    const id = referencedId(reference, 'Account');
    accountScope(context);
    return id === context.account!.id ? context.account! : null;
  },
});

builder.asEntity(AudienceRef, {
  key: byId,
  resolveReference: (reference, context: GraphQLContext) => {
    const id = referencedId(reference, 'Audience');
    return id === null ? null : accountScope(context).loaders.audienceById.load(id);
  },
});

builder.asEntity(ContactRef, {
  key: byId,
  resolveReference: (reference, context: GraphQLContext) => {
    const id = referencedId(reference, 'Contact');
    return id === null ? null : accountScope(context).loaders.contactById.load(id);
  },
});

builder.asEntity(AudienceContactRef, {
  key: byId,
  resolveReference: (reference, context: GraphQLContext) => {
    const id = referencedId(reference, 'AudienceContact');
    return id === null ? null : accountScope(context).loaders.audienceContactById.load(id);
  },
});

/** The schema as an Apollo Federation v2 subgraph: the default schema plus @key, `_service` and `_entities`. */
export const federationSchema: GraphQLSchema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });

/** The subgraph SDL committed as schema.federation.graphql (what `_service { sdl }` answers, with its directives). */
export function printFederationSDL(): string {
  return printSubgraphSchema(federationSchema) + '\n';
}
