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

const AUDIENCE = 'id name channel createdAt updatedAt';
const CREATE = `mutation ($input: CreateAudienceInput!) {
  createAudience(input: $input) {
    audience {
      ${AUDIENCE}
      contacts(first: 20) { totalCount edges { node { id number firstName lastName timestamp date tags contact { id phone } } } }
    }
  }
}`;
const UPDATE = `mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { ${AUDIENCE} } } }`;
const DELETE = `mutation ($input: DeleteAudienceInput!) { deleteAudience(input: $input) { deletedAudienceId } }`;
const GET = `query ($id: ID!) { audience(id: $id) { ${AUDIENCE} } }`;
const COUNTS = '{ audiences { totalCount } contacts { totalCount } }';
const LIST = `query ($channel: Channel, $search: String) {
  audiences(first: 100, channel: $channel, search: $search) { totalCount edges { node { id name channel } } }
}`;

type Key = { key?: string };

async function createAudience(input: Record<string, unknown>, options: Key = {}) {
  const response = await app.gql(CREATE, { input }, options);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createAudience.audience;
}

async function counts(options: Key = {}): Promise<{ audiences: number; contacts: number }> {
  const response = await app.gql(COUNTS, {}, options);
  expect(response.body.errors).toBeUndefined();
  return { audiences: response.body.data.audiences.totalCount, contacts: response.body.data.contacts.totalCount };
}

const validation = (numericCode: number, field: string) => ({ code: 'VALIDATION_ERROR', numericCode, status: 422, field });

describe('createAudience', () => {
  it('creates an audience without contacts', async () => {
    const name = uniqueName('Spring sale');
    const before = await counts();
    const audience = await createAudience({ name, channel: 'SMS' });
    expect(audience).toMatchObject({ name, channel: 'SMS', contacts: { totalCount: 0, edges: [] } });
    expect(typeof audience.id).toBe('string');
    expect(new Date(audience.createdAt).toISOString()).toBe(audience.createdAt);
    expect(new Date(audience.updatedAt).toISOString()).toBe(audience.updatedAt);
    expect(await counts()).toEqual({ audiences: before.audiences + 1, contacts: before.contacts });

    const fetched = await app.gql(GET, { id: audience.id });
    expect(fetched.body.data.audience).toEqual({
      id: audience.id,
      name,
      channel: 'SMS',
      createdAt: audience.createdAt,
      updatedAt: audience.updatedAt,
    });
  });

  it('creates an audience with 10 inline contacts, normalising their numbers', async () => {
    const numbers = Array.from({ length: 10 }, () => uniqueNumber());
    const contacts = numbers.map((number, index) => ({
      // Every other number without its +, as the seeds allow.
      number: index % 2 ? number.slice(1) : number,
      firstName: `First ${index}`,
      lastName: `Last ${index}`,
      timestamp: `ts ${index}`,
      date: `2026-01-${String(index + 1).padStart(2, '0')}`,
      tags: [`tag-${index}`, 'all'],
    }));
    const before = await counts();
    const audience = await createAudience({ name: uniqueName(), channel: 'WHATSAPP', contacts });
    expect(audience.channel).toBe('WHATSAPP');
    expect(audience.contacts.totalCount).toBe(10);
    const nodes = audience.contacts.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.number).sort()).toEqual([...numbers].sort());
    for (const [index, number] of numbers.entries()) {
      const node = nodes.find((candidate: any) => candidate.number === number);
      expect(node).toMatchObject({
        firstName: `First ${index}`,
        lastName: `Last ${index}`,
        timestamp: `ts ${index}`,
        date: contacts[index]!.date,
        tags: [`tag-${index}`, 'all'],
        contact: { phone: number },
      });
    }
    expect(await counts()).toEqual({ audiences: before.audiences + 1, contacts: before.contacts + 10 });
  });

  it('refuses an 11th inline contact with 1308 and creates nothing', async () => {
    const before = await counts();
    const name = uniqueName();
    const contacts = Array.from({ length: 11 }, () => ({ number: uniqueNumber() }));
    const response = await app.gql(CREATE, { input: { name, channel: 'SMS', contacts } });
    expectError(response, validation(1308, 'contacts'));
    expect(await counts()).toEqual(before);
  });

  it('lands nothing when one inline contact is invalid', async () => {
    const before = await counts();
    const name = uniqueName();
    const contacts = [{ number: uniqueNumber() }, { number: uniqueNumber() }, { number: '12345' }, { number: uniqueNumber() }];
    expectError(await app.gql(CREATE, { input: { name, channel: 'SMS', contacts } }), validation(1354, 'contacts[2].number'));
    expect(await counts()).toEqual(before);

    const tooLongFirstName = [{ number: uniqueNumber() }, { number: uniqueNumber(), firstName: 'f'.repeat(129) }];
    expectError(
      await app.gql(CREATE, { input: { name, channel: 'SMS', contacts: tooLongFirstName } }),
      validation(1361, 'contacts[1].firstName'),
    );
    const badTag = [{ number: uniqueNumber(), tags: ['ok', ''] }];
    expectError(await app.gql(CREATE, { input: { name, channel: 'SMS', contacts: badTag } }), validation(1359, 'contacts[0].tags'));
    expect(await counts()).toEqual(before);

    // Nothing of the failed attempts holds the name.
    const audience = await createAudience({ name, channel: 'SMS' });
    expect(audience.name).toBe(name);
  });

  it('lands nothing when two inline numbers are one number in different spellings', async () => {
    const before = await counts();
    const name = uniqueName();
    const number = uniqueNumber(); // +1212NNNNNNN
    const national = number.slice(2);
    const spelled = `+1 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
    const contacts = [{ number: uniqueNumber() }, { number }, { number: spelled }];
    expectError(await app.gql(CREATE, { input: { name, channel: 'VIBER', contacts } }), {
      code: 'CONTACT_ALREADY_EXISTS',
      numericCode: 1360,
      status: 409,
      field: 'contacts[2].number',
    });
    expect(await counts()).toEqual(before);
  });

  it('refuses an inline contact without a number with 1353 at its path, in a literal', async () => {
    const before = await counts();
    const name = uniqueName();
    const number = uniqueNumber();
    expectError(
      await app.gql(
        `mutation { createAudience(input: { name: ${JSON.stringify(name)}, channel: SMS, contacts: [{ number: "${number}" }, { firstName: "No number" }] }) { audience { id } } }`,
      ),
      validation(1353, 'contacts[1].number'),
    );
    expectError(
      await app.gql(
        `mutation { createAudience(input: { name: ${JSON.stringify(name)}, channel: SMS, contacts: [{ number: "${number}" }, { number: null }] }) { audience { id } } }`,
      ),
      validation(1353, 'contacts[1].number'),
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses an inline contact without a number with 1353 at its path, through variables', async () => {
    const before = await counts();
    const name = uniqueName();
    const number = uniqueNumber();
    expectError(
      await app.gql(CREATE, { input: { name, channel: 'SMS', contacts: [{ number }, { firstName: 'No number' }] } }),
      validation(1353, 'contacts[1].number'),
    );
    expectError(
      await app.gql(CREATE, { input: { name, channel: 'SMS', contacts: [{ number }, { number: null }] } }),
      validation(1353, 'contacts[1].number'),
    );
    expectError(
      await app.gql(CREATE, { input: { name, channel: 'SMS', contacts: [{ number }, { number: '  ' }] } }),
      validation(1353, 'contacts[1].number'),
    );
    expect(await counts()).toEqual(before);
  });

  it('reuses the account contact of a number already known', async () => {
    const number = uniqueNumber();
    const first = await createAudience({ name: uniqueName(), channel: 'SMS', contacts: [{ number }] });
    const before = await counts();
    const second = await createAudience({ name: uniqueName(), channel: 'SMS', contacts: [{ number: number.slice(1) }] });
    expect(await counts()).toEqual({ audiences: before.audiences + 1, contacts: before.contacts });
    expect(second.contacts.edges[0].node.contact.id).toBe(first.contacts.edges[0].node.contact.id);
  });
});

describe('createAudience name rules', () => {
  it('accepts 128 characters after trimming and returns the trimmed name', async () => {
    const name = `${uniqueName('N')} `.padEnd(128, 'x');
    expect(name).toHaveLength(128);
    const audience = await createAudience({ name: `   ${name}\t `, channel: 'SMS' });
    expect(audience.name).toBe(name);
  });

  it('counts characters, not UTF-16 units: 128 emoji pass', async () => {
    const name = `${++counter}`.padEnd(128, 'é').replace(/é/g, '😀');
    expect([...name]).toHaveLength(128);
    const audience = await createAudience({ name, channel: 'SMS' });
    expect(audience.name).toBe(name);
  });

  it('refuses 129 characters with 1305', async () => {
    const before = await counts();
    const name = `${uniqueName('N')} `.padEnd(129, 'x');
    expectError(await app.gql(CREATE, { input: { name, channel: 'SMS' } }), validation(1305, 'name'));
    expect(await counts()).toEqual(before);
  });

  it('refuses an empty or blank name with 1303', async () => {
    for (const name of ['', '   ', '\t \n']) {
      expectError(await app.gql(CREATE, { input: { name, channel: 'SMS' } }), validation(1303, 'name'));
    }
  });

  it('refuses a missing name with 1303, literal and through variables', async () => {
    expectError(await app.gql('mutation { createAudience(input: { channel: SMS }) { audience { id } } }'), validation(1303, 'name'));
    expectError(await app.gql(CREATE, { input: { channel: 'SMS' } }), validation(1303, 'name'));
  });

  it('refuses an explicit null name with 1303, literal and through variables', async () => {
    expectError(await app.gql(CREATE, { input: { name: null, channel: 'SMS' } }), validation(1303, 'name'));
    expectError(await app.gql('mutation { createAudience(input: { name: null, channel: SMS }) { audience { id } } }'), validation(1303, 'name'));
  });

  it('refuses a control character with 1304', async () => {
    for (const name of [`${uniqueName()}\u0007bell`, `line\nbreak ${++counter}`, `${uniqueName()}\u0000`]) {
      expectError(await app.gql(CREATE, { input: { name, channel: 'SMS' } }), validation(1304, 'name'));
    }
  });

  it('refuses a duplicate name, compared case-insensitively, with 1309', async () => {
    const name = uniqueName('Black Friday');
    await createAudience({ name, channel: 'SMS' });
    const before = await counts();
    for (const duplicate of [name, name.toUpperCase(), name.toLowerCase(), `  ${name}  `]) {
      const response = await app.gql(CREATE, { input: { name: duplicate, channel: 'VIBER', contacts: [{ number: uniqueNumber() }] } });
      expectError(response, { code: 'AUDIENCE_ALREADY_EXISTS', numericCode: 1309, status: 409, field: 'name' });
    }
    expect(await counts()).toEqual(before);
  });

  it('settles concurrent creations of one name: one lands, the others get 1309', async () => {
    const name = uniqueName('Race');
    const before = await counts();
    const spellings = [name, name.toUpperCase(), name.toLowerCase(), ` ${name}`, `${name} `];
    const responses = await Promise.all(spellings.map((spelling) => app.gql(CREATE, { input: { name: spelling, channel: 'SMS' } })));
    expect(responses.filter((response) => !response.body.errors)).toHaveLength(1);
    for (const response of responses.filter((candidate) => candidate.body.errors)) {
      expectError(response, { code: 'AUDIENCE_ALREADY_EXISTS', numericCode: 1309, status: 409, field: 'name' });
    }
    expect(await counts()).toEqual({ audiences: before.audiences + 1, contacts: before.contacts });
  });

  it('allows the same name in another account', async () => {
    const name = uniqueName('Shared name');
    const own = await createAudience({ name, channel: 'SMS' });
    const other = await createAudience({ name, channel: 'SMS' }, { key: globex.key });
    expect(other.name).toBe(name);
    expect(other.id).not.toBe(own.id);
  });
});

describe('createAudience channel', () => {
  const expectMissing = (response: GraphQLResponse) => {
    expectError(response, validation(1306, 'channel'));
    expect(response.body.data ?? null).toBeNull();
  };
  const expectUnknown = (response: GraphQLResponse) => {
    expectError(response, validation(1307, 'channel'));
    expect(response.body.data ?? null).toBeNull();
  };

  it('refuses a missing channel with 1306, literal and through variables', async () => {
    const before = await counts();
    const name = JSON.stringify(uniqueName());
    expectMissing(await app.gql(`mutation { createAudience(input: { name: ${name} }) { audience { id } } }`));
    expectMissing(await app.gql(CREATE, { input: { name: uniqueName() } }));
    expectMissing(await app.gql(`mutation { createAudience(input: { name: ${name}, channel: null }) { audience { id } } }`));
    expectMissing(await app.gql(CREATE, { input: { name: uniqueName(), channel: null } }));
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown channel with 1307, literal and through variables', async () => {
    const before = await counts();
    const name = JSON.stringify(uniqueName());
    expectUnknown(await app.gql(`mutation { createAudience(input: { name: ${name}, channel: PIGEON }) { audience { id } } }`));
    expectUnknown(await app.gql(CREATE, { input: { name: uniqueName(), channel: 'PIGEON' } }));
    expectUnknown(await app.gql(CREATE, { input: { name: uniqueName(), channel: 'sms' } }));
    expect(await counts()).toEqual(before);
  });

  it('accepts each channel', async () => {
    for (const channel of ['SMS', 'VIBER', 'WHATSAPP']) {
      expect((await createAudience({ name: uniqueName(), channel })).channel).toBe(channel);
    }
  });
});

describe('audiences', () => {
  it('filters by channel and by a case-insensitive substring of the name', async () => {
    const account = await app.createAccount('Lister');
    const options = { key: account.key };
    const made = {
      spring: await createAudience({ name: 'Spring Sale VIP', channel: 'SMS' }, options),
      summer: await createAudience({ name: 'summer sale', channel: 'VIBER' }, options),
      news: await createAudience({ name: 'Newsletter', channel: 'WHATSAPP' }, options),
      team: await createAudience({ name: 'SALES-team', channel: 'SMS' }, options),
      percent: await createAudience({ name: '100% off', channel: 'VIBER' }, options),
      under: await createAudience({ name: 'a_b', channel: 'SMS' }, options),
      plain: await createAudience({ name: 'axb', channel: 'SMS' }, options),
    };
    const names = async (variables: Record<string, unknown>) => {
      const response = await app.gql(LIST, variables, options);
      expect(response.body.errors).toBeUndefined();
      const connection = response.body.data.audiences;
      expect(connection.totalCount).toBe(connection.edges.length);
      return connection.edges.map((edge: any) => edge.node.name).sort();
    };

    expect(await names({})).toHaveLength(7);
    expect(await names({ channel: 'SMS' })).toEqual(['SALES-team', 'Spring Sale VIP', 'a_b', 'axb']);
    expect(await names({ channel: 'VIBER' })).toEqual(['100% off', 'summer sale']);
    expect(await names({ channel: 'WHATSAPP' })).toEqual(['Newsletter']);
    expect(await names({ search: 'SALE' })).toEqual(['SALES-team', 'Spring Sale VIP', 'summer sale']);
    expect(await names({ search: 'sAlE' })).toEqual(['SALES-team', 'Spring Sale VIP', 'summer sale']);
    expect(await names({ search: 'letter' })).toEqual(['Newsletter']);
    expect(await names({ search: 'sale', channel: 'SMS' })).toEqual(['SALES-team', 'Spring Sale VIP']);
    expect(await names({ search: 'sale', channel: 'WHATSAPP' })).toEqual([]);
    expect(await names({ search: 'nothing like it' })).toEqual([]);
    // LIKE wildcards in a search are literal.
    expect(await names({ search: '%' })).toEqual(['100% off']);
    expect(await names({ search: 'a_b' })).toEqual(['a_b']);
    // Another account's audiences never show.
    expect(await names({ search: 'Spring Sale VIP' })).toEqual(['Spring Sale VIP']);
    const fromAcme = await app.gql(LIST, { search: 'Spring Sale VIP' });
    expect(fromAcme.body.data.audiences.edges.map((edge: any) => edge.node.id)).not.toContain(made.spring.id);
  });

  it('refuses an unknown channel filter with 1307, also in a query already run (and compiled) with good variables', async () => {
    expect((await app.gql(LIST, { channel: 'SMS' })).body.errors).toBeUndefined();
    expectError(await app.gql(LIST, { channel: 'PIGEON' }), validation(1307, 'channel'));
  });
});

describe('audience(id)', () => {
  it("returns the account's own audience", async () => {
    const audience = await createAudience({ name: uniqueName(), channel: 'VIBER' });
    const response = await app.gql(GET, { id: audience.id });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.audience).toMatchObject({ id: audience.id, name: audience.name, channel: 'VIBER' });
  });

  it("returns null for another account's audience", async () => {
    const foreign = await createAudience({ name: uniqueName(), channel: 'SMS' }, { key: globex.key });
    const response = await app.gql(GET, { id: foreign.id }, { key: acme.key });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.audience).toBeNull();
  });

  it('refuses a malformed id, or the id of a contact, with INVALID_AUDIENCE_ID 1302', async () => {
    const audience = await createAudience({ name: uniqueName(), channel: 'SMS', contacts: [{ number: uniqueNumber() }] });
    const audienceContact = audience.contacts.edges[0].node;
    const viewer = (await app.gql('{ viewer { id } }')).body.data.viewer;
    const invalid = { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'id' };
    for (const id of ['not-an-id', '', '12345', audience.id.slice(0, -2), audienceContact.contact.id, audienceContact.id, viewer.id]) {
      const response = await app.gql(GET, { id });
      expectError(response, invalid);
      expect(response.body.data?.audience ?? null).toBeNull();
    }
  });
});

describe('updateAudience', () => {
  it('renames an audience', async () => {
    const audience = await createAudience({ name: uniqueName(), channel: 'SMS' });
    const name = uniqueName('Renamed');
    const response = await app.gql(UPDATE, { input: { id: audience.id, name: `  ${name} ` } });
    expect(response.body.errors).toBeUndefined();
    const updated = response.body.data.updateAudience.audience;
    expect(updated).toMatchObject({ id: audience.id, name, channel: 'SMS', createdAt: audience.createdAt });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(audience.updatedAt));
    expect((await app.gql(GET, { id: audience.id })).body.data.audience.name).toBe(name);
  });

  it('renames an audience to its own name in another case', async () => {
    const audience = await createAudience({ name: uniqueName('lower case'), channel: 'SMS' });
    const response = await app.gql(UPDATE, { input: { id: audience.id, name: audience.name.toUpperCase() } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.updateAudience.audience.name).toBe(audience.name.toUpperCase());
  });

  it('refuses a rename to an existing name in another case with 1309', async () => {
    const existing = await createAudience({ name: uniqueName('Taken'), channel: 'SMS' });
    const audience = await createAudience({ name: uniqueName(), channel: 'SMS' });
    const response = await app.gql(UPDATE, { input: { id: audience.id, name: existing.name.toUpperCase() } });
    expectError(response, { code: 'AUDIENCE_ALREADY_EXISTS', numericCode: 1309, status: 409, field: 'name' });
    expect((await app.gql(GET, { id: audience.id })).body.data.audience.name).toBe(audience.name);
  });

  it('applies the name rules', async () => {
    const audience = await createAudience({ name: uniqueName(), channel: 'SMS' });
    expectError(await app.gql(UPDATE, { input: { id: audience.id, name: '  ' } }), validation(1303, 'name'));
    expectError(await app.gql(UPDATE, { input: { id: audience.id, name: 'tab\tinside' } }), validation(1304, 'name'));
    expectError(await app.gql(UPDATE, { input: { id: audience.id, name: 'x'.repeat(129) } }), validation(1305, 'name'));
    const longest = `${uniqueName()} `.padEnd(128, 'y');
    const response = await app.gql(UPDATE, { input: { id: audience.id, name: longest } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.updateAudience.audience.name).toBe(longest);
  });

  it('keeps the name when it is omitted', async () => {
    const audience = await createAudience({ name: uniqueName(), channel: 'WHATSAPP' });
    const response = await app.gql(UPDATE, { input: { id: audience.id } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.updateAudience.audience).toMatchObject({ id: audience.id, name: audience.name, channel: 'WHATSAPP' });
  });

  it("refuses an unknown audience or another account's with AUDIENCE_NOT_FOUND 1301", async () => {
    const gone = await createAudience({ name: uniqueName(), channel: 'SMS' });
    expect((await app.gql(DELETE, { input: { id: gone.id } })).body.errors).toBeUndefined();
    const notFound = { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'id' };
    expectError(await app.gql(UPDATE, { input: { id: gone.id, name: uniqueName() } }), notFound);

    const foreign = await createAudience({ name: uniqueName(), channel: 'SMS' }, { key: globex.key });
    expectError(await app.gql(UPDATE, { input: { id: foreign.id, name: uniqueName() } }, { key: acme.key }), notFound);
    const stillThere = await app.gql(GET, { id: foreign.id }, { key: globex.key });
    expect(stillThere.body.data.audience.name).toBe(foreign.name);
  });

  it('refuses a malformed id with 1302', async () => {
    expectError(await app.gql(UPDATE, { input: { id: 'nope', name: uniqueName() } }), {
      code: 'INVALID_AUDIENCE_ID',
      numericCode: 1302,
      status: 400,
      field: 'id',
    });
  });
});

describe('deleteAudience', () => {
  const NODE = 'query ($id: ID!) { node(id: $id) { id } }';
  const CONTACT = 'query ($id: ID!) { contact(id: $id) { id phone } }';

  it("deletes the audience and its audience contacts, keeping the account's contacts", async () => {
    const numbers = [uniqueNumber(), uniqueNumber()];
    const audience = await createAudience({ name: uniqueName(), channel: 'SMS', contacts: numbers.map((number) => ({ number })) });
    const audienceContacts = audience.contacts.edges.map((edge: any) => edge.node);
    for (const audienceContact of audienceContacts) {
      expect((await app.gql(NODE, { id: audienceContact.id })).body.data.node).toEqual({ id: audienceContact.id });
    }
    const before = await counts();

    const response = await app.gql(DELETE, { input: { id: audience.id } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.deleteAudience).toEqual({ deletedAudienceId: audience.id });

    expect((await app.gql(GET, { id: audience.id })).body.data.audience).toBeNull();
    expect((await app.gql(NODE, { id: audience.id })).body.data.node).toBeNull();
    for (const audienceContact of audienceContacts) {
      const node = await app.gql(NODE, { id: audienceContact.id });
      expect(node.body.errors).toBeUndefined();
      expect(node.body.data.node).toBeNull();
      const contact = await app.gql(CONTACT, { id: audienceContact.contact.id });
      expect(contact.body.data.contact).toEqual({ id: audienceContact.contact.id, phone: audienceContact.number });
    }
    expect(await counts()).toEqual({ audiences: before.audiences - 1, contacts: before.contacts });
  });

  it('refuses to delete it again with 1301', async () => {
    const audience = await createAudience({ name: uniqueName(), channel: 'SMS' });
    expect((await app.gql(DELETE, { input: { id: audience.id } })).body.errors).toBeUndefined();
    expectError(await app.gql(DELETE, { input: { id: audience.id } }), {
      code: 'AUDIENCE_NOT_FOUND',
      numericCode: 1301,
      status: 404,
      field: 'id',
    });
  });

  it("refuses another account's audience with 1301 and leaves it", async () => {
    const foreign = await createAudience({ name: uniqueName(), channel: 'SMS' }, { key: globex.key });
    expectError(await app.gql(DELETE, { input: { id: foreign.id } }, { key: acme.key }), {
      code: 'AUDIENCE_NOT_FOUND',
      numericCode: 1301,
      status: 404,
      field: 'id',
    });
    expect((await app.gql(GET, { id: foreign.id }, { key: globex.key })).body.data.audience.id).toBe(foreign.id);
  });

  it('frees the name of a deleted audience', async () => {
    const name = uniqueName();
    const audience = await createAudience({ name, channel: 'SMS' });
    await app.gql(DELETE, { input: { id: audience.id } });
    expect((await createAudience({ name: name.toUpperCase(), channel: 'VIBER' })).name).toBe(name.toUpperCase());
  });
});
