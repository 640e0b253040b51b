import { appError } from './errors.js';
import { isUuid } from './ids.js';
import { limits } from './validation.js';

/** A position in a connection ordered by (createdAt, id): a total order, stable under inserts. */
export interface Keyset {
  createdAt: Date;
  id: string;
}

/** What a client asked of a connection, checked and resolved into one direction and size. */
export interface PageRequest {
  direction: 'forward' | 'backward';
  size: number;
  after: Keyset | null;
  before: Keyset | null;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

const CURSOR_VERSION = 'k1';

export function encodeCursor(row: Keyset): string {
  return Buffer.from(`${CURSOR_VERSION}:${row.createdAt.getTime()}:${row.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, field: string): Keyset {
  const decoded = /^[A-Za-z0-9_-]{1,200}={0,2}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const [version, millis, id, ...rest] = decoded.split(':');
  const time = Number(millis);
  if (version !== CURSOR_VERSION || rest.length || !id || !isUuid(id) || !/^\d{1,15}$/.test(millis ?? '') || !Number.isSafeInteger(time)) {
    throw appError('CURSOR_INVALID', field);
  }
  return { createdAt: new Date(time), id };
}

function checkSize(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0 || value > limits.pageSize) {
    throw appError('PAGE_SIZE_OUT_OF_RANGE', field, `${field} must be between 0 and ${limits.pageSize}, got ${value}`);
  }
  return value;
}

/**
 * Relay's arguments resolved: `first` pages forward from `after`, `last` pages backward from `before`.
 * Asking for both directions at once has no single answer, so it is an error rather than a guess.
 */
export function parsePageArgs(args: PageArgs): PageRequest {
  const first = checkSize(args.first, 'first');
  const last = checkSize(args.last, 'last');
  if (first !== null && last !== null) throw appError('PAGE_ARGUMENTS_CONFLICT', 'last');
  const after = args.after == null ? null : decodeCursor(args.after, 'after');
  const before = args.before == null ? null : decodeCursor(args.before, 'before');
  if (last !== null) return { direction: 'backward', size: last, after, before };
  return { direction: 'forward', size: first ?? limits.defaultPageSize, after, before };
}

export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Builds a page from rows fetched with one extra row in the paging direction (the extra row only says
 * there is more). Rows come in the paging direction's order. The other direction's flag follows
 * Relay's allowance: a page reached through a cursor has something on the cursor's side.
 */
export function toPage<T extends Keyset>(rows: T[], request: PageRequest): Page<T> {
  const more = rows.length > request.size;
  const kept = rows.slice(0, request.size);
  if (request.direction === 'backward') kept.reverse();
  const edges = kept.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: request.direction === 'forward' ? more : request.before !== null,
      hasPreviousPage: request.direction === 'backward' ? more : request.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** A stable key for "the same page of different parents", so one SQL statement can serve them all. */
export function pageRequestKey(request: PageRequest): string {
  const keyset = (k: Keyset | null) => (k ? `${k.createdAt.getTime()}/${k.id}` : '');
  return `${request.direction}|${request.size}|${keyset(request.after)}|${keyset(request.before)}`;
}
