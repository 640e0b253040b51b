// ESLint here lints the GraphQL schema only (npm run lint:schema; test/schemaLint.test.ts runs it): the rules
// Relay clients rely on, naming, and a description on every type and field, so generated client docs say something.
import graphql from '@graphql-eslint/eslint-plugin';

export default [
  {
    files: ['schema.graphql'],
    languageOptions: {
      parser: graphql.parser,
      parserOptions: { graphQLConfig: { schema: './schema.graphql' } },
    },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      ...graphql.configs['flat/schema-recommended'].rules,
      ...graphql.configs['flat/schema-relay'].rules,
      // Lists of scalars and of result rows (tags, rejected rows) are not connections here: only edges must be Relay's.
      '@graphql-eslint/relay-edge-types': ['error', { withEdgeSuffix: true, shouldImplementNode: true, listTypeCanWrapOnlyEdgeType: false }],
      // Payloads, connections, edges, live events and the result rows of a bulk action are values, not objects a
      // client refetches.
      '@graphql-eslint/strict-id-in-types': [
        'error',
        { acceptedIdNames: ['id'], acceptedIdTypes: ['ID'], exceptions: { suffixes: ['Payload', 'Connection', 'Edge', 'Event'], types: ['PageInfo', 'ImportRejectedRow', 'SegmentSkipped', 'AudienceContactsBatch'] } },
      ],
      '@graphql-eslint/require-description': [
        'error',
        { types: true, rootField: true, FieldDefinition: true, DirectiveDefinition: true, EnumTypeDefinition: true, InputObjectTypeDefinition: true },
      ],
    },
  },
];
