import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { presentedApiKey } from '../auth.js';
import type { Database } from '../db/database.js';
import { appError } from '../domain/errors.js';
import { isValidIdempotencyKey, restRequestFingerprint } from '../domain/idempotency.js';
import { limits } from '../domain/validation.js';
import type { HardeningConfig } from '../http/config.js';
import { jsonNestsDeeperThan } from '../http/nesting.js';
import { type RateLimiter, rateLimitBucket, retryAfterSeconds } from '../http/rateLimit.js';
import { inputTooDeep, isJsonContentType, readBodyWithin } from '../http/requestGuards.js';
import { accessLogger, type Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { requestIdOf } from '../observability/requestObserver.js';
import { endSpan, startRequestSpan, type Tracing } from '../observability/tracing.js';
import type { Authenticate } from '../services/apiKeyCache.js';
import { claimIdempotencyKey, purgeExpiredIdempotencyKeys, recordIdempotentResponse, releaseIdempotencyKey } from '../services/idempotency.js';
import { createRequestScope } from '../services/loaders.js';
import type { RestEnv } from './context.js';

/**
 * The REST front's side of the guards both fronts share (src/http/): the same rate-limit buckets, key
 * cache, body limits, nesting bound and idempotency records as GraphQL, answered in the REST error shape.
 */

type Middleware = MiddlewareHandler<RestEnv>;

/** Outermost: request id, one log line, Prometheus samples by route template, and a server span. */
export function observeRequests({ logger: given, metrics, tracing }: { logger: Logger; metrics: GatewayMetrics; tracing?: Tracing }): Middleware {
  const logger = accessLogger(given);
  return async (c, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(c.req.raw);
    c.set('requestId', requestId);
    c.set('errorCodes', []);
    c.set('route', 'unmatched');
    c.set('fieldNames', {});
    const span = tracing ? startRequestSpan(tracing.tracer, c.req.raw, c.req.path) : undefined;
    await next();
    c.header('x-request-id', requestId);
    // The route template that matched (`/v1/audiences/{audience_id}`), never the raw path: a bounded label set.
    const endpoint = matchedRoutes(c).filter((route) => route.method !== 'ALL').at(-1);
    if (endpoint) c.set('route', endpoint.path.replace(/:(\w+)/g, '{$1}'));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { route, errorCodes } = c.var;
    const status = c.res.status;
    metrics.observeRestRequest({ route, method: c.req.method, status, seconds, errorCodes });
    if (span) {
      span.updateName(`${c.req.method} ${route}`);
      span.setAttribute('http.route', route);
      if (c.var.account) span.setAttribute('gateway.account.id', c.var.account.id);
      endSpan(span, status, errorCodes);
    }
    const fields = {
      requestId,
      method: c.req.method,
      route,
      accountId: c.var.account?.id,
      status,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ...(errorCodes.length ? { errorCodes } : {}),
    };
    if (status >= 500) logger.error(fields, 'rest request');
    else logger.info(fields, 'rest request');
  };
}

/** One token a request from the bucket GraphQL requests with the same key spend from. */
export function rateLimit(limiter: RateLimiter): Middleware {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const decision = await limiter.take(rateLimitBucket(c.req.raw.headers, c.env.incoming.socket.remoteAddress));
    if (!decision.allowed) throw appError('RATE_LIMITED').withHeaders({ 'Retry-After': retryAfterSeconds(decision) });
    return next();
  };
}

/** Every endpoint but the document and its reference page needs a key of an account. */
export function authenticate(database: Database, authenticateKey: Authenticate): Middleware {
  return async (c, next) => {
    const key = presentedApiKey(c.req.raw.headers);
    const account = key ? await authenticateKey(key) : null;
    if (!account) throw appError('UNAUTHENTICATED');
    c.set('account', account);
    c.set('scope', createRequestScope({ ...database.forAccount(account.id), accountId: account.id }));
    return next();
  };
}

/**
 * Bodies of POST and PUT: JSON only (which forces a CORS preflight, as for GraphQL), within MAX_BODY_BYTES,
 * parseable, and nested at most limits.nesting deep, checked before any validator walks them.
 */
export function jsonBodies(hardening: HardeningConfig): Middleware {
  return async (c, next) => {
    if (c.req.method !== 'POST' && c.req.method !== 'PUT') return next();
    if (!isJsonContentType(c.req.header('content-type') ?? null)) throw appError('UNSUPPORTED_CONTENT_TYPE', undefined, 'Request bodies must be JSON (content-type: application/json)');
    const text = await readBodyWithin(c.req.raw, hardening.maxBodyBytes);
    if (text === null) throw appError('PAYLOAD_TOO_LARGE', undefined, `The request body is too large: at most ${hardening.maxBodyBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw appError('MALFORMED_JSON', undefined, text.trim() ? 'The request body is not valid JSON' : 'The request body is empty: send a JSON object');
    }
    if (jsonNestsDeeperThan(body, limits.nesting)) throw inputTooDeep();
    c.set('body', body);
    // The route validators read the body through Hono's cache: they get the value parsed here.
    c.req.bodyCache.json = Promise.resolve(body);
    return next();
  };
}

const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * `Idempotency-Key` on POST, PUT and DELETE, with the records GraphQL mutations use: a retry with the same
 * key and the same call (method, path, body) gets the first response again with `Idempotent-Replayed: true`.
 */
export function idempotencyKeys(database: Database, logger: Logger): Middleware {
  let lastPurge = 0;
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || !['POST', 'PUT', 'DELETE'].includes(c.req.method)) return next();
    if (!isValidIdempotencyKey(key)) throw appError('IDEMPOTENCY_KEY_INVALID');
    const accountId = c.var.account.id;
    const url = new URL(c.req.url);
    const fingerprint = restRequestFingerprint({ method: c.req.method, path: url.pathname + url.search, body: c.var.body ?? null });
    const claim = await claimIdempotencyKey(database.prisma, accountId, key, fingerprint);
    if (claim.kind === 'reused') throw appError('IDEMPOTENCY_KEY_REUSED');
    if (claim.kind === 'inProgress') throw appError('IDEMPOTENCY_KEY_IN_PROGRESS');
    if (claim.kind === 'replay') {
      const { status, contentType, body } = claim.response;
      return new Response(status === 204 ? null : body, { status, headers: { 'content-type': contentType, 'idempotent-replayed': 'true' } });
    }
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      purgeExpiredIdempotencyKeys(database.prisma).catch((error: Error) => logger.error({ err: error.message }, 'idempotency purge failed'));
    }
    await next();
    try {
      // An outage or an unexpected failure did not do the work: the key is freed so the retry runs.
      if (c.res.status >= 500) {
        await releaseIdempotencyKey(database.prisma, accountId, key);
        return;
      }
      const body = c.res.status === 204 ? '' : await c.res.clone().text();
      await recordIdempotentResponse(database.prisma, accountId, key, {
        status: c.res.status,
        contentType: c.res.headers.get('content-type') ?? 'application/json',
        body,
      });
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'could not record an idempotent response');
    }
  };
}
