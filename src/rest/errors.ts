import { AppError, type ErrorDefinition, type ErrorName } from '../domain/errors.js';

/**
 * How the REST front shows a catalogue error. Two vendors' conventions, one catalogue: Dexatel's Audience API
 * (seeds 000–002) carries the seed's numeric code; seed 003's contacts API names the failure in `error`
 * (its table: invalid_request, unauthorized, not_found, conflict, validation_error). Both carry the catalogue
 * name, the message and the failing field as the request spells it.
 */
export type ErrorStyle = 'dexatel' | 'contacts';

export interface DexatelErrorBody {
  error: { status: number; code: number | null; name: string; message: string; field: string | null };
}

export interface ContactsErrorBody {
  error: string;
  message: string;
  code: string;
  field: string | null;
}

/** Seed 003's names for each HTTP status, and ours for the statuses its table does not list. */
const contactsErrorNames: Record<ErrorDefinition['status'], string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_error',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
};

/** Seed 003 calls audiences "lists": its clients read that word in the catalogue's messages about them. */
const inListWords: Partial<Record<string, string>> = {
  AUDIENCE_NOT_FOUND: 'List is not found',
  INVALID_AUDIENCE_ID: 'Invalid list identifier',
};

export function errorBody(error: AppError, style: ErrorStyle, field: string | null): DexatelErrorBody | ContactsErrorBody {
  const { status, numericCode, code } = error.definition;
  if (style === 'contacts') {
    const message = error.message === error.definition.message ? (inListWords[error.errorName] ?? error.message) : error.message;
    return { error: contactsErrorNames[status], message, code, field };
  }
  return { error: { status, code: numericCode, name: code, message: error.message, field } };
}

/** The errors of /v1/contacts follow seed 003; everything else under /v1 follows Dexatel's API. */
export function errorStyleFor(path: string): ErrorStyle {
  return /^\/v1\/contacts(\/|$)/.test(path) ? 'contacts' : 'dexatel';
}

/**
 * A service's field name as the REST request spells it. Path parameters and query parameters are named by
 * the route (`id` → `audience_id`, `first` → `page_size`); body fields are `data.` plus snake_case for the
 * Dexatel API (`contacts[3].firstName` → `data.contacts[3].first_name`) and plain snake_case for seed 003,
 * whose bodies are not wrapped.
 */
export function restField(field: string | undefined, names: Record<string, string>, bodyPrefix: string): string | null {
  if (!field) return null;
  const head = field.match(/^[A-Za-z]+/)?.[0] ?? field;
  if (names[head] !== undefined) return names[head] + field.slice(head.length);
  return bodyPrefix + field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A catalogue error whose field already names what the client sent (`page_token`, `data.contacts[2].number`). */
export class RestFieldError extends AppError {
  constructor(
    name: ErrorName,
    readonly restPath: string | null,
    message?: string,
  ) {
    super(name, undefined, message);
  }
}

/** The field of an error as this endpoint's client spells it. */
export function errorField(error: AppError, names: Record<string, string>, style: ErrorStyle): string | null {
  if (error instanceof RestFieldError) return error.restPath;
  return restField(error.field, names, style === 'dexatel' ? 'data.' : '');
}
