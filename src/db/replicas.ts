import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { openSharedRedis } from '../sharedRedis.js';
import { databaseName, type ReplicaConfig } from './config.js';
import { readTypes } from './timestamps.js';

/**
 * Read replicas (DATABASE_READ_URL): which database a read of an account goes to.
 *
 * - A read goes to a replica only if the replica answers, lags the primary by at most `maxLagMs`, and has replayed
 *   the account's last write (read-your-writes). Otherwise it goes to the primary: a replica that is down, behind
 *   or not yet caught up is skipped, never an error.
 * - After an account writes, the primary's WAL insert position (pg_current_wal_insert_lsn(), asked once the write's
 *   transaction has committed, so past the end of its commit record) is remembered for that account, in Redis when
 *   the processes share one (a write on one process, the next read on another) and in this process. The account's
 *   reads go to the primary until a replica's pg_last_wal_replay_lsn() has passed it. Not pg_current_wal_lsn(): that
 *   is the position written so far, and with synchronous_commit off a commit returns before its record is written;
 *   the test's primary runs so, and a writer read its stale replica through that gap.
 * - A monitor asks the primary for its WAL position and each replica for its replay position every `checkIntervalMs`;
 *   a replica's lag is how long ago the primary was at a position the replica has not replayed yet (0 when it has
 *   replayed everything the primary had at the last look). Time, not bytes: the bound a user thinks in.
 */
export interface ReplicaSettings extends ReplicaConfig {
  /** Connections to each replica. */
  poolSize: number;
}

/** What /ready says of each database. */
export interface DatabaseHealth {
  role: 'primary' | 'replica';
  /**
   * `primary`, or `replica N` for the Nth URL of DATABASE_READ_URL: /ready answers anyone who can reach the port, so
   * it names no host.
   */
  name: string;
  /** The database answered its last check. */
  reachable: boolean;
  /** Replicas: how far behind the primary at the last check (ms), and whether reads go to it. */
  lagMs?: number | null;
  serving?: boolean;
}

type QueryRows = (text: string, values: unknown[], name?: string) => Promise<unknown[]>;

interface Replica {
  name: string;
  /** host:port/database, for the log. */
  host: string;
  pool: pg.Pool;
  queryRows: QueryRows;
  reachable: boolean;
  replayLsn: bigint | null;
  lagMs: number | null;
}

interface Sample {
  at: number;
  lsn: bigint;
}

export interface ReplicaRouter {
  /** A replica's reader for this account's next reads, or null: read from the primary. */
  chooseFor(accountId: string): Promise<QueryRows | null>;
  /** After an account's write has committed: its reads stay on the primary until a replica has replayed it. */
  noteWrite(accountId: string): Promise<void>;
  /** A read on `reader` failed: the monitor's next look decides whether it serves again. */
  readFailed(reader: QueryRows): void;
  /** Each replica as the last look found it. */
  health(): DatabaseHealth[];
  close(): Promise<void>;
}

/** `X/Y` (two hexadecimal halves) as a number, so positions compare. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

export function openReplicaRouter(primaryRows: QueryRows, settings: ReplicaSettings, onError: (message: string) => void = () => {}): ReplicaRouter {
  const replicas: Replica[] = settings.urls.map((url, index) => {
    // A replica that does not answer within a second is skipped for this read (the primary answers it).
    const pool = new pg.Pool({ connectionString: url, max: settings.poolSize, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {});
    return {
      name: `replica ${index + 1}`,
      host: databaseName(url),
      pool,
      queryRows: async (text, values, name) => (await pool.query({ name, text, values, types: readTypes })).rows,
      reachable: false,
      replayLsn: null,
      lagMs: null,
    };
  });
  const writes = openWriteLog(settings.redisUrl, onError);
  // Primary positions seen in the last minute, oldest first: enough to measure any lag up to the bound.
  const samples: Sample[] = [];
  const keepSamplesMs = Math.max(60_000, settings.maxLagMs * 2);
  let next = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function check(): Promise<void> {
    const now = Date.now();
    try {
      const [row] = (await primaryRows('SELECT pg_current_wal_insert_lsn()::text AS lsn', [])) as Array<{ lsn: string }>;
      samples.push({ at: now, lsn: parseLsn(row!.lsn) });
    } catch {
      // The primary is down: the replicas keep serving what they have (no new samples, so no lag grows).
    }
    while (samples.length > 1 && now - samples[0]!.at > keepSamplesMs) samples.shift();
    await Promise.all(
      replicas.map(async (replica) => {
        try {
          const [row] = (await replica.queryRows(
            'SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS recovering',
            [],
          )) as Array<{ lsn: string | null; recovering: boolean }>;
          // A server that is not replaying (promoted, or a primary named by mistake) has no position to compare.
          if (!row!.recovering || row!.lsn === null) throw new Error(`${replica.host} is not a streaming replica`);
          replica.replayLsn = parseLsn(row!.lsn);
          const behind = samples.find((sample) => sample.lsn > replica.replayLsn!);
          replica.lagMs = behind ? now - behind.at : 0;
          replica.reachable = true;
        } catch (error) {
          if (replica.reachable) onError(`${replica.name} (${replica.host}) skipped: ${(error as Error).message}`);
          replica.reachable = false;
          replica.lagMs = null;
        }
      }),
    );
  }

  function loop(): void {
    if (stopped) return;
    check().finally(() => {
      if (!stopped) timer = setTimeout(loop, settings.checkIntervalMs).unref();
    });
  }
  const firstCheck = check();
  firstCheck.finally(() => {
    if (!stopped) timer = setTimeout(loop, settings.checkIntervalMs).unref();
  });

  const serving = (replica: Replica) => replica.reachable && replica.lagMs !== null && replica.lagMs <= settings.maxLagMs;

  return {
    async chooseFor(accountId) {
      const candidates = replicas.filter(serving);
      if (candidates.length === 0) return null;
      const written = await writes.positionOf(accountId);
      const caughtUp = written === null ? candidates : candidates.filter((replica) => replica.replayLsn! >= written);
      if (caughtUp.length === 0) return null;
      // Round robin over those that qualify.
      const replica = caughtUp[next++ % caughtUp.length]!;
      return replica.queryRows;
    },
    async noteWrite(accountId) {
      try {
        const [row] = (await primaryRows('SELECT pg_current_wal_insert_lsn()::text AS lsn', [])) as Array<{ lsn: string }>;
        await writes.record(accountId, parseLsn(row!.lsn));
      } catch (error) {
        // The position could not be read (the primary went away after the commit): this process keeps the account on
        // the primary for as long as the bound, so it never reads from a replica that might predate the write.
        writes.recordUnknown(accountId, settings.maxLagMs);
        onError(`write position of an account unknown: ${(error as Error).message}`);
      }
    },
    readFailed(reader) {
      const replica = replicas.find((candidate) => candidate.queryRows === reader);
      if (replica) replica.reachable = false;
    },
    health() {
      return replicas.map((replica) => ({
        role: 'replica' as const,
        name: replica.name,
        reachable: replica.reachable,
        lagMs: replica.lagMs,
        serving: serving(replica),
      }));
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await firstCheck.catch(() => {});
      await writes.close();
      await Promise.all(replicas.map((replica) => replica.pool.end()));
    },
  };
}

/** Each account's last write position: in Redis for every process (when shared) and in this one. */
interface WriteLog {
  record(accountId: string, lsn: bigint): Promise<void>;
  /** Keeps the account on the primary for `ms` (its write position could not be read). */
  recordUnknown(accountId: string, ms: number): void;
  /** The highest position recorded for the account, or null (none recent): compare with a replica's replay. */
  positionOf(accountId: string): Promise<bigint | null>;
  close(): Promise<void>;
}

/**
 * A write older than a minute is past any replica that serves (the lag bound is seconds), so positions are kept that
 * long: 10,000 accounts writing in one minute is at most about 1 MB here and in Redis.
 */
const WRITE_POSITION_TTL_MS = 60_000;
/** Never below any real position: a replica cannot have replayed it. */
const UNKNOWN_POSITION = 1n << 62n;

// Only ever raised: of two processes recording one account's writes, the later position stays.
const RECORD_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

function openWriteLog(redisUrl: string | null, onError: (message: string) => void): WriteLog {
  const local = new LRUCache<string, bigint>({ max: 10_000, ttl: WRITE_POSITION_TTL_MS });
  const redis: Redis | null = redisUrl ? openSharedRedis(redisUrl) : null;
  const key = (accountId: string) => `cg:lsn:${accountId}`;
  let warned = false;
  const unavailable = (error: unknown) => {
    if (!warned) onError(`read-your-writes: Redis unavailable, write positions kept in this process only: ${(error as Error).message}`);
    warned = true;
  };
  return {
    async record(accountId, lsn) {
      const known = local.get(accountId);
      if (known === undefined || lsn > known) local.set(accountId, lsn);
      if (!redis) return;
      try {
        // LSNs stay below 2^53 for petabytes of WAL, so Lua's numbers compare them exactly.
        await redis.eval(RECORD_SCRIPT, 1, key(accountId), lsn.toString(), WRITE_POSITION_TTL_MS);
        warned = false;
      } catch (error) {
        unavailable(error);
      }
    },
    recordUnknown(accountId, ms) {
      local.set(accountId, UNKNOWN_POSITION, { ttl: Math.max(ms, 1) });
    },
    async positionOf(accountId) {
      const known = local.get(accountId) ?? null;
      if (!redis) return known;
      try {
        const shared = await redis.get(key(accountId));
        warned = false;
        if (shared === null) return known;
        const position = BigInt(shared);
        return known === null || position > known ? position : known;
      } catch (error) {
        // Another process may have recorded a write this one has not seen: the primary answers until Redis does.
        unavailable(error);
        return UNKNOWN_POSITION;
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
