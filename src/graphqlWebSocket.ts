import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type { WebSocketServer } from 'ws';
import { appError } from './domain/errors.js';
import { checkDocumentShape } from './http/limits.js';
import type { HardeningConfig } from './http/config.js';
import { type RateLimiter, rateLimitBucket } from './http/rateLimit.js';
import { toGraphQLError } from './schema/errors.js';
import type { LiveConnection } from './services/liveEvents.js';

/**
 * GraphQL over WebSocket (the graphql-ws protocol that Apollo's GraphQLWsLink and urql's subscriptionExchange
 * speak), on the HTTP server's own port and path. Each operation runs through yoga's envelope, so it meets the
 * same plugins as over HTTP: authentication, depth/alias/cost limits, error masking; the document's shape and
 * the rate limit, which yoga checks per HTTP request, are checked here per operation.
 */

/** What yoga's context function is given for an operation on a WebSocket (see createGraphQLFront). */
export interface WebSocketInitialContext {
  request: Request;
  liveConnection: LiveConnection;
}

interface Enveloped {
  getEnveloped(initial: WebSocketInitialContext & { params: unknown }): {
    schema: ExecutionArgs['schema'];
    parse(source: string): ExecutionArgs['document'];
    validate(schema: ExecutionArgs['schema'], document: ExecutionArgs['document']): readonly GraphQLError[];
    contextFactory(): Promise<unknown> | unknown;
    execute(args: ExecutionArgs): unknown;
    subscribe(args: ExecutionArgs): unknown;
  };
}

export interface WebSocketFront {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection (1001, going away): clients reconnect to another process. */
  close(): Promise<void>;
}

/** The headers an operation carries: the upgrade request's, overridden by the connection_init payload's. */
function operationHeaders(upgrade: IncomingMessage, connectionParams: Readonly<Record<string, unknown>> | undefined): Headers {
  const headers = new Headers();
  for (const name of ['x-dexatel-key', 'authorization', 'x-request-id']) {
    const value = upgrade.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  // Browsers cannot set headers on a WebSocket, so the key travels in the payload: { "X-Dexatel-Key": "..." }, or
  // { "Authorization": "Bearer ..." }, or the same inside "headers".
  const params = connectionParams ?? {};
  const nested = typeof params.headers === 'object' && params.headers !== null ? (params.headers as Record<string, unknown>) : {};
  for (const [name, value] of [...Object.entries(params), ...Object.entries(nested)]) {
    const lower = name.toLowerCase();
    if (typeof value === 'string' && (lower === 'x-dexatel-key' || lower === 'authorization')) {
      try {
        headers.set(lower, value);
      } catch {
        // Not a valid header value (a control character): as if not given, so the key is missing or rejected.
      }
    }
  }
  return headers;
}

interface WebSocketOptions {
  yoga: Enveloped;
  path: string;
  hardening: HardeningConfig;
  rateLimiter: RateLimiter;
  /** Pings this often; a peer that does not answer by the next ping is dropped (ws keep-alive in graphql-ws). */
  keepAliveMs: number;
}

export function graphqlOverWebSocket(options: WebSocketOptions): WebSocketFront {
  const { path } = options;
  // The WebSocket server (ws and graphql-ws) is made on the first upgrade: an idle server that never sees one
  // held 2.3 MB more heap with them loaded (issue 13's idle RSS target is 150 MB). That first upgrade waits for
  // the import, a few milliseconds; the client sends nothing before the server's 101 answer.
  let starting: Promise<WebSocketServer> | undefined;
  const started = () => (starting ??= startWebSocketServer(options));
  return {
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== path) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // Until ws takes the socket, an error on it (the client gone) must not be an unhandled 'error' event.
      const ignore = () => {};
      socket.on('error', ignore);
      started().then(
        (server) => {
          socket.off('error', ignore);
          server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
        },
        () => socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'),
      );
    },
    async close() {
      if (!starting) return;
      const server = await starting;
      for (const client of server.clients) client.close(1001, 'The server is shutting down: reconnect');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A peer that does not answer the close within a second is dropped.
      const stragglers = [...server.clients];
      if (stragglers.length) {
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
        for (const client of stragglers) client.terminate();
      }
    },
  };
}

async function startWebSocketServer(options: WebSocketOptions): Promise<WebSocketServer> {
  const { yoga, path, hardening, rateLimiter, keepAliveMs } = options;
  const [{ useServer }, { WebSocketServer }] = await Promise.all([import('graphql-ws/use/ws'), import('ws')]);
  // A message is one operation: the body limit of an HTTP request applies to it.
  const server = new WebSocketServer({ noServer: true, maxPayload: hardening.maxBodyBytes });
  type Extra = { connection: LiveConnection };
  useServer<Record<string, unknown>, Extra>(
    {
      onConnect(context) {
        const socket = context.extra.socket;
        context.extra.connection = { open: 0, disconnect: () => socket.terminate() };
      },
      async onSubscribe(context, _id, payload) {
        const request = new Request(`http://localhost${path}`, { headers: operationHeaders(context.extra.request, context.connectionParams) });
        const decision = await rateLimiter.take(rateLimitBucket(request.headers, context.extra.request.socket.remoteAddress));
        if (!decision.allowed) return [toGraphQLError(appError('RATE_LIMITED'))];
        const enveloped = yoga.getEnveloped({ request, params: payload, liveConnection: context.extra.connection! });
        let document: ExecutionArgs['document'];
        try {
          checkDocumentShape({ query: payload.query, variables: payload.variables, extensions: payload.extensions }, hardening);
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => never }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => never }).subscribe(args),
    },
    server,
    keepAliveMs,
  );
  return server;
}
