// Composes the supergraph: the Contact Gateway's subgraph (schema.federation.graphql, `npm run schema`) and the
// campaigns subgraph, with @theguild/federation-composition (what Hive's own registry composes with).
//   npx tsx examples/federation/compose.ts [contacts URL] [campaigns URL] > supergraph.graphql
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@theguild/federation-composition';
import { campaignsTypeDefs } from './campaigns.js';

export const contactsTypeDefs = readFileSync(new URL('../../schema.federation.graphql', import.meta.url), 'utf8');

/** The supergraph SDL Hive Gateway serves; throws with every composition error when the subgraphs disagree. */
export function composeSupergraph(urls: { contacts: string; campaigns: string }): string {
  const result = composeServices([
    { name: 'contacts', url: urls.contacts, typeDefs: parse(contactsTypeDefs) },
    { name: 'campaigns', url: urls.campaigns, typeDefs: parse(campaignsTypeDefs) },
  ]);
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.supergraphSdl;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(
    composeSupergraph({
      contacts: process.argv[2] ?? 'http://localhost:4000/graphql',
      campaigns: process.argv[3] ?? 'http://localhost:4002/graphql',
    }),
  );
}
