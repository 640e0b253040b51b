import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import type { Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../src/db/generated/client.js';
import { revokeApiKey, createKeyForAccount } from '../src/services/accounts.js';
import { startTestApp, type TestApp, testEngine } from './support/app.js';
import { exampleOperation } from './support/examples.js';
import { liveClient, subscribed, until, watch } from './support/live.js';

/**
 * Live updates over graphql-ws against a real server and database: what each write tells, to whom, and when it
 * tells nothing (a rolled-back write, another account). Each "nothing" is shown by order: a later committed write
 * is the first event the subscriber receives.
 */

const AUDIENCE_CHANGED = print(exampleOperation('AudienceChanged'));
const CONTACTS_CHANGED = print(exampleOperation('AudienceContactsChanged'));
const CONTACT_CHANGED = print(exampleOperation('ContactChanged'));

let app: TestApp;
let key: string;
let accountId: string;
const clients: Client[] = [];

function client(withKey: string | null = key) {
  const created = liveClient(app.url, withKey);
  clients.push(created);
  return created;
}

beforeAll(async () => {
  app = await startTestApp({ hardening: { subscriptionsPerConnection: 3, subscriptionsPerKey: 5, subscriptionBuffer: 4 }, gateway: { liveKeepAliveMs: 300 } });
  ({ key, accountId } = await app.createAccount('Live'));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await app?.close();
});

async function createAudience(name: string, contacts: Array<Record<string, unknown>> = [], withKey = key) {
  const response = await app.gql(`mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id } } }`, { input: { name, channel: 'SMS', contacts } }, { key: withKey });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.createAudience.audience.id as string;
}

async function add(audienceId: string, number: string, extra: Record<string, unknown> = {}, withKey = key) {
  const response = await app.gql(`mutation ($input: AddAudienceContactInput!) { addAudienceContact(input: $input) { audienceContact { id contact { id } } } }`, { input: { audienceId, number, ...extra } }, { key: withKey });
  expect(response.body.errors).toBeUndefined();
  const row = response.body.data.addAudienceContact.audienceContact;
  return { rowId: row.id as string, contactId: row.contact.id as string };
}

/** Subscriptions held by the server once the new ones are in place (other tests' have ended by then). */
let held = 0;
async function live<T = any>(c: Client, query: string, variables: Record<string, unknown>) {
  const w = watch<T>(c, query, variables);
  held++;
  await subscribed(app.url, held);
  return w;
}
async function ended(w: { stop(): void }) {
  w.stop();
  held--;
  await subscribed(app.url, held);
}

describe('audienceContactsChanged', () => {
  it('tells ADDED, UPDATED and REMOVED with the row and the count, for writes through GraphQL', async () => {
    const audienceId = await createAudience('Rows');
    const w = await live(client(), CONTACTS_CHANGED, { audienceId });

    const { rowId } = await add(audienceId, '+37455000001', { firstName: 'Ani', tags: ['vip'] });
    const added = await w.event(0);
    expect(added).toMatchObject({ kind: 'ADDED', audienceContactId: rowId, audienceContact: { id: rowId, number: '+37455000001', firstName: 'Ani', tags: ['vip'] }, batch: null, audience: { id: audienceId, contacts: { totalCount: 1 } } });

    await app.gql(`mutation ($input: UpdateAudienceContactInput!) { updateAudienceContact(input: $input) { audienceContact { id } } }`, { input: { id: rowId, lastName: 'Petrosyan' } });
    expect(await w.event(1)).toMatchObject({ kind: 'UPDATED', audienceContact: { id: rowId, firstName: 'Ani', lastName: 'Petrosyan' } });

    await app.gql(`mutation ($input: RemoveAudienceContactInput!) { removeAudienceContact(input: $input) { removedAudienceContactId } }`, { input: { id: rowId } });
    expect(await w.event(2)).toMatchObject({ kind: 'REMOVED', audienceContactId: rowId, audienceContact: null, audience: { contacts: { totalCount: 0 } } });
    expect(w.events).toHaveLength(3);
    await ended(w);
  });

  it('tells an import as ONE batch event with its counts, and a bulk action as one per audience', async () => {
    const audienceId = await createAudience('Batches', [{ number: '+37455000100' }]);
    const otherId = await createAudience('Batches target');
    const w = await live(client(), CONTACTS_CHANGED, { audienceId });
    const rows = Array.from({ length: 50 }, (_, i) => ({ number: `+374550002${String(i).padStart(2, '0')}` }));
    const imported = await app.gql(`mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount updatedCount } }`, {
      input: { audienceId, contacts: [...rows, { number: '+37455000100', firstName: 'Again' }, { number: 'not a number' }] },
    });
    expect(imported.body.data.importAudienceContacts).toEqual({ importedCount: 50, updatedCount: 1 });
    expect(await w.event(0)).toMatchObject({ kind: 'BATCH', audienceContactId: null, batch: { operation: 'IMPORT', addedCount: 50, updatedCount: 1, removedCount: 0 }, audience: { contacts: { totalCount: 51 } } });

    await app.gql(`mutation ($input: TagAudienceContactsInput!) { tagAudienceContacts(input: $input) { changedCount } }`, { input: { audienceId, filter: {}, add: ['x'] } });
    expect(await w.event(1)).toMatchObject({ kind: 'BATCH', batch: { operation: 'TAG', addedCount: 0, updatedCount: 51, removedCount: 0 } });

    // A move: one event for the source (removed) and one for the target (added), in one transaction. Their
    // payloads differ in audience only; two equal counts in one transaction must not fold into one.
    const target = await live(client(), CONTACTS_CHANGED, { audienceId: otherId });
    await app.gql(`mutation ($input: MoveAudienceContactsInput!) { moveAudienceContacts(input: $input) { changedCount } }`, { input: { fromAudienceId: audienceId, toAudienceId: otherId, filter: {} } });
    expect(await w.event(2)).toMatchObject({ kind: 'BATCH', batch: { operation: 'MOVE', addedCount: 0, removedCount: 51 }, audience: { contacts: { totalCount: 0 } } });
    expect(await target.event(0)).toMatchObject({ kind: 'BATCH', batch: { operation: 'MOVE', addedCount: 51, removedCount: 0 }, audience: { contacts: { totalCount: 51 } } });
    expect(w.events).toHaveLength(3);
    await ended(w);
    await ended(target);
  });

  it('with a filter, tells only the rows it selects, and an update that takes a row out of it as REMOVED', async () => {
    const audienceId = await createAudience('Filtered');
    const w = await live(client(), CONTACTS_CHANGED, { audienceId, filter: { tags: { any: ['vip'] } } });
    await add(audienceId, '+37455000301', { tags: ['regular'] });
    const vip = await add(audienceId, '+37455000302', { tags: ['vip'] });
    expect(await w.event(0)).toMatchObject({ kind: 'ADDED', audienceContactId: vip.rowId });
    await app.gql(`mutation ($input: UpdateAudienceContactInput!) { updateAudienceContact(input: $input) { audienceContact { id } } }`, { input: { id: vip.rowId, tags: ['former'] } });
    expect(await w.event(1)).toMatchObject({ kind: 'REMOVED', audienceContactId: vip.rowId, audienceContact: null });
    expect(w.events).toHaveLength(2);
    await ended(w);
  });

  it('ends when the audience is deleted', async () => {
    const audienceId = await createAudience('Short-lived');
    const w = await live(client(), CONTACTS_CHANGED, { audienceId });
    await app.gql(`mutation ($input: DeleteAudienceInput!) { deleteAudience(input: $input) { deletedAudienceId } }`, { input: { id: audienceId } });
    expect(await w.ended()).toEqual([]);
    held--;
    await subscribed(app.url, held);
  });
});

describe('audienceChanged and contactChanged', () => {
  it('tell a rename, a row, and the deletion as the last event of audienceChanged', async () => {
    const audienceId = await createAudience('Header');
    const w = await live(client(), AUDIENCE_CHANGED, { id: audienceId });
    await app.gql(`mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { id } } }`, { input: { id: audienceId, name: 'Header renamed' } });
    expect(await w.event(0)).toMatchObject({ kind: 'AUDIENCE_UPDATED', audienceId, audience: { name: 'Header renamed', contacts: { totalCount: 0 } } });
    const { rowId } = await add(audienceId, '+37455000401');
    expect(await w.event(1)).toMatchObject({ kind: 'CONTACT_ADDED', audience: { contacts: { totalCount: 1 } } });
    expect(w.events[1].audience.updatedAt).toBeTypeOf('string');
    expect(rowId).toBeTypeOf('string');
    await app.gql(`mutation ($input: DeleteAudienceInput!) { deleteAudience(input: $input) { deletedAudienceId } }`, { input: { id: audienceId } });
    expect(await w.event(2)).toEqual({ kind: 'AUDIENCE_DELETED', audienceId, audience: null, batch: null });
    expect(await w.ended()).toEqual([]);
    held--;
    await subscribed(app.url, held);
  });

  it('contactChanged tells its fields, the audiences it joins and leaves, and its deletion', async () => {
    const audienceId = await createAudience('Contact home');
    const created = await app.gql(`mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, { input: { phone: '+37455000501', name: 'Aram' } });
    const contactId = created.body.data.createContact.contact.id;
    const w = await live(client(), CONTACT_CHANGED, { id: contactId });
    await app.gql(`mutation ($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } } }`, { input: { id: contactId, email: 'aram@example.com' } });
    expect(await w.event(0)).toMatchObject({ kind: 'UPDATED', contactId, contact: { name: 'Aram', email: 'aram@example.com' } });
    const row = await add(audienceId, '+37455000501');
    expect(row.contactId).toBe(contactId);
    expect(await w.event(1)).toMatchObject({ kind: 'AUDIENCES_CHANGED', contact: { id: contactId } });
    // Its audience rows go with it: the audience's subscribers hear REMOVED.
    const rows = await live(client(), CONTACTS_CHANGED, { audienceId });
    await app.gql(`mutation ($input: DeleteContactInput!) { deleteContact(input: $input) { deletedContactId } }`, { input: { id: contactId } });
    expect(await w.event(2)).toMatchObject({ kind: 'DELETED', contactId, contact: null });
    expect(await w.ended()).toEqual([]);
    expect(await rows.event(0)).toMatchObject({ kind: 'REMOVED', audienceContactId: row.rowId });
    held--;
    await ended(rows);
  });
});

describe('only committed writes, only to their account', () => {
  it('a rolled-back createAudience (its 5th contact fails in the database) tells nothing', async () => {
    const numbers = ['+37455000601', '+37455000602', '+37455000603', '+37455000604'];
    const contactIds: string[] = [];
    for (const phone of numbers) {
      const created = await app.gql(`mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, { input: { phone } });
      contactIds.push(created.body.data.createContact.contact.id);
    }
    const watches = [];
    for (const id of contactIds) watches.push(await live(client(), CONTACT_CHANGED, { id }));
    // The database refuses the 5th row, after the first four were written (and their events sent) in the transaction.
    await app.database.prisma.$executeRawUnsafe(`CREATE FUNCTION refuse_number() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.phone = '+37455000605' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await app.database.prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_number BEFORE INSERT ON audience_contact FOR EACH ROW EXECUTE FUNCTION refuse_number()`);
    try {
      const failed = await app.gql(`mutation ($input: CreateAudienceInput!) { createAudience(input: $input) { audience { id } } }`, {
        input: { name: 'Rolled back', channel: 'SMS', contacts: [...numbers, '+37455000605'].map((number) => ({ number })) },
      });
      expect(failed.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await app.database.prisma.$executeRawUnsafe(`DROP TRIGGER refuse_number ON audience_contact`);
      await app.database.prisma.$executeRawUnsafe(`DROP FUNCTION refuse_number()`);
    }
    // The next committed change is the first thing each subscriber hears.
    for (const [index, id] of contactIds.entries()) {
      await app.gql(`mutation ($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } } }`, { input: { id, name: `After ${index}` } });
      expect(await watches[index]!.event(0)).toMatchObject({ kind: 'UPDATED', contact: { name: `After ${index}` } });
      expect(watches[index]!.events).toHaveLength(1);
    }
    for (const w of watches) await ended(w);
  });

  it('another account cannot subscribe to an audience or contact (not found, as an unknown id) and hears nothing of it', async () => {
    const audienceId = await createAudience('Private');
    const { contactId } = await add(audienceId, '+37455000701');
    const other = await app.createAccount('Other');
    const otherAudienceId = await createAudience('Theirs', [], other.key);
    const otherClient = client(other.key);

    const foreign = watch(otherClient, CONTACTS_CHANGED, { audienceId });
    expect(await foreign.ended()).toMatchObject([{ extensions: { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, field: 'audienceId' } }]);
    const foreignHeader = watch(otherClient, AUDIENCE_CHANGED, { id: audienceId });
    expect(await foreignHeader.ended()).toMatchObject([{ extensions: { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301 } }]);
    const foreignContact = watch(otherClient, CONTACT_CHANGED, { id: contactId });
    expect(await foreignContact.ended()).toMatchObject([{ extensions: { code: 'CONTACT_NOT_FOUND', numericCode: 1351 } }]);

    const theirs = await live(otherClient, CONTACTS_CHANGED, { audienceId: otherAudienceId });
    await add(audienceId, '+37455000702');
    // A misrouted event (their audience named with our account, or our row named under theirs) reads nothing of ours.
    const rowOfOurs = (await app.gql(`query ($id: ID!) { audience(id: $id) { contacts(first: 1) { edges { node { id } } } } }`, { id: audienceId })).body.data.audience.contacts.edges[0].node.id;
    const rawAudience = Buffer.from(otherAudienceId, 'base64url').toString().split(':')[1];
    const rawRow = Buffer.from(rowOfOurs, 'base64url').toString().split(':')[1];
    const rawContact = Buffer.from(contactId, 'base64url').toString().split(':')[1];
    await app.database.prisma.$executeRaw(Prisma.sql`SELECT pg_notify('cg_live', ${JSON.stringify({ k: 'ROW_ADDED', x: accountId, a: rawAudience, r: rawRow, c: rawContact, u: 'forged1' })})`);
    await app.database.prisma.$executeRaw(Prisma.sql`SELECT pg_notify('cg_live', ${JSON.stringify({ k: 'ROW_UPDATED', x: other.accountId, a: rawAudience, r: rawRow, c: rawContact, u: 'forged2' })})`);
    const mine = await add(otherAudienceId, '+37455000703', {}, other.key);
    const first = await theirs.event(0);
    // The forged event under their account arrives, but their loaders find no such row of theirs.
    expect(first).toMatchObject({ kind: 'UPDATED', audienceContactId: rowOfOurs, audienceContact: null });
    expect(await theirs.event(1)).toMatchObject({ kind: 'ADDED', audienceContactId: mine.rowId, audienceContact: { number: '+37455000703' } });
    expect(theirs.events).toHaveLength(2);
    await ended(theirs);
  });
});

describe('keys and limits', () => {
  it('refuses a subscription without a key, or with an unknown one', async () => {
    const audienceId = await createAudience('Keyless');
    for (const c of [client(null), client('cgk_unknown')]) {
      const w = watch(c, CONTACTS_CHANGED, { audienceId });
      expect(await w.ended()).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED', status: 401 } }]);
    }
  });

  it("ends a revoked key's subscription at once when the revocation is announced, whatever the key cache's TTL", async () => {
    // A minute of key cache: without the announcement the stream would live that long.
    const cached = await startTestApp({ gateway: { apiKeyCacheTtlMs: 60_000 } });
    try {
      const { accountId: owner } = await cached.createAccount('Revoked at once');
      const second = await createKeyForAccount(cached.database.prisma, owner);
      const created = await cached.gql(`mutation { createAudience(input: { name: "Revoked", channel: SMS }) { audience { id } } }`, undefined, { key: second.key });
      const c = liveClient(cached.url, second.key);
      clients.push(c);
      const w = watch(c, AUDIENCE_CHANGED, { id: created.body.data.createAudience.audience.id });
      await subscribed(cached.url, 1);
      const revokedAt = Date.now();
      await revokeApiKey(cached.database.prisma, second.apiKey.id);
      expect(await w.ended(5_000)).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED', status: 401 } }]);
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
    } finally {
      await cached.close();
    }
  });

  it('also ends it at the next key check when no announcement came (the key gone by other means)', async () => {
    const audienceId = await createAudience('Revoked');
    const second = await createKeyForAccount(app.database.prisma, accountId);
    const w = await live(client(second.key), AUDIENCE_CHANGED, { id: audienceId });
    // Revoked in the database without the announcement revokeApiKey sends.
    await app.database.prisma.apiKey.update({ where: { id: second.apiKey.id }, data: { revokedAt: new Date() } });
    const revokedAt = Date.now();
    expect(await w.ended(5_000)).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED', status: 401 } }]);
    // This server has no key cache (TTL 0): keys with subscriptions are checked every second.
    expect(Date.now() - revokedAt).toBeLessThan(2_000);
    held--;
    await subscribed(app.url, held);
  });

  it('limits subscriptions per connection and per key (1402, 1401), and frees a place when one ends', async () => {
    const audienceId = await createAudience('Limits');
    const one = client();
    const first = [await live(one, AUDIENCE_CHANGED, { id: audienceId }), await live(one, AUDIENCE_CHANGED, { id: audienceId }), await live(one, AUDIENCE_CHANGED, { id: audienceId })];
    const refused = watch(one, AUDIENCE_CHANGED, { id: audienceId });
    expect(await refused.ended()).toMatchObject([
      { message: expect.stringContaining('at most 3'), extensions: { code: 'SUBSCRIPTION_LIMIT', numericCode: 1402, status: 429 } },
    ]);
    const two = client();
    const more = [await live(two, AUDIENCE_CHANGED, { id: audienceId }), await live(two, AUDIENCE_CHANGED, { id: audienceId })];
    const overKey = watch(two, AUDIENCE_CHANGED, { id: audienceId });
    expect(await overKey.ended()).toMatchObject([{ message: expect.stringContaining('at most 5'), extensions: { code: 'SUBSCRIPTION_LIMIT', numericCode: 1401, status: 429 } }]);
    await ended(first[0]!);
    const again = await live(two, AUDIENCE_CHANGED, { id: audienceId });
    for (const w of [...first.slice(1), ...more, again]) await ended(w);
  });

  it('applies the depth and cost limits to a subscription', async () => {
    const audienceId = await createAudience('Deep');
    const level = (inner: string) => `audience { contacts(first: 100) { edges { node { ${inner} } } } }`;
    const deep = `subscription ($id: ID!) { audienceChanged(id: $id) { ${level(level(level('id')))} } }`;
    expect(await watch(client(), deep, { id: audienceId }).ended()).toMatchObject([{ message: expect.stringContaining('at most 12'), extensions: { code: 'QUERY_TOO_DEEP', status: 400 } }]);
    // 100 rows of 100 rows, each with its contact: 30,400 objects an event, over the 25,000 a query may cost.
    const costly = `subscription ($id: ID!) { audienceChanged(id: $id) { ${level(level('contact { id }'))} } }`;
    expect(await watch(client(), costly, { id: audienceId }).ended()).toMatchObject([{ message: expect.stringContaining('at most 25000'), extensions: { code: 'QUERY_TOO_COMPLEX', status: 400 } }]);
  });

  it('disconnects a subscriber whose events pile up past its buffer, and frees its place', async () => {
    const audienceId = await createAudience('Flood');
    const c = client();
    let closedWith: number | undefined;
    c.on('closed', (event) => (closedWith = (event as { code: number }).code));
    const w = await live(c, AUDIENCE_CHANGED, { id: audienceId });
    // Another subscription on the same connection: the connection stays open until the server cuts it.
    const bystander = await live(c, AUDIENCE_CHANGED, { id: await createAudience('Bystander') });
    const raw = Buffer.from(audienceId, 'base64url').toString().split(':')[1];
    // 50 events in one transaction arrive at once; this server queues 4 a subscriber.
    await app.database.prisma.$transaction(async (tx) => {
      for (let i = 0; i < 50; i++) await tx.$executeRaw(Prisma.sql`SELECT pg_notify('cg_live', ${JSON.stringify({ k: 'AUDIENCE_UPDATED', x: accountId, a: raw, u: `flood${i}` })})`);
    });
    // Its error is the last thing it receives, then the connection is cut (a client that could not read it would be cut all the same).
    expect(await w.ended()).toMatchObject([{ extensions: { code: 'SUBSCRIBER_TOO_SLOW', numericCode: 1403, status: 429 } }]);
    await until(() => closedWith !== undefined, 5_000);
    expect(closedWith).toBe(1006);
    expect(bystander.completed).toBe(true);
    expect(w.events.length).toBeLessThan(50);
    held -= 2;
    await subscribed(app.url, held);
  });

  it('pings each WebSocket (heartbeat) and SSE stream (keep-alive comments)', async () => {
    const socket = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    let pings = 0;
    socket.on('ping', () => pings++);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { 'X-Dexatel-Key': key } }));
    await until(() => pings >= 2, 3_000);
    socket.close();

    // yoga's SSE sends a comment line every 12 s (every 300 ms under NODE_ENV=test, as here).
    const audienceId = await createAudience('Keep-alive');
    const abort = new AbortController();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-dexatel-key': key },
      body: JSON.stringify({ query: AUDIENCE_CHANGED, variables: { id: audienceId } }),
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while ((text.match(/^:\n\n/gm) ?? []).length < 3) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
  });
});

describe('over SSE', () => {
  it('the per-key limit (1401) applies to SSE streams too', async () => {
    const audienceId = await createAudience('SSE limit');
    const sse = createSseClient({ url: `${app.url}/graphql`, headers: { 'x-dexatel-key': key }, retryAttempts: 0 });
    const open: Array<() => void> = [];
    for (let i = 0; i < 5; i++) open.push(sse.subscribe({ query: AUDIENCE_CHANGED, variables: { id: audienceId } }, { next: () => {}, error: () => {}, complete: () => {} }));
    held += 5;
    await subscribed(app.url, held);
    const refused: any[] = [];
    await new Promise<void>((resolve, reject) => sse.subscribe({ query: AUDIENCE_CHANGED, variables: { id: audienceId } }, { next: (value) => refused.push(value), error: reject, complete: resolve }));
    expect(refused).toMatchObject([{ errors: [{ extensions: { code: 'SUBSCRIPTION_LIMIT', numericCode: 1401, status: 429 } }] }]);
    for (const stop of open) stop();
    held -= 5;
    await subscribed(app.url, held);
    sse.dispose();
  });
});

describe('rate limit', () => {
  it('each subscribe over a WebSocket spends a token of the key, as an HTTP request does (RATE_LIMITED, 429)', async () => {
    const limited = await startTestApp({ hardening: { rateLimitPerSecond: 1, rateLimitBurst: 3 } });
    try {
      const { key: limitedKey } = await limited.createAccount('Rate');
      const c = liveClient(limited.url, limitedKey);
      clients.push(c);
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await watch(c, `subscription { audienceChanged(id: "QXVkaWVuY2U6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw") { kind } }`).ended());
      expect(results.slice(0, 3).map((errors) => errors[0]?.extensions?.code)).toEqual(['AUDIENCE_NOT_FOUND', 'AUDIENCE_NOT_FOUND', 'AUDIENCE_NOT_FOUND']);
      expect(results[3]).toMatchObject([{ extensions: { code: 'RATE_LIMITED', status: 429 } }]);
    } finally {
      await limited.close();
    }
  });
});

describe.skipIf(testEngine !== 'postgres')('PostgreSQL: the listening connection', () => {
  it('when its listening connection is killed, ends every stream with SERVICE_UNAVAILABLE (events may be lost), then listens again', async () => {
    const audienceId = await createAudience('Reconnect');
    const w = await live(client(), AUDIENCE_CHANGED, { id: audienceId });
    const admin = new pg.Client({ connectionString: (app.database.config as { url: string }).url });
    await admin.connect();
    try {
      const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    expect(await w.ended()).toMatchObject([{ extensions: { code: 'SERVICE_UNAVAILABLE', status: 503 } }]);
    held--;
    await subscribed(app.url, held);
    // Subscribed again: once the connection is back, events arrive (what is committed while it reconnects is lost).
    const again = await live(client(), AUDIENCE_CHANGED, { id: audienceId });
    for (let i = 0; again.events.length === 0 && i < 50; i++) {
      await app.gql(`mutation ($input: UpdateAudienceInput!) { updateAudience(input: $input) { audience { id } } }`, { input: { id: audienceId, name: `Reconnect ${i}` } });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(again.events[0]).toMatchObject({ kind: 'AUDIENCE_UPDATED' });
    await ended(again);
  });
});
