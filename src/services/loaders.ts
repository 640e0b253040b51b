import DataLoader from 'dataloader';
import type { Audience, AudienceContact, Contact } from '../db/generated/client.js';
import type { ChannelName } from '../domain/validation.js';
import { type ConnectionKind, createConnectionLoader, defaultSearchTuning, type SearchTuning } from './connections.js';
import type { AccountScope } from './scope.js';
import { personSearch, personSearchCondition } from './search.js';
import { allOf, columns, containsPattern, type Sql, sql } from './sql.js';

export interface AudienceFilter {
  channel: ChannelName | null;
  search: string | null;
}
export interface SearchFilter {
  search: string | null;
}
export interface ContactFilter {
  search: string | null;
  audienceId: string | null;
}

export const audienceKind: ConnectionKind<AudienceFilter> = {
  from: sql`audience t`,
  columns: columns.audience,
  parentColumn: sql`t.account_id`,
  where: ({ channel, search }) =>
    allOf([
      channel ? sql`t.channel = ${channel}::"Channel"` : null,
      search ? sql`t.name_key LIKE ${containsPattern(search.toLowerCase())}` : null,
    ]),
  filterKey: ({ channel, search }) => `${channel ?? ''}|${search ?? ''}`,
  preparable: ({ search }) => !search,
};

/** An audience contact as reads return it, with its contact's number. */
export type AudienceContactRow = AudienceContact;

/**
 * An audience contact's number matches: the row's own copy of it. Through the contact's primary key a walk of
 * 1,000 rows cost 25-55 ms for a number term against 2 ms for a name (the benchmark's audience of 300,000).
 */
const audienceContactPhone = (pattern: string) => sql`t.phone LIKE ${pattern}`;
const audienceContactNames = [sql`t.first_name`, sql`t.last_name`];

export const audienceContactKind: ConnectionKind<SearchFilter> = {
  from: sql`audience_contact t`,
  columns: columns.audienceContact,
  parentColumn: sql`t.audience_id`,
  where: ({ search }) => (search ? personSearchCondition(search, audienceContactPhone, audienceContactNames) : null),
  filterKey: ({ search }) => search ?? '',
  preparable: ({ search }) => !search,
  // The matches through the trigram indexes of the row's phone, first_name and last_name, each way of
  // matching through its own.
  matchingIds: (audienceId, { search }) => {
    if (!search) return null;
    const { digits, words } = personSearch(search, audienceContactPhone, audienceContactNames);
    const branch = (condition: Sql) => sql`SELECT t.id, t.created_at FROM audience_contact t WHERE t.audience_id = ${audienceId}::uuid AND ${condition}`;
    return digits ? sql`${branch(audienceContactPhone(containsPattern(digits)))} UNION ${branch(words)}` : branch(words);
  },
};

const contactPhone = (pattern: string) => sql`t.phone LIKE ${pattern}`;
const contactNames = [sql`t.name`, sql`t.email`];
const inAudience = (audienceId: string | null) =>
  audienceId ? sql`EXISTS (SELECT 1 FROM audience_contact ac WHERE ac.contact_id = t.id AND ac.audience_id = ${audienceId}::uuid)` : null;

export const contactKind: ConnectionKind<ContactFilter> = {
  from: sql`contact t`,
  columns: columns.contact,
  parentColumn: sql`t.account_id`,
  where: ({ search, audienceId }) => allOf([inAudience(audienceId), search ? personSearchCondition(search, contactPhone, contactNames) : null]),
  filterKey: ({ search, audienceId }) => `${audienceId ?? ''}|${search ?? ''}`,
  preparable: ({ search }) => !search,
  // Each way of matching through its own trigram index (phone, name, email).
  matchingIds: (accountId, { search, audienceId }) => {
    if (!search) return null;
    const { digits, words } = personSearch(search, contactPhone, contactNames);
    const branch = (condition: Sql) => sql`SELECT t.id, t.created_at FROM contact t WHERE t.account_id = ${accountId}::uuid AND ${allOf([condition, inAudience(audienceId)])}`;
    return digits ? sql`${branch(contactPhone(containsPattern(digits)))} UNION ${branch(words)}` : branch(words);
  },
};

/** The audiences a contact is in, in the audiences' own order. */
export const contactAudienceKind: ConnectionKind<Record<string, never>> = {
  from: sql`audience t JOIN audience_contact ac ON ac.audience_id = t.id`,
  columns: columns.audience,
  parentColumn: sql`ac.contact_id`,
  where: () => null,
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
    audienceContacts: createConnectionLoader<AudienceContactRow, SearchFilter>(readRows, audienceContactKind, searchTuning),
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
