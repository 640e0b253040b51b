import { createHash } from 'node:crypto';
import { filterKey, validateAudienceContactFilter } from '../src/domain/filters.js';
import { cursorFingerprint, DEFAULT_ORDER, encodeCursor } from '../src/domain/pagination.js';
import { dexatelDate } from '../src/rest/present.js';
import { decodeGlobalId, encodeGlobalId } from '../src/schema/ids.js';
import { AREA_CODES, type Scale } from './seed.js';

/**
 * The work both servers are given, and the raw-SQL floor for it. Every row of the seed has a known id
 * (md5 of its row number) and creation time, so requests can be generated without asking the servers.
 */

export type Target = 'us' | 'postgraphile';

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** What a cell measured: requests, their rate and latency, the failures; for our server, its CPU per request. */
export interface Measured {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  /** The server's CPU time (user + system) over the measured window, per request: only where the pid is known. */
  cpuMs?: number;
}

/** A cell's warm-up and measured window. */
export interface Window {
  warmupSeconds: number;
  seconds: number;
}

export interface FloorStatement {
  name: string;
  text: string;
  values: unknown[];
}

export interface Scenario {
  key: string;
  title: string;
  /** Request number `n` of a run (each run counts from 0). */
  request(target: Target, n: number): GraphQLRequest;
  floor?: (n: number) => FloorStatement;
  /** What the answer says, reduced to comparable rows, to check both servers and the floor agree. */
  answer?: { graphql(target: Target, data: any): string[]; floor(rows: any[]): string[] };
}

/** The uuid the seed gives a row: md5 of its label, as PostgreSQL's md5(text)::uuid. */
export function seededUuid(label: string): string {
  const hex = createHash('md5').update(label).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** PostGraphile's node ids: base64 of the JSON [type, primary key]. */
export const postgraphileNodeId = (typename: string, id: string) => Buffer.from(JSON.stringify([typename, id])).toString('base64');
export const nodeId = (target: Target, typename: string, id: string) =>
  target === 'us' ? encodeGlobalId(typename, id) : postgraphileNodeId(typename, id);

const AUDIENCE_CONTACT_EPOCH = Date.parse('2026-01-01T01:00:00Z');
const PAGE = 20;

/** A deterministic spread of row numbers (a multiplicative hash over the range). */
const spread = (n: number, range: number) => Number((BigInt(n) * 2654435761n + 12345n) % BigInt(range));

const person = (row: { firstName?: string | null; lastName?: string | null; first_name?: string | null; last_name?: string | null }, phone: string) =>
  `${row.firstName ?? row.first_name ?? ''} ${row.lastName ?? row.last_name ?? ''} ${phone}`;

export const NAME_FRAGMENTS = ['mart', 'ann', 'petro', 'ivan', 'kum', 'sarg', 'rossi', 'hak', 'emm', 'lee'];
export const PHONE_FRAGMENTS = ['4155', '7183', '2125', '6175', '3055', '9172', '5127', '7029', '4045', '5035'];

export interface ScenarioContext {
  scale: Scale;
  bigAudienceId: string;
  /** PostGraphile's cursor of the row just before the deep page (it cannot be computed offline). */
  postgraphileDeepCursor: string;
  deepRow: number;
  writeAudienceId: Record<Target, string>;
}

export function scenarios(context: ScenarioContext): Scenario[] {
  const { scale, bigAudienceId, deepRow } = context;
  const acFields = {
    us: 'id firstName lastName number',
    // The row's own copy of its contact's number (the migration audience_contact_number), which PostGraphile
    // exposes as a column.
    postgraphile: 'id firstName lastName phone',
  };
  const phoneOf = (target: Target, node: any) => (target === 'us' ? node.number : node.phone);
  const pageRows = (target: Target, connection: any) => connection.edges.map((e: any) => person(e.node, phoneOf(target, e.node)));
  const audienceContacts = (target: Target, data: any) =>
    target === 'us' ? data.audience.contacts : data.audience.audienceContactsByAudienceId;
  const floorRows = (rows: any[]) => rows.map((r) => person(r, r.phone));

  const audiencePage = (target: Target, after: string | null): GraphQLRequest =>
    target === 'us'
      ? {
          query: `query ($id: ID!, $after: String) { audience(id: $id) { contacts(first: ${PAGE}, after: $after) {
            edges { cursor node { ${acFields.us} } } pageInfo { hasNextPage endCursor } } } }`,
          variables: { id: encodeGlobalId('Audience', bigAudienceId), after },
        }
      : {
          query: `query ($id: ID!, $after: Cursor) { audience(id: $id) { audienceContactsByAudienceId(first: ${PAGE}, after: $after, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) {
            edges { cursor node { ${acFields.postgraphile} } } pageInfo { hasNextPage endCursor } } } }`,
          variables: { id: postgraphileNodeId('Audience', bigAudienceId), after },
        };
  const pageFloor = (name: string, afterRow: number | null): FloorStatement => ({
    name,
    text: `SELECT t.id, t.first_name, t.last_name, t.phone, t.created_at FROM audience_contact t
           WHERE t.audience_id = $1 ${afterRow === null ? '' : 'AND (t.created_at, t.id) > ($2::timestamptz, $3::uuid)'}
           ORDER BY t.created_at, t.id LIMIT ${PAGE}`,
    values:
      afterRow === null
        ? [bigAudienceId]
        : [bigAudienceId, new Date(AUDIENCE_CONTACT_EPOCH + afterRow), seededUuid(`audience_contact${afterRow}`)],
  });
  // The cursor a client paging the whole audience in its default order would hold (the server binds it to that order and no filter).
  const deepCursor = encodeCursor(
    { value: AUDIENCE_CONTACT_EPOCH + deepRow - 1, id: seededUuid(`audience_contact${deepRow - 1}`) },
    cursorFingerprint({ order: DEFAULT_ORDER, filter: filterKey(validateAudienceContactFilter(null)) }),
  );

  const search = (kind: 'name' | 'phone', fragments: string[]): Scenario => ({
    key: `c-${kind}`,
    title: `(c) search the ${scale.contacts.toLocaleString('en')}-contact audience by ${kind} fragment, first ${PAGE}`,
    request(target, n) {
      const term = fragments[n % fragments.length]!;
      if (target === 'us') {
        return {
          query: `query ($id: ID!, $search: String) { audience(id: $id) { contacts(first: ${PAGE}, search: $search) { edges { node { ${acFields.us} } } } } }`,
          variables: { id: encodeGlobalId('Audience', bigAudienceId), search: term },
        };
      }
      const filter =
        kind === 'name'
          ? { or: [{ firstName: { includesInsensitive: term } }, { lastName: { includesInsensitive: term } }] }
          : { phone: { includes: term } };
      return {
        query: `query ($id: ID!, $filter: AudienceContactFilter) { audience(id: $id) { audienceContactsByAudienceId(first: ${PAGE}, filter: $filter, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { edges { node { ${acFields.postgraphile} } } } } }`,
        variables: { id: postgraphileNodeId('Audience', bigAudienceId), filter },
      };
    },
    floor(n) {
      const pattern = `%${fragments[n % fragments.length]}%`;
      return {
        name: `search-${kind}`,
        text: `SELECT t.id, t.first_name, t.last_name, t.phone FROM audience_contact t
               WHERE t.audience_id = $1 AND ${kind === 'name' ? `${nameText('audience')} ILIKE $2` : 't.phone LIKE $2'}
               ORDER BY t.created_at, t.id LIMIT ${PAGE}`,
        values: [bigAudienceId, pattern],
      };
    },
    answer: { graphql: (target, data) => pageRows(target, audienceContacts(target, data)), floor: floorRows },
  });

  return [
    {
      key: 'a',
      title: `(a) 50 audiences, each with its first ${PAGE} contacts and totalCount`,
      request: (target) =>
        target === 'us'
          ? {
              query: `{ audiences(first: 50) { edges { node { id name contacts(first: ${PAGE}) { totalCount edges { cursor node { ${acFields.us} } } } } } } }`,
              variables: {},
            }
          : {
              query: `{ allAudiences(first: 50, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { edges { node { id name audienceContactsByAudienceId(first: ${PAGE}, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { totalCount edges { cursor node { ${acFields.postgraphile} } } } } } } }`,
              variables: {},
            },
      floor: () => ({
        name: 'fifty-audiences',
        text: `SELECT a.id, a.name,
                 (SELECT count(*) FROM audience_contact x WHERE x.audience_id = a.id) AS total,
                 (SELECT json_agg(r) FROM (
                    SELECT t.id, t.first_name, t.last_name, t.phone FROM audience_contact t
                    WHERE t.audience_id = a.id ORDER BY t.created_at, t.id LIMIT ${PAGE}) r) AS contacts
               FROM audience a ORDER BY a.created_at, a.id LIMIT 50`,
        values: [],
      }),
      answer: {
        graphql: (target, data) =>
          (target === 'us' ? data.audiences.edges : data.allAudiences.edges).flatMap((e: any) => {
            const connection = target === 'us' ? e.node.contacts : e.node.audienceContactsByAudienceId;
            return [`${e.node.name} ${connection.totalCount}`, ...pageRows(target, connection)];
          }),
        floor: (rows) => rows.flatMap((r) => [`${r.name} ${r.total}`, ...floorRows(r.contacts)]),
      },
    },
    {
      key: 'b-first',
      title: `(b) one audience's contacts: the first page of ${PAGE}`,
      request: (target) => audiencePage(target, null),
      floor: () => pageFloor('first-page', null),
      answer: { graphql: (target, data) => pageRows(target, audienceContacts(target, data)), floor: floorRows },
    },
    {
      key: 'b-deep',
      title: `(b) the same audience, the page ${deepRow.toLocaleString('en')} rows deep, by cursor`,
      request: (target) => audiencePage(target, target === 'us' ? deepCursor : context.postgraphileDeepCursor),
      floor: () => pageFloor('deep-page', deepRow - 1),
      answer: { graphql: (target, data) => pageRows(target, audienceContacts(target, data)), floor: floorRows },
    },
    search('name', NAME_FRAGMENTS),
    search('phone', PHONE_FRAGMENTS),
    {
      key: 'd',
      title: '(d) node(id) of an audience contact, ids spread over all rows',
      request(target, n) {
        const id = nodeId(target, 'AudienceContact', seededUuid(`audience_contact${spread(n, scale.audienceContacts)}`));
        const fields = target === 'us' ? 'firstName lastName number createdAt' : 'firstName lastName createdAt phone';
        return { query: `query ($id: ID!) { node(id: $id) { id ... on AudienceContact { ${fields} } } }`, variables: { id } };
      },
      floor: (n) => ({
        name: 'node',
        text: `SELECT t.id, t.first_name, t.last_name, t.created_at, t.phone FROM audience_contact t WHERE t.id = $1`,
        values: [seededUuid(`audience_contact${spread(n, scale.audienceContacts)}`)],
      }),
      answer: {
        graphql: (target, data) => [person(data.node, phoneOf(target, data.node))],
        floor: floorRows,
      },
    },
    {
      key: 'e',
      title: '(e) writes: addAudienceContact (an existing contact into an audience) / updateAudienceContact, alternating',
      request(target, n) {
        if (n % 2 === 0) {
          // Each add takes the next contact, so no add collides with an earlier one.
          const contactRow = (n / 2) % scale.contacts;
          if (target === 'us') {
            return {
              query: `mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id } } }`,
              variables: { input: { audienceId: encodeGlobalId('Audience', context.writeAudienceId.us), number: seededPhone(contactRow), firstName: 'Bench' } },
            };
          }
          return {
            query: `mutation ($input: CreateAudienceContactInput!) { createAudienceContact(input: $input) { audienceContact { id } } }`,
            variables: {
              input: {
                audienceContact: {
                  audienceByAudienceId: postgraphileNodeId('Audience', context.writeAudienceId.postgraphile),
                  contactByContactId: postgraphileNodeId('Contact', seededUuid(`contact${contactRow}`)),
                  // The row's copy of the number is NOT NULL without a default (a trigger fills it), so
                  // PostGraphile's input requires it: the client passes the number, as ours does.
                  phone: seededPhone(contactRow),
                  firstName: 'Bench',
                },
              },
            },
          };
        }
        const id = nodeId(target, 'AudienceContact', seededUuid(`audience_contact${spread(n, scale.contacts)}`));
        const firstName = `Updated ${n}`;
        return target === 'us'
          ? {
              query: `mutation ($input: UpdateAudienceContactInput!) { updateAudienceContact(input: $input) { audienceContact { id } } }`,
              variables: { input: { id, firstName } },
            }
          : {
              query: `mutation ($input: UpdateAudienceContactInput!) { updateAudienceContact(input: $input) { audienceContact { id } } }`,
              variables: { input: { id, audienceContactPatch: { firstName } } },
            };
      },
    },
  ];
}

/**
 * The seed's numbering of phone numbers (bench/seed.ts phoneAndCountryOf), in JavaScript: one in 10 Armenian, one
 * in 20 British, the rest American. The benchmark checks it against the seeded rows before it measures (a copy of
 * the American formula alone, left from before the others, sent 15 % of (e)'s adds a number no contact had, so our
 * server created a contact in a transaction where PostGraphile inserted one row).
 */
export function seededPhone(i: number): string {
  const serial = String(Math.floor(i / 20)).padStart(6, '0');
  switch (i % 20) {
    case 5:
      return `+37493${serial}`;
    case 8:
      return `+37494${serial}`;
    case 13:
      return `+447400${serial}`;
  }
  const rest = Math.floor(i / 16);
  const line = (Math.floor(i / 12800) * 389 + (rest % 800) * 13) % 10000;
  return `+1${AREA_CODES[i % 16]}${200 + (rest % 800)}${String(line).padStart(4, '0')}`;
}

/** Rows for the import run: numbers in an area code the seed never uses, so every row is new. */
export function importRows(count: number, offset: number, areaCode: string) {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    return {
      number: `+1${areaCode}${200 + (n % 800)}${String(Math.floor(n / 800)).padStart(4, '0')}`,
      firstName: 'Imported',
      lastName: `Row ${n}`,
      tags: ['import'],
    };
  });
}

/**
 * The REST front's per-request cost beside GraphQL's: the same page of one audience (its first 50 contacts,
 * the same fields, the total), as `GET /v1/audiences/{id}/contacts?page_size=50` and as the query a GraphQL
 * client would send for it.
 */
export interface RestComparison {
  title: string;
  /** The REST request: a GET of this path (and query string). */
  restPath: string;
  graphql: GraphQLRequest;
  /** Each answer reduced to the same lines (the total, then one line a contact), to check they agree. */
  answer: { rest(body: any): string[]; graphql(data: any): string[] };
}

export const REST_PAGE = 50;

export function restVersusGraphql(audienceId: string): RestComparison {
  const line = (id: string, number: string, r: { firstName: string | null; lastName: string | null; timestamp: string | null; date: string | null; tags: string[] }, created: string, updated: string) =>
    [id, number, r.firstName, r.lastName, r.timestamp, r.date, r.tags.join(';'), created, updated].join(' ');
  return {
    title: `(f) one audience's first ${REST_PAGE} contacts, their fields and total: REST against the same GraphQL query`,
    restPath: `/v1/audiences/${audienceId}/contacts?page_size=${REST_PAGE}`,
    graphql: {
      query: `query ($id: ID!) { audience(id: $id) { contacts(first: ${REST_PAGE}) { totalCount edges { node { id number firstName lastName timestamp date tags createdAt updatedAt } } } } }`,
      variables: { id: encodeGlobalId('Audience', audienceId) },
    },
    answer: {
      rest: (body) => [
        `total ${body.pagination.total}`,
        ...body.data.map((r: any) =>
          line(r.id, r.number, { firstName: r.first_name, lastName: r.last_name, timestamp: r.timestamp, date: r.date, tags: r.tags }, r.create_date, r.update_date),
        ),
      ],
      graphql: (data) => [
        `total ${data.audience.contacts.totalCount}`,
        ...data.audience.contacts.edges.map(({ node }: any) =>
          line(decodeGlobalId(node.id)?.id ?? node.id, node.number, node, dexatelDate(new Date(node.createdAt)), dexatelDate(new Date(node.updatedAt))),
        ),
      ],
    },
  };
}

/**
 * Issue 13's search shapes: five kinds of term, each searched on `Audience.contacts` (the audience holding every
 * contact) and on `Query.contacts` (the account's contacts), with `totalCount`. Each shape lists candidate terms,
 * best first; the run counts each one's matches in the data and takes the first whose counts fit the shape on
 * both fields, so the report's terms are what the data says they are (and a reused database, whose names earlier
 * runs' writes changed, still gets terms of the right kind).
 */
export type SearchField = 'audience' | 'account';
export const SEARCH_FIELDS: SearchField[] = ['audience', 'account'];
export const searchFieldLabel: Record<SearchField, string> = { audience: '`Audience.contacts`', account: '`Query.contacts`' };

export interface SearchShape {
  key: string;
  title: string;
  /** In the order they are tried. */
  candidates: string[];
  /** The shape's rule on the matches among `rows`, as the report states it and as `fits` checks it. */
  rule: string;
  fits(matches: number, rows: number): boolean;
}

export const SEARCH_SHAPES: SearchShape[] = [
  { key: 'rare-name', title: 'rare name fragment', candidates: ['okonk'], rule: '≤ 0.1 % of rows', fits: (m, rows) => m >= 1 && m <= rows * 0.001 },
  {
    key: 'frequent-name',
    title: 'frequent name fragment',
    // Of two letters or more none reaches half the seed's rows ("an" 43 %): the seed's first names are only six.
    candidates: ['ann', 'an', 'n', 's', 'o'],
    rule: '≥ 50 % of rows, ≤ 90 %',
    fits: (m, rows) => m >= rows * 0.5 && m <= rows * 0.9,
  },
  { key: 'number-few', title: 'number fragment, a handful', candidates: ['124648', '415200'], rule: '1 to 20 rows', fits: (m) => m >= 1 && m <= 20 },
  {
    key: 'number-many',
    title: 'number fragment, thousands',
    candidates: ['4155', '7183'],
    rule: '≥ 1 in 300 rows, ≤ 10 %',
    fits: (m, rows) => m >= rows / 300 && m <= rows * 0.1,
  },
  { key: 'two-words', title: 'two words', candidates: ['ann smi'], rule: 'any match', fits: (m) => m >= 1 },
];

export interface SearchTarget {
  field: SearchField;
  /** The audience (`audience`) or the account (`account`) searched. */
  parentId: string;
  accountId: string;
}

/** Our request: the first page and `totalCount` of the search. */
export function searchRequest({ field, parentId }: SearchTarget, term: string): GraphQLRequest {
  return field === 'audience'
    ? {
        query: `query ($id: ID!, $search: String) { audience(id: $id) { contacts(first: ${PAGE}, search: $search) { totalCount edges { node { id firstName lastName number } } } } }`,
        variables: { id: encodeGlobalId('Audience', parentId), search: term },
      }
    : {
        query: `query ($search: String) { contacts(first: ${PAGE}, search: $search) { totalCount edges { node { id name phone } } } }`,
        variables: { search: term },
      };
}

/** Our answer and the floor's, as lines: the total, then one line a row (id, names, number). */
export function searchAnswer(field: SearchField, data: any): string[] {
  const connection = field === 'audience' ? data.audience.contacts : data.contacts;
  return [
    `total ${connection.totalCount}`,
    ...connection.edges.map(({ node }: any) =>
      [decodeGlobalId(node.id)?.id, ...(field === 'audience' ? [node.firstName, node.lastName, node.number] : [node.name, node.phone])].join(' '),
    ),
  ];
}
export function searchFloorAnswer(field: SearchField, row: { total: number; rows: any[] | null }): string[] {
  return [
    `total ${row.total}`,
    ...(row.rows ?? []).map((r) => [r.id, ...(field === 'audience' ? [r.first_name, r.last_name, r.phone] : [r.name, r.phone])].join(' ')),
  ];
}

/**
 * The floor's two ways to a search's page or count, as statements of the benchmark's own (the server's code is
 * not used, so the floor also checks its meaning): `plain` states the search as one condition and leaves the plan
 * to PostgreSQL (for a common term, a walk of the parent's rows in order); `indexes` first collects the matching
 * ids with their position through the trigram indexes, one branch per way of matching (the number, the names), and
 * counts those, or sorts them and
 * fetches only the page's rows. The run times both and measures the faster: the floor is the best statement it
 * has, whatever the statistics say.
 */
export type FloorForm = 'plain' | 'indexes';
export const FLOOR_FORMS: FloorForm[] = ['plain', 'indexes'];

/**
 * The name columns as one text, a space between (a word, which holds no space, is in it exactly when it is in
 * one of them): the expression the migration search_indexes indexes under the parent, so the floor's statements
 * have the indexes the server's have.
 */
export const nameText = (field: SearchField) =>
  field === 'audience' ? `(COALESCE(t.first_name, '') || ' ' || COALESCE(t.last_name, ''))` : `(COALESCE(t.name, '') || ' ' || COALESCE(t.email, ''))`;

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
/** As the server's search: the term anywhere, its own wildcards taken literally. */
const anywhere = (word: string) => literal(`%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

export function searchSql({ field, parentId }: SearchTarget, term: string) {
  // The search's meaning, as docs/graphql.md and the schema state it: every word in a name column (a word of digits also
  // in the number), or, for a term that looks like a number, its digits anywhere in the number.
  const digits = /^[\d\s+()./-]+$/.test(term) ? term.replace(/\D/g, '') || null : null;
  const wordConditions = term.split(' ').map((word) => {
    const alternatives = [`${nameText(field)} ILIKE ${anywhere(word)}`];
    if (/^\d+$/.test(word) && word !== digits) alternatives.push(`t.phone LIKE ${anywhere(word)}`);
    return `(${alternatives.join(' OR ')})`;
  });
  const words = wordConditions.join(' AND ');
  const condition = digits ? `(t.phone LIKE ${anywhere(digits)} OR ${words})` : words;
  const parent = literal(parentId);
  // The parent's rows meeting `where` (an audience's rows keep their contact's number as `phone`).
  const rowsOf = (where: string) =>
    field === 'audience' ? `audience_contact t WHERE t.audience_id = ${parent}::uuid AND ${where}` : `contact t WHERE t.account_id = ${parent}::uuid AND ${where}`;
  const matchingIds = [
    ...(digits ? [`SELECT t.id, t.created_at FROM ${rowsOf(`t.phone LIKE ${anywhere(digits)}`)}`] : []),
    `SELECT t.id, t.created_at FROM ${rowsOf(words)}`,
  ].join('\n UNION ');
  const output = field === 'audience' ? 't.id, t.first_name, t.last_name, t.phone' : 't.id, t.name, t.phone';
  // The matches carry their position (read with them from the heap), so only the page's rows are fetched again.
  const pageOfMatches = `(SELECT m.id FROM m ORDER BY m.created_at, m.id LIMIT ${PAGE}) p`;
  const matchedRows =
    `${pageOfMatches} JOIN ${field === 'audience' ? 'audience_contact' : 'contact'} t ON t.id = p.id`;
  const page: Record<FloorForm, string> = {
    plain: `SELECT ${output} FROM ${rowsOf(condition)} ORDER BY t.created_at, t.id LIMIT ${PAGE}`,
    indexes: `SELECT ${output} FROM ${matchedRows} ORDER BY t.created_at, t.id`,
  };
  const count: Record<FloorForm, string> = {
    plain: `SELECT count(*)::int FROM ${rowsOf(condition)}`,
    indexes: `SELECT count(*)::int FROM m`,
  };
  const withMatches = (forms: FloorForm[], body: string) =>
    forms.includes('indexes') ? `WITH m AS MATERIALIZED (${matchingIds})\n${body}` : body;
  return {
    /** The page alone, by one form (timed to choose the form). */
    page: (form: FloorForm) => withMatches([form], page[form]),
    /** The exact count alone: what the issue's rule compares with. */
    count: (form: FloorForm) => withMatches([form], `SELECT (${count[form]}) AS total`),
    /** The page and its count in one statement, each by its own form. */
    pageAndCount: (pageForm: FloorForm, countForm: FloorForm) =>
      withMatches(
        [pageForm, countForm],
        `SELECT (${count[countForm]}) AS total, (SELECT json_agg(r) FROM (${page[pageForm]}) r) AS rows`,
      ),
  };
}
