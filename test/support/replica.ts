import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig, ReplicaConfig } from '../../src/db/config.js';
import { createDatabase, type PostgresServer, startPrimary, startReplica } from '../../scripts/lib/postgresCluster.js';

/** Why replica tests skip on the PGlite pass. */
export const replicasArePostgresOnly = 'streaming replication is PostgreSQL’s: the embedded PGlite has no replicas';

export interface ReplicatedDatabase {
  primary: PostgresServer;
  replica: PostgresServer;
  /** The primary's database and the same database on the replica. */
  primaryUrl: string;
  replicaUrl: string;
  /** For startTestApp's `scratch`: the primary with this replica taking reads. */
  scratch(replicas?: Partial<ReplicaConfig>): { config: DatabaseConfig; drop(): Promise<void> };
  /** Stops both servers and deletes them. */
  remove(): Promise<void>;
}

/**
 * A private primary on `primaryPort` and a streaming replica of it (pg_basebackup -R) on `replicaPort`, with one
 * database: the machine's own server refuses replication, and tests stop and pause these. Ports 5433-5439 are the
 * replica tests' (one pair per test file, so files running at once do not meet).
 */
export async function startReplicatedDatabase(primaryPort: number, replicaPort: number): Promise<ReplicatedDatabase> {
  const primary = await startPrimary(primaryPort);
  try {
    const name = `cg_replica_${randomBytes(4).toString('hex')}`;
    const primaryUrl = await createDatabase(primary, name);
    const replica = await startReplica(primary, replicaPort);
    return {
      primary,
      replica,
      primaryUrl,
      replicaUrl: replica.url(name),
      scratch: (replicas = {}) => ({
        config: {
          kind: 'postgres',
          url: primaryUrl,
          poolSize: 10,
          replicas: { urls: [replica.url(name)], maxLagMs: 1_000, checkIntervalMs: 100, redisUrl: null, ...replicas },
        },
        drop: async () => {},
      }),
      async remove() {
        await replica.remove();
        await primary.remove();
      },
    };
  } catch (error) {
    await primary.remove();
    throw error;
  }
}

/** Runs one statement on `url` (a replica's replay control, a write behind the gateway's back). */
export async function runOn(url: string, statement: string, values: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement, values)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until the replica has replayed everything the primary has written so far. */
export async function waitForReplay(primaryUrl: string, replicaUrl: string, timeoutMs = 10_000): Promise<void> {
  const [{ lsn }] = await runOn(primaryUrl, 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
  for (let waited = 0; ; waited += 50) {
    const [{ caught }] = await runOn(replicaUrl, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught', [lsn]);
    if (caught) return;
    if (waited > timeoutMs) throw new Error('the replica did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
