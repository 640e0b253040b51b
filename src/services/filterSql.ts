import type { AudienceContactFilter, AudienceFilter, ContactFilter, TagFilter, TimeRange } from '../domain/filters.js';
import { personSearchCondition } from './search.js';
import { allOf, containsPattern, raw, type Sql, sql } from './sql.js';

/**
 * The filter language (src/domain/filters.ts) as conditions on the rows of alias `t`: one builder per kind of
 * row, shared by connections, counts, bulk actions and exports, so a filter selects the same rows everywhere.
 * Null where the filter selects everything.
 */

/** Strictly after and strictly before (an open end does not bound). */
export function timeRangeCondition(column: string, range: TimeRange | null): Sql | null {
  if (!range) return null;
  return allOf([
    range.after ? sql`${raw(`t.${column}`)} > ${range.after}::timestamptz` : null,
    range.before ? sql`${raw(`t.${column}`)} < ${range.before}::timestamptz` : null,
  ]);
}

/** Array operators the GIN index on (audience_id, tags) serves (&& any, @> all): the audience's own rows only. */
function tagCondition(tags: TagFilter | null): Sql | null {
  if (!tags) return null;
  return allOf([
    tags.any ? sql`t.tags && ${tags.any}::text[]` : null,
    tags.all ? sql`t.tags @> ${tags.all}::text[]` : null,
    tags.none ? sql`NOT (t.tags && ${tags.none}::text[])` : null,
  ]);
}

const presence = (column: string, wanted: boolean | null) =>
  wanted === null ? null : wanted ? sql`${raw(`t.${column}`)} IS NOT NULL` : sql`${raw(`t.${column}`)} IS NULL`;

const countryCondition = (countries: string[] | null) => (countries ? sql`t.country = ANY(${countries}::text[])` : null);

/** Whether a filter has conditions beyond its search (the search alone has its own strategy; see connections.ts). */
export function hasConditionsBesidesSearch(filter: object): boolean {
  return Object.entries(filter).some(([name, value]) => name !== 'search' && value !== null);
}

/** An audience contact's number matches: the row's own copy of it (see the migration audience_contact_number). */
export const audienceContactPhone = (pattern: string) => sql`t.phone LIKE ${pattern}`;
/**
 * An audience contact's first and last name as the one text a search's words are found in (see personSearch).
 * The migration search_indexes indexes this very expression under the audience: written any other way, the
 * planner would not match it to that index (test/searchIndexes.test.ts).
 */
export const audienceContactNameText = sql`(COALESCE(t.first_name, '') || ' ' || COALESCE(t.last_name, ''))`;

/** Everything but the search. */
export function audienceContactConditions(filter: AudienceContactFilter): Sql | null {
  const parts = [
    tagCondition(filter.tags),
    countryCondition(filter.country),
    timeRangeCondition('created_at', filter.createdAt),
    timeRangeCondition('updated_at', filter.updatedAt),
    presence('first_name', filter.hasFirstName),
    presence('last_name', filter.hasLastName),
  ].filter((part): part is Sql => part !== null);
  return parts.length ? allOf(parts) : null;
}

/** Every condition of the filter, the search tested row by row. */
export function audienceContactFilterCondition(filter: AudienceContactFilter): Sql | null {
  const search = filter.search ? personSearchCondition(filter.search, audienceContactPhone, audienceContactNameText) : null;
  const rest = audienceContactConditions(filter);
  return search || rest ? allOf([search, rest]) : null;
}

export const contactPhone = (pattern: string) => sql`t.phone LIKE ${pattern}`;
/** A contact's name and email as one text, indexed under the account as written (see audienceContactNameText). */
export const contactNameText = sql`(COALESCE(t.name, '') || ' ' || COALESCE(t.email, ''))`;
const inAudience = (audienceId: string | null, member: boolean) =>
  audienceId
    ? sql`${raw(member ? 'EXISTS' : 'NOT EXISTS')} (SELECT 1 FROM audience_contact ac WHERE ac.contact_id = t.id AND ac.audience_id = ${audienceId}::uuid)`
    : null;

/** Everything but the search. */
export function contactConditions(filter: ContactFilter): Sql | null {
  const parts = [
    inAudience(filter.audienceId, true),
    inAudience(filter.notInAudienceId, false),
    countryCondition(filter.country),
    presence('email', filter.hasEmail),
    timeRangeCondition('created_at', filter.createdAt),
    timeRangeCondition('updated_at', filter.updatedAt),
  ].filter((part): part is Sql => part !== null);
  return parts.length ? allOf(parts) : null;
}

export function contactFilterCondition(filter: ContactFilter): Sql | null {
  const search = filter.search ? personSearchCondition(filter.search, contactPhone, contactNameText) : null;
  const rest = contactConditions(filter);
  return search || rest ? allOf([search, rest]) : null;
}

export function audienceFilterCondition(filter: AudienceFilter): Sql | null {
  const parts = [
    filter.channel ? sql`t.channel = ${filter.channel}::"Channel"` : null,
    filter.search ? sql`t.name_key LIKE ${containsPattern(filter.search.toLowerCase())}` : null,
    timeRangeCondition('created_at', filter.createdAt),
  ].filter((part): part is Sql => part !== null);
  return parts.length ? allOf(parts) : null;
}
