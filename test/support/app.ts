import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/db/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { listen, type RunningServer } from '../../src/http.js';
import { createGateway, type GatewayOptions } from '../../src/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { type HardeningConfig, hardeningConfigFromEnv } from '../../src/http/config.js';
import { createAccountWithKey } from '../../src/services/accounts.js';

/** Which engine this run of the suite uses: `npm test` runs it once with each. */
export const testEngine: 'pglite' | 'postgres' = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';
export const postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: Array<{ message: string; locations?: Array<{ line: number; column: number }>; path?: (string | number)[]; extensions?: Record<string, any> }> };
}

export interface TestApp {
  url: string;
  database: Database;
  /** What the gateway logged: each line's message and its parsed JSON object. */
  logged: Array<{ message: string; fields: Record<string, any> }>;
  /** The raw log lines, exactly as they would reach stdout. */
  logLines: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { key?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  /** A new account and its key; the default key of `gql` is the first account's. */
  createAccount(name?: string): Promise<{ key: string; accountId: string; keyId: string }>;
  close(): Promise<void>;
}

/** A scratch database of its own: a temp PGlite directory, or a uniquely named PostgreSQL database. */
export async function createScratchDatabase(options: { onDisk?: boolean } = {}): Promise<{ config: DatabaseConfig; drop(): Promise<void> }> {
  if (testEngine === 'pglite' && !options.onDisk) {
    // The same engine as on disk, without the file system: suites that only talk to one server use it.
    return { config: { kind: 'pglite', dataDir: 'memory://' }, drop: async () => {} };
  }
  if (testEngine === 'pglite') {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cg-test-'));
    return { config: { kind: 'pglite', dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `cg_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: url.toString(), poolSize: 10 },
    async drop() {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The built-in limits, whatever this shell's environment says: suites that need others pass them. */
export const defaultHardening: HardeningConfig = hardeningConfigFromEnv({});

/**
 * A statement of the live-event bus (src/db/notifications.ts publishAfterCommit): sent a few milliseconds after a
 * write commits, batched with other requests' events, so it lands in whichever request's count is open then (an
 * import before a counted read put one in the read's). Statement counts per request leave them out.
 */
export const isLiveEventPublish = (sql: string) => sql.includes('pg_notify(');

export interface TestAppOptions {
  onQuery?: (sql: string) => void;
  hardening?: Partial<HardeningConfig>;
  /** Rewrites how the server reaches its scratch database (e.g. through a TCP proxy); migrations use the original. */
  connectThrough?: (config: DatabaseConfig) => DatabaseConfig;
  gateway?: Pick<GatewayOptions, 'metrics' | 'tracing' | 'schema' | 'apiKeyCacheTtlMs' | 'liveKeepAliveMs'>;
  /** A database made by the test (e.g. a primary with read replicas, test/support/replica.ts) instead of a scratch one. */
  scratch?: { config: DatabaseConfig; drop(): Promise<void> };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const scratch = options.scratch ?? (await createScratchDatabase());
  if (options.connectThrough) await (await openDatabase({ config: scratch.config, migrate: true })).close();
  const serverConfig = options.connectThrough ? options.connectThrough(scratch.config) : scratch.config;
  const database = await openDatabase({ config: serverConfig, migrate: !options.connectThrough, onQuery: options.onQuery });
  const logged: TestApp['logged'] = [];
  const logLines: string[] = [];
  const logger = createLogger({
    destination: {
      write(line: string) {
        logLines.push(line);
        const fields = JSON.parse(line) as Record<string, any>;
        logged.push({ message: fields.msg, fields });
      },
    },
  });
  const gateway = createGateway({ database, logger, hardening: { ...defaultHardening, ...options.hardening }, ...options.gateway });
  const running: RunningServer = await listen(gateway, 0, '127.0.0.1');
  let defaultKey: string | null = null;

  const app: TestApp = {
    url: running.url,
    database,
    logged,
    logLines,
    async gql(query, variables, requestOptions = {}) {
      const key = requestOptions.key === undefined ? defaultKey : requestOptions.key;
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(key ? { 'x-dexatel-key': key } : {}),
          ...requestOptions.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async createAccount(name = 'Test account') {
      const created = await createAccountWithKey(database.prisma, name);
      defaultKey ??= created.key;
      return { key: created.key, accountId: created.account.id, keyId: created.apiKey.id };
    },
    async close() {
      await running.stop(1000);
      await gateway.dispose();
      await database.close();
      await scratch.drop();
    },
  };
  return app;
}

/** The single error of a response, for asserting its extensions. */
export function onlyError(response: GraphQLResponse) {
  const errors = response.body.errors ?? [];
  if (errors.length !== 1) throw new Error(`expected exactly one error, got ${JSON.stringify(response.body)}`);
  return errors[0]!;
}
