import path from 'node:path';

/** Where the data lives: the embedded PGlite directory, or a PostgreSQL server. */
export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string; poolSize: number; replicas?: ReplicaConfig };

/** Streaming replicas that take an account's reads (see replicas.ts); absent: every read goes to the primary. */
export interface ReplicaConfig {
  urls: string[];
  /** A replica further behind the primary than this is skipped (its reads go to the primary). */
  maxLagMs: number;
  /** How often each process asks the primary and the replicas where their WAL is. */
  checkIntervalMs: number;
  /** Set: each account's last write position is shared by every process (read-your-writes across processes). */
  redisUrl: string | null;
}

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  const readUrls = (env.DATABASE_READ_URL ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (url) {
    const poolSize = Number(env.DATABASE_POOL_SIZE ?? 10);
    if (readUrls.length === 0) return { kind: 'postgres', url, poolSize };
    return {
      kind: 'postgres',
      url,
      poolSize,
      replicas: {
        urls: readUrls,
        // A second: what a reader not the writer may see stale at most; the primary takes the reads past it.
        maxLagMs: positiveNumber(env, 'DATABASE_READ_MAX_LAG_MS', 1_000),
        // Five looks a second cost each database about 5 trivial statements a second per process.
        checkIntervalMs: positiveNumber(env, 'DATABASE_READ_CHECK_MS', 200),
        redisUrl: env.REDIS_URL?.trim() || null,
      },
    };
  }
  if (readUrls.length > 0) throw new Error('DATABASE_READ_URL names read replicas of a PostgreSQL primary: set DATABASE_URL too');
  const dataDir = env.DATA_DIR ?? './data';
  return { kind: 'pglite', dataDir: dataDir.startsWith('memory://') ? dataDir : path.resolve(dataDir) };
}

export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'pglite') return `embedded PGlite in ${config.dataDir}`;
  const replicas = config.replicas ? `, reads also from ${config.replicas.urls.map(databaseName).join(', ')}` : '';
  return `PostgreSQL at ${databaseName(config.url)}${replicas}`;
}

/** host:port/database of a PostgreSQL URL, without its credentials. */
export function databaseName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of milliseconds, got "${raw}"`);
  return value;
}
