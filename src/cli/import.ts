import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import type { AudienceContactInput } from '../domain/audienceContact.js';
import { AppError } from '../domain/errors.js';
import { limits } from '../domain/validation.js';
import { parseGlobalId } from '../schema/ids.js';
import { requireAudience } from '../services/audiences.js';
import { importAudienceContacts, type RejectedRow } from '../services/importAudienceContacts.js';
import { createRequestScope } from '../services/loaders.js';
import { createProgress } from './progress.js';
import { runCli, withAccountAudience, withCliDatabase } from './run.js';

const keyVariable = 'CONTACT_GATEWAY_KEY';

const usage = `Import a CSV file of contacts into an audience (same database settings as the server: DATABASE_URL or DATA_DIR).

  npm run import -- --audience <audience id> contacts.csv
  options:
    --audience <id>     the audience's global id (as the API returns it)
    --key <api key>     whose audience it is; better: set ${keyVariable} (a key on the command line lands in shell history)
    --rejected <file>   where rejected rows go (default: <csv>.rejected.csv next to the input)

  The first line names the columns: number (or phone), and any of firstName, lastName, timestamp, date, tags
  (first_name and "First Name" work too; tags are separated by ";"). Other columns are ignored. An empty
  cell leaves that field as it is on a contact already in the audience. Rows are imported in batches of
  ${limits.importRows.toLocaleString('en-US')}; each batch lands whole (valid rows) or the command stops.`;

/** Column names as people write them ("First Name", first_name, firstName) to the input's fields. */
const columnFields: Record<string, keyof AudienceContactInput> = {
  number: 'number',
  phone: 'number',
  phonenumber: 'number',
  firstname: 'firstName',
  lastname: 'lastName',
  timestamp: 'timestamp',
  date: 'date',
  tags: 'tags',
};
const columnKey = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

function toInput(record: Record<string, string>, fieldOf: Map<string, keyof AudienceContactInput>): AudienceContactInput {
  const input: AudienceContactInput = { number: '' };
  for (const [column, value] of Object.entries(record)) {
    const field = fieldOf.get(column);
    if (!field || value === undefined || value.trim() === '') continue;
    if (field === 'tags') input.tags = value.split(';').map((tag) => tag.trim()).filter(Boolean);
    else input[field] = value.trim();
  }
  return input;
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rejected rows as CSV: why each was refused, then the row as it was, so it can be fixed and imported again. */
class RejectedFile {
  private stream: WriteStream | null = null;
  count = 0;
  constructor(readonly path: string, private readonly columns: string[]) {}
  async write(line: number, rejected: RejectedRow, record: Record<string, string>): Promise<void> {
    if (!this.stream) {
      this.stream = createWriteStream(this.path);
      this.stream.write(`${['line', 'code', 'numericCode', 'field', 'message', ...this.columns].map(csvCell).join(',')}\n`);
    }
    this.count++;
    const cells = [line, rejected.code, rejected.numericCode, rejected.field, rejected.message, ...this.columns.map((c) => record[c])];
    if (!this.stream.write(`${cells.map(csvCell).join(',')}\n`)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    if (!this.stream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

interface Row {
  line: number;
  record: Record<string, string>;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      audience: { type: 'string' },
      key: { type: 'string' },
      rejected: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  // npm runs scripts in the project root; paths are meant from where the user typed the command.
  const userDir = process.env.INIT_CWD ?? process.cwd();
  const file = positionals[0] && path.resolve(userDir, positionals[0]);
  const key = values.key ?? process.env[keyVariable];
  if (!file || !values.audience || !key || positionals.length > 1) {
    const missing = [!file && 'the CSV file', !values.audience && '--audience <id>', !key && `--key or ${keyVariable}`].filter(Boolean);
    console.error(`${missing.length ? `Missing ${missing.join(', ')}.` : 'One CSV file at a time.'}\n\n${usage}`);
    return 2;
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    console.error(`Cannot read ${file}: no such file.`);
    return 1;
  }
  let audienceId: string;
  try {
    audienceId = parseGlobalId(values.audience, 'Audience', 'audience');
  } catch (error) {
    console.error(`${(error as AppError).message}: "${values.audience}" is not an audience id (ids look like QXVkaWVuY2U6…).`);
    return 1;
  }

  return withCliDatabase((database) =>
    withAccountAudience(database, key, audienceId, values.audience!, async ({ scope, account, audience }) => {
      console.log(`Importing ${positionals[0]} into audience "${audience.name}" (${audience.channel}) of account "${account.name}"`);

      const input = createReadStream(file);
      const parser = input.pipe(parse({ columns: (header: string[]) => header.map((h) => h.trim()), bom: true, info: true, skip_empty_lines: true, relax_column_count: true, trim: false }));
      let fieldOf: Map<string, keyof AudienceContactInput> | null = null;
      let rejectedFile: RejectedFile | null = null;
      const rejectedPath = values.rejected ? path.resolve(userDir, values.rejected) : `${file.replace(/\.csv$/i, '')}.rejected.csv`;
      const progress = createProgress({ label: 'import', total: size });
      const started = Date.now();
      const totals = { rows: 0, imported: 0, updated: 0, rejected: 0 };

      const flush = async (batch: Row[]): Promise<void> => {
        const result = await importAudienceContacts(scope, audience.id, batch.map((row) => toInput(row.record, fieldOf!)));
        totals.rows += batch.length;
        totals.imported += result.importedCount;
        totals.updated += result.updatedCount;
        totals.rejected += result.rejected.length;
        for (const rejected of result.rejected) {
          const row = batch[rejected.index]!;
          await rejectedFile!.write(row.line, rejected, row.record);
        }
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        progress.update(
          input.bytesRead,
          `${totals.rows.toLocaleString('en-US')} rows, ${(totals.imported + totals.updated).toLocaleString('en-US')} landed, ` +
            `${totals.rejected.toLocaleString('en-US')} rejected, ${Math.round(totals.rows / seconds).toLocaleString('en-US')} rows/s`,
        );
      };

      const n = (value: number) => value.toLocaleString('en-US');
      const counts = () => `${n(totals.rows)} rows read, ${n(totals.imported)} added, ${n(totals.updated)} updated, ${n(totals.rejected)} rejected`;
      let batch: Row[] = [];
      try {
        for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
          if (!fieldOf) {
            const columns = Object.keys(record);
            fieldOf = new Map(columns.flatMap((c) => (columnFields[columnKey(c)] ? [[c, columnFields[columnKey(c)]!] as const] : [])));
            if (![...fieldOf.values()].includes('number')) {
              console.error(`The first line of ${file} names no number column (found: ${columns.join(', ')}). Name one "number" or "phone".`);
              return 1;
            }
            rejectedFile = new RejectedFile(rejectedPath, columns);
          }
          batch.push({ line: info.lines, record });
          if (batch.length === limits.importRows) {
            await flush(batch);
            batch = [];
          }
        }
        if (batch.length) await flush(batch);
      } catch (error) {
        progress.finish();
        // Earlier batches are committed: say how far the import got, so a rerun (which updates, never duplicates) is safe to plan.
        const where = batch[0] ? ` in the batch starting at line ${batch[0].line}` : '';
        console.error(`Import stopped${where}: ${(error as Error).message}. Before that: ${counts()}.`);
        return 1;
      } finally {
        progress.finish();
        await rejectedFile?.close();
      }

      console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${counts()}.`);
      if (totals.rejected) console.log(`Rejected rows, with the reason for each: ${rejectedPath}`);
      return 0;
    }),
  );
}

runCli('import', main);
