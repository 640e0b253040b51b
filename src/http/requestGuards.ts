import type { Plugin } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import { appError } from '../domain/errors.js';
import { limits } from '../domain/validation.js';
import { toGraphQLError } from '../schema/errors.js';

const JSON_CONTENT_TYPES = ['application/json', 'application/graphql+json', 'application/graphql-response+json'];

/** Whether a Content-Type header names JSON (any parameters, such as charset, aside). */
export function isJsonContentType(header: string | null): boolean {
  return JSON_CONTENT_TYPES.includes(header?.split(';')[0]?.trim().toLowerCase() ?? '');
}

/**
 * CSRF prevention. Keys travel only in headers (never cookies), so a forged cross-site request cannot carry
 * one; on top of that a POST must be JSON. Browsers send form, multipart and text/plain bodies cross-site
 * without asking the server first; a JSON body (or any custom header) forces a CORS preflight, which the
 * CORS settings then refuse for origins not allowed. GET runs queries only (yoga refuses mutations there).
 */
export function useJsonOnlyPosts(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      if (!isJsonContentType(request.headers.get('content-type'))) throw toGraphQLError(appError('UNSUPPORTED_CONTENT_TYPE'));
    },
  };
}

/**
 * The body-size limit, answered as PAYLOAD_TOO_LARGE (413). A declared Content-Length is checked before the
 * body is read, and Node's HTTP parser never delivers more bytes than a request declares; only a body
 * without one (chunked) is counted as it arrives, and refused as soon as it passes the limit. yoga's own
 * check (maxRequestBodySize, switched off in server.ts) pipes every body through a web TransformStream,
 * which took a fifth of the CPU of a small query (BENCHMARKS.md, levers).
 */
export function useBodySizeLimit(maxBodyBytes: number): Plugin {
  const tooLarge = () => toGraphQLError(appError('PAYLOAD_TOO_LARGE', undefined, `The request body is too large: at most ${maxBodyBytes} bytes`));
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null && /^\d+$/.test(declared)) {
        if (Number(declared) > maxBodyBytes) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (received) => {
        const body = await readAtMost(received, maxBodyBytes);
        if (body === null) throw tooLarge();
        return parse(new fetchAPI.Request(received.url, { method: received.method, headers: received.headers, body }));
      });
    },
  };
}

/**
 * The body of a request within `maxBodyBytes`, or null when it is larger: a declared Content-Length is
 * checked before reading, a chunked body as it arrives.
 */
export async function readBodyWithin(request: Request, maxBodyBytes: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBodyBytes) return null;
  if (!request.body) return '';
  return readAtMost(request, maxBodyBytes);
}

/** The whole body, or null as soon as it passes `limit` bytes (the rest is not read). */
async function readAtMost(request: Request, limit: number): Promise<string | null> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

/** The refusal of JSON nested past `limits.nesting`, whichever front received it. */
export function inputTooDeep() {
  return appError('INPUT_TOO_DEEP', undefined, `${appError('INPUT_TOO_DEEP').message}: at most ${limits.nesting} levels of objects and arrays`);
}

