import { context as otelContext, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * OpenTelemetry traces over OTLP/HTTP, made only when an endpoint is configured: without one the gateway
 * creates no provider and sends nothing anywhere. The provider is not registered globally, so tests can
 * run gateways with and without tracing in one process.
 */
export interface Tracing {
  tracer: Tracer;
  /** Sends the spans still buffered (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createTracing(options: { tracesUrl: string; serviceName?: string }): Promise<Tracing> {
  // Loaded only when tracing is on: the SDK and exporter add a noticeable share to every start otherwise.
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BasicTracerProvider, BatchSpanProcessor }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
  ]);
  propagator ??= new W3CTraceContextPropagator();
  const exporter = new OTLPTraceExporter({ url: options.tracesUrl });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'contact-gateway' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  return {
    tracer: provider.getTracer('contact-gateway'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Tracing configured by the standard OpenTelemetry variables: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full
 * URL) or OTEL_EXPORTER_OTLP_ENDPOINT (a base URL; spans go to its /v1/traces). Neither set: no tracing.
 */
export async function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || undefined;
  if (tracesUrl) return createTracing({ tracesUrl, serviceName });
  if (base) return createTracing({ tracesUrl: `${base.replace(/\/$/, '')}/v1/traces`, serviceName });
  return undefined;
}

// Made with the first Tracing (createTracing), as the SDK is: @opentelemetry/core and its semantic conventions
// were 1.7 MB of an idle server's heap without tracing.
let propagator: W3CTraceContextPropagator | undefined;

/** The server span of one HTTP request, continuing the caller's trace when it sent `traceparent`. */
export function startRequestSpan(tracer: Tracer, request: Request, path: string): Span {
  const carrier: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (name === 'traceparent' || name === 'tracestate') carrier[name] = value;
  });
  const parent = (propagator ?? unreachableWithoutTracing()).extract(ROOT_CONTEXT, carrier, {
    get: (headers, key) => headers[key],
    keys: (headers) => Object.keys(headers),
  });
  return tracer.startSpan(`${request.method} ${path}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': request.method, 'url.path': path },
  }, parent);
}

export function startChildSpan(tracer: Tracer, parent: Span, name: string, attributes: Record<string, string>): Span {
  return tracer.startSpan(name, { attributes }, trace.setSpan(otelContext.active(), parent));
}

export function endSpan(span: Span, status: number, errorCodes: string[]): void {
  span.setAttribute('http.response.status_code', status);
  if (errorCodes.length) span.setAttribute('graphql.error.codes', errorCodes);
  if (status >= 500 || errorCodes.includes('INTERNAL_SERVER_ERROR')) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

function unreachableWithoutTracing(): never {
  throw new Error('startRequestSpan needs a Tracing made by createTracing');
}
