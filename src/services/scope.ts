import type { PrismaClient } from '../db/database.js';

/** Every read and write of tenant data runs inside one account's scope. */
export interface AccountScope {
  prisma: PrismaClient;
  accountId: string;
}
