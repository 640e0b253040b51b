import type { PrismaClient, RowReader } from '../db/database.js';

/** Every read and write of tenant data runs inside one account's scope. */
export interface AccountScope {
  prisma: PrismaClient;
  /** Reads outside transactions: pages, counts and lookups by id. */
  readRows: RowReader;
  /**
   * A write that is one statement, outside transactions: on the primary, and the account's later reads follow it
   * there (see AccountDatabase). Absent where reads and writes go to one database: `readRows` then.
   */
  writeRows?: RowReader;
  accountId: string;
}
