import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import { getOperationAST, type ExecutionResult, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import { accessLogger, type Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { endSpan, startChildSpan, startRequestSpan, type Tracing } from './tracing.js';

interface RequestRecord {
  requestId: string;
  started: bigint;
  graphql: boolean;
  operationName?: string;
  operationType?: string;
  accountId?: string;
  errorCodes: string[];
  span?: Span;
}

const records = new WeakMap<Request, RequestRecord>();

/** A caller's `x-request-id` is kept when it is a plain token (it ends up in logs); otherwise a fresh one. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id of a request being observed: logs, the `x-request-id` response header and the context share it. */
export function requestIdOf(request: Request): string {
  const record = records.get(request);
  if (record) return record.requestId;
  const presented = request.headers.get('x-request-id');
  return presented && requestIdPattern.test(presented) ? presented : randomUUID();
}

/**
 * One record per GraphQL request, finished when the response leaves: a log line (request id, operation,
 * account, status, duration, error codes; never headers, variables or the key), the Prometheus samples,
 * and, when tracing is on, a server span with an execution span inside.
 */
export function useRequestObserver(options: {
  logger: Logger;
  metrics: GatewayMetrics;
  tracing?: Tracing;
  graphqlEndpoint: string;
}): Plugin<GraphQLContext> {
  const { metrics, tracing, graphqlEndpoint } = options;
  const logger = accessLogger(options.logger);
  return {
    onRequest({ request, url }) {
      if (url.pathname !== graphqlEndpoint) return;
      const record: RequestRecord = {
        requestId: requestIdOf(request),
        started: process.hrtime.bigint(),
        graphql: false,
        errorCodes: [],
      };
      if (tracing) record.span = startRequestSpan(tracing.tracer, request, url.pathname);
      records.set(request, record);
    },
    onParams({ params, request }) {
      const record = records.get(request);
      if (!record) return;
      record.graphql = true;
      if (params.operationName) record.operationName = params.operationName;
    },
    // Named from the document as soon as it parses, so requests that fail validation are named too.
    onParse({ context }) {
      const record = records.get((context as { request: Request }).request);
      if (!record) return;
      return ({ result }) => {
        if (!result || !('kind' in result) || result.kind !== Kind.DOCUMENT) return;
        const operation = getOperationAST(result, record.operationName);
        record.operationName ??= operation?.name?.value;
        record.operationType ??= operation?.operation;
      };
    },
    onExecute({ args }) {
      const record = records.get((args.contextValue as { request: Request }).request);
      if (!record) return;
      record.accountId = args.contextValue.account?.id;
      if (!tracing || !record.span) return;
      const span = startChildSpan(tracing.tracer, record.span, `graphql.${record.operationType ?? 'operation'}`, {
        'graphql.operation.name': record.operationName ?? 'anonymous',
        'graphql.operation.type': record.operationType ?? 'unknown',
      });
      if (record.accountId) {
        span.setAttribute('gateway.account.id', record.accountId);
        record.span.setAttribute('gateway.account.id', record.accountId);
      }
      return { onExecuteDone: () => span.end() };
    },
    onResultProcess({ request, result }) {
      const record = records.get(request);
      if (!record) return;
      record.graphql = true;
      for (const single of Array.isArray(result) ? result : [result]) {
        for (const error of (single as ExecutionResult).errors ?? []) {
          record.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
        }
      }
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      records.delete(request);
      response.headers.set('x-request-id', record.requestId);
      // A GET without GraphQL parameters is the GraphiQL page, not an API request.
      if (!record.graphql) {
        record.span?.end();
        return;
      }
      const seconds = Number(process.hrtime.bigint() - record.started) / 1e9;
      const operation = record.operationName ?? 'anonymous';
      metrics.observeRequest({ operation, status: response.status, seconds, errorCodes: record.errorCodes });
      if (record.span) {
        record.span.updateName(`${request.method} ${graphqlEndpoint} ${operation}`);
        record.span.setAttribute('graphql.operation.name', operation);
        endSpan(record.span, response.status, record.errorCodes);
      }
      const fields = {
        requestId: record.requestId,
        method: request.method,
        operationName: operation,
        operationType: record.operationType,
        accountId: record.accountId,
        status: response.status,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...(record.errorCodes.length ? { errorCodes: record.errorCodes } : {}),
      };
      if (response.status >= 500) logger.error(fields, 'graphql request');
      else logger.info(fields, 'graphql request');
    },
  };
}
