import { type Prisma, PrismaClient } from './generated/client.js';
import { openAdapter, type PinnedConnection } from './adapters.js';
import { type DatabaseConfig, databaseConfigFromEnv, describeDatabase } from './config.js';
import { applyMigrations } from './migrations.js';
import { type DatabaseHealth, openReplicaRouter, type ReplicaRouter } from './replicas.js';
import { type Notifications, pgliteNotifications, postgresNotifications, publishedSent, publishesThrough } from './notifications.js';

export type { PrismaClient } from './generated/client.js';
export type { DatabaseHealth } from './replicas.js';


/**
 * The one place that knows whether the data is in PGlite or PostgreSQL. Everything above it sees a
 * PrismaClient and a `ping` for readiness.
 */
export interface Database {
  prisma: PrismaClient;
  /** The rows of a read-only statement (see `RowReader`). */
  readRows: RowReader;
  config: DatabaseConfig;
  description: string;
  /** Many reads that should see one snapshot of the data (see `SnapshotReads`). */
  readInSnapshot: SnapshotReads;
  /** LISTEN/NOTIFY between the processes on this database (see notifications.ts); connects on first use. */
  notifications: Notifications;
  /**
   * One account's reads and writes, for one request: `readRows` may go to a read replica (DATABASE_READ_URL) that has
   * replayed the account's last write, and anything `prisma` writes keeps the account's reads on the primary until a
   * replica has replayed it too. Without replicas, the database's own `prisma` and `readRows`.
   */
  forAccount(accountId: string): AccountDatabase;
  /** True when the database (the primary) answers a trivial statement. */
  ping(): Promise<boolean>;
  /** Each database, for /ready: the primary (asked now) and each replica (as the last check found it). */
  health(): Promise<DatabaseHealth[]>;
  close(): Promise<void>;
}

export interface AccountDatabase {
  prisma: PrismaClient;
  readRows: RowReader;
  /**
   * A write that is one statement (RETURNING its rows), on the primary, noted as `prisma`'s writes are. Through
   * `readRows` it went to a read replica first, failed there (read-only), took the replica out of service until the
   * monitor's next look, ran on the primary, and was never noted, so the writer's next reads could miss it.
   */
  writeRows: RowReader;
}

/**
 * The rows of a read-only statement, outside any transaction, with the column types Prisma's `$queryRaw`
 * gives (uuid and text as strings, timestamptz as Date, int as number, arrays as arrays). On PostgreSQL it
 * skips Prisma's raw-query path: the hot reads (pages, counts, lookups by id) are most of a request's CPU
 * there, and the driver's own rows are what Prisma would hand back after converting them twice.
 */
export type RowReader = <Row>(statement: Prisma.Sql, options?: ReadOptions) => Promise<Row[]>;

export interface ReadOptions {
  /**
   * Run as a prepared statement on PostgreSQL (PGlite ignores it): parsed and planned once per connection
   * instead of once per request. node(id): 0.35-0.54 against 0.72-1.1 ms of PostgreSQL CPU per request, about
   * what separated us from PostGraphile, which prepares its statements. Only for statements whose plan does
   * not depend on the values (lookups by key, pages in key order): after five runs PostgreSQL may keep a
   * generic plan, which would ignore a search term's selectivity.
   */
  prepare?: boolean;
}

/**
 * Runs `work` with a reader for a long series of reads (an export's batches). On PostgreSQL its statements run on
 * one pooled connection in one REPEATABLE READ READ ONLY transaction, so they all see the data as it was at the
 * first: rows changed meanwhile are neither missed nor seen twice. That connection is held for as long as `work`
 * runs, so at most a quarter of the pool serves such work at once (more waits for a turn), and a
 * transaction left idle longer than `idleTimeoutMs` between two reads (a reader that stopped reading) is ended by
 * the server, failing the next read. On PGlite, whose one connection every request shares, holding it would stop
 * every other request, so `work` gets the plain reader: each statement sees the data as it is when it runs, and
 * other requests run between them.
 */
export type SnapshotReads = <T>(work: (readRows: RowReader) => Promise<T>, options: { idleTimeoutMs: number }) => Promise<T>;

/**
 * Each connection keeps every statement prepared on it for its life, so the texts that are prepared are
 * bounded: a statement past the bound runs unprepared. Each text's name is fixed for the life of the process,
 * so one name never stands for two texts (the driver refuses that).
 */
const MAX_PREPARED_TEXTS = 256;

export interface OpenDatabaseOptions {
  config?: DatabaseConfig;
  /** Apply pending migrations before returning. The embedded database always migrates itself. */
  migrate?: boolean;
  /** Called for every SQL statement Prisma sends (tests count them). */
  onQuery?: (sql: string) => void;
  log?: (line: string) => void;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const config = options.config ?? databaseConfigFromEnv();
  const adapter = await openAdapter(config);
  try {
    if (options.migrate || config.kind === 'pglite') {
      await applyMigrations(adapter.factory, { log: options.log });
    }
    const prisma = new PrismaClient({
      adapter: adapter.factory,
      log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [],
    });
    if (options.onQuery) {
      const onQuery = options.onQuery;
      (prisma as unknown as QueryEventSource).$on('query', (event) => onQuery(event.query));
    }
    await prisma.$connect();
    const queryRows = adapter.queryRows;
    const onQuery = options.onQuery;
    const preparedNames = new Map<string, string>();
    const preparedName = (text: string) => {
      let name = preparedNames.get(text);
      if (name === undefined && preparedNames.size < MAX_PREPARED_TEXTS) preparedNames.set(text, (name = `cg${preparedNames.size}`));
      return name;
    };
    // Live events' batches go to the driver, not through Prisma's client: its raw-statement path was a quarter
    // of a write's CPU in the benchmark's add/update mix (0.26 of 2.4 ms a write in a CPU profile), for one
    // statement that returns nothing Prisma needs to convert. PGlite has no driver path; Prisma sends them there.
    if (queryRows) publishesThrough(prisma, { $executeRaw: async (statement) => (await queryRows(statement.text, statement.values)).length });
    const readRows: RowReader = queryRows
      ? async <Row>(statement: Prisma.Sql, readOptions?: ReadOptions) => {
          onQuery?.(statement.text);
          return (await queryRows(statement.text, statement.values, readOptions?.prepare ? preparedName(statement.text) : undefined)) as Row[];
        }
      : <Row>(statement: Prisma.Sql) => prisma.$queryRaw<Row[]>(statement);
    const connect = adapter.connect;
    const readInSnapshot: SnapshotReads =
      config.kind === 'postgres' && connect ? snapshotReads(connect, Math.max(1, Math.floor(config.poolSize / 4)), onQuery) : (work) => work(readRows);
    let closed = false;
    const notifications = config.kind === 'postgres' ? postgresNotifications(config.url) : pgliteNotifications({ listen: adapter.listen! });
    const router =
      config.kind === 'postgres' && config.replicas && queryRows
        ? openReplicaRouter(queryRows, { ...config.replicas, poolSize: config.poolSize }, (message) => options.log?.(message))
        : null;
    const ping = async () => {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    };
    return {
      prisma,
      readRows,
      readInSnapshot,
      notifications,
      config,
      description: describeDatabase(config),
      forAccount: router
        ? (accountId) => accountDatabase(accountId, prisma, readRows, router, preparedName, onQuery)
        : () => ({ prisma, readRows, writeRows: readRows }),
      ping,
      async health() {
        return [{ role: 'primary', name: 'primary', reachable: await ping() }, ...(router?.health() ?? [])];
      },
      async close() {
        if (closed) return;
        closed = true;
        // Live events a write published just before: sent before the connections go (a CLI exits right after).
        await publishedSent(prisma);
        await router?.close();
        await notifications.close();
        await prisma.$disconnect();
        await adapter.close();
      },
    };
  } catch (error) {
    await adapter.close();
    throw error;
  }
}

/**
 * An account's request with read replicas: reads on the replica the router picks (once a request), or the primary;
 * after a write through `prisma` commits, the rest of the request reads from the primary and the router records the
 * write's position for the account's later requests, on any process. A replica read that fails is asked of the
 * primary: a replica going away costs a read its latency, not an error.
 */
function accountDatabase(
  accountId: string,
  prisma: PrismaClient,
  primaryReadRows: RowReader,
  router: ReplicaRouter,
  preparedName: (text: string) => string | undefined,
  onQuery?: (sql: string) => void,
): AccountDatabase {
  let wrote = false;
  let chosen: ReturnType<ReplicaRouter['chooseFor']> | undefined;
  const readRows: RowReader = async <Row>(statement: Prisma.Sql, readOptions?: ReadOptions) => {
    if (!wrote) {
      const replica = await (chosen ??= router.chooseFor(accountId).catch(() => null));
      if (replica) {
        onQuery?.(statement.text);
        try {
          return (await replica(statement.text, statement.values, readOptions?.prepare ? preparedName(statement.text) : undefined)) as Row[];
        } catch {
          router.readFailed(replica);
          chosen = undefined;
        }
      }
    }
    return primaryReadRows<Row>(statement, readOptions);
  };
  const afterWrite = async () => {
    wrote = true;
    await router.noteWrite(accountId);
  };
  const writeRows: RowReader = async <Row>(statement: Prisma.Sql, writeOptions?: ReadOptions) => {
    const rows = await primaryReadRows<Row>(statement, writeOptions);
    await afterWrite();
    return rows;
  };
  const client = noteWrites(prisma, afterWrite);
  publishesThrough(client, prisma);
  return { prisma: client, readRows, writeRows };
}

/** The model methods that write; every other one reads. */
const WRITE_METHODS = new Set(['create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany']);
/**
 * Client methods whose success may mean a write: a transaction, and raw statements (an INSERT ... RETURNING runs
 * through $queryRaw). Counting a read among them only sends the account's next reads to the primary.
 */
const WRITING_CLIENT_METHODS = new Set(['$transaction', '$executeRaw', '$executeRawUnsafe', '$queryRaw', '$queryRawUnsafe']);

/**
 * `prisma` as it is, but each write through it (at the top level: a transaction counts once, when it has committed)
 * is followed by `afterWrite` before its caller sees the result. A Proxy, not a client extension: made per request,
 * it costs two objects, and the transaction's own client (`tx`) stays Prisma's.
 */
function noteWrites(prisma: PrismaClient, afterWrite: () => Promise<void>): PrismaClient {
  const wrap =
    (method: (...args: unknown[]) => unknown, self: unknown) =>
    async (...args: unknown[]) => {
      const result = await method.apply(self, args);
      await afterWrite();
      return result;
    };
  const delegates = new Map<PropertyKey, unknown>();
  return new Proxy(prisma, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string') return value;
      if (WRITING_CLIENT_METHODS.has(property) && typeof value === 'function') return wrap(value as (...args: unknown[]) => unknown, target);
      if (property.startsWith('$') || typeof value !== 'object' || value === null) return value;
      let delegate = delegates.get(property);
      if (!delegate) {
        delegate = new Proxy(value, {
          get(model, method, modelReceiver) {
            const member = Reflect.get(model, method, modelReceiver);
            return typeof method === 'string' && WRITE_METHODS.has(method) && typeof member === 'function'
              ? wrap(member as (...args: unknown[]) => unknown, model)
              : member;
          },
        });
        delegates.set(property, delegate);
      }
      return delegate;
    },
  });
}

/**
 * PostgreSQL's side of SnapshotReads: at most `slots` transactions at once, the others queued in order. The reads go
 * to the driver as `readRows` does: through Prisma's interactive transaction the same export of 200,000 rows ran at
 * 115,000-150,000 rows a second against 155,000-175,000, and Prisma ends such a transaction after a fixed time
 * however busy it is, where this one ends only when left idle.
 */
function snapshotReads(connect: () => Promise<PinnedConnection>, slots: number, onQuery?: (sql: string) => void): SnapshotReads {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (work, { idleTimeoutMs }) => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      const connection = await connect();
      try {
        await connection.queryRows('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', []);
        await connection.queryRows(`SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.round(idleTimeoutMs))}`, []);
        const result = await work(async <Row>(statement: Prisma.Sql) => {
          onQuery?.(statement.text);
          return (await connection.queryRows(statement.text, statement.values)) as Row[];
        });
        await connection.queryRows('COMMIT', []);
        connection.release();
        return result;
      } catch (error) {
        // The connection may be in a failed transaction, or gone (the idle timeout ends the session): not reused.
        connection.release(error as Error);
        throw error;
      }
    } finally {
      // The slot passes straight to the next in line, or frees.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

// PrismaClient's `$on` is typed only when the log option is a literal; the option here is chosen at run time.
interface QueryEventSource {
  $on(event: 'query', listener: (event: { query: string }) => void): void;
}
