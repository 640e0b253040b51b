/**
 * `npx tsx bench/fleet.ts [--quick]`: the scale-out topology measured (issue 16), for BENCHMARKS.md.
 *
 * A private PostgreSQL primary seeded with the benchmark's data (bench/seed.ts) and a streaming replica of it
 * (pg_basebackup -R), Redis, and `npm run fleet`'s HAProxy in front of 1, 2 and 3 gateway processes. Measured:
 * - throughput of the nested read (scenario a) and node(id) (scenario d) through HAProxy for each process count;
 * - HAProxy's added latency: one client, node(id), straight to one process and through the balancer;
 * - replica lag while the API imports rows (pg_stat_replication.replay_lag and the bytes not yet replayed, sampled
 *   every 100 ms on the primary).
 * The load generator (autocannon) runs in this process, on the same 2 cores as everything else.
 */
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { startPrimary, startReplica } from '../scripts/lib/postgresCluster.js';
import { startFleet } from '../scripts/fleet.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { importRows, scenarios, seededUuid } from './queries.js';
import { fullScale, quickScale, seed } from './seed.js';

const quick = process.argv.includes('--quick');
const scale = quick ? quickScale : fullScale;
const seconds = quick ? 3 : 10;
const warmup = quick ? 1 : 3;
// As the main benchmark (bench/run.ts): 8 connections saturate one process on this machine.
const connections = 8;
const log = (line: string) => console.error(`[fleet bench] ${line}`);

const primary = await startPrimary(5437);
let replica: Awaited<ReturnType<typeof startReplica>> | null = null;
const results: string[] = [];
try {
  log(`seeding ${scale.audienceContacts.toLocaleString('en')} audience contacts on the private primary`);
  const seeded = await seed(primary.url('postgres'), 'cg_fleet_bench', scale, log);
  replica = await startReplica(primary, 5438);
  const replicaUrl = replica.url('cg_fleet_bench');
  const context = { scale, bigAudienceId: seeded.bigAudienceId, postgraphileDeepCursor: '', deepRow: 1, writeAudienceId: { us: '', postgraphile: '' } };
  const all = scenarios(context);
  const nested = all.find((scenario) => scenario.key === 'a')!;
  const node = all.find((scenario) => scenario.key === 'd')!;

  const drive = async (url: string, scenario: typeof nested, clients: number, duration: number) => {
    let n = 0;
    let errors = 0;
    let firstError: string | undefined;
    const run = (time: number) =>
      autocannon({
        url: `${url}/graphql`,
        connections: clients,
        duration: time,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dexatel-key': seeded.apiKey },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: JSON.stringify(scenario.request('us', n++)) }),
            onResponse: (status, body) => {
              if (status !== 200 || body.includes('"errors"')) {
                errors++;
                firstError ??= `${status} ${body.slice(0, 200)}`;
              }
            },
          },
        ],
      });
    await run(warmup);
    errors = 0;
    const result = await run(duration);
    if (errors) throw new Error(`${errors} failed requests, first: ${firstError}`);
    return { rps: result.requests.average, p50: result.latency.p50, mean: result.latency.mean, p99: result.latency.p99, total: result.requests.total };
  };

  // The rate limit is not what is measured: one key sends everything.
  const env = { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', DATABASE_POOL_SIZE: '10' };
  const throughput: Record<number, { nested: number; node: number; nestedP99: number; nodeP99: number }> = {};
  for (const processes of [1, 2, 3]) {
    const fleet = await startFleet({ processes, port: 4520, databaseUrl: seeded.url, databaseReadUrl: replicaUrl, env, log });
    try {
      const nestedRun = await drive(fleet.url, nested, connections, seconds);
      const nodeRun = await drive(fleet.url, node, connections, seconds);
      throughput[processes] = { nested: nestedRun.rps, node: nodeRun.rps, nestedP99: nestedRun.p99, nodeP99: nodeRun.p99 };
      log(`${processes} process(es): nested ${nestedRun.rps.toFixed(0)} req/s, node(id) ${nodeRun.rps.toFixed(0)} req/s`);
      if (processes === 1) results.push(`HAProxy's added latency: ${await addedLatency(fleet.gateways[0]!.url, fleet.url, node, seeded.apiKey)}`);
      if (processes === 3) results.push(`replica lag under the import: ${await lagUnderImport(fleet.url, seeded, primary.url('cg_fleet_bench'))}`);
    } finally {
      await fleet.stop();
    }
  }
  results.unshift(
    '| processes | nested read (a), req/s | p99 ms | node(id) (d), req/s | p99 ms |',
    '|---|---|---|---|---|',
    ...[1, 2, 3].map((p) => `| ${p} | ${throughput[p]!.nested.toFixed(0)} | ${throughput[p]!.nestedP99} | ${throughput[p]!.node.toFixed(0)} | ${throughput[p]!.nodeP99} |`),
    '',
  );
  console.log(
    [
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ` +
        `scale ${scale.audiences.toLocaleString('en')} audiences / ${scale.contacts.toLocaleString('en')} contacts / ${scale.audienceContacts.toLocaleString('en')} audience contacts; ` +
        `autocannon ${connections} connections, ${warmup} s warm-up, ${seconds} s measured; each process a pool of 10 to the primary and 10 to the replica.`,
      '',
      ...results,
    ].join('\n'),
  );
} finally {
  await replica?.remove();
  await primary.remove();
}

/**
 * One client, node(id), one request at a time, alternating straight to the process and through HAProxy, so both see
 * the same moments of the machine's other work; timed in this process to the microsecond (autocannon's percentiles
 * are whole milliseconds, finer than this hop).
 */
async function addedLatency(direct: string, balanced: string, scenario: ReturnType<typeof scenarios>[number], apiKey: string): Promise<string> {
  const times: Record<'direct' | 'balanced', number[]> = { direct: [], balanced: [] };
  const count = quick ? 500 : 3_000;
  for (let n = 0; n < count * 2; n++) {
    const which = n % 2 === 0 ? 'direct' : 'balanced';
    const started = performance.now();
    const response = await fetch(`${which === 'direct' ? direct : balanced}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dexatel-key': apiKey },
      body: JSON.stringify(scenario.request('us', n >> 1)),
    });
    const text = await response.text();
    if (response.status !== 200 || text.includes('"errors"')) throw new Error(`latency probe failed: ${response.status} ${text.slice(0, 200)}`);
    if (n >= 200) times[which].push(performance.now() - started);
  }
  const at = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)]!;
  const describe = (values: number[]) => `p50 ${at(values, 0.5).toFixed(2)} ms, p90 ${at(values, 0.9).toFixed(2)} ms`;
  return (
    `node(id), one client, ${times.direct.length} requests each way interleaved: straight to the process ${describe(times.direct)}; ` +
    `through HAProxy ${describe(times.balanced)}; added at the median ${(at(times.balanced, 0.5) - at(times.direct, 0.5)).toFixed(2)} ms`
  );
}

/** Imports 10,000-row batches through the API while sampling, on the primary, how far the replica is behind. */
async function lagUnderImport(url: string, seeded: { apiKey: string; accountId: string }, primaryUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  const audienceId = seededUuid('fleet-import');
  await client.query(`INSERT INTO audience (id, account_id, name, name_key, channel) VALUES ($1, $2, 'Fleet import', 'fleet import', 'SMS')`, [audienceId, seeded.accountId]);
  const samples: Array<{ ms: number; bytes: number }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await client.query(
        `SELECT COALESCE(EXTRACT(epoch FROM replay_lag) * 1000, 0)::float AS ms, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), replay_lsn)::float AS bytes FROM pg_stat_replication`,
      );
      if (rows[0]) samples.push(rows[0]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const batches = quick ? 2 : 10;
  const batch = quick ? 1_000 : 10_000;
  const started = performance.now();
  for (let i = 0; i < batches; i++) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dexatel-key': seeded.apiKey },
      body: JSON.stringify({
        query: 'mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount } }',
        variables: { input: { audienceId: encodeGlobalId('Audience', audienceId), contacts: importRows(batch, i * batch, '208') } },
      }),
    });
    const body = (await response.json()) as { data?: { importAudienceContacts: { importedCount: number } } };
    if (body.data?.importAudienceContacts.importedCount !== batch) throw new Error(`import failed: ${JSON.stringify(body).slice(0, 300)}`);
  }
  const importSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 500));
  sampling = false;
  await sampler;
  await client.end();
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const ms = sorted(samples.map((sample) => sample.ms));
  const bytes = sorted(samples.map((sample) => sample.bytes));
  const pick = (values: number[], q: number) => values[Math.min(values.length - 1, Math.floor(values.length * q))] ?? 0;
  return (
    `${(batches * batch).toLocaleString('en')} rows in ${batches} imports through HAProxy in ${importSeconds.toFixed(1)} s ` +
    `(${Math.round((batches * batch) / importSeconds).toLocaleString('en')} rows/s); replay_lag over ${samples.length} samples every 100 ms: ` +
    `median ${pick(ms, 0.5).toFixed(0)} ms, p95 ${pick(ms, 0.95).toFixed(0)} ms, max ${pick(ms, 1).toFixed(0)} ms; ` +
    `WAL not yet replayed: median ${(pick(bytes, 0.5) / 1024).toFixed(0)} kB, max ${(pick(bytes, 1) / 1024 / 1024).toFixed(1)} MB`
  );
}
