import type { PrismaClient } from '../db/database.js';

/** A transaction client: the services' writes run inside one. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * The account's Contact for a phone number, created when there is none. Two statements on purpose:
 * under concurrent inserts of one number, ON CONFLICT waits for the winner and the second statement's
 * fresh snapshot then sees its row, where a single statement's snapshot would not.
 */
export async function findOrCreateContactId(tx: Tx, accountId: string, phone: string, country: string | null): Promise<string> {
  // FOR SHARE holds the row until the transaction ends, so a concurrent deleteContact cannot remove it
  // before the caller links it; if one removed it between the two statements, the next round recreates it.
  for (let attempt = 0; attempt < 3; attempt++) {
    await tx.$executeRaw`
      INSERT INTO contact (account_id, phone, country) VALUES (${accountId}::uuid, ${phone}, ${country})
      ON CONFLICT (account_id, phone) DO NOTHING`;
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM contact WHERE account_id = ${accountId}::uuid AND phone = ${phone} FOR SHARE`;
    if (rows[0]) return rows[0].id;
  }
  throw new Error(`contact ${phone} was deleted three times while being linked`);
}

/**
 * Which of these audiences the account owns, each locked (FOR SHARE) until the transaction ends: a
 * concurrent deleteAudience waits, so rows linked to them never meet a vanished audience.
 */
export async function lockOwnedAudiences(tx: Tx, accountId: string, audienceIds: string[]): Promise<Set<string>> {
  if (audienceIds.length === 0) return new Set();
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM audience WHERE account_id = ${accountId}::uuid AND id = ANY(${audienceIds}::uuid[]) FOR SHARE`;
  return new Set(rows.map((row) => row.id));
}
