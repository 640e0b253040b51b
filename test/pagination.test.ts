import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/schema/ids.js';
import { type GraphQLResponse, onlyError, startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await app.createAccount('Default'); // the default key of app.gql
});
afterAll(() => app?.close());

// ---------------------------------------------------------------------------------------------------------
// Helpers

let sequence = 0;

function freshPhone(): string {
  return `+1415555${String(1000 + sequence++).padStart(4, '0')}`;
}

const CREATE_AUDIENCE = 'mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id createdAt } } }';
const ADD = `mutation ($input: AddAudienceContactInput!) {
  addAudienceContact(input: $input) { audienceContact { id createdAt contact { id createdAt } } }
}`;
const REMOVE = 'mutation ($input: RemoveAudienceContactInput!) { removeAudienceContact(input: $input) { removedAudienceContactId } }';
const IMPORT = `mutation ($input: ImportAudienceContactsInput!) {
  importAudienceContacts(input: $input) { importedCount rejected { index } }
}`;

async function createAudience(key: string, name = `Audience ${sequence++} ${randomUUID().slice(0, 8)}`) {
  const response = await app.gql(CREATE_AUDIENCE, { input: { name, channel: 'SMS' } }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createAudience.audience as { id: string; createdAt: string };
}

async function addContact(key: string, audienceId: string, number = freshPhone()) {
  const response = await app.gql(ADD, { input: { audienceId, number } }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.addAudienceContact.audienceContact as { id: string; createdAt: string; contact: { id: string; createdAt: string } };
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; node: { id: string; createdAt: string } }>;
}

const PAGE = 'totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id createdAt } }';
const ARGS = 'first: $first, after: $after, last: $last, before: $before';
const VARS = '$first: Int, $after: String, $last: Int, $before: String';

/** One connection of the schema, read page by page with one key. */
interface ConnectionUnderTest {
  label: string;
  fetch(args: PageArgs): Promise<GraphQLResponse>;
  page(response: GraphQLResponse): Page;
}

function audiencesOf(key: string): ConnectionUnderTest {
  return {
    label: 'audiences',
    fetch: (args) => app.gql(`query (${VARS}) { c: audiences(${ARGS}) { ${PAGE} } }`, { ...args }, { key }),
    page: (response) => response.body.data.c,
  };
}

function contactsOf(key: string, audienceId?: string): ConnectionUnderTest {
  return {
    label: audienceId ? 'contacts(audienceId:)' : 'contacts',
    fetch: (args) =>
      app.gql(`query (${VARS}, $audienceId: ID) { c: contacts(${ARGS}, audienceId: $audienceId) { ${PAGE} } }`, { ...args, audienceId }, { key }),
    page: (response) => response.body.data.c,
  };
}

function audienceContactsOf(key: string, audienceId: string): ConnectionUnderTest {
  return {
    label: 'Audience.contacts',
    fetch: (args) => app.gql(`query (${VARS}, $id: ID!) { audience(id: $id) { c: contacts(${ARGS}) { ${PAGE} } } }`, { ...args, id: audienceId }, { key }),
    page: (response) => response.body.data.audience.c,
  };
}

function contactAudiencesOf(key: string, contactId: string): ConnectionUnderTest {
  return {
    label: 'Contact.audiences',
    fetch: (args) => app.gql(`query (${VARS}, $id: ID!) { contact(id: $id) { c: audiences(${ARGS}) { ${PAGE} } } }`, { ...args, id: contactId }, { key }),
    page: (response) => response.body.data.contact.c,
  };
}

async function readPage(connection: ConnectionUnderTest, args: PageArgs): Promise<Page> {
  const response = await connection.fetch(args);
  expect(response.body.errors, `${connection.label} ${JSON.stringify(args)}`).toBeUndefined();
  const page = connection.page(response);
  // Cursors and pageInfo agree with the edges on every page.
  expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
  expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
  return page;
}

/** Forward with first=size from the start; every page checked. */
async function walkForward(connection: ConnectionUnderTest, size: number, total: number) {
  const ids: string[] = [];
  const nodes: Array<{ id: string; createdAt: string }> = [];
  let after: string | null = null;
  for (let pageNumber = 0; pageNumber < 100; pageNumber++) {
    const page: Page = await readPage(connection, { first: size, after });
    expect(page.totalCount).toBe(total);
    const remaining = total - ids.length;
    expect(page.edges.length).toBe(Math.min(size, remaining));
    expect(page.pageInfo.hasNextPage).toBe(remaining > size);
    expect(page.pageInfo.hasPreviousPage).toBe(pageNumber > 0);
    for (const edge of page.edges) {
      ids.push(edge.node.id);
      nodes.push(edge.node);
    }
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, nodes };
}

/** Backward with last=size from the end; pages are concatenated back into forward order. */
async function walkBackward(connection: ConnectionUnderTest, size: number, total: number) {
  let ids: string[] = [];
  let before: string | null = null;
  for (let pageNumber = 0; pageNumber < 100; pageNumber++) {
    const page: Page = await readPage(connection, { last: size, before });
    expect(page.totalCount).toBe(total);
    const remaining = total - ids.length;
    expect(page.edges.length).toBe(Math.min(size, remaining));
    expect(page.pageInfo.hasPreviousPage).toBe(remaining > size);
    expect(page.pageInfo.hasNextPage).toBe(pageNumber > 0);
    ids = [...page.edges.map((edge) => edge.node.id), ...ids];
    if (!page.pageInfo.hasPreviousPage) break;
    before = page.pageInfo.startCursor;
  }
  return ids;
}

/**
 * The listed nodes are exactly the created ones, oldest first: creation order wherever the creation
 * times differ (items created in the same millisecond may come in any fixed order).
 */
function expectCreationOrder(listed: Array<{ id: string; createdAt: string }>, created: string[]) {
  expect(listed.map((node) => node.id).sort()).toEqual([...created].sort());
  for (let i = 1; i < listed.length; i++) {
    const previous = listed[i - 1]!;
    const current = listed[i]!;
    expect(Date.parse(previous.createdAt)).toBeLessThanOrEqual(Date.parse(current.createdAt));
    if (previous.createdAt !== current.createdAt) expect(created.indexOf(previous.id)).toBeLessThan(created.indexOf(current.id));
  }
}

async function expectFullWalks(connection: ConnectionUnderTest, created: string[]) {
  const total = created.length;
  const forward = await walkForward(connection, 5, total);
  expect(new Set(forward.ids).size).toBe(total);
  expectCreationOrder(forward.nodes, created);

  const all = await readPage(connection, { first: 100 });
  expect(all.edges.map((edge) => edge.node.id)).toEqual(forward.ids);
  expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

  const backward = await walkBackward(connection, 5, total);
  expect(backward).toEqual(forward.ids);

  const lastAll = await readPage(connection, { last: 100 });
  expect(lastAll.edges.map((edge) => edge.node.id)).toEqual(forward.ids);
  expect(lastAll.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  return forward;
}

// ---------------------------------------------------------------------------------------------------------
// Data: 23 audiences in one account (and a contact in all of them), 23 contacts in one audience of another.

let audiencesKey: string;
const audienceIds: string[] = [];
let contactInAll: string;

let contactsKey: string;
let walkAudience: string;
const audienceContactIds: string[] = [];
const contactIds: string[] = [];

beforeAll(async () => {
  audiencesKey = (await app.createAccount('Many audiences')).key;
  for (let i = 0; i < 23; i++) audienceIds.push((await createAudience(audiencesKey, `Audience ${String(i).padStart(2, '0')}`)).id);
  const created = await app.gql(
    'mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }',
    { input: { phone: freshPhone(), audienceIds } },
    { key: audiencesKey },
  );
  expect(created.body.errors).toBeUndefined();
  contactInAll = created.body.data.createContact.contact.id;

  contactsKey = (await app.createAccount('Many contacts')).key;
  walkAudience = (await createAudience(contactsKey, 'Walk')).id;
  for (let i = 0; i < 23; i++) {
    const added = await addContact(contactsKey, walkAudience);
    audienceContactIds.push(added.id);
    contactIds.push(added.contact.id);
  }
});

describe('walking a connection', () => {
  it('visits every audience exactly once, in order, forward with first=5 and backward with last=5', async () => {
    await expectFullWalks(audiencesOf(audiencesKey), audienceIds);
  });

  it("visits every contact of an audience exactly once, in order (Audience.contacts)", async () => {
    await expectFullWalks(audienceContactsOf(contactsKey, walkAudience), audienceContactIds);
  });

  it('visits every contact of the account exactly once, in order (contacts, and contacts(audienceId:))', async () => {
    await expectFullWalks(contactsOf(contactsKey), contactIds);
    await expectFullWalks(contactsOf(contactsKey, walkAudience), contactIds);
  });

  it('visits every audience of a contact exactly once, in order (Contact.audiences)', async () => {
    await expectFullWalks(contactAudiencesOf(audiencesKey, contactInAll), audienceIds);
  });

  it('reports the whole totalCount whatever the page', async () => {
    const connection = audienceContactsOf(contactsKey, walkAudience);
    const all = await readPage(connection, { first: 100 });
    const cursors = all.edges.map((edge) => edge.cursor);
    for (const args of [{ first: 1 }, { last: 2 }, { first: 0 }, { first: 3, after: cursors[10] }, { last: 3, before: cursors[5] }, { first: 5, after: cursors[22] }]) {
      expect((await readPage(connection, args)).totalCount).toBe(23);
    }
  });

  it('sets hasNextPage exactly at the end and gives an empty page after the last item', async () => {
    const connection = audiencesOf(audiencesKey);
    const exact = await readPage(connection, { first: 23 });
    expect(exact.edges).toHaveLength(23);
    expect(exact.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const oneShort = await readPage(connection, { first: 22 });
    expect(oneShort.pageInfo.hasNextPage).toBe(true);

    const beyond = await readPage(connection, { first: 5, after: exact.pageInfo.endCursor });
    expect(beyond.edges).toEqual([]);
    expect(beyond.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
    expect(beyond.totalCount).toBe(23);

    const before = await readPage(connection, { last: 5, before: exact.pageInfo.startCursor });
    expect(before.edges).toEqual([]);
    expect(before.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
  });

  it('pages between two cursors when after and before are both given', async () => {
    const connection = audiencesOf(audiencesKey);
    const all = await readPage(connection, { first: 100 });
    const ids = all.edges.map((edge) => edge.node.id);
    const between = await readPage(connection, { first: 100, after: all.edges[4]!.cursor, before: all.edges[10]!.cursor });
    expect(between.edges.map((edge) => edge.node.id)).toEqual(ids.slice(5, 10));
    const lastTwo = await readPage(connection, { last: 2, after: all.edges[4]!.cursor, before: all.edges[10]!.cursor });
    expect(lastTwo.edges.map((edge) => edge.node.id)).toEqual(ids.slice(8, 10));
  });

  it('gives an empty connection of an empty audience', async () => {
    const empty = await createAudience(contactsKey);
    const page = await readPage(audienceContactsOf(contactsKey, empty.id), {});
    expect(page).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });
});

describe('page size', () => {
  let key: string;
  let audienceId: string;
  let importedContactIds: string[];

  beforeAll(async () => {
    // 60 audience contacts (and so 60 contacts) in one import, and 52 audiences in one request.
    key = (await app.createAccount('Big pages')).key;
    audienceId = (await createAudience(key, 'Sixty')).id;
    const rows = Array.from({ length: 60 }, () => ({ number: freshPhone() }));
    const imported = await app.gql(IMPORT, { input: { audienceId, contacts: rows } }, { key });
    expect(imported.body.errors).toBeUndefined();
    expect(imported.body.data.importAudienceContacts).toEqual({ importedCount: 60, rejected: [] });
    const mutations = Array.from(
      { length: 51 },
      (_, i) => `a${i}: createAudience(input: { name: "Bulk ${String(i).padStart(2, '0')}", channel: VIBER }) { audience { id } }`,
    );
    const audiences = await app.gql(`mutation { ${mutations.join('\n')} }`, {}, { key });
    expect(audiences.body.errors).toBeUndefined();
    importedContactIds = (await readPage(contactsOf(key), { first: 100 })).edges.map((edge) => edge.node.id);
    expect(importedContactIds).toHaveLength(60);
  });

  it('defaults to 50', async () => {
    for (const [connection, total] of [
      [audienceContactsOf(key, audienceId), 60],
      [contactsOf(key), 60],
      [contactsOf(key, audienceId), 60],
      [audiencesOf(key), 52],
    ] as const) {
      const first = await readPage(connection, {});
      expect(first.edges, connection.label).toHaveLength(50);
      expect(first.totalCount).toBe(total);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const rest = await readPage(connection, { after: first.pageInfo.endCursor });
      expect(rest.edges).toHaveLength(total - 50);
      expect(rest.pageInfo.hasNextPage).toBe(false);
      const ids = [...first.edges, ...rest.edges].map((edge) => edge.node.id);
      expect(new Set(ids).size).toBe(total);
    }
  });

  it('walks rows created in one transaction (equal creation times) exactly once each way', async () => {
    const connection = contactsOf(key);
    const forward = await walkForward(connection, 7, 60);
    expect(forward.ids).toEqual(importedContactIds);
    expect(await walkBackward(connection, 7, 60)).toEqual(importedContactIds);
  });

  it('takes first: 100 and last: 100', async () => {
    const connection = contactsOf(key);
    expect((await readPage(connection, { first: 100 })).edges).toHaveLength(60);
    expect((await readPage(connection, { last: 100 })).edges).toHaveLength(60);
    expect((await readPage(connection, { first: 0 })).edges).toHaveLength(0);
  });

  it('rejects first or last above 100 or below 0 with BAD_USER_INPUT / 400 on every connection', async () => {
    const contactId = importedContactIds[0]!;
    for (const connection of [audiencesOf(key), contactsOf(key), contactsOf(key, audienceId), audienceContactsOf(key, audienceId), contactAudiencesOf(key, contactId)]) {
      for (const [args, field] of [
        [{ first: 101 }, 'first'],
        [{ last: 101 }, 'last'],
        [{ first: -1 }, 'first'],
        [{ last: -1 }, 'last'],
        [{ first: 1000000 }, 'first'],
      ] as const) {
        const response = await connection.fetch(args);
        expectError(response, { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field });
      }
    }
  });

  it('rejects first and last together with BAD_USER_INPUT / 400', async () => {
    for (const connection of [audiencesOf(key), contactsOf(key), audienceContactsOf(key, audienceId)]) {
      const error = expectError(await connection.fetch({ first: 5, last: 5 }), { code: 'BAD_USER_INPUT', numericCode: null, status: 400 });
      expect(['first', 'last']).toContain(error.extensions?.field);
    }
  });
});

describe('cursors', () => {
  const garbage = [
    'abc',
    Buffer.from('garbage that is not a cursor').toString('base64'),
    Buffer.from('garbage that is not a cursor').toString('base64url'),
    Buffer.from(`k1:notanumber:${randomUUID()}`).toString('base64url'),
    Buffer.from('k1:1700000000000:not-a-uuid').toString('base64url'),
    Buffer.from(`k1:1700000000000:${randomUUID()}:extra`).toString('base64url'),
    Buffer.from(`Audience:${randomUUID()}`).toString('base64url'),
    '!!!!',
  ];

  it('rejects a malformed after or before cursor with BAD_USER_INPUT / 400', async () => {
    for (const connection of [audiencesOf(audiencesKey), contactsOf(contactsKey), audienceContactsOf(contactsKey, walkAudience)]) {
      for (const cursor of garbage) {
        expectError(await connection.fetch({ first: 5, after: cursor }), { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field: 'after' });
        expectError(await connection.fetch({ last: 5, before: cursor }), { code: 'BAD_USER_INPUT', numericCode: null, status: 400, field: 'before' });
      }
    }
  });
});

describe('stability under writes', () => {
  async function expectStableUnderInserts(kind: 'Audience.contacts' | 'contacts') {
    const key = (await app.createAccount(`Inserts ${kind}`)).key;
    const audience = (await createAudience(key)).id;
    const pick = (added: Awaited<ReturnType<typeof addContact>>) => (kind === 'contacts' ? added.contact.id : added.id);
    const connection = kind === 'contacts' ? contactsOf(key) : audienceContactsOf(key, audience);
    const existing: string[] = [];
    for (let i = 0; i < 10; i++) existing.push(pick(await addContact(key, audience)));

    const page1 = await readPage(connection, { first: 4 });
    expect(page1.edges.map((edge) => edge.node.id)).toEqual(existing.slice(0, 4));

    const inserted: string[] = [];
    for (let i = 0; i < 3; i++) inserted.push(pick(await addContact(key, audience)));

    const rest: string[] = [];
    let after = page1.pageInfo.endCursor;
    for (let pages = 0; pages < 10; pages++) {
      const page = await readPage(connection, { first: 4, after });
      expect(page.totalCount).toBe(13);
      rest.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Every item that existed, after page 1, exactly once and in order; then the new ones.
    expect(rest).toEqual([...existing.slice(4), ...inserted]);
  }

  it('continues exactly after page 1 when audience contacts are inserted between pages; the new ones come at the end', async () => {
    await expectStableUnderInserts('Audience.contacts');
  });

  it('continues exactly after page 1 when contacts are inserted between pages; the new ones come at the end', async () => {
    await expectStableUnderInserts('contacts');
  });

  it('skips nothing when items of the page already read are removed (keyset, not offset)', async () => {
    const key = (await app.createAccount('Removals')).key;
    const audience = (await createAudience(key)).id;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await addContact(key, audience)).id);
    const connection = audienceContactsOf(key, audience);

    const page1 = await readPage(connection, { first: 4 });
    expect(page1.edges.map((edge) => edge.node.id)).toEqual(ids.slice(0, 4));
    // Remove two items of page 1, the one under its endCursor among them.
    for (const id of [ids[1]!, ids[3]!]) {
      const removed = await app.gql(REMOVE, { input: { id } }, { key });
      expect(removed.body.errors).toBeUndefined();
    }
    const page2 = await readPage(connection, { first: 4, after: page1.pageInfo.endCursor });
    expect(page2.edges.map((edge) => edge.node.id)).toEqual(ids.slice(4, 8));
    expect(page2.totalCount).toBe(8);
    const page3 = await readPage(connection, { first: 4, after: page2.pageInfo.endCursor });
    expect(page3.edges.map((edge) => edge.node.id)).toEqual(ids.slice(8, 10));
    expect(page3.pageInfo.hasNextPage).toBe(false);

    // And backward from a removed item's cursor.
    const back = await readPage(connection, { last: 10, before: page1.pageInfo.endCursor });
    expect(back.edges.map((edge) => edge.node.id)).toEqual([ids[0], ids[2]]);
  });
});

describe('node and nodes', () => {
  const NODE = `query ($id: ID!) {
    node(id: $id) {
      __typename id
      ... on Audience { name channel }
      ... on Contact { phone }
      ... on AudienceContact { number audience { id } contact { id } }
      ... on Account { name }
    }
  }`;
  const NODES = `query ($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename id
      ... on Audience { name }
      ... on Contact { phone }
      ... on AudienceContact { number }
      ... on Account { name }
    }
  }`;

  let key: string;
  let account: string;
  let audience: string;
  let contact: string;
  let audienceContact: string;
  let phone: string;

  beforeAll(async () => {
    key = (await app.createAccount('Nodes')).key;
    account = (await app.gql('{ viewer { id } }', {}, { key })).body.data.viewer.id;
    audience = (await createAudience(key, 'Node audience')).id;
    phone = freshPhone();
    const added = await addContact(key, audience, phone);
    audienceContact = added.id;
    contact = added.contact.id;
  });

  it('resolves an Audience, a Contact, an AudienceContact and the Account by id', async () => {
    const expected = [
      [audience, { __typename: 'Audience', id: audience, name: 'Node audience', channel: 'SMS' }],
      [contact, { __typename: 'Contact', id: contact, phone }],
      [audienceContact, { __typename: 'AudienceContact', id: audienceContact, number: phone, audience: { id: audience }, contact: { id: contact } }],
      [account, { __typename: 'Account', id: account, name: 'Nodes' }],
    ] as const;
    for (const [id, node] of expected) {
      const response = await app.gql(NODE, { id }, { key });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.node).toEqual(node);
    }
  });

  it('gives null for a well-formed id that names nothing', async () => {
    for (const typename of ['Audience', 'Contact', 'AudienceContact', 'Account']) {
      const response = await app.gql(NODE, { id: encodeGlobalId(typename, randomUUID()) }, { key });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.node).toBeNull();
    }
  });

  it('resolves nodes in the order asked, with null for unknown ids', async () => {
    const unknownAudience = encodeGlobalId('Audience', randomUUID());
    const unknownContact = encodeGlobalId('Contact', randomUUID());
    const unknownAudienceContact = encodeGlobalId('AudienceContact', randomUUID());
    const unknownAccount = encodeGlobalId('Account', randomUUID());
    const ids = [audienceContact, unknownAudience, contact, account, unknownContact, audience, unknownAudienceContact, unknownAccount, contact];
    const response = await app.gql(NODES, { ids }, { key });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.nodes).toEqual([
      { __typename: 'AudienceContact', id: audienceContact, number: phone },
      null,
      { __typename: 'Contact', id: contact, phone },
      { __typename: 'Account', id: account, name: 'Nodes' },
      null,
      { __typename: 'Audience', id: audience, name: 'Node audience' },
      null,
      null,
      { __typename: 'Contact', id: contact, phone },
    ]);
    const empty = await app.gql(NODES, { ids: [] }, { key });
    expect(empty.body.data.nodes).toEqual([]);
  });

  it('resolves the ids that connections hand out', async () => {
    const page = await readPage(audienceContactsOf(key, audience), {});
    const response = await app.gql(NODES, { ids: page.edges.map((edge) => edge.node.id) }, { key });
    expect(response.body.data.nodes).toEqual([{ __typename: 'AudienceContact', id: audienceContact, number: phone }]);
  });
});
