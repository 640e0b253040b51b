import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one gateway: a registry of its own, so two gateways in a process never mix counts. */
export interface GatewayMetrics {
  registry: Registry;
  observeRequest(sample: { operation: string; status: number; seconds: number; errorCodes: string[] }): void;
  /** A REST call, by its route template (`/v1/audiences/{audience_id}`: a fixed set, never the raw path). */
  observeRestRequest(sample: { route: string; method: string; status: number; seconds: number; errorCodes: string[] }): void;
}

/** Operation names come from clients: at most this many distinct ones become label values, the rest are "other". */
const maxOperationLabels = 200;
const operationNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Request latency buckets, in seconds, shared by both fronts' histograms so their figures compare. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by operation name and HTTP status',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to sending its response',
    labelNames: ['operation'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors in responses by extensions.code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const restRequests = new Counter({
    name: 'rest_requests_total',
    help: 'REST requests by route template, method and HTTP status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const restDuration = new Histogram({
    name: 'rest_request_duration_seconds',
    help: 'Time from receiving a REST request to sending its response',
    labelNames: ['route', 'method'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const restErrors = new Counter({
    name: 'rest_errors_total',
    help: 'REST error responses by catalogue code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const seenOperations = new Set<string>();
  const operationLabel = (name: string): string => {
    if (name === 'anonymous' || seenOperations.has(name)) return name;
    if (!operationNamePattern.test(name)) return 'other';
    if (seenOperations.size >= maxOperationLabels) return 'other';
    seenOperations.add(name);
    return name;
  };
  return {
    registry,
    observeRequest({ operation, status, seconds, errorCodes }) {
      const label = operationLabel(operation);
      requests.inc({ operation: label, status: String(status) });
      duration.observe({ operation: label }, seconds);
      for (const code of errorCodes) errors.inc({ code });
    },
    observeRestRequest({ route, method, status, seconds, errorCodes }) {
      restRequests.inc({ route, method, status: String(status) });
      restDuration.observe({ route, method }, seconds);
      for (const code of errorCodes) restErrors.inc({ code });
    },
  };
}
