// Hive Gateway's configuration for the example supergraph:
//   npx hive-gateway supergraph supergraph.graphql -c examples/federation/gateway.config.ts
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  // The caller's API key goes to every subgraph: each scopes what it returns to the key's account. A gateway
  // forwards no client header unless told to.
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const headers: Record<string, string> = {};
      for (const name of ['x-dexatel-key', 'authorization']) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
});
