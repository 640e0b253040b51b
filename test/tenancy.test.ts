import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/schema/ids.js';
import { type GraphQLResponse, onlyError, startTestApp, type TestApp } from './support/app.js';
import { type ExpectedError, expectError, unknownId } from './support/assertions.js';

// Two accounts, A and B, each with data. With B's key, every way of reaching A's ids finds nothing, and
// says so exactly as it would for an id that never existed.

let app: TestApp;
let a: { key: string; accountId: string };
let b: { key: string; accountId: string };

const A_PHONES = ['+14155550101', '+14155550102', '+14155550103'];
const B_PHONE = '+14155550201';

/** A's ids, as A's key sees them. */
const A = {
  account: '',
  audience: '',
  audienceName: 'Shared name',
  otherAudience: '',
  contact: '', // in `audience`, with `audienceContact`
  audienceContact: '',
  standaloneContact: '',
};
const B = { audience: '', contact: '' };

/**
 * Runs the same document with B's key on A's id and on a random unknown id of the same type: both fail
 * as expected, with the very same message and extensions (nothing tells "exists elsewhere" from "none").
 */
async function expectForeignLikeUnknown(
  query: string,
  variablesFor: (id: string) => Record<string, unknown>,
  foreignId: string,
  typename: 'Audience' | 'Contact' | 'AudienceContact',
  expected: ExpectedError,
) {
  const foreign = await app.gql(query, variablesFor(foreignId), { key: b.key });
  const unknown = await app.gql(query, variablesFor(unknownId(typename)), { key: b.key });
  expect(foreign.status).toBe(unknown.status);
  expect(foreign.body.data ?? null).toEqual(unknown.body.data ?? null);
  const foreignError = expectError(foreign, expected);
  const unknownError = expectError(unknown, expected);
  expect(foreignError.message).toBe(unknownError.message);
  expect(foreignError.extensions).toEqual(unknownError.extensions);
  expect(foreignError.path).toEqual(unknownError.path);
}

/** Everything A has, as A's key reads it: compared before and after B's attempts. */
const A_SNAPSHOT = `query ($audience: ID!, $other: ID!, $contact: ID!, $standalone: ID!, $ac: ID!) {
  viewer { id name }
  audiences(first: 100) { totalCount edges { node { id name channel updatedAt } } }
  contacts(first: 100) { totalCount edges { node { id phone name email updatedAt audiences { totalCount edges { node { id } } } } } }
  audience(id: $audience) {
    id name channel updatedAt
    contacts(first: 100) { totalCount edges { node { id number firstName lastName timestamp date tags updatedAt contact { id } } } }
  }
  other: audience(id: $other) { id name contacts { totalCount } }
  contact(id: $contact) { id phone name email }
  standalone: contact(id: $standalone) { id phone name email }
  ac: node(id: $ac) { id ... on AudienceContact { firstName tags } }
}`;

async function snapshotOfA() {
  const response = await app.gql(
    A_SNAPSHOT,
    { audience: A.audience, other: A.otherAudience, contact: A.contact, standalone: A.standaloneContact, ac: A.audienceContact },
    { key: a.key },
  );
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

let before: unknown;

beforeAll(async () => {
  app = await startTestApp();
  a = await app.createAccount('Account A');
  b = await app.createAccount('Account B');

  A.account = (await app.gql('{ viewer { id } }', {}, { key: a.key })).body.data.viewer.id;
  const created = await app.gql(
    `mutation ($input: CreateAudienceInput!) {
      createAudience(input: $input) { audience { id contacts { edges { node { id number contact { id } } } } } }
    }`,
    {
      input: {
        name: A.audienceName,
        channel: 'SMS',
        contacts: [
          { number: A_PHONES[0], firstName: 'Alice', lastName: 'Anders', tags: ['a-tag'], timestamp: 'ts', date: 'd' },
          { number: A_PHONES[1], firstName: 'Arthur' },
        ],
      },
    },
    { key: a.key },
  );
  expect(created.body.errors).toBeUndefined();
  const audience = created.body.data.createAudience.audience;
  A.audience = audience.id;
  const first = audience.contacts.edges.find((edge: { node: { number: string } }) => edge.node.number === A_PHONES[0]).node;
  A.audienceContact = first.id;
  A.contact = first.contact.id;

  const other = await app.gql(
    'mutation { createAudience(input: { name: "A other", channel: WHATSAPP }) { audience { id } } }',
    {},
    { key: a.key },
  );
  A.otherAudience = other.body.data.createAudience.audience.id;

  const standalone = await app.gql(
    'mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }',
    { input: { phone: A_PHONES[2], name: 'Alone', email: 'alone@a.example', audienceIds: [A.otherAudience] } },
    { key: a.key },
  );
  A.standaloneContact = standalone.body.data.createContact.contact.id;

  const bAudience = await app.gql(
    'mutation { createAudience(input: { name: "B audience", channel: VIBER, contacts: [{ number: "+14155550201" }] }) { audience { id contacts { edges { node { contact { id } } } } } } }',
    {},
    { key: b.key },
  );
  expect(bAudience.body.errors).toBeUndefined();
  B.audience = bAudience.body.data.createAudience.audience.id;
  B.contact = bAudience.body.data.createAudience.audience.contacts.edges[0].node.contact.id;

  before = await snapshotOfA();
});
afterAll(() => app?.close());

describe("queries with B's key on A's ids", () => {
  it('audience and contact give null, as for unknown ids', async () => {
    const query = 'query ($a: ID!, $c: ID!) { audience(id: $a) { id name } contact(id: $c) { id phone } }';
    const foreign = await app.gql(query, { a: A.audience, c: A.contact }, { key: b.key });
    expect(foreign.body.errors).toBeUndefined();
    expect(foreign.body.data).toEqual({ audience: null, contact: null });
    const standalone = await app.gql(query, { a: A.otherAudience, c: A.standaloneContact }, { key: b.key });
    expect(standalone.body).toEqual({ data: { audience: null, contact: null } });
    const unknown = await app.gql(query, { a: unknownId('Audience'), c: unknownId('Contact') }, { key: b.key });
    expect(foreign.body).toEqual(unknown.body);
  });

  it('node gives null for each of A’s audience, contact, audience contact and account', async () => {
    const query = 'query ($id: ID!) { node(id: $id) { __typename id } }';
    for (const id of [A.audience, A.contact, A.audienceContact, A.account, A.standaloneContact, A.otherAudience]) {
      const response = await app.gql(query, { id }, { key: b.key });
      expect(response.body, id).toEqual({ data: { node: null } });
    }
  });

  it('nodes gives null for each of A’s ids, and B’s own ids still resolve', async () => {
    const query = 'query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }';
    const response = await app.gql(query, { ids: [A.audience, B.audience, A.contact, A.audienceContact, A.account, B.contact] }, { key: b.key });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.nodes).toEqual([
      null,
      { __typename: 'Audience', id: B.audience },
      null,
      null,
      null,
      { __typename: 'Contact', id: B.contact },
    ]);
  });

  it("contacts(audienceId: A's) → AUDIENCE_NOT_FOUND 1301, as for an unknown audience", async () => {
    await expectForeignLikeUnknown(
      'query ($id: ID!) { contacts(audienceId: $id) { totalCount edges { node { id } } } }',
      (id) => ({ id }),
      A.audience,
      'Audience',
      { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' },
    );
  });

  it("B's lists never include A's audiences or contacts", async () => {
    const response = await app.gql(
      `{
        audiences(first: 100) { totalCount edges { node { id } } }
        contacts(first: 100) { totalCount edges { node { id } } }
        byName: audiences(search: "Shared") { totalCount }
        byPhone: contacts(search: "1415555010") { totalCount }
        byEmail: contacts(search: "alone") { totalCount }
        byChannel: audiences(channel: SMS) { totalCount }
      }`,
      {},
      { key: b.key },
    );
    expect(response.body.errors).toBeUndefined();
    const data = response.body.data;
    expect(data.audiences.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([B.audience]);
    expect(data.audiences.totalCount).toBe(1);
    expect(data.contacts.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([B.contact]);
    expect(data.contacts.totalCount).toBe(1);
    expect(data.byName.totalCount).toBe(0);
    expect(data.byPhone.totalCount).toBe(0);
    expect(data.byEmail.totalCount).toBe(0);
    expect(data.byChannel.totalCount).toBe(0);
  });
});

describe("mutations with B's key on A's ids", () => {
  it('updateAudience → 1301', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { updateAudience(input: { id: $id, name: "Hijacked" }) { audience { id name } } }',
      (id) => ({ id }),
      A.audience,
      'Audience',
      { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'id' },
    );
  });

  it('deleteAudience → 1301', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { deleteAudience(input: { id: $id }) { deletedAudienceId } }',
      (id) => ({ id }),
      A.audience,
      'Audience',
      { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'id' },
    );
  });

  it('addAudienceContact → 1301', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { addAudienceContact(input: { audienceId: $id, number: "+14155550299", firstName: "Intruder" }) { audienceContact { id } } }',
      (id) => ({ id }),
      A.audience,
      'Audience',
      { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' },
    );
    // Nothing was created on either side for the number.
    for (const key of [a.key, b.key]) {
      const response = await app.gql('{ contacts(search: "14155550299") { totalCount } }', {}, { key });
      expect(response.body.data.contacts.totalCount).toBe(0);
    }
  });

  it('importAudienceContacts → 1301', async () => {
    await expectForeignLikeUnknown(
      `mutation ($id: ID!) {
        importAudienceContacts(input: { audienceId: $id, contacts: [{ number: "+14155550298" }, { number: "+14155550101", firstName: "Overwritten" }] }) {
          importedCount updatedCount
        }
      }`,
      (id) => ({ id }),
      A.audience,
      'Audience',
      { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' },
    );
    for (const key of [a.key, b.key]) {
      const response = await app.gql('{ contacts(search: "14155550298") { totalCount } }', {}, { key });
      expect(response.body.data.contacts.totalCount).toBe(0);
    }
  });

  it('updateAudienceContact → 1351', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { updateAudienceContact(input: { id: $id, firstName: "Hijacked", tags: null }) { audienceContact { id firstName } } }',
      (id) => ({ id }),
      A.audienceContact,
      'AudienceContact',
      { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' },
    );
  });

  it('removeAudienceContact → 1351', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }',
      (id) => ({ id }),
      A.audienceContact,
      'AudienceContact',
      { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' },
    );
  });

  it('updateContact → 1351', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { updateContact(input: { id: $id, name: "Hijacked", email: null }) { contact { id name } } }',
      (id) => ({ id }),
      A.contact,
      'Contact',
      { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' },
    );
    // Also when the change would collide with one of B's own numbers: not-found is decided first.
    await expectForeignLikeUnknown(
      `mutation ($id: ID!) { updateContact(input: { id: $id, phone: "${B_PHONE}" }) { contact { id } } }`,
      (id) => ({ id }),
      A.standaloneContact,
      'Contact',
      { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' },
    );
  });

  it('deleteContact → 1351', async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { deleteContact(input: { id: $id }) { deletedContactId } }',
      (id) => ({ id }),
      A.contact,
      'Contact',
      { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' },
    );
  });

  it("createContact with A's audience in audienceIds → 1301, creating nothing", async () => {
    await expectForeignLikeUnknown(
      'mutation ($id: ID!) { createContact(input: { phone: "+14155550297", audienceIds: [$id] }) { contact { id } } }',
      (id) => ({ id }),
      A.audience,
      'Audience',
      { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceIds[0]' },
    );
    for (const key of [a.key, b.key]) {
      const response = await app.gql('{ contacts(search: "14155550297") { totalCount } }', {}, { key });
      expect(response.body.data.contacts.totalCount).toBe(0);
    }
  });
});

describe('accounts are independent namespaces', () => {
  it("B may use A's audience name and A's numbers, getting records of its own", async () => {
    const audience = await app.gql(
      'mutation ($name: String!) { createAudience(input: { name: $name, channel: SMS }) { audience { id name } } }',
      { name: A.audienceName.toUpperCase() },
      { key: b.key },
    );
    expect(audience.body.errors).toBeUndefined();
    const bAudience = audience.body.data.createAudience.audience;
    expect(bAudience.id).not.toBe(A.audience);

    const added = await app.gql(
      'mutation ($id: ID!, $number: String!) { addAudienceContact(input: { audienceId: $id, number: $number }) { audienceContact { id number contact { id } } } }',
      { id: bAudience.id, number: A_PHONES[0] },
      { key: b.key },
    );
    expect(added.body.errors).toBeUndefined();
    const audienceContact = added.body.data.addAudienceContact.audienceContact;
    expect(audienceContact.number).toBe(A_PHONES[0]);
    expect(audienceContact.contact.id).not.toBe(A.contact);

    const created = await app.gql(
      'mutation ($phone: String!) { createContact(input: { phone: $phone, name: "B copy" }) { contact { id phone } } }',
      { phone: A_PHONES[2] },
      { key: b.key },
    );
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createContact.contact.id).not.toBe(A.standaloneContact);

    // And A's key cannot see B's new records either.
    const fromA = await app.gql(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [bAudience.id, audienceContact.id, audienceContact.contact.id, created.body.data.createContact.contact.id] },
      { key: a.key },
    );
    expect(fromA.body.data.nodes).toEqual([null, null, null, null]);
  });
});

describe("A's data after all of B's attempts", () => {
  it('is unchanged', async () => {
    const after = await snapshotOfA();
    expect(after).toEqual(before);
    // Spot checks, so an empty snapshot cannot pass.
    const data = after as any;
    expect(data.audience.name).toBe(A.audienceName);
    expect(data.audience.contacts.totalCount).toBe(2);
    expect(data.contact).toEqual({ id: A.contact, phone: A_PHONES[0], name: null, email: null });
    expect(data.standalone).toEqual({ id: A.standaloneContact, phone: A_PHONES[2], name: 'Alone', email: 'alone@a.example' });
    expect(data.ac).toEqual({ id: A.audienceContact, firstName: 'Alice', tags: ['a-tag'] });
    expect(data.audiences.totalCount).toBe(2);
    expect(data.contacts.totalCount).toBe(3);
  });
});
