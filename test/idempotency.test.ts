import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { expectError } from './support/assertions.js';

let app: TestApp;
let owner: { key: string; accountId: string };
let other: { key: string; accountId: string };

beforeAll(async () => {
  app = await startTestApp();
  owner = await app.createAccount('Idempotent');
  other = await app.createAccount('Other');
});
afterAll(() => app?.close());

const CREATE = 'mutation ($name: String!) { createAudience(input: { name: $name, channel: SMS }) { audience { id name } } }';
const withKey = (key: string, account = owner) => ({ key: account.key, headers: { 'idempotency-key': key } });
const audienceCount = async (accountId = owner.accountId) => app.database.prisma.audience.count({ where: { accountId } });

describe('Idempotency-Key on mutations', () => {
  it('a retry with the same key and body returns the first response byte for byte and writes nothing', async () => {
    const before = await audienceCount();
    const first = await app.gql(CREATE, { name: 'Once' }, withKey('k-once'));
    const retry = await app.gql(CREATE, { name: 'Once' }, withKey('k-once'));
    expect(first.body.errors).toBeUndefined();
    expect(retry.status).toBe(first.status);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await audienceCount()).toBe(before + 1);
  });

  it('the same request without a key writes again (and so fails here as a duplicate)', async () => {
    await app.gql(CREATE, { name: 'Twice' }, withKey('k-twice'));
    expectError(await app.gql(CREATE, { name: 'Twice' }), { code: 'AUDIENCE_ALREADY_EXISTS', numericCode: 1309, status: 409 });
  });

  it('an error response is replayed too: the retry does not run the mutation again', async () => {
    await app.gql(CREATE, { name: 'Taken' });
    const first = await app.gql(CREATE, { name: 'Taken' }, withKey('k-error'));
    expectError(first, { code: 'AUDIENCE_ALREADY_EXISTS', numericCode: 1309, status: 409 });
    await app.database.prisma.audience.deleteMany({ where: { accountId: owner.accountId, name: 'Taken' } });
    const retry = await app.gql(CREATE, { name: 'Taken' }, withKey('k-error'));
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await app.database.prisma.audience.count({ where: { accountId: owner.accountId, name: 'Taken' } })).toBe(0);
  });

  it('the same key with a different body is IDEMPOTENCY_KEY_REUSED (422) and writes nothing', async () => {
    await app.gql(CREATE, { name: 'First body' }, withKey('k-reused'));
    const before = await audienceCount();
    const reused = await app.gql(CREATE, { name: 'Second body' }, withKey('k-reused'));
    expect(reused.status).toBe(422);
    expectError(reused, { code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    const otherDocument = await app.gql('mutation { createContact(input: { phone: "+14155550100" }) { contact { id } } }', {}, withKey('k-reused'));
    expectError(otherDocument, { code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(await audienceCount()).toBe(before);
  });

  it('variables in another key order are the same request', async () => {
    const query = 'mutation ($n: String!, $c: Channel!) { createAudience(input: { name: $n, channel: $c }) { audience { id } } }';
    const send = (body: string) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dexatel-key': owner.key, 'idempotency-key': 'k-order' },
        body,
      });
    const first = await (await send(JSON.stringify({ query, variables: { n: 'Ordered', c: 'SMS' } }))).json();
    const retry = await send(JSON.stringify({ variables: { c: 'SMS', n: 'Ordered' }, query }));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(first);
  });

  it('keys are per account: another account using the same key runs its own request', async () => {
    const mine = await app.gql(CREATE, { name: 'Per account' }, withKey('k-shared'));
    const theirs = await app.gql(CREATE, { name: 'Per account' }, withKey('k-shared', other));
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.data.createAudience.audience.id).not.toBe(mine.body.data.createAudience.audience.id);
    expect(await audienceCount(other.accountId)).toBe(1);
  });

  it('20 concurrent requests with one key: one runs, the rest replay it or are told it is in progress; one row', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => app.gql(CREATE, { name: 'Raced' }, withKey('k-race'))));
    const ran = responses.filter((r) => r.body.data?.createAudience && r.headers.get('idempotent-replayed') === null);
    expect(ran).toHaveLength(1);
    for (const response of responses) {
      if (response === ran[0]) continue;
      if (response.headers.get('idempotent-replayed') === 'true') expect(response.body).toEqual(ran[0]!.body);
      else expectError(response, { code: 'IDEMPOTENCY_KEY_IN_PROGRESS', status: 409 });
    }
    expect(await app.database.prisma.audience.count({ where: { accountId: owner.accountId, name: 'Raced' } })).toBe(1);
  });

  it('a record older than 24 hours is forgotten: the key runs a new request', async () => {
    await app.gql(CREATE, { name: 'Old' }, withKey('k-old'));
    await app.database.prisma.idempotencyKey.update({
      where: { accountId_key: { accountId: owner.accountId, key: 'k-old' } },
      data: { createdAt: new Date(Date.now() - 25 * 3600_000) },
    });
    const fresh = await app.gql(CREATE, { name: 'New under old key' }, withKey('k-old'));
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.data.createAudience.audience.name).toBe('New under old key');
  });

  it('queries ignore the header; a malformed key is IDEMPOTENCY_KEY_INVALID (400)', async () => {
    const query = await app.gql('{ viewer { name } }', {}, withKey('k-query'));
    expect(query.body.data.viewer.name).toBe('Idempotent');
    expect(await app.database.prisma.idempotencyKey.count({ where: { key: 'k-query' } })).toBe(0);
    const bad = await app.gql(CREATE, { name: 'Bad key' }, withKey('x'.repeat(256)));
    expect(bad.status).toBe(400);
    expectError(bad, { code: 'IDEMPOTENCY_KEY_INVALID', status: 400 });
  });

  it('an unauthenticated request with a key stores nothing', async () => {
    const response = await app.gql(CREATE, { name: 'Anon' }, { key: null, headers: { 'idempotency-key': 'k-anon' } });
    expectError(response, { code: 'UNAUTHENTICATED', status: 401 });
    expect(await app.database.prisma.idempotencyKey.count({ where: { key: 'k-anon' } })).toBe(0);
  });
});
