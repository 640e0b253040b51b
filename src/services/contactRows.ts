import type { PrismaClient } from '../db/database.js';

/** A transaction client: the services' writes run inside one. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * The account's Contact for a phone number, created when there is none. Two statements on purpose:
 * under concurrent inserts of one number, ON CONFLICT waits for the winner and the second statement's
 * fresh snapshot then sees its row, where a single statement's snapshot would not.
 */
export async function findOrCreateContactId(tx: Tx, accountId: string, phone: string): Promise<string> {
  await tx.$executeRaw`
    INSERT INTO contact (account_id, phone) VALUES (${accountId}::uuid, ${phone})
    ON CONFLICT (account_id, phone) DO NOTHING`;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM contact WHERE account_id = ${accountId}::uuid AND phone = ${phone}`;
  return rows[0]!.id;
}
