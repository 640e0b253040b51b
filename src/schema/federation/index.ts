import { printSubgraphSchema } from '@apollo/subgraph';
import {
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  lexicographicSortSchema,
  type ObjectTypeDefinitionNode,
  parse,
  printType,
  type SchemaExtensionNode,
} from 'graphql';
import { appError } from '../../domain/errors.js';
import { accountScope, type GraphQLContext } from '../context.js';
import { decodeGlobalId, type NodeTypeName } from '../ids.js';
import { schema } from '../index.js';

/*
 * The schema as an Apollo Federation v2 subgraph (FEDERATION=1), made from the default schema here rather than by
 * @pothos/plugin-federation on the builder: that plugin loads @apollo/subgraph's printer (and
 * @apollo/federation-internals) into every server, 10.6 MB of RSS and 70 ms at start measured, on a process whose
 * idle target is 150 MB; this module is loaded only when FEDERATION=1.
 */

const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

/**
 * The database id inside an entity reference's `id`. A malformed id is the client's error, as it is for
 * `node(id:)`; a well-formed id of another type names no such entity, so the reference resolves to null.
 */
function referencedId(reference: { id?: unknown }, typename: NodeTypeName): string | null {
  const decoded = typeof reference.id === 'string' ? decodeGlobalId(reference.id) : null;
  if (!decoded) throw appError('NODE_ID_INVALID', 'representations');
  return decoded.typename === typename ? decoded.id : null;
}

type ResolveReference = (reference: { id?: unknown }, context: GraphQLContext) => unknown;

// Each reference is loaded through the request's account-scoped loaders, like `node`: an id of another account's
// row resolves to null, and the gateway's batch of references costs one query per type.
const entities: Record<NodeTypeName, ResolveReference> = {
  Account: (reference, context) => {
    const id = referencedId(reference, 'Account');
    accountScope(context);
    return id === context.account!.id ? context.account : null;
  },
  Audience: (reference, context) => {
    const id = referencedId(reference, 'Audience');
    return id === null ? null : accountScope(context).loaders.audienceById.load(id);
  },
  Contact: (reference, context) => {
    const id = referencedId(reference, 'Contact');
    return id === null ? null : accountScope(context).loaders.contactById.load(id);
  },
  AudienceContact: (reference, context) => {
    const id = referencedId(reference, 'AudienceContact');
    return id === null ? null : accountScope(context).loaders.audienceContactById.load(id);
  },
};

function buildFederationSchema(): GraphQLSchema {
  // Sorting copies every type: the @key below marks this schema's types, never the default schema's.
  const sorted = lexicographicSortSchema(schema);
  const keyDirective = (parse('type T @key(fields: "id")').definitions[0] as ObjectTypeDefinitionNode).directives![0]!;
  const entityTypes = Object.keys(entities).sort().map((name) => {
    const type = sorted.getType(name) as GraphQLObjectType;
    // The subgraph printer reads an object's directives from its AST.
    const definition = parse(printType(type)).definitions[0] as ObjectTypeDefinitionNode;
    type.astNode = { ...definition, directives: [keyDirective] };
    return type;
  });

  // The federation spec's own types (https://www.apollographql.com/docs/federation/subgraph-spec).
  const typenames = new WeakMap<object, string>();
  const Any = new GraphQLScalarType({ name: '_Any', description: 'An entity reference: its __typename and key fields.' });
  const Entity = new GraphQLUnionType({
    name: '_Entity',
    types: entityTypes,
    resolveType: (value) => typenames.get(value as object),
  });
  const Service = new GraphQLObjectType({ name: '_Service', fields: { sdl: { type: GraphQLString } } });

  const query = sorted.getQueryType()!.toConfig();
  const Query = new GraphQLObjectType({
    ...query,
    fields: {
      _entities: {
        type: new GraphQLNonNull(new GraphQLList(Entity)),
        args: { representations: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Any))) } },
        resolve: (_root, args: { representations: Array<{ __typename?: unknown; id?: unknown }> }, context: GraphQLContext) =>
          args.representations.map(async (reference) => {
            const typename = String(reference.__typename);
            const resolve = (entities as Record<string, ResolveReference | undefined>)[typename];
            if (!resolve) throw appError('NODE_ID_INVALID', 'representations');
            const entity = await resolve(reference, context);
            if (entity && typeof entity === 'object') typenames.set(entity, typename);
            return entity ?? null;
          }),
      },
      _service: { type: new GraphQLNonNull(Service), resolve: () => ({ sdl }) },
      ...query.fields,
    },
  });

  const config = sorted.toConfig();
  const federation = new GraphQLSchema({
    ...config,
    query: Query,
    types: [...config.types.filter((type) => type.name !== 'Query'), Query, Any, Entity, Service],
    extensionASTNodes: [parse(`extend schema @link(url: "${FEDERATION_LINK}", import: ["@key"])`).definitions[0] as SchemaExtensionNode],
  });
  // Also validates the schema as a subgraph: the printer builds it with Apollo's federation rules.
  const sdl = printSubgraphSchema(federation);
  return federation;
}

/** The schema as an Apollo Federation v2 subgraph: the default schema plus @key, `_service` and `_entities`. */
export const federationSchema: GraphQLSchema = buildFederationSchema();

/** The subgraph SDL committed as schema.federation.graphql (what `_service { sdl }` answers). */
export function printFederationSDL(): string {
  return printSubgraphSchema(federationSchema) + '\n';
}
