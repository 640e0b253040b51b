import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { createAudience } from '../src/services/audiences.js';
import { importAudienceContacts } from '../src/services/importAudienceContacts.js';
import { createRequestScope, type RequestScope } from '../src/services/loaders.js';
import { createScratchDatabase } from './support/app.js';

// Autovacuum is off on these machines, and late anywhere after a bulk load: the gateway analyzes what an
// import changed, by autovacuum's own rule, so the next search is planned on statistics of the rows it has.

let database: Database;
let drop: () => Promise<void>;
let scope: RequestScope;

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  drop = scratch.drop;
  database = await openDatabase({ config: scratch.config, migrate: true });
  const accountId = (await createAccountWithKey(database.prisma, 'Statistics')).account.id;
  scope = createRequestScope({ prisma: database.prisma, readRows: database.readRows, accountId });
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

const statistics = async () => {
  const rows = await database.prisma.$queryRaw<Array<{ relname: string; reltuples: number }>>`
    SELECT relname::text, reltuples::float8 AS reltuples FROM pg_class WHERE relname IN ('audience_contact', 'contact') ORDER BY relname`;
  return Object.fromEntries(rows.map((row) => [row.relname, row.reltuples]));
};
const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ number: `+1415${String(5_000_000 + from + i)}`, firstName: `N${i}` }));

describe('statistics after an import', () => {
  it('a bulk import into a table never analyzed leaves it analyzed, with its new row count', async () => {
    expect((await statistics()).audience_contact).toBeLessThanOrEqual(0);
    const audience = await createAudience(scope, { name: 'Bulk', channel: 'SMS' });
    const result = await importAudienceContacts(scope, audience.id, rows(0, 3_000));
    expect(result.importedCount).toBe(3_000);
    expect(await statistics()).toEqual({ audience_contact: 3_000, contact: 3_000 });
  });

  it('an import that changes less than autovacuum’s threshold (50 + 10 %) leaves the statistics as they were; a larger one refreshes them', async () => {
    const audience = await createAudience(scope, { name: 'Trickle', channel: 'SMS' });
    await importAudienceContacts(scope, audience.id, rows(10_000, 40));
    expect((await statistics()).audience_contact).toBe(3_000);
    await importAudienceContacts(scope, audience.id, rows(20_000, 400));
    expect((await statistics()).audience_contact).toBe(3_440);
  });
});
