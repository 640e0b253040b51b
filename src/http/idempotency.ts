import type { Plugin } from 'graphql-yoga';
import { getOperationAST } from 'graphql';
import { appError } from '../domain/errors.js';
import { isValidIdempotencyKey, requestFingerprint } from '../domain/idempotency.js';
import { toGraphQLError } from '../schema/errors.js';
import type { GraphQLContext } from '../schema/context.js';
import {
  claimIdempotencyKey,
  purgeExpiredIdempotencyKeys,
  recordIdempotentResponse,
  releaseIdempotencyKey,
  type StoredResponse,
} from '../services/idempotency.js';
import type { Logger } from '../server.js';

type Pending = { kind: 'claimed'; accountId: string; key: string; context: GraphQLContext } | { kind: 'replay'; response: StoredResponse };

/** Codes that mean the request did not get to do its work: the key is freed so a retry runs it. */
const RETRYABLE_CODES = ['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR'];
const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * `Idempotency-Key` on mutations. The first request with a key (per account) runs and its HTTP response
 * (status and body) is stored; a retry with the same key and the same request gets that response again,
 * marked `Idempotent-Replayed: true`, and writes nothing. The same key with another request is refused
 * (IDEMPOTENCY_KEY_REUSED), as is a retry while the first is still running (IDEMPOTENCY_KEY_IN_PROGRESS).
 * Records live 24 hours. Queries ignore the header: they write nothing.
 */
export function useIdempotencyKeys(logger: Logger): Plugin<GraphQLContext & { request: Request }> {
  const fingerprints = new WeakMap<Request, string>();
  const pending = new WeakMap<Request, Pending>();
  let lastPurge = 0;
  return {
    onParams({ params, request }) {
      if (request.headers.has('idempotency-key')) fingerprints.set(request, requestFingerprint(params));
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue;
      const key = context.request.headers.get('idempotency-key');
      if (key === null || !context.account) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      if (!isValidIdempotencyKey(key)) {
        setResultAndStopExecution({ errors: [toGraphQLError(appError('IDEMPOTENCY_KEY_INVALID'))] });
        return;
      }
      const fingerprint = fingerprints.get(context.request) ?? requestFingerprint({});
      const claim = await claimIdempotencyKey(context.prisma, context.account.id, key, fingerprint);
      if (claim.kind === 'claimed') {
        pending.set(context.request, { kind: 'claimed', accountId: context.account.id, key, context });
        if (Date.now() - lastPurge > PURGE_EVERY_MS) {
          lastPurge = Date.now();
          purgeExpiredIdempotencyKeys(context.prisma).catch((error: Error) => logger.error({ err: error.message }, 'idempotency purge failed'));
        }
        return;
      }
      if (claim.kind === 'replay') {
        pending.set(context.request, { kind: 'replay', response: claim.response });
        // Nothing runs; onResultProcess answers with the stored response instead of this placeholder.
        setResultAndStopExecution({ data: null });
        return;
      }
      const name = claim.kind === 'reused' ? 'IDEMPOTENCY_KEY_REUSED' : 'IDEMPOTENCY_KEY_IN_PROGRESS';
      setResultAndStopExecution({ errors: [toGraphQLError(appError(name))] });
    },
    onResultProcess({ request, setResultProcessor }) {
      const state = pending.get(request);
      if (state?.kind !== 'replay') return;
      const { status, contentType, body } = state.response;
      setResultProcessor(
        (_result, fetchAPI) => new fetchAPI.Response(body, { status, headers: { 'content-type': contentType, 'idempotent-replayed': 'true' } }),
        contentType,
      );
    },
    async onResponse({ request, response }) {
      const state = pending.get(request);
      if (state?.kind !== 'claimed') return;
      const { context, accountId, key } = state;
      try {
        const body = await response.clone().text();
        if (response.status >= 500 || mentionsRetryableError(body)) {
          await releaseIdempotencyKey(context.prisma, accountId, key);
          return;
        }
        await recordIdempotentResponse(context.prisma, accountId, key, {
          status: response.status,
          contentType: response.headers.get('content-type') ?? 'application/json',
          body,
        });
      } catch (error) {
        // The key stays claimed without an answer; it is given up after ABANDONED_CLAIM_MINUTES.
        logger.error({ err: (error as Error).message }, 'could not record an idempotent response');
      }
    },
  };
}

function mentionsRetryableError(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ extensions?: { code?: string } }> };
    return (parsed.errors ?? []).some((error) => RETRYABLE_CODES.includes(error.extensions?.code ?? ''));
  } catch {
    return true;
  }
}
