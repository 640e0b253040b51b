import path from 'node:path';
import { openAdapter } from '../db/adapters.js';
import { databaseConfigFromEnv, describeDatabase } from '../db/config.js';
import { applyMigrations, createMigration } from '../db/migrations.js';

const USAGE = 'usage: migrate.ts deploy | migrate.ts create <name>';

/** Applies pending migrations to the database chosen by DATABASE_URL / DATA_DIR. */
async function deploy(): Promise<void> {
  const config = databaseConfigFromEnv();
  const database = await openAdapter(config);
  try {
    const applied = await applyMigrations(database.factory, { log: (line) => console.log(line) });
    const where = describeDatabase(config);
    console.log(
      applied.length === 0
        ? `No pending migrations: ${where} is up to date`
        : `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${where}`,
    );
  } finally {
    await database.close();
  }
}

/** Writes a migration holding whatever the schema has that the committed migrations do not. */
async function create(name: string | undefined): Promise<void> {
  if (!name) throw new Error(`missing migration name (${USAGE})`);
  const directory = await createMigration(name);
  if (directory === null) {
    console.log('prisma/schema.prisma and prisma/migrations agree: no migration needed');
    return;
  }
  console.log(`Created ${path.relative(process.cwd(), path.join(directory, 'migration.sql'))}`);
}

async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === 'deploy' && rest.length === 0) return deploy();
  if (command === 'create' && rest.length <= 1) return create(rest[0]);
  throw new Error(USAGE);
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`migrate: ${message.trim().replace(/\s*\n\s*/g, ' ')}`);
    process.exitCode = 1;
  },
);
