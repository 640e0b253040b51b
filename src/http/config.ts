/** What one client may ask of the gateway, and how it is shielded; every number can be set by environment. */
export interface HardeningConfig {
  /** Deepest nesting of fields a query may have. */
  maxDepth: number;
  /** Most aliases one document may use. */
  maxAliases: number;
  /** Most lexical tokens a document may have (checked while parsing, so a huge document costs little). */
  maxTokens: number;
  /** Most objects a query could return: connections multiply by their page size (see limits.ts). */
  maxCost: number;
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Token bucket per API key: requests a second on average, and the burst a client may spend at once. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Set: the rate limit is shared by every replica through this Redis. Unset: each process counts alone. */
  redisUrl: string | null;
  /** Origins a browser may call from (CORS); empty: no cross-origin browser access. `*`: any. */
  corsOrigins: string[];
  /** Whether `__schema` / `__type` queries are allowed (turn off in production if the schema is private). */
  introspection: boolean;
  /** Live subscriptions one API key may hold open in one server process, and one connection (WebSocket) may carry. */
  subscriptionsPerKey: number;
  subscriptionsPerConnection: number;
  /** Events waiting for one subscriber beyond which it is too slow and is disconnected (the heap stays bounded). */
  subscriptionBuffer: number;
}

export function hardeningConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HardeningConfig {
  return {
    maxDepth: positiveInteger(env, 'GRAPHQL_MAX_DEPTH', 12),
    maxAliases: positiveInteger(env, 'GRAPHQL_MAX_ALIASES', 100),
    maxTokens: positiveInteger(env, 'GRAPHQL_MAX_TOKENS', 10_000),
    maxCost: positiveInteger(env, 'GRAPHQL_MAX_COST', 25_000),
    maxBodyBytes: positiveInteger(env, 'MAX_BODY_BYTES', 5_000_000),
    rateLimitPerSecond: positiveInteger(env, 'RATE_LIMIT_PER_SECOND', 100),
    rateLimitBurst: positiveInteger(env, 'RATE_LIMIT_BURST', 200),
    redisUrl: env.REDIS_URL?.trim() || null,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    introspection: booleanSetting(env, 'GRAPHQL_INTROSPECTION', true),
    // 1,000 a key: the benchmark's dashboard of 1,000 watchers on one key; per process, as the rate limit without Redis.
    subscriptionsPerKey: positiveInteger(env, 'SUBSCRIPTIONS_PER_KEY', 1_000),
    subscriptionsPerConnection: positiveInteger(env, 'SUBSCRIPTIONS_PER_CONNECTION', 100),
    subscriptionBuffer: positiveInteger(env, 'SUBSCRIPTION_BUFFER', 256),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function booleanSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}
