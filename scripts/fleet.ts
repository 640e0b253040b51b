/**
 * `npm run fleet`: the scale-out topology on one machine, all on loopback. HAProxy (Debian's haproxy) balances
 * over N gateway processes (default 3, each `node dist/main.js`), which share a PostgreSQL primary, a streaming read
 * replica of it and Redis. Without DATABASE_URL the script makes its own primary and replica (initdb and
 * pg_basebackup -R into temporary directories, removed on exit); with it, it uses that primary and DATABASE_READ_URL.
 *
 * HAProxy health-checks each process on /ready (the primary answers) and sends requests only to ready ones. When none
 * is ready (the primary is down for all of them) it sends to the processes that are merely alive (/health), so clients
 * get the gateway's own SERVICE_UNAVAILABLE with Retry-After, not the balancer's HTML page. A connection refused or an
 * empty answer (a process that just stopped) is retried on another process. `restart(i)` drains one process in
 * HAProxy, stops it with SIGTERM (it finishes what it has), starts it again and waits until HAProxy sends to it.
 *
 * Ports: the balancer on --port (default 4500), the processes on the ports after it, HAProxy's stats on port + 9.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.js';
import { createDatabase, type PostgresServer, startPrimary, startReplica } from './lib/postgresCluster.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

export interface FleetOptions {
  /** Gateway processes behind the balancer. */
  processes?: number;
  /** The balancer's port; the processes listen on the next ones, HAProxy's stats on port + 9. */
  port?: number;
  /** Ports of the private primary and replica when no primary is given. */
  postgresPorts?: [number, number];
  /** An existing primary (and replicas) instead of private ones. */
  databaseUrl?: string;
  databaseReadUrl?: string;
  /** No read replica at all (the benchmark's baseline). */
  withoutReplica?: boolean;
  redisUrl?: string;
  /** More environment for the gateway processes (limits, cache TTL, pool size). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface GatewayProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  output(): string;
}

export interface Fleet {
  /** The balancer: what clients use. */
  url: string;
  gateways: GatewayProcess[];
  primary: PostgresServer | null;
  replica: PostgresServer | null;
  databaseUrl: string;
  databaseReadUrl: string | null;
  /** Drains process `index` in HAProxy, stops it (SIGTERM), starts it again and waits until HAProxy sends to it. */
  restart(index: number): Promise<void>;
  /** HAProxy's view of each process: UP, DOWN, DRAIN, MAINT... by server name. */
  serverStates(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const count = options.processes ?? 3;
  const port = options.port ?? 4500;
  const [primaryPort, replicaPort] = options.postgresPorts ?? [5437, 5438];
  const log = options.log ?? (() => {});
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} not found: apt-get install -y haproxy (Debian's package)`);
  const workDir = mkdtempSync(path.join(tmpdir(), 'cg-fleet-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(workDir, { recursive: true, force: true })];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    // The processes run the compiled build, as `npm start` does (built once here, atomically: scripts/build.mjs).
    execFileSync(process.execPath, [path.join(projectRoot, 'scripts/build.mjs')], { cwd: projectRoot, stdio: 'inherit' });

    let primary: PostgresServer | null = null;
    let replica: PostgresServer | null = null;
    let databaseUrl = options.databaseUrl ?? '';
    let databaseReadUrl = options.databaseReadUrl ?? null;
    if (!databaseUrl) {
      log(`PostgreSQL: a private primary on ${primaryPort}${options.withoutReplica ? '' : ` and a streaming replica on ${replicaPort}`}`);
      primary = await startPrimary(primaryPort);
      cleanups.push(() => primary!.remove());
      databaseUrl = await createDatabase(primary, 'gateway');
    }
    // Migrated once, before the processes start (they do not migrate PostgreSQL themselves).
    await (await openDatabase({ config: { kind: 'postgres', url: databaseUrl, poolSize: 2 }, migrate: true })).close();
    if (primary && !options.withoutReplica) {
      replica = await startReplica(primary, replicaPort);
      cleanups.push(() => replica!.remove());
      databaseReadUrl = replica.url('gateway');
    }

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      ...options.env,
    };
    delete env.DATA_DIR;
    if (databaseReadUrl) env.DATABASE_READ_URL = databaseReadUrl;
    else delete env.DATABASE_READ_URL;

    const gateways: GatewayProcess[] = [];
    const startGateway = async (index: number): Promise<GatewayProcess> => {
      const gatewayPort = port + 1 + index;
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: projectRoot,
        env: { ...env, PORT: String(gatewayPort) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const keep = (chunk: Buffer) => {
        output += chunk;
        // A long run logs a lot: only the recent part is kept.
        if (output.length > 200_000) output = output.slice(-100_000);
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      const gateway = { name: `g${index + 1}`, port: gatewayPort, url: `http://127.0.0.1:${gatewayPort}`, child, output: () => output };
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`gateway ${gateway.name} exited:\n${output}`);
        return (await fetch(`${gateway.url}/ready`).catch(() => null))?.status === 200;
      }, 60_000, `gateway ${gateway.name} ready`);
      return gateway;
    };
    const stopGateway = async (gateway: GatewayProcess, signal: NodeJS.Signals = 'SIGTERM') => {
      if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
      const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
      gateway.child.kill(signal);
      await exited;
    };
    cleanups.push(async () => {
      await Promise.all(gateways.map((gateway) => stopGateway(gateway)));
    });
    for (let index = 0; index < count; index++) gateways.push(await startGateway(index));
    log(`gateways: ${gateways.map((gateway) => `${gateway.name} ${gateway.url}`).join(', ')}`);

    const socket = path.join(workDir, 'haproxy.sock');
    const configFile = path.join(workDir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig({ port, gateways, socket }));
    execFileSync(HAPROXY, ['-c', '-q', '-f', configFile]);
    const haproxy = spawn(HAPROXY, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let haproxyOutput = '';
    haproxy.stdout!.on('data', (chunk) => (haproxyOutput += chunk));
    haproxy.stderr!.on('data', (chunk) => (haproxyOutput += chunk));
    cleanups.push(async () => {
      if (haproxy.exitCode !== null) return;
      const exited = new Promise((resolve) => haproxy.once('exit', resolve));
      haproxy.kill('SIGUSR1'); // soft stop: finishes the requests it has
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      haproxy.kill('SIGKILL');
    });

    const admin = (command: string) => haproxyCommand(socket, command);
    const serverStates = async () => {
      const csv = await admin('show stat');
      const states: Record<string, string> = {};
      for (const line of csv.split('\n')) {
        const fields = line.split(',');
        if (fields[0] === 'gateways' && fields[1] && fields[1] !== 'BACKEND' && fields[1] !== 'FRONTEND') states[fields[1]] = fields[17]!;
      }
      return states;
    };
    await waitFor(async () => {
      if (haproxy.exitCode !== null) throw new Error(`haproxy exited:\n${haproxyOutput}`);
      const states = await serverStates().catch(() => ({}) as Record<string, string>);
      return gateways.every((gateway) => states[gateway.name] === 'UP');
    }, 30_000, 'HAProxy sees every gateway UP');
    const url = `http://127.0.0.1:${port}`;
    log(`HAProxy: ${url} (health checks on /ready; stats: http://127.0.0.1:${port + 9}/stats)`);

    return {
      url,
      gateways,
      primary,
      replica,
      databaseUrl,
      databaseReadUrl,
      serverStates,
      async restart(index) {
        const gateway = gateways[index]!;
        // HAProxy first stops giving it new requests; then the process finishes the ones it has and exits.
        await admin(`set server gateways/${gateway.name} state drain`);
        await admin(`set server gateways_alive/${gateway.name} state drain`);
        await waitFor(async () => (await currentSessions(admin, gateway.name)) === 0, 10_000, `${gateway.name} drained`).catch(() => {});
        await stopGateway(gateway);
        gateways[index] = await startGateway(index);
        await admin(`set server gateways/${gateway.name} state ready`);
        await admin(`set server gateways_alive/${gateway.name} state ready`);
        await waitFor(async () => (await serverStates())[gateway.name] === 'UP', 30_000, `${gateway.name} UP again`);
      },
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/**
 * The balancer. `gateways` is every process, checked on /ready; `gateways_alive` is the same processes checked on
 * /health, used only when none is ready. Checks every 500 ms, 2 failures to take a process out and 2 successes to put
 * it back: a process that stops (its port refuses at once) leaves within a second, and one that answers again returns
 * within a second. A check may take up to 5 s: /ready asks the primary through the process's pool, which under full
 * load is queued behind the requests (with HAProxy's default, the check's interval, every process of a saturated
 * one-process fleet went DOWN and HAProxy refused everything).
 */
function haproxyConfig({ port, gateways, socket }: { port: number; gateways: GatewayProcess[]; socket: string }): string {
  const servers = (check: string) =>
    gateways.map((gateway) => `  server ${gateway.name} 127.0.0.1:${gateway.port} check inter 500ms fall 2 rise 2${check}`).join('\n');
  return `global
  maxconn 4096
  stats socket ${socket} mode 600 level admin

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  timeout queue 10s
  timeout check 5s
  # WebSockets and SSE streams (live updates) stay open for as long as the client wants; the gateway pings every 12 s.
  timeout tunnel 1h
  # A process that refuses the connection or closes it without an answer (it has just stopped) is retried on another.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  http-reuse safe

frontend gateway
  bind 127.0.0.1:${port}
  # Which process answered: for the tests and for anyone debugging the fleet.
  http-response set-header X-Served-By %s
  use_backend gateways_alive if { nbsrv(gateways) eq 0 }
  default_backend gateways

backend gateways
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
${servers('')}

backend gateways_alive
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
${servers('')}

listen stats
  bind 127.0.0.1:${port + 9}
  stats enable
  stats uri /stats
`;
}

function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = connect(socket);
    let answer = '';
    client.on('data', (chunk) => (answer += chunk));
    client.on('end', () => resolve(answer));
    client.on('error', reject);
    client.end(`${command}\n`);
  });
}

async function currentSessions(admin: (command: string) => Promise<string>, server: string): Promise<number> {
  const csv = await admin('show stat');
  const row = csv.split('\n').find((line) => line.startsWith(`gateways,${server},`));
  return row ? Number(row.split(',')[4]) : 0;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// `npm run fleet`: start it, print where, stop everything on Ctrl-C.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: { processes: { type: 'string', default: '3' }, port: { type: 'string', default: '4500' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(`npm run fleet -- [--processes 3] [--port 4500]

HAProxy on --port in front of --processes gateway processes (ports after it), on a private PostgreSQL primary and
streaming replica (or DATABASE_URL and DATABASE_READ_URL if set) and Redis (REDIS_URL, default 127.0.0.1:6379).
Create a key with: DATABASE_URL=<the primary printed below> npm run keys -- create --account NAME`);
    process.exit(0);
  }
  const fleet = await startFleet({
    processes: Number(values.processes),
    port: Number(values.port),
    databaseUrl: process.env.DATABASE_URL || undefined,
    databaseReadUrl: process.env.DATABASE_READ_URL || undefined,
    log: (line) => console.log(line),
  });
  console.log(`primary: ${fleet.databaseUrl}`);
  if (fleet.databaseReadUrl) console.log(`replica: ${fleet.databaseReadUrl}`);
  console.log(`Fleet up: ${fleet.url}/graphql (Ctrl-C stops it all)`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping the fleet');
    await fleet.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
