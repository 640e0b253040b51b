import { type AudienceContactInput, validateAudienceContact, type ValidAudienceContact } from '../domain/audienceContact.js';
import { AppError, appError } from '../domain/errors.js';
import { limits } from '../domain/validation.js';
import type { AccountScope } from './scope.js';

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

  return scope.prisma.$transaction(
    async (tx) => {
      // Locking the audience row serialises this import with concurrent adds to the audience (their
      // foreign-key check waits for it), so the update-then-insert below sees a stable set of rows.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text AS id FROM audience WHERE id = ${audienceId}::uuid AND account_id = ${scope.accountId}::uuid FOR UPDATE`;
      if (!locked.length) throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
      if (!valid.length) return { importedCount: 0, updatedCount: 0, rejected };

      const payload = JSON.stringify(valid);
      // DO UPDATE (a no-op write) rather than DO NOTHING: it locks each existing contact until this
      // transaction ends, so a concurrent deleteContact cannot remove one between this statement and the
      // joins below, which would silently drop its row from the import. Locks are taken in phone order,
      // so two imports sharing numbers cannot deadlock.
      await tx.$executeRaw`
        INSERT INTO contact (account_id, phone)
        SELECT ${scope.accountId}::uuid, e->>'number' FROM jsonb_array_elements(${payload}::jsonb) AS e
        ORDER BY e->>'number'
        ON CONFLICT (account_id, phone) DO UPDATE SET phone = EXCLUDED.phone`;

      // A field a row leaves out keeps its stored value; an explicit null clears it (as in an update).
      // MATERIALIZED: right after a large import the tables have no statistics yet (PGlite never analyzes),
      // and the planner then rescans the JSON once per audience row; 10,000 rows into an audience of
      // 20,000 took 20-40 s instead of well under one.
      const updatedCount = await tx.$executeRaw`
        WITH r AS MATERIALIZED (
          SELECT e, c.id AS contact_id
          FROM jsonb_array_elements(${payload}::jsonb) AS e
          JOIN contact c ON c.account_id = ${scope.accountId}::uuid AND c.phone = e->>'number'
        )
        UPDATE audience_contact ac SET
          first_name = CASE WHEN r.e ? 'firstName' THEN r.e->>'firstName' ELSE ac.first_name END,
          last_name = CASE WHEN r.e ? 'lastName' THEN r.e->>'lastName' ELSE ac.last_name END,
          timestamp = CASE WHEN r.e ? 'timestamp' THEN r.e->>'timestamp' ELSE ac.timestamp END,
          date = CASE WHEN r.e ? 'date' THEN r.e->>'date' ELSE ac.date END,
          tags = CASE WHEN r.e ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text(COALESCE(NULLIF(r.e->'tags', 'null'::jsonb), '[]'::jsonb))) ELSE ac.tags END,
          updated_at = now()
        FROM r
        WHERE ac.audience_id = ${audienceId}::uuid AND ac.contact_id = r.contact_id`;

      const importedCount = await tx.$executeRaw`
        INSERT INTO audience_contact (audience_id, contact_id, first_name, last_name, timestamp, date, tags)
        SELECT ${audienceId}::uuid, c.id, e->>'firstName', e->>'lastName', e->>'timestamp', e->>'date',
          ARRAY(SELECT jsonb_array_elements_text(COALESCE(NULLIF(e->'tags', 'null'::jsonb), '[]'::jsonb)))
        FROM jsonb_array_elements(${payload}::jsonb) AS e
        JOIN contact c ON c.account_id = ${scope.accountId}::uuid AND c.phone = e->>'number'
        WHERE NOT EXISTS (SELECT 1 FROM audience_contact ac WHERE ac.audience_id = ${audienceId}::uuid AND ac.contact_id = c.id)`;

      return { importedCount, updatedCount, rejected };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}
