import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { RestFieldError } from '../rest/errors.js';
import { type AudienceContactSegmentQuery, audienceContactSegment, restFilterErrors } from '../rest/filters.js';
import { parseGlobalId } from '../schema/ids.js';
import { audienceContactFilter, requireAudience } from '../services/audiences.js';
import { exportAudienceContacts, type ExportFormat } from '../services/exportAudienceContacts.js';
import { createRequestScope } from '../services/loaders.js';
import { createProgress } from './progress.js';
import { runCli, withAccountAudience, withCliDatabase } from './run.js';

const keyVariable = 'CONTACT_GATEWAY_KEY';

/** The filter flags and the REST query parameters they stand for: one parser reads both (src/rest/filters.ts). */
const filterFlags = {
  search: 'filter[search]',
  'tags-any': 'filter[tags][any]',
  'tags-all': 'filter[tags][all]',
  'tags-none': 'filter[tags][none]',
  country: 'filter[country]',
  'created-after': 'filter[created_at][after]',
  'created-before': 'filter[created_at][before]',
  'updated-after': 'filter[updated_at][after]',
  'updated-before': 'filter[updated_at][before]',
  'has-first-name': 'filter[has_first_name]',
  'has-last-name': 'filter[has_last_name]',
  sort: 'sort',
} as const satisfies Record<string, keyof AudienceContactSegmentQuery>;

const usage = `Export the contacts of an audience to stdout (or a file), as CSV (or NDJSON), with the same filters and sort
as the REST list (same database settings as the server: DATABASE_URL or DATA_DIR). Progress goes to stderr.

  npm run -s export -- --audience <audience id> [filters] [--sort last_name] [--format ndjson] > contacts.csv
  (-s: without it npm writes its own lines to stdout, ahead of the file; or use --output)
  options:
    --output <file>       write there instead of stdout
    --audience <id>       the audience's id: GraphQL's global id, or the UUID of the REST API
    --key <api key>       whose audience it is; better: set ${keyVariable} (a key on the command line lands in shell history)
    --format csv|ndjson   csv (the default): the columns npm run import reads back (number, firstName, lastName,
                          timestamp, date, tags joined by ";"); ndjson: one JSON object a line
    --sort <field>        first_name, last_name, number, created_at (the default) or updated_at; --sort=-field descends
  filters (every one given must hold; each is the REST parameter named after it):
    --search <text>                                 filter[search]: first or last name, or part of the number
    --tags-any <a,b>  --tags-all <a,b>  --tags-none <a,b>    filter[tags][any|all|none]
    --country <AM,US>                               filter[country]: ISO 3166-1 alpha-2 codes of the numbers
    --created-after <time>  --created-before <time>  filter[created_at][after|before]: ISO 8601, e.g. 2026-01-01T00:00:00Z
    --updated-after <time>  --updated-before <time>  filter[updated_at][after|before]
    --has-first-name true|false  --has-last-name true|false`;

const flagOf = (parameter: string | null) => Object.entries(filterFlags).find(([, name]) => name === parameter)?.[0];

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        audience: { type: 'string' },
        key: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.keys(filterFlags).map((flag) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  // The filter flags come from a table, so their names are not in the parsed type.
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    console.error(usage);
    return 0;
  }
  const key = (values.key as string | undefined) ?? process.env[keyVariable];
  const audienceArgument = values.audience as string | undefined;
  const format = (values.format ?? 'csv') as ExportFormat;
  if (!audienceArgument || !key || !['csv', 'ndjson'].includes(format)) {
    const missing = [!audienceArgument && '--audience <id>', !key && `--key or ${keyVariable}`].filter(Boolean);
    console.error(`${missing.length ? `Missing ${missing.join(', ')}.` : `--format is csv or ndjson, not "${format}".`}\n\n${usage}`);
    return 2;
  }
  let audienceId: string;
  let segment: ReturnType<typeof audienceContactSegment>;
  try {
    audienceId = isUuid(audienceArgument) ? audienceArgument : parseGlobalId(audienceArgument, 'Audience', 'audience');
    const query: AudienceContactSegmentQuery = {};
    for (const [flag, parameter] of Object.entries(filterFlags)) query[parameter] = values[flag] as string | undefined;
    segment = audienceContactSegment(query);
  } catch (error) {
    if (error instanceof RestFieldError) {
      console.error(`--${flagOf(error.restPath)}: ${error.message}`);
      return 2;
    }
    console.error(`${(error as AppError).message}: "${audienceArgument}" is not an audience id (ids look like QXVkaWVuY2U6… or a UUID).`);
    return 1;
  }

  return withCliDatabase((database) =>
    withAccountAudience(database, key, audienceId, audienceArgument, async ({ scope, account, audience }) => {
      let filter;
      try {
        filter = await restFilterErrors(() => audienceContactFilter(segment.filter));
      } catch (error) {
        if (!(error instanceof RestFieldError)) throw error;
        console.error(`--${flagOf(error.restPath)}: ${error.message}`);
        return 2;
      }
      const total = await scope.loaders.audienceContacts.count(audience.id, filter);
      const n = (value: number) => value.toLocaleString('en-US');
      console.error(`Exporting ${n(total)} contacts of audience "${audience.name}" (${audience.channel}) of account "${account.name}" as ${format.toUpperCase()}`);

      // npm runs scripts in the project root; paths are meant from where the user typed the command.
      const outputPath = typeof values.output === 'string' ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.output) : null;
      const output = outputPath ? createWriteStream(outputPath) : process.stdout;
      // A closed output (`| head`) stops the export; without a listener its EPIPE would end the process mid-batch.
      let outputError: Error | null = null;
      output.on('error', (error: Error) => (outputError ??= error));
      const progress = createProgress({ label: 'export', total });
      const started = Date.now();
      const rate = (rows: number) => Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001));
      // A line (off a terminal) every 10,000 rows, as the import's batches, and at the end.
      let reported = 0;
      const onProgress = (rows: number) => {
        if (rows - reported < 10_000 && rows < total) return;
        reported = rows;
        progress.update(rows, `${n(rows)} rows, ${n(rate(rows))} rows/s`);
      };
      let result;
      try {
        result = await exportAudienceContacts(
          database.readInSnapshot,
          { audienceId: audience.id, filter, order: segment.orderBy, format, onProgress },
          output,
        );
      } finally {
        progress.finish();
      }
      // Everything written has left before the process exits.
      if (outputPath) {
        output.end();
        if (!outputError) await once(output, 'close').catch(() => {});
      } else {
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      }
      if (outputError) {
        console.error(`Export stopped after ${n(result.rows)} rows: cannot write ${outputPath ?? 'to stdout'}: ${(outputError as Error).message}.`);
        return 1;
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (!result.complete) {
        console.error(`Export stopped after ${n(result.rows)} rows: the output was closed.`);
        return 1;
      }
      console.error(`Done in ${seconds} s: ${n(result.rows)} contacts exported (${n(rate(result.rows))} rows/s).`);
      return 0;
    }),
  );
}

runCli('export', main);
