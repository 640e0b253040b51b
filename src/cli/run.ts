import { databaseConfigFromEnv, describeDatabase } from '../db/config.js';
import { type Database, openDatabase } from '../db/database.js';
import { DataDirLockedError } from '../db/lock.js';
import type { Audience } from '../db/generated/client.js';
import { AppError } from '../domain/errors.js';
import { authenticateApiKey } from '../services/accounts.js';
import { requireAudience } from '../services/audiences.js';
import { createRequestScope, type RequestScope } from '../services/loaders.js';
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

/**
 * The account of an API key and one of its audiences, as the import and export commands address them; a key or
 * an audience that is not there is one line on stderr and exit code 1.
 */
export async function withAccountAudience(
  database: Database,
  key: string,
  audienceId: string,
  audienceArgument: string,
  work: (context: { scope: RequestScope; account: { id: string; name: string }; audience: Audience }) => Promise<number>,
): Promise<number> {
  const account = await authenticateApiKey(database.prisma, key);
  if (!account) {
    console.error('The API key is unknown or revoked. "npm run keys -- list" shows the keys; create one with "npm run keys -- create".');
    return 1;
  }
  const scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId: account.id });
  const audience = await requireAudience(scope, audienceId, 'audience').catch((error: unknown) => {
    if (error instanceof AppError) return null;
    throw error;
  });
  if (!audience) {
    console.error(`Audience ${audienceArgument} is not found in the account "${account.name}".`);
    return 1;
  }
  return work({ scope, account, audience });
}
