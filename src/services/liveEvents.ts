import { hashApiKey } from '../domain/apiKeys.js';
import { AppError, appError } from '../domain/errors.js';
import { type Notifications, publishAfterCommit, uniqueToken } from '../db/notifications.js';
import type { Authenticate } from './apiKeyCache.js';
import type { Sql } from './sql.js';

/**
 * Live updates (issue 15): what changed, published by the write services once their writes have committed, on one
 * NOTIFY channel, and fanned out in each server process to the subscriptions it holds.
 *
 * An event names ids and a kind, never data: each subscriber reads the rows through its own account's scope, so
 * a misrouted event could at worst make one read nothing. Delivery is at most once while connected: a
 * subscriber that was disconnected (or a process whose listening connection dropped) refetches.
 */

export const LIVE_CHANNEL = 'cg_live';

/** What an import or a bulk action did to an audience's rows, as one event however many rows it wrote. */
export type BatchOperation = 'IMPORT' | 'COPY' | 'MOVE' | 'REMOVE' | 'TAG';
export const BATCH_OPERATIONS: readonly BatchOperation[] = ['IMPORT', 'COPY', 'MOVE', 'REMOVE', 'TAG'];

export type RowChange = 'ROW_ADDED' | 'ROW_UPDATED' | 'ROW_REMOVED';

export type LiveEvent =
  | { kind: 'AUDIENCE_UPDATED' | 'AUDIENCE_DELETED'; accountId: string; audienceId: string }
  | { kind: RowChange; accountId: string; audienceId: string; rowId: string; contactId: string }
  | { kind: 'ROWS_BATCH'; accountId: string; audienceId: string; operation: BatchOperation; added: number; updated: number; removed: number }
  | { kind: 'CONTACT_UPDATED' | 'CONTACT_DELETED'; accountId: string; contactId: string };

// ---- Publishing (the write services) ----

/** The wire form: short keys, `u` a token that keeps every payload distinct (see uniqueToken). */
function encode(event: LiveEvent): string {
  const wire: Record<string, unknown> = { k: event.kind, x: event.accountId, u: uniqueToken() };
  if ('audienceId' in event) wire.a = event.audienceId;
  if ('rowId' in event) wire.r = event.rowId;
  if ('contactId' in event) wire.c = event.contactId;
  if (event.kind === 'ROWS_BATCH') wire.o = [event.operation, event.added, event.updated, event.removed];
  return JSON.stringify(wire);
}

const KINDS = new Set(['AUDIENCE_UPDATED', 'AUDIENCE_DELETED', 'ROW_ADDED', 'ROW_UPDATED', 'ROW_REMOVED', 'ROWS_BATCH', 'CONTACT_UPDATED', 'CONTACT_DELETED']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const count = (value: unknown) => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null);

/** A payload back into an event; null for anything malformed (another writer on the channel, a newer format). */
export function decodeLiveEvent(payload: string): LiveEvent | null {
  let wire: Record<string, unknown>;
  try {
    wire = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  const kind = wire?.k;
  const id = (value: unknown) => (typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null);
  const accountId = id(wire?.x);
  if (typeof kind !== 'string' || !KINDS.has(kind) || !accountId) return null;
  const audienceId = id(wire.a);
  const contactId = id(wire.c);
  switch (kind) {
    case 'AUDIENCE_UPDATED':
    case 'AUDIENCE_DELETED':
      return audienceId ? { kind, accountId, audienceId } : null;
    case 'ROW_ADDED':
    case 'ROW_UPDATED':
    case 'ROW_REMOVED': {
      const rowId = id(wire.r);
      return audienceId && rowId && contactId ? { kind, accountId, audienceId, rowId, contactId } : null;
    }
    case 'ROWS_BATCH': {
      const [operation, added, updated, removed] = Array.isArray(wire.o) ? wire.o : [];
      if (!audienceId || !BATCH_OPERATIONS.includes(operation) || count(added) === null || count(updated) === null || count(removed) === null) return null;
      return { kind, accountId, audienceId, operation, added, updated, removed };
    }
    default:
      return contactId ? { kind: kind as 'CONTACT_UPDATED' | 'CONTACT_DELETED', accountId, contactId } : null;
  }
}

/**
 * Tells every process's subscribers of committed changes: call it once the write's transaction (or single
 * statement) has returned, never from inside one, so a write that fails or rolls back tells nothing. Returns at
 * once; the events leave in the next batch (publishAfterCommit says why not NOTIFY inside the transaction).
 */
export function publishLive(client: { $executeRaw(query: Sql): Promise<number> }, events: LiveEvent[]): void {
  for (const event of events) publishAfterCommit(client, LIVE_CHANNEL, encode(event));
}

// ---- Fan-out (each server process) ----

/** The transport connection a subscription runs on: a WebSocket (many subscriptions) or one SSE request. */
export interface LiveConnection {
  /** Subscriptions open on it now. */
  open: number;
  /** Ends the connection: a subscriber whose buffer overflowed is cut off, not allowed to grow the heap. */
  disconnect(): void;
}

export interface Subscriber {
  accountId: string;
  /** The key it authenticated with: checked again every `keyRecheckMs`, so a revoked key's streams end. */
  key: string;
  connection: LiveConnection;
}

/** Where an event goes: an audience's subscribers, or a contact's. */
export type Topic = `audience:${string}` | `contact:${string}`;

/** One event as every subscriber in this process receives it: the same object, so they can share its reads. */
export interface DeliveredEvent {
  event: LiveEvent;
  /** Per account, what subscribers of that account have read for this event (see the schema's use). */
  shared: Map<string, unknown>;
}

export interface LiveSettings {
  subscriptionsPerKey: number;
  subscriptionsPerConnection: number;
  /** Events queued for one subscriber beyond which it is disconnected. */
  bufferSize: number;
  /** How often each key with open subscriptions is looked up again (uncached). */
  keyRecheckMs: number;
}

export interface LiveEvents {
  /** A stream of the topic's events for `subscriber`, once this process listens; the limits are checked first. */
  open(subscriber: Subscriber, topic: Topic): Promise<LiveStream>;
  /** Ends the subscriptions of a key (by its hash) with UNAUTHENTICATED: it was revoked. */
  endKey(hash: string): void;
  /** Subscriptions open in this process now. */
  size(): number;
  /** Ends every stream with SERVICE_UNAVAILABLE and stops listening: the server is shutting down. */
  close(): Promise<void>;
}

/** The last item of a stream that ends in error: its key was revoked, or it read too slowly. */
export interface StreamFailure {
  failure: AppError;
}

export type StreamItem = DeliveredEvent | StreamFailure;

export const isFailure = (item: object): item is StreamFailure => 'failure' in item;

export interface LiveStream extends AsyncIterableIterator<StreamItem> {
  /** Ends the stream with an error the subscriber receives as its last item. */
  fail(error: AppError): void;
}

/** Which topics an event concerns. A row added or removed changes its contact's audiences too. */
function topicsOf(event: LiveEvent): Topic[] {
  switch (event.kind) {
    case 'ROW_ADDED':
    case 'ROW_REMOVED':
      return [`audience:${event.audienceId}`, `contact:${event.contactId}`];
    case 'CONTACT_UPDATED':
    case 'CONTACT_DELETED':
      return [`contact:${event.contactId}`];
    default:
      return [`audience:${event.audienceId}`];
  }
}

/** How long a subscriber whose queue overflowed has to read its error before its connection is closed. */
const SLOW_SUBSCRIBER_GRACE_MS = 1_000;

class Subscription implements LiveStream {
  private queue: StreamItem[] = [];
  private waiting: ((result: IteratorResult<StreamItem>) => void) | null = null;
  /** No more events are taken: the stream ended, or ends after its failure is read. */
  private closing = false;

  constructor(
    readonly subscriber: Subscriber,
    readonly topic: Topic,
    private readonly bufferSize: number,
    private readonly onEnd: (subscription: Subscription) => void,
  ) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  push(item: DeliveredEvent) {
    if (this.closing) return;
    if (this.waiting) return this.hand(item);
    if (this.queue.length >= this.bufferSize) {
      // The transport has not taken the last `bufferSize` events: the client reads slower than events come. Its
      // queue is dropped now (the heap stays bounded); the error is its last item, and a client that cannot take
      // even that within a second is cut off.
      this.fail(appError('SUBSCRIBER_TOO_SLOW'));
      setTimeout(() => this.subscriber.connection.disconnect(), SLOW_SUBSCRIBER_GRACE_MS).unref();
      return;
    }
    this.queue.push(item);
  }

  /** Ends the stream with `error` as its last item (the schema raises it as the subscription's error). */
  fail(error: AppError) {
    if (this.closing) return;
    this.closing = true;
    this.release();
    this.queue = [{ failure: error }];
    if (this.waiting) this.hand(this.queue.shift()!);
  }

  next(): Promise<IteratorResult<StreamItem>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.closing) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<StreamItem>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Completes the stream: the client unsubscribed, or the server is stopping. */
  end() {
    this.closing = true;
    this.queue = [];
    this.release();
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }

  private hand(item: StreamItem) {
    const resolve = this.waiting!;
    this.waiting = null;
    resolve({ value: item, done: false });
  }

  private released = false;
  private release() {
    if (this.released) return;
    this.released = true;
    this.onEnd(this);
  }
}

export function createLiveEvents(options: {
  notifications: Notifications;
  /** The key lookup without the cache: a revoked key is seen at the next check. */
  authenticate: Authenticate;
  settings: LiveSettings;
  onError?: (error: unknown) => void;
}): LiveEvents {
  const { notifications, authenticate, settings, onError = () => {} } = options;
  const byTopic = new Map<Topic, Set<Subscription>>();
  const byKey = new Map<string, { key: string; accountId: string; subscriptions: Set<Subscription> }>();
  let all = 0;
  let listening: Promise<() => Promise<void>> | null = null;
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;

  const deliver = (payload: string) => {
    const event = decodeLiveEvent(payload);
    if (!event) return;
    const delivered: DeliveredEvent = { event, shared: new Map() };
    for (const topic of topicsOf(event)) {
      for (const subscription of byTopic.get(topic) ?? []) {
        // Routed by account too: an event of one account never reaches another's subscriber.
        if (subscription.subscriber.accountId === event.accountId) subscription.push(delivered);
      }
    }
  };

  const recheckKeys = async () => {
    for (const entry of [...byKey.values()]) {
      try {
        const account = await authenticate(entry.key);
        if (account?.id === entry.accountId) continue;
        for (const subscription of [...entry.subscriptions]) subscription.fail(appError('UNAUTHENTICATED'));
      } catch (error) {
        // The database is unreachable: the key stays trusted until a lookup can answer.
        onError(error);
      }
    }
  };

  // The listening connection dropped (PostgreSQL restarted, failed over, or ended it): what was committed until it is
  // back is lost, so every stream ends with SERVICE_UNAVAILABLE rather than go on as if nothing was missed. Clients
  // subscribe again and refetch, as after any reconnect.
  notifications.onInterruption(() => {
    for (const subscribers of [...byTopic.values()]) for (const subscription of [...subscribers]) subscription.fail(appError('SERVICE_UNAVAILABLE'));
  });

  const unregister = (subscription: Subscription) => {
    const { topic, subscriber } = subscription;
    const subscribers = byTopic.get(topic);
    subscribers?.delete(subscription);
    if (subscribers?.size === 0) byTopic.delete(topic);
    const hash = hashApiKey(subscriber.key);
    const entry = byKey.get(hash);
    entry?.subscriptions.delete(subscription);
    if (entry?.subscriptions.size === 0) byKey.delete(hash);
    subscriber.connection.open--;
    all--;
    if (all === 0) {
      clearInterval(recheck);
      recheck = undefined;
    }
  };

  return {
    async open(subscriber, topic) {
      if (closed) throw appError('SERVICE_UNAVAILABLE');
      // Listening first: once the subscription is counted, every event committed after it is delivered to it.
      try {
        listening ??= notifications.subscribeChannel(LIVE_CHANNEL, deliver);
        await listening;
      } catch (error) {
        listening = null;
        throw error;
      }
      if (closed) throw appError('SERVICE_UNAVAILABLE');
      const hash = hashApiKey(subscriber.key);
      const entry = byKey.get(hash);
      if ((entry?.subscriptions.size ?? 0) >= settings.subscriptionsPerKey) {
        throw appError('SUBSCRIPTIONS_PER_KEY_EXCEEDED', undefined, `${appError('SUBSCRIPTIONS_PER_KEY_EXCEEDED').message} (at most ${settings.subscriptionsPerKey})`);
      }
      if (subscriber.connection.open >= settings.subscriptionsPerConnection) {
        throw appError(
          'SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED',
          undefined,
          `${appError('SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED').message} (at most ${settings.subscriptionsPerConnection})`,
        );
      }
      const subscription = new Subscription(subscriber, topic, settings.bufferSize, unregister);
      // Counted with no await since the checks, so concurrent subscribes cannot both pass the limits.
      subscriber.connection.open++;
      all++;
      if (entry) entry.subscriptions.add(subscription);
      else byKey.set(hash, { key: subscriber.key, accountId: subscriber.accountId, subscriptions: new Set([subscription]) });
      let subscribers = byTopic.get(topic);
      if (!subscribers) byTopic.set(topic, (subscribers = new Set()));
      subscribers.add(subscription);
      if (!recheck) {
        recheck = setInterval(() => void recheckKeys(), settings.keyRecheckMs);
        recheck.unref();
      }
      return subscription;
    },
    endKey(hash) {
      for (const subscription of [...(byKey.get(hash)?.subscriptions ?? [])]) subscription.fail(appError('UNAUTHENTICATED'));
    },
    size: () => all,
    async close() {
      closed = true;
      for (const subscribers of [...byTopic.values()]) for (const subscription of [...subscribers]) subscription.fail(appError('SERVICE_UNAVAILABLE'));
      clearInterval(recheck);
      const stop = await listening?.catch(() => null);
      listening = null;
      await stop?.();
    },
  };
}

// ---- What each subscription sees ----

/** What a stream's map makes of one item: a value (the last one, when `last`), nothing, or the stream's end. */
export type Mapped<T> = { value: T; last?: boolean } | 'skip' | 'end';

/**
 * A stream made from another, each item mapped. Unlike an async generator, its `return()` reaches the source at
 * once, even while a `next()` waits: an unsubscribed client must free its place (and its key's count) without
 * waiting for one more event.
 */
export function mapStream<Out>(source: AsyncIterator<StreamItem>, map: (item: DeliveredEvent) => Promise<Mapped<Out>> | Mapped<Out>): AsyncIterableIterator<Out | StreamFailure> {
  let finished = false;
  const finish = async () => {
    finished = true;
    await source.return?.();
  };
  const iterator: AsyncIterableIterator<Out | StreamFailure> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      while (!finished) {
        const item = await source.next();
        if (item.done || finished) break;
        if (isFailure(item.value)) {
          await finish();
          return { value: item.value, done: false };
        }
        const mapped = await map(item.value);
        if (mapped === 'skip') continue;
        if (mapped === 'end') break;
        if (mapped.last) await finish();
        return { value: mapped.value, done: false };
      }
      await finish();
      return { value: undefined, done: true };
    },
    async return() {
      await finish();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}
