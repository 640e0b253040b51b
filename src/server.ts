import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { Gauge } from 'prom-client';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import type { Database } from './db/database.js';
import { type AuthState, presentedApiKey, useAuthentication } from './auth.js';
import { authenticateApiKey, forgetRevokedKeys } from './services/accounts.js';
import { type Authenticate, cacheApiKeyAuthentication } from './services/apiKeyCache.js';
import type { createRestFront } from './rest/app.js';
import { schema as defaultSchema } from './schema/index.js';
import type { GraphQLContext } from './schema/context.js';
import { useCataloguedCoercionErrors } from './schema/coercionErrors.js';
import { useCompiledQueries } from './schema/compiledQueries.js';
import { findAppError, internalServerError, toGraphQLError } from './schema/errors.js';
import { appError } from './domain/errors.js';
import { isDatabaseUnreachable } from './db/unreachable.js';
import { type HardeningConfig, hardeningConfigFromEnv } from './http/config.js';
import { useDocumentShapeLimits, useIntrospectionSwitch, useOperationLimits } from './http/limits.js';
import { inProcessRateLimiter, type RateLimiter, redisRateLimiter, useRateLimit } from './http/rateLimit.js';
import { useBodySizeLimit, useJsonOnlyPosts } from './http/requestGuards.js';
import { useIdempotencyKeys } from './http/idempotency.js';
import { graphiqlOptions, renderOfflineGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { inProcessPersistedQueries, type PersistedQueryStore, redisPersistedQueries, usePersistedQueries } from './persistedQueries.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { requestIdOf, useRequestObserver } from './observability/requestObserver.js';
import type { Tracing } from './observability/tracing.js';
import { createLiveEvents, type LiveConnection, type LiveEvents } from './services/liveEvents.js';
import { graphqlOverWebSocket, type WebSocketInitialContext } from './graphqlWebSocket.js';
import { useSharedSubscriptionResults } from './schema/subscriptions/sharedResults.js';

export type { Logger } from './observability/logger.js';

export interface GatewayOptions {
  database: Database;
  logger?: Logger;
  /** Reuse a key's account for this long (0: look the key up on every request). A revoked key works until it expires. */
  apiKeyCacheTtlMs?: number;
  /** Limits, rate limit, CORS, introspection; default: from the environment (src/http/config.ts). */
  hardening?: HardeningConfig;
  /** Prometheus metrics served at /metrics; a fresh registry when omitted. */
  metrics?: GatewayMetrics;
  /** OpenTelemetry tracing; none when omitted (see tracingFromEnv). */
  tracing?: Tracing;
  /** How often a WebSocket is pinged (a peer silent until the next ping is dropped); default 12 s, as yoga's SSE pings. */
  liveKeepAliveMs?: number;
  /** The GraphQL schema served; default schema.graphql's. FEDERATION=1 serves the subgraph (src/schema/federation/). */
  schema?: GraphQLSchema;
}

export type GraphQLFront = YogaServerInstance<Record<string, never>, GraphQLContext & AuthState>;

/** Both fronts behind one Node request listener: /v1 is the REST API, everything else yoga's. */
export interface Gateway {
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** The HTTP server's `upgrade` event: GraphQL over WebSocket (graphql-ws) on /graphql. */
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  graphql: GraphQLFront;
  /** Ends every live subscription (SSE streams complete, WebSockets close with 1001): first step of a shutdown. */
  endLiveUpdates(): Promise<void>;
  dispose(): Promise<void>;
  /** Resolves once this process hears key revocations announced by any process (see forgetRevokedKeys). */
  hearingRevocations: Promise<void>;
}

export function createGateway(options: GatewayOptions): Gateway {
  const {
    database,
    logger = createLogger(),
    metrics = createMetrics(),
    tracing,
    apiKeyCacheTtlMs = 0,
    hardening = hardeningConfigFromEnv(),
    schema = defaultSchema,
    liveKeepAliveMs = 12_000,
  } = options;
  // One key cache and one rate-limit bucket per key for both fronts.
  const authenticate = cacheApiKeyAuthentication((key) => authenticateApiKey(database.prisma, key), { ttlMs: apiKeyCacheTtlMs });
  // Live updates: one LISTEN for the process. A revoked key's streams end when its revocation is announced (below);
  // keys with open subscriptions are also looked up again, uncached, once per cache TTL (every second without a
  // cache), should an announcement be missed.
  const liveEvents = createLiveEvents({
    notifications: database.notifications,
    authenticate: (key) => authenticateApiKey(database.prisma, key),
    settings: {
      subscriptionsPerKey: hardening.subscriptionsPerKey,
      subscriptionsPerConnection: hardening.subscriptionsPerConnection,
      bufferSize: hardening.subscriptionBuffer,
      keyRecheckMs: apiKeyCacheTtlMs > 0 ? apiKeyCacheTtlMs : 1_000,
    },
    onError: (error) => logger.error({ err: describeCause(error) }, 'live updates: a key check failed'),
  });
  // A key revoked on any process is forgotten here at once (PostgreSQL NOTIFY), not after the cache's TTL, and its
  // live subscriptions end.
  const keyRevoked = {
    forget(hash: string) {
      authenticate.forget(hash);
      liveEvents.endKey(hash);
    },
    clear: () => authenticate.clear(),
  };
  const revocations = forgetRevokedKeys(database.notifications, keyRevoked, (error) =>
    logger.error({ err: error.message }, 'key revocations: not listening yet, retrying'),
  );
  const rateSettings = { perSecond: hardening.rateLimitPerSecond, burst: hardening.rateLimitBurst };
  const rateLimiter: RateLimiter = hardening.redisUrl
    ? redisRateLimiter(hardening.redisUrl, rateSettings, logger)
    : inProcessRateLimiter(rateSettings);
  // Registered once for the fleet when the processes share a Redis, as the rate limit is.
  const persistedQueries = hardening.redisUrl ? redisPersistedQueries(hardening.redisUrl, logger) : inProcessPersistedQueries();
  // Open subscriptions, for operators (and for tests, which wait for a subscription to be in place before writing).
  if (!metrics.registry.getSingleMetric('gateway_live_subscriptions')) {
    new Gauge({
      name: 'gateway_live_subscriptions',
      help: 'Live subscriptions open in this process (each listening for every event committed from then on)',
      registers: [metrics.registry],
      collect() {
        this.set(liveEvents.size());
      },
    });
  }
  // Each read replica's lag and whether reads go to it (DATABASE_READ_URL), as /ready reports them.
  if (database.config.kind === 'postgres' && database.config.replicas && !metrics.registry.getSingleMetric('gateway_read_replica_lag_ms')) {
    const replicas = async () => (await database.health()).filter((entry) => entry.role === 'replica');
    new Gauge({
      name: 'gateway_read_replica_lag_ms',
      help: 'How far each read replica was behind the primary at its last check (absent while it does not answer)',
      labelNames: ['replica'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const replica of await replicas()) if (replica.lagMs != null) this.set({ replica: replica.name }, replica.lagMs);
      },
    });
    new Gauge({
      name: 'gateway_read_replica_serving',
      help: 'Whether reads go to each read replica (1) or it is skipped, down or too far behind (0)',
      labelNames: ['replica'] as const,
      registers: [metrics.registry],
      async collect() {
        for (const replica of await replicas()) this.set({ replica: replica.name }, replica.serving ? 1 : 0);
      },
    });
  }
  const shared = { database, logger, metrics, tracing, hardening, authenticate, rateLimiter, persistedQueries, liveEvents };
  const graphql = createGraphQLFront(shared, schema);
  const webSockets = graphqlOverWebSocket({ yoga: graphql as never, path: '/graphql', hardening, rateLimiter, keepAliveMs: liveKeepAliveMs });
  // The REST front (Hono, its zod schemas, the OpenAPI document) is built on its first request: about 8 MB of
  // heap a server that serves only GraphQL never needs (an idle server measured 153 MB RSS before its first
  // /v1 request, 157-161 MB after; issue 13's idle target is 150). That first request waits for it (0.4 s).
  let rest: Promise<ReturnType<typeof createRestFront>> | undefined;
  const restFront = () => (rest ??= import('./rest/app.js').then((module) => module.createRestFront(shared)));
  return {
    listener: (req, res) => {
      if (req.url?.startsWith('/v1/') || req.url === '/v1') {
        restFront().then(
          (handle) => void handle(req, res),
          (error: unknown) => {
            logger.error({ err: describeCause(error) }, 'the REST front failed to load');
            res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'INTERNAL_SERVER_ERROR' }));
          },
        );
      } else void graphql(req, res);
    },
    upgrade: (req, socket, head) => webSockets.handleUpgrade(req, socket, head),
    graphql,
    // WebSockets first, closed with 1001 (going away: graphql-ws clients reconnect by themselves); then the SSE
    // streams left get SERVICE_UNAVAILABLE as their last event, so their clients know to subscribe again.
    async endLiveUpdates() {
      await webSockets.close();
      await liveEvents.close();
    },
    hearingRevocations: revocations.listening,
    async dispose() {
      await webSockets.close();
      await liveEvents.close();
      await graphql.dispose();
      await rateLimiter.close();
      await revocations.stop();
      await persistedQueries.close();
    },
  };
}

interface FrontDependencies {
  database: Database;
  logger: Logger;
  metrics: GatewayMetrics;
  tracing?: Tracing;
  hardening: HardeningConfig;
  authenticate: Authenticate;
  rateLimiter: RateLimiter;
  persistedQueries: PersistedQueryStore;
  liveEvents: LiveEvents;
}

function createGraphQLFront({
  database,
  logger,
  metrics,
  tracing,
  hardening,
  authenticate,
  rateLimiter,
  persistedQueries,
  liveEvents,
}: FrontDependencies, schema: GraphQLSchema): GraphQLFront {
  const graphqlEndpoint = '/graphql';
  return createYoga<Record<string, never>, GraphQLContext & AuthState>({
    schema,
    // The limit is useBodySizeLimit's (below): yoga's would stream every body through a web TransformStream.
    maxRequestBodySize: false,
    // Keys travel in headers, so multipart (file uploads, which this API has none of) is only a CSRF vector.
    multipart: false,
    cors: hardening.corsOrigins.length === 0 ? false : { origin: hardening.corsOrigins.includes('*') ? '*' : hardening.corsOrigins },
    graphqlEndpoint,
    landingPage: false,
    graphiql: graphiqlOptions,
    renderGraphiQL: renderOfflineGraphiQL,
    logging: false,
    context: async (initial) => {
      const { request } = initial;
      const key = presentedApiKey(request.headers);
      const account = key ? await authenticate(key) : null;
      return {
        account,
        rejectedKey: key !== null && account === null,
        // The account's reads may go to a read replica that has its writes (src/db/replicas.ts).
        ...(account ? database.forAccount(account.id) : { prisma: database.prisma, readRows: database.readRows }),
        requestId: requestIdOf(request),
        live: { events: liveEvents, key, connection: liveConnectionOf(initial), primary: { prisma: database.prisma, readRows: database.readRows } },
      };
    },
    maskedErrors: {
      maskError(error) {
        const catalogued = findAppError(error);
        if (catalogued) return toGraphQLError(catalogued, error as GraphQLError);
        const graphQLError = error as GraphQLError;
        // The database is down or unreachable: nothing was done, and a retry may succeed. Anything else
        // unexpected stays masked as INTERNAL_SERVER_ERROR below.
        if (isDatabaseUnreachable(error)) {
          logger.error({ path: graphQLError?.path, err: (graphQLError?.originalError as Error | undefined)?.message ?? String(error) }, 'database unreachable');
          return toGraphQLError(appError('SERVICE_UNAVAILABLE').withHeaders({ 'Retry-After': '1' }), graphQLError);
        }
        // Errors GraphQL itself raised about the request (syntax, validation, coercion) are the client's to see.
        if (isRequestError(graphQLError)) return graphQLError;
        logger.error({ path: graphQLError?.path, err: describeCause(graphQLError?.originalError ?? error) }, 'unexpected error');
        return internalServerError(graphQLError);
      },
    },
    plugins: [
      // Observed first, so a refused request is logged and counted too.
      useRequestObserver({ logger, metrics, tracing, graphqlEndpoint }),
      useGraphiQLAssets(),
      useRateLimit(rateLimiter),
      useJsonOnlyPosts(),
      useBodySizeLimit(hardening.maxBodyBytes),
      useDocumentShapeLimits(hardening),
      usePersistedQueries(persistedQueries),
      useIntrospectionSwitch(hardening),
      useAuthentication(),
      useOperationLimits(hardening),
      useIdempotencyKeys(logger),
      useCataloguedCoercionErrors(),
      useCompiledQueries(),
      useSharedSubscriptionResults(),
      {
        async onRequest({ url, fetchAPI, endResponse }) {
          // /health (process up) is yoga's own health check; /ready also asks the database, and says how each
          // database (the primary, each read replica) is; only the primary decides it, as replicas have a fallback.
          if (url.pathname === '/metrics') {
            endResponse(new fetchAPI.Response(await metrics.registry.metrics(), {
              headers: { 'content-type': metrics.registry.contentType },
            }));
          }
          if (url.pathname === '/ready') {
            const databases = await database.health();
            const ready = databases[0]!.reachable;
            endResponse(new fetchAPI.Response(JSON.stringify({ ready, database: database.config.kind, databases }), {
              status: ready ? 200 : 503,
              headers: { 'content-type': 'application/json' },
            }));
          }
        },
      },
    ],
  });
}

/**
 * The connection a subscription runs on: a WebSocket's (graphqlWebSocket.ts passes it), or an SSE request's own,
 * which carries one subscription and is cut off by closing its socket.
 */
function liveConnectionOf(initial: object): LiveConnection {
  const { liveConnection } = initial as Partial<WebSocketInitialContext>;
  if (liveConnection) return liveConnection;
  const { req } = initial as { req?: IncomingMessage };
  return { open: 0, disconnect: () => req?.socket.destroy() };
}

/** A GraphQL error all the way down: nothing but GraphQL's own checks of the request produced it. */
function isRequestError(error: unknown): boolean {
  let current = error as { name?: string; originalError?: unknown } | undefined;
  for (let depth = 0; depth < 5; depth++) {
    if (!current || current.name !== 'GraphQLError') return false;
    if (!current.originalError) return true;
    current = current.originalError as typeof current;
  }
  return false;
}

function describeCause(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
