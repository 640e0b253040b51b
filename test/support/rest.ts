import { expect } from 'vitest';
import type { TestApp } from './app.js';

export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body; null for an empty one (204). */
  body: T;
  text: string;
}

export interface RestOptions {
  /** The API key; null sends none. */
  key?: string | null;
  headers?: Record<string, string>;
  /** Sent as it is instead of JSON.stringify(body). */
  raw?: string;
}

/** One REST call over real HTTP, with a key (X-Dexatel-Key) unless told otherwise. */
export async function rest<T = any>(app: TestApp, defaultKey: string, method: string, path: string, body?: unknown, options: RestOptions = {}): Promise<RestResponse<T>> {
  const key = options.key === undefined ? defaultKey : options.key;
  const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await fetch(path.startsWith('http') ? path : `${app.url}${path}`, {
    method,
    headers: {
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(key ? { 'x-dexatel-key': key } : {}),
      ...options.headers,
    },
    body: payload,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, text };
}

export interface ExpectedDexatelError {
  status: number;
  /** The seed's numeric code, or null for failures the seeds do not number. */
  code: number | null;
  name: string;
  /** The field as the request spells it; null: none; omitted: not checked. */
  field?: string | null;
}

/** Asserts a Dexatel-style error response: HTTP status, numeric code, catalogue name, field, no leaks. */
export function expectDexatelError(response: RestResponse, expected: ExpectedDexatelError) {
  expect(response.status, response.text).toBe(expected.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const error = response.body?.error;
  expect(error, response.text).toMatchObject({ status: expected.status, code: expected.code, name: expected.name });
  expect(typeof error.message).toBe('string');
  if (expected.field !== undefined) expect(error.field).toBe(expected.field);
  expect(response.text).not.toMatch(/prisma|SELECT|INSERT|stack|\.ts:\d+/i);
  return error as { status: number; code: number | null; name: string; message: string; field: string | null };
}
