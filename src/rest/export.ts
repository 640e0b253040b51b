import { PassThrough, Readable } from 'node:stream';
import type { SnapshotReads } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import { type ExportFormat, type ExportRequest, exportAudienceContacts } from '../services/exportAudienceContacts.js';

const contentTypes: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' };

/** What the export route needs beyond a request's scope. */
export interface ExportDependencies {
  readInSnapshot: SnapshotReads;
  logger: Logger;
}

/**
 * The response of an export: 200 at once, then the rows as the service writes them. The service writes into a
 * small buffer that the response reads as the client takes the bytes, so a slow client slows the export rather
 * than filling memory, and a client that goes away cancels the response, which closes the buffer and stops the
 * export after its current batch. A failure after the first byte cannot change the status any more: the response
 * is cut short (no final chunk), which every HTTP client reports as an error, and the cause is logged.
 */
export function exportResponse({ readInSnapshot, logger }: ExportDependencies, request: ExportRequest, log: Record<string, unknown>): Response {
  const buffer = new PassThrough({ highWaterMark: 64 * 1024 });
  const started = Date.now();
  exportAudienceContacts(readInSnapshot, request, buffer).then(
    (result) => {
      logger.info({ ...log, format: request.format, ...result, durationMs: Date.now() - started }, result.complete ? 'export done' : 'export stopped: the client went away');
      if (!buffer.destroyed) buffer.end();
    },
    (error: Error) => {
      logger.error({ ...log, err: { name: error.name, message: error.message, stack: error.stack } }, 'export failed');
      // The cause is in the log; what reaches the HTTP layer says nothing of it.
      buffer.destroy(new Error('export failed'));
    },
  );
  const filename = `audience-${request.audienceId}.${request.format}`;
  return new Response(Readable.toWeb(buffer) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: { 'content-type': contentTypes[request.format], 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' },
  });
}
