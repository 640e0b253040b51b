import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGlite } from '../src/db/adapters.js';
import {
  applyMigrations,
  checkMigrationHistory,
  defaultMigrationsDir,
  defaultSchemaPath,
  diffSchemaFromMigrations,
} from '../src/db/migrations.js';

// Engine start-up and a PGlite start take a few seconds on a busy machine; nothing here should take long.
const SLOW = 60_000;
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MODEL_TABLES = ['_prisma_migrations', 'account', 'api_key', 'audience', 'audience_contact', 'contact', 'idempotency_key'];

const committedMigrations = fs
  .readdirSync(defaultMigrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the committed migrations (and schema) that a test may change. */
function copyOfProject(): { migrationsDir: string; schemaPath: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-test-'));
  scratchDirs.push(dir);
  const migrationsDir = path.join(dir, 'migrations');
  const schemaPath = path.join(dir, 'schema.prisma');
  fs.cpSync(defaultMigrationsDir, migrationsDir, { recursive: true });
  fs.copyFileSync(defaultSchemaPath, schemaPath);
  return { migrationsDir, schemaPath };
}

async function withInMemoryPGlite<T>(work: (pglite: PGlite) => Promise<T>): Promise<T> {
  // 'memory://' rather than openPGlite(): with an undefined data directory PGlite drops its options,
  // pg_trgm included.
  const pglite = await openPGlite('memory://');
  try {
    return await work(pglite);
  } finally {
    await pglite.close();
  }
}

function publicTablesQuery(): string {
  return "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
}

it('has committed migrations to test', () => {
  expect(committedMigrations.length).toBeGreaterThan(0);
  expect(fs.existsSync(path.join(defaultMigrationsDir, 'migration_lock.toml'))).toBe(true);
});

describe('applying to PGlite', () => {
  it(
    'creates the tables on an empty database and applies nothing the second time',
    async () => {
      await withInMemoryPGlite(async (pglite) => {
        const factory = new PrismaPGlite(pglite);
        expect(await applyMigrations(factory)).toEqual(committedMigrations);

        const tables = await pglite.query<{ table_name: string }>(publicTablesQuery());
        expect(tables.rows.map((row) => row.table_name)).toEqual(MODEL_TABLES);
        const trigramIndexes = await pglite.query<{ indexname: string }>(
          "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '%gin_trgm_ops%'",
        );
        expect(trigramIndexes.rows.length).toBeGreaterThan(0);

        // Prisma's own bookkeeping, so `prisma migrate deploy` elsewhere agrees about what ran.
        const recorded = await pglite.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
          'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
        );
        expect(recorded.rows.map((row) => row.migration_name)).toEqual(committedMigrations);
        for (const row of recorded.rows) {
          const sql = fs.readFileSync(path.join(defaultMigrationsDir, row.migration_name, 'migration.sql'));
          expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
          expect(row.finished_at).not.toBeNull();
        }

        expect(await applyMigrations(factory)).toEqual([]);
      });
    },
    SLOW,
  );
});

describe('applying to PostgreSQL', () => {
  const databaseName = `migrations_test_${randomBytes(6).toString('hex')}`;
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/${databaseName}`;
  let admin: pg.Client | undefined;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${databaseName}"`);
  });

  afterAll(async () => {
    if (!admin) return;
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it(
    'creates the tables on an empty database and applies nothing the second time',
    async () => {
      const factory = new PrismaPg({ connectionString: databaseUrl.toString() });
      expect(await applyMigrations(factory)).toEqual(committedMigrations);
      expect(await applyMigrations(factory)).toEqual([]);

      const client = new pg.Client({ connectionString: databaseUrl.toString() });
      await client.connect();
      try {
        const tables = await client.query<{ table_name: string }>(publicTablesQuery());
        expect(tables.rows.map((row) => row.table_name)).toEqual(MODEL_TABLES);
        const recorded = await client.query<{ migration_name: string }>(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
        );
        expect(recorded.rows.map((row) => row.migration_name)).toEqual(committedMigrations);
      } finally {
        await client.end();
      }

      // The shadow database is an in-memory PGlite, never a scratch database on the server.
      const leftovers = await admin!.query("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'");
      expect(leftovers.rows).toEqual([]);
    },
    SLOW,
  );
});

describe('drift between prisma/schema.prisma and the migrations', () => {
  it(
    'finds none in the committed tree',
    async () => {
      const drift = await diffSchemaFromMigrations();
      // On failure the SQL shows what the missing migration would contain: run `npm run db:migration -- <name>`.
      expect(drift).toBeNull();
    },
    SLOW,
  );

  it(
    'reports the SQL of a migration that is missing',
    async () => {
      const { migrationsDir } = copyOfProject();
      const last = committedMigrations.at(-1)!;
      const lastSql = fs.readFileSync(path.join(migrationsDir, last, 'migration.sql'), 'utf8');
      fs.rmSync(path.join(migrationsDir, last), { recursive: true });

      const drift = await diffSchemaFromMigrations({ migrationsDir });
      expect(drift).not.toBeNull();
      // Every table the removed migration created comes back in the diff.
      for (const [, table] of lastSql.matchAll(/CREATE TABLE "(\w+)"/g)) {
        expect(drift).toContain(`CREATE TABLE "${table}"`);
      }
    },
    SLOW,
  );

  it(
    'reports a schema change that has no migration yet',
    async () => {
      const { migrationsDir, schemaPath } = copyOfProject();
      const schema = fs.readFileSync(schemaPath, 'utf8');
      const changed = schema.replace(/(model Contact \{\n)/, '$1  nickname String? @map("nickname")\n');
      expect(changed).not.toBe(schema);
      fs.writeFileSync(schemaPath, changed);

      const drift = await diffSchemaFromMigrations({ migrationsDir, schemaPath });
      expect(drift).toMatch(/ALTER TABLE "contact" ADD COLUMN\s+"nickname" TEXT/);
    },
    SLOW,
  );
});

describe('an applied migration edited afterwards', () => {
  it(
    'makes applyMigrations refuse and checkMigrationHistory report it',
    async () => {
      const { migrationsDir } = copyOfProject();
      await withInMemoryPGlite(async (pglite) => {
        const factory = new PrismaPGlite(pglite);
        expect(await checkMigrationHistory(factory, { migrationsDir })).toMatchObject({
          pending: committedMigrations,
          edited: [],
          consistent: true,
        });
        await applyMigrations(factory, { migrationsDir });
        expect(await checkMigrationHistory(factory, { migrationsDir })).toEqual({
          edited: [],
          failed: [],
          pending: [],
          unknown: [],
          consistent: true,
        });

        const edited = committedMigrations[0]!;
        fs.appendFileSync(path.join(migrationsDir, edited, 'migration.sql'), '\n-- a comment added after deployment\n');

        await expect(applyMigrations(factory, { migrationsDir })).rejects.toThrow(
          new RegExp(`${edited} changed after being applied`),
        );
        expect(await checkMigrationHistory(factory, { migrationsDir })).toMatchObject({
          edited: [edited],
          consistent: false,
        });
      });
    },
    SLOW,
  );
});
