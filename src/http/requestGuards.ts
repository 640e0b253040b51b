import type { Plugin } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import { appError } from '../domain/errors.js';
import { toGraphQLError } from '../schema/errors.js';

const JSON_CONTENT_TYPES = ['application/json', 'application/graphql+json', 'application/graphql-response+json'];

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
      const contentType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
      if (!JSON_CONTENT_TYPES.includes(contentType)) throw toGraphQLError(appError('UNSUPPORTED_CONTENT_TYPE'));
    },
  };
}

/** yoga's own body-size check (maxRequestBodySize) answers 413 with a code of its own: say it in ours. */
export function useCataloguedBodyLimit(maxBodyBytes: number): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !result || typeof result !== 'object' || !('errors' in result) || !result.errors?.length) return;
      if (!result.errors.some((error) => error.extensions?.code === 'REQUEST_ENTITY_TOO_LARGE')) return;
      const tooLarge = appError('PAYLOAD_TOO_LARGE', undefined, `The request body is too large: at most ${maxBodyBytes} bytes`);
      setResult({
        ...result,
        errors: result.errors.map((error) => (error.extensions?.code === 'REQUEST_ENTITY_TOO_LARGE' ? toGraphQLError(tooLarge) : error)) as GraphQLError[],
      });
    },
  };
}

