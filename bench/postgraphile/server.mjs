// PostGraphile v5, the benchmark's peer, as its users deploy it: the amber and relay presets plus the
// connection-filter plugin (substring search needs it). PostGraphile 5 requires Node >= 22; bench/run.ts starts it
// on the Node it runs on itself (the project's pinned Node 24), the same as the server it is compared with.
// Usage: node bench/postgraphile/server.mjs <database url> <port> <pool size>
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { grafserv } from 'postgraphile/grafserv/node';
import { makePgService } from 'postgraphile/adaptors/pg';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PostGraphileRelayPreset } from 'postgraphile/presets/relay';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

const [connectionString, port, poolSize] = process.argv.slice(2);
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileRelayPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ connectionString, schemas: ['public'], poolConfig: { max: Number(poolSize) } })],
  grafserv: { graphiql: false, watch: false },
  schema: { connectionFilterRelations: true },
  // PostGraphile offers a filter only on a column with an index of its own. Our search indexes the name columns
  // together, as one expression (the migration search_indexes), so first_name and last_name have none; without
  // this plugin every column is filterable, and PostGraphile's search of the names stays what it was, a test of
  // each row (its filter cannot use our expression index either way).
  disablePlugins: ['PgIndexBehaviorsPlugin'],
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
await serv.addTo(server);
// Build the schema before announcing readiness, so warm-up measures queries, not introspection.
await pgl.getSchema();
server.listen(Number(port), '127.0.0.1', () => console.log(`ready on ${port}`));
const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
