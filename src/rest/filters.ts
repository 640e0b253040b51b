import { z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import type { AudienceContactFilterInput, TimeRangeInput } from '../domain/filters.js';
import type { Order } from '../domain/pagination.js';
import { RestFieldError } from './errors.js';

/**
 * Issue 14's filter language and orders as Dexatel-style query parameters, read in one place for every REST
 * endpoint that takes them (the contacts list, the export) and for `npm run export`, which maps its flags
 * onto the same parameters. JSON:API's conventions: `filter[...]` for conditions, `sort=field` ascending and
 * `sort=-field` descending. Lists are comma-separated (`filter[country]=AM,US`), one parameter each: a
 * repeated parameter is 400, like any parameter of the wrong shape.
 *
 * This parser only reads the parameters' form (a list, a date, true or false, a known sort field): a value
 * of the wrong form is 400 INVALID_REQUEST naming the parameter. What the values mean (a known country, at
 * most 10 tags, `after` earlier than `before`) is the services' to check, as for GraphQL (src/domain/filters.ts);
 * their errors name the parameter too (see restFilterErrors).
 */

const list = (description: string, example: string) => z.string().optional().openapi({ description: `${description}; comma-separated`, example });
const instant = (description: string) =>
  z.string().optional().openapi({
    description: `${description}: an ISO 8601 date-time (2026-01-01T00:00:00Z; encode a "+" offset as %2B) or this API's UTC yyyy-MM-dd HH:mm:ss`,
    example: '2026-01-01T00:00:00Z',
  });
const presence = (description: string) => z.string().optional().openapi({ description: `true: only contacts with ${description}; false: only those without`, example: 'true' });

/** The sort fields of an audience's contacts, as the query spells them, and the connection's order fields. */
const audienceContactSortFields: Record<string, string> = {
  first_name: 'FIRST_NAME',
  last_name: 'LAST_NAME',
  number: 'NUMBER',
  created_at: 'CREATED_AT',
  updated_at: 'UPDATED_AT',
};

/** The query parameters that select and order an audience's contacts (the list and the export take them all). */
export const AudienceContactSegmentParams = {
  'filter[search]': z.string().optional().openapi({ description: 'First or last name, or any fragment of the number ("+1 415", "1415", "(415)")' }),
  'filter[tags][any]': list('Tags: at least one of these (1 to 10, each matched exactly)', 'vip,trial'),
  'filter[tags][all]': list('Tags: every one of these (1 to 10)', 'vip'),
  'filter[tags][none]': list('Tags: none of these (1 to 10)', 'churned'),
  'filter[country]': list("The number's country is one of these ISO 3166-1 alpha-2 codes, in any case", 'AM,US'),
  'filter[created_at][after]': instant('Added to the audience strictly after this instant'),
  'filter[created_at][before]': instant('Added to the audience strictly before this instant'),
  'filter[updated_at][after]': instant('Details last changed strictly after this instant'),
  'filter[updated_at][before]': instant('Details last changed strictly before this instant'),
  'filter[has_first_name]': presence('a first name'),
  'filter[has_last_name]': presence('a last name'),
  sort: z
    .string()
    .optional()
    .openapi({
      description:
        'first_name, last_name, number, created_at (the default) or updated_at; a leading "-" sorts descending. Ties are broken by ' +
        'the contact id in the same direction. Names sort case-insensitively for A-Z, otherwise by Unicode code point; contacts ' +
        'without one come after all others ascending and before them descending. A page_token belongs to the filter and sort it was made with.',
      example: '-last_name',
    }),
};

export type AudienceContactSegmentQuery = { [K in keyof typeof AudienceContactSegmentParams]?: string | undefined };

const invalid = (parameter: string, message: string) => new RestFieldError('REQUEST_INVALID', parameter, `${parameter}: ${message}`);

const splitList = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((item) => item.trim()));

/** An instant as GraphQL's DateTime takes it (ISO 8601 with a time), or as this API writes its dates (UTC). */
function parseInstant(value: string | undefined, parameter: string): Date | undefined {
  if (value === undefined) return undefined;
  const text = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    throw invalid(parameter, `"${value}" is not a date-time: use ISO 8601 (2026-01-01T00:00:00Z) or yyyy-MM-dd HH:mm:ss (UTC)`);
  }
  return date;
}

function parseRange(query: AudienceContactSegmentQuery, column: 'created_at' | 'updated_at'): TimeRangeInput | undefined {
  const after = parseInstant(query[`filter[${column}][after]`], `filter[${column}][after]`);
  const before = parseInstant(query[`filter[${column}][before]`], `filter[${column}][before]`);
  return after || before ? { after, before } : undefined;
}

function parseBoolean(value: string | undefined, parameter: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalid(parameter, `"${value}" is neither true nor false`);
}

/** `sort=field` or `sort=-field`: the connection's order; null for the default (created_at ascending). */
export function parseSort(value: string | undefined, fields: Record<string, string> = audienceContactSortFields): Order | null {
  if (value === undefined) return null;
  const descending = value.startsWith('-');
  const field = fields[descending ? value.slice(1) : value];
  if (!field) throw invalid('sort', `"${value}" is not a sort field: use one of ${Object.keys(fields).join(', ')}, with a leading "-" for descending`);
  return { field, direction: descending ? 'DESC' : 'ASC' };
}

/**
 * A `filter[...]` parameter this endpoint does not know is refused rather than ignored: a typo
 * (`filter[tag][any]`, `filter[tags]=vip`) would otherwise select every contact, and an export would say nothing.
 */
export function rejectUnknownFilters(parameters: Iterable<string>, known: object = AudienceContactSegmentParams): void {
  for (const parameter of parameters) {
    if (/^filter\b/.test(parameter) && !Object.hasOwn(known, parameter)) {
      throw invalid(parameter, `unknown filter: the filters are ${Object.keys(known).filter((name) => name.startsWith('filter')).join(', ')}`);
    }
  }
}

/** The filter and the order an audience contacts request asks for, in the services' terms (not yet validated there). */
export function audienceContactSegment(query: AudienceContactSegmentQuery): { filter: AudienceContactFilterInput; orderBy: Order | null } {
  const any = splitList(query['filter[tags][any]']);
  const all = splitList(query['filter[tags][all]']);
  const none = splitList(query['filter[tags][none]']);
  const filter: AudienceContactFilterInput = {
    search: query['filter[search]'],
    tags: any || all || none ? { any, all, none } : undefined,
    country: splitList(query['filter[country]']),
    createdAt: parseRange(query, 'created_at'),
    updatedAt: parseRange(query, 'updated_at'),
    hasFirstName: parseBoolean(query['filter[has_first_name]'], 'filter[has_first_name]'),
    hasLastName: parseBoolean(query['filter[has_last_name]'], 'filter[has_last_name]'),
  };
  return { filter, orderBy: parseSort(query.sort) };
}

/** A service's filter field as the query spells it: `filter.tags.any[2]` → `filter[tags][any]`, `filter.createdAt` → `filter[created_at]`. */
export function restFilterField(field: string): string {
  const [head, ...rest] = field.replace(/\[\d+\]/g, '').split('.');
  return head + rest.map((part) => `[${part.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}]`).join('');
}

/** Runs a service call, its filter errors (FILTER_COUNTRY_INVALID, FILTER_TAGS_INVALID, FILTER_RANGE_INVALID…) naming the query parameter. */
export async function restFilterErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && !(error instanceof RestFieldError) && error.field?.startsWith('filter.')) {
      throw new RestFieldError(error.errorName, restFilterField(error.field), error.message);
    }
    throw error;
  }
}
