import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId } from '../src/schema/ids.js';
import { type GraphQLResponse, startTestApp, type TestApp, testEngine } from './support/app.js';

// 100 concurrent writers over one shared set of numbers and audiences. Every write carries a unique marker
// (in firstName or name), so afterwards each row can be traced to the request that wrote it. Then the
// database must agree with the responses: every marker in it comes from a request that succeeded, every
// success is there or was later overwritten or deleted by another success, nothing failed left a trace,
// no row is duplicated, and the API's counts match the rows.

const WRITERS = 100;
const OPS_PER_WRITER = 5;
const NUMBERS = Array.from({ length: 30 }, (_, i) => `+1415555${String(100 + i).padStart(4, '0')}`);
const STABLE_AUDIENCES = 4;
const DISPOSABLE_AUDIENCES = 8;

type Key = string; // `${audienceId}|${phone}`
interface Op {
  kind: 'add' | 'update' | 'remove' | 'import' | 'deleteAudience' | 'createContact' | 'deleteContact';
  ok: boolean;
  code?: string;
  /** Markers this op wrote (on success) or would have written (on failure), with the row key each names. */
  writes: Array<{ marker: string; key: Key | null; phone: string }>;
  /** What a successful op removed. */
  removedKey?: Key;
  removedAudience?: string;
  removedPhone?: string;
}

/** A small deterministic PRNG, so a failing run can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// SERVICE_UNAVAILABLE: no pooled connection came free in time (a loaded machine); such a request wrote
// nothing, which the marker checks below verify like any other failure.
const EXPECTED_FAILURES = new Set(['CONTACT_ALREADY_EXISTS', 'CONTACT_NOT_FOUND', 'AUDIENCE_NOT_FOUND', 'VALIDATION_ERROR', 'SERVICE_UNAVAILABLE']);

describe.runIf(testEngine === 'postgres')(`${WRITERS} concurrent writers on PostgreSQL`, () => {
  let app: TestApp;
  let accountId: string;
  const audiences: string[] = [];
  const ops: Op[] = [];
  const unexpected: unknown[] = [];
  /** Audience-contact ids handed out by successful adds, with the row each names. */
  const knownRows = new Map<string, Key>();
  const knownContacts = new Map<string, string>();

  beforeAll(async () => {
    app = await startTestApp({ hardening: { rateLimitBurst: 100_000, rateLimitPerSecond: 100_000 } });
    accountId = (await app.createAccount('Writers')).accountId;
    for (let i = 0; i < STABLE_AUDIENCES + DISPOSABLE_AUDIENCES; i++) {
      const created = await app.gql('mutation ($n: String!) { createAudience(input: { name: $n, channel: SMS }) { audience { id } } }', { n: `Audience ${i}` });
      audiences.push(decodeGlobalId(created.body.data.createAudience.audience.id)!.id);
    }
  }, 60_000);
  afterAll(() => app?.close());

  const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64');

  function outcome(response: GraphQLResponse, field: string): { ok: boolean; code?: string; data?: any } {
    const error = response.body.errors?.[0];
    if (!error) return { ok: true, data: response.body.data[field] };
    const code = error.extensions?.code as string;
    if (!EXPECTED_FAILURES.has(code) || (response.status >= 500 && code !== 'SERVICE_UNAVAILABLE')) unexpected.push({ field, status: response.status, error });
    return { ok: false, code };
  }

  async function writer(index: number) {
    const next = random(index + 1);
    const pick = <T,>(items: T[]) => items[Math.floor(next() * items.length)]!;
    for (let step = 0; step < OPS_PER_WRITER; step++) {
      const marker = `w${index}s${step}`;
      const roll = next();
      const audience = pick(audiences);
      const phone = pick(NUMBERS);
      if (roll < 0.3) {
        const r = outcome(
          await app.gql('mutation ($a: ID!, $n: String!, $m: String) { addAudienceContact(input: { audienceId: $a, number: $n, firstName: $m }) { audienceContact { id } } }', {
            a: globalId('Audience', audience), n: phone, m: marker,
          }),
          'addAudienceContact',
        );
        ops.push({ kind: 'add', ok: r.ok, code: r.code, writes: [{ marker, key: `${audience}|${phone}`, phone }] });
        if (r.ok) knownRows.set(r.data.audienceContact.id, `${audience}|${phone}`);
      } else if (roll < 0.45 && knownRows.size > 0) {
        const [id, key] = pick([...knownRows]);
        const r = outcome(await app.gql('mutation ($id: ID!, $m: String) { updateAudienceContact(input: { id: $id, firstName: $m }) { audienceContact { id } } }', { id, m: marker }), 'updateAudienceContact');
        ops.push({ kind: 'update', ok: r.ok, code: r.code, writes: [{ marker, key, phone: key.split('|')[1]! }] });
      } else if (roll < 0.55 && knownRows.size > 0) {
        const [id, key] = pick([...knownRows]);
        const r = outcome(await app.gql('mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }', { id }), 'removeAudienceContact');
        ops.push({ kind: 'remove', ok: r.ok, code: r.code, writes: [], removedKey: r.ok ? key : undefined });
      } else if (roll < 0.8) {
        const rows = Array.from({ length: 5 }, (_, i) => ({ number: pick(NUMBERS), firstName: `${marker}r${i}` }));
        const unique = [...new Map(rows.map((row) => [row.number, row])).values()];
        const r = outcome(
          await app.gql('mutation ($a: ID!, $rows: [AudienceContactInput!]!) { importAudienceContacts(input: { audienceId: $a, contacts: $rows }) { importedCount updatedCount rejected { index } } }', {
            a: globalId('Audience', audience), rows: [...unique, { number: '12', firstName: `${marker}bad` }],
          }),
          'importAudienceContacts',
        );
        if (r.ok) {
          expect(r.data.importedCount + r.data.updatedCount).toBe(unique.length);
          expect(r.data.rejected).toEqual([{ index: unique.length }]);
        }
        ops.push({
          kind: 'import', ok: r.ok, code: r.code,
          writes: unique.map((row) => ({ marker: row.firstName, key: `${audience}|${row.number}`, phone: row.number })),
        });
        ops.push({ kind: 'import', ok: false, code: 'VALIDATION_ERROR', writes: [{ marker: `${marker}bad`, key: null, phone: '12' }] });
      } else if (roll < 0.87) {
        const disposable = audiences[STABLE_AUDIENCES + Math.floor(next() * DISPOSABLE_AUDIENCES)]!;
        const r = outcome(await app.gql('mutation ($id: ID!) { deleteAudience(input: { id: $id }) { deletedAudienceId } }', { id: globalId('Audience', disposable) }), 'deleteAudience');
        ops.push({ kind: 'deleteAudience', ok: r.ok, code: r.code, writes: [], removedAudience: r.ok ? disposable : undefined });
      } else if (roll < 0.95) {
        const r = outcome(await app.gql('mutation ($p: String!, $m: String) { createContact(input: { phone: $p, name: $m }) { contact { id } } }', { p: phone, m: marker }), 'createContact');
        ops.push({ kind: 'createContact', ok: r.ok, code: r.code, writes: [{ marker, key: null, phone }] });
        if (r.ok) knownContacts.set(r.data.contact.id, phone);
      } else if (knownContacts.size > 0) {
        const [id, contactPhone] = pick([...knownContacts]);
        const r = outcome(await app.gql('mutation ($id: ID!) { deleteContact(input: { id: $id }) { deletedContactId } }', { id }), 'deleteContact');
        ops.push({ kind: 'deleteContact', ok: r.ok, code: r.code, writes: [], removedPhone: r.ok ? contactPhone : undefined });
      }
    }
  }

  it('runs them all with no unexpected error, and the database agrees with every response', async () => {
    await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));
    expect(unexpected, JSON.stringify(app.logged.filter((e) => e.message === "unexpected error").slice(0, 3))).toEqual([]);
    expect(ops.filter((op) => op.ok).length).toBeGreaterThan(WRITERS);
    expect(ops.filter((op) => !op.ok && op.code !== 'VALIDATION_ERROR').length).toBeGreaterThan(0);

    const rows = await app.database.prisma.audienceContact.findMany({ include: { contact: true } });
    const contacts = await app.database.prisma.contact.findMany({ where: { accountId } });
    const rowMarkers = new Map(rows.map((row) => [row.firstName, `${row.audienceId}|${row.contact.phone}`]));
    const contactMarkers = new Set(contacts.map((contact) => contact.name));

    // No duplicates: one row per (audience, contact), one contact per phone.
    expect(new Set(rows.map((row) => `${row.audienceId}|${row.contactId}`)).size).toBe(rows.length);
    expect(new Set(contacts.map((contact) => contact.phone)).size).toBe(contacts.length);

    const succeeded = new Map<string, { key: Key | null; phone: string }>();
    for (const op of ops) for (const write of op.writes) if (op.ok) succeeded.set(write.marker, write);

    // Every marker in the database was written by a request that succeeded, on the row it names.
    for (const [marker, key] of rowMarkers) {
      expect(succeeded.get(marker!)?.key, `row marker ${marker}`).toBe(key);
    }
    for (const name of contactMarkers) if (name) expect(succeeded.has(name), `contact marker ${name}`).toBe(true);

    // Nothing a failed request would have written is there.
    for (const op of ops.filter((o) => !o.ok)) {
      for (const write of op.writes) {
        expect(rowMarkers.has(write.marker), `failed ${op.kind} ${write.marker}`).toBe(false);
        expect(contactMarkers.has(write.marker), `failed ${op.kind} ${write.marker}`).toBe(false);
      }
    }

    // Every success is there, unless another success overwrote or deleted that row afterwards.
    const writersOf = new Map<Key, number>();
    for (const op of ops) if (op.ok) for (const write of op.writes) if (write.key) writersOf.set(write.key, (writersOf.get(write.key) ?? 0) + 1);
    const removedKeys = new Set(ops.flatMap((op) => (op.removedKey ? [op.removedKey] : [])));
    const removedAudiences = new Set(ops.flatMap((op) => (op.removedAudience ? [op.removedAudience] : [])));
    const removedPhones = new Set(ops.flatMap((op) => (op.removedPhone ? [op.removedPhone] : [])));
    const explained = (key: Key) => {
      const [audience, phone] = key.split('|') as [string, string];
      return (writersOf.get(key) ?? 0) > 1 || removedKeys.has(key) || removedAudiences.has(audience) || removedPhones.has(phone);
    };
    for (const op of ops.filter((o) => o.ok)) {
      for (const write of op.writes) {
        if (!write.key || rowMarkers.get(write.marker) === write.key) continue;
        expect(explained(write.key), `lost ${op.kind} ${write.marker} on ${write.key}`).toBe(true);
      }
    }

    // Deleted audiences are gone with all their rows; the API's counts are the rows'.
    const remaining = await app.database.prisma.audience.findMany({ where: { accountId } });
    for (const audience of removedAudiences) expect(remaining.some((a) => a.id === audience)).toBe(false);
    expect(rows.filter((row) => removedAudiences.has(row.audienceId))).toEqual([]);
    for (const audience of remaining) {
      const response = await app.gql('query ($id: ID!) { audience(id: $id) { contacts { totalCount } } }', { id: globalId('Audience', audience.id) });
      expect(response.body.data.audience.contacts.totalCount).toBe(rows.filter((row) => row.audienceId === audience.id).length);
    }
    const total = await app.gql('{ contacts { totalCount } audiences { totalCount } }');
    expect(total.body.data.contacts.totalCount).toBe(contacts.length);
    expect(total.body.data.audiences.totalCount).toBe(remaining.length);
  }, 120_000);
});
