import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { AppError, errorCatalogue } from '../src/domain/errors.js';
import { normalizePhone } from '../src/domain/phone.js';
import { characterCount, limits, validateAudienceName, validateEmail, validateTags } from '../src/domain/validation.js';
import { startTestApp, type TestApp } from './support/app.js';

// Hostile input, generated: whatever a client sends, the answer is a value that keeps the rules or a
// catalogue error, never an unexpected failure, and nothing stored breaks the rules.

const E164 = /^\+[1-9]\d{6,14}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Runs `rule`; an exception must be a catalogue error, which is returned. */
function outcome<T>(rule: () => T): { value: T } | { error: AppError } {
  try {
    return { value: rule() };
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect(Object.keys(errorCatalogue)).toContain((error as AppError).errorName);
    return { error: error as AppError };
  }
}

const phoneLike = fc
  .array(fc.constantFrom(...'0123456789+ ()-./x#*ext'.split('')), { maxLength: 40 })
  .map((characters) => characters.join(''));
/** What breaks naive code: NUL (PostgreSQL text cannot hold it), lone surrogates, SQL and LIKE syntax, bidi controls. */
const hostile = fc.constantFrom('\u0000', '\ud800', '\udfff', "'", "''; DROP TABLE contact; --", '%', '_', '\\', '\u202e', '\u2028', '\ufeff', '😀', 'e\u0301', ' ');
const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  phoneLike,
  { arbitrary: fc.tuple(fc.string({ maxLength: 20 }), hostile, fc.string({ maxLength: 20 })).map((parts) => parts.join('')), weight: 4 },
);

/** Valid numbers from libphonenumber's own examples, one a country. */
const validNumbers = getCountries()
  .map((country) => getExampleNumber(country, examples)?.number)
  .filter((number): number is NonNullable<typeof number> => !!number && E164.test(number));

describe('phone normalisation (pure, thousands of inputs)', () => {
  it('any input gives a valid E.164 number that normalises to itself, or a 1353/1354/1355 error', () => {
    fc.assert(
      fc.property(anyText, (typed) => {
        const result = outcome(() => normalizePhone(typed));
        if ('error' in result) {
          expect([1353, 1354, 1355]).toContain(result.error.numericCode);
          return;
        }
        expect(result.value).toMatch(E164);
        expect(normalizePhone(result.value)).toBe(result.value);
        expect(normalizePhone(result.value.slice(1))).toBe(result.value);
      }),
      { numRuns: 5000 },
    );
  });

  it('a valid number in any spelling (spaces, dashes, dots, parentheses, no +) is one E.164 number', () => {
    fc.assert(
      fc.property(fc.constantFrom(...validNumbers), fc.array(fc.constantFrom('', ' ', '-', '.', ' '), { minLength: 16, maxLength: 16 }), fc.boolean(), (number, separators, plus) => {
        const digits = number.slice(1).split('');
        const spelled = (plus ? '+' : '') + digits.map((digit, i) => digit + (separators[i] ?? '')).join('');
        fc.pre(spelled.length <= 32);
        expect(normalizePhone(spelled)).toBe(number);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('field rules (pure)', () => {
  it('audience names: kept ones are trimmed, 1..128 characters, free of control characters', () => {
    fc.assert(
      fc.property(anyText, (name) => {
        const result = outcome(() => validateAudienceName(name));
        if ('error' in result) {
          expect([1303, 1304, 1305]).toContain(result.error.numericCode);
          return;
        }
        expect(result.value).toBe(result.value.trim());
        expect(characterCount(result.value)).toBeGreaterThanOrEqual(1);
        expect(characterCount(result.value)).toBeLessThanOrEqual(limits.audienceNameLength);
        expect(result.value).not.toMatch(CONTROL);
      }),
      { numRuns: 3000 },
    );
  });

  it('tags: kept lists have at most 10 tags of 1..64 characters', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 14 }), (tags) => {
        const result = outcome(() => validateTags(tags));
        if ('error' in result) {
          expect(result.error.numericCode).toBe(1359);
          return;
        }
        expect(result.value!.length).toBeLessThanOrEqual(limits.tags);
        for (const tag of result.value!) expect(characterCount(tag)).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('emails: kept ones have one @, at most 254 characters, no spaces', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.emailAddress()), (email) => {
        const result = outcome(() => validateEmail(email));
        if ('error' in result) {
          expect(result.error.code).toBe('VALIDATION_ERROR');
          return;
        }
        expect(result.value!.length).toBeLessThanOrEqual(limits.emailLength);
        expect(result.value!.split('@')).toHaveLength(2);
        expect(result.value).not.toMatch(/\s/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('GraphQL requests over HTTP (real server and database)', () => {
  let app: TestApp;
  let audienceId: string;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ hardening: { rateLimitBurst: 100_000, rateLimitPerSecond: 100_000 } });
    ({ key } = await app.createAccount('Properties'));
    const created = await app.gql('mutation { createAudience(input: { name: "Fuzzed", channel: SMS }) { audience { id } } }');
    audienceId = created.body.data.createAudience.audience.id;
  });
  afterAll(() => app?.close());

  /** JSON values of every shape, biased towards strings that look like the real thing. */
  const jsonValue = fc.oneof(
    { depthSize: 'small' },
    { arbitrary: anyText, weight: 4 },
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(anyText, { maxLength: 12 }),
    fc.dictionary(fc.string({ maxLength: 8 }), anyText, { maxKeys: 3 }),
  );

  const documents = {
    addAudienceContact: 'mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id number firstName lastName timestamp date tags } } }',
    createAudience: 'mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id name channel } } }',
    createContact: 'mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id phone name email } } }',
    importAudienceContacts: 'mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount updatedCount rejected { index code } } }',
    search: 'query ($search: String, $first: Int, $after: String) { contacts(search: $search, first: $first, after: $after) { totalCount } audiences(search: $search) { totalCount } }',
    node: 'query ($id: ID!) { node(id: $id) { id } }',
  };

  const number = fc.oneof({ arbitrary: fc.constantFrom(...validNumbers), weight: 3 }, anyText, jsonValue);
  const inputs = fc.oneof(
    fc.record({ audienceId: fc.constant('AUDIENCE'), number, firstName: jsonValue, lastName: jsonValue, timestamp: jsonValue, date: jsonValue, tags: jsonValue }, { requiredKeys: ['audienceId'] }).map((input) => ({ field: 'addAudienceContact' as const, variables: { input } })),
    fc.record({ name: fc.oneof(anyText, jsonValue), channel: fc.oneof(fc.constantFrom('SMS', 'VIBER', 'WHATSAPP'), jsonValue), contacts: fc.oneof(jsonValue, fc.array(fc.record({ number, firstName: jsonValue }), { maxLength: 11 })) }).map((input) => ({ field: 'createAudience' as const, variables: { input } })),
    fc.record({ phone: number, name: jsonValue, email: fc.oneof(jsonValue, fc.emailAddress()), audienceIds: jsonValue }).map((input) => ({ field: 'createContact' as const, variables: { input } })),
    fc.array(fc.record({ number, firstName: jsonValue, tags: jsonValue }), { maxLength: 8 }).map((contacts) => ({ field: 'importAudienceContacts' as const, variables: { input: { audienceId: 'AUDIENCE', contacts } } })),
    fc.record({ search: anyText, first: jsonValue, after: jsonValue }).map((variables) => ({ field: 'search' as const, variables })),
    fc.record({ id: fc.oneof(anyText, jsonValue, fc.base64String()) }).map((variables) => ({ field: 'node' as const, variables })),
  );

  it('no variables ever give INTERNAL_SERVER_ERROR or a 5xx, and every stored value keeps the rules', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async ({ field, variables }) => {
        const withAudience = JSON.parse(JSON.stringify(variables).replaceAll('"AUDIENCE"', JSON.stringify(audienceId)));
        const response = await app.gql(documents[field], withAudience);
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
        for (const error of response.body.errors ?? []) {
          expect(error.extensions?.code, JSON.stringify({ variables, error })).not.toBe('INTERNAL_SERVER_ERROR');
          expect(error.message).not.toMatch(/prisma|SELECT |INSERT |\bat .+\.ts:\d+/i);
        }
      }),
      { numRuns: 300 },
    );

    const contacts = await app.database.prisma.contact.findMany();
    for (const contact of contacts) {
      expect(normalizePhone(contact.phone)).toBe(contact.phone);
      if (contact.name !== null) expect(characterCount(contact.name)).toBeLessThanOrEqual(limits.contactNameLength);
      if (contact.email !== null) expect(validateEmail(contact.email)).toBe(contact.email);
    }
    for (const audience of await app.database.prisma.audience.findMany()) expect(validateAudienceName(audience.name)).toBe(audience.name);
    for (const row of await app.database.prisma.audienceContact.findMany()) {
      expect(validateTags(row.tags)).toEqual(row.tags);
      for (const value of [row.firstName, row.lastName]) if (value !== null) expect(characterCount(value)).toBeLessThanOrEqual(limits.personNameLength);
      for (const value of [row.timestamp, row.date]) if (value !== null) expect(characterCount(value)).toBeLessThanOrEqual(limits.customValueLength);
    }
  }, 120_000);

  /** Openers of every kind a document can nest: selection sets, inline fragments, list and object literals. */
  const opener = fc.constantFrom('selection', 'inline', 'list', 'object');
  const nestedDocument = (kinds: string[]): string => {
    // Values nest inside an argument, selections inside viewer; each kind closes with its own bracket.
    let open = '';
    let close = '';
    let inValue = false;
    for (const kind of kinds) {
      if (!inValue && (kind === 'list' || kind === 'object')) {
        open += 'nodes(ids: ';
        close = ') { id }' + close;
        inValue = true;
      }
      if (inValue) {
        open += kind === 'object' ? '{ a: ' : '[';
        close = (kind === 'object' ? ' }' : ']') + close;
      } else {
        open += kind === 'inline' ? '... on Query { ' : 'viewer { ';
        close = ' }' + close;
      }
    }
    return `{ ${open}${inValue ? '"x"' : '__typename'}${close} }`;
  };

  it('documents and JSON nested to any depth never give a 5xx; past limits.nesting they are QUERY_TOO_DEEP / INPUT_TOO_DEEP', async () => {
    const depth = fc.oneof(fc.integer({ min: 1, max: limits.nesting + 20 }), fc.integer({ min: 1, max: 4_000 }));
    await fc.assert(
      fc.asyncProperty(depth, fc.array(opener, { minLength: 1, maxLength: 8 }), fc.boolean(), async (levels, pattern, asVariables) => {
        // The openers repeat `pattern` (a short counterexample when one is found).
        const kinds = Array.from({ length: levels }, (_, i) => pattern[i % pattern.length]!);
        let response;
        let deep: boolean;
        let expected: string;
        if (asVariables) {
          // JSON objects and arrays in turn, written by hand: JSON.stringify recurses too.
          const open = kinds.slice(0, levels).map((kind) => (kind === 'list' || kind === 'inline' ? '[' : '{"a":')).join('');
          const close = [...kinds.slice(0, levels)].reverse().map((kind) => (kind === 'list' || kind === 'inline' ? ']' : '}')).join('');
          const raw = await fetch(`${app.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-dexatel-key': key },
            body: `{"query":"query ($id: ID!) { node(id: $id) { id } }","variables":{"id":${open}1${close}}}`,
          });
          response = { status: raw.status, body: (await raw.json()) as any };
          deep = levels + 1 > limits.nesting; // the variables object is a level of its own
          expected = 'INPUT_TOO_DEEP';
        } else {
          const document = nestedDocument(kinds.slice(0, levels));
          response = await app.gql(document);
          // The outer brace, and `nodes(` once a value starts, count too: measure the document as written.
          deep = maxNesting(document) > limits.nesting;
          expected = 'QUERY_TOO_DEEP';
        }
        expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBeLessThan(500);
        const codes = (response.body.errors ?? []).map((error: any) => error.extensions?.code);
        expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
        if (deep) expect(codes).toEqual([expected]);
        else expect(codes).not.toContain(expected);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

/** The deepest nesting of braces, brackets and parentheses in a text without strings containing them. */
function maxNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of text) {
    if (c === '{' || c === '[' || c === '(') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return deepest;
}
