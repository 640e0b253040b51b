import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A graphql-ws client as an application runs one, the key in the connection_init payload. */
export function liveClient(url: string, key: string | null, options: { connectionParams?: Record<string, unknown> } = {}): Client {
  return createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: options.connectionParams ?? (key ? { 'X-Dexatel-Key': key } : {}),
    retryAttempts: 0,
    lazy: true,
  });
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: Record<string, any>;
}

/** One subscription's results as they come: events (data), errors (in a result or as the protocol's error), its end. */
export interface Watch<T = any> {
  events: T[];
  errors: GraphQLErrorShape[];
  completed: boolean;
  /** The `index`-th event (from 0), once it has arrived. */
  event(index: number, timeoutMs?: number): Promise<T>;
  /** Resolves when the subscription ended (complete, or an error); its errors. */
  ended(timeoutMs?: number): Promise<GraphQLErrorShape[]>;
  stop(): void;
}

export function watch<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}): Watch<T> {
  const result: Watch<T> = {
    events: [],
    errors: [],
    completed: false,
    event: (index, timeoutMs = 10_000) =>
      until(() => result.events.length > index || result.completed, timeoutMs, () => `event ${index}: got ${JSON.stringify(result)}`).then(() => {
        if (result.events.length <= index) throw new Error(`the subscription ended after ${result.events.length} events: ${JSON.stringify(result.errors)}`);
        return result.events[index]!;
      }),
    ended: (timeoutMs = 10_000) => until(() => result.completed, timeoutMs, () => `the end: got ${JSON.stringify(result)}`).then(() => result.errors),
    stop: () => unsubscribe(),
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next(value) {
        if (value.errors) result.errors.push(...(value.errors as GraphQLErrorShape[]));
        if (value.data) result.events.push(Object.values(value.data)[0] as T);
      },
      error(error) {
        if (Array.isArray(error)) result.errors.push(...error);
        else result.errors.push({ message: error instanceof Error ? error.message : `closed: ${(error as { code?: number }).code}` });
        result.completed = true;
      },
      complete() {
        result.completed = true;
      },
    },
  );
  return result;
}

export async function until(condition: () => boolean, timeoutMs: number, describe: () => string = () => 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The subscriptions a server process holds now, from its /metrics. */
export async function openSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^gateway_live_subscriptions (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Waits until the server holds `count` subscriptions: each then hears every write committed after. */
export async function subscribed(url: string, count: number, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const open = await openSubscriptions(url);
    if (open === count) return;
    if (Date.now() - started > timeoutMs) throw new Error(`the server holds ${open} subscriptions, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
