import { createHash } from 'node:crypto';
import { appError } from './errors.js';
import { isUuid } from './ids.js';
import { limits } from './validation.js';

/** A position in a connection ordered by (createdAt, id): a total order, stable under inserts. */
export interface Keyset {
  createdAt: Date;
  id: string;
}

export type OrderDirection = 'ASC' | 'DESC';

/** A connection's order: one of its fields (see each connection's enum), ties broken by id in the same direction. */
export interface Order {
  field: string;
  direction: OrderDirection;
}

export const DEFAULT_ORDER: Order = { field: 'CREATED_AT', direction: 'ASC' };

/** A row's place in an order: the value of the order's column (text, a time in milliseconds, or null) and its id. */
export interface Position {
  value: string | number | null;
  id: string;
}

/** What a cursor is bound to: the order, and the filter (as filterKey's text) of the page that made it. */
export interface CursorScope {
  order: Order;
  filter: string;
}

/** What a client asked of a connection, checked and resolved into one direction and size. */
export interface PageRequest {
  direction: 'forward' | 'backward';
  size: number;
  after: Position | null;
  before: Position | null;
  order: Order;
  /** The cursor scope's fingerprint: the page's cursors carry it. */
  fingerprint: string;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** The first cursors had no order and no filter: (createdAt, id) only. */
const LEGACY_CURSOR_VERSION = 'k1';
const CURSOR_VERSION = 'k2';

/** 10 characters of a SHA-256: a cursor sent with another order or filter is told apart, not trusted. */
export function cursorFingerprint(scope: CursorScope): string {
  return createHash('sha256').update(`${scope.order.field}|${scope.order.direction}|${scope.filter}`).digest('base64url').slice(0, 10);
}

export function encodeCursor(position: Position, fingerprint: string): string {
  return Buffer.from(`${CURSOR_VERSION}:${fingerprint}:${JSON.stringify([position.value, position.id])}`, 'utf8').toString('base64url');
}

/** A cursor longer than this was not made by us (a name of 128 characters, escaped, fits well within it). */
const MAX_CURSOR_LENGTH = 2048;

export function decodeCursor(cursor: string, field: string, scope: CursorScope = { order: DEFAULT_ORDER, filter: '' }): Position {
  const decoded = cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+={0,2}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (decoded.startsWith(`${LEGACY_CURSOR_VERSION}:`)) return decodeLegacyCursor(decoded, field, scope);
  const match = /^k2:([A-Za-z0-9_-]{10}):(.*)$/s.exec(decoded);
  if (!match) throw appError('CURSOR_INVALID', field);
  let parsed: unknown;
  try {
    parsed = JSON.parse(match[2]!);
  } catch {
    throw appError('CURSOR_INVALID', field);
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw appError('CURSOR_INVALID', field);
  const [value, id] = parsed as [unknown, unknown];
  const valueOk = value === null || typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
  if (!valueOk || typeof id !== 'string' || !isUuid(id)) throw appError('CURSOR_INVALID', field);
  if (match[1] !== cursorFingerprint(scope)) throw appError('CURSOR_MISMATCH', field);
  return { value, id };
}

/** A k1 cursor (createdAt, id), from before orders and filters: still valid for the default order. */
function decodeLegacyCursor(decoded: string, field: string, scope: CursorScope): Position {
  const [, millis, id, ...rest] = decoded.split(':');
  const time = Number(millis);
  if (rest.length || !id || !isUuid(id) || !/^\d{1,15}$/.test(millis ?? '') || !Number.isSafeInteger(time)) throw appError('CURSOR_INVALID', field);
  if (scope.order.field !== DEFAULT_ORDER.field || scope.order.direction !== DEFAULT_ORDER.direction) throw appError('CURSOR_MISMATCH', field);
  return { value: time, id };
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
export function parsePageArgs(args: PageArgs, scope: CursorScope = { order: DEFAULT_ORDER, filter: '' }): PageRequest {
  const first = checkSize(args.first, 'first');
  const last = checkSize(args.last, 'last');
  if (first !== null && last !== null) throw appError('PAGE_ARGUMENTS_CONFLICT', 'last');
  const after = args.after == null ? null : decodeCursor(args.after, 'after', scope);
  const before = args.before == null ? null : decodeCursor(args.before, 'before', scope);
  const common = { after, before, order: scope.order, fingerprint: cursorFingerprint(scope) };
  if (last !== null) return { direction: 'backward', size: last, ...common };
  return { direction: 'forward', size: first ?? limits.defaultPageSize, ...common };
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
export function toPage<T>(rows: T[], request: PageRequest, positionOf: (row: T) => Position): Page<T> {
  const more = rows.length > request.size;
  const kept = rows.slice(0, request.size);
  if (request.direction === 'backward') kept.reverse();
  const edges = kept.map((node) => ({ cursor: encodeCursor(positionOf(node), request.fingerprint), node }));
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
  const position = (p: Position | null) => (p ? JSON.stringify([p.value, p.id]) : '');
  return `${request.order.field}|${request.order.direction}|${request.direction}|${request.size}|${position(request.after)}|${position(request.before)}`;
}
