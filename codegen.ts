import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator for a frontend of this API: the committed schema.graphql plus the operations in
 * examples/ become typed documents (result and variables types for every operation) that Apollo Client,
 * urql and graphql-request accept as they are. `npm run codegen` writes them to examples/generated/.
 */
export const codegenConfig = {
  schema: 'schema.graphql',
  // examples/federation/ holds a subgraph's schema, not operations.
  documents: ['examples/**/*.graphql', '!examples/federation/**'],
  ignoreNoDocuments: false,
  generates: {
    'examples/generated/': {
      preset: 'client',
      // Plain result types: fragment masking needs the client's masking support wired in as well.
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        avoidOptionals: { field: true, inputValue: false },
      },
    },
  },
} satisfies CodegenConfig;

export default codegenConfig;
