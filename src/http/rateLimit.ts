import type { Plugin } from 'graphql-yoga';
import { presentedApiKey } from '../auth.js';
import { hashApiKey } from '../domain/apiKeys.js';
import { appError } from '../domain/errors.js';
import { toGraphQLError } from '../schema/errors.js';
import type { Logger } from '../server.js';
import { openSharedRedis } from '../sharedRedis.js';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until one request's worth of tokens is back. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Spends one token of `bucket` if it has one. */
  take(bucket: string): Promise<RateDecision>;
  close(): Promise<void>;
}

export interface TokenBucketSettings {
  perSecond: number;
  burst: number;
}

/** Buckets in this process's memory: exact for one replica, and the fallback when Redis cannot be reached. */
export function inProcessRateLimiter({ perSecond, burst }: TokenBucketSettings, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const fullAfterMs = (burst / perSecond) * 1000;
  let lastSweep = now();
  return {
    async take(bucket) {
      const time = now();
      // Buckets idle long enough to be full again are the same as absent ones: drop them, so keys made up by
      // a client cannot grow memory without bound.
      if (time - lastSweep > fullAfterMs) {
        for (const [name, state] of buckets) if (time - state.at >= fullAfterMs) buckets.delete(name);
        lastSweep = time;
      }
      const state = buckets.get(bucket) ?? { tokens: burst, at: time };
      state.tokens = Math.min(burst, state.tokens + ((time - state.at) / 1000) * perSecond);
      state.at = time;
      buckets.set(bucket, state);
      if (state.tokens >= 1) {
        state.tokens -= 1;
        return { allowed: true, retryAfterMs: 0 };
      }
      return { allowed: false, retryAfterMs: Math.ceil(((1 - state.tokens) / perSecond) * 1000) };
    },
    async close() {},
  };
}

// One round trip, atomic: refill by Redis's own clock (replicas' clocks may differ), spend, expire when full.
const TOKEN_BUCKET_SCRIPT = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return { allowed, retry }
`;

/**
 * Buckets in Redis, shared by every replica. If Redis fails, requests are counted in process instead of
 * refused: losing the shared count for a while is better than refusing every client.
 */
export function redisRateLimiter(url: string, settings: TokenBucketSettings, logger: Logger, prefix = 'cg:rate:'): RateLimiter {
  const redis = openSharedRedis(url);
  const fallback = inProcessRateLimiter(settings);
  let warned = false;
  return {
    async take(bucket) {
      try {
        const [allowed, retryAfterMs] = (await redis.eval(TOKEN_BUCKET_SCRIPT, 1, prefix + bucket, settings.burst, settings.perSecond)) as [number, number];
        warned = false;
        return { allowed: allowed === 1, retryAfterMs };
      } catch (error) {
        if (!warned) logger.error({ err: (error as Error).message }, 'rate limiter: Redis unavailable, counting in process');
        warned = true;
        return fallback.take(bucket);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

/** The bucket a request spends from: its API key's (by hash: the key itself is never kept), or its address's. */
export function rateLimitBucket(headers: Headers, remoteAddress: string | undefined): string {
  const key = presentedApiKey(headers);
  return key ? `key:${hashApiKey(key)}` : `addr:${remoteAddress ?? 'unknown'}`;
}

/** Retry-After for a refusal, in whole seconds (at least 1). */
export function retryAfterSeconds(decision: RateDecision): string {
  return String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
}

/**
 * One token a GraphQL request, from the bucket the REST front spends from too (rateLimitBucket). Refused
 * requests get RATE_LIMITED with HTTP 429 and Retry-After, before any database work.
 */
export function useRateLimit(limiter: RateLimiter, graphqlPath = '/graphql'): Plugin<object, { req?: { socket?: { remoteAddress?: string } } }> {
  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== graphqlPath || request.method === 'OPTIONS') return;
      const decision = await limiter.take(rateLimitBucket(request.headers, serverContext.req?.socket?.remoteAddress));
      if (decision.allowed) return;
      const retryAfter = retryAfterSeconds(decision);
      const { message, extensions } = toGraphQLError(appError('RATE_LIMITED').withHeaders({ 'Retry-After': retryAfter }));
      const { http: _http, ...visible } = extensions as Record<string, unknown>;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: visible }] }), {
          status: 429,
          headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': retryAfter },
        }),
      );
    },
  };
}
