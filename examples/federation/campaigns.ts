// A second, small subgraph for the federation example: campaigns that reference the Contact Gateway's Audience.
// It keeps its campaigns in memory, one list per API key (its stand-in for an account), and refuses requests
// without a key, so a gateway that did not forward the caller's key fails here as it would at the Contact Gateway.
//   npx tsx examples/federation/campaigns.ts      (PORT, default 4002)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

interface Campaign {
  id: string;
  name: string;
  audienceId: string;
}
interface Context {
  key: string | null;
}

export const campaignsTypeDefs = readFileSync(new URL('./campaigns.graphql', import.meta.url), 'utf8');

export function createCampaignsSubgraph() {
  const campaignsByKey = new Map<string, Campaign[]>();
  const campaignsOf = (context: Context): Campaign[] => {
    // The Contact Gateway's own words and shape for a missing key, so a client sees one kind of error.
    if (!context.key) throw new GraphQLError('A valid API key is required: send it as X-Dexatel-Key or Authorization: Bearer', { extensions: { code: 'UNAUTHENTICATED', status: 401 } });
    let list = campaignsByKey.get(context.key);
    if (!list) campaignsByKey.set(context.key, (list = []));
    return list;
  };
  const schema = buildSubgraphSchema([{
    typeDefs: parse(campaignsTypeDefs),
    resolvers: {
      Query: { campaigns: (_root: unknown, _args: unknown, context: Context) => campaignsOf(context) },
      Mutation: {
        createCampaign: (_root: unknown, args: { name: string; audienceId: string }, context: Context) => {
          const campaign = { id: randomUUID(), name: args.name, audienceId: args.audienceId };
          campaignsOf(context).push(campaign);
          return campaign;
        },
      },
      Campaign: {
        __resolveReference: (reference: { id: string }, context: Context) => campaignsOf(context).find((c) => c.id === reference.id) ?? null,
        // Only the key: the gateway asks the Contact Gateway for the rest of the audience.
        audience: (campaign: Campaign) => ({ __typename: 'Audience', id: campaign.audienceId }),
      },
      Audience: {
        __resolveReference: (reference: { id: string }) => reference,
        campaigns: (audience: { id: string }, _args: unknown, context: Context) => campaignsOf(context).filter((c) => c.audienceId === audience.id),
      },
    },
  }]);
  return createYoga<Record<string, unknown>, Context>({
    schema,
    logging: false,
    landingPage: false,
    context: ({ request }) => ({
      key: request.headers.get('x-dexatel-key') ?? request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? null,
    }),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 4002);
  createServer(createCampaignsSubgraph()).listen(port, () => console.log(`campaigns subgraph on http://localhost:${port}/graphql`));
}
