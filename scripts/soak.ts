/**
 * Soak: the real server (src/main.ts, one process) on a scratch PostgreSQL database, 100 concurrent clients
 * for 60 s of mixed reads and writes. Afterwards every write the responses promised is checked in the
 * database. Prints latency percentiles and the server's RSS; `--write` puts them in BENCHMARKS.md's
 * "## Soak" section.
 *
 *   npm run soak                         # 100 clients, 60 s
 *   SOAK_CLIENTS=20 SOAK_SECONDS=10 npm run soak
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { execSync } from 'node:child_process';
import { normalizePhone } from '../src/domain/phone.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { startServerProcess } from '../test/support/run.js';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 100);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEYS = 10; // clients share keys, ten clients a key, as several workers of one customer would
const root = fileURLToPath(new URL('..', import.meta.url));

interface Sample { kind: 'read' | 'write'; ms: number }
const samples: Sample[] = [];
const unexpected: string[] = [];

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0) / 1024;
}

async function main() {
  execSync('npm run build --silent', { stdio: 'inherit' });
  const name = `cg_soak_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const child = { process: null as import('node:child_process').ChildProcess | null };
  try {
    const database = await openDatabase({ config: { kind: 'postgres', url: databaseUrl, poolSize: 5 }, migrate: true });
    const keys: string[] = [];
    for (let i = 0; i < KEYS; i++) keys.push((await createAccountWithKey(database.prisma, `Soak ${i}`)).key);

    const server = await startServerProcess({ ...process.env, DATABASE_URL: databaseUrl, RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
    child.process = server.child;
    const endpoint = `${server.url}/graphql`;
    const rssStart = rssOf(server.child.pid!);
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(server.child.pid!))), 500);

    async function call(kind: Sample['kind'], key: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
      const started = performance.now();
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dexatel-key': key, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown[] };
      samples.push({ kind, ms: performance.now() - started });
      if (response.status !== 200 || body.errors) {
        unexpected.push(`${response.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
        return null;
      }
      return body.data;
    }

    // What the responses promised, checked against the database at the end.
    const present = new Map<string, string>(); // audience-contact id → number
    const removed = new Set<string>();
    let imported = 0;
    const deadline = Date.now() + SECONDS * 1000;

    async function client(index: number) {
      const key = keys[index % KEYS]!;
      let sequence = 0;
      const nextNumber = () => {
        for (;;) {
          const candidate = `+1650${2_000_000 + index * 70_000 + sequence++}`;
          try {
            return normalizePhone(candidate);
          } catch {
            // an exchange the numbering plan does not allocate: take the next
          }
        }
      };
      const created = await call('write', key, 'mutation ($n: String!) { createAudience(input: { name: $n, channel: SMS }) { audience { id } } }', { n: `Client ${index}` });
      if (!created) return;
      const audienceId = created.createAudience.audience.id as string;
      const mine: string[] = [];
      let step = 0;
      while (Date.now() < deadline) {
        step++;
        const roll = (step * 7919 + index * 104729) % 100;
        if (roll < 20) {
          await call('read', key, 'query ($id: ID!, $s: String) { audience(id: $id) { name contacts(first: 20, search: $s) { totalCount edges { node { id number firstName } } } } }', { id: audienceId, s: step % 3 ? null : '650' });
        } else if (roll < 40) {
          await call('read', key, '{ audiences(first: 20) { totalCount edges { node { id name } } } contacts(first: 20) { totalCount edges { node { id phone } } } }', {});
        } else if (roll < 60) {
          const id = mine[step % Math.max(1, mine.length)];
          await call('read', key, 'query ($id: ID!) { node(id: $id) { id ... on AudienceContact { number audience { name } } } viewer { name } }', { id: id ?? audienceId });
        } else if (roll < 80) {
          const number = nextNumber();
          const data = await call('write', key, 'mutation ($a: ID!, $n: String!) { addAudienceContact(input: { audienceId: $a, number: $n, firstName: "Soak" }) { audienceContact { id } } }', { a: audienceId, n: number }, { 'idempotency-key': `soak-${index}-${step}` });
          if (data) {
            const id = data.addAudienceContact.audienceContact.id as string;
            present.set(id, number);
            mine.push(id);
          }
        } else if (roll < 88 && mine.length > 0) {
          const id = mine[step % mine.length]!;
          if (!removed.has(id)) await call('write', key, 'mutation ($id: ID!) { updateAudienceContact(input: { id: $id, lastName: "Updated", tags: ["soak"] }) { audienceContact { id } } }', { id });
        } else if (roll < 94 && mine.length > 0) {
          const id = mine.pop()!;
          const data = await call('write', key, 'mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }', { id });
          if (data) {
            present.delete(id);
            removed.add(id);
          }
        } else {
          const contacts = Array.from({ length: 50 }, () => ({ number: nextNumber(), firstName: 'Bulk' }));
          const data = await call('write', key, 'mutation ($a: ID!, $c: [AudienceContactInput!]!) { importAudienceContacts(input: { audienceId: $a, contacts: $c }) { importedCount rejected { index } } }', { a: audienceId, c: contacts });
          if (data) imported += data.importAudienceContacts.importedCount;
        }
      }
    }

    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const rssEnd = rssOf(server.child.pid!);

    // Every promised write is there, every removal is gone, and nothing else appeared.
    const ids = (globalIds: Iterable<string>) => [...globalIds].map((id) => Buffer.from(id, 'base64').toString('utf8').split(':')[1]!);
    const rows = await database.prisma.audienceContact.findMany({ select: { id: true, firstName: true } });
    const inDatabase = new Set(rows.map((row) => row.id));
    const lost = ids(present.keys()).filter((id) => !inDatabase.has(id));
    const resurrected = ids(removed).filter((id) => inDatabase.has(id));
    const added = rows.filter((row) => row.firstName === 'Soak').length;
    const bulk = rows.filter((row) => row.firstName === 'Bulk').length;
    await database.close();

    server.child.kill('SIGTERM');
    const exitCode = await server.exited;

    const reads = samples.filter((s) => s.kind === 'read').map((s) => s.ms);
    const writes = samples.filter((s) => s.kind === 'write').map((s) => s.ms);
    const all = samples.map((s) => s.ms);
    const fmt = (n: number) => n.toFixed(1);
    const report = [
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, PostgreSQL at ${new URL(ADMIN_URL).host}, the server as one process (\`node dist/main.js\`, as npm start runs it, pool of 10). Other work shared the machine.`,
      '',
      `\`npm run soak\`: ${CLIENTS} concurrent clients, ${fmt(elapsed)} s, ${KEYS} API keys; each client loops over reads (an audience page with search, account-wide lists, \`node\`) and writes (add with Idempotency-Key, update, remove, 50-row import) on its own numbers.`,
      '',
      '| | requests | req/s | p50 ms | p95 ms | p99 ms | max ms |',
      '|---|---:|---:|---:|---:|---:|---:|',
      `| reads | ${reads.length} | ${fmt(reads.length / elapsed)} | ${fmt(percentile(reads, 50))} | ${fmt(percentile(reads, 95))} | ${fmt(percentile(reads, 99))} | ${fmt(Math.max(0, ...reads))} |`,
      `| writes | ${writes.length} | ${fmt(writes.length / elapsed)} | ${fmt(percentile(writes, 50))} | ${fmt(percentile(writes, 95))} | ${fmt(percentile(writes, 99))} | ${fmt(Math.max(0, ...writes))} |`,
      `| all | ${all.length} | ${fmt(all.length / elapsed)} | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 95))} | ${fmt(percentile(all, 99))} | ${fmt(Math.max(0, ...all))} |`,
      '',
      `- Unexpected errors (any error or non-200): **${unexpected.length}**`,
      `- Lost writes (a success not in the database): **${lost.length}** of ${present.size} rows added and kept; removed rows still present: **${resurrected.length}** of ${removed.size}`,
      `- Rows: ${added} added one by one (expected ${present.size}), ${bulk} imported (responses said ${imported})`,
      `- Server RSS: ${fmt(rssStart)} MB at start, ${fmt(rssPeak)} MB peak, ${fmt(rssEnd)} MB at the end; SIGTERM afterwards: exit code ${exitCode}`,
      '',
      `The clients are a closed loop (each sends its next request when the last is answered) on the same machine as the server and PostgreSQL, so latency is mostly queueing: ${CLIENTS} clients / ${fmt(all.length / elapsed)} req/s ≈ ${fmt((CLIENTS / (all.length / elapsed)) * 1000)} ms. The figures are for the robustness claims (no errors, no lost writes, bounded memory), not a throughput benchmark.`,
    ].join('\n');
    console.log(report);
    if (unexpected.length) console.log('\nfirst unexpected errors:\n' + unexpected.slice(0, 5).join('\n'));
    const failed = unexpected.length > 0 || lost.length > 0 || resurrected.length > 0 || added !== present.size || bulk !== imported || exitCode !== 0;
    if (process.argv.includes('--write')) {
      const file = `${root}BENCHMARKS.md`;
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = '# Benchmarks\n';
      }
      const section = `## Soak\n\n${report}\n`;
      text = /^## Soak\n[\s\S]*?(?=^## |$(?![\s\S]))/m.test(text) ? text.replace(/^## Soak\n[\s\S]*?(?=^## |$(?![\s\S]))/m, section + '\n') : `${text.trimEnd()}\n\n${section}`;
      writeFileSync(file, text.trimEnd() + '\n');
    }
    process.exitCode = failed ? 1 : 0;
  } finally {
    if (child.process && child.process.exitCode === null) child.process.kill('SIGKILL');
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
