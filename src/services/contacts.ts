import type { Contact } from '../db/generated/client.js';
import { appError } from '../domain/errors.js';
import { type ContactFilterInput, validateContactFilter } from '../domain/filters.js';
import { parsePhone, parseStrictE164 } from '../domain/phone.js';
import { limits, validateContactName, validateEmail } from '../domain/validation.js';
import { requireAudience } from './audiences.js';
import { type Connection, type ConnectionArgs, pageRequestFor } from './connections.js';
import { lockOwnedAudiences, type Tx } from './contactRows.js';
import { isUniqueViolation } from './errors.js';
import { type LiveEvent, publishLive, type RowChange } from './liveEvents.js';
import { contactKind, type RequestScope } from './loaders.js';
import { normalizeSearch } from './search.js';
import type { AccountScope } from './scope.js';
import { allOf, columns, sql } from './sql.js';

export async function getContact(scope: RequestScope, id: string): Promise<Contact | null> {
  return scope.loaders.contactById.load(id);
}

/** The account's contacts, optionally only those in one audience (which must be the account's). */
export async function listContacts(
  scope: RequestScope,
  args: ConnectionArgs<ContactFilterInput> & { search?: string | null; audienceId?: string | null },
): Promise<Connection<Contact>> {
  const filter = validateContactFilter(args.filter, { search: args.search, audienceId: args.audienceId });
  filter.search = normalizeSearch(filter.search);
  const request = pageRequestFor(args, filter);
  // Another account's audience, as either filter, is no audience at all.
  await Promise.all([
    filter.audienceId === null ? null : requireAudience(scope, filter.audienceId, args.audienceId != null ? 'audienceId' : 'filter.audienceId'),
    filter.notInAudienceId === null ? null : requireAudience(scope, filter.notInAudienceId, 'filter.notInAudienceId'),
  ]);
  return scope.loaders.contacts.connection(scope.accountId, request, filter, args.withTotal);
}

/** A contact and the ids of the audiences it is in (seed 003's `lists`), in the audiences' order. */
export interface ContactWithAudienceIds {
  contact: Contact;
  audienceIds: string[];
}

async function withAudienceIds(scope: RequestScope, contact: Contact): Promise<ContactWithAudienceIds> {
  return { contact, audienceIds: await scope.loaders.audienceIdsByContactId.load(contact.id) };
}

/** The account's contact with its audiences, or CONTACT_NOT_FOUND: another account's contact is indistinguishable from none. */
export async function requireContactWithAudienceIds(scope: RequestScope, id: string, field = 'id'): Promise<ContactWithAudienceIds> {
  const contact = await scope.loaders.contactById.load(id);
  if (!contact) throw appError('CONTACT_NOT_FOUND', field);
  return withAudienceIds(scope, contact);
}

export interface ContactPageArgs {
  /** From 1; default 1. */
  page?: number;
  /** 1 to 100; default 50. */
  perPage?: number;
  /** Only the contacts in this audience, which must be the account's. */
  audienceId?: string | null;
}

export interface ContactPage {
  contacts: ContactWithAudienceIds[];
  /** All the contacts the filter selects, on every page. */
  total: number;
  page: number;
  perPage: number;
}

/**
 * Seed 003's numbered pages of the account's contacts, oldest first ((created_at, id): a total order). Offset
 * pagination because that contract numbers its pages: a deep page costs its offset (the database walks past
 * every earlier row) and rows inserted meanwhile shift the pages, unlike the keyset connections of GraphQL and
 * Dexatel's page_token. Sizes outside 1..100 are errors, never clamped, as everywhere else.
 */
export async function listContactsByPage(scope: RequestScope, args: ContactPageArgs): Promise<ContactPage> {
  const page = args.page ?? 1;
  const perPage = args.perPage ?? limits.defaultPageSize;
  // No other API numbers its pages, so the catalogue has no page-number rule: a bad one is a malformed request.
  if (!Number.isSafeInteger(page) || page < 1) throw appError('REQUEST_INVALID', 'page', 'The page number must be a whole number from 1');
  if (!Number.isSafeInteger(perPage) || perPage < 1 || perPage > limits.pageSize) {
    throw appError('PAGE_SIZE_OUT_OF_RANGE', 'perPage', `The page size must be a whole number from 1 to ${limits.pageSize}`);
  }
  const audienceId = args.audienceId ?? null;
  if (audienceId !== null) await requireAudience(scope, audienceId, 'audienceId');
  // The same filter as the contacts connection, so its batched count serves as the total.
  const filter = validateContactFilter(null, { audienceId });
  const [rows, total] = await Promise.all([
    scope.readRows<Contact>(sql`
      SELECT ${columns.contact} FROM contact t
      WHERE t.account_id = ${scope.accountId}::uuid AND ${allOf([contactKind.where(filter)])}
      ORDER BY t.created_at, t.id
      LIMIT ${perPage} OFFSET ${(page - 1) * perPage}::bigint`),
    scope.loaders.contacts.count(scope.accountId, filter),
  ]);
  // One statement for the whole page's audience ids (the loader batches these).
  const contacts = await Promise.all(rows.map((contact) => withAudienceIds(scope, contact)));
  return { contacts, total, page, perPage };
}

export interface CreateContactInput {
  phone: string | null | undefined;
  name?: string | null;
  email?: string | null;
  audienceIds?: string[] | null;
  /**
   * Only E.164 exactly as typed (seed 003's REST contract). Otherwise the SPEC's rule: the + is optional and
   * spaces or punctuation are fine, as GraphQL takes numbers.
   */
  strictE164?: boolean;
}

/** Seed 003's "add a contact": an account-level person, optionally put into audiences at once. */
export async function createContact(scope: AccountScope, input: CreateContactInput): Promise<Contact> {
  const { number: phone, country } = input.strictE164 ? parseStrictE164(input.phone, 'phone') : parsePhone(input.phone, 'phone');
  const name = validateContactName(input.name) ?? null;
  const email = validateEmail(input.email) ?? null;
  const audienceIds = [...new Set(input.audienceIds ?? [])];
  try {
    const events: LiveEvent[] = [];
    const created = await scope.prisma.$transaction(async (tx) => {
      if (audienceIds.length) {
        const ownedIds = await lockOwnedAudiences(tx, scope.accountId, audienceIds);
        const missing = (input.audienceIds ?? []).findIndex((id) => !ownedIds.has(id));
        if (missing >= 0) throw appError('AUDIENCE_NOT_FOUND', `audienceIds[${missing}]`);
      }
      const contact = await tx.contact.create({
        data: {
          accountId: scope.accountId,
          phone,
          country,
          name,
          email,
          audiences: { create: audienceIds.map((audienceId) => ({ audienceId, number: phone, country })) },
        },
      });
      if (audienceIds.length) events.push(...(await rowEvents(tx, scope.accountId, contact.id, 'ROW_ADDED')));
      return contact;
    });
    publishLive(scope.prisma, events);
    return created;
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('CONTACT_ALREADY_EXISTS', 'phone');
    throw error;
  }
}

/** createContact, answered with the audiences the contact is now in, in the order reads give them. */
export async function createContactWithAudienceIds(scope: RequestScope, input: CreateContactInput): Promise<ContactWithAudienceIds> {
  return withAudienceIds(scope, await createContact(scope, input));
}

export interface UpdateContactInput {
  phone?: string | null;
  name?: string | null;
  email?: string | null;
}

/** An omitted field keeps its value; null clears name or email; a phone cannot be cleared (1353). */
export async function updateContact(scope: AccountScope, id: string, input: UpdateContactInput): Promise<Contact> {
  const data: { phone?: string; country?: string | null; name?: string | null; email?: string | null } = {};
  if (input.phone !== undefined) ({ number: data.phone, country: data.country } = parsePhone(input.phone, 'phone'));
  if (input.name !== undefined) data.name = validateContactName(input.name) ?? null;
  if (input.email !== undefined) data.email = validateEmail(input.email) ?? null;
  try {
    const [updated] = await scope.prisma.contact.updateManyAndReturn({ where: { id, accountId: scope.accountId }, data });
    if (!updated) throw appError('CONTACT_NOT_FOUND', 'id');
    // A new number is every audience row's number too (the contact_give_phone trigger): their audiences hear of it.
    const rows = data.phone === undefined ? [] : await rowEvents(scope.prisma, scope.accountId, id, 'ROW_UPDATED');
    publishLive(scope.prisma, [{ kind: 'CONTACT_UPDATED', accountId: scope.accountId, contactId: id }, ...rows]);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('CONTACT_ALREADY_EXISTS', 'phone');
    throw error;
  }
}

/** Seed 003's permanent delete: the contact leaves every audience with it. */
export async function deleteContact(scope: AccountScope, id: string): Promise<string> {
  const rows = await scope.prisma.$transaction(async (tx) => {
    // Its audiences hear of the rows that go with it: read before the delete takes them.
    const removed = await rowEvents(tx, scope.accountId, id, 'ROW_REMOVED');
    const { count } = await tx.contact.deleteMany({ where: { id, accountId: scope.accountId } });
    if (count === 0) throw appError('CONTACT_NOT_FOUND', 'id');
    return removed;
  });
  // Deleted first: its own subscribers end there, before the rows' events (delivered in this order) reach them.
  publishLive(scope.prisma, [{ kind: 'CONTACT_DELETED', accountId: scope.accountId, contactId: id }, ...rows]);
  return id;
}

/** A live event for every audience row of one of the account's contacts (one a row of its audiences). */
async function rowEvents(tx: Tx, accountId: string, contactId: string, kind: RowChange): Promise<LiveEvent[]> {
  const rows = await tx.$queryRaw<Array<{ id: string; audienceId: string }>>`
    SELECT ac.id::text AS id, ac.audience_id::text AS "audienceId" FROM audience_contact ac JOIN contact c ON c.id = ac.contact_id
    WHERE ac.contact_id = ${contactId}::uuid AND c.account_id = ${accountId}::uuid`;
  return rows.map((row) => ({ kind, accountId, audienceId: row.audienceId, rowId: row.id, contactId }));
}
