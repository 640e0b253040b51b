import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { RowReader, SnapshotReads } from '../db/database.js';
import type { AudienceContactFilter } from '../domain/filters.js';
import { DEFAULT_ORDER, type Order, type PageRequest, type Position } from '../domain/pagination.js';
import { keysetCondition, type OrderColumn, orderBy, orderColumn } from './connections.js';
import { audienceContactKind } from './loaders.js';
import { allOf, raw, type Sql, sql } from './sql.js';

/**
 * An audience's contacts (those a filter selects, in one of the connection's orders) written to a stream as CSV or
 * NDJSON, in constant memory whatever their number: read in keyset batches (the connection's own keyset condition
 * and order, the filter's own SQL: the rows and the order of the API's pages), each batch formatted by the database
 * (see LINE) and written before the next is read, and the next read only once the stream has taken the last (backpressure). A stream that
 * closes (the client went away, `| head` stopped reading) ends the export after the batch in hand: no further
 * statement runs.
 *
 * The batches see one snapshot where the database gives one (PostgreSQL: one REPEATABLE READ READ ONLY transaction,
 * see SnapshotReads); on PGlite each batch sees the data as it is when it runs, so a row changed during an export
 * may be missed or seen twice when the change moves it across the position the export has reached (a change of
 * its sort key; an insert or a removal, or a change of a row already written, is either in a batch or not).
 */

export type ExportFormat = 'csv' | 'ndjson';

/**
 * The columns, exactly those `npm run import` reads back (src/cli/import.ts): a file exported is a file the import
 * takes unchanged. Tags share one cell joined by ";", as the import splits them.
 */
export const EXPORT_COLUMNS = ['number', 'firstName', 'lastName', 'timestamp', 'date', 'tags'] as const;
export const TAG_SEPARATOR = ';';

/**
 * Rows a statement: enough that a statement's round trip is a small part of its cost, few enough that the text in
 * hand stays small (2,000 rows of the seed's data: about 120 KB of CSV).
 */
export const EXPORT_BATCH_ROWS = 2_000;

/**
 * On PostgreSQL an export holds its snapshot (a pooled connection) while it runs: a reader that takes nothing for this
 * long (the transaction idle between two batches) loses it, and the export fails.
 */
export const EXPORT_IDLE_TIMEOUT_MS = 5 * 60 * 1000;

export interface ExportRequest {
  /** An audience already known to be the account's. */
  audienceId: string;
  /** Checked and normalised (audienceContactFilter). */
  filter: AudienceContactFilter;
  order?: Order | null;
  format: ExportFormat;
  batchRows?: number;
  /** After each batch written: the rows written so far. */
  onProgress?: (rows: number) => void;
}

export interface ExportResult {
  rows: number;
  batches: number;
  /** False when the stream closed before the last row was written. */
  complete: boolean;
}

/** A comma, a quote, a CR or a LF: a CSV field holding one is quoted (csv-stringify's rule; it writes the header). */
const CSV_SPECIAL = `('[",' || chr(13) || chr(10) || ']')`;

/** A CSV field as csv-stringify writes one: quoted, with its quotes doubled, when it must be; empty for null. */
const csvField = (value: string) => `CASE WHEN ${value} ~ ${CSV_SPECIAL} THEN '"' || replace(${value}, '"', '""') || '"' ELSE COALESCE(${value}, '') END`;

/** The CSV columns, as EXPORT_COLUMNS names them. */
const CSV_COLUMNS = ['t.phone', 't.first_name', 't.last_name', 't.timestamp', 't.date', `array_to_string(t.tags, '${TAG_SEPARATOR}')`];

/**
 * A JSON value as JSON.stringify writes one: PostgreSQL's to_json escapes as it does (\", \\, \b \f \n \r \t, other
 * control characters as \u00xx) and writes an array without spaces.
 */
const jsonValue = (value: string) => `COALESCE(to_json(${value})::text, 'null')`;

/**
 * Each row as the line the format writes, made by the database: the export then holds one string a batch instead of
 * 2,000 rows of objects, strings, dates and arrays. Reading the rows and formatting them here, a 300,000-row export
 * grew a fresh server by 116-159 MB above idle (issue 14's bound is 100), nearly all of it batches promoted to the
 * old generation before they were done with, then left there until a full collection.
 */
const LINE: Record<ExportFormat, Sql> = {
  // One match over the row's text decides for nearly every row (none of its fields needs quotes), rather than one
  // a field: six regular expressions a row cost more than reading the rows (300,000: 2.5 s against 0.6 s).
  csv: raw(
    `CASE WHEN concat(${CSV_COLUMNS.join(', ')}) ~ ${CSV_SPECIAL}
       THEN ${CSV_COLUMNS.map(csvField).join(` || ',' || `)}
       ELSE concat_ws(',', ${CSV_COLUMNS.map((column) => `COALESCE(${column}, '')`).join(', ')}) END || chr(10)`,
  ),
  ndjson: raw(
    `'{' || ${[
      ['number', 't.phone'],
      ['firstName', 't.first_name'],
      ['lastName', 't.last_name'],
      ['timestamp', 't.timestamp'],
      ['date', 't.date'],
      ['tags', 't.tags'],
    ]
      .map(([name, column], index) => `'${index ? ',' : ''}"${name}":' || ${jsonValue(column!)}`)
      .join(' || ')} || '}' || chr(10)`,
  ),
};

/** A batch as one statement answers it: its lines in order, how many, and where the next batch starts. */
interface Batch {
  text: string | null;
  rows: number;
  lastId: string | null;
  /** The order column's value in the last row: milliseconds for a time, the text otherwise (or null). */
  lastValue: string | number | null;
}

/** The order column's value as a cursor keeps it: a time in milliseconds (the columns keep milliseconds). */
function positionValue(column: OrderColumn<unknown>): Sql {
  const value = raw(`t.${column.column}`);
  return column.cast === 'timestamptz' ? sql`(extract(epoch FROM ${value}) * 1000)::float8` : value;
}

/**
 * The rows a filter selects, in an order, batch after batch: each batch one keyset statement starting after the last
 * row of the one before, as the connection reads its pages (connections.ts), without the page size limit.
 */
async function* exportBatches(readRows: RowReader, audienceId: string, filter: AudienceContactFilter, order: Order, format: ExportFormat, batchRows: number): AsyncGenerator<Batch> {
  const kind = audienceContactKind;
  const column = orderColumn(kind, order) as OrderColumn<unknown>;
  let after: Position | null = null;
  for (;;) {
    const request: PageRequest = { direction: 'forward', size: batchRows, after, before: null, order, fingerprint: '' };
    const ordering = orderBy(column, request);
    const [batch] = await readRows<Batch>(sql`
      SELECT /* export batch */ string_agg(b.line, '' ORDER BY b.n) AS text, count(*)::int AS rows,
        (array_agg(b.id ORDER BY b.n DESC))[1]::text AS "lastId", (array_agg(b.value ORDER BY b.n DESC))[1] AS "lastValue"
      FROM (
        SELECT t.id, ${positionValue(column)} AS value, ${LINE[format]} AS line, row_number() OVER (ORDER BY ${ordering}) AS n
        FROM ${kind.from}
        WHERE ${kind.parentColumn} = ${audienceId}::uuid AND ${allOf([kind.where(filter), keysetCondition(column, request)])}
        ORDER BY ${ordering}
        LIMIT ${batchRows}
      ) b`);
    if (!batch || batch.rows === 0) return;
    yield batch;
    if (batch.rows < batchRows) return;
    after = { value: batch.lastValue, id: batch.lastId! };
  }
}

/** Writes, then waits while the stream holds more than it wants; false once the stream is closed. */
async function write(output: Writable, chunk: string): Promise<boolean> {
  if (output.destroyed || output.writableEnded) return false;
  if (output.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      output.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    output.on('drain', done).on('close', done).on('error', done);
  });
  return !output.destroyed;
}

/**
 * Pieces of at most this many characters, cut after a line: the streams between the service and the socket buffer a
 * few chunks each, whatever their size, so a batch written whole (2,000 rows of 300 bytes: 600 KB) had half of a
 * 60,000-row export read ahead of a client that stopped reading, where 64 KB pieces keep it to a few MB.
 */
const WRITE_CHARS = 64 * 1024;

/** A batch's text written piece by piece, each cut after a newline (never inside a character), with backpressure. */
async function writeLines(output: Writable, text: string): Promise<boolean> {
  for (let from = 0; from < text.length; ) {
    let end = from + WRITE_CHARS >= text.length ? text.length : text.lastIndexOf('\n', from + WRITE_CHARS) + 1;
    // A line longer than a piece (none is: a row's fields are bounded far below 64 KB): the rest whole.
    if (end <= from) end = text.length;
    if (!(await write(output, text.slice(from, end)))) return false;
    from = end;
  }
  return true;
}

/**
 * Writes the export to `output` (which it does not end: the caller does, once this resolves). Errors of the
 * database reject; a closed stream does not, it stops the export (`complete: false`).
 */
export async function exportAudienceContacts(readInSnapshot: SnapshotReads, request: ExportRequest, output: Writable): Promise<ExportResult> {
  const { audienceId, filter, format, batchRows = EXPORT_BATCH_ROWS, onProgress } = request;
  const order = request.order ?? DEFAULT_ORDER;
  const result: ExportResult = { rows: 0, batches: 0, complete: false };
  if (format === 'csv' && !(await write(output, stringify([[...EXPORT_COLUMNS]])))) return result;
  return readInSnapshot(
    async (readRows) => {
      for await (const batch of exportBatches(readRows, audienceId, filter, order, format, batchRows)) {
        result.batches++;
        if (!(await writeLines(output, batch.text ?? ''))) return result;
        result.rows += batch.rows;
        onProgress?.(result.rows);
      }
      result.complete = true;
      return result;
    },
    { idleTimeoutMs: EXPORT_IDLE_TIMEOUT_MS },
  );
}
