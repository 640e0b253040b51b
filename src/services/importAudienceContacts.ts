import { type AudienceContactInput, validateAudienceContact, type ValidAudienceContact } from '../domain/audienceContact.js';
import { AppError, appError } from '../domain/errors.js';
import { limits } from '../domain/validation.js';
import { publishLive } from './liveEvents.js';
import type { AccountScope } from './scope.js';
import { analyzeAfterBulkWrite } from './tableStatistics.js';

export interface RejectedRow {
  index: number;
  /** The number as the row had it, so the client can find the row without the index. */
  number: string | null;
  code: string;
  numericCode: number | null;
  message: string;
  field: string | null;
}

export interface ImportResult {
  importedCount: number;
  updatedCount: number;
  rejected: RejectedRow[];
}

function rejection(index: number, number: string | null | undefined, error: AppError): RejectedRow {
  return {
    index,
    number: number ?? null,
    code: error.code,
    numericCode: error.numericCode,
    message: error.message,
    field: error.field ?? null,
  };
}

/**
 * Bulk upsert of up to 10,000 rows into one audience. Every row either lands (inserted or updated) or
 * comes back in `rejected` with its index; none vanish. A number repeated within the call is rejected
 * after its first occurrence, so one file cannot overwrite itself. Valid rows are written with a fixed
 * number of set-based statements in one transaction, whatever the row count.
 */
export async function importAudienceContacts(
  scope: AccountScope,
  audienceId: string,
  rows: AudienceContactInput[],
): Promise<ImportResult> {
  if (rows.length > limits.importRows) throw appError('IMPORT_TOO_LARGE', 'contacts');

  const rejected: RejectedRow[] = [];
  const valid: ValidAudienceContact[] = [];
  const firstIndexOf = new Map<string, number>();
  rows.forEach((row, index) => {
    try {
      const contact = validateAudienceContact(row);
      if (firstIndexOf.has(contact.number)) {
        throw appError('CONTACT_ALREADY_EXISTS', 'number', `Contact already exists: the same number is in row ${firstIndexOf.get(contact.number)} of this import`);
      }
      firstIndexOf.set(contact.number, index);
      valid.push(contact);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      rejected.push(rejection(index, row.number, error));
    }
  });

  const result = await scope.prisma.$transaction(
    async (tx) => {
      // Locking the audience row serialises this import with concurrent adds to the audience (their
      // foreign-key check waits for it), so the update-then-insert below sees a stable set of rows.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text AS id FROM audience WHERE id = ${audienceId}::uuid AND account_id = ${scope.accountId}::uuid FOR UPDATE`;
      if (!locked.length) throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
      if (!valid.length) return { importedCount: 0, updatedCount: 0, rejected };
      // This backend's row counts reach pg_stat_user_tables when it goes idle, at most once a second; forced,
      // they arrive before COMMIT answers, so the ANALYZE below resets a count that already holds them. Late,
      // they arrived after it and were counted again: the next import of 40 rows analyzed 3,000.
      await tx.$executeRaw`SELECT pg_stat_force_next_flush()`;

      // One statement, so the rows travel to the database once (they were sent three times, one copy per
      // statement, and each copy is a string of about 1 MB at 10,000 rows held by the driver and by Prisma).
      // Its parts see one snapshot, taken after the lock above: the audience's rows present before it are
      // updated, the others inserted, and an insert of a contact created by `contacts` passes its foreign
      // key, which is checked at the end of the statement.
      //
      // DO UPDATE (a no-op write) rather than DO NOTHING: RETURNING then yields every number's contact,
      // new or existing, and each existing contact stays locked until the transaction ends, so a concurrent
      // deleteContact cannot remove one under the import. Locks are taken in phone order, so two imports
      // sharing numbers cannot deadlock. A field a row leaves out keeps its stored value; an explicit null
      // clears it (as in an update). MATERIALIZED: right after a large import the tables have no statistics
      // yet (PGlite never analyzes), and the planner would otherwise rescan the JSON once per audience row.
      const payload = JSON.stringify(valid);
      const [counts] = await tx.$queryRaw<Array<{ updated: number; imported: number }>>`
        WITH input AS MATERIALIZED (
          SELECT e FROM jsonb_array_elements(${payload}::jsonb) AS e
        ),
        contacts AS (
          INSERT INTO contact (account_id, phone, country)
          SELECT ${scope.accountId}::uuid, e->>'number', e->>'country' FROM input ORDER BY e->>'number'
          ON CONFLICT (account_id, phone) DO UPDATE SET phone = EXCLUDED.phone
          RETURNING id, phone, country
        ),
        r AS MATERIALIZED (
          SELECT input.e, contacts.id AS contact_id, contacts.phone, contacts.country FROM input JOIN contacts ON contacts.phone = input.e->>'number'
        ),
        updated AS (
          UPDATE audience_contact ac SET
            first_name = CASE WHEN r.e ? 'firstName' THEN r.e->>'firstName' ELSE ac.first_name END,
            last_name = CASE WHEN r.e ? 'lastName' THEN r.e->>'lastName' ELSE ac.last_name END,
            timestamp = CASE WHEN r.e ? 'timestamp' THEN r.e->>'timestamp' ELSE ac.timestamp END,
            date = CASE WHEN r.e ? 'date' THEN r.e->>'date' ELSE ac.date END,
            tags = CASE WHEN r.e ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text(COALESCE(NULLIF(r.e->'tags', 'null'::jsonb), '[]'::jsonb))) ELSE ac.tags END,
            updated_at = now()
          FROM r
          WHERE ac.audience_id = ${audienceId}::uuid AND ac.contact_id = r.contact_id
          RETURNING 1
        ),
        inserted AS (
          INSERT INTO audience_contact (audience_id, contact_id, phone, country, first_name, last_name, timestamp, date, tags)
          SELECT ${audienceId}::uuid, r.contact_id, r.phone, r.country, r.e->>'firstName', r.e->>'lastName', r.e->>'timestamp', r.e->>'date',
            ARRAY(SELECT jsonb_array_elements_text(COALESCE(NULLIF(r.e->'tags', 'null'::jsonb), '[]'::jsonb)))
          FROM r
          WHERE NOT EXISTS (SELECT 1 FROM audience_contact ac WHERE ac.audience_id = ${audienceId}::uuid AND ac.contact_id = r.contact_id)
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM updated)::int AS updated, (SELECT count(*) FROM inserted)::int AS imported`;
      const updatedCount = counts!.updated;
      const importedCount = counts!.imported;

      return { importedCount, updatedCount, rejected };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  // Committed: plans for the next search must see the new rows (see tableStatistics.ts). Statistics are an
  // optimisation, so a failure to gather them does not fail an import whose rows have landed.
  const written = result.importedCount + result.updatedCount;
  if (written > 0) {
    // One summary event for the whole import, not one a row: 10,000 events would flood every subscriber.
    publishLive(scope.prisma, [{ kind: 'ROWS_BATCH', accountId: scope.accountId, audienceId, operation: 'IMPORT', added: result.importedCount, updated: result.updatedCount, removed: 0 }]);
    await Promise.all([
      analyzeAfterBulkWrite(scope.prisma, 'audience_contact', written),
      analyzeAfterBulkWrite(scope.prisma, 'contact', result.importedCount),
    ]).catch(() => {});
  }
  return result;
}
