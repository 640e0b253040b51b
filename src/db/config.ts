import path from 'node:path';

/** Where the data lives: the embedded PGlite directory, or a PostgreSQL server. */
export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string; poolSize: number };

export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    return { kind: 'postgres', url, poolSize: Number(env.DATABASE_POOL_SIZE ?? 10) };
  }
  const dataDir = env.DATA_DIR ?? './data';
  return { kind: 'pglite', dataDir: dataDir.startsWith('memory://') ? dataDir : path.resolve(dataDir) };
}

export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'pglite') return `embedded PGlite in ${config.dataDir}`;
  const url = new URL(config.url);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
