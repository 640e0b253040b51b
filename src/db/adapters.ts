import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseConfig } from './config.js';
import { acquireDataDirLock } from './lock.js';
import { readTypes } from './timestamps.js';

/** A driver adapter factory for Prisma plus what must be closed when the process is done with it. */
export interface OpenAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /**
   * Rows of a read straight from the driver, when the driver allows it outside Prisma's transactions: the
   * PostgreSQL pool does (every statement takes a connection of its own); PGlite has one connection,
   * shared with any transaction Prisma has open, so its reads stay in Prisma's hands.
   */
  queryRows?: (text: string, values: unknown[], name?: string) => Promise<unknown[]>;
  /** A pooled connection of its own, for reads that must share one (a transaction), given back by `release`. */
  connect?: () => Promise<PinnedConnection>;
  /** PGlite's in-process LISTEN (see notifications.ts); PostgreSQL listens on a connection of its own instead. */
  listen?: (channel: string, callback: (payload: string) => void) => Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface PinnedConnection {
  /** Rows as `queryRows` gives them, on this connection. */
  queryRows(text: string, values: unknown[]): Promise<unknown[]>;
  /** Back to the pool; with an error, the connection is closed instead of reused. */
  release(error?: Error): void;
}

/**
 * PGlite with the extensions our migrations use. `dataDir` undefined means in memory.
 *
 * PGlite and its Prisma adapter are imported when a PGlite is opened, not with this module: a server on
 * PostgreSQL never needs them, and loaded they held about 1.4 MB of heap in an idle server (issue 13's idle RSS
 * target is 150 MB).
 */
export async function openPGlite(dataDir?: string): Promise<PGlite> {
  const [{ PGlite }, { pg_trgm }, { btree_gin }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite/contrib/btree_gin'),
  ]);
  const pglite = new PGlite(dataDir ?? 'memory://', { extensions: { pg_trgm, btree_gin } });
  await pglite.waitReady;
  return pglite;
}

export async function openAdapter(config: DatabaseConfig): Promise<OpenAdapter> {
  if (config.kind === 'pglite') {
    // An in-memory database (`memory://`) belongs to this process alone: nothing to lock.
    const releaseLock = config.dataDir.startsWith('memory://') ? () => {} : acquireDataDirLock(config.dataDir);
    try {
      const pglite = await openPGlite(config.dataDir);
      const { PrismaPGlite } = await import('pglite-prisma-adapter');
      return {
        factory: new PrismaPGlite(pglite),
        listen: (channel, callback) => pglite.listen(channel, callback),
        async close() {
          // A PGlite left open can make the process exit with code 99.
          await pglite.close();
          releaseLock();
        },
      };
    } catch (error) {
      releaseLock();
      throw error;
    }
  }
  // A bounded connect timeout makes requests fail fast (SERVICE_UNAVAILABLE) while the server is unreachable.
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize, connectionTimeoutMillis: 3_000 });
  // Prisma and the direct reads share one pool, so the server holds `poolSize` connections in all.
  const factory = new PrismaPg(pool);
  // An idle connection the server drops is the pool's to replace; unhandled, the event would end the process.
  pool.on('error', () => {});
  return {
    factory,
    queryRows: async (text, values, name) => (await pool.query({ name, text, values, types: readTypes })).rows,
    async connect() {
      const client = await pool.connect();
      return {
        queryRows: async (text, values) => (await client.query({ text, values, types: readTypes })).rows,
        release: (error) => client.release(error),
      };
    },
    close: () => pool.end(),
  };
}
