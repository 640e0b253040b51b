import cluster from 'node:cluster';
import os from 'node:os';
import { databaseConfigFromEnv } from './db/config.js';
import { relaunchWithMemorySettings } from './runtimeSettings.js';

/**
 * `npm run start:cluster`: the server in WORKERS processes (default: one per core) sharing one port, so a
 * CPU-bound load uses every core. Only on PostgreSQL: PGlite is a single-process database. Each worker has
 * its own pool of DATABASE_POOL_SIZE connections and its own API-key cache.
 */
// The primary too: its flags and environment are what the workers inherit (execArgv and env below).
relaunchWithMemorySettings();

const workers = Number(process.env.WORKERS ?? os.availableParallelism());

if (databaseConfigFromEnv().kind !== 'postgres') {
  console.error('Cluster mode needs DATABASE_URL (PostgreSQL): the embedded PGlite database is single-process. Use `npm start` instead.');
  process.exit(1);
}
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`WORKERS must be a positive whole number, got ${process.env.WORKERS}`);
  process.exit(1);
}

// The workers run what this file runs as: the compiled build (npm run start:cluster) or the TypeScript under tsx.
const mainFile = import.meta.url.endsWith('.ts') ? './main.ts' : './main.js';
cluster.setupPrimary({ exec: new URL(mainFile, import.meta.url).pathname, execArgv: [...process.execArgv] });
let stopping = false;
for (let i = 0; i < workers; i++) cluster.fork();
console.log(`Contact Gateway cluster: ${workers} workers`);

cluster.on('exit', (worker, code, signal) => {
  if (stopping) {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    return;
  }
  // A worker that dies is replaced; the others keep serving meanwhile.
  console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
  cluster.fork();
});

function shutdown(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  // Each worker finishes its in-flight requests (src/main.ts), then exits.
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
