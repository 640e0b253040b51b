import { isSupportedCountry } from 'libphonenumber-js/max';
import { appError } from './errors.js';
import { characterCount, isStorableText, limits, validateChannel } from './validation.js';

/**
 * The filter language of issue 14, one for every front: connections, counts, bulk actions and exports take
 * these shapes, checked here, and turn them into SQL in the services. A field left out (or null) does not
 * filter; everything given must hold (AND).
 */

/** Rows changed (or created) strictly after `after` and strictly before `before`; either may be open. */
export interface TimeRange {
  after: Date | null;
  before: Date | null;
}

/** Tags: at least one of `any`, every one of `all`, none of `none`. */
export interface TagFilter {
  any: string[] | null;
  all: string[] | null;
  none: string[] | null;
}

export interface AudienceContactFilter {
  search: string | null;
  tags: TagFilter | null;
  /** ISO 3166-1 alpha-2 codes, upper case: the number's country is one of them. */
  country: string[] | null;
  createdAt: TimeRange | null;
  updatedAt: TimeRange | null;
  hasFirstName: boolean | null;
  hasLastName: boolean | null;
}

export interface ContactFilter {
  search: string | null;
  audienceId: string | null;
  notInAudienceId: string | null;
  country: string[] | null;
  hasEmail: boolean | null;
  createdAt: TimeRange | null;
  updatedAt: TimeRange | null;
}

export interface AudienceFilter {
  channel: string | null;
  search: string | null;
  createdAt: TimeRange | null;
}

/** What a client sends: any field may be missing or null. */
export interface TimeRangeInput {
  after?: Date | null;
  before?: Date | null;
}
export interface TagFilterInput {
  any?: readonly string[] | null;
  all?: readonly string[] | null;
  none?: readonly string[] | null;
}
export interface AudienceContactFilterInput {
  search?: string | null;
  tags?: TagFilterInput | null;
  country?: readonly string[] | null;
  createdAt?: TimeRangeInput | null;
  updatedAt?: TimeRangeInput | null;
  hasFirstName?: boolean | null;
  hasLastName?: boolean | null;
}
/** Audience ids already parsed from the front's form (a global id, a seed id). */
export interface ContactFilterInput {
  search?: string | null;
  audienceId?: string | null;
  notInAudienceId?: string | null;
  country?: readonly string[] | null;
  hasEmail?: boolean | null;
  createdAt?: TimeRangeInput | null;
  updatedAt?: TimeRangeInput | null;
}
export interface AudienceFilterInput {
  channel?: string | null;
  search?: string | null;
  createdAt?: TimeRangeInput | null;
}

/** At most this many countries in one filter: more than there are regions with numbers. */
const MAX_FILTER_COUNTRIES = 300;

export function validateTimeRange(input: TimeRangeInput | null | undefined, field: string): TimeRange | null {
  if (!input) return null;
  const after = input.after ?? null;
  const before = input.before ?? null;
  if (after === null && before === null) return null;
  if (after !== null && before !== null && after.getTime() >= before.getTime()) throw appError('FILTER_RANGE_INVALID', field);
  return { after, before };
}

function validateTagList(tags: readonly string[] | null | undefined, field: string): string[] | null {
  if (tags === null || tags === undefined) return null;
  if (tags.length === 0 || tags.length > limits.tags) throw appError('FILTER_TAGS_INVALID', field);
  tags.forEach((tag, index) => {
    const length = characterCount(tag);
    if (length === 0 || length > limits.tagLength || !isStorableText(tag)) throw appError('FILTER_TAGS_INVALID', `${field}[${index}]`);
  });
  return [...new Set(tags)];
}

export function validateTagFilter(input: TagFilterInput | null | undefined, field: string): TagFilter | null {
  if (!input) return null;
  const filter = { any: validateTagList(input.any, `${field}.any`), all: validateTagList(input.all, `${field}.all`), none: validateTagList(input.none, `${field}.none`) };
  return filter.any || filter.all || filter.none ? filter : null;
}

/** Country codes in any case; an unknown one is an error, not an empty result (a typo would look like "nobody"). */
export function validateCountries(input: readonly string[] | null | undefined, field: string): string[] | null {
  if (input === null || input === undefined) return null;
  if (input.length === 0 || input.length > MAX_FILTER_COUNTRIES) throw appError('FILTER_COUNTRY_INVALID', field);
  const codes = input.map((code, index) => {
    const upper = code.toUpperCase();
    if (!/^[A-Z]{2}$/.test(upper) || !isSupportedCountry(upper)) throw appError('FILTER_COUNTRY_INVALID', `${field}[${index}]`);
    return upper;
  });
  return [...new Set(codes)].sort();
}

/**
 * A connection's older argument (`search`, `channel`, `audienceId`, part of the contract before `filter`) and
 * the same field in `filter` are one thing: either may be given, not both.
 */
export function eitherOf<T>(argument: T | null | undefined, inFilter: T | null | undefined, field: string): T | null {
  const hasArgument = argument !== null && argument !== undefined;
  const hasFilter = inFilter !== null && inFilter !== undefined;
  if (hasArgument && hasFilter) throw appError('FILTER_ARGUMENT_CONFLICT', field);
  return (hasArgument ? argument : inFilter) ?? null;
}

/** The older arguments a connection still takes beside `filter`. */
export interface LegacyFilterArguments {
  search?: string | null;
  channel?: string | null;
  audienceId?: string | null;
}

export function validateAudienceContactFilter(input: AudienceContactFilterInput | null | undefined, legacy: LegacyFilterArguments = {}, field = 'filter'): AudienceContactFilter {
  return {
    search: eitherOf(legacy.search, input?.search, `${field}.search`),
    tags: validateTagFilter(input?.tags, `${field}.tags`),
    country: validateCountries(input?.country, `${field}.country`),
    createdAt: validateTimeRange(input?.createdAt, `${field}.createdAt`),
    updatedAt: validateTimeRange(input?.updatedAt, `${field}.updatedAt`),
    hasFirstName: input?.hasFirstName ?? null,
    hasLastName: input?.hasLastName ?? null,
  };
}

export function validateContactFilter(input: ContactFilterInput | null | undefined, legacy: LegacyFilterArguments = {}, field = 'filter'): ContactFilter {
  return {
    search: eitherOf(legacy.search, input?.search, `${field}.search`),
    audienceId: eitherOf(legacy.audienceId, input?.audienceId, `${field}.audienceId`),
    notInAudienceId: input?.notInAudienceId ?? null,
    country: validateCountries(input?.country, `${field}.country`),
    hasEmail: input?.hasEmail ?? null,
    createdAt: validateTimeRange(input?.createdAt, `${field}.createdAt`),
    updatedAt: validateTimeRange(input?.updatedAt, `${field}.updatedAt`),
  };
}

export function validateAudienceFilter(input: AudienceFilterInput | null | undefined, legacy: LegacyFilterArguments = {}, field = 'filter'): AudienceFilter {
  const channel = eitherOf(legacy.channel, input?.channel, `${field}.channel`);
  return {
    channel: channel === null ? null : validateChannel(channel, `${field}.channel`),
    search: eitherOf(legacy.search, input?.search, `${field}.search`),
    createdAt: validateTimeRange(input?.createdAt, `${field}.createdAt`),
  };
}

/**
 * A stable text for a filter: equal for filters that select the same rows as written (batching groups on it,
 * and a cursor carries a hash of it). Dates become their ISO text.
 */
export function filterKey(filter: object): string {
  return JSON.stringify(filter);
}
