import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/schema/ids.js';
import { type GraphQLResponse, onlyError, startTestApp, type TestApp } from './support/app.js';
import { expectError, unknownId } from './support/assertions.js';

let app: TestApp;
let acme: { key: string; accountId: string };
let globex: { key: string; accountId: string };

beforeAll(async () => {
  app = await startTestApp();
  acme = await app.createAccount('Acme'); // the default key of app.gql
  globex = await app.createAccount('Globex');
});
afterAll(() => app?.close());

// ---------------------------------------------------------------------------------------------------------
// Helpers: unique data per test, and one way to assert an error.

let sequence = 0;

/** A fresh valid US number each call, in several spellings of the same E.164 number. */
function freshPhone() {
  const line = String(1000 + sequence++).padStart(4, '0');
  return {
    e164: `+1415555${line}`,
    plain: `1415555${line}`,
    spaced: `+1 415 555 ${line}`,
    formatted: `1 (415) 555-${line}`,
  };
}

function uniqueName(prefix: string) {
  return `${prefix} ${sequence++} ${randomUUID().slice(0, 8)}`;
}

const CONTACT_FIELDS = 'id phone name email createdAt updatedAt';

const CREATE_CONTACT = `mutation ($input: CreateContactInput!) {
  createContact(input: $input) { contact { ${CONTACT_FIELDS} audiences(first: 100) { totalCount edges { node { id name } } } } }
}`;
const UPDATE_CONTACT = `mutation ($input: UpdateContactInput!) { updateContact(input: $input) { contact { ${CONTACT_FIELDS} } } }`;
const DELETE_CONTACT = 'mutation ($input: DeleteContactInput!) { deleteContact(input: $input) { deletedContactId } }';
const CONTACT = `query ($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} audiences(first: 100) { totalCount edges { node { id name } } } } }`;
const CREATE_AUDIENCE = 'mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id name } } }';
const AUDIENCE_CONTACTS = `query ($id: ID!) {
  audience(id: $id) { id contacts(first: 100) { totalCount edges { node { id number firstName lastName tags contact { id phone } } } } }
}`;
const CONTACTS = `query ($search: String, $audienceId: ID, $first: Int) {
  contacts(search: $search, audienceId: $audienceId, first: $first) { totalCount edges { node { id phone name email } } }
}`;

async function createAudience(key = acme.key): Promise<{ id: string; name: string }> {
  const response = await app.gql(CREATE_AUDIENCE, { input: { name: uniqueName('Audience'), channel: 'SMS' } }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createAudience.audience;
}

async function createContact(input: Record<string, unknown>, key = acme.key) {
  const response = await app.gql(CREATE_CONTACT, { input }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createContact.contact as {
    id: string;
    phone: string;
    name: string | null;
    email: string | null;
    createdAt: string;
    updatedAt: string;
    audiences: { totalCount: number; edges: Array<{ node: { id: string; name: string } }> };
  };
}

/** The account's contacts whose number contains these digits. */
async function contactsWithPhone(e164: string, key = acme.key) {
  const response = await app.gql(CONTACTS, { search: e164.replace(/\D/g, ''), first: 100 }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.contacts as { totalCount: number; edges: Array<{ node: { id: string; phone: string } }> };
}

async function audienceContacts(audienceId: string, key = acme.key) {
  const response = await app.gql(AUDIENCE_CONTACTS, { id: audienceId }, { key });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.audience.contacts as {
    totalCount: number;
    edges: Array<{ node: { id: string; number: string; firstName: string | null; lastName: string | null; tags: string[]; contact: { id: string; phone: string } } }>;
  };
}

/** A valid email address of exactly `length` characters (local part of 64, domain labels of at most 63). */
function emailOfLength(length: number): string {
  const local = 'a'.repeat(64);
  let domainLength = length - local.length - '@'.length - '.com'.length;
  const labels: string[] = [];
  while (domainLength > 0) {
    const take = Math.min(63, domainLength);
    labels.push(String.fromCharCode(98 + labels.length).repeat(take));
    domainLength -= take + 1; // and the dot before the next label
  }
  const email = `${local}@${labels.join('.')}.com`;
  if (email.length !== length) throw new Error(`emailOfLength(${length}) built ${email.length} characters`);
  return email;
}

// ---------------------------------------------------------------------------------------------------------

describe('createContact', () => {
  it('normalises the phone to E.164, with or without the leading +, and keeps name and email', async () => {
    const withoutPlus = freshPhone();
    const a = await createContact({ phone: withoutPlus.formatted, name: 'Ann Smith', email: 'ann@acme.example' });
    expect(a).toMatchObject({ phone: withoutPlus.e164, name: 'Ann Smith', email: 'ann@acme.example' });
    expect(new Date(a.createdAt).toISOString()).toBe(a.createdAt);
    expect(a.audiences).toEqual({ totalCount: 0, edges: [] });

    const withPlus = freshPhone();
    const b = await createContact({ phone: withPlus.spaced });
    expect(b).toMatchObject({ phone: withPlus.e164, name: null, email: null });

    const plain = freshPhone();
    expect((await createContact({ phone: plain.plain })).phone).toBe(plain.e164);

    const read = await app.gql(CONTACT, { id: a.id });
    expect(read.body.data.contact).toMatchObject({ id: a.id, phone: withoutPlus.e164, name: 'Ann Smith', email: 'ann@acme.example' });
  });

  it('puts the contact into the audiences of audienceIds: Contact.audiences and Audience.contacts show it', async () => {
    const first = await createAudience();
    const second = await createAudience();
    const untouched = await createAudience();
    const phone = freshPhone();
    const contact = await createContact({ phone: phone.spaced, name: 'In two', audienceIds: [first.id, second.id] });

    expect(contact.audiences.totalCount).toBe(2);
    expect(contact.audiences.edges.map((edge) => edge.node)).toEqual([first, second]);

    for (const audience of [first, second]) {
      const contacts = await audienceContacts(audience.id);
      expect(contacts.totalCount).toBe(1);
      expect(contacts.edges[0]!.node).toMatchObject({
        number: phone.e164,
        firstName: null,
        lastName: null,
        tags: [],
        contact: { id: contact.id, phone: phone.e164 },
      });
    }
    expect((await audienceContacts(untouched.id)).totalCount).toBe(0);

    const read = await app.gql(CONTACT, { id: contact.id });
    expect(read.body.data.contact.audiences.edges.map((edge: { node: unknown }) => edge.node)).toEqual([first, second]);
  });

  it('rejects an unknown audience id in audienceIds with 1301 at its index, and creates nothing', async () => {
    const audience = await createAudience();
    const phone = freshPhone();
    const response = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, audienceIds: [audience.id, unknownId('Audience')] } });
    expect(response.body.data ?? null).toBeNull();
    expectError(response, { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceIds[1]' });
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
    expect((await audienceContacts(audience.id)).totalCount).toBe(0);
  });

  it("rejects another account's audience id in audienceIds with 1301, and creates nothing", async () => {
    const own = await createAudience();
    const foreign = await createAudience(globex.key);
    const phone = freshPhone();
    const response = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, audienceIds: [foreign.id, own.id] } });
    expectError(response, { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceIds[0]' });
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
    expect((await contactsWithPhone(phone.e164, globex.key)).totalCount).toBe(0);
    expect((await audienceContacts(own.id)).totalCount).toBe(0);
    expect((await audienceContacts(foreign.id, globex.key)).totalCount).toBe(0);
  });

  it('rejects a malformed audience id, or an id of another type, with INVALID_AUDIENCE_ID 1302', async () => {
    const audience = await createAudience();
    const other = await createContact({ phone: freshPhone().e164 });
    const phone = freshPhone();
    for (const bad of ['not-an-id', '', other.id, unknownId('Contact')]) {
      const response = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, audienceIds: [audience.id, bad] } });
      expectError(response, { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'audienceIds[1]' });
    }
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
    expect((await audienceContacts(audience.id)).totalCount).toBe(0);
  });
});

describe('createContact duplicates', () => {
  it('rejects the same phone in another spelling with CONTACT_ALREADY_EXISTS 1360 / 409', async () => {
    const phone = freshPhone();
    const original = await createContact({ phone: phone.e164, name: 'Original' });
    for (const spelling of [phone.e164, phone.plain, phone.spaced, phone.formatted]) {
      const response = await app.gql(CREATE_CONTACT, { input: { phone: spelling, name: 'Copy' } });
      expectError(response, { code: 'CONTACT_ALREADY_EXISTS', numericCode: 1360, status: 409, field: 'phone' });
    }
    const found = await contactsWithPhone(phone.e164);
    expect(found.totalCount).toBe(1);
    expect(found.edges[0]!.node.id).toBe(original.id);
    expect((await app.gql(CONTACT, { id: original.id })).body.data.contact.name).toBe('Original');
  });

  it('accepts the same phone in another account', async () => {
    const phone = freshPhone();
    const mine = await createContact({ phone: phone.e164, name: 'Acme person' });
    const theirs = await createContact({ phone: phone.formatted, name: 'Globex person' }, globex.key);
    expect(theirs.phone).toBe(phone.e164);
    expect(theirs.id).not.toBe(mine.id);
    expect((await app.gql(CONTACT, { id: mine.id })).body.data.contact.name).toBe('Acme person');
    expect((await app.gql(CONTACT, { id: theirs.id }, { key: globex.key })).body.data.contact.name).toBe('Globex person');
  });
});

describe('createContact validation', () => {
  it('requires a phone: missing, empty or blank → 1353', async () => {
    const missing = await app.gql(CREATE_CONTACT, { input: { name: 'No phone' } });
    expectError(missing, { code: 'VALIDATION_ERROR', numericCode: 1353, status: 422, field: 'phone' });
    const explicitNull = await app.gql(CREATE_CONTACT, { input: { phone: null, name: 'No phone' } });
    expectError(explicitNull, { code: 'VALIDATION_ERROR', numericCode: 1353, status: 422, field: 'phone' });
    for (const phone of ['', '   ']) {
      const response = await app.gql(CREATE_CONTACT, { input: { phone, name: 'No phone' } });
      expectError(response, { code: 'VALIDATION_ERROR', numericCode: 1353, status: 422, field: 'phone' });
    }
  });

  it('rejects an invalid number with 1354', async () => {
    for (const phone of ['12345', '+999123456789', 'not a phone', '+1 415 555 267', '+1 415 555 26710']) {
      const response = await app.gql(CREATE_CONTACT, { input: { phone } });
      expectError(response, { code: 'VALIDATION_ERROR', numericCode: 1354, status: 422, field: 'phone' });
    }
  });

  it('accepts a number of 32 characters as typed and rejects 33 with 1355', async () => {
    const phone = freshPhone();
    const typed32 = phone.spaced.padEnd(32, ' ');
    const typed33 = phone.spaced.padEnd(33, ' ');
    expect(typed32).toHaveLength(32);
    const tooLong = await app.gql(CREATE_CONTACT, { input: { phone: typed33 } });
    expectError(tooLong, { code: 'VALIDATION_ERROR', numericCode: 1355, status: 422, field: 'phone' });
    expectError(await app.gql(CREATE_CONTACT, { input: { phone: '1'.repeat(33) } }), {
      code: 'VALIDATION_ERROR',
      numericCode: 1355,
      status: 422,
      field: 'phone',
    });
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
    expect((await createContact({ phone: typed32 })).phone).toBe(phone.e164);
  });

  it('accepts a name of 256 characters and rejects 257 with VALIDATION_ERROR and no numericCode', async () => {
    const phone = freshPhone();
    const tooLong = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, name: 'n'.repeat(257) } });
    expect(tooLong.body.data ?? null).toBeNull();
    expectError(tooLong, { code: 'VALIDATION_ERROR', numericCode: null, status: 422, field: 'name' });
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
    const name = 'n'.repeat(256);
    expect((await createContact({ phone: phone.e164, name })).name).toBe(name);
  });

  it('rejects a malformed email with VALIDATION_ERROR and no numericCode', async () => {
    const phone = freshPhone();
    for (const email of ['not-an-email', 'ann@', '@acme.example', 'ann@@acme.example', 'ann smith@acme.example', 'ann@acme', 'ann@acme..example', '']) {
      const response = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, email } });
      expectError(response, { code: 'VALIDATION_ERROR', numericCode: null, status: 422, field: 'email' });
    }
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
  });

  it('accepts a valid email of 254 characters and rejects 255', async () => {
    const phone = freshPhone();
    const longest = emailOfLength(254);
    const tooLong = emailOfLength(255);
    const response = await app.gql(CREATE_CONTACT, { input: { phone: phone.e164, email: tooLong } });
    expectError(response, { code: 'VALIDATION_ERROR', numericCode: null, status: 422, field: 'email' });
    expect((await contactsWithPhone(phone.e164)).totalCount).toBe(0);
    expect((await createContact({ phone: phone.e164, email: longest })).email).toBe(longest);
  });
});

describe('updateContact', () => {
  it('keeps omitted fields and changes given ones', async () => {
    const phone = freshPhone();
    const contact = await createContact({ phone: phone.e164, name: 'Before', email: 'before@acme.example' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const renamed = await app.gql(UPDATE_CONTACT, { input: { id: contact.id, name: 'After' } });
    expect(renamed.body.errors).toBeUndefined();
    expect(renamed.body.data.updateContact.contact.createdAt).toBe(contact.createdAt);
    expect(Date.parse(renamed.body.data.updateContact.contact.updatedAt)).toBeGreaterThan(Date.parse(contact.updatedAt));
    expect(renamed.body.data.updateContact.contact).toMatchObject({ id: contact.id, phone: phone.e164, name: 'After', email: 'before@acme.example' });

    const reemailed = await app.gql(UPDATE_CONTACT, { input: { id: contact.id, email: 'after@acme.example' } });
    expect(reemailed.body.data.updateContact.contact).toMatchObject({ phone: phone.e164, name: 'After', email: 'after@acme.example' });

    const nothing = await app.gql(UPDATE_CONTACT, { input: { id: contact.id } });
    expect(nothing.body.errors).toBeUndefined();
    expect(nothing.body.data.updateContact.contact).toMatchObject({ phone: phone.e164, name: 'After', email: 'after@acme.example' });

    expect((await app.gql(CONTACT, { id: contact.id })).body.data.contact).toMatchObject({ phone: phone.e164, name: 'After', email: 'after@acme.example' });
  });

  it('clears name and email on an explicit null, keeping the phone', async () => {
    const phone = freshPhone();
    const contact = await createContact({ phone: phone.e164, name: 'To clear', email: 'clear@acme.example' });
    const response = await app.gql(UPDATE_CONTACT, { input: { id: contact.id, name: null, email: null } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.updateContact.contact).toMatchObject({ phone: phone.e164, name: null, email: null });
    expect((await app.gql(CONTACT, { id: contact.id })).body.data.contact).toMatchObject({ phone: phone.e164, name: null, email: null });
  });

  it('changes the phone to a new number given in any spelling, storing E.164 and freeing the old one', async () => {
    const before = freshPhone();
    const after = freshPhone();
    const contact = await createContact({ phone: before.e164, name: 'Mover' });
    const response = await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: after.formatted } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.updateContact.contact).toMatchObject({ id: contact.id, phone: after.e164, name: 'Mover' });
    expect((await contactsWithPhone(before.e164)).totalCount).toBe(0);
    const reused = await createContact({ phone: before.plain });
    expect(reused.phone).toBe(before.e164);
  });

  it('a new phone reaches every audience the contact is in, however it joined them: shown there and found by its digits, the old one not', async () => {
    const before = freshPhone();
    const after = freshPhone();
    // Three ways in: created with its audience, added to an existing one, imported.
    const created = await app.gql(CREATE_AUDIENCE, { input: { name: uniqueName('With'), channel: 'SMS', contacts: [{ number: before.e164 }] } });
    expect(created.body.errors).toBeUndefined();
    const added = await createAudience();
    const imported = await createAudience();
    expect((await app.gql('mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { number } } }', { input: { audienceId: added.id, number: before.spaced } })).body.data.addAudienceContact.audienceContact.number).toBe(before.e164);
    const importResult = await app.gql('mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount } }', { input: { audienceId: imported.id, contacts: [{ number: before.plain }] } });
    expect(importResult.body.data.importAudienceContacts.importedCount).toBe(1);
    const audienceIds = [created.body.data.createAudience.audience.id as string, added.id, imported.id];
    const contactId = (await contactsWithPhone(before.e164)).edges[0]!.node.id;

    expect((await app.gql(UPDATE_CONTACT, { input: { id: contactId, phone: after.e164 } })).body.errors).toBeUndefined();
    const SEARCH = `query ($id: ID!, $search: String) { audience(id: $id) { contacts(first: 10, search: $search) { totalCount edges { node { number contact { phone } } } } } }`;
    for (const id of audienceIds) {
      expect((await audienceContacts(id)).edges.map((edge) => edge.node.number)).toEqual([after.e164]);
      const found = await app.gql(SEARCH, { id, search: after.e164.slice(-7) });
      expect(found.body.data.audience.contacts).toEqual({ totalCount: 1, edges: [{ node: { number: after.e164, contact: { phone: after.e164 } } }] });
      const gone = await app.gql(SEARCH, { id, search: before.e164.slice(-7) });
      expect(gone.body.data.audience.contacts).toEqual({ totalCount: 0, edges: [] });
    }
  });

  it('refuses to clear the phone (null → 1353) and rejects invalid numbers, changing nothing', async () => {
    const phone = freshPhone();
    const contact = await createContact({ phone: phone.e164, name: 'Keeps phone' });
    expectError(await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: null } }), {
      code: 'VALIDATION_ERROR',
      numericCode: 1353,
      status: 422,
      field: 'phone',
    });
    expectError(await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: '' } }), {
      code: 'VALIDATION_ERROR',
      numericCode: 1353,
      status: 422,
      field: 'phone',
    });
    expectError(await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: '12345', name: 'Changed?' } }), {
      code: 'VALIDATION_ERROR',
      numericCode: 1354,
      status: 422,
      field: 'phone',
    });
    expectError(await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: '1'.repeat(33) } }), {
      code: 'VALIDATION_ERROR',
      numericCode: 1355,
      status: 422,
      field: 'phone',
    });
    expectError(await app.gql(UPDATE_CONTACT, { input: { id: contact.id, name: 'x'.repeat(257) } }), {
      code: 'VALIDATION_ERROR',
      numericCode: null,
      status: 422,
      field: 'name',
    });
    expectError(await app.gql(UPDATE_CONTACT, { input: { id: contact.id, email: 'nope' } }), {
      code: 'VALIDATION_ERROR',
      numericCode: null,
      status: 422,
      field: 'email',
    });
    expect((await app.gql(CONTACT, { id: contact.id })).body.data.contact).toMatchObject({ phone: phone.e164, name: 'Keeps phone', email: null });
  });

  it("rejects a change to another contact's number, in any spelling, with 1360 / 409", async () => {
    const mine = freshPhone();
    const taken = freshPhone();
    const contact = await createContact({ phone: mine.e164 });
    const other = await createContact({ phone: taken.e164 });
    const response = await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: taken.formatted } });
    expectError(response, { code: 'CONTACT_ALREADY_EXISTS', numericCode: 1360, status: 409, field: 'phone' });
    expect((await app.gql(CONTACT, { id: contact.id })).body.data.contact.phone).toBe(mine.e164);
    expect((await app.gql(CONTACT, { id: other.id })).body.data.contact.phone).toBe(taken.e164);

    // Its own number in another spelling is no conflict.
    const same = await app.gql(UPDATE_CONTACT, { input: { id: contact.id, phone: mine.spaced } });
    expect(same.body.errors).toBeUndefined();
    expect(same.body.data.updateContact.contact.phone).toBe(mine.e164);
  });

  it("answers an unknown or another account's id with CONTACT_NOT_FOUND 1351 / 404", async () => {
    const theirs = await createContact({ phone: freshPhone().e164, name: 'Globex only' }, globex.key);
    const unknown = await app.gql(UPDATE_CONTACT, { input: { id: unknownId('Contact'), name: 'x' } });
    const unknownError = expectError(unknown, { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' });
    const foreign = await app.gql(UPDATE_CONTACT, { input: { id: theirs.id, name: 'Hijacked' } });
    const foreignError = expectError(foreign, { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' });
    expect(foreignError.message).toBe(unknownError.message);
    expect(foreignError.extensions).toEqual(unknownError.extensions);
    expect((await app.gql(CONTACT, { id: theirs.id }, { key: globex.key })).body.data.contact.name).toBe('Globex only');
  });

  it('answers an Audience id or a malformed id with INVALID_CONTACT_ID 1352 / 400', async () => {
    const audience = await createAudience();
    for (const id of [audience.id, unknownId('Audience'), 'not-an-id', '']) {
      const response = await app.gql(UPDATE_CONTACT, { input: { id, name: 'x' } });
      expectError(response, { code: 'INVALID_CONTACT_ID', numericCode: 1352, status: 400, field: 'id' });
    }
  });
});

describe('deleteContact', () => {
  it('removes the contact from every audience it was in', async () => {
    const first = await createAudience();
    const second = await createAudience();
    const doomed = await createContact({ phone: freshPhone().e164, audienceIds: [first.id, second.id] });
    const stays = await createContact({ phone: freshPhone().e164, audienceIds: [first.id, second.id] });

    const memberships: string[] = [];
    for (const audience of [first, second]) {
      const contacts = await audienceContacts(audience.id);
      expect(contacts.totalCount).toBe(2);
      memberships.push(contacts.edges.find((edge) => edge.node.contact.id === doomed.id)!.node.id);
    }

    const response = await app.gql(DELETE_CONTACT, { input: { id: doomed.id } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.deleteContact.deletedContactId).toBe(doomed.id);

    for (const audience of [first, second]) {
      const contacts = await audienceContacts(audience.id);
      expect(contacts.totalCount).toBe(1);
      expect(contacts.edges.map((edge) => edge.node.contact.id)).toEqual([stays.id]);
    }
    const nodeQuery = 'query ($id: ID!, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } }';
    const nodes = await app.gql(nodeQuery, { id: memberships[0], ids: [...memberships, doomed.id] });
    expect(nodes.body.errors).toBeUndefined();
    expect(nodes.body.data).toEqual({ node: null, nodes: [null, null, null] });
    expect((await app.gql(CONTACT, { id: doomed.id })).body.data.contact).toBeNull();
    expect((await app.gql(CONTACT, { id: stays.id })).body.data.contact.audiences.totalCount).toBe(2);
    const filtered = await app.gql(CONTACTS, { audienceId: first.id });
    expect(filtered.body.data.contacts.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([stays.id]);
  });

  it('answers a second delete, an unknown id and another account’s contact with 1351', async () => {
    const contact = await createContact({ phone: freshPhone().e164 });
    expect((await app.gql(DELETE_CONTACT, { input: { id: contact.id } })).body.errors).toBeUndefined();
    expectError(await app.gql(DELETE_CONTACT, { input: { id: contact.id } }), {
      code: 'CONTACT_NOT_FOUND',
      numericCode: 1351,
      status: 404,
      field: 'id',
    });
    expectError(await app.gql(DELETE_CONTACT, { input: { id: unknownId('Contact') } }), {
      code: 'CONTACT_NOT_FOUND',
      numericCode: 1351,
      status: 404,
      field: 'id',
    });
    const theirs = await createContact({ phone: freshPhone().e164 }, globex.key);
    expectError(await app.gql(DELETE_CONTACT, { input: { id: theirs.id } }), {
      code: 'CONTACT_NOT_FOUND',
      numericCode: 1351,
      status: 404,
      field: 'id',
    });
    expect((await app.gql(CONTACT, { id: theirs.id }, { key: globex.key })).body.data.contact.id).toBe(theirs.id);
  });

  it('answers an Audience id with INVALID_CONTACT_ID 1352', async () => {
    const audience = await createAudience();
    expectError(await app.gql(DELETE_CONTACT, { input: { id: audience.id } }), {
      code: 'INVALID_CONTACT_ID',
      numericCode: 1352,
      status: 400,
      field: 'id',
    });
    expect((await app.gql('query ($id: ID!) { audience(id: $id) { id } }', { id: audience.id })).body.data.audience.id).toBe(audience.id);
  });
});

describe('contacts(audienceId:)', () => {
  it("lists only the contacts of that audience, with the audience's count", async () => {
    const audience = await createAudience();
    const inside = [
      await createContact({ phone: freshPhone().e164, audienceIds: [audience.id] }),
      await createContact({ phone: freshPhone().e164, audienceIds: [audience.id] }),
    ];
    await createContact({ phone: freshPhone().e164 });
    const response = await app.gql(CONTACTS, { audienceId: audience.id });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.contacts.totalCount).toBe(2);
    expect(response.body.data.contacts.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(inside.map((c) => c.id));

    const empty = await createAudience();
    expect((await app.gql(CONTACTS, { audienceId: empty.id })).body.data.contacts).toEqual({ totalCount: 0, edges: [] });

    // Combined with a search, both filters apply.
    const searched = await app.gql(CONTACTS, { audienceId: audience.id, search: inside[1]!.phone.slice(-7) });
    expect(searched.body.data.contacts.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([inside[1]!.id]);
  });

  it("answers an unknown or another account's audience with 1301, a malformed one with 1302", async () => {
    const foreign = await createAudience(globex.key);
    await createContact({ phone: freshPhone().e164, audienceIds: [foreign.id] }, globex.key);
    for (const audienceId of [unknownId('Audience'), foreign.id]) {
      const response = await app.gql(CONTACTS, { audienceId });
      expect(response.body.data ?? null).toBeNull();
      expectError(response, { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' });
    }
    for (const audienceId of ['nope', unknownId('Contact')]) {
      expectError(await app.gql(CONTACTS, { audienceId }), { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'audienceId' });
    }
  });

  it('treats an empty audienceId as a malformed id (1302), not as "no filter"', async () => {
    // An empty string names no audience: silently dropping the filter would list every contact of the account.
    const response = await app.gql(CONTACTS, { audienceId: '' });
    expect(response.body.data ?? null).toBeNull();
    expectError(response, { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'audienceId' });
  });
});

describe('contacts(search:)', () => {
  let key: string;
  let ann: string;
  let bob: string;
  let carla: string;
  let dave: string;

  beforeAll(async () => {
    // An account of its own, so each search's whole answer is known.
    key = (await app.createAccount('Search')).key;
    ann = (await createContact({ phone: '+14155552671', name: 'Ann Smith', email: 'ann.smith@acme.example' }, key)).id;
    bob = (await createContact({ phone: '+447911123456', name: 'Bob Jones', email: 'bob@globex.example' }, key)).id;
    carla = (await createContact({ phone: '+16285550199', name: 'Carla', email: null }, key)).id;
    dave = (await createContact({ phone: '+16285550123', name: 'Agent 007', email: 'dave1999@initech.example' }, key)).id;
  });

  async function search(term: string) {
    const response = await app.gql(CONTACTS, { search: term }, { key });
    expect(response.body.errors).toBeUndefined();
    const ids = response.body.data.contacts.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(response.body.data.contacts.totalCount).toBe(ids.length);
    return ids;
  }

  it('finds by name, case-insensitively and by fragment', async () => {
    expect(await search('Ann')).toEqual([ann]);
    expect(await search('ann')).toEqual([ann]);
    expect(await search('SMI')).toEqual([ann]);
    expect(await search('jones')).toEqual([bob]);
    expect(await search('carl')).toEqual([carla]);
    expect(await search('zelda')).toEqual([]);
    expect(await search('ann smith')).toEqual([ann]);
    expect(await search('  Ann   Smith ')).toEqual([ann]);
    expect(await search('ann jones')).toEqual([]);
  });

  it('finds a term of digits inside a name or an email too, not only inside the number', async () => {
    // "Matches name, email, or the number": digits that are part of an email or a name are still found.
    expect(await search('1999')).toEqual([dave]);
    expect(await search('007')).toEqual([dave]);
  });

  it('takes LIKE wildcards in the term literally', async () => {
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
    expect(await search('a%n')).toEqual([]);
  });

  it('finds by email', async () => {
    expect(await search('globex')).toEqual([bob]);
    expect(await search('bob@globex.example')).toEqual([bob]);
    expect(await search('acme.example')).toEqual([ann]);
  });

  it('finds by a phone fragment however it is written: "+1 415", "1415", "(415)"', async () => {
    expect(await search('+1 415')).toEqual([ann]);
    expect(await search('1415')).toEqual([ann]);
    expect(await search('(415)')).toEqual([ann]);
    expect(await search('555-2671')).toEqual([ann]);
    expect(await search('+44 7911')).toEqual([bob]);
    expect(await search('555')).toEqual([ann, carla, dave]);
  });

  it("never finds another account's contacts", async () => {
    const response = await app.gql(CONTACTS, { search: '+1 415', first: 100 });
    const ids = response.body.data.contacts.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(ids).not.toContain(ann);
  });
});
