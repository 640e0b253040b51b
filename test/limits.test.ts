import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../src/http.js';
import { inProcessRateLimiter } from '../src/http/rateLimit.js';
import { createGateway, type Gateway } from '../src/server.js';
import { defaultHardening, startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';
import { createLogger } from '../src/observability/logger.js';

// Every limit with its boundary: at the limit passes, one past it fails with its own code and HTTP status.

const limits = { maxDepth: 7, maxAliases: 3, maxTokens: 300, maxCost: 1000, maxBodyBytes: 20_000 };
let app: TestApp;
let key: string;

beforeAll(async () => {
  app = await startTestApp({ hardening: limits });
  ({ key } = await app.createAccount('Limits'));
});
afterAll(() => app?.close());

describe('query depth, aliases, tokens and cost', () => {
  // viewer → 1; each audiences/edges/node/contacts/edges/node level adds one.
  const nested = (levels: number) => {
    const path = ['audiences(first: 1)', 'edges', 'node', 'contacts(first: 1)', 'edges', 'node', 'contact', 'audiences(first: 1)', 'edges', 'node'];
    return `{ ${path.slice(0, levels).join(' { ')} { __typename }${' }'.repeat(levels)}`.replace('{ __typename }', levels ? '{ __typename }' : '');
  };

  it(`depth ${limits.maxDepth} runs; depth ${limits.maxDepth + 1} is QUERY_TOO_DEEP with HTTP 400`, async () => {
    const atLimit = await app.gql(nested(limits.maxDepth));
    expect(atLimit.body.errors).toBeUndefined();
    const over = await app.gql(nested(limits.maxDepth + 1));
    expect(over.status).toBe(400);
    expect(expectError(over, { code: 'QUERY_TOO_DEEP', status: 400 }).message).toContain(`depth ${limits.maxDepth + 1}, at most ${limits.maxDepth}`);
  });

  it('depth counts through fragments, so they cannot hide nesting', async () => {
    const response = await app.gql(`
      fragment C on AudienceContact { contact { audiences(first: 1) { edges { node { id } } } } }
      { audiences(first: 1) { edges { node { contacts(first: 1) { edges { node { ...C } } } } } } }`);
    expectError(response, { code: 'QUERY_TOO_DEEP', status: 400 });
  });

  it(`${limits.maxAliases} aliases run; ${limits.maxAliases + 1} are QUERY_TOO_MANY_ALIASES with HTTP 400`, async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`;
    expect((await app.gql(aliases(limits.maxAliases))).body.errors).toBeUndefined();
    const over = await app.gql(aliases(limits.maxAliases + 1));
    expect(over.status).toBe(400);
    expectError(over, { code: 'QUERY_TOO_MANY_ALIASES', status: 400 });
  });

  it('a document past the token limit is QUERY_TOO_MANY_TOKENS with HTTP 400, before it is fully parsed', async () => {
    const fields = (n: number) => `{ viewer { ${Array(n).fill('id').join(' ')} } }`;
    expect((await app.gql(fields(limits.maxTokens - 10))).body.errors).toBeUndefined();
    const over = await app.gql(fields(limits.maxTokens));
    expect(over.status).toBe(400);
    expectError(over, { code: 'QUERY_TOO_MANY_TOKENS', status: 400 });
  });

  // cost = audiences 1 + edges n + node n + contacts n + edges n·m + node n·m
  const costly = 'query ($n: Int, $m: Int) { audiences(first: $n) { edges { node { contacts(first: $m) { edges { node { id number } } } } } } }';

  it('connection sizes multiply: 4 × 100 costs 813 and runs, 10 × 100 costs 2031 and is QUERY_TOO_COMPLEX', async () => {
    expect((await app.gql(costly, { n: 4, m: 100 })).body.errors).toBeUndefined();
    const over = await app.gql(costly, { n: 10, m: 100 });
    expect(over.status).toBe(400);
    expect(expectError(over, { code: 'QUERY_TOO_COMPLEX', status: 400 }).message).toContain('cost 2031, at most 1000');
  });

  it('an omitted page size counts as the default 50, and aliases repeat the cost', async () => {
    const defaults = await app.gql('{ audiences { edges { node { contacts { edges { node { id } } } } } } }');
    expectError(defaults, { code: 'QUERY_TOO_COMPLEX', status: 400 });
    const cheap = '{ a: audiences(first: 5) { edges { node { id } } } b: audiences(first: 5) { edges { node { id } } } }';
    expect((await app.gql(cheap)).body.errors).toBeUndefined();
  });

  it('a page size past 100 is still the resolver’s precise BAD_USER_INPUT, not a cost error', async () => {
    expectError(await app.gql('{ audiences(first: 1000) { totalCount } }'), { code: 'BAD_USER_INPUT', status: 400 });
  });

  it('the default limits let the deepest useful query and a 100 × 100 page through', async () => {
    const defaults = await startTestApp();
    try {
      await defaults.createAccount('Defaults');
      expect((await defaults.gql(costly, { n: 100, m: 100 })).body.errors).toBeUndefined();
      expect((await defaults.gql(nested(10))).body.errors).toBeUndefined();
      const threeLevels = '{ audiences(first: 100) { edges { node { contacts(first: 100) { edges { node { contact { audiences(first: 100) { edges { node { id } } } } } } } } } } }';
      expectError(await defaults.gql(threeLevels), { code: 'QUERY_TOO_COMPLEX', status: 400 });
    } finally {
      await defaults.close();
    }
  });
});

describe('request body and content type', () => {
  const post = (body: BodyInit, headers: Record<string, string>, init: Record<string, unknown> = {}) =>
    fetch(`${app.url}/graphql`, { method: 'POST', body, headers: { accept: 'application/json', ...headers }, ...init });

  it(`a body over ${limits.maxBodyBytes} bytes is PAYLOAD_TOO_LARGE with HTTP 413`, async () => {
    const big = JSON.stringify({ query: '{ viewer { id } }', variables: { padding: 'x'.repeat(limits.maxBodyBytes) } });
    const response = await post(big, { 'content-type': 'application/json' });
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('a chunked body without content-length is cut off at the limit too', async () => {
    const chunk = new TextEncoder().encode(`{"query":"{ viewer { id } }","variables":{"p":"${'x'.repeat(limits.maxBodyBytes)}"}}`);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await post(stream, { 'content-type': 'application/json' }, { duplex: 'half' });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a chunked body within the limit is read in full and answered', async () => {
    const encoder = new TextEncoder();
    const parts = ['{"query":"{ viewer ', '{ id } }","variables":', `{"p":"${'é'.repeat(100)}"}}`];
    const stream = new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(encoder.encode(part));
        controller.close();
      },
    });
    const response = await post(stream, { 'content-type': 'application/json', 'x-dexatel-key': key }, { duplex: 'half' });
    expect(response.status).toBe(200);
    expect((await response.json()).data.viewer.id).toEqual(expect.any(String));
  });

  it('POST bodies a browser may send cross-site without a preflight are UNSUPPORTED_CONTENT_TYPE (415): CSRF', async () => {
    const query = 'mutation { createAudience(input: { name: "Forged", channel: SMS }) { audience { id } } }';
    const forms = [
      { 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams({ query }).toString() },
      { 'content-type': 'text/plain', body: JSON.stringify({ query }) },
      { 'content-type': 'multipart/form-data; boundary=x', body: `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query })}\r\n--x--` },
    ];
    for (const form of forms) {
      const response = await post(form.body, { 'content-type': form['content-type'] });
      expect(response.status).toBe(415);
      expect((await response.json()).errors[0].extensions.code).toBe('UNSUPPORTED_CONTENT_TYPE');
    }
    const audiences = await app.gql('{ audiences { totalCount } }');
    expect(audiences.body.data.audiences.totalCount).toBe(0);
  });
});

describe('introspection and CORS settings', () => {
  it('introspection works by default and is INTROSPECTION_DISABLED when turned off', async () => {
    expect((await app.gql('{ __schema { queryType { name } } }', {}, { key: null })).body.data.__schema.queryType.name).toBe('Query');
    const closed = await startTestApp({ hardening: { introspection: false } });
    try {
      await closed.createAccount('Closed');
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Audience") { name } }']) {
        const response = await closed.gql(query);
        expect(response.status).toBe(400);
        expectError(response, { code: 'INTROSPECTION_DISABLED', status: 400 });
      }
      expect((await closed.gql('{ viewer { __typename name } }')).body.data.viewer.__typename).toBe('Account');
    } finally {
      await closed.close();
    }
  });

  const preflight = (url: string, origin: string, path = '/graphql') =>
    fetch(`${url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-dexatel-key' },
    });

  it('by default no origin is allowed cross-site; CORS_ORIGINS allows exactly the listed ones, on GraphQL and REST alike', async () => {
    for (const path of ['/graphql', '/v1/audiences']) {
      expect((await preflight(app.url, 'https://evil.example', path)).headers.get('access-control-allow-origin')).toBeNull();
    }
    const open = await startTestApp({ hardening: { corsOrigins: ['https://app.example'] } });
    try {
      for (const path of ['/graphql', '/v1/audiences']) {
        const allowed = await preflight(open.url, 'https://app.example', path);
        expect(allowed.headers.get('access-control-allow-origin'), path).toBe('https://app.example');
        expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase(), path).toContain('x-dexatel-key');
        const other = await preflight(open.url, 'https://evil.example', path);
        expect(other.headers.get('access-control-allow-origin'), path).not.toBe('https://evil.example');
      }
    } finally {
      await open.close();
    }
  });
});

describe('rate limit per API key (token bucket)', () => {
  it('spends the burst, then RATE_LIMITED with HTTP 429 and Retry-After; other keys are unaffected', async () => {
    // One token per 100 s: nothing refills while the test runs, however slow the machine.
    const limited = await startTestApp({ hardening: { rateLimitBurst: 5, rateLimitPerSecond: 0.01 } });
    try {
      const first = await limited.createAccount('First');
      const second = await limited.createAccount('Second');
      const responses = [];
      for (let i = 0; i < 6; i++) responses.push(await limited.gql('{ viewer { id } }', {}, { key: first.key }));
      expect(responses.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const refused = responses[5]!;
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(90);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(100);
      expectError(refused, { code: 'RATE_LIMITED', status: 429 });
      expect((await limited.gql('{ viewer { id } }', {}, { key: second.key })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refills at the configured rate up to the burst (token bucket on a controlled clock)', async () => {
    let now = 0;
    const limiter = inProcessRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    const take = async () => (await limiter.take('k')).allowed;
    expect([await take(), await take(), await take(), await take()]).toEqual([true, true, true, false]);
    expect((await limiter.take('k')).retryAfterMs).toBe(500);
    now += 500;
    expect([await take(), await take()]).toEqual([true, false]);
    now += 60_000;
    expect([await take(), await take(), await take(), await take()]).toEqual([true, true, true, false]);
  });

  describe('replicas', () => {
    let replicas: Array<{ gateway: Gateway; running: RunningServer }> = [];
    afterAll(async () => {
      for (const { gateway, running } of replicas) {
        await running.stop(100);
        await gateway.dispose();
      }
    });

    async function twoReplicas(redisUrl: string | null) {
      const made = [];
      for (let i = 0; i < 2; i++) {
        const gateway = createGateway({
          database: app.database,
          logger: createLogger({ level: 'silent' }),
          hardening: { ...defaultHardening, rateLimitBurst: 4, rateLimitPerSecond: 0.01 as number, redisUrl },
        });
        made.push({ gateway, running: await listen(gateway, 0, '127.0.0.1') });
      }
      replicas.push(...made);
      return made.map(({ running }) => running.url);
    }

    const ask = (url: string, key: string) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dexatel-key': key }, body: '{"query":"{ viewer { id } }"}' });

    it('with REDIS_URL the bucket is shared: 2 + 2 requests on two replicas spend it, the 5th is refused on either', async () => {
      const { key } = await app.createAccount('Shared');
      const [a, b] = await twoReplicas(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      const statuses = [];
      for (const url of [a!, b!, a!, b!, a!, b!]) statuses.push((await ask(url, key)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    });

    it('without Redis each process counts alone (the documented default)', async () => {
      const { key } = await app.createAccount('Alone');
      const [a, b] = await twoReplicas(null);
      const statuses = [];
      for (const url of [a!, b!, a!, b!, a!, b!, a!, b!, a!, b!]) statuses.push((await ask(url, key)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    });

    it('when Redis cannot be reached, requests are still served and limited in process', async () => {
      const { key } = await app.createAccount('No Redis');
      const [a] = await twoReplicas('redis://127.0.0.1:1');
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await ask(a!, key)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    });
  });
});
