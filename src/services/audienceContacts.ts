import type { AudienceContact } from '../db/generated/client.js';
import {
  type AudienceContactDetails,
  type AudienceContactInput,
  detailsToColumns,
  validateAudienceContact,
  validateAudienceContactDetails,
} from '../domain/audienceContact.js';
import { appError } from '../domain/errors.js';
import { findOrCreateContactId, lockOwnedAudiences } from './contactRows.js';
import { isUniqueViolation } from './errors.js';
import { publishLive, type RowChange } from './liveEvents.js';
import type { AudienceContactRow, RequestScope } from './loaders.js';
import type { AccountScope } from './scope.js';
import { columns, empty, join, raw, type Sql, sql } from './sql.js';

export async function getAudienceContact(scope: RequestScope, id: string): Promise<AudienceContact | null> {
  return scope.loaders.audienceContactById.load(id);
}

/**
 * An audience contact addressed through its audience (the seed API's paths): AUDIENCE_NOT_FOUND when the
 * audience is not the account's, CONTACT_NOT_FOUND when the contact is not in it.
 */
export async function requireAudienceContactIn(scope: RequestScope, audienceId: string, id: string): Promise<AudienceContactRow> {
  const [audience, row] = await Promise.all([scope.loaders.audienceById.load(audienceId), scope.loaders.audienceContactById.load(id)]);
  if (!audience) throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
  if (!row || row.audienceId !== audienceId) throw appError('CONTACT_NOT_FOUND', 'id');
  return row;
}

/** Why a write addressed through an audience found no row: the audience is not the account's, or the contact is not in it. */
async function notFoundIn(scope: AccountScope, audienceId: string | undefined): Promise<never> {
  if (audienceId !== undefined) {
    const owned = await scope.readRows<{ id: string }>(sql`SELECT id FROM audience WHERE id = ${audienceId}::uuid AND account_id = ${scope.accountId}::uuid`);
    if (!owned.length) throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
  }
  throw appError('CONTACT_NOT_FOUND', 'id');
}

/** Adds a number to an audience: finds or creates the account's Contact, then links it (1360 when linked). */
export async function addAudienceContact(
  scope: AccountScope,
  audienceId: string,
  input: AudienceContactInput,
): Promise<AudienceContact> {
  const contact = validateAudienceContact(input);
  const { number, country, ...details } = contact;
  try {
    const [linked] = await linkExistingContact(scope, audienceId, number, details);
    if (linked) return told(scope, 'ROW_ADDED', linked);
    // No such audience, or no such contact yet: the transaction below creates the contact or says which.
    const created = await scope.prisma.$transaction(async (tx) => {
      const owned = await lockOwnedAudiences(tx, scope.accountId, [audienceId]);
      if (!owned.has(audienceId)) throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
      const contactId = await findOrCreateContactId(tx, scope.accountId, number, country);
      return tx.audienceContact.create({ data: { audienceId, contactId, number, country, ...detailsToColumns(details) } });
    });
    return told(scope, 'ROW_ADDED', created);
  } catch (error) {
    // The (audience, contact) unique constraint decides races: of concurrent adds, exactly one wins.
    if (isUniqueViolation(error)) throw appError('CONTACT_ALREADY_EXISTS', 'number');
    throw error;
  }
}

/**
 * The common case of an add, an existing contact into an existing audience, as one statement instead of a
 * transaction of four: both rows are locked (FOR SHARE) as the transaction's are, so a concurrent delete of
 * either waits or wins cleanly; when either is missing nothing is inserted and no row comes back.
 */
function linkExistingContact(scope: AccountScope, audienceId: string, number: string, details: AudienceContactDetails) {
  const { firstName = null, lastName = null, timestamp = null, date = null, tags = [] } = detailsToColumns(details);
  return singleStatementWrite<AudienceContact>(scope, sql`
    WITH a AS (SELECT id FROM audience WHERE id = ${audienceId}::uuid AND account_id = ${scope.accountId}::uuid FOR SHARE),
         c AS (SELECT id, phone, country FROM contact WHERE account_id = ${scope.accountId}::uuid AND phone = ${number} FOR SHARE)
    INSERT INTO audience_contact AS t (audience_id, contact_id, phone, country, first_name, last_name, timestamp, date, tags)
    SELECT a.id, c.id, c.phone, c.country, ${firstName}, ${lastName}, ${timestamp}, ${date}, ${tags}::text[] FROM a, c
    RETURNING ${columns.audienceContact}`);
}

/**
 * A write that is one statement, so needs no transaction of its own: it goes to the driver's pool on the primary
 * (`writeRows`, in autocommit, noted for read-your-writes where reads may go to a replica), not through Prisma's client, whose query building was 19 % of the server's CPU in the
 * benchmark's add/update mix (cpu profile, 8 connections). PostgreSQL's own errors come back as they are
 * (a unique violation as SQLSTATE 23505, which isUniqueViolation reads). Prepared: a write's plan is a lookup
 * by key whatever the values, and with it PostgreSQL's CPU per write went from 1.25-1.8 to 0.84-0.98 ms.
 */
function singleStatementWrite<Row>(scope: AccountScope, statement: Sql): Promise<Row[]> {
  return (scope.writeRows ?? scope.readRows)<Row>(statement, { prepare: true });
}

/** A committed change of one row, told to live subscribers (see liveEvents.ts); the row, for the caller to return. */
function told<Row extends { id: string; audienceId: string; contactId: string }>(scope: AccountScope, kind: RowChange, row: Row): Row {
  publishLive(scope.prisma, [{ kind, accountId: scope.accountId, audienceId: row.audienceId, rowId: row.id, contactId: row.contactId }]);
  return row;
}

/** The columns an audience contact's details are stored in. */
const detailColumn = { firstName: raw('first_name'), lastName: raw('last_name'), timestamp: raw('timestamp'), date: raw('date') } as const;

/** Seed 002's PUT: an omitted field keeps its value, an explicit null clears it. */
export async function updateAudienceContact(
  scope: AccountScope,
  id: string,
  input: Omit<AudienceContactInput, 'number'>,
  inAudienceId?: string,
): Promise<AudienceContact> {
  const { tags, ...text } = detailsToColumns(validateAudienceContactDetails(input));
  const assignments = [
    ...Object.entries(text).map(([field, value]) => sql`${detailColumn[field as keyof typeof detailColumn]} = ${value}`),
    ...(tags === undefined ? [] : [sql`tags = ${tags}::text[]`]),
    // As Prisma's @updatedAt did, on every update (the column keeps milliseconds).
    sql`updated_at = now()`,
  ];
  // One statement, the account's ownership checked through the audience in the same statement.
  const updated = await singleStatementWrite<AudienceContact>(scope, sql`
    UPDATE audience_contact AS t SET ${join(assignments, ', ')}
    FROM audience a
    WHERE t.id = ${id}::uuid AND a.id = t.audience_id AND a.account_id = ${scope.accountId}::uuid
      ${inAudienceId === undefined ? empty : sql`AND t.audience_id = ${inAudienceId}::uuid`}
    RETURNING ${columns.audienceContact}`);
  return updated[0] ? told(scope, 'ROW_UPDATED', updated[0]) : notFoundIn(scope, inAudienceId);
}

/** Takes a contact out of one audience (when given, the one it must be in); the account's Contact stays. */
export async function removeAudienceContact(scope: AccountScope, id: string, inAudienceId?: string): Promise<string> {
  // The audience row is locked FOR SHARE first, as an add's foreign-key check locks it: an import holds it FOR
  // UPDATE while it decides which of its rows exist, so a removal waits for the import, or the import for the
  // removal. Without the lock a row removed between the import's snapshot and its update was neither updated nor
  // inserted, and vanished from the import's counts (test/writers.test.ts: 4 of 5 rows, once in a fresh clone).
  const removed = await singleStatementWrite<{ id: string; audienceId: string; contactId: string }>(scope, sql`
    WITH a AS (
      SELECT a.id FROM audience a JOIN audience_contact t ON t.audience_id = a.id
      WHERE t.id = ${id}::uuid AND a.account_id = ${scope.accountId}::uuid
        ${inAudienceId === undefined ? empty : sql`AND a.id = ${inAudienceId}::uuid`}
      FOR SHARE OF a
    )
    DELETE FROM audience_contact t USING a WHERE t.id = ${id}::uuid AND t.audience_id = a.id
    RETURNING t.id::text AS id, t.audience_id::text AS "audienceId", t.contact_id::text AS "contactId"`);
  if (!removed[0]) return notFoundIn(scope, inAudienceId);
  told(scope, 'ROW_REMOVED', removed[0]);
  return id;
}
