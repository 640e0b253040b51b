import { z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { appError, type ErrorName } from '../domain/errors.js';
import { errorBody } from './errors.js';

/**
 * Shapes shared by both REST APIs. Body fields are typed but not required here: a missing name, channel or
 * number is the services' to report with its seed code (1303, 1306, 1353), exactly as over GraphQL; a field
 * of the wrong JSON type is INVALID_REQUEST (400) at once.
 */

export const DexatelErrorSchema = z
  .object({
    error: z.object({
      status: z.number().int().openapi({ example: 404 }),
      code: z.number().int().nullable().openapi({ description: "The seed's numeric code (1301–1309, 1351–1364), or null for failures the seeds do not number", example: 1301 }),
      name: z.string().openapi({ description: 'The catalogue name, as GraphQL errors carry it in extensions.code', example: 'AUDIENCE_NOT_FOUND' }),
      message: z.string().openapi({ example: 'Audience is not found' }),
      field: z.string().nullable().openapi({ description: 'The failing field as the request spells it', example: 'data.name' }),
    }),
  })
  .openapi('DexatelError');

export const ContactsErrorSchema = z
  .object({
    error: z.string().openapi({ description: "Seed 003's error name", example: 'not_found' }),
    message: z.string().openapi({ example: 'Contact is not found' }),
    code: z.string().openapi({ description: 'The catalogue name', example: 'CONTACT_NOT_FOUND' }),
    field: z.string().nullable().openapi({ example: 'phone' }),
  })
  .openapi('ContactsError');

/** Every endpoint but the document takes the key as X-Dexatel-Key or as a bearer token. */
export const apiKeySecurity: Array<Record<string, string[]>> = [{ DexatelKey: [] }, { Bearer: [] }];

const errorDescriptions: Record<number, string> = {
  400: 'Malformed id, JSON, body shape, page token or page size',
  401: 'Missing, unknown or revoked API key',
  404: 'No such resource in the account',
  409: 'Already exists',
  413: 'Body over MAX_BODY_BYTES',
  415: 'Body not JSON',
  422: 'A field breaks a rule',
  429: 'Rate limit of the key spent',
  503: 'Database unreachable: retry',
};

/** The error responses an operation documents, in one API's error shape. */
/** A typical failure of each status, rendered by the real renderer as the example of its response. */
const exampleErrors: Record<number, [ErrorName, string | null]> = {
  400: ['REQUEST_INVALID', 'data.name'],
  401: ['UNAUTHENTICATED', null],
  404: ['AUDIENCE_NOT_FOUND', 'audience_id'],
  409: ['AUDIENCE_ALREADY_EXISTS', 'data.name'],
  413: ['PAYLOAD_TOO_LARGE', null],
  415: ['UNSUPPORTED_CONTENT_TYPE', null],
  422: ['AUDIENCE_NAME_REQUIRED', 'data.name'],
  429: ['RATE_LIMITED', null],
  503: ['SERVICE_UNAVAILABLE', null],
};

export function errorResponses(schema: typeof DexatelErrorSchema | typeof ContactsErrorSchema, statuses: number[]) {
  const style = schema === DexatelErrorSchema ? 'dexatel' : 'contacts';
  return Object.fromEntries(
    [...statuses, 401, 429, 503].map((status) => {
      const [name, field] = exampleErrors[status]!;
      const example = errorBody(appError(name), style, style === 'contacts' ? field?.replace(/^data\./, '') ?? null : field);
      return [status, { description: errorDescriptions[status]!, content: { 'application/json': { schema, example } } }];
    }),
  );
}

/** A zod failure as one line: where (as the request spells it) and what. */
export function describeZodError(error: ZodError, location: 'json' | 'query' | 'param' | string): { field: string | null; message: string } {
  const issue = error.issues[0]!;
  const path = issue.path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index ? `.${String(part)}` : String(part))).join('');
  if (location === 'json' && path === 'data' && issue.code === 'invalid_type') {
    return { field: 'data', message: 'The request body must be a JSON object carrying its fields in "data"' };
  }
  if (location === 'json' && !path) return { field: null, message: 'The request body must be a JSON object' };
  return { field: path || null, message: `${path ? `${path}: ` : ''}${issue.message}` };
}

export const nullableString = (description?: string) => z.string().nullish().openapi(description ? { description } : {});
