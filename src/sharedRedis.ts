import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// Required when a Redis is configured, not at start: without REDIS_URL the module and its command table were
// 2.3 MB of an idle server's heap (issue 13's idle RSS target is 150 MB). CommonJS, so synchronously.
const require = createRequire(import.meta.url);

/**
 * A Redis connection for state shared by every gateway process (rate-limit buckets, persisted queries, where each
 * account last wrote). Commands wait for the connection (so the first requests after start reach Redis too), but
 * never longer than 250 ms: an unreachable Redis slows a request by at most that much, and each caller falls back
 * to its process's own state.
 */
export function openSharedRedis(url: string): Redis {
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 250 });
  // Failures surface on the commands (each caller has its fallback); unhandled, the event would end the process.
  redis.on('error', () => {});
  return redis;
}
