import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { persistedExchange } from '@urql/exchange-persisted';
import { Client as UrqlClient, fetchExchange } from '@urql/core';
import { print } from 'graphql';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOperation } from './support/examples.js';
import { startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
let key: string;
let audienceId: string;
let contactIds: string[];

const numbers = ['+14155550101', '+14155550102', '+14155550103', '+14155550104', '+14155550105'];

beforeAll(async () => {
  app = await startTestApp();
  key = (await app.createAccount('Client tests')).key;
  const created = await app.gql(print(exampleOperation('CreateAudience')), {
    input: { name: 'Clients', channel: 'SMS', contacts: numbers.map((number, i) => ({ number, firstName: `Person ${i}` })) },
  });
  audienceId = created.body.data.createAudience.audience.id;
  const listed = await app.gql(print(exampleOperation('AudienceContacts')), { audienceId, first: 10 });
  contactIds = listed.body.data.audience.contacts.edges.map((edge: any) => edge.node.id);
  expect(contactIds).toHaveLength(5);
});
afterAll(() => app?.close());

/** Records every HTTP request a client makes: its operation name and whether it carried the query text. */
function recordingFetch() {
  const sent: Array<{ operationName: string | null; hasQuery: boolean; persisted: boolean; method: string }> = [];
  const fetchFn: typeof fetch = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = init.body ? JSON.parse(String(init.body)) : Object.fromEntries(url.searchParams);
    const extensions = typeof body.extensions === 'string' ? JSON.parse(body.extensions) : body.extensions;
    sent.push({ operationName: body.operationName ?? null, hasQuery: !!body.query, persisted: !!extensions?.persistedQuery, method: init.method ?? 'GET' });
    return fetch(input, init);
  };
  return { sent, fetchFn };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function apolloClient(fetchFn: typeof fetch, options: { persisted?: boolean } = {}) {
  const http = new HttpLink({ uri: `${app.url}/graphql`, headers: { 'x-dexatel-key': key }, fetch: fetchFn });
  return new ApolloClient({
    link: options.persisted ? ApolloLink.from([new PersistedQueryLink({ sha256 }), http]) : http,
    cache: new InMemoryCache({
      typePolicies: {
        Query: { fields: { audiences: relayStylePagination(['channel', 'search']) } },
        Audience: { fields: { contacts: relayStylePagination(['search']) } },
      },
    }),
  });
}

describe('Apollo Client (InMemoryCache)', () => {
  it('pages with relayStylePagination: fetchMore appends the next page to the cached connection', async () => {
    const { sent, fetchFn } = recordingFetch();
    const client = apolloClient(fetchFn);
    const query = client.watchQuery<any>({ query: exampleOperation('AudienceContacts'), variables: { audienceId, first: 2 } });
    const subscription = query.subscribe(() => {});
    try {
      const first = await firstValueFrom(query.pipe(filter((result) => result.dataState === 'complete')));
      expect(first.data?.audience?.contacts.edges.map((edge: any) => edge.node.number)).toEqual(numbers.slice(0, 2));
      let pageInfo = first.data!.audience!.contacts.pageInfo;
      while (pageInfo.hasNextPage) {
        const more = await query.fetchMore({ variables: { after: pageInfo.endCursor } });
        pageInfo = more.data!.audience!.contacts.pageInfo;
      }
      // The cached query, as the original variables name it, now holds every page.
      const merged = client.readQuery<any>({ query: exampleOperation('AudienceContacts'), variables: { audienceId, first: 2 } });
      expect(merged.audience.contacts.edges.map((edge: any) => edge.node.number)).toEqual(numbers);
      expect(merged.audience.contacts.totalCount).toBe(5);
      expect(merged.audience.contacts.pageInfo.hasNextPage).toBe(false);
      // Pages of 2, 2 and 1: the first request and two fetchMore calls.
      expect(sent.filter((request) => request.operationName === 'AudienceContacts')).toHaveLength(3);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('an update mutation refreshes the normalized cache without refetching the list', async () => {
    const { sent, fetchFn } = recordingFetch();
    const client = apolloClient(fetchFn);
    const listQuery = exampleOperation('AudienceContacts');
    const variables = { audienceId, first: 10 };
    await client.query({ query: listQuery, variables });
    const updated = await client.mutate({
      mutation: exampleOperation('UpdateAudienceContact'),
      variables: { input: { id: contactIds[2], firstName: 'Renamed by Apollo', tags: ['apollo'] } },
    });
    expect((updated.data as any).updateAudienceContact.audienceContact.firstName).toBe('Renamed by Apollo');
    const cached = client.readQuery<any>({ query: listQuery, variables });
    const node = cached.audience.contacts.edges.find((edge: any) => edge.node.id === contactIds[2]).node;
    expect(node).toMatchObject({ firstName: 'Renamed by Apollo', tags: ['apollo'] });
    expect(sent.map((request) => request.operationName)).toEqual(['AudienceContacts', 'UpdateAudienceContact']);
  });

  it('sends automatic persisted queries: the hash alone once the server knows the query', async () => {
    const first = recordingFetch();
    await apolloClient(first.fetchFn, { persisted: true }).query({ query: exampleOperation('Viewer') });
    // The server did not know the hash yet: the link resends with the query text, and the server keeps it.
    expect(first.sent.map(({ hasQuery, persisted }) => ({ hasQuery, persisted }))).toEqual([
      { hasQuery: false, persisted: true },
      { hasQuery: true, persisted: true },
    ]);
    const second = recordingFetch();
    const result = await apolloClient(second.fetchFn, { persisted: true }).query({ query: exampleOperation('Viewer') });
    expect((result.data as any).viewer.name).toBe('Client tests');
    expect(second.sent).toEqual([{ operationName: 'Viewer', hasQuery: false, persisted: true, method: 'POST' }]);
  });
});

function urqlClient(fetchFn: typeof fetch, options: { persisted?: boolean } = {}) {
  const connection = () => null;
  return new UrqlClient({
    url: `${app.url}/graphql`,
    fetch: fetchFn,
    fetchOptions: { headers: { 'x-dexatel-key': key } },
    preferGetMethod: false,
    exchanges: [
      cacheExchange({
        keys: { AudienceContactConnection: connection, AudienceContactEdge: connection, PageInfo: connection },
        resolvers: { Audience: { contacts: relayPagination() } },
      }),
      ...(options.persisted ? [persistedExchange({ preferGetForPersistedQueries: false })] : []),
      fetchExchange,
    ],
  });
}

describe('urql (graphcache, normalized)', () => {
  it('an update mutation refreshes the cached query without refetching it', async () => {
    const { sent, fetchFn } = recordingFetch();
    const client = urqlClient(fetchFn);
    const listQuery = exampleOperation('AudienceContacts');
    const variables = { audienceId, first: 10 };
    const listed = await client.query(listQuery, variables).toPromise();
    expect(listed.error).toBeUndefined();
    expect(listed.data.audience.contacts.totalCount).toBe(5);
    const updated = await client
      .mutation(exampleOperation('UpdateAudienceContact'), { input: { id: contactIds[3], lastName: 'Urql', tags: ['urql'] } })
      .toPromise();
    expect(updated.error).toBeUndefined();
    const cached = client.readQuery(listQuery, variables);
    const node = cached?.data.audience.contacts.edges.find((edge: any) => edge.node.id === contactIds[3]).node;
    expect(node).toMatchObject({ lastName: 'Urql', tags: ['urql'] });
    expect(sent.map((request) => request.operationName)).toEqual(['AudienceContacts', 'UpdateAudienceContact']);
  });

  it('pages with graphcache relayPagination: the next page is merged into one list', async () => {
    const client = urqlClient(recordingFetch().fetchFn);
    const query = exampleOperation('AudienceContacts');
    const first = await client.query(query, { audienceId, first: 3 }).toPromise();
    const second = await client.query(query, { audienceId, first: 3, after: first.data.audience.contacts.pageInfo.endCursor }).toPromise();
    expect(second.data.audience.contacts.edges.map((edge: any) => edge.node.number)).toEqual(numbers);
    expect(second.data.audience.contacts.pageInfo.hasNextPage).toBe(false);
  });

  it('sends automatic persisted queries through the persisted exchange', async () => {
    const first = recordingFetch();
    const registered = await urqlClient(first.fetchFn, { persisted: true }).query(exampleOperation('Contacts'), { first: 1 }).toPromise();
    expect(registered.error).toBeUndefined();
    expect(first.sent.map(({ hasQuery, persisted }) => ({ hasQuery, persisted }))).toEqual([
      { hasQuery: false, persisted: true },
      { hasQuery: true, persisted: true },
    ]);
    const second = recordingFetch();
    const again = await urqlClient(second.fetchFn, { persisted: true }).query(exampleOperation('Contacts'), { first: 1 }).toPromise();
    expect(again.data.contacts.totalCount).toBe(5);
    expect(second.sent).toEqual([{ operationName: 'Contacts', hasQuery: false, persisted: true, method: 'POST' }]);
  });
});
