/**
 * `npm run bench [-- --quick]`: seeds PostgreSQL, starts this server and PostGraphile v5 on the same data
 * (each its own process), drives each in turn with autocannon from this process, runs the raw-SQL floor
 * over a pool of the same size, and writes the table into BENCHMARKS.md. Exits non-zero when any request
 * failed or the three disagree about an answer, so the quick mode in CI keeps the benchmark honest.
 */
import { type ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  FLOOR_FORMS,
  type FloorForm,
  type FloorStatement,
  type GraphQLRequest,
  importRows,
  type Measured,
  REST_PAGE,
  type RestComparison,
  restVersusGraphql,
  type Scenario,
  scenarios,
  SEARCH_FIELDS,
  SEARCH_SHAPES,
  searchAnswer,
  type SearchField,
  searchFieldLabel,
  searchFloorAnswer,
  searchRequest,
  type SearchShape,
  searchSql,
  type SearchTarget,
  seededPhone,
  seededUuid,
  type Target,
  type Window,
} from './queries.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { type FanOutResult, measureFanOut } from './fanout.js';
import { measureSegments, renderSegmentReport, type SegmentResults } from './segments.js';
import { fullScale, quickScale, recordSeedSeconds, reuseSeeded, type Scale, seed, type Seeded } from './seed.js';

const quick = process.argv.includes('--quick');
const mode = quick ? 'quick' : 'full';
// --seed-only: make the database and stop. --reuse: measure on the database a previous run seeded.
const seedOnly = process.argv.includes('--seed-only');
const reuse = process.argv.includes('--reuse');
// --segments-only (with --reuse): measure issue 14's segment cells alone, on a database seeded before.
const segmentsOnly = process.argv.includes('--segments-only');
const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

interface Settings {
  scale: Scale;
  databaseName: string;
  connections: number;
  poolSize: number;
  warmupSeconds: number;
  seconds: number;
  importRows: number;
  importBatch: number;
  /** The cells of issue 13's search shapes (60 of them): shorter in the quick mode, which CI runs. */
  search: Window;
  /**
   * The cells of issue 14's sorted and filtered pages (32 of them, with the floor's). The quick mode checks every
   * answer and drives each for a second, no warm-up: about 80 cells would otherwise add 4 minutes to CI.
   */
  segments: Window;
}
const settings: Settings = quick
  ? { scale: quickScale, databaseName: 'cg_bench_quick', connections: 8, poolSize: 10, warmupSeconds: 1, seconds: 2, importRows: 2_000, importBatch: 1_000, search: { warmupSeconds: 0, seconds: 1 }, segments: { warmupSeconds: 0, seconds: 1 } }
  : { scale: fullScale, databaseName: 'cg_bench', connections: 8, poolSize: 10, warmupSeconds: 5, seconds: 15, importRows: 100_000, importBatch: 10_000, search: { warmupSeconds: 5, seconds: 15 }, segments: { warmupSeconds: 3, seconds: 10 } };
/** Our server as one process and in cluster mode (a worker per core), and the peer. */
type Server = 'us' | 'us-cluster' | 'postgraphile';
const SERVERS: Server[] = ['us', 'us-cluster', 'postgraphile'];
const ports: Record<Server, number> = { us: 4101, 'us-cluster': 4102, postgraphile: 5678 };
const shapeOf = (server: Server): Target => (server === 'postgraphile' ? 'postgraphile' : 'us');
const serverLabel: Record<Server, string> = { us: 'us, 1 process', 'us-cluster': 'us, cluster of 2', postgraphile: 'PostGraphile' };

// PostGraphile lives in a package of its own (see bench/postgraphile/package.json); every server runs on the
// Node running this script, process.execPath: the project's pinned Node when started by `npm run bench`.
const PEER_MODULES = 'bench/postgraphile/node_modules';

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const children: ChildProcess[] = [];

async function main() {
  if (!existsSync(`${PEER_MODULES}/postgraphile/package.json`)) throw new Error('PostGraphile is not installed: run `npm ci --prefix bench/postgraphile` first');
  log(`${quick ? 'quick' : 'full'} run: ${JSON.stringify(settings.scale)}`);
  // A fresh seed is left unanalyzed: the search shapes are measured first as a bulk load leaves the tables.
  const seeded = reuse
    ? await reuseSeeded(adminUrl, settings.databaseName, settings.scale)
    : await seed(adminUrl, settings.databaseName, settings.scale, log, { analyze: seedOnly });
  log(`seeded in ${seeded.seconds.total.toFixed(1)} s`);
  if (seedOnly) return;

  const pool = new pg.Pool({ connectionString: seeded.url, max: settings.poolSize });
  const writeAudienceId = Object.fromEntries(SERVERS.map((server) => [server, seededUuid(`writes-${server}`)])) as Record<Server, string>;
  // What an earlier run on this database wrote goes first, so reruns measure the same work.
  await pool.query(`DELETE FROM audience WHERE id = ANY($1::uuid[])`, [
    [...Object.values(writeAudienceId), seededUuid('import-api'), seededUuid('import-copy')],
  ]);
  await pool.query(`DELETE FROM contact WHERE phone LIKE '+1206%' OR phone LIKE '+1425%'`);
  for (const [target, id] of Object.entries(writeAudienceId)) {
    await pool.query(`INSERT INTO audience (id, account_id, name, name_key, channel) VALUES ($1, $2, $3, lower($3), 'SMS')`, [
      id,
      seeded.accountId,
      `Writes by ${target}`,
    ]);
  }

  // The servers and the floor read the same rows in the same order, so whichever ran first on a cold cache
  // would pay the disk reads and warm the cache for the others (node(id) on us at 254 req/s, then on
  // PostGraphile at 1,922, in a run on a freshly seeded database). Every table and index is read first.
  const prewarmStarted = performance.now();
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  const relations = await pool.query<{ name: string; mb: number }>(
    `SELECT c.oid::regclass::text AS name, pg_relation_size(c.oid) / 1048576.0 AS mb FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't')`,
  );
  for (const { name } of relations.rows) await pool.query(`SELECT pg_prewarm($1::regclass, 'read')`, [name]);
  const prewarmedMb = relations.rows.reduce((sum, row) => sum + Number(row.mb), 0);
  log(`read ${relations.rows.length} tables and indexes (${prewarmedMb.toFixed(0)} MB) into the cache in ${((performance.now() - prewarmStarted) / 1000).toFixed(1)} s`);

  // One key drives all the load: the per-key rate limit (which PostGraphile has no equivalent of) is lifted,
  // so the benchmark measures throughput, not the limiter.
  const withoutRateLimit = { RATE_LIMIT_PER_SECOND: '1000000000', RATE_LIMIT_BURST: '1000000000' };
  // The servers run the compiled build, as `npm start` does.
  execSync('npm run build --silent', { stdio: 'inherit' });
  const usEnvironment = { ...withoutRateLimit, DATABASE_URL: seeded.url, DATABASE_POOL_SIZE: String(settings.poolSize), NODE_ENV: 'production' };
  const us = await startServer('us', ports.us, process.execPath, ['dist/main.js'], { ...usEnvironment, PORT: String(ports.us) });
  const usAnswered = performance.now();
  // The same number of database connections in all: split between the workers.
  const usCluster = await startServer('us-cluster', ports['us-cluster'], process.execPath, ['dist/cluster.js'], {
    ...withoutRateLimit,
    DATABASE_URL: seeded.url,
    DATABASE_POOL_SIZE: String(settings.poolSize / 2),
    WORKERS: '2',
    PORT: String(ports['us-cluster']),
    NODE_ENV: 'production',
  });
  const peer = await startServer('postgraphile', ports.postgraphile, process.execPath, ['bench/postgraphile/server.mjs', seeded.url, String(ports.postgraphile), String(settings.poolSize)], {
    NODE_ENV: 'production',
  });
  // Issue 13's idle target: the RSS of our one-process server 10 s after it first answered, before any load
  // (PostGraphile's alongside, 10 s after its own start or later).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, IDLE_AFTER_MS - (performance.now() - usAnswered))));
  const idleMb = { us: rssMb([us.pid!]), postgraphile: rssMb([peer.pid!]) };
  log(`idle RSS: us ${idleMb.us.toFixed(0)} MB, PostGraphile ${idleMb.postgraphile.toFixed(0)} MB`);

  if (segmentsOnly) {
    if (!reuse) throw new Error('--segments-only measures a database seeded before: add --reuse');
    await pool.query('VACUUM (ANALYZE) audience_contact, contact, audience');
    const segments = await runSegments(seeded, pool, usEnvironment);
    const environment = await describeEnvironment(pool, { us: [us.pid!], 'us-cluster': [usCluster.pid!, ...childPids(usCluster.pid!)], postgraphile: [peer.pid!] });
    await pool.end();
    stopChildren();
    reportSegments(seeded, environment, segments);
    return;
  }

  // Issue 13's search shapes on our server, first on the tables as the seed's bulk load left them (never
  // vacuumed; never analyzed until our server's start-up check, awaited here), then after VACUUM (ANALYZE).
  // A reused database was analyzed by its first run.
  if (!reuse) {
    const waitStarted = performance.now();
    for (;;) {
      const { rows } = await pool.query<{ analyzed: number }>(
        `SELECT count(DISTINCT starelid)::int AS analyzed FROM pg_statistic WHERE starelid IN ('contact'::regclass, 'audience_contact'::regclass, 'audience'::regclass)`,
      );
      if (rows[0]!.analyzed === 3) break;
      if (performance.now() - waitStarted > 180_000) throw new Error('our server did not analyze the bulk-loaded tables within 3 minutes of starting');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    log(`the bulk-loaded tables have statistics (our server's start-up check), ${((performance.now() - waitStarted) / 1000).toFixed(1)} s after the servers were up`);
  }
  const disagreements: string[] = [];
  disagreements.push(...(await checkSeededPhones(pool)));
  const searchTerms = await chooseSearchTerms(pool, seeded);
  const searchPhases: SearchPhase[] = [];
  if (!reuse) searchPhases.push(await measureSearchShapes('fresh', searchTerms, seeded, pool, disagreements));
  // Where autovacuum is off (this workplace's PostgreSQL runs with `autovacuum = off`) or has not come round
  // yet, the dead rows of every earlier run stay behind: after three reruns and some imports, 1.5 million
  // dead audience contacts had slowed (a)'s floor statement from 229 to 81 req/s. They go before measuring.
  const vacuumStarted = performance.now();
  await pool.query('VACUUM (ANALYZE) audience_contact, contact, audience');
  if (!reuse) {
    seeded.seconds.analyze += (performance.now() - vacuumStarted) / 1000;
    seeded.seconds.total += (performance.now() - vacuumStarted) / 1000;
    await recordSeedSeconds(adminUrl, seeded.databaseName, settings.scale, seeded.seconds);
  }
  searchPhases.push(await measureSearchShapes('analyzed', searchTerms, seeded, pool, disagreements));

  const deepRow = Math.floor(settings.scale.contacts * 0.97);
  const deepCursorAnswer = await post('postgraphile', seeded.apiKey, {
    query: `query ($id: ID!) { audience(id: $id) { audienceContactsByAudienceId(first: 1, offset: ${deepRow - 1}, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { edges { cursor } } } }`,
    variables: { id: Buffer.from(JSON.stringify(['Audience', seeded.bigAudienceId])).toString('base64') },
  });
  const postgraphileDeepCursor = deepCursorAnswer.data.audience.audienceContactsByAudienceId.edges[0].cursor;
  // Each server writes into an audience of its own, so no add collides with another server's.
  const scenariosOf = (server: Server) =>
    scenarios({
      scale: settings.scale,
      bigAudienceId: seeded.bigAudienceId,
      deepRow,
      postgraphileDeepCursor,
      writeAudienceId: { us: writeAudienceId[server], postgraphile: writeAudienceId[server] },
    });
  const byServer = Object.fromEntries(SERVERS.map((server) => [server, scenariosOf(server)])) as Record<Server, Scenario[]>;

  const rss = { us: sampleRss([us.pid!]), 'us-cluster': sampleRss([usCluster.pid!, ...childPids(usCluster.pid!)]) };
  const results: Result[] = [];
  for (const [index, scenario] of byServer.us.entries()) {
    if (scenario.answer) disagreements.push(...(await compareAnswers(scenario, seeded.apiKey, pool)));
    const measured = {} as Record<Server, Measured>;
    for (const server of SERVERS) {
      log(`${scenario.key} on ${server}`);
      measured[server] = await drive(server, graphqlLoad(server, byServer[server][index]!), seeded.apiKey);
    }
    const floor = scenario.floor ? await driveFloor(pool, scenario.floor) : undefined;
    results.push({ scenario, measured, floor });
    log(`${scenario.key}: ${SERVERS.map((server) => `${server} ${fmt(measured[server])}`).join(' | ')}${floor ? ` | floor ${fmt(floor)}` : ''}`);
  }

  const afterReads = rss.us.read();
  const imported = await importThroughApi(seeded, pool);
  const copied = await importByCopy(seeded, pool);
  log(`import: API ${imported.rowsPerSecond.toFixed(0)} rows/s, COPY ${copied.rowsPerSecond.toFixed(0)} rows/s`);
  const memory = { us: { ...rss.us.stop(), readsMaxMb: afterReads.sampledMaxMb, idleMb: idleMb.us, peerIdleMb: idleMb.postgraphile }, 'us-cluster': rss['us-cluster'].stop() };
  // After the memory figures, so they stay those of the GraphQL scenarios above, comparable with earlier runs.
  const restResult = await measureRestVersusGraphql(seeded.apiKey, us.pid!, disagreements);

  // Last: the copy and the tag write 600,000 rows (and delete them again), which the cells above must not see.
  const segments = await runSegments(seeded, pool, usEnvironment);
  // Issue 15: 1,000 WebSocket subscribers of one audience on our server (100 in the quick mode), which renames it.
  log('fan-out of live updates');
  const fanOut = await measureFanOut({ url: `http://127.0.0.1:${ports.us}`, key: seeded.apiKey, audienceId: encodeGlobalId('Audience', seededUuid('audience0')), subscribers: quick ? 100 : 1_000 });

  const environment = await describeEnvironment(pool, {
    us: [us.pid!],
    'us-cluster': [usCluster.pid!, ...childPids(usCluster.pid!)],
    postgraphile: [peer.pid!],
  });
  await pool.end();
  stopChildren();

  const report = renderReport({ seeded, results, imported, copied, memory, environment, deepRow, disagreements });
  writeSection(report, mode);
  console.log(report);
  const restReport = renderRestReport(runHeader(seeded, environment), restResult);
  writeSection(restReport, `rest:${mode}`);
  console.log(`\n${restReport}`);
  const searchReport = renderSearchReport(runHeader(seeded, environment), seeded, searchTerms, searchPhases, disagreements);
  writeSection(searchReport, `search:${mode}`);
  console.log(`\n${searchReport}`);
  reportSegments(seeded, environment, segments);
  reportFanOut(seeded, environment, fanOut);

  const failures = [
    ...results.flatMap((r) =>
      SERVERS.filter((t) => r.measured[t].errors > 0 || r.measured[t].requests === 0).map(
        (t) => `${r.scenario.key} on ${t}: ${r.measured[t].errors} errors of ${r.measured[t].requests} (${r.measured[t].firstError ?? 'no requests'})`,
      ),
    ),
    ...(['rest', 'graphql'] as const)
      .filter((kind) => restResult[kind].errors > 0 || restResult[kind].requests === 0)
      .map((kind) => `(f) ${kind} on us: ${restResult[kind].errors} errors of ${restResult[kind].requests} (${restResult[kind].firstError ?? 'no requests'})`),
    ...searchPhases.flatMap(({ phase, cells }) =>
      cells
        .filter(({ us }) => us.errors > 0 || us.requests === 0)
        .map(({ shape, field, us }) => `search ${shape.key} on ${field} (${phase}): ${us.errors} errors of ${us.requests} (${us.firstError ?? 'no requests'})`),
    ),
    ...disagreements,
    ...(new Set(Object.values(environment.serverNodes)).size > 1 ? [`the servers ran on different Node versions: ${JSON.stringify(environment.serverNodes)}`] : []),
  ];
  if (failures.length) {
    console.error(`benchmark failures:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
  if (quick) await dropDatabase(seeded.databaseName);
}

/** Issue 14's cells (bench/segments.ts) on our server as one process, PostGraphile where it has the same filter, and the floor. */
async function runSegments(seeded: Seeded, pool: pg.Pool, usEnvironment: Record<string, string>): Promise<SegmentResults> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audience_contact WHERE audience_id = $1`, [seeded.bigAudienceId]);
  return measureSegments({
    seeded,
    pool,
    window: settings.segments,
    deepRows: Math.min(100_000, Math.floor(rows[0]!.n / 2)),
    drive: (target, request, window) => drive(target, graphqlLoad(target, { request: (_shape, n) => request(n) }), seeded.apiKey, undefined, window),
    driveFloor: (statement, window) => driveFloor(pool, statement, window),
    post: (target, request) => post(target, seeded.apiKey, request),
    // The export runs on a server of its own, started for it: its RSS before the first export is an idle
    // server's (the one that served every cell above holds what they grew), as issue 14's target reads.
    startExportServer: async () => {
      const port = 4103;
      const child = await startServer('us-export', port, process.execPath, ['dist/main.js'], { ...usEnvironment, PORT: String(port) });
      return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => void child.kill('SIGTERM') };
    },
    log,
  });
}

/**
 * (e)'s adds name contacts by number through seededPhone, the seed's numbering in JavaScript: it must give the
 * seeded contacts' numbers, or the adds measure creating contacts instead (all 20 kinds of row, twice over).
 */
async function checkSeededPhones(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ i: number; phone: string | null }>(
    `SELECT i, c.phone FROM generate_series(0, 39) i LEFT JOIN contact c ON c.id = md5('contact' || i)::uuid ORDER BY i`,
  );
  return rows
    .filter((row) => row.phone !== seededPhone(row.i))
    .map((row) => `seededPhone(${row.i}) gives ${seededPhone(row.i)}, the seeded contact has ${row.phone}`);
}

/** Writes the segments section and fails the run on a failed request or a disagreement. */
function reportSegments(seeded: Seeded, environment: Environment, segments: SegmentResults) {
  const report = renderSegmentReport(runHeader(seeded, environment), segments, settings.segments);
  writeSection(report, `segments:${mode}`);
  console.log(`\n${report}`);
  const failures = [...segments.failures, ...segments.disagreements];
  if (failures.length) {
    console.error(`segment benchmark failures:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

function reportFanOut(seeded: Seeded, environment: Environment, fanOut: FanOutResult) {
  const report = [...runHeader(seeded, environment), '', fanOut.markdown].join('\n');
  writeSection(report, `fanout:${mode}`);
  console.log(`\n${report}`);
}

function fmt(m: Measured): string {
  return `${m.rps.toFixed(0)} req/s p50 ${m.p50.toFixed(1)} ms p99 ${m.p99.toFixed(1)} ms${m.errors ? ` ${m.errors} errors` : ''}`;
}

async function startServer(target: string, port: number, command: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  // The servers' output goes to a file, not to this process: this process is busy driving the load, and a
  // pipe it reads late fills up and makes the server under test wait on its own log writes.
  const logFile = path.join(os.tmpdir(), `contact-gateway-bench-${target}.log`);
  const logFd = openSync(logFile, 'w');
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  children.push(child);
  const output = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${target} exited at start:\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (response.ok) {
        log(`${target} is up (pid ${child.pid})`);
        return child;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${target} did not start within a minute:\n${output()}`);
}

function stopChildren() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

function headers(server: Server, apiKey: string): Record<string, string> {
  return { 'content-type': 'application/json', ...(shapeOf(server) === 'us' ? { 'x-dexatel-key': apiKey } : {}) };
}

async function post(target: Server, apiKey: string, request: GraphQLRequest): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${ports[target]}/graphql`, {
    method: 'POST',
    headers: headers(target, apiKey),
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as any;
  if (body.errors) throw new Error(`${target}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body;
}

/** Request 0 of a scenario on both servers and the floor: the same rows, or a line saying how they differ. */
async function compareAnswers(scenario: Scenario, apiKey: string, pool: pg.Pool): Promise<string[]> {
  const answers: Record<string, string[]> = {};
  for (const server of SERVERS) {
    answers[server] = scenario.answer!.graphql(shapeOf(server), (await post(server, apiKey, scenario.request(shapeOf(server), 0))).data);
  }
  if (scenario.floor) {
    const statement = scenario.floor(0);
    answers.floor = scenario.answer!.floor((await pool.query(statement)).rows);
  }
  const reference = JSON.stringify(answers.us);
  if (!answers.us!.length) return [`${scenario.key}: our answer is empty`];
  return Object.entries(answers)
    .filter(([, rows]) => JSON.stringify(rows) !== reference)
    .map(([source, rows]) => `${scenario.key}: ${source} answers ${JSON.stringify(rows.slice(0, 3))}…, we answer ${JSON.stringify(answers.us!.slice(0, 3))}…`);
}

/** What a cell sends: a request to `path`, its body for request number `n`, and which answers are failures. */
interface Load {
  path: string;
  method: 'GET' | 'POST';
  body?: (n: number) => string;
  failed(status: number, body: string): boolean;
}

const graphqlLoad = (target: Server, scenario: { request: Scenario['request'] }): Load => ({
  path: '/graphql',
  method: 'POST',
  body: (n) => JSON.stringify(scenario.request(shapeOf(target), n)),
  failed: (status, body) => status !== 200 || body.includes('"errors"'),
});

/** One cell: warm-up, then the measured window; with `pid`, the server's CPU time over that window too. */
async function drive(target: Server, load: Load, apiKey: string, pid?: number, window: Window = settings): Promise<Measured> {
  let n = 0;
  let errors = 0;
  let firstError: string | undefined;
  const run = (seconds: number) =>
    autocannon({
      url: `http://127.0.0.1:${ports[target]}${load.path}`,
      connections: settings.connections,
      duration: seconds,
      method: load.method,
      headers: headers(target, apiKey),
      requests: [
        {
          setupRequest: (request) => (load.body ? { ...request, body: load.body(n++) } : request),
          onResponse: (status, body) => {
            if (load.failed(status, body)) {
              errors++;
              firstError ??= `${status} ${body.slice(0, 300)}`;
            }
          },
        },
      ],
    });
  if (window.warmupSeconds > 0) await run(window.warmupSeconds);
  errors = 0;
  const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
  const result = await run(window.seconds);
  const requests = result.requests.total;
  const cpuMs = pid === undefined || !requests ? undefined : ((cpuSeconds(pid) - cpuBefore) * 1000) / requests;
  return { requests, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors, firstError, cpuMs };
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** User + system CPU time a process has used so far (/proc/<pid>/stat, fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

interface RestResult {
  comparison: RestComparison;
  audienceSize: number;
  /** The size of each answer's body. */
  bytes: { rest: number; graphql: number };
  rest: Measured;
  graphql: Measured;
}

/**
 * (f): the REST list and the GraphQL query for the same page, on our server as one process. Each is measured
 * twice, in the order REST, GraphQL, GraphQL, REST, so a drift in the machine's load weighs on both alike.
 */
async function measureRestVersusGraphql(apiKey: string, pid: number, disagreements: string[]): Promise<RestResult> {
  const comparison = restVersusGraphql(seededUuid('audience0'));
  const answer = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`http://127.0.0.1:${ports.us}${path}`, { ...init, headers: headers('us', apiKey) });
    const text = await response.text();
    if (response.status !== 200 || text.includes('"errors"')) throw new Error(`(f) ${path}: ${response.status} ${text.slice(0, 500)}`);
    return { body: JSON.parse(text), bytes: Buffer.byteLength(text) };
  };
  const restAnswer = await answer(comparison.restPath);
  const graphqlAnswer = await answer('/graphql', { method: 'POST', body: JSON.stringify(comparison.graphql) });
  const restBody = restAnswer.body;
  const rest = comparison.answer.rest(restBody);
  const graphql = comparison.answer.graphql(graphqlAnswer.body.data);
  if (JSON.stringify(rest) !== JSON.stringify(graphql)) {
    disagreements.push(`(f): REST answers ${JSON.stringify(rest.slice(0, 3))}…, GraphQL ${JSON.stringify(graphql.slice(0, 3))}…`);
  }
  if (restBody.data.length !== REST_PAGE) disagreements.push(`(f): the page holds ${restBody.data.length} contacts, not ${REST_PAGE}`);
  const loads = {
    rest: { path: comparison.restPath, method: 'GET', failed: (status) => status !== 200 } satisfies Load,
    graphql: graphqlLoad('us', { request: () => comparison.graphql }),
  };
  const cells: Record<keyof typeof loads, Measured[]> = { rest: [], graphql: [] };
  for (const kind of ['rest', 'graphql', 'graphql', 'rest'] as const) {
    log(`(f) ${kind} on us`);
    cells[kind].push(await drive('us', loads[kind], apiKey, pid));
  }
  const result = {
    comparison,
    audienceSize: restBody.pagination.total as number,
    bytes: { rest: restAnswer.bytes, graphql: graphqlAnswer.bytes },
    rest: meanOf(cells.rest),
    graphql: meanOf(cells.graphql),
  };
  log(`(f): REST ${fmt(result.rest)} | GraphQL ${fmt(result.graphql)}`);
  return result;
}

/** Cells of the same work as one: requests and errors added up, rates and times averaged. */
function meanOf(cells: Measured[]): Measured {
  const mean = (pick: (m: Measured) => number | undefined) => {
    const values = cells.map(pick);
    return values.some((v) => v === undefined) ? undefined : values.reduce((sum: number, v) => sum + v!, 0) / values.length;
  };
  return {
    requests: cells.reduce((sum, m) => sum + m.requests, 0),
    rps: mean((m) => m.rps)!,
    p50: mean((m) => m.p50)!,
    p99: mean((m) => m.p99)!,
    errors: cells.reduce((sum, m) => sum + m.errors, 0),
    firstError: cells.find((m) => m.firstError)?.firstError,
    cpuMs: mean((m) => m.cpuMs),
  };
}

/** A search shape's term, as the data decided it, and its matches among each field's rows. */
interface SearchTerm {
  shape: SearchShape;
  term: string;
  matches: Record<SearchField, number>;
  rows: Record<SearchField, number>;
}

interface SearchCell {
  shape: SearchShape;
  field: SearchField;
  term: string;
  /** The forms of the floor's page and count that were faster in this phase, and the statements. */
  forms: { page: FloorForm; count: FloorForm };
  floorText: string;
  countText: string;
  us: Measured;
  floor: Measured;
  count: Measured;
}

type SearchPhaseName = 'fresh' | 'analyzed';
interface SearchPhase {
  phase: SearchPhaseName;
  cells: SearchCell[];
  loadAverage: { start: number; end: number };
}

const searchTargets = (seeded: Seeded): Record<SearchField, SearchTarget> => ({
  audience: { field: 'audience', parentId: seeded.bigAudienceId, accountId: seeded.accountId },
  account: { field: 'account', parentId: seeded.accountId, accountId: seeded.accountId },
});

/** Each shape's first candidate term whose matches fit the shape on both fields, counted by the floor's statement. */
async function chooseSearchTerms(pool: pg.Pool, seeded: Seeded): Promise<SearchTerm[]> {
  const targets = searchTargets(seeded);
  const [sizes] = (
    await pool.query<Record<SearchField, number>>(
      `SELECT (SELECT count(*)::int FROM audience_contact WHERE audience_id = $1) AS audience, (SELECT count(*)::int FROM contact WHERE account_id = $2) AS account`,
      [seeded.bigAudienceId, seeded.accountId],
    )
  ).rows;
  const chosen: SearchTerm[] = [];
  for (const shape of SEARCH_SHAPES) {
    const tried: string[] = [];
    for (const term of shape.candidates) {
      const matches = {} as Record<SearchField, number>;
      for (const field of SEARCH_FIELDS) matches[field] = (await pool.query(searchSql(targets[field], term).count('plain'))).rows[0].total;
      tried.push(`"${term}" ${SEARCH_FIELDS.map((field) => `${matches[field]}/${sizes![field]}`).join(', ')}`);
      if (SEARCH_FIELDS.every((field) => shape.fits(matches[field], sizes![field]))) {
        chosen.push({ shape, term, matches, rows: sizes! });
        break;
      }
    }
    if (chosen.at(-1)?.shape !== shape) throw new Error(`no term fits the search shape ${shape.key} (${shape.rule}): ${tried.join('; ')}; reseed (run without --reuse)`);
    log(`search ${shape.key}: "${chosen.at(-1)!.term}" (${tried.at(-1)})`);
  }
  return chosen;
}

/** Which form of a floor statement is faster here and now: each run once to warm, then the median of three. */
async function fasterForm(pool: pg.Pool, statement: (form: FloorForm) => string): Promise<FloorForm> {
  const medians = new Map<FloorForm, number>();
  for (const form of FLOOR_FORMS) {
    const times: number[] = [];
    for (let run = 0; run < 4; run++) {
      const started = performance.now();
      await pool.query(statement(form));
      times.push(performance.now() - started);
      // A form that takes seconds has lost already: not worth three more runs.
      if (run === 0 && times[0]! > 2_000 && medians.size) break;
    }
    const timed = times.length > 1 ? times.slice(1) : times;
    medians.set(form, timed.sort((a, b) => a - b)[Math.floor(timed.length / 2)]!);
  }
  return [...medians.entries()].sort((a, b) => a[1] - b[1])[0]![0];
}

/**
 * One phase of issue 13's search shapes: each shape on each field, our server as one process against the floor
 * (the page and its count in one statement) and against the exact count alone, which the target is relative to.
 * Before measuring, our answer (page and total) is checked against both.
 */
async function measureSearchShapes(phase: SearchPhaseName, terms: SearchTerm[], seeded: Seeded, pool: pg.Pool, disagreements: string[]): Promise<SearchPhase> {
  const targets = searchTargets(seeded);
  const loadStart = os.loadavg()[0] ?? 0;
  const cells: SearchCell[] = [];
  for (const { shape, term } of terms) {
    for (const field of SEARCH_FIELDS) {
      const label = `search ${shape.key} on ${field} (${phase})`;
      const statements = searchSql(targets[field], term);
      const forms = { page: await fasterForm(pool, statements.page), count: await fasterForm(pool, statements.count) };
      const floorText = statements.pageAndCount(forms.page, forms.count);
      const countText = statements.count(forms.count);
      const request = searchRequest(targets[field], term);
      const ours = searchAnswer(field, (await post('us', seeded.apiKey, request)).data);
      const floors = {
        'the floor': searchFloorAnswer(field, (await pool.query(floorText)).rows[0]),
        'the count alone': [`total ${(await pool.query(countText)).rows[0].total}`],
      };
      for (const [source, answer] of Object.entries(floors)) {
        if (JSON.stringify(answer) !== JSON.stringify(ours.slice(0, answer.length))) {
          disagreements.push(`${label}: ${source} answers ${JSON.stringify(answer.slice(0, 3))}…, we answer ${JSON.stringify(ours.slice(0, 3))}…`);
        }
      }
      log(`${label}: "${term}", floor forms page ${forms.page}, count ${forms.count}`);
      const statement = (name: string, text: string) => () => ({ name: `${name}-${phase}-${shape.key}-${field}`, text, values: [] });
      const us = await drive('us', graphqlLoad('us', { request: () => request }), seeded.apiKey, undefined, settings.search);
      const floor = await driveFloor(pool, statement('search', floorText), settings.search);
      const count = await driveFloor(pool, statement('count', countText), settings.search);
      log(`${label}: us ${fmt(us)} | floor ${fmt(floor)} | count ${fmt(count)}`);
      cells.push({ shape, field, term, forms, floorText, countText, us, floor, count });
    }
  }
  return { phase, cells, loadAverage: { start: loadStart, end: os.loadavg()[0] ?? 0 } };
}

/** The floor: the statement alone, prepared, over a pool of the server's size, as many in flight as connections. */
async function driveFloor(pool: pg.Pool, statement: (n: number) => FloorStatement, window: Window = settings): Promise<Measured> {
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let n = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: settings.connections }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          await pool.query(statement(n++));
          latencies.push(performance.now() - started);
        }
      }),
    );
    return latencies;
  };
  if (window.warmupSeconds > 0) await run(window.warmupSeconds);
  const latencies = (await run(window.seconds)).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, rps: latencies.length / window.seconds, p50: at(0.5), p99: at(0.99), errors: 0 };
}

interface ImportResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

async function importThroughApi(seeded: Seeded, pool: pg.Pool): Promise<ImportResult> {
  const audienceId = seededUuid('import-api');
  await pool.query(`INSERT INTO audience (id, account_id, name, name_key, channel) VALUES ($1, $2, 'Import by API', 'import by api', 'SMS')`, [
    audienceId,
    seeded.accountId,
  ]);
  const started = performance.now();
  for (let offset = 0; offset < settings.importRows; offset += settings.importBatch) {
    const answer = await post('us', seeded.apiKey, {
      query: `mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount rejected { index message } } }`,
      variables: { input: { audienceId: encodeGlobalId('Audience', audienceId), contacts: importRows(settings.importBatch, offset, '206') } },
    });
    const result = answer.data.importAudienceContacts;
    if (result.importedCount !== settings.importBatch) throw new Error(`import landed ${result.importedCount} rows: ${JSON.stringify(result.rejected.slice(0, 3))}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: settings.importRows, seconds, rowsPerSecond: settings.importRows / seconds };
}

/** The floor for an import: COPY of the same rows straight into contact and audience_contact. */
async function importByCopy(seeded: Seeded, pool: pg.Pool): Promise<ImportResult> {
  const audienceId = seededUuid('import-copy');
  await pool.query(`INSERT INTO audience (id, account_id, name, name_key, channel) VALUES ($1, $2, 'Import by COPY', 'import by copy', 'SMS')`, [
    audienceId,
    seeded.accountId,
  ]);
  const rows = importRows(settings.importRows, 0, '425').map((row) => ({ ...row, contactId: randomUUID() }));
  const client = await pool.connect();
  const started = performance.now();
  try {
    await client.query('BEGIN');
    await pipeline(
      Readable.from(rows.map((r) => `${r.contactId}\t${seeded.accountId}\t${r.number}\n`)),
      client.query(copyFrom('COPY contact (id, account_id, phone) FROM STDIN')),
    );
    await pipeline(
      Readable.from(rows.map((r) => `${audienceId}\t${r.contactId}\t${r.firstName}\t${r.lastName}\t{import}\n`)),
      client.query(copyFrom('COPY audience_contact (audience_id, contact_id, first_name, last_name, tags) FROM STDIN')),
    );
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: rows.length, seconds, rowsPerSecond: rows.length / seconds };
}

const IDLE_AFTER_MS = 10_000;

/** A memory figure of processes, summed: VmRSS (resident now) or VmHWM (the peak), in MB. */
function procStatusMb(pids: number[], field: 'VmRSS' | 'VmHWM'): number {
  return pids.reduce((sum, pid) => {
    try {
      const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
      return sum + (match ? Number(match[1]) / 1024 : 0);
    } catch {
      return sum;
    }
  }, 0);
}

const rssMb = (pids: number[]) => procStatusMb(pids, 'VmRSS');

/** Our server's memory: the process, or the primary and its workers together. */
function sampleRss(pids: number[]) {
  const read = (field: 'VmRSS' | 'VmHWM') => procStatusMb(pids, field);
  let max = 0;
  const timer = setInterval(() => (max = Math.max(max, read('VmRSS'))), 250);
  const reading = () => ({ sampledMaxMb: max, peakMb: read('VmHWM'), endMb: read('VmRSS') });
  return {
    /** What was sampled so far, sampling on. */
    read: reading,
    stop() {
      clearInterval(timer);
      return reading();
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The Node each server runs on, asked of the running processes themselves: the version of the binary
 * /proc/<pid>/exe points at, for every process of the server (the cluster's primary and its workers).
 */
function serverNodeVersions(pids: Record<Server, number[]>): Record<Server, string> {
  const versionOf = (pid: number) => execFileSync(readlinkSync(`/proc/${pid}/exe`), ['--version']).toString().trim();
  return Object.fromEntries(Object.entries(pids).map(([server, list]) => [server, [...new Set(list.map(versionOf))].join(' + ')])) as Record<Server, string>;
}

async function describeEnvironment(pool: pg.Pool, serverPids: Record<Server, number[]>) {
  const version = (name: string) => {
    const file = [`node_modules/${name}/package.json`, `${PEER_MODULES}/${name}/package.json`].find((f) => existsSync(f));
    return file ? JSON.parse(readFileSync(file, 'utf8')).version : '?';
  };
  const postgres = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGb: (os.totalmem() / 1024 ** 3).toFixed(0),
    node: process.version,
    serverNodes: serverNodeVersions(serverPids),
    postgres,
    packages: ['graphql-yoga', 'graphql', '@pothos/core', '@prisma/client', '@prisma/adapter-pg', 'pg', 'hono', '@hono/node-server', '@hono/zod-openapi', 'postgraphile', 'postgraphile-plugin-connection-filter', 'autocannon']
      .map((name) => `${name} ${version(name)}`)
      .join(', '),
  };
}

async function dropDatabase(name: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

interface Result {
  scenario: Scenario;
  measured: Record<Server, Measured>;
  floor?: Measured;
}
type Memory = { sampledMaxMb: number; peakMb: number; endMb: number };
type Environment = Awaited<ReturnType<typeof describeEnvironment>>;

interface ReportInput {
  seeded: Seeded;
  results: Result[];
  imported: ImportResult;
  copied: ImportResult;
  memory: { us: Memory & { readsMaxMb: number; idleMb: number; peerIdleMb: number }; 'us-cluster': Memory };
  environment: Environment;
  deepRow: number;
  disagreements: string[];
}

const n = (value: number, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '—');

/** The lines every report starts with: when, where, which versions, what data, what load. */
function runHeader(seeded: Seeded, environment: Environment): string[] {
  const s = settings.scale;
  return [
    `Run: ${quick ? '`npm run bench -- --quick`' : '`npm run bench`'} on ${environment.date}.`,
    `Machine: ${environment.cpus} × ${environment.cpuModel}, ${environment.memoryGb} GB; load average ${(os.loadavg()[0] ?? 0).toFixed(1)} when the report was written (other work on the machine makes absolute figures noisy: compare within the run).`,
    `Versions: Node ${SERVERS.map((server) => `${environment.serverNodes[server]} (${serverLabel[server]})`).join(', ')}, as each server process reports; ` +
      `the driver on ${environment.node}; PostgreSQL ${environment.postgres}; ${environment.packages}.`,
    `Data: ${n(s.audiences)} audiences, ${n(s.audienceContacts)} audience contacts over ${n(s.contacts)} contacts; the last audience holds all ${n(s.contacts)}. ` +
      `Seeded in ${n(seeded.seconds.total, 1)} s (schema ${n(seeded.seconds.schema, 1)} s, rows ${n(seeded.seconds.rows, 1)} s, indexes ${n(seeded.seconds.indexes, 1)} s, vacuum/analyze ${n(seeded.seconds.analyze, 1)} s).`,
    `Load: autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up, ${settings.seconds} s measured per cell; ${settings.poolSize} database connections per server (the cluster's two workers ${settings.poolSize / 2} each) and for the floor; every table and index read into the cache (pg_prewarm) before the first cell.`,
  ];
}

function renderReport({ seeded, results, imported, copied, memory, environment, deepRow, disagreements }: ReportInput): string {
  const lines = [
    ...runHeader(seeded, environment),
    '',
    '| scenario | server | req/s | p50 ms | p99 ms | req/s vs PostGraphile | p50 vs PostGraphile | p50 vs floor |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { scenario, measured, floor } of results) {
    const peer = measured.postgraphile;
    for (const server of SERVERS) {
      const m = measured[server];
      const versusPeer = server === 'postgraphile' ? ['', ''] : [ratio(m.rps, peer.rps), ratio(m.p50, peer.p50)];
      lines.push(`| ${scenario.title} | ${serverLabel[server]} | ${n(m.rps)} | ${n(m.p50, 1)} | ${n(m.p99, 1)} | ${versusPeer.join(' | ')} | ${ratio(m.p50, floor?.p50)} |`);
    }
    if (floor) lines.push(`| ${scenario.title} | floor: one SQL statement | ${n(floor.rps)} | ${n(floor.p50, 1)} | ${n(floor.p99, 1)} | | | |`);
  }
  lines.push('');
  const byKey = Object.fromEntries(results.map((r) => [r.scenario.key, r]));
  const first = byKey['b-first'];
  const deep = byKey['b-deep'];
  if (first && deep) {
    lines.push(
      `Deep page (${n(deepRow)} rows deep) p50 / first page p50: ${SERVERS.map((server) => `${serverLabel[server]} ${ratio(deep.measured[server].p50, first.measured[server].p50)}`).join(', ')}, floor ${ratio(deep.floor!.p50, first.floor!.p50)}.`,
    );
  }
  lines.push(
    `Import: importAudienceContacts ${n(imported.rows)} rows in ${n(settings.importBatch)}-row calls (one process): ${n(imported.rowsPerSecond)} rows/s (${n(imported.seconds, 1)} s); COPY floor ${n(copied.rowsPerSecond)} rows/s (${n(copied.seconds, 1)} s); us/floor ${ratio(imported.rowsPerSecond, copied.rowsPerSecond)}.`,
    `Memory (RSS) of our server: one process ${n(memory.us.idleMb)} MB idle (${IDLE_AFTER_MS / 1000} s after it first answered, before any load; PostGraphile ${n(memory.us.peerIdleMb)} MB), ${n(memory.us.endMb)} MB at the end, ${n(memory.us.sampledMaxMb)} MB highest sampled under load (${n(memory.us.readsMaxMb)} MB during the read and write scenarios, before the import), ${n(memory.us.peakMb)} MB peak; ` +
      `cluster (primary + 2 workers) ${n(memory['us-cluster'].endMb)} MB at the end, ${n(memory['us-cluster'].sampledMaxMb)} MB highest sampled.`,
    `Failed requests: ${results.reduce((sum, r) => sum + SERVERS.reduce((t, server) => t + r.measured[server].errors, 0), 0)}. Answers of us, PostGraphile and the floor ${disagreements.length ? `differ: ${disagreements.join('; ')}` : 'agree on request 0 of every read scenario'}.`,
  );
  return lines.join('\n');
}

function renderRestReport(header: string[], { comparison, audienceSize, bytes, rest, graphql }: RestResult): string {
  const cpu = (m: Measured) => (m.cpuMs === undefined ? '—' : n(m.cpuMs, 2));
  const row = (label: string, m: Measured, size: number) => `| ${label} | ${n(m.rps)} | ${n(m.p50, 1)} | ${n(m.p99, 1)} | ${cpu(m)} | ${n(size)} |`;
  return [
    ...header,
    `Work: ${comparison.title}. The audience holds ${n(audienceSize)} contacts; our server as one process; REST \`GET ${comparison.restPath.replace(/\/audiences\/[^/]+/, '/audiences/{id}')}\`, GraphQL \`${comparison.graphql.query}\`. ` +
      `Both answers checked equal (ids, numbers, names, timestamp, date, tags, dates, total) before measuring. Each measured twice (REST, GraphQL, GraphQL, REST), figures the mean of the two cells.`,
    '',
    '| request | req/s | p50 ms | p99 ms | server CPU ms / request | response bytes |',
    '|---|---:|---:|---:|---:|---:|',
    row('REST', rest, bytes.rest),
    row('GraphQL', graphql, bytes.graphql),
    `| REST / GraphQL | ${ratio(rest.rps, graphql.rps)} | ${ratio(rest.p50, graphql.p50)} | ${ratio(rest.p99, graphql.p99)} | ${rest.cpuMs && graphql.cpuMs ? ratio(rest.cpuMs, graphql.cpuMs) : '—'} | ${ratio(bytes.rest, bytes.graphql)} |`,
    '',
    `Failed requests: ${rest.errors + graphql.errors}.`,
  ].join('\n');
}

const share = (fraction: number) => `${n(100 * fraction, fraction < 0.001 ? 3 : fraction < 0.1 ? 2 : 1)} %`;

/** Issue 13's target for a search: p50 ≤ 50 ms, or ≤ 1.3 × the exact count's p50 where that count alone takes more than 50 ms. */
const searchTargetMs = (countP50: number) => (countP50 > 50 ? 1.3 * countP50 : 50);

function renderSearchReport(header: string[], seeded: Seeded, terms: SearchTerm[], phases: SearchPhase[], disagreements: string[]): string {
  const phaseLabel: Record<SearchPhaseName, string> = { fresh: 'after the bulk load (no VACUUM)', analyzed: 'after VACUUM (ANALYZE)' };
  const cellsOf = (shape: SearchShape, field: SearchField) =>
    phases.flatMap(({ phase, cells }) => cells.filter((c) => c.shape === shape && c.field === field).map((cell) => ({ phase, cell })));
  const lines = [
    ...header,
    `Work: issue 13's search shapes, each with \`totalCount\` and the first 20 rows, on ${searchFieldLabel.audience} (the audience of all ${n(terms[0]!.rows.audience)} contacts) and ${searchFieldLabel.account} (the account's ${n(terms[0]!.rows.account)} contacts), our server as one process, ` +
      `${settings.connections} connections (the benchmark's concurrency, not the issue's 16), ${settings.search.warmupSeconds} s warm-up and ${settings.search.seconds} s measured per cell. ` +
      `Floor: the page and its exact count in one statement; count: the exact count alone, the same ${settings.connections} in flight over ${settings.poolSize} connections. ` +
      `Each floor statement is the faster of two forms, timed in the phase: \`plain\` (one condition, PostgreSQL's plan) and \`indexes\` (the matching ids through the trigram indexes first). ` +
      `Target: p50 ≤ 50 ms, or ≤ 1.3 × the count's p50 where that exceeds 50 ms.`,
    `Phases: ${phases.map(({ phase, loadAverage }) => `${phaseLabel[phase]} (load average ${n(loadAverage.start, 1)} at its start, ${n(loadAverage.end, 1)} at its end)`).join('; ')}. ` +
      (phases.some(({ phase }) => phase === 'fresh')
        ? 'The first phase runs on the tables as the seed\'s SQL bulk load left them, never vacuumed (no visibility map, so no index-only scans), with the statistics our server gathered when it found them never analyzed at start-up (the benchmark waits for them). Our import path (`importAudienceContacts`) ANALYZEs what it changed at once; the seed bypasses it, as any bulk load in SQL would.'
        : 'No fresh phase: a reused database was analyzed by the run that seeded it.'),
    '',
    '| shape | field | term | matches | statistics | us req/s | us p50 ms | us p99 ms | floor p50 ms (page + count) | count p50 ms | target p50 ms | us / target | met? |',
    '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { shape, term, matches, rows } of terms) {
    for (const field of SEARCH_FIELDS) {
      for (const { phase, cell } of cellsOf(shape, field)) {
        const target = searchTargetMs(cell.count.p50);
        lines.push(
          `| ${shape.title} (${shape.rule}) | ${searchFieldLabel[field]} | "${term}" | ${n(matches[field])} (${share(matches[field] / rows[field])}) | ${phaseLabel[phase]} | ` +
            `${n(cell.us.rps)} | ${n(cell.us.p50, 1)} | ${n(cell.us.p99, 1)} | ${n(cell.floor.p50, 1)} | ${n(cell.count.p50, 1)} | ${n(target, 1)} | ${ratio(cell.us.p50, target)} | ${cell.us.p50 <= target ? 'met' : '**missed**'} |`,
        );
      }
    }
  }
  lines.push('', 'Floor statements (forms page / count chosen in each phase; the audience and account ids shown as `:audience`, `:account`):', '');
  for (const { shape, term } of terms) {
    for (const field of SEARCH_FIELDS) {
      const cells = cellsOf(shape, field);
      const last = cells.at(-1)?.cell;
      if (!last) continue;
      const short = last.floorText
        .replaceAll(`'${seeded.bigAudienceId}'::uuid`, ':audience')
        .replaceAll(`'${seeded.accountId}'::uuid`, ':account')
        .replace(/\s+/g, ' ');
      lines.push(
        `- ${shape.title} "${term}", ${searchFieldLabel[field]}: ${cells.map(({ phase, cell }) => `${phaseLabel[phase]} ${cell.forms.page} / ${cell.forms.count}`).join(', ')}; \`${short}\``,
      );
    }
  }
  const failed = phases.reduce((sum, { cells }) => sum + cells.reduce((t, c) => t + c.us.errors, 0), 0);
  const differ = disagreements.filter((line) => line.startsWith('search '));
  lines.push(
    '',
    `Failed requests: ${failed}. Our answer (the page's rows and totalCount) and the floor's, and the count alone, checked before every cell: ${differ.length ? `differ: ${differ.join('; ')}` : 'they agree'}.`,
  );
  return lines.join('\n');
}

/** Replaces one generated section of BENCHMARKS.md (`bench:<name>`), leaving the hand-written text around it. */
function writeSection(report: string, name: string) {
  const file = 'BENCHMARKS.md';
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${report}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = current.indexOf(start);
  const until = current.indexOf(end);
  const next = at >= 0 && until > at ? current.slice(0, at) + block + current.slice(until + end.length) : `${current}\n${block}\n`;
  writeFileSync(file, next);
}

try {
  await main();
} catch (error) {
  stopChildren();
  console.error(error);
  process.exitCode = 1;
}
