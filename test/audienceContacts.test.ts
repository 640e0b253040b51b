import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLResponse, onlyError, startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';

let app: TestApp;
let acme: { key: string; accountId: string };
let globex: { key: string; accountId: string };

beforeAll(async () => {
  app = await startTestApp();
  acme = await app.createAccount('Acme'); // the default key of app.gql
  globex = await app.createAccount('Globex');
});
afterAll(() => app?.close());

// Unique data per test: the tests of this file share one database.
let counter = 0;
const uniqueName = (label = 'Audience') => `${label} ${++counter}`;
/** A valid US number no other test uses, as E.164: +1 212 2xx xxxx. */
const uniqueNumber = () => `+1212${2000000 + ++counter * 7}`;

const AUDIENCE_CONTACT = 'id number firstName lastName timestamp date tags createdAt updatedAt audience { id } contact { id phone }';
const CREATE_AUDIENCE = `mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id name } } }`;
const ADD = `mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { ${AUDIENCE_CONTACT} } } }`;
const UPDATE = `mutation ($input: UpdateAudienceContactInput!) {
  updateAudienceContact(input: $input) { audienceContact { ${AUDIENCE_CONTACT} } }
}`;
const REMOVE = `mutation ($input: RemoveAudienceContactInput!) { removeAudienceContact(input: $input) { removedAudienceContactId } }`;
const DELETE_AUDIENCE = `mutation ($input: DeleteAudienceInput!) { deleteAudience(input: $input) { deletedAudienceId } }`;
const NODE = `query ($id: ID!) { node(id: $id) { id ... on AudienceContact { ${AUDIENCE_CONTACT} } } }`;
const AUDIENCE_CONTACTS = `query ($id: ID!, $search: String) {
  audience(id: $id) { contacts(first: 100, search: $search) { totalCount edges { node { id number firstName lastName tags } } } }
}`;
const CONTACT_COUNT = '{ contacts { totalCount } }';

type Key = { key?: string };

async function createAudience(options: Key = {}, channel = 'SMS'): Promise<{ id: string; name: string }> {
  const response = await app.gql(CREATE_AUDIENCE, { input: { name: uniqueName(), channel } }, options);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createAudience.audience;
}

async function add(input: Record<string, unknown>, options: Key = {}) {
  const response = await app.gql(ADD, { input }, options);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.addAudienceContact.audienceContact;
}

async function update(input: Record<string, unknown>, options: Key = {}) {
  const response = await app.gql(UPDATE, { input }, options);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.updateAudienceContact.audienceContact;
}

async function contactCount(options: Key = {}): Promise<number> {
  const response = await app.gql(CONTACT_COUNT, {}, options);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.contacts.totalCount;
}

async function audienceContacts(audienceId: string, search?: string) {
  const response = await app.gql(AUDIENCE_CONTACTS, { id: audienceId, search });
  expect(response.body.errors).toBeUndefined();
  const connection = response.body.data.audience.contacts;
  expect(connection.totalCount).toBe(connection.edges.length);
  return connection.edges.map((edge: any) => edge.node);
}

async function nodeOf(id: string) {
  const response = await app.gql(NODE, { id });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.node;
}

const validation = (numericCode: number, field: string) => ({ code: 'VALIDATION_ERROR', numericCode, status: 422, field });
const contactNotFound = { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, field: 'id' };
const invalidContactId = { code: 'INVALID_CONTACT_ID', numericCode: 1352, status: 400, field: 'id' };

describe('addAudienceContact', () => {
  it('adds a number, normalised to E.164, with its details', async () => {
    const audience = await createAudience();
    const number = uniqueNumber();
    const added = await add({
      audienceId: audience.id,
      number: number.slice(1),
      firstName: 'Ann',
      lastName: 'Smith',
      timestamp: '1700000000',
      date: '2026-01-31',
      tags: ['vip', 'newsletter'],
    });
    expect(added).toMatchObject({
      number,
      firstName: 'Ann',
      lastName: 'Smith',
      timestamp: '1700000000',
      date: '2026-01-31',
      tags: ['vip', 'newsletter'],
      audience: { id: audience.id },
      contact: { phone: number },
    });
    expect(new Date(added.createdAt).toISOString()).toBe(added.createdAt);
    expect(await nodeOf(added.id)).toEqual(added);
    expect(await audienceContacts(audience.id)).toEqual([
      { id: added.id, number, firstName: 'Ann', lastName: 'Smith', tags: ['vip', 'newsletter'] },
    ]);
  });

  it('leaves optional details empty: null, and tags []', async () => {
    const audience = await createAudience();
    const added = await add({ audienceId: audience.id, number: uniqueNumber() });
    expect(added).toMatchObject({ firstName: null, lastName: null, timestamp: null, date: null, tags: [] });
  });

  it("finds the account's existing contact for a number instead of creating a second", async () => {
    const account = await app.createAccount('Finder');
    const options = { key: account.key };
    const first = await createAudience(options);
    const second = await createAudience(options);
    const third = await createAudience(options);
    expect(await contactCount(options)).toBe(0);

    const a = await add({ audienceId: first.id, number: '14155552671' }, options);
    expect(a.number).toBe('+14155552671');
    expect(await contactCount(options)).toBe(1);
    const b = await add({ audienceId: second.id, number: '+1 (415) 555-2671' }, options);
    expect(b.number).toBe('+14155552671');
    const c = await add({ audienceId: third.id, number: '+14155552671' }, options);
    expect(await contactCount(options)).toBe(1);
    expect(b.contact.id).toBe(a.contact.id);
    expect(c.contact.id).toBe(a.contact.id);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  });

  it('refuses the same number twice in one audience, in any spelling, with 1360', async () => {
    const audience = await createAudience();
    const number = uniqueNumber();
    const national = number.slice(2);
    await add({ audienceId: audience.id, number });
    const before = await contactCount();
    for (const spelling of [number, number.slice(1), `+1 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`]) {
      expectError(await app.gql(ADD, { input: { audienceId: audience.id, number: spelling } }), {
        code: 'CONTACT_ALREADY_EXISTS',
        numericCode: 1360,
        status: 409,
        field: 'number',
      });
    }
    expect(await contactCount()).toBe(before);
    expect(await audienceContacts(audience.id)).toHaveLength(1);
  });

  it('settles concurrent adds of one number in several spellings: one lands, the others get 1360', async () => {
    const audience = await createAudience();
    const number = uniqueNumber();
    const national = number.slice(2);
    const spellings = [number, number.slice(1), `+1 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`, ` ${number} `, `1-${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`];
    const before = await contactCount();
    const responses = await Promise.all(spellings.map((spelling) => app.gql(ADD, { input: { audienceId: audience.id, number: spelling } })));
    const landed = responses.filter((response) => !response.body.errors);
    expect(landed).toHaveLength(1);
    for (const response of responses.filter((candidate) => candidate.body.errors)) {
      expectError(response, { code: 'CONTACT_ALREADY_EXISTS', numericCode: 1360, status: 409, field: 'number' });
    }
    expect(await contactCount()).toBe(before + 1);
    expect((await audienceContacts(audience.id)).map((node: any) => node.number)).toEqual([number]);
  });

  it('creates one account contact when a new number is added to several audiences at once', async () => {
    const audiences = await Promise.all(Array.from({ length: 5 }, () => createAudience()));
    const number = uniqueNumber();
    const before = await contactCount();
    const responses = await Promise.all(audiences.map((audience) => app.gql(ADD, { input: { audienceId: audience.id, number } })));
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const contactIds = responses.map((response) => response.body.data.addAudienceContact.audienceContact.contact.id);
    expect(new Set(contactIds).size).toBe(1);
    expect(await contactCount()).toBe(before + 1);
  });

  it('refuses a missing or empty number with 1353', async () => {
    const audience = await createAudience();
    const before = await contactCount();
    expectError(
      await app.gql(`mutation { addAudienceContact(input: { audienceId: ${JSON.stringify(audience.id)} }) { audienceContact { id } } }`),
      validation(1353, 'number'),
    );
    expectError(await app.gql(ADD, { input: { audienceId: audience.id } }), validation(1353, 'number'));
    for (const number of ['', '   ']) {
      expectError(await app.gql(ADD, { input: { audienceId: audience.id, number } }), validation(1353, 'number'));
    }
    expect(await contactCount()).toBe(before);
    expect(await audienceContacts(audience.id)).toEqual([]);
  });

  it('refuses an explicit null number with 1353, literal and through variables', async () => {
    const audience = await createAudience();
    expectError(await app.gql(ADD, { input: { audienceId: audience.id, number: null } }), validation(1353, 'number'));
    expectError(
      await app.gql(`mutation { addAudienceContact(input: { audienceId: ${JSON.stringify(audience.id)}, number: null }) { audienceContact { id } } }`),
      validation(1353, 'number'),
    );
    expect(await audienceContacts(audience.id)).toEqual([]);
  });

  it('refuses an invalid number with 1354', async () => {
    const audience = await createAudience();
    for (const number of ['12345', 'not a number', '+1415555267', '+999123456789', '++14155552671x']) {
      expectError(await app.gql(ADD, { input: { audienceId: audience.id, number } }), validation(1354, 'number'));
    }
    expect(await audienceContacts(audience.id)).toEqual([]);
  });

  it('accepts a valid number of 32 characters as typed and refuses 33 with 1355', async () => {
    const audience = await createAudience();
    const number = uniqueNumber();
    const padded32 = `${number}`.padStart(22, ' ').padEnd(32, ' ');
    expect(padded32).toHaveLength(32);
    expect((await add({ audienceId: audience.id, number: padded32 })).number).toBe(number);

    const other = uniqueNumber();
    const padded33 = `${other}`.padStart(22, ' ').padEnd(33, ' ');
    expect(padded33).toHaveLength(33);
    expectError(await app.gql(ADD, { input: { audienceId: audience.id, number: padded33 } }), validation(1355, 'number'));
    expectError(await app.gql(ADD, { input: { audienceId: audience.id, number: '1'.repeat(33) } }), validation(1355, 'number'));
    expect(await audienceContacts(audience.id)).toHaveLength(1);
  });

  it('accepts 10 tags of up to 64 characters and refuses 11 tags, a tag of 65 or an empty tag with 1359', async () => {
    const audience = await createAudience();
    const ten = Array.from({ length: 10 }, (_, index) => `tag-${index}`);
    expect((await add({ audienceId: audience.id, number: uniqueNumber(), tags: ten })).tags).toEqual(ten);
    const long = 't'.repeat(64);
    expect((await add({ audienceId: audience.id, number: uniqueNumber(), tags: [long] })).tags).toEqual([long]);

    for (const tags of [[...ten, 'eleventh'], ['t'.repeat(65)], [''], ['ok', '']]) {
      expectError(await app.gql(ADD, { input: { audienceId: audience.id, number: uniqueNumber(), tags } }), validation(1359, 'tags'));
    }
    expect(await audienceContacts(audience.id)).toHaveLength(2);
  });

  const textLimits = [
    { field: 'firstName', max: 128, numericCode: 1361 },
    { field: 'lastName', max: 128, numericCode: 1362 },
    { field: 'timestamp', max: 64, numericCode: 1363 },
    { field: 'date', max: 64, numericCode: 1364 },
  ];

  for (const { field, max, numericCode } of textLimits) {
    it(`accepts a ${field} of ${max} characters and refuses ${max + 1} with ${numericCode}`, async () => {
      const audience = await createAudience();
      const atLimit = 'a'.repeat(max);
      expect((await add({ audienceId: audience.id, number: uniqueNumber(), [field]: atLimit }))[field]).toBe(atLimit);
      const response = await app.gql(ADD, { input: { audienceId: audience.id, number: uniqueNumber(), [field]: 'a'.repeat(max + 1) } });
      expectError(response, validation(numericCode, field));
      expect(await audienceContacts(audience.id)).toHaveLength(1);
    });
  }

  it("refuses an unknown audience or another account's with AUDIENCE_NOT_FOUND 1301", async () => {
    const gone = await createAudience();
    expect((await app.gql(DELETE_AUDIENCE, { input: { id: gone.id } })).body.errors).toBeUndefined();
    const notFound = { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' };
    const before = await contactCount();
    expectError(await app.gql(ADD, { input: { audienceId: gone.id, number: uniqueNumber() } }), notFound);

    const foreign = await createAudience({ key: globex.key });
    expectError(await app.gql(ADD, { input: { audienceId: foreign.id, number: uniqueNumber() } }, { key: acme.key }), notFound);
    expect(await contactCount()).toBe(before);
  });

  it('refuses a malformed audience id with INVALID_AUDIENCE_ID 1302', async () => {
    const audience = await createAudience();
    const added = await add({ audienceId: audience.id, number: uniqueNumber() });
    for (const audienceId of ['nope', added.id, added.contact.id]) {
      expectError(await app.gql(ADD, { input: { audienceId, number: uniqueNumber() } }), {
        code: 'INVALID_AUDIENCE_ID',
        numericCode: 1302,
        status: 400,
        field: 'audienceId',
      });
    }
  });
});

describe('updateAudienceContact', () => {
  async function fullContact() {
    const audience = await createAudience();
    return add({
      audienceId: audience.id,
      number: uniqueNumber(),
      firstName: 'Ann',
      lastName: 'Smith',
      timestamp: '1700000000',
      date: '2026-01-31',
      tags: ['a', 'b'],
    });
  }

  it('keeps an omitted field and changes a given one', async () => {
    const original = await fullContact();
    const updated = await update({ id: original.id, firstName: 'Anna' });
    expect(updated).toMatchObject({
      id: original.id,
      number: original.number,
      firstName: 'Anna',
      lastName: 'Smith',
      timestamp: '1700000000',
      date: '2026-01-31',
      tags: ['a', 'b'],
      audience: original.audience,
      contact: original.contact,
      createdAt: original.createdAt,
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(original.updatedAt));
    expect(await nodeOf(original.id)).toEqual(updated);

    const again = await update({ id: original.id, lastName: 'Jones', timestamp: 'later', date: 'tomorrow', tags: ['c'] });
    expect(again).toMatchObject({ firstName: 'Anna', lastName: 'Jones', timestamp: 'later', date: 'tomorrow', tags: ['c'] });
  });

  it('keeps everything when only the id is given', async () => {
    const original = await fullContact();
    const updated = await update({ id: original.id });
    expect(updated).toMatchObject({
      firstName: 'Ann',
      lastName: 'Smith',
      timestamp: '1700000000',
      date: '2026-01-31',
      tags: ['a', 'b'],
    });
  });

  it('clears a field given as explicit null, and tags null to []', async () => {
    const original = await fullContact();
    const cleared = await update({ id: original.id, lastName: null, tags: null });
    expect(cleared).toMatchObject({ firstName: 'Ann', lastName: null, timestamp: '1700000000', date: '2026-01-31', tags: [] });
    const all = await update({ id: original.id, firstName: null, timestamp: null, date: null });
    expect(all).toMatchObject({ number: original.number, firstName: null, lastName: null, timestamp: null, date: null, tags: [] });
    expect(await nodeOf(original.id)).toEqual(all);
  });

  it('clears through a literal null too', async () => {
    const original = await fullContact();
    const response = await app.gql(
      `mutation { updateAudienceContact(input: { id: ${JSON.stringify(original.id)}, firstName: null, tags: null }) {
        audienceContact { firstName lastName tags } } }`,
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.updateAudienceContact.audienceContact).toEqual({ firstName: null, lastName: 'Smith', tags: [] });
  });

  it('applies the limits: 128/129 names, 64/65 timestamp and date, tags', async () => {
    const original = await fullContact();
    const limits = [
      { field: 'firstName', max: 128, numericCode: 1361 },
      { field: 'lastName', max: 128, numericCode: 1362 },
      { field: 'timestamp', max: 64, numericCode: 1363 },
      { field: 'date', max: 64, numericCode: 1364 },
    ];
    for (const { field, max, numericCode } of limits) {
      expectError(await app.gql(UPDATE, { input: { id: original.id, [field]: 'z'.repeat(max + 1) } }), validation(numericCode, field));
      expect((await update({ id: original.id, [field]: 'z'.repeat(max) }))[field]).toBe('z'.repeat(max));
    }
    const ten = Array.from({ length: 10 }, (_, index) => `t${index}`);
    for (const tags of [[...ten, 'x'], ['y'.repeat(65)], ['']]) {
      expectError(await app.gql(UPDATE, { input: { id: original.id, tags } }), validation(1359, 'tags'));
    }
    expect((await update({ id: original.id, tags: ten })).tags).toEqual(ten);
    expect((await update({ id: original.id, tags: ['y'.repeat(64)] })).tags).toEqual(['y'.repeat(64)]);

    // A refused update changes nothing, not even the fields that were valid.
    const before = await nodeOf(original.id);
    expectError(await app.gql(UPDATE, { input: { id: original.id, firstName: 'Valid', date: 'd'.repeat(65) } }), validation(1364, 'date'));
    expect(await nodeOf(original.id)).toEqual(before);
  });

  it("refuses an unknown or another account's audience contact with CONTACT_NOT_FOUND 1351", async () => {
    const removed = await fullContact();
    expect((await app.gql(REMOVE, { input: { id: removed.id } })).body.errors).toBeUndefined();
    expectError(await app.gql(UPDATE, { input: { id: removed.id, firstName: 'X' } }), contactNotFound);

    const foreignAudience = await createAudience({ key: globex.key });
    const foreign = await add({ audienceId: foreignAudience.id, number: uniqueNumber(), firstName: 'Theirs' }, { key: globex.key });
    expectError(await app.gql(UPDATE, { input: { id: foreign.id, firstName: 'Mine' } }, { key: acme.key }), contactNotFound);
    const untouched = await app.gql(NODE, { id: foreign.id }, { key: globex.key });
    expect(untouched.body.data.node.firstName).toBe('Theirs');
  });

  it('refuses a malformed id, an Audience id or a Contact id with INVALID_CONTACT_ID 1352', async () => {
    const original = await fullContact();
    for (const id of ['nope', '', original.audience.id, original.contact.id]) {
      expectError(await app.gql(UPDATE, { input: { id, firstName: 'X' } }), invalidContactId);
    }
    expect((await nodeOf(original.id)).firstName).toBe('Ann');
  });
});

describe('removeAudienceContact', () => {
  it('removes the audience contact and keeps the account contact', async () => {
    const audience = await createAudience();
    const number = uniqueNumber();
    const added = await add({ audienceId: audience.id, number, firstName: 'Gone' });
    const kept = await add({ audienceId: audience.id, number: uniqueNumber() });
    const before = await contactCount();

    const response = await app.gql(REMOVE, { input: { id: added.id } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.removeAudienceContact).toEqual({ removedAudienceContactId: added.id });

    expect(await nodeOf(added.id)).toBeNull();
    expect((await audienceContacts(audience.id)).map((node: any) => node.id)).toEqual([kept.id]);
    expect(await contactCount()).toBe(before);
    const contact = await app.gql('query ($id: ID!) { contact(id: $id) { id phone } }', { id: added.contact.id });
    expect(contact.body.data.contact).toEqual({ id: added.contact.id, phone: number });

    // The number can come back, as the same Contact, without the old details.
    const readded = await add({ audienceId: audience.id, number });
    expect(readded).toMatchObject({ contact: { id: added.contact.id }, firstName: null });
    expect(readded.id).not.toBe(added.id);
  });

  it('refuses to remove it twice with 1351', async () => {
    const audience = await createAudience();
    const added = await add({ audienceId: audience.id, number: uniqueNumber() });
    expect((await app.gql(REMOVE, { input: { id: added.id } })).body.errors).toBeUndefined();
    expectError(await app.gql(REMOVE, { input: { id: added.id } }), contactNotFound);
  });

  it("refuses another account's audience contact with 1351 and a malformed id with 1352", async () => {
    const foreignAudience = await createAudience({ key: globex.key });
    const foreign = await add({ audienceId: foreignAudience.id, number: uniqueNumber() }, { key: globex.key });
    expectError(await app.gql(REMOVE, { input: { id: foreign.id } }, { key: acme.key }), contactNotFound);
    expect((await app.gql(NODE, { id: foreign.id }, { key: globex.key })).body.data.node.id).toBe(foreign.id);
    for (const id of ['nope', foreignAudience.id, foreign.contact.id]) {
      expectError(await app.gql(REMOVE, { input: { id } }), invalidContactId);
    }
  });
});

describe('Audience.contacts(search:)', () => {
  let audienceId: string;
  const people = {
    ann: { number: '+14155552671', firstName: 'Ann', lastName: 'Smith' },
    bob: { number: '+12125550199', firstName: 'Bob', lastName: 'Annable' },
    carla: { number: '+33612345678', firstName: 'Carla', lastName: 'Smithers' },
    percent: { number: '+447911123456', firstName: '100%', lastName: 'a_b' },
    plain: { number: '+4915123456789', firstName: '100x', lastName: 'axb' },
  };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    audienceId = (await createAudience()).id;
    for (const [key, person] of Object.entries(people)) ids[key] = (await add({ audienceId, ...person })).id;
    // The same numbers in another audience must not leak into this one's results.
    const other = await createAudience();
    await add({ audienceId: other.id, number: people.ann.number, firstName: 'Ann', lastName: 'Smith' });
  });

  const found = async (search: string) => {
    const nodes = await audienceContacts(audienceId, search);
    const byId = Object.fromEntries(Object.entries(ids).map(([key, id]) => [id, key]));
    return nodes.map((node: any) => byId[node.id]).sort();
  };

  it('finds a number by "+1 415", "1415" and "(415)"', async () => {
    expect(await found('+1 415')).toEqual(['ann']);
    expect(await found('1415')).toEqual(['ann']);
    expect(await found('(415)')).toEqual(['ann']);
    expect(await found('+1 (415) 555-2671')).toEqual(['ann']);
    expect(await found('+14155552671')).toEqual(['ann']);
    expect(await found('+1 416')).toEqual([]);
  });

  it('finds a case-insensitive substring of the first or last name', async () => {
    expect(await found('ann')).toEqual(['ann', 'bob']);
    expect(await found('ANN')).toEqual(['ann', 'bob']);
    expect(await found('smi')).toEqual(['ann', 'carla']);
    expect(await found('ITHER')).toEqual(['carla']);
    expect(await found('arl')).toEqual(['carla']);
    expect(await found('zzz')).toEqual([]);
  });

  it('matches every word of a search: "ann smi" finds Ann Smith', async () => {
    expect(await found('ann smi')).toEqual(['ann']);
    expect(await found('  Ann   Smith ')).toEqual(['ann']);
    expect(await found('bob smi')).toEqual([]);
  });

  it('takes % and _ literally', async () => {
    expect(await found('%')).toEqual(['percent']);
    expect(await found('100%')).toEqual(['percent']);
    expect(await found('_')).toEqual(['percent']);
    expect(await found('a_b')).toEqual(['percent']);
    expect(await found('\\')).toEqual([]);
  });

  it('returns everything for an empty or blank search', async () => {
    expect(await found('')).toHaveLength(5);
    expect(await found('   ')).toHaveLength(5);
  });
});

describe('tags', () => {
  it('are returned in the order given, on add and on update', async () => {
    const audience = await createAudience();
    const added = await add({ audienceId: audience.id, number: uniqueNumber(), tags: ['zeta', 'alpha', 'mid', 'Alpha'] });
    expect(added.tags).toEqual(['zeta', 'alpha', 'mid', 'Alpha']);
    expect((await nodeOf(added.id)).tags).toEqual(['zeta', 'alpha', 'mid', 'Alpha']);
    expect((await audienceContacts(audience.id))[0].tags).toEqual(['zeta', 'alpha', 'mid', 'Alpha']);
    expect((await update({ id: added.id, tags: ['b', 'a', 'c'] })).tags).toEqual(['b', 'a', 'c']);
    expect((await nodeOf(added.id)).tags).toEqual(['b', 'a', 'c']);
  });
});
