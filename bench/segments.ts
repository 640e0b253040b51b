import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { filterKey, validateAudienceContactFilter, validateContactFilter } from '../src/domain/filters.js';
import { cursorFingerprint, encodeCursor, type Order } from '../src/domain/pagination.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { type FloorStatement, type GraphQLRequest, type Measured, postgraphileNodeId, seededUuid, type Target, type Window } from './queries.js';
import type { Seeded } from './seed.js';

/**
 * Issue 14's measurements at the benchmark's scale: sorted pages (every order, the first page and one 100,000
 * rows deep), filtered pages with their totalCount, copying and tagging the 300,000-row audience, and exporting
 * it. Each page is checked against the floor's answer before it is measured; the floor is the one statement a
 * hand-written client would send (the same sort keys, so the same indexes), timed the same way as the server.
 */

const PAGE = 20;
const DEEP_ROWS = 100_000;
/** The seed's first instant of an audience contact (bench/seed.ts): row k was added k milliseconds after it. */
const AUDIENCE_CONTACT_EPOCH = Date.parse('2026-01-01T01:00:00Z');
const CONTACT_EPOCH = Date.parse('2026-01-01T00:00:00Z');

/** What run.ts lends: its drivers (autocannon on a server, the pool for the floor) and our server's address. */
export interface SegmentBenchDeps {
  seeded: Seeded;
  pool: pg.Pool;
  window: Window;
  /** The rows a page is asked for deep: 100,000 at full scale, less where the audience is smaller. */
  deepRows: number;
  drive(target: Target, request: (n: number) => GraphQLRequest, window: Window): Promise<Measured>;
  driveFloor(statement: (n: number) => FloorStatement, window: Window): Promise<Measured>;
  post(target: Target, request: GraphQLRequest): Promise<any>;
  /** A fresh server of ours, as one process, for the export: its URL and pid (for RSS). */
  startExportServer(): Promise<{ url: string; pid: number; stop(): void }>;
  log(line: string): void;
}

type Field = 'audience' | 'account';
const fieldLabel: Record<Field, string> = { audience: '`Audience.contacts`', account: '`Query.contacts`' };

/** The sort key of an order, as the migrations' indexes hold it (src/services/loaders.ts orders), over alias t. */
interface OrderKey {
  column: string;
  kind: 'name' | 'plain' | 'time';
}
const audienceContactKeys: Record<string, OrderKey> = {
  FIRST_NAME: { column: 'first_name', kind: 'name' },
  LAST_NAME: { column: 'last_name', kind: 'name' },
  NUMBER: { column: 'phone', kind: 'plain' },
  CREATED_AT: { column: 'created_at', kind: 'time' },
  UPDATED_AT: { column: 'updated_at', kind: 'time' },
};
const contactKeys: Record<string, OrderKey> = {
  NAME: { column: 'name', kind: 'name' },
  PHONE: { column: 'phone', kind: 'plain' },
  EMAIL: { column: 'email', kind: 'name' },
  CREATED_AT: { column: 'created_at', kind: 'time' },
  UPDATED_AT: { column: 'updated_at', kind: 'time' },
};

const keyOf = (key: OrderKey, value: string) =>
  key.kind === 'name' ? [`(${value} IS NULL)`, `COALESCE(lower(${value} COLLATE "C"), '')`] : [value];

const table: Record<Field, { from: string; parent: string; columns: string }> = {
  audience: { from: 'audience_contact t', parent: 't.audience_id', columns: 't.id' },
  account: { from: 'contact t', parent: 't.account_id', columns: 't.id' },
};

interface PageCell {
  key: string;
  field: Field;
  title: string;
  us: (n: number) => GraphQLRequest;
  peer?: (n: number) => GraphQLRequest;
  floor: (n: number) => FloorStatement;
  /** The count alone, where the page carries a totalCount. */
  count?: (n: number) => FloorStatement;
  /** The ids of our answer's page (and its totalCount), the peer's, and the floor's. */
  usAnswer(data: any): string;
  peerAnswer?(data: any): string;
  floorAnswer(rows: any[]): string;
}

const connectionOf = (field: Field, data: any) => (field === 'audience' ? data.audience.contacts : data.contacts);
const idsOf = (connection: any) => connection.edges.map((e: any) => e.node.id as string);
const usIds = (typename: string, ids: string[]) => ids.map((id) => encodeGlobalId(typename, id));
const typenameOf: Record<Field, string> = { audience: 'AudienceContact', account: 'Contact' };

/** A page of `field` under `order` (first, or after the row `deepRows` into the order), with no filter. */
async function sortedCell(deps: SegmentBenchDeps, field: Field, order: Order, deep: boolean): Promise<PageCell> {
  const { seeded, pool } = deps;
  const key = (field === 'audience' ? audienceContactKeys : contactKeys)[order.field]!;
  const parentId = field === 'audience' ? seeded.bigAudienceId : seeded.accountId;
  const { from, parent } = table[field];
  const direction = order.direction;
  const rowKey = [...keyOf(key, `t.${key.column}`), 't.id'];
  const orderSql = rowKey.map((part) => `${part} ${direction}`).join(', ');
  let cursor: string | null = null;
  let after: { value: unknown; id: string } | null = null;
  if (deep) {
    // The row just before the deep page: its value and id make the cursor a client paging this far would hold.
    const { rows } = await pool.query(
      `SELECT ${key.kind === 'time' ? `(extract(epoch FROM t.${key.column}) * 1000)::bigint::text` : `t.${key.column}`} AS value, t.id
       FROM ${from} WHERE ${parent} = $1 ORDER BY ${orderSql} OFFSET ${deps.deepRows - 1} LIMIT 1`,
      [parentId],
    );
    const row = rows[0]!;
    const value = key.kind === 'time' ? Number(row.value) : (row.value as string | null);
    after = { value, id: row.id };
    const filter = filterKey(field === 'audience' ? validateAudienceContactFilter(null) : validateContactFilter(null));
    cursor = encodeCursor({ value, id: row.id }, cursorFingerprint({ order, filter }));
  }
  const cast = key.kind === 'time' ? 'timestamptz' : 'text';
  const floorText = `SELECT t.id FROM ${from} WHERE ${parent} = $1${
    after ? ` AND (${rowKey.join(', ')}) ${direction === 'ASC' ? '>' : '<'} (${[...keyOf(key, `$2::${cast}`), '$3::uuid'].join(', ')})` : ''
  } ORDER BY ${orderSql} LIMIT ${PAGE}`;
  const floorValues: unknown[] = after ? [parentId, key.kind === 'time' ? new Date(after.value as number) : after.value, after.id] : [parentId];
  const argument = `first: ${PAGE}, after: $after, orderBy: { field: ${order.field}, direction: ${direction} }`;
  const query =
    field === 'audience'
      ? `query ($id: ID!, $after: String) { audience(id: $id) { contacts(${argument}) { edges { node { id } } } } }`
      : `query ($after: String) { contacts(${argument}) { edges { node { id } } } }`;
  const variables = field === 'audience' ? { id: encodeGlobalId('Audience', parentId), after: cursor } : { after: cursor };
  const name = `segment-sorted-${field}-${order.field}-${direction}-${deep ? 'deep' : 'first'}`;
  return {
    key: name,
    field,
    title: `${fieldLabel[field]} by ${order.field} ${direction}, ${deep ? `${deps.deepRows.toLocaleString('en')} rows deep` : 'first page'}`,
    us: () => ({ query, variables }),
    floor: () => ({ name, text: floorText, values: floorValues }),
    usAnswer: (data) => JSON.stringify(idsOf(connectionOf(field, data))),
    floorAnswer: (rows) => JSON.stringify(usIds(typenameOf[field], rows.map((r) => r.id))),
  };
}

/** A filter of issue 14, as our input, the floor's condition over alias t, and PostGraphile's filter where it has one. */
interface FilterCase {
  key: string;
  label: string;
  field: Field;
  /** The filter as a client sends it (a GraphQL variable). */
  input: Record<string, unknown>;
  condition: string;
  values: unknown[];
  peer?: Record<string, unknown>;
}

function filterCases(seeded: Seeded, audienceRows: number, contactRows: number, smallAudienceRows: number): FilterCase[] {
  // A window of a tenth of the rows, a third of the way in: "added this month" at the seed's pace (row k of the
  // big audience was added k milliseconds after its epoch, contact i i milliseconds after its own).
  const window = (epoch: number, rows: number) => ({
    after: new Date(epoch + Math.floor(rows / 3)).toISOString(),
    before: new Date(epoch + Math.floor(rows / 3) + Math.floor(rows / 10)).toISOString(),
  });
  const added = window(AUDIENCE_CONTACT_EPOCH, audienceRows);
  const created = window(CONTACT_EPOCH, contactRows);
  const smallAudience = seededUuid('audience0');
  return [
    { key: 'tags-any', label: 'tags any of [vip]', field: 'audience', input: { tags: { any: ['vip'] } }, condition: `t.tags && $2::text[]`, values: [['vip']], peer: { tags: { overlaps: ['vip'] } } },
    { key: 'tags-all', label: 'tags all of [newsletter, trial]', field: 'audience', input: { tags: { all: ['newsletter', 'trial'] } }, condition: `t.tags @> $2::text[]`, values: [['newsletter', 'trial']], peer: { tags: { contains: ['newsletter', 'trial'] } } },
    { key: 'tags-none', label: 'tags none of [vip]', field: 'audience', input: { tags: { none: ['vip'] } }, condition: `NOT (t.tags && $2::text[])`, values: [['vip']], peer: { not: { tags: { overlaps: ['vip'] } } } },
    { key: 'country', label: 'country AM', field: 'audience', input: { country: ['AM'] }, condition: `t.country = ANY($2::text[])`, values: [['AM']], peer: { country: { in: ['AM'] } } },
    { key: 'created', label: 'createdAt a tenth of the rows', field: 'audience', input: { createdAt: added }, condition: `t.created_at > $2::timestamptz AND t.created_at < $3::timestamptz`, values: [added.after, added.before], peer: { createdAt: { greaterThan: added.after, lessThan: added.before } } },
    {
      key: 'campaign',
      label: 'VIP in Armenia added in the window (tags, country, createdAt)',
      field: 'audience',
      input: { tags: { any: ['vip'] }, country: ['AM'], createdAt: added },
      condition: `t.tags && $2::text[] AND t.country = ANY($3::text[]) AND t.created_at > $4::timestamptz AND t.created_at < $5::timestamptz`,
      values: [['vip'], ['AM'], added.after, added.before],
      peer: { tags: { overlaps: ['vip'] }, country: { in: ['AM'] }, createdAt: { greaterThan: added.after, lessThan: added.before } },
    },
    { key: 'contacts-country', label: 'country AM', field: 'account', input: { country: ['AM'] }, condition: `t.country = ANY($2::text[])`, values: [['AM']] },
    { key: 'contacts-email', label: 'hasEmail', field: 'account', input: { hasEmail: true }, condition: `t.email IS NOT NULL`, values: [] },
    { key: 'contacts-created', label: 'createdAt a tenth of the rows', field: 'account', input: { createdAt: created }, condition: `t.created_at > $2::timestamptz AND t.created_at < $3::timestamptz`, values: [created.after, created.before] },
    {
      key: 'contacts-not-in',
      label: `notInAudienceId (an audience of ${smallAudienceRows.toLocaleString('en')})`,
      field: 'account',
      input: { notInAudienceId: encodeGlobalId('Audience', smallAudience) },
      condition: `NOT EXISTS (SELECT 1 FROM audience_contact m WHERE m.audience_id = '${smallAudience}'::uuid AND m.contact_id = t.id)`,
      values: [],
    },
  ];
}

function filteredCell(seeded: Seeded, filter: FilterCase): PageCell {
  const parentId = filter.field === 'audience' ? seeded.bigAudienceId : seeded.accountId;
  const { from, parent } = table[filter.field];
  const where = `${parent} = $1 AND ${filter.condition}`;
  const values = [parentId, ...filter.values];
  const query =
    filter.field === 'audience'
      ? `query ($id: ID!, $filter: AudienceContactFilter) { audience(id: $id) { contacts(first: ${PAGE}, filter: $filter) { totalCount edges { node { id } } } } }`
      : `query ($filter: ContactFilter) { contacts(first: ${PAGE}, filter: $filter) { totalCount edges { node { id } } } }`;
  const variables = filter.field === 'audience' ? { id: encodeGlobalId('Audience', parentId), filter: filter.input } : { filter: filter.input };
  const name = `segment-filter-${filter.key}`;
  const answer = (total: number, ids: string[]) => JSON.stringify({ total, ids });
  return {
    key: name,
    field: filter.field,
    title: `${fieldLabel[filter.field]} filtered by ${filter.label}, first page with totalCount`,
    us: () => ({ query, variables }),
    peer: filter.peer
      ? () => ({
          query: `query ($id: ID!, $filter: AudienceContactFilter) { audience(id: $id) { audienceContactsByAudienceId(first: ${PAGE}, filter: $filter, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { totalCount edges { node { id } } } } }`,
          variables: { id: postgraphileNodeId('Audience', parentId), filter: filter.peer },
        })
      : undefined,
    floor: () => ({
      name,
      text: `SELECT (SELECT count(*)::int FROM ${from} WHERE ${where}) AS total,
                    (SELECT json_agg(p.id) FROM (SELECT t.id FROM ${from} WHERE ${where} ORDER BY t.created_at, t.id LIMIT ${PAGE}) p) AS ids`,
      values,
    }),
    count: () => ({ name: `${name}-count`, text: `SELECT count(*)::int AS total FROM ${from} WHERE ${where}`, values }),
    usAnswer: (data) => {
      const connection = connectionOf(filter.field, data);
      return answer(connection.totalCount, idsOf(connection));
    },
    peerAnswer: (data) => {
      const connection = data.audience.audienceContactsByAudienceId;
      return answer(connection.totalCount, usIds('AudienceContact', connection.edges.map((e: any) => JSON.parse(Buffer.from(e.node.id, 'base64').toString())[1])));
    },
    floorAnswer: (rows) => answer(rows[0].total, usIds(typenameOf[filter.field], rows[0].ids ?? [])),
  };
}

export interface PageResult {
  cell: PageCell;
  us: Measured;
  peer?: Measured;
  floor: Measured;
  count?: Measured;
  matches?: number;
}

export interface ActionResult {
  label: string;
  rows: number;
  seconds: number;
  floorSeconds: number;
}

export interface ExportResult {
  runs: Array<{ rows: number; seconds: number; idleMb: number; rssBeforeMb: number; rssMaxMb: number }>;
  floor: { rows: number; seconds: number };
}

export interface SegmentResults {
  sorted: PageResult[];
  filtered: PageResult[];
  actions: ActionResult[];
  exported: ExportResult;
  disagreements: string[];
  failures: string[];
}

/** Every cell and action of issue 14's measurements, in order: pages, then the actions, then the export. */
export async function measureSegments(deps: SegmentBenchDeps): Promise<SegmentResults> {
  const { seeded, pool, log } = deps;
  const disagreements: string[] = [];
  const failures: string[] = [];
  const measurePage = async (cell: PageCell): Promise<PageResult> => {
    const ours = cell.usAnswer((await deps.post('us', cell.us(0))).data);
    const floorAnswer = cell.floorAnswer((await pool.query(cell.floor(0))).rows);
    if (ours !== floorAnswer) disagreements.push(`${cell.key}: the floor answers ${floorAnswer.slice(0, 300)}, we answer ${ours.slice(0, 300)}`);
    if (cell.peer) {
      const peerAnswer = cell.peerAnswer!((await deps.post('postgraphile', cell.peer(0))).data);
      if (peerAnswer !== ours) disagreements.push(`${cell.key}: PostGraphile answers ${peerAnswer.slice(0, 300)}, we answer ${ours.slice(0, 300)}`);
    }
    log(cell.key);
    const us = await deps.drive('us', cell.us, deps.window);
    const peer = cell.peer ? await deps.drive('postgraphile', cell.peer, deps.window) : undefined;
    const floor = await deps.driveFloor(cell.floor, deps.window);
    const count = cell.count ? await deps.driveFloor(cell.count, deps.window) : undefined;
    const matches = cell.count ? (await pool.query(cell.count(0))).rows[0].total : undefined;
    for (const [who, measured] of [['us', us], ['PostGraphile', peer]] as const) {
      if (measured && (measured.errors > 0 || measured.requests === 0)) failures.push(`${cell.key} on ${who}: ${measured.errors} errors of ${measured.requests} (${measured.firstError ?? 'no requests'})`);
    }
    return { cell, us, peer, floor, count, matches };
  };

  const sorted: PageResult[] = [];
  const orders: Array<[Field, Order]> = [
    ...['FIRST_NAME', 'LAST_NAME', 'NUMBER', 'CREATED_AT', 'UPDATED_AT'].map((field) => ['audience', { field, direction: 'ASC' }] as [Field, Order]),
    ['audience', { field: 'LAST_NAME', direction: 'DESC' }],
    ...['NAME', 'PHONE', 'EMAIL', 'CREATED_AT', 'UPDATED_AT'].map((field) => ['account', { field, direction: 'ASC' }] as [Field, Order]),
  ];
  for (const [field, order] of orders) {
    for (const deep of [false, true]) sorted.push(await measurePage(await sortedCell(deps, field, order, deep)));
  }
  const { rows: sizes } = await pool.query<{ audience: number; account: number; small: number }>(
    `SELECT (SELECT count(*)::int FROM audience_contact WHERE audience_id = $1) AS audience, (SELECT count(*)::int FROM contact WHERE account_id = $2) AS account,
            (SELECT count(*)::int FROM audience_contact WHERE audience_id = $3) AS small`,
    [seeded.bigAudienceId, seeded.accountId, seededUuid('audience0')],
  );
  const filtered: PageResult[] = [];
  for (const filter of filterCases(seeded, sizes[0]!.audience, sizes[0]!.account, sizes[0]!.small)) filtered.push(await measurePage(filteredCell(seeded, filter)));
  const actions = await measureActions(deps, sizes[0]!.audience, failures);
  const exported = await measureExport(deps, sizes[0]!.audience, failures);
  return { sorted, filtered, actions, exported, disagreements, failures };
}

/**
 * Copying the whole big audience into a new one, then tagging the copy, through the API; the floor does the same
 * with one INSERT … SELECT and one UPDATE (the columns the service writes), timed inside a transaction it rolls back.
 */
async function measureActions(deps: SegmentBenchDeps, rows: number, failures: string[]): Promise<ActionResult[]> {
  const { seeded, pool, log } = deps;
  const target = seededUuid('segment-copy-target');
  const floorTarget = seededUuid('segment-copy-floor');
  await pool.query(`DELETE FROM audience WHERE id = ANY($1::uuid[])`, [[target, floorTarget]]);
  for (const [id, name] of [[target, 'Segment copy'], [floorTarget, 'Segment copy (floor)']]) {
    await pool.query(`INSERT INTO audience (id, account_id, name, name_key, channel) VALUES ($1, $2, $3, lower($3), 'SMS')`, [id, seeded.accountId, name]);
  }
  const timed = async <T>(work: () => Promise<T>) => {
    const started = performance.now();
    const value = await work();
    return { value, seconds: (performance.now() - started) / 1000 };
  };

  log(`copy ${rows.toLocaleString('en')} rows through the API`);
  const copy = await timed(() =>
    deps.post('us', {
      query: `mutation ($input: CopyAudienceContactsInput!) { copyAudienceContacts(input: $input) { matchedCount changedCount skippedCount } }`,
      variables: { input: { fromAudienceId: encodeGlobalId('Audience', seeded.bigAudienceId), toAudienceId: encodeGlobalId('Audience', target), filter: {} } },
    }),
  );
  const copied = copy.value.data.copyAudienceContacts;
  if (copied.changedCount !== rows) failures.push(`copyAudienceContacts changed ${copied.changedCount} rows of ${rows}`);
  log(`tag ${rows.toLocaleString('en')} rows through the API`);
  const tag = await timed(() =>
    deps.post('us', {
      query: `mutation ($input: TagAudienceContactsInput!) { tagAudienceContacts(input: $input) { matchedCount changedCount skippedCount } }`,
      variables: { input: { audienceId: encodeGlobalId('Audience', target), filter: {}, add: ['bench'] } },
    }),
  );
  const tagged = tag.value.data.tagAudienceContacts;
  if (tagged.changedCount !== rows) failures.push(`tagAudienceContacts changed ${tagged.changedCount} rows of ${rows}`);

  log('the floor of copy and tag');
  const client = await pool.connect();
  let floorCopy: number;
  let floorTag: number;
  try {
    await client.query('BEGIN');
    floorCopy = (
      await timed(() =>
        client.query(
          `INSERT INTO audience_contact (audience_id, contact_id, phone, country, first_name, last_name, timestamp, date, tags)
           SELECT $2, t.contact_id, t.phone, t.country, t.first_name, t.last_name, t.timestamp, t.date, t.tags FROM audience_contact t WHERE t.audience_id = $1`,
          [seeded.bigAudienceId, floorTarget],
        ),
      )
    ).seconds;
    floorTag = (
      await timed(() =>
        client.query(`UPDATE audience_contact t SET tags = array_append(t.tags, 'bench'), updated_at = now() WHERE t.audience_id = $1 AND NOT ('bench' = ANY (t.tags))`, [floorTarget]),
      )
    ).seconds;
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
  // The copies go, so a rerun (or the scenarios of a later run on this database) finds the audience as seeded.
  await pool.query(`DELETE FROM audience WHERE id = ANY($1::uuid[])`, [[target, floorTarget]]);
  await pool.query('VACUUM (ANALYZE) audience_contact');
  return [
    { label: `copyAudienceContacts: the ${rows.toLocaleString('en')}-row audience into a new one`, rows, seconds: copy.seconds, floorSeconds: floorCopy },
    { label: `tagAudienceContacts: add a tag to those ${rows.toLocaleString('en')} rows`, rows, seconds: tag.seconds, floorSeconds: floorTag },
  ];
}

/** A process's resident memory now, in MB (0 once it is gone). */
function readRss(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * The export route on a fresh server, three times in a row (memory must settle, not grow), against its RSS when idle
 * (after start-up and one page, before the first export); and the floor: COPY of the same rows.
 */
async function measureExport(deps: SegmentBenchDeps, rows: number, failures: string[]): Promise<ExportResult> {
  const { seeded, pool, log } = deps;
  const server = await deps.startExportServer();
  const runs: ExportResult['runs'] = [];
  try {
    const warm = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dexatel-key': seeded.apiKey },
      body: JSON.stringify({ query: '{ audiences(first: 1) { totalCount } }' }),
    });
    if (warm.status !== 200) failures.push(`export server: ${warm.status} ${await warm.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleMb = readRss(server.pid);
    for (let run = 0; run < 3; run++) {
      log(`export ${rows.toLocaleString('en')} rows, run ${run + 1}`);
      const rssBeforeMb = readRss(server.pid);
      let rssMaxMb = rssBeforeMb;
      const sampler = setInterval(() => (rssMaxMb = Math.max(rssMaxMb, readRss(server.pid))), 100);
      const started = performance.now();
      const response = await fetch(`${server.url}/v1/audiences/${seeded.bigAudienceId}/contacts/export`, { headers: { 'x-dexatel-key': seeded.apiKey } });
      let lines = 0;
      if (response.status !== 200 || !response.body) {
        failures.push(`export: ${response.status} ${await response.text()}`);
      } else {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          for (const byte of chunk) if (byte === 10) lines++;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const exportedRows = Math.max(0, lines - 1);
      if (exportedRows !== rows) failures.push(`export wrote ${exportedRows} rows of ${rows}`);
      runs.push({ rows: exportedRows, seconds, idleMb, rssBeforeMb, rssMaxMb });
    }
  } finally {
    server.stop();
  }
  log('the floor of the export: COPY (SELECT …) TO STDOUT');
  const client = await pool.connect();
  let floorLines = 0;
  const started = performance.now();
  try {
    await pipeline(
      client.query(
        copyTo(
          `COPY (SELECT t.phone, t.first_name, t.last_name, t.timestamp, t.date, t.tags, t.created_at FROM audience_contact t
                 WHERE t.audience_id = '${seeded.bigAudienceId}' ORDER BY t.created_at, t.id) TO STDOUT WITH (FORMAT csv, HEADER)`,
        ),
      ),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const byte of chunk) if (byte === 10) floorLines++;
          done();
        },
      }),
    );
  } finally {
    client.release();
  }
  return { runs, floor: { rows: floorLines - 1, seconds: (performance.now() - started) / 1000 } };
}

const fmtMs = (ms: number) => ms.toLocaleString('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmtN = (n: number) => Math.round(n).toLocaleString('en');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');

/** The report's section: sorted pages, filtered pages, actions and export, each against its target. */
const targets = { pageMs: 50, deepRatio: 1.2, actionRowsPerSecond: 50_000, exportRowsPerSecond: 100_000, exportRssMb: 100 };

export function renderSegmentReport(header: string[], results: SegmentResults, window: Window): string {
  const lines = [...header];
  lines.push(
    `Work: issue 14's cells on our server as one process, ${window.warmupSeconds} s warm-up and ${window.seconds} s measured per page cell (not the scenarios' window above); PostGraphile on the filtered pages its connection filter can express (tags overlaps/contains, country in, createdAt range), in the same created-at order; the floor the one statement with the same sort key (so the same index), timed alike. The copy and the tag are one API call each (the floor: the bare INSERT … SELECT and UPDATE, in a transaction rolled back); the export streams from a server started for it.`,
    '',
  );
  lines.push(`Targets (issue 14): every page p50 ≤ ${targets.pageMs} ms and deep ≤ ${targets.deepRatio} × first; segment actions ≥ ${fmtN(targets.actionRowsPerSecond)} rows/s; export ≥ ${fmtN(targets.exportRowsPerSecond)} rows/s in ≤ ${targets.exportRssMb} MB more RSS than idle.`);
  lines.push('', '| sorted page | us req/s | us p50 ms | us p99 ms | floor p50 ms | us p50 / floor p50 | deep p50 / first p50 | met? |', '|---|---:|---:|---:|---:|---:|---:|---|');
  for (let i = 0; i < results.sorted.length; i++) {
    const r = results.sorted[i]!;
    const first = r.cell.key.endsWith('-deep') ? results.sorted[i - 1]! : undefined;
    const deepRatio = first ? r.us.p50 / Math.max(first.us.p50, 1) : undefined;
    const met = r.us.p50 <= targets.pageMs && (deepRatio === undefined || deepRatio <= targets.deepRatio || r.us.p50 - first!.us.p50 <= 1);
    lines.push(
      `| ${r.cell.title} | ${fmtN(r.us.rps)} | ${fmtMs(r.us.p50)} | ${fmtMs(r.us.p99)} | ${fmtMs(r.floor.p50)} | ${ratio(r.us.p50, r.floor.p50)} | ${deepRatio === undefined ? '' : `${deepRatio.toFixed(2)}×`} | ${met ? 'met' : '**missed**'} |`,
    );
  }
  lines.push(
    '',
    '| filtered page (with totalCount) | matches | us req/s | us p50 ms | us p99 ms | PostGraphile req/s | PostGraphile p50 ms | floor p50 ms (page + count) | count alone p50 ms | met? |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of results.filtered) {
    lines.push(
      `| ${r.cell.title} | ${fmtN(r.matches ?? 0)} | ${fmtN(r.us.rps)} | ${fmtMs(r.us.p50)} | ${fmtMs(r.us.p99)} | ${r.peer ? fmtN(r.peer.rps) : '—'} | ${r.peer ? fmtMs(r.peer.p50) : '—'} | ${fmtMs(r.floor.p50)} | ${r.count ? fmtMs(r.count.p50) : ''} | ${r.us.p50 <= targets.pageMs ? 'met' : '**missed**'} |`,
    );
  }
  lines.push('', '| segment action (one call) | rows | us s | us rows/s | floor s (the bare statement) | floor rows/s | met? |', '|---|---:|---:|---:|---:|---:|---|');
  for (const a of results.actions) {
    const rate = a.rows / a.seconds;
    lines.push(`| ${a.label} | ${fmtN(a.rows)} | ${a.seconds.toFixed(1)} | ${fmtN(rate)} | ${a.floorSeconds.toFixed(1)} | ${fmtN(a.rows / a.floorSeconds)} | ${rate >= targets.actionRowsPerSecond ? 'met' : '**missed**'} |`);
  }
  lines.push('', '| export (CSV, the whole big audience; a fresh server) | rows | s | rows/s | RSS idle MB | RSS before MB | RSS highest MB | above idle MB | met? |', '|---|---:|---:|---:|---:|---:|---:|---:|---|');
  results.exported.runs.forEach((run, index) => {
    const rate = run.rows / run.seconds;
    const added = run.rssMaxMb - run.idleMb;
    lines.push(
      `| us, run ${index + 1} | ${fmtN(run.rows)} | ${run.seconds.toFixed(1)} | ${fmtN(rate)} | ${fmtN(run.idleMb)} | ${fmtN(run.rssBeforeMb)} | ${fmtN(run.rssMaxMb)} | ${fmtN(added)} | ${rate >= targets.exportRowsPerSecond && added <= targets.exportRssMb ? 'met' : '**missed**'} |`,
    );
  });
  const floor = results.exported.floor;
  lines.push(`| floor: COPY (SELECT …) TO STDOUT | ${fmtN(floor.rows)} | ${floor.seconds.toFixed(1)} | ${fmtN(floor.rows / floor.seconds)} | | | | | |`);
  lines.push('', `Failed requests and disagreements: ${results.failures.length + results.disagreements.length ? [...results.failures, ...results.disagreements].join('; ') : 'none; our page, the floor\'s (and PostGraphile\'s where measured) agree on every cell'}.`);
  return lines.join('\n');
}
