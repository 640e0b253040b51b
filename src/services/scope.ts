import type { PrismaClient, RowReader } from '../db/database.js';

/** Every read and write of tenant data runs inside one account's scope. */
export interface AccountScope {
  prisma: PrismaClient;
  /** Reads outside transactions: pages, counts and lookups by id. */
  readRows: RowReader;
  accountId: string;
}
