import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/database.js';
import { isDatabaseUnreachable } from '../db/unreachable.js';
import { AppError, appError } from '../domain/errors.js';
import type { HardeningConfig } from '../http/config.js';
import type { RateLimiter } from '../http/rateLimit.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { Authenticate } from '../services/apiKeyCache.js';
import { registerAccountRoutes } from './accounts/routes.js';
import { registerAudienceRoutes } from './audiences/routes.js';
import { registerApiReference } from './docs.js';
import { registerContactRoutes } from './contacts/routes.js';
import type { RestEnv } from './context.js';
import { errorBody, errorField, errorStyleFor, RestFieldError } from './errors.js';
import { authenticate, idempotencyKeys, jsonBodies, observeRequests, rateLimit } from './guards.js';
import { describeZodError } from './schemas.js';

export interface RestDependencies {
  database: Database;
  authenticate: Authenticate;
  rateLimiter: RateLimiter;
  hardening: HardeningConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  tracing?: Tracing;
}

/** The OpenAPI document's header: the routes add their paths to it. */
export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Contact Gateway REST API',
    version: '1.0.0',
    description:
      "Dexatel's Audience API v1 (audiences and the contacts in them) and a contacts API after seed 003 (account-level " +
      'contacts and their lists), on the same data, keys, rules and limits as the GraphQL API at /graphql.',
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
  },
  // Relative: the server that serves this document (http://localhost:4000 under npm start), so the reference
  // page's "Try it out" calls the host it was loaded from.
  servers: [{ url: '/', description: 'This server' }],
};

/**
 * The REST front: Hono routes under /v1, described by zod schemas that also generate /v1/openapi.json.
 * Hono (with @hono/zod-openapi) was chosen over Fastify and its swagger plugin because it speaks the fetch
 * API yoga speaks, is small, and derives the OpenAPI 3.1 document and the request validation from one set of
 * schemas, so the document cannot drift from what the code accepts.
 */
export function createRestFront(deps: RestDependencies): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { database, logger, hardening } = deps;
  const app = new OpenAPIHono<RestEnv>({
    // A body, query or path that does not fit its schema: 400 naming the field as the client spelled it.
    defaultHook: (result) => {
      if (result.success) return;
      const { field, message } = describeZodError(result.error, result.target);
      throw new RestFieldError('REQUEST_INVALID', field, message);
    },
  }).basePath('/v1');

  app.use('*', observeRequests(deps));
  if (hardening.corsOrigins.length) {
    app.use('*', cors({ origin: hardening.corsOrigins.includes('*') ? '*' : hardening.corsOrigins, exposeHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'] }));
  }
  app.use('*', rateLimit(deps.rateLimiter));
  app.use('*', async (c, next) => {
    // The document and its reference page are public, like GraphQL introspection; all data needs a key.
    if (c.req.method === 'GET' && (c.req.path === '/v1/openapi.json' || c.req.path.startsWith('/v1/docs'))) return next();
    return authenticate(database, deps.authenticate)(c, next);
  });
  app.use('*', jsonBodies(hardening));
  app.use('*', idempotencyKeys(database, logger));

  app.openAPIRegistry.registerComponent('securitySchemes', 'DexatelKey', { type: 'apiKey', in: 'header', name: 'X-Dexatel-Key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  registerAccountRoutes(app);
  registerAudienceRoutes(app, { readInSnapshot: database.readInSnapshot, logger });
  registerContactRoutes(app);
  registerApiReference(app, { title: openApiInfo.info.title, documentPath: '/v1/openapi.json' });
  app.doc31('/openapi.json', openApiInfo);

  app.notFound(() => {
    throw appError('ROUTE_NOT_FOUND');
  });
  app.onError((thrown, c) => {
    let error: AppError;
    if (thrown instanceof AppError) error = thrown;
    else if (isDatabaseUnreachable(thrown)) {
      logger.error({ route: c.var.route, err: thrown.message }, 'database unreachable');
      error = appError('SERVICE_UNAVAILABLE').withHeaders({ 'Retry-After': '1' });
    } else {
      logger.error({ route: c.var.route, err: { name: thrown.name, message: thrown.message, stack: thrown.stack } }, 'unexpected error');
      error = appError('INTERNAL_SERVER_ERROR');
    }
    c.var.errorCodes?.push(error.code);
    const style = errorStyleFor(c.req.path);
    const field = errorField(error, c.var.fieldNames ?? {}, style);
    const headers: Record<string, string> = { ...error.headers };
    if (error.code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer';
    return c.json(errorBody(error, style, field), error.status as 400, headers);
  });

  return getRequestListener(app.fetch, { overrideGlobalObjects: false });
}
