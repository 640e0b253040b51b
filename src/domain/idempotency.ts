import { createHash } from 'node:crypto';

/** How long a first response is replayed to retries with the same Idempotency-Key. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;
/**
 * A claim whose request never recorded an answer (the process died mid-request) is given up after this
 * long, so the key does not stay "in progress" for a whole day.
 */
export const ABANDONED_CLAIM_MINUTES = 5;

/** Keys are opaque to us (clients often send UUIDs): visible ASCII, 1 to 255 characters. */
export function isValidIdempotencyKey(key: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(key);
}

/**
 * What makes two requests "the same" for an idempotency key: the query text, the operation name and the
 * variables, with object keys in a canonical order (JSON clients may order them differently on a retry).
 */
export function requestFingerprint(params: { query?: unknown; operationName?: unknown; variables?: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ query: params.query ?? null, operationName: params.operationName ?? null, variables: params.variables ?? null }))
    .digest('hex');
}

/** The same for a REST call: method, path with its query string, and the parsed body. */
export function restRequestFingerprint(request: { method: string; path: string; body: unknown }): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
