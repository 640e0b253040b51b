// How a frontend uses the generated documents: Apollo Client infers result and variable types from them.
// `npm run codegen` writes ./generated/ (from schema.graphql and the .graphql files beside this one).
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import {
  type AudienceContactsChangedSubscription,
  AudienceContactsChangedDocument,
  AudienceContactsDocument,
  type AudienceContactsQuery,
  UpdateAudienceContactDocument,
  type AudienceContactFieldsFragment,
} from './generated/graphql.js';

const key = process.env.CONTACT_GATEWAY_KEY ?? '';
// Subscriptions over a WebSocket (graphql-ws), the key in its connection_init payload; the rest over HTTP.
const subscriptions = new GraphQLWsLink(createClient({ url: 'ws://localhost:4000/graphql', connectionParams: { 'X-Dexatel-Key': key } }));
const http = new HttpLink({ uri: 'http://localhost:4000/graphql', headers: { 'X-Dexatel-Key': key } });

export const client = new ApolloClient({
  link: ApolloLink.split((operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION, subscriptions, http),
  cache: new InMemoryCache({
    typePolicies: { Audience: { fields: { contacts: relayStylePagination(['search']) } } },
  }),
});

type AudienceContactPage = NonNullable<AudienceContactsQuery['audience']>['contacts'];

/** One page of an audience's contacts, typed from the operation in audienceContacts.graphql. */
export async function contactPage(audienceId: string, after: string | null): Promise<AudienceContactPage | null> {
  const result = await client.query({ query: AudienceContactsDocument, variables: { audienceId, first: 100, after } });
  return result.data?.audience?.contacts ?? null;
}

/** Every number in an audience, page by page. */
export async function allNumbers(audienceId: string): Promise<string[]> {
  const numbers: string[] = [];
  let after: string | null = null;
  for (;;) {
    const contacts: AudienceContactPage | null = await contactPage(audienceId, after);
    if (!contacts) return numbers;
    for (const edge of contacts.edges) numbers.push(edge.node.number);
    if (!contacts.pageInfo.hasNextPage) return numbers;
    after = contacts.pageInfo.endCursor ?? null;
  }
}

export async function rename(id: string, firstName: string | null): Promise<AudienceContactFieldsFragment['firstName']> {
  const result = await client.mutate({ mutation: UpdateAudienceContactDocument, variables: { input: { id, firstName } } });
  // The payload's AudienceContact is normalized by id, so every cached list showing it updates without a refetch.
  return result.data?.updateAudienceContact.audienceContact.firstName ?? null;
}

type AudienceContactsChange = AudienceContactsChangedSubscription['audienceContactsChanged'];

/** Live changes of an audience's contacts, typed from subscriptions.graphql; returns the way to stop. */
export function watchContacts(audienceId: string, onChange: (change: AudienceContactsChange) => void): () => void {
  const subscription = client.subscribe({ query: AudienceContactsChangedDocument, variables: { audienceId } }).subscribe(({ data }) => {
    // kind: 'ADDED' | 'UPDATED' | 'REMOVED' | 'BATCH' (a BATCH says to refetch the page shown).
    if (data) onChange(data.audienceContactsChanged);
  });
  return () => subscription.unsubscribe();
}
