import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../src/domain/validation.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';
import { onlyError } from './support/app.js';

// Issue 11: graphql-js parses recursively, so a document nested a few thousand levels deep overflowed the
// stack inside the parser (HTTP 500) before the token or depth limits could run. Every nesting a client
// controls is now bounded by limits.nesting before anything recurses over it.

let app: TestApp;
let key: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ key } = await app.createAccount('Nesting'));
});
afterAll(() => app?.close());

const bound = limits.nesting;
const selections = (levels: number) => `{ viewer ${'{ id '.repeat(levels)}${'}'.repeat(levels + 1)}`;
const inlineFragments = (levels: number) => `{ ${'... on Query { '.repeat(levels)}viewer { id }${' }'.repeat(levels)} }`;
const listLiteral = (levels: number) => `{ nodes(ids: ${'['.repeat(levels)}"x"${']'.repeat(levels)}) { id } }`;
const objectLiteral = (levels: number) => `{ nodes(ids: [${'{ a: '.repeat(levels)}1${' }'.repeat(levels)}]) { id } }`;
/** A chain of fragments, each spreading the next: nesting the braces do not show. */
const fragmentChain = (length: number) =>
  `{ ...F0 } ${Array.from({ length }, (_, i) => `fragment F${i} on Query { ${i === length - 1 ? '__typename' : `...F${i + 1}`} }`).join(' ')}`;
/** JSON text of a value nested `levels` deep (objects and arrays in turn): JSON.stringify would itself overflow. */
const nestedJson = (levels: number): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < levels; i++) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}"x"${close}`;
};

describe('documents nested past the bound are QUERY_TOO_DEEP (400) before the parser recurses', () => {
  for (const [shape, make] of [
    ['selection sets', selections],
    ['inline fragments', inlineFragments],
    ['list literals', listLiteral],
    ['object literals', objectLiteral],
  ] as const) {
    it(`${shape}: 10,000 and 2,000 levels are refused the same way on every run`, async () => {
      for (const levels of [10_000, 2_000, 10_000]) {
        const response = await app.gql(make(levels));
        expect(response.status).toBe(400);
        const error = expectError(response, { code: 'QUERY_TOO_DEEP', status: 400 });
        expect(error.message).toContain(`at most ${bound} levels`);
      }
    });
  }

  it('the bound itself: nesting at the bound is parsed and validated as usual, one past it is refused', async () => {
    // `{ viewer { id { id … } } }`: the outer brace, viewer's, then one per `id`. At the bound it is parsed, and
    // validation answers (an id has no fields); one level more and it never reaches the parser.
    const within = await app.gql(selections(bound - 1));
    expect(within.status).toBe(400);
    expect(onlyError(within).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const past = await app.gql(selections(bound));
    expect(expectError(past, { code: 'QUERY_TOO_DEEP', status: 400 }).message).toContain(`at most ${bound} levels`);
    // A real query at the field-depth limit is far inside the bound.
    const deepest = await app.gql('{ audiences { edges { node { contacts { edges { node { contact { audiences { edges { node { id } } } } } } } } } } }');
    expect(deepest.body.errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_DEEP');
  });

  it('the refusal keeps HTTP 400 for clients that accept only application/json (parse errors would get 200 there)', async () => {
    const response = await post(JSON.stringify({ query: selections(10_000) }), { accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_DEEP', status: 400 });
  });

  it('a chain of fragments deeper than the bound is refused before validation walks it', async () => {
    const response = await app.gql(fragmentChain(1_100)); // 8,800 tokens: within the token limit
    expect(response.status).toBe(400);
    expect(expectError(response, { code: 'QUERY_TOO_DEEP', status: 400 }).message).toContain(`at most ${bound} levels`);
    const short = await app.gql(fragmentChain(20));
    expect(short.status).toBe(200);
    expect(short.body.data).toEqual({ __typename: 'Query' });
  });

  it('a persisted-query registration of such a document is refused alike, and the hash stays unknown', async () => {
    const query = selections(10_000);
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    const register = await post(JSON.stringify({ query, extensions: { persistedQuery } }));
    expect(register.status).toBe(400);
    expect(register.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', status: 400 });
    const byHash = await post(JSON.stringify({ extensions: { persistedQuery } }));
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('GET requests are bounded the same way', async () => {
    const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent(listLiteral(2_000))}`, {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('QUERY_TOO_DEEP');
  });
});

describe('JSON nested past the bound is INPUT_TOO_DEEP (400)', () => {
  it('variables nested 100,000 deep, with and without an Idempotency-Key (which fingerprints the variables)', async () => {
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Array<Record<string, string>>) {
      const response = await post(`{"query":"mutation ($ids: [ID!]!) { __typename }","variables":{"ids":${nestedJson(100_000)}}}`, headers);
      expect(response.status).toBe(400);
      expect(expectError(response, { code: 'INPUT_TOO_DEEP', status: 400 }).message).toContain(`at most ${bound} levels`);
    }
  });

  it('extensions nested past the bound are refused too; variables at the bound reach GraphQL coercion', async () => {
    const deepExtensions = await post(`{"query":"{ __typename }","extensions":{"deep":${nestedJson(5_000)}}}`);
    expect(deepExtensions.status).toBe(400);
    expect(deepExtensions.body.errors[0].extensions).toMatchObject({ code: 'INPUT_TOO_DEEP', status: 400 });
    // variables → ids → bound - 2 more levels: within the bound, so GraphQL's own coercion answers (not a string).
    const atBound = await post(`{"query":"query ($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":${nestedJson(bound - 2)}}}`);
    expect(atBound.status).toBe(400);
    expect(atBound.body.errors?.[0]?.extensions?.code).not.toBe('INPUT_TOO_DEEP');
  });
});

/** A POST of this exact JSON text, with the first account's key. */
async function post(text: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-dexatel-key': key, ...headers },
    body: text,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
