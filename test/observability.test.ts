import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracing, tracingFromEnv, type Tracing } from '../src/observability/tracing.js';
import { accessLogger, createLogger } from '../src/observability/logger.js';
import { createScratchDatabase, startTestApp, testEngine, type TestApp } from './support/app.js';
import { databaseEnv, printedKey, startServerProcess } from './support/run.js';

describe('structured logs', () => {
  let app: TestApp;
  let acme: { key: string; accountId: string };
  beforeAll(async () => {
    app = await startTestApp();
    acme = await app.createAccount('Acme');
  });
  afterAll(() => app?.close());

  it('log one JSON line per request with request id, operation, account, status and duration', async () => {
    const response = await app.gql('query WhoAmI { viewer { id } }', undefined, { headers: { 'x-request-id': 'req-42' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-42');
    const line = app.logged.find((entry) => entry.fields.requestId === 'req-42');
    expect(line?.message).toBe('graphql request');
    expect(line?.fields).toMatchObject({
      level: 'info',
      operationName: 'WhoAmI',
      operationType: 'query',
      accountId: acme.accountId,
      status: 200,
      method: 'POST',
    });
    expect(typeof line?.fields.durationMs).toBe('number');
    expect(line?.fields.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('give every request an id when the caller sends none, and refuse ids that could forge log content', async () => {
    const plain = await app.gql('{ viewer { id } }');
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await app.gql('{ viewer { id } }', undefined, { headers: { 'x-request-id': 'a" "level":"fatal' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.logged.find((entry) => entry.fields.requestId === plain.headers.get('x-request-id'))?.fields.operationName).toBe('anonymous');
  });

  it('never log the API key, whichever header carries it and whether or not it is valid', async () => {
    const unknownKey = `cgk_${randomBytes(32).toString('base64url')}`;
    await app.gql('query ByHeader { viewer { id } }');
    await app.gql('query ByBearer { viewer { id } }', undefined, { key: null, headers: { authorization: `Bearer ${acme.key}` } });
    await app.gql('query Unknown { viewer { id } }', undefined, { key: unknownKey });
    await app.gql('query Broken { viewer { nope } }');
    const operations = app.logged.map((entry) => entry.fields.operationName);
    expect(operations).toEqual(expect.arrayContaining(['ByHeader', 'ByBearer', 'Unknown', 'Broken']));
    const everything = app.logLines.join('');
    expect(everything).not.toContain(acme.key);
    expect(everything).not.toContain(unknownKey);
    expect(everything).not.toContain(acme.key.slice(4, 30));
    const unknown = app.logged.find((entry) => entry.fields.operationName === 'Unknown');
    expect(unknown?.fields).toMatchObject({ status: 401, errorCodes: ['UNAUTHENTICATED'] });
  });
});

describe('redaction, the second line of defence should a key reach a log call', () => {
  const capture = () => {
    const lines: Array<Record<string, any>> = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    return { logger, lines };
  };

  it('hides a key field and an authorization or X-Dexatel-Key header, at the top or one level down', () => {
    const { logger, lines } = capture();
    logger.info({ key: 'cgk_secret', apiKey: 'cgk_secret', headers: { authorization: 'Bearer cgk_secret', 'x-dexatel-key': 'cgk_secret' } }, 'top');
    logger.info({ request: { headers: { authorization: 'Bearer cgk_secret', 'x-dexatel-key': 'cgk_secret' } } }, 'nested');
    expect(JSON.stringify(lines)).not.toContain('cgk_secret');
    expect(lines[0]).toMatchObject({ key: '[redacted]', apiKey: '[redacted]', headers: { authorization: '[redacted]', 'x-dexatel-key': '[redacted]' } });
    expect(lines[1]).toMatchObject({ request: { headers: { authorization: '[redacted]', 'x-dexatel-key': '[redacted]' } } });
  });

  it('on the per-request line too, for a key field, which is all that line could carry', () => {
    const { logger, lines } = capture();
    accessLogger(logger).info({ requestId: 'r1', key: 'cgk_secret', apiKey: 'cgk_secret', status: 200 }, 'graphql request');
    expect(lines[0]).toMatchObject({ requestId: 'r1', key: '[redacted]', apiKey: '[redacted]', status: 200, service: 'contact-gateway' });
  });
});

describe('Prometheus metrics at /metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    await app.createAccount('Acme');
  });
  afterAll(() => app?.close());

  it('count requests by operation and status, time them, and count errors by code', async () => {
    await app.gql('query Counted { viewer { id } }');
    await app.gql('query Counted { viewer { id } }');
    await app.gql('query Refused { viewer { id } }', undefined, { key: null });
    await app.gql('query Missing($id: ID!) { audience(id: $id) { id } }', { id: 'not-an-id' });
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^graphql_requests_total\{operation="Counted",status="200"\} 2$/m);
    expect(text).toMatch(/^graphql_requests_total\{operation="Refused",status="401"\} 1$/m);
    expect(text).toMatch(/^graphql_request_duration_seconds_count\{operation="Counted"\} 2$/m);
    expect(text).toMatch(/^graphql_request_duration_seconds_bucket\{le="\+Inf",operation="Counted"\} 2$/m);
    expect(text).toMatch(/^graphql_errors_total\{code="UNAUTHENTICATED"\} 1$/m);
    expect(text).toMatch(/^graphql_errors_total\{code="INVALID_AUDIENCE_ID"\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('label at most 200 client-chosen operation names, and only well-formed ones', async () => {
    await app.gql('{ __typename }');
    await app.gql(`query ${'Long'.repeat(20)} { __typename }`);
    for (let i = 0; i < 205; i++) await app.gql(`query Generated${i} { __typename }`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^graphql_requests_total\{operation="anonymous",status="200"\} 1$/m);
    const labelled = new Set([...text.matchAll(/^graphql_requests_total\{operation="([^"]+)"/gm)].map((m) => m[1]));
    expect(labelled.has('Long'.repeat(20))).toBe(false);
    expect(labelled.has('Generated0')).toBe(true);
    expect(labelled.has('Generated204')).toBe(false);
    expect(labelled.has('other')).toBe(true);
    expect([...labelled].filter((name) => name !== 'anonymous' && name !== 'other').length).toBe(200);
  });
});

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A minimal OTLP/HTTP (JSON) trace receiver on the loopback interface. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; paths: string[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      paths.push(request.url ?? '');
      const payload = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ReceivedSpan[] }> }> };
      for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, spans, paths, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const attribute = (span: ReceivedSpan | undefined, key: string) => span?.attributes.find((a) => a.key === key)?.value;

describe('OpenTelemetry traces', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let app: TestApp;
  let acme: { accountId: string; key: string };
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = (await tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'gateway-under-test' }))!;
    app = await startTestApp({ gateway: { tracing } });
    acme = await app.createAccount('Acme');
  });
  afterAll(async () => {
    await app?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('are off unless an OTLP endpoint is configured', async () => {
    expect(await tracingFromEnv({})).toBeUndefined();
    expect(await tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
  });

  it('export a server span per request, continuing the caller trace, with the execution inside', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await app.gql('query Traced { viewer { id } }', undefined, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(response.status).toBe(200);
    await tracing.flush();
    expect(receiver.paths).toContain('/v1/traces');
    const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
    const server = inTrace.find((span) => span.parentSpanId === callerSpanId);
    expect(server?.name).toBe('POST /graphql Traced');
    expect(attribute(server, 'http.response.status_code')).toEqual({ intValue: 200 });
    expect(attribute(server, 'gateway.account.id')).toEqual({ stringValue: acme.accountId });
    const execution = inTrace.find((span) => span.parentSpanId === server?.spanId);
    expect(execution?.name).toBe('graphql.query');
    expect(attribute(execution, 'graphql.operation.name')).toEqual({ stringValue: 'Traced' });
  });

  it('export a server span per REST call, named by its route template, continuing the caller trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await fetch(`${app.url}/v1/audiences?page_size=5`, {
      headers: { 'x-dexatel-key': acme.key, traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(response.status).toBe(200);
    await tracing.flush();
    const server = receiver.spans.find((span) => span.traceId === traceId && span.parentSpanId === callerSpanId);
    expect(server?.name).toBe('GET /v1/audiences');
    expect(attribute(server, 'http.route')).toEqual({ stringValue: '/v1/audiences' });
    expect(attribute(server, 'http.response.status_code')).toEqual({ intValue: 200 });
    expect(attribute(server, 'gateway.account.id')).toEqual({ stringValue: acme.accountId });
  });

  it('can be sent to a full traces URL, and name the service', async () => {
    const direct = await createTracing({ tracesUrl: `${receiver.url}/custom/traces`, serviceName: 'direct' });
    direct.tracer.startSpan('probe').end();
    await direct.flush();
    await direct.shutdown();
    expect(receiver.paths).toContain('/custom/traces');
  });
});

describe.runIf(testEngine === 'pglite')('the server process (npm start) with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it('exports its spans, flushing them on SIGTERM, and logs JSON lines without the key', async () => {
    const receiver = await startOtlpReceiver();
    const scratch = await createScratchDatabase({ onDisk: true });
    const server = await startServerProcess({
      ...databaseEnv(scratch.config),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'started-gateway',
    });
    const { child, exited } = server;
    try {
      const key = await printedKey(server);
      const output = server.output();
      expect(output).toContain('OpenTelemetry traces: on');
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
        body: JSON.stringify({ query: 'query FromProcess { viewer { name } }' }),
      });
      expect(await response.json()).toEqual({ data: { viewer: { name: 'Development' } } });
      // Log lines are written in batches: a quiet server still writes a line within moments...
      const deadline = Date.now() + 5_000;
      while (!server.output().includes('"FromProcess"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(server.output()).toContain('"FromProcess"');
      // ...and the line of a request answered just before SIGTERM is written on the way out.
      const last = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
        body: JSON.stringify({ query: 'query JustBeforeStop { viewer { name } }' }),
      });
      expect(last.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(receiver.spans.map((span) => span.name)).toContain('POST /graphql FromProcess');
      const afterKey = server.output().slice(server.output().indexOf(key) + key.length);
      const logLine = afterKey.split('\n').find((line) => line.includes('"FromProcess"'));
      expect(JSON.parse(logLine!)).toMatchObject({ level: 'info', msg: 'graphql request', operationName: 'FromProcess', status: 200 });
      expect(afterKey).toContain('"JustBeforeStop"');
      expect(afterKey).not.toContain(key);
    } finally {
      child.kill('SIGKILL');
      await receiver.close();
      await scratch.drop();
    }
  });
});
