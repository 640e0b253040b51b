import type { PrismaClient } from '../db/database.js';
import { phoneCountry } from '../domain/phone.js';

/**
 * Contacts written before numbers carried their country (the migration segments) get it here, from
 * libphonenumber as writes do; each contact's audience rows follow through the trigger contact_give_phone.
 * Batches in id order, so a large table is never one long transaction; a number of no single country (+800)
 * stays null and is looked at again by the next run (there are few: a run that finds none costs one scan).
 */
export async function fillMissingCountries(prisma: Pick<PrismaClient, '$queryRaw' | '$executeRaw'>, batchSize = 5_000): Promise<number> {
  let filled = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await prisma.$queryRaw<Array<{ id: string; phone: string }>>`
      SELECT id::text AS id, phone FROM contact WHERE country IS NULL AND id > ${after}::uuid ORDER BY id LIMIT ${batchSize}`;
    if (rows.length === 0) return filled;
    const known = rows.flatMap((row) => {
      const country = phoneCountry(row.phone);
      return country ? [{ id: row.id, country }] : [];
    });
    if (known.length) {
      filled += await prisma.$executeRaw`
        UPDATE contact c SET country = v.country
        FROM unnest(${known.map((row) => row.id)}::uuid[], ${known.map((row) => row.country)}::text[]) AS v(id, country)
        WHERE c.id = v.id AND c.country IS NULL`;
    }
    after = rows.at(-1)!.id;
  }
}
