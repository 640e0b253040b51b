import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, fetchExchange, subscriptionExchange } from '@urql/core';
import { OperationTypeNode, print } from 'graphql';
import { type Client as SseClient, createClient as createSseClient } from 'graphql-sse';
import { type Client as WsClient } from 'graphql-ws';
import { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { exampleOperation } from './support/examples.js';
import { liveClient, subscribed, until } from './support/live.js';
import { rest } from './support/rest.js';

/**
 * The clients applications use, as they are documented (docs/graphql.md, "Live updates"): Apollo Client with a
 * GraphQLWsLink split from its HttpLink, urql's subscriptionExchange over graphql-ws, and both over SSE through
 * graphql-sse. Each hears ADDED, UPDATED and REMOVED for writes through GraphQL, REST and the import.
 */

let app: TestApp;
let key: string;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  app = await startTestApp();
  key = (await app.createAccount('Live clients')).key;
});
afterAll(async () => {
  for (const close of closers) await close();
  await app?.close();
});

const rawId = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1]!;

function wsClient(): WsClient {
  const client = liveClient(app.url, key);
  closers.push(() => client.dispose());
  return client;
}

function sseClient(): SseClient {
  const client = createSseClient({ url: `${app.url}/graphql`, headers: { 'x-dexatel-key': key }, retryAttempts: 0 });
  closers.push(() => client.dispose());
  return client;
}

/** Apollo Client as docs/graphql.md sets it up: subscriptions over the WebSocket link, the rest over HTTP. */
function apollo(subscriptions: ApolloLink) {
  const http = new HttpLink({ uri: `${app.url}/graphql`, headers: { 'x-dexatel-key': key } });
  return new ApolloClient({
    link: ApolloLink.split((operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION, subscriptions, http),
    cache: new InMemoryCache(),
  });
}

/** Apollo over SSE: a link that hands each operation to graphql-sse (Apollo ships none for SSE). */
class SseLink extends ApolloLink {
  constructor(private readonly client: SseClient) {
    super();
  }
  override request(operation: ApolloLink.Operation) {
    return new Observable<ApolloLink.Result>((sink) =>
      this.client.subscribe<any>({ query: print(operation.query), variables: operation.variables, operationName: operation.operationName }, { next: (value) => sink.next(value as ApolloLink.Result), complete: () => sink.complete(), error: (error) => sink.error(error) }),
    );
  }
}

function urql(forward: { subscribe: (request: { query: string; variables?: any; operationName?: string }, sink: any) => () => void }) {
  return new UrqlClient({
    url: `${app.url}/graphql`,
    fetchOptions: { headers: { 'x-dexatel-key': key } },
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return { subscribe: (sink) => ({ unsubscribe: forward.subscribe(input, sink) }) };
        },
      }),
    ],
  });
}

let audiences = 0;
/** A fresh audience, a subscriber (started by `start`, which returns the events it collects), and one write of each kind. */
async function exercise(start: (audienceId: string) => { events: any[]; stop: () => void }) {
  const created = await app.gql(`mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id } } }`, { input: { name: `Clients ${++audiences}`, channel: 'SMS' } });
  const audienceId = created.body.data.createAudience.audience.id;
  const before = Number(/^gateway_live_subscriptions (\d+)/m.exec(await (await fetch(`${app.url}/metrics`)).text())?.[1]);
  const { events, stop } = start(audienceId);
  await subscribed(app.url, before + 1);
  const next = async (count: number) => {
    await until(() => events.length >= count, 10_000, () => `${count} events, got ${JSON.stringify(events)}`);
    return events[count - 1];
  };

  // GraphQL
  const added = await app.gql(`mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id } } }`, { input: { audienceId, number: '+37477000001', firstName: 'Gohar' } });
  const rowId = added.body.data.addAudienceContact.audienceContact.id;
  expect(await next(1)).toMatchObject({ kind: 'ADDED', audienceContactId: rowId, audienceContact: { number: '+37477000001', firstName: 'Gohar' } });
  await app.gql(`mutation ($input: UpdateAudienceContactInput!) { updateAudienceContact(input: $input) { audienceContact { id } } }`, { input: { id: rowId, lastName: 'Sargsyan' } });
  expect(await next(2)).toMatchObject({ kind: 'UPDATED', audienceContact: { lastName: 'Sargsyan' } });

  // REST (seed API: raw UUIDs)
  const path = `/v1/audiences/${rawId(audienceId)}/contacts`;
  const restAdded = await rest(app, key, 'POST', path, { data: { number: '+37477000002', first_name: 'Levon' } });
  expect(restAdded.status).toBe(201);
  const restRow = restAdded.body.data.id as string;
  expect(await next(3)).toMatchObject({ kind: 'ADDED', audienceContact: { number: '+37477000002', firstName: 'Levon' } });
  expect((await rest(app, key, 'PUT', `${path}/${restRow}`, { data: { last_name: 'Aronian' } })).status).toBe(200);
  expect(await next(4)).toMatchObject({ kind: 'UPDATED', audienceContact: { firstName: 'Levon', lastName: 'Aronian' } });
  expect((await rest(app, key, 'DELETE', `${path}/${restRow}`)).status).toBeLessThan(300);
  expect(await next(5)).toMatchObject({ kind: 'REMOVED', audienceContact: null, audience: { contacts: { totalCount: 1 } } });

  // The import: one summary event
  await app.gql(`mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount } }`, {
    input: { audienceId, contacts: Array.from({ length: 20 }, (_, i) => ({ number: `+374770001${String(i).padStart(2, '0')}` })) },
  });
  expect(await next(6)).toMatchObject({ kind: 'BATCH', batch: { operation: 'IMPORT', addedCount: 20 }, audience: { contacts: { totalCount: 21 } } });

  await app.gql(`mutation ($input: RemoveAudienceContactInput!) { removeAudienceContact(input: $input) { removedAudienceContactId } }`, { input: { id: rowId } });
  expect(await next(7)).toMatchObject({ kind: 'REMOVED', audienceContactId: rowId });
  expect(events).toHaveLength(7);
  stop();
  await subscribed(app.url, before);
}

const query = exampleOperation('AudienceContactsChanged');

describe('Apollo Client', () => {
  const subscriber = (client: ApolloClient) => (audienceId: string) => {
    const events: any[] = [];
    const subscription = client.subscribe({ query, variables: { audienceId } }).subscribe({ next: (result) => events.push((result.data as any).audienceContactsChanged) });
    return { events, stop: () => subscription.unsubscribe() };
  };

  it('GraphQLWsLink split from the HttpLink', () => exercise(subscriber(apollo(new GraphQLWsLink(wsClient())))));

  it('over SSE through graphql-sse', () => exercise(subscriber(apollo(new SseLink(sseClient())))));
});

describe('urql', () => {
  const subscriber = (client: UrqlClient) => (audienceId: string) => {
    const events: any[] = [];
    const { unsubscribe } = client.subscription(query, { audienceId }).subscribe((result) => events.push(result.data.audienceContactsChanged));
    return { events, stop: unsubscribe };
  };

  it('subscriptionExchange over graphql-ws', () => exercise(subscriber(urql(wsClient()))));

  it('subscriptionExchange over SSE through graphql-sse', () => exercise(subscriber(urql(sseClient()))));
});

describe('SSE errors', () => {
  it('a subscription to an unknown audience, or without a key, fails with its catalogued error', async () => {
    const client = sseClient();
    const results: any[] = [];
    await new Promise<void>((resolve, reject) =>
      client.subscribe({ query: print(query), variables: { audienceId: 'QXVkaWVuY2U6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw' } }, { next: (value) => results.push(value), complete: resolve, error: reject }),
    );
    expect(results).toMatchObject([{ errors: [{ extensions: { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404 } }] }]);

    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(query), variables: { audienceId: 'x' } }),
    });
    // A failure of the request as a whole keeps its HTTP status on the stream too.
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(await response.text()).toContain('"extensions":{"code":"UNAUTHENTICATED","status":401}');
  });

  it('a subscriber past its buffer gets SUBSCRIBER_TOO_SLOW (1403) as its last event, over SSE too', async () => {
    const created = await app.gql(`mutation { createAudience(input: { name: "SSE flood", channel: SMS }) { audience { id } } }`);
    const audienceId = created.body.data.createAudience.audience.id;
    const account = (await app.gql(`{ viewer { id } }`)).body.data.viewer.id;
    const results: any[] = [];
    let completed = false;
    const before = Number(/^gateway_live_subscriptions (\d+)/m.exec(await (await fetch(`${app.url}/metrics`)).text())?.[1]);
    sseClient().subscribe({ query: print(exampleOperation('AudienceChanged')), variables: { id: audienceId } }, { next: (value) => results.push(value), error: () => (completed = true), complete: () => (completed = true) });
    await subscribed(app.url, before + 1);
    // 300 events in one transaction arrive at once, past the default buffer of 256.
    await app.database.prisma.$transaction(async (tx) => {
      for (let i = 0; i < 300; i++) {
        await tx.$executeRaw`SELECT pg_notify('cg_live', ${JSON.stringify({ k: 'AUDIENCE_UPDATED', x: rawId(account), a: rawId(audienceId), u: `sse-flood-${i}` })})`;
      }
    });
    await until(() => completed, 10_000);
    expect(results.at(-1)).toMatchObject({ errors: [{ extensions: { code: 'SUBSCRIBER_TOO_SLOW', numericCode: 1403, status: 429 } }] });
    expect(results.length).toBeLessThan(300);
    await subscribed(app.url, before);
  });
});
