import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { appError } from './domain/errors.js';
import { openSharedRedis } from './sharedRedis.js';
import type { Logger } from './observability/logger.js';

/** Queries each process keeps in memory (its whole store without Redis, its near copy with it). */
const PROCESS_MAX_QUERIES = 1000;
/**
 * Queries the fleet keeps in Redis. A query is at most MAX_BODY_BYTES, but real ones are 0.2-5 kB: 10,000 of them
 * is 2-50 MB of Redis. Past the bound the longest-registered go first; a client whose query went simply registers
 * it again (the protocol's PersistedQueryNotFound round trip).
 */
const SHARED_MAX_QUERIES = 10_000;
/** A query no process asked for in a week expires (each use renews it). */
const SHARED_TTL_SECONDS = 7 * 24 * 3600;

/** Where registered queries are kept: this process's memory, or Redis for the whole fleet. */
export interface PersistedQueryStore {
  get(hash: string): Promise<string | undefined>;
  set(hash: string, query: string): Promise<void>;
  close(): Promise<void>;
}

export function inProcessPersistedQueries(maxQueries = PROCESS_MAX_QUERIES): PersistedQueryStore {
  const store = new LRUCache<string, string>({ max: maxQueries });
  return {
    async get(hash) {
      return store.get(hash);
    },
    async set(hash, query) {
      store.set(hash, query);
    },
    async close() {},
  };
}

// One round trip, atomic: store the query with its expiry, note when it was registered, and drop the oldest
// registrations past the bound (and index entries whose query has expired).
const REGISTER_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1])
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1] .. ARGV[3], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #oldest, 2 do redis.call('DEL', KEYS[1] .. oldest[i]) end
end
return 1
`;

export interface SharedPersistedQueryOptions {
  maxQueries?: number;
  ttlSeconds?: number;
  prefix?: string;
}

/**
 * Queries registered once for the whole fleet, through Redis: a client that registered on one process runs its
 * hash on any other. A hash names its text for good (SHA-256 of it), so each process also keeps the queries it
 * has seen in memory and asks Redis only for ones it has not. If Redis fails, the process's own store serves
 * (clients whose query it lacks register again), as the rate limit falls back to counting in process.
 */
export function redisPersistedQueries(url: string, logger: Logger, options: SharedPersistedQueryOptions = {}): PersistedQueryStore {
  const { maxQueries = SHARED_MAX_QUERIES, ttlSeconds = SHARED_TTL_SECONDS, prefix = 'cg:apq:' } = options;
  const redis = openSharedRedis(url);
  const near = inProcessPersistedQueries();
  let warned = false;
  const unavailable = (error: unknown) => {
    if (!warned) logger.error({ err: (error as Error).message }, 'persisted queries: Redis unavailable, using this process’s store');
    warned = true;
  };
  return {
    async get(hash) {
      const known = await near.get(hash);
      if (known !== undefined) return known;
      try {
        const query = await redis.getex(`${prefix}q:${hash}`, 'EX', ttlSeconds);
        warned = false;
        if (query === null) return undefined;
        await near.set(hash, query);
        return query;
      } catch (error) {
        unavailable(error);
        return undefined;
      }
    },
    async set(hash, query) {
      await near.set(hash, query);
      try {
        await redis.eval(REGISTER_SCRIPT, 2, `${prefix}q:`, `${prefix}registered`, query, ttlSeconds, hash, maxQueries);
        warned = false;
      } catch (error) {
        unavailable(error);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

/**
 * Automatic persisted queries, the protocol Apollo Client and urql speak: a client first sends only the
 * SHA-256 of its query in `extensions.persistedQuery`; an unknown hash gets `PersistedQueryNotFound`, the
 * client resends hash and query, and the server remembers the pair in `store` (see redisPersistedQueries for
 * a fleet, inProcessPersistedQueries for one process).
 */
export function usePersistedQueries(store: PersistedQueryStore = inProcessPersistedQueries()): Plugin {
  return {
    async onParams({ params, setParams }) {
      const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
      if (!persisted) return;
      if (persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') throw appError('PERSISTED_QUERY_NOT_SUPPORTED');
      const hash = persisted.sha256Hash.toLowerCase();
      if (params.query) {
        if (createHash('sha256').update(params.query).digest('hex') !== hash) throw appError('PERSISTED_QUERY_HASH_MISMATCH');
        await store.set(hash, params.query);
        return;
      }
      // Only a SHA-256 can have been registered (the check above): anything else is not asked of the store.
      const query = /^[0-9a-f]{64}$/.test(hash) ? await store.get(hash) : undefined;
      if (query === undefined) throw appError('PERSISTED_QUERY_NOT_FOUND');
      setParams({ ...params, query });
    },
  };
}
