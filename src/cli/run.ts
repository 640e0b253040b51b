import { databaseConfigFromEnv, describeDatabase } from '../db/config.js';
import { type Database, openDatabase } from '../db/database.js';
import { DataDirLockedError } from '../db/lock.js';
import { AppError } from '../domain/errors.js';
import { withStatus } from './progress.js';

/** The server's database (DATABASE_URL or DATA_DIR) for one command, saying so while it opens, always closed after. */
export async function withCliDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const config = databaseConfigFromEnv();
  const database = await withStatus(`Opening ${describeDatabase(config)}`, () => openDatabase({ config }));
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** Runs a command's main and exits with its code; a failure becomes one line on stderr and exit code 1. */
export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof DataDirLockedError) console.error(error.message);
      else if (error instanceof AppError) console.error(`${name}: ${error.message} (${error.code})`);
      else console.error(`${name}: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
