import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { createAudience } from '../src/services/audiences.js';
import { EXPORT_BATCH_ROWS } from '../src/services/exportAudienceContacts.js';
import { importAudienceContacts } from '../src/services/importAudienceContacts.js';
import { sql } from '../src/services/sql.js';
import { createScratchDatabase, startTestApp, type TestApp, testEngine } from './support/app.js';
import { expectDexatelError, rest as restCall, type RestResponse } from './support/rest.js';
import { databaseEnv, runScript, startServerProcess } from './support/run.js';

// GET /v1/audiences/{audience_id}/contacts/export and `npm run export`, over real HTTP and as a user runs the CLIs:
// the CSV and NDJSON they write, the same filters and sort as the list (its pages are the oracle), every error, a
// round trip through `npm run import`, a client that goes away mid-export, and the server's memory on a large one.

const HEADER = 'number,firstName,lastName,timestamp,date,tags';

/**
 * `count` contacts of an audience written by SQL (set-based, seconds for 200,000 rows on either database): numbers
 * +1 415 000 0000 up (the account's contacts with those numbers, made when missing), every `wide`-character first
 * name the same, tags by position.
 */
async function seedRows(database: Database, accountId: string, audienceId: string, count: number, wide = 8): Promise<void> {
  await database.prisma.$executeRaw(sql`
    WITH c AS (
      INSERT INTO contact (account_id, phone, country)
      SELECT ${accountId}::uuid, '+1415' || lpad(i::text, 7, '0'), 'US' FROM generate_series(0, ${count - 1}) i
      ON CONFLICT (account_id, phone) DO UPDATE SET phone = EXCLUDED.phone
      RETURNING id, phone, country
    )
    INSERT INTO audience_contact (audience_id, contact_id, phone, country, first_name, last_name, tags)
    SELECT ${audienceId}::uuid, c.id, c.phone, c.country, repeat('f', ${wide}), 'Last ' || right(c.phone, 5),
      CASE WHEN right(c.phone, 1) IN ('0', '5') THEN ARRAY['vip'] ELSE ARRAY[]::text[] END
    FROM c`);
  await database.prisma.$executeRawUnsafe('ANALYZE audience_contact');
  // PGlite runs in this process and holds its event loop while it loads: the timers due meanwhile (the server
  // closing idle keep-alive sockets) run now, not under the next request (which would meet a reset socket).
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The rows of a CSV export without its header, or an NDJSON export's objects. */
const csvRows = (text: string) => text.split('\n').slice(1, -1);
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('over HTTP', () => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let other: { key: string };
  /** Export statements the server ran (the service's SQL carries the comment "export batch"). */
  let exportStatements = 0;
  const rest = (path: string, options?: { key?: string | null }) => restCall(app, key, 'GET', path, undefined, options);
  /** An export as a client downloads it: the status, the headers and the body as text. */
  const download = async (path: string) => {
    const response = await fetch(`${app.url}${path}`, { headers: { 'x-dexatel-key': key } });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const post = (path: string, data: unknown) => restCall(app, key, 'POST', path, { data });
  const exportPath = (id: string, query = '') => `/v1/audiences/${id}/contacts/export${query ? `?${query}` : ''}`;
  let small: string;
  /**
   * An audience of 60,000 rows of about 300 bytes: 30 batches, 18 MB, far more than the sockets and streams between
   * hold. Seeded once, for the tests that need an export to outlast those buffers (seeding took 20 s of the
   * suite's time a test on PGlite); the one that changes its rows comes last.
   */
  let sixtyThousand: Promise<string> | undefined;
  const longAudience = () =>
    (sixtyThousand ??= (async () => {
      const created = await post('/v1/audiences', { name: 'Sixty thousand', channel: 'SMS' });
      const id = created.body.data.id as string;
      await seedRows(app.database, accountId, id, 60_000, 250);
      return id;
    })());

  beforeAll(async () => {
    app = await startTestApp({
      onQuery: (text) => {
        if (text.includes('export batch')) exportStatements++;
      },
      hardening: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 },
    });
    ({ key, accountId } = await app.createAccount('Exporter'));
    other = await app.createAccount('Elsewhere');
    const created = await post('/v1/audiences', {
      name: 'Small',
      channel: 'SMS',
      contacts: [
        { number: '+442071838750', first_name: 'Bob "The Builder"', tags: [] },
        { number: '+14155552671', first_name: 'Ann', last_name: 'Smith, Jr.', timestamp: '1767225600', date: '2026-03-01', tags: ['vip', 'spring'] },
        { number: '+37477100001', first_name: 'Émile', last_name: 'Two\nlines', tags: ['名前'] },
      ],
    });
    expect(created.status, created.text).toBe(201);
    small = created.body.data.id;
  });
  afterAll(() => app?.close());

  it('CSV by default: the import\'s columns, quoted where CSV needs it, tags joined by ";", in the sort asked', async () => {
    const response = await download(exportPath(small, 'sort=number'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="audience-${small}.csv"`);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.text).toBe(
      `${HEADER}\n` +
        '+14155552671,Ann,"Smith, Jr.",1767225600,2026-03-01,vip;spring\n' +
        '+37477100001,Émile,"Two\nlines",,,名前\n' +
        '+442071838750,"Bob ""The Builder""",,,,\n',
    );
    // Without sort: the order the contacts joined (created_at), as the list's.
    const list = (await rest(`/v1/audiences/${small}/contacts`)).body.data.map((contact: { number: string }) => contact.number);
    expect(ndjson((await download(exportPath(small, 'format=ndjson'))).text).map((row) => row.number)).toEqual(list);
  });

  it('NDJSON: one object a line, the same fields, tags as an array, nulls as null', async () => {
    const response = await download(exportPath(small, 'format=ndjson&sort=-number'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="audience-${small}.ndjson"`);
    expect(response.text.endsWith('\n')).toBe(true);
    expect(ndjson(response.text)).toEqual([
      { number: '+442071838750', firstName: 'Bob "The Builder"', lastName: null, timestamp: null, date: null, tags: [] },
      { number: '+37477100001', firstName: 'Émile', lastName: 'Two\nlines', timestamp: null, date: null, tags: ['名前'] },
      { number: '+14155552671', firstName: 'Ann', lastName: 'Smith, Jr.', timestamp: '1767225600', date: '2026-03-01', tags: ['vip', 'spring'] },
    ]);
  });

  it('an empty audience, or a filter that selects nothing: the header alone (CSV), nothing (NDJSON)', async () => {
    expect((await download(exportPath(small, 'filter[country]=FR'))).text).toBe(`${HEADER}\n`);
    expect((await download(exportPath(small, 'filter[country]=FR&format=ndjson'))).text).toBe('');
  });

  it('the same rows in the same order as the list under the same filters and sort, past several batches', async () => {
    const created = await post('/v1/audiences', { name: 'Five thousand', channel: 'SMS' });
    const big = created.body.data.id as string;
    // Three batches of the export; the list walks them in pages of 100 under six filters and sorts (12,000 rows
    // took 70 s on PGlite, in a suite that has two minutes a file).
    await seedRows(app.database, accountId, big, 5_000);
    await app.database.prisma.$executeRaw(sql`UPDATE audience_contact SET last_name = NULL WHERE audience_id = ${big}::uuid AND right(phone, 2) = '17'`);
    for (const query of ['', 'sort=-last_name', 'filter[tags][any]=vip&sort=number', 'filter[has_last_name]=false&sort=-created_at', 'filter[search]=Last%20001&sort=last_name', 'filter[tags][none]=vip&filter[country]=us']) {
      const listed: string[] = [];
      let url: string | null = `/v1/audiences/${big}/contacts?page_size=100${query ? `&${query}` : ''}`;
      while (url) {
        const page: RestResponse = await rest(url);
        listed.push(...page.body.data.map((contact: { number: string }) => contact.number));
        url = page.body.pagination.links.next;
      }
      const exported = csvRows((await download(exportPath(big, query))).text).map((line) => line.split(',')[0]);
      expect(exported, query).toEqual(listed);
      expect(listed.length, query).toBeGreaterThan(0);
    }
  }, 120_000);

  it('every way a request is refused, before the 200: status, numeric code, name and field', async () => {
    const unknown = randomUUID();
    expectDexatelError(await rest(exportPath(small), { key: null }), { status: 401, code: null, name: 'UNAUTHENTICATED', field: null });
    expectDexatelError(await rest(exportPath(unknown)), { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    expectDexatelError(await rest(exportPath('not-a-uuid')), { status: 400, code: 1302, name: 'INVALID_AUDIENCE_ID', field: 'audience_id' });
    const cases: Array<[string, number | null, string, string]> = [
      ['format=xml', null, 'INVALID_REQUEST', 'format'],
      ['format=CSV', null, 'INVALID_REQUEST', 'format'],
      ['sort=age', null, 'INVALID_REQUEST', 'sort'],
      ['filter[created_at][after]=soon', null, 'INVALID_REQUEST', 'filter[created_at][after]'],
      ['filter[has_first_name]=1', null, 'INVALID_REQUEST', 'filter[has_first_name]'],
      ['filter[tags]=vip', null, 'INVALID_REQUEST', 'filter[tags]'],
      ['filter[search]=a&filter[search]=b', null, 'INVALID_REQUEST', 'filter[search]'],
      ['filter[country]=XX', null, 'BAD_USER_INPUT', 'filter[country]'],
      [`filter[tags][all]=${Array.from({ length: 11 }, (_, i) => `t${i}`).join(',')}`, null, 'BAD_USER_INPUT', 'filter[tags][all]'],
      ['filter[updated_at][after]=2026-02-01T00:00:00Z&filter[updated_at][before]=2026-01-01T00:00:00Z', null, 'BAD_USER_INPUT', 'filter[updated_at]'],
    ];
    for (const [query, code, name, field] of cases) expectDexatelError(await rest(exportPath(small, query)), { status: 400, code, name, field });
  });

  it("another account's audience is 404 AUDIENCE_NOT_FOUND, the same answer as an unknown one, and nothing of it leaks", async () => {
    const foreign = await rest(exportPath(small, 'sort=number'), { key: other.key });
    expectDexatelError(foreign, { status: 404, code: 1301, name: 'AUDIENCE_NOT_FOUND', field: 'audience_id' });
    expect(foreign.body).toEqual((await rest(exportPath(randomUUID(), 'sort=number'), { key: other.key })).body);
    expect(foreign.text).not.toContain('14155552671');
  });

  it('a client that goes away mid-export stops it: no batch is read after, nothing is left open, the server serves on', async () => {
    const big = await longAudience();
    const before = exportStatements;
    const controller = new AbortController();
    const response = await fetch(`${app.url}${exportPath(big)}`, { headers: { 'x-dexatel-key': key }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = 0;
    // Until the first rows (past the header): the first batch has run.
    while (received < 1000) received += (await reader.read()).value?.length ?? 0;
    // Meanwhile (the export waits for this client to read) the server answers others.
    expect((await rest(`/v1/audiences/${big}`)).body.data.contacts_count).toBe(60_000);
    controller.abort();
    await reader.closed.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const read = exportStatements - before;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(exportStatements - before, 'no statement after the client left').toBe(read);
    expect(read).toBeGreaterThanOrEqual(1);
    // What the server read ahead filled the buffers between it and the client (a few MB), then it waited.
    expect(read, 'far fewer batches than the export has').toBeLessThan(60_000 / EXPORT_BATCH_ROWS / 2);
    expect(app.logged.some((line) => line.message === 'export stopped: the client went away' && line.fields.audienceId === big)).toBe(true);
    if (testEngine === 'postgres') {
      // Its snapshot (a transaction on a pooled connection) is gone too.
      const open = await app.database.prisma.$queryRaw<Array<{ count: number }>>`
        SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND (state LIKE 'idle in transaction%' OR (state = 'active' AND query LIKE '%export batch%'))`;
      expect(open[0]!.count).toBe(0);
    }
    // And the whole export still works.
    const whole = await download(exportPath(big, 'format=ndjson&filter[tags][any]=vip'));
    expect(ndjson(whole.text)).toHaveLength(12_000);
  }, 120_000);

  it.runIf(testEngine === 'postgres')('PostgreSQL: at most a quarter of the pool holds export snapshots; a third export waits its turn', async () => {
    // 18 MB each: more than the sockets and streams between hold, so an export whose client stops reading waits.
    const three = await longAudience();
    const openTransactions = async () =>
      (
        await app.database.prisma.$queryRaw<Array<{ count: number }>>`
          SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`
      )[0]!.count;
    /** An export this client reads up to `bytes` of, then stops reading; null when nothing more came within 1 s. */
    const start = async (bytes: number) => {
      const controller = new AbortController();
      const response = await fetch(`${app.url}${exportPath(three)}`, { headers: { 'x-dexatel-key': key }, signal: controller.signal });
      const reader = response.body!.getReader();
      let received = 0;
      const readMore = async (until: number) => {
        while (received < until) {
          const next = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))]);
          if (!next || next.done) return false;
          received += next.value.length;
        }
        return true;
      };
      return { controller, readMore, received: () => received, ok: await readMore(bytes) };
    };
    const started: Array<Awaited<ReturnType<typeof start>>> = [];
    try {
      // The pool has 10 connections: two exports hold one each, in a transaction, waiting for their clients.
      started.push(await start(1000), await start(1000));
      expect(started.map((exported) => exported.ok)).toEqual([true, true]);
      // The third has its header (written before its turn) and no row.
      const third = await start(1000);
      started.push(third);
      expect(third.ok).toBe(false);
      expect(third.received()).toBe(HEADER.length + 1);
      expect(await openTransactions()).toBe(2);
      // The other requests go on meanwhile.
      expect((await rest(`/v1/audiences/${three}`)).status).toBe(200);
      // One leaves: the third's turn.
      started[0]!.controller.abort();
      expect(await third.readMore(1000)).toBe(true);
    } finally {
      for (const exported of started) exported.controller.abort();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await openTransactions()).toBe(0);
  }, 120_000);

  it(`rows changed during an export: ${testEngine === 'postgres' ? 'PostgreSQL exports the snapshot of its first batch' : 'on PGlite each batch reads the rows as they are then'}`, async () => {
    // Last of the tests on this audience: it removes a row and adds one.
    const moving = await longAudience();
    const initial = csvRows((await download(exportPath(moving))).text);
    const controller = new AbortController();
    const response = await fetch(`${app.url}${exportPath(moving)}`, { headers: { 'x-dexatel-key': key }, signal: controller.signal });
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    while (received < 1000) {
      const { value } = await reader.read();
      chunks.push(value!);
      received += value!.length;
    }
    // The first batch has run: remove the contact the export would write last, and add one (it sorts last).
    const last = (await rest(`/v1/audiences/${moving}/contacts?page_size=1&sort=-created_at`)).body.data[0];
    expect((await restCall(app, key, 'DELETE', `/v1/audiences/${moving}/contacts/${last.id}`)).status).toBe(204);
    expect((await post(`/v1/audiences/${moving}/contacts`, { number: '+14155550199', first_name: 'Late' })).status).toBe(201);
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    const exported = csvRows(Buffer.concat(chunks).toString('utf8'));
    expect(initial.at(-1)!.startsWith(`${last.number},`)).toBe(true);
    if (testEngine === 'postgres') expect(exported).toEqual(initial);
    else expect(exported).toEqual([...initial.slice(0, -1), '+14155550199,Late,,,,']);
  }, 120_000);
});

describe('npm run export, a round trip through npm run import, and the server process', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let key: string;
  let accountId: string;
  let source: string;
  let target: string;
  let big: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase({ onDisk: true });
    dir = mkdtempSync(path.join(tmpdir(), 'cg-export-'));
    const database = await openDatabase({ config: scratch.config, migrate: true });
    try {
      const created = await createAccountWithKey(database.prisma, 'Round trip');
      ({ key } = created);
      accountId = created.account.id;
      const scope = { prisma: database.prisma, readRows: database.readRows, accountId };
      source = (await createAudience(scope, { name: 'Source', channel: 'SMS' })).id;
      target = (await createAudience(scope, { name: 'Target', channel: 'VIBER' })).id;
      big = (await createAudience(scope, { name: 'Two hundred thousand', channel: 'SMS' })).id;
      // What a file can carry: quotes, commas, line breaks, any script, a formula-looking value, up to 10 tags.
      const rows = Array.from({ length: 300 }, (_, i) => ({
        number: `+1212555${String(i).padStart(4, '0')}`,
        firstName: [`Ann ${i}`, 'Bob "B"', 'Émile, fils', null, 'Line\nbreak', '=SUM(A1:A2)'][i % 6],
        lastName: i % 4 ? `Smith ${i % 7}` : null,
        timestamp: i % 3 ? String(1767225600 + i) : null,
        date: i % 5 ? `2026-03-${String(1 + (i % 28)).padStart(2, '0')}` : null,
        tags: Array.from({ length: i % 11 }, (_, t) => (t % 2 ? `tag ${t}` : `名${t}`)),
      }));
      const imported = await importAudienceContacts(scope, source, rows);
      expect(imported.rejected).toEqual([]);
      // Wide rows (about 260 bytes of CSV, 400 of NDJSON): a server that held the export would grow by 50-80 MB.
      await seedRows(database, accountId, big, 200_000, 200);
    } finally {
      await database.close();
    }
    env = { ...databaseEnv(scratch.config), CONTACT_GATEWAY_KEY: key };
  }, 300_000);
  afterAll(async () => {
    await scratch?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runExport = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runScript('src/cli/export.ts', args, { ...env, ...extraEnv });

  it('exports, imports the file into another audience, exports that: the same bytes', async () => {
    const first = await runExport(['--audience', encodeGlobalId('Audience', source), '--sort', 'number']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.startsWith(`${HEADER}\n`)).toBe(true);
    // --output writes the same bytes to a file, and nothing to stdout.
    const toFile = await runExport(['--audience', encodeGlobalId('Audience', source), '--sort=number', '--output', path.join(dir, 'out.csv')]);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(readFileSync(path.join(dir, 'out.csv'), 'utf8')).toBe(first.stdout);
    expect(csvRows(first.stdout)).toHaveLength(300 + 300 / 6); // the line breaks inside quotes count as lines here
    expect(first.stderr).toMatch(/Exporting 300 contacts of audience "Source" \(SMS\) of account "Round trip" as CSV/);
    expect(first.stderr.split('\n').filter((line) => line.startsWith('export: '))).toEqual([expect.stringMatching(/^export: 100% 300 rows, [\d,]+ rows\/s$/)]);
    expect(first.stderr).toMatch(/Done in [\d.]+ s: 300 contacts exported/);
    const file = path.join(dir, 'source.csv');
    writeFileSync(file, first.stdout);

    const imported = await runScript('src/cli/import.ts', ['--audience', encodeGlobalId('Audience', target), file], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/300 rows read, 300 added, 0 updated, 0 rejected/);

    // The REST id works as well as the global id.
    const again = await runExport(['--audience', target, '--sort', 'number']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  }, 120_000);

  it('takes the filters and sort as flags (the REST parameters), and refuses what the API refuses', async () => {
    const gid = encodeGlobalId('Audience', source);
    const filtered = await runExport(['--audience', gid, '--tags-any', '名0', '--has-last-name', 'true', '--sort=-number', '--format', 'ndjson']);
    expect(filtered.code, filtered.stderr).toBe(0);
    const objects = ndjson(filtered.stdout);
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.every((row) => (row.tags as string[]).includes('名0') && row.lastName !== null)).toBe(true);
    expect(objects.map((row) => row.number)).toEqual([...objects.map((row) => row.number as string)].sort().reverse());

    const refusals: Array<[string[], number, RegExp]> = [
      [['--sort', 'age'], 2, /--sort: sort: "age" is not a sort field/],
      [['--created-after', 'yesterday'], 2, /--created-after: filter\[created_at\]\[after\]/],
      [['--country', 'XX'], 2, /--country: Unknown country/],
      [['--format', 'xml'], 2, /--format is csv or ndjson/],
      [['--colour', 'red'], 2, /Unknown option '--colour'/],
    ];
    for (const [args, code, message] of refusals) {
      const result = await runExport(['--audience', gid, ...args]);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    const missing = await runExport(['--audience', gid], { CONTACT_GATEWAY_KEY: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Missing --key or CONTACT_GATEWAY_KEY/);
    const unknown = await runExport(['--audience', randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/is not found in the account "Round trip"/);
  }, 120_000);

  it('the server streams 200,000 rows in bounded memory, byte for byte what the CLI writes', async () => {
    const cli = await runExport(['--audience', big, '--sort=number']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(csvRows(cli.stdout)).toHaveLength(200_000);
    // Off a terminal, a progress line every 10,000 rows.
    expect(cli.stderr.split('\n').filter((line) => line.startsWith('export: '))).toHaveLength(20);

    const server = await startServerProcess({ ...databaseEnv(scratch.config), LOG_LEVEL: 'warn' });
    try {
      const rss = () => {
        try {
          return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) * 1024;
        } catch {
          return NaN;
        }
      };
      const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
      /** One export read as fast as this process takes it, the server's RSS sampled all along. */
      const exportOnce = async (what: string, query: string) => {
        const before = rss();
        const started = performance.now();
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
        const response = await fetch(`${server.url}/v1/audiences/${big}/contacts/export?${query}`, { headers: { 'x-dexatel-key': key } });
        const text = await response.text();
        clearInterval(sampler);
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `[export] ${testEngine}, ${what}: 200,000 rows (${mb(text.length)}) in ${seconds.toFixed(2)} s, ${Math.round(200_000 / seconds).toLocaleString('en-US')} rows/s; ` +
            `server RSS ${mb(before)} before, ${mb(peak)} at the peak (+${mb(peak - before)})`,
        );
        return { status: response.status, text };
      };
      const first = await exportOnce('first export', 'sort=number');
      expect(first.status).toBe(200);
      expect(first.text).toBe(cli.stdout);

      // A client that stops reading: the server reads ahead what the buffers between hold, then waits, its memory
      // flat. A server that read the export into memory (or ignored backpressure) would grow by the whole of it.
      const controller = new AbortController();
      const paused = await fetch(`${server.url}/v1/audiences/${big}/contacts/export?format=ndjson`, { headers: { 'x-dexatel-key': key }, signal: controller.signal });
      const reader = paused.body!.getReader();
      await reader.read();
      const before = rss();
      let peak = before;
      for (let i = 0; i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        peak = Math.max(peak, rss());
      }
      controller.abort();
      console.log(`[export] ${testEngine}, a client that stopped reading for 2 s: server RSS ${mb(before)}, at most ${mb(peak)} (+${mb(peak - before)})`);
      if (Number.isFinite(before)) expect(peak - before, 'RSS growth of the server while the client does not read').toBeLessThan(30 * 1024 * 1024);

      // And at full speed, again and as NDJSON (half as large again), for the figures.
      expect((await exportOnce('CSV again', 'sort=number')).text).toBe(cli.stdout);
      expect(ndjson((await exportOnce('NDJSON', 'format=ndjson&sort=-last_name')).text)).toHaveLength(200_000);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 300_000);
});
