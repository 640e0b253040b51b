import DataLoader from 'dataloader';
import type { Audience, AudienceContact, Contact } from '../db/generated/client.js';
import { type AudienceContactFilter, type AudienceFilter, type ContactFilter, filterKey } from '../domain/filters.js';
import {
  type ConnectionKind,
  createConnectionLoader,
  defaultSearchTuning,
  nameOrder,
  type OrderColumn,
  plainTextOrder,
  requiredNameOrder,
  type SearchTuning,
  timeOrder,
} from './connections.js';
import {
  audienceContactConditions,
  audienceContactFilterCondition,
  audienceContactNameText,
  audienceContactPhone,
  audienceFilterCondition,
  contactConditions,
  contactFilterCondition,
  contactNameText,
  contactPhone,
  hasConditionsBesidesSearch,
} from './filterSql.js';
import type { AccountScope } from './scope.js';
import { personSearch } from './search.js';
import { allOf, columns, containsPattern, type Sql, sql } from './sql.js';

export type { AudienceContactFilter, AudienceFilter, ContactFilter } from '../domain/filters.js';

/** The orders of audiences (Query.audiences, Contact.audiences). */
const audienceOrders: Record<string, OrderColumn<Audience>> = {
  NAME: requiredNameOrder('name', (row) => row.name),
  CREATED_AT: timeOrder('created_at', (row) => row.createdAt),
  UPDATED_AT: timeOrder('updated_at', (row) => row.updatedAt),
};

export const audienceKind: ConnectionKind<AudienceFilter, Audience> = {
  from: sql`audience t`,
  columns: columns.audience,
  parentColumn: sql`t.account_id`,
  where: audienceFilterCondition,
  orders: audienceOrders,
  filterKey,
  preparable: ({ search }) => !search,
};

/** An audience contact as reads return it, with its contact's number. */
export type AudienceContactRow = AudienceContact;

export const audienceContactKind: ConnectionKind<AudienceContactFilter, AudienceContactRow> = {
  from: sql`audience_contact t`,
  columns: columns.audienceContact,
  parentColumn: sql`t.audience_id`,
  where: audienceContactFilterCondition,
  orders: {
    FIRST_NAME: nameOrder('first_name', (row) => row.firstName),
    LAST_NAME: nameOrder('last_name', (row) => row.lastName),
    NUMBER: plainTextOrder('phone', (row) => row.number),
    CREATED_AT: timeOrder('created_at', (row) => row.createdAt),
    UPDATED_AT: timeOrder('updated_at', (row) => row.updatedAt),
  },
  filterKey,
  // Only a filter without conditions is prepared: a generic plan cannot know how selective a tag, a country
  // or a search is in this audience.
  preparable: (filter) => !filter.search && !hasConditionsBesidesSearch(filter),
  // The matches through the audience's trigram indexes, the number's and the names' (see the migration
  // search_indexes), each way of matching through its own; the filter's other conditions on each.
  matchingIds: (audienceId, filter, selected) => {
    if (!filter.search) return null;
    const { digits, words } = personSearch(filter.search, audienceContactPhone, audienceContactNameText);
    const rest = audienceContactConditions(filter);
    const branch = (condition: Sql) => sql`SELECT ${selected} FROM audience_contact t WHERE t.audience_id = ${audienceId}::uuid AND ${allOf([condition, rest])}`;
    return digits ? sql`${branch(audienceContactPhone(containsPattern(digits)))} UNION ${branch(words)}` : branch(words);
  },
};

export const contactKind: ConnectionKind<ContactFilter, Contact> = {
  from: sql`contact t`,
  columns: columns.contact,
  parentColumn: sql`t.account_id`,
  where: contactFilterCondition,
  orders: {
    NAME: nameOrder('name', (row) => row.name),
    PHONE: plainTextOrder('phone', (row) => row.phone),
    EMAIL: nameOrder('email', (row) => row.email),
    CREATED_AT: timeOrder('created_at', (row) => row.createdAt),
    UPDATED_AT: timeOrder('updated_at', (row) => row.updatedAt),
  },
  filterKey,
  preparable: (filter) => !filter.search && !hasConditionsBesidesSearch(filter),
  // Each way of matching through its own trigram index under the account: the number's, and the name's and
  // email's together.
  matchingIds: (accountId, filter, selected) => {
    if (!filter.search) return null;
    const { digits, words } = personSearch(filter.search, contactPhone, contactNameText);
    const rest = contactConditions(filter);
    const branch = (condition: Sql) => sql`SELECT ${selected} FROM contact t WHERE t.account_id = ${accountId}::uuid AND ${allOf([condition, rest])}`;
    return digits ? sql`${branch(contactPhone(containsPattern(digits)))} UNION ${branch(words)}` : branch(words);
  },
};

/** The audiences a contact is in, in the audiences' own order. */
export const contactAudienceKind: ConnectionKind<Record<string, never>, Audience> = {
  from: sql`audience t JOIN audience_contact ac ON ac.audience_id = t.id`,
  columns: columns.audience,
  parentColumn: sql`ac.contact_id`,
  where: () => null,
  orders: audienceOrders,
  filterKey: () => '',
  preparable: () => true,
};

/**
 * The rows a batch of ids asks for: `t.id = $1` for a batch of one (node(id), a mutation's row: nearly every
 * request), `= ANY($1)` for more. Prepared, the ANY form's generic plan expects 10 ids and hashes the account's
 * audiences (a scan of all 1,000 in the benchmark's data) where the single form walks two primary keys: 0.17–0.39
 * against 0.42–0.77 ms of PostgreSQL CPU per statement, 8 in flight over 10 connections (unprepared: the same).
 */
const idIn = (ids: readonly string[]) => (ids.length === 1 ? sql`t.id = ${ids[0]}::uuid` : sql`t.id = ANY(${[...ids]}::uuid[])`);
/** The single form is prepared (see ReadOptions); the ANY form is not, for the generic plan above. */
const preparedWhenOne = (ids: readonly string[]) => (ids.length === 1 ? { prepare: true } : undefined);

function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
}

/**
 * Per-request batching and caching of every read: created for one request (one account), so nothing
 * cached can leak into another account's answer or go stale across requests.
 */
export function createLoaders(scope: AccountScope, searchTuning: SearchTuning = defaultSearchTuning) {
  const { readRows, accountId } = scope;
  return {
    audienceById: new DataLoader<string, Audience | null>(async (ids) =>
      byId(
        ids,
        await readRows<Audience>(sql`SELECT ${columns.audience} FROM audience t WHERE ${idIn(ids)} AND t.account_id = ${accountId}::uuid`, preparedWhenOne(ids)),
      ),
    ),
    contactById: new DataLoader<string, Contact | null>(async (ids) =>
      byId(
        ids,
        await readRows<Contact>(sql`SELECT ${columns.contact} FROM contact t WHERE ${idIn(ids)} AND t.account_id = ${accountId}::uuid`, preparedWhenOne(ids)),
      ),
    ),
    audienceContactById: new DataLoader<string, AudienceContactRow | null>(async (ids) =>
      byId(
        ids,
        await readRows<AudienceContactRow>(sql`
          SELECT ${columns.audienceContact} FROM audience_contact t JOIN audience a ON a.id = t.audience_id
          WHERE ${idIn(ids)} AND a.account_id = ${accountId}::uuid`,
          preparedWhenOne(ids),
        ),
      ),
    ),
    /**
     * The ids of the audiences each contact is in, in the audiences' order (oldest first, as Contact.audiences
     * pages them): one statement for a whole page of contacts. A contact in none gets [].
     */
    audienceIdsByContactId: new DataLoader<string, string[]>(async (contactIds) => {
      const rows = await readRows<{ contactId: string; audienceIds: string[] }>(sql`
        SELECT ac.contact_id::text AS "contactId", array_agg(a.id::text ORDER BY a.created_at, a.id) AS "audienceIds"
        FROM audience_contact ac JOIN audience a ON a.id = ac.audience_id
        WHERE ac.contact_id = ANY(${[...contactIds]}::uuid[]) AND a.account_id = ${accountId}::uuid
        GROUP BY ac.contact_id`);
      const found = new Map(rows.map((row) => [row.contactId, row.audienceIds]));
      return contactIds.map((id) => found.get(id) ?? []);
    }),
    audiences: createConnectionLoader<Audience, AudienceFilter>(readRows, audienceKind),
    audienceContacts: createConnectionLoader<AudienceContactRow, AudienceContactFilter>(readRows, audienceContactKind, searchTuning),
    contacts: createConnectionLoader<Contact, ContactFilter>(readRows, contactKind, searchTuning),
    contactAudiences: createConnectionLoader<Audience, Record<string, never>>(readRows, contactAudienceKind),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** An account's scope for one request: the data access and the request's loaders. */
export interface RequestScope extends AccountScope {
  loaders: Loaders;
}

export function createRequestScope(scope: AccountScope, searchTuning?: SearchTuning): RequestScope {
  return { ...scope, loaders: createLoaders(scope, searchTuning) };
}
