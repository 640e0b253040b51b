/**
 * Progress of a long command on stderr (stdout keeps the results): a bar redrawn in place on a terminal,
 * plain lines otherwise (CI logs, files), so both a person and a log reader can follow it.
 */
export interface Progress {
  /** `done` of `total` units (bytes, rows…); `detail` is appended, e.g. counts so far. */
  update(done: number, detail?: string): void;
  /** Ends the bar's line; later output starts on a fresh line. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Redraw a terminal bar at most this often. */
  intervalMs?: number;
}

const width = 30;

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
}

export function createProgress({ label, total, stream = process.stderr, intervalMs = 100 }: ProgressOptions): Progress {
  const interactive = stream.isTTY === true;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, detail = '') {
      const pct = percent(done, total);
      if (!interactive) {
        stream.write(`${label}: ${pct}%${detail ? ` ${detail}` : ''}\n`);
        return;
      }
      const now = Date.now();
      if (now - lastDraw < intervalMs && pct < 100) return;
      lastDraw = now;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%${detail ? ` ${detail}` : ''}`);
      drawn = true;
    },
    finish() {
      if (interactive && drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/**
 * A step of unknown length (opening and migrating the embedded database takes seconds): its name while
 * it runs, then how long it took, on stderr.
 */
export async function withStatus<T>(label: string, step: () => Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  const started = Date.now();
  stream.write(`${label}…${stream.isTTY ? '' : '\n'}`);
  let result: T;
  try {
    result = await step();
  } catch (error) {
    if (stream.isTTY) stream.write('\n');
    throw error;
  }
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  stream.write(stream.isTTY ? ` done (${took})\n` : `${label}: done in ${took}\n`);
  return result;
}
