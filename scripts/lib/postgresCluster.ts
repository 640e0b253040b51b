/**
 * Private PostgreSQL servers on loopback for the fleet (scripts/fleet.ts) and its tests: a primary initdb'd into a
 * temporary directory and streaming replicas copied from it with `pg_basebackup -R`. The machine's own server on
 * 5432 refuses replication connections and is shared with everything else (restarting it for a test would break
 * other runs), so the fleet gets servers it may stop, restart and throw away.
 *
 * The binaries are Debian's (/usr/lib/postgresql/<version>/bin, or PG_BIN). PostgreSQL refuses to run as root, so
 * when this process is root they run as the `postgres` OS user, which then owns the directories.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export function postgresBinaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((entry) => existsSync(path.join(root, entry, 'bin/pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (set PG_BIN)');
  return path.join(root, newest, 'bin');
}

const asRoot = userInfo().uid === 0;

async function pgCommand(binary: string, args: string[]): Promise<string> {
  const file = path.join(postgresBinaries(), binary);
  const { stdout } = asRoot ? await run('runuser', ['-u', 'postgres', '--', file, ...args]) : await run(file, args);
  return stdout;
}

export interface PostgresServer {
  port: number;
  dataDir: string;
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  start(): Promise<void>;
  /** `fast`: ends sessions and stops (a restart); `immediate`: like a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops it (if running) and deletes its directory. */
  remove(): Promise<void>;
}

function privateDirectory(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  giveToPostgres(dir);
  return dir;
}

function server(port: number, base: string, dataDir: string): PostgresServer {
  const logFile = path.join(base, 'server.log');
  let running = false;
  const self: PostgresServer = {
    port,
    dataDir,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      try {
        await pgCommand('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${base}`, 'start']);
      } catch (error) {
        // pg_ctl only says to read the log (a port still held by a server an earlier run left behind, say).
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
        throw new Error(`PostgreSQL on port ${port} did not start: ${(error as Error).message.trim()}\n${log}`);
      }
      running = true;
    },
    async stop(mode = 'fast') {
      await pgCommand('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async remove() {
      if (running) await self.stop('immediate').catch(() => {});
      rmSync(base, { recursive: true, force: true });
    },
  };
  return self;
}

/**
 * A primary that accepts replication from loopback. Settings for a throwaway server on a shared 2-core machine: no
 * fsync (its data need not survive a power cut), a small shared_buffers, WAL kept for replicas that fall behind.
 */
export async function startPrimary(port: number): Promise<PostgresServer> {
  const base = privateDirectory(`cg-pg-${port}-`);
  try {
    return await initPrimary(port, base);
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

async function initPrimary(port: number, base: string): Promise<PostgresServer> {
  const dataDir = path.join(base, 'data');
  await pgCommand('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
  writeFileSync(
    path.join(dataDir, 'postgresql.auto.conf'),
    [
      "listen_addresses = '127.0.0.1'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 128MB',
      'max_connections = 200',
      'wal_level = replica',
      'max_wal_senders = 10',
      "wal_keep_size = '1GB'",
      'hot_standby = on',
      // Replicas report their replay position often, so lag is seen within a tenth of a second.
      "wal_receiver_status_interval = '100ms'",
      'hot_standby_feedback = on',
      '',
    ].join('\n'),
  );
  giveToPostgres(path.join(dataDir, 'postgresql.auto.conf'));
  const primary = server(port, base, dataDir);
  await primary.start();
  return primary;
}

/** A streaming replica of `primary` (pg_basebackup -R: standby.signal and primary_conninfo written for it), started. */
export async function startReplica(primary: PostgresServer, port: number): Promise<PostgresServer> {
  const base = privateDirectory(`cg-pg-${port}-`);
  const dataDir = path.join(base, 'data');
  const replica = server(port, base, dataDir);
  try {
    await pgCommand('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '--no-sync', '-c', 'fast']);
    await replica.start();
  } catch (error) {
    await replica.remove();
    throw error;
  }
  // Streaming, not just started: the primary lists it as a WAL receiver.
  const client = new pg.Client({ connectionString: primary.url() });
  await client.connect();
  try {
    for (let waited = 0; ; waited += 100) {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
      if (rows[0].n > 0) break;
      if (waited > 30_000) throw new Error(`replica on ${port} did not start streaming`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
  return replica;
}

/** Creates `name` on the primary; the replicas get it through replication. */
export async function createDatabase(primary: PostgresServer, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: primary.url() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return primary.url(name);
}

/** The uid and gid of the `postgres` OS user, who owns the servers' directories when this process is root. */
function postgresOwner(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[0] === 'postgres');
  if (!line) throw new Error('no OS user postgres (PostgreSQL refuses to run as root, so its servers run as it)');
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function giveToPostgres(file: string): void {
  if (!asRoot) return;
  const { uid, gid } = postgresOwner();
  chownSync(file, uid, gid);
}
