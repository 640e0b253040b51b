/** The server itself, started by main.ts once the process has its memory settings (see runtimeSettings.ts). */
import { openDatabase } from './db/database.js';
import { listen } from './http.js';
import { createGateway } from './server.js';
import { createLogger } from './observability/logger.js';
import { tracingFromEnv } from './observability/tracing.js';
import { ensureDevelopmentAccount } from './services/accounts.js';
import { fillMissingCountries } from './services/countries.js';
import { watchTableStatistics } from './services/tableStatistics.js';

const port = Number(process.env.PORT ?? 4000);

const database = await openDatabase({ log: (line) => console.log(line) });
const tracing = await tracingFromEnv();
const gateway = createGateway({
  database,
  logger: createLogger(),
  tracing,
  apiKeyCacheTtlMs: Number(process.env.API_KEY_CACHE_TTL_MS ?? 5_000),
  // Opt-in: the schema as an Apollo Federation v2 subgraph (@key entities, _service, _entities) for a gateway.
  schema: process.env.FEDERATION === '1' ? (await import('./schema/federation/index.js')).federationSchema : undefined,
});
const running = await listen(gateway, port);
// Handlers before anything else is awaited: from the line below that says where it listens, a SIGINT or SIGTERM
// must stop the server cleanly (the first start on PGlite still creates its account after it).
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing in-flight requests, then stopping`);
  try {
    await running.stop(Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000));
    await tracing?.shutdown();
    await statistics.stop();
    await database.close();
    process.exit(0);
  } catch (error) {
    console.error('shutdown failed', error);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
console.log(`Contact Gateway on ${database.description}`);
console.log(`GraphQL and GraphiQL: ${running.url}/graphql   health: ${running.url}/health   ready: ${running.url}/ready   metrics: ${running.url}/metrics`);
if (tracing) console.log('OpenTelemetry traces: on (OTEL_EXPORTER_OTLP_ENDPOINT)');
// Numbers stored before they carried their country get it, in the background: a country filter misses them
// until then. A failure (a database not migrated yet) is reported; the server serves on, as for statistics.
fillMissingCountries(database.prisma).then(
  (filled) => {
    if (filled > 0) console.log(`countries: filled in for ${filled} contacts written before numbers carried theirs`);
  },
  (error: unknown) => console.error('countries: the fill failed', error),
);
// Tables bulk-loaded without the gateway (SQL, a restore) get statistics at start and within a minute after.
const statistics = watchTableStatistics(database.prisma, {
  intervalMs: Number(process.env.STATISTICS_CHECK_INTERVAL_MS ?? 60_000),
  onAnalyzed: (tables) => console.log(`statistics: analyzed ${tables.join(', ')} (never analyzed, or changed past 50 + 10 % of its rows)`),
  onError: (error) => console.error('statistics check failed', error),
});

if (database.config.kind === 'pglite') {
  const created = await ensureDevelopmentAccount(database.prisma);
  if (created) {
    console.log('');
    console.log('First start: created the account "Development". Its API key is shown once, below.');
    console.log('Send it as the X-Dexatel-Key header (or Authorization: Bearer <key>). More keys: npm run keys -- create --account NAME');
    // Kept last on purpose: scripts take the key from the last line of the start-up output.
    console.log(created.key);
  }
}
