import type { PageArgs, Page } from '../domain/pagination.js';
import { limits } from '../domain/validation.js';
import { RestFieldError } from './errors.js';

/**
 * Dexatel's `page_token`: opaque to clients, a keyset cursor inside (the connection cursor of the row the page
 * starts after or ends before) and the page's 1-based number, so `pagination.number` needs no offset. A deep
 * page costs what the first does, and pages stay stable when rows are inserted between requests.
 */
interface PageToken {
  number: number;
  after?: string;
  before?: string;
}

const TOKEN_VERSION = 1;

function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, ...token }), 'utf8').toString('base64url');
}

function decodePageToken(raw: string): PageToken {
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(raw)) throw new Error('shape');
    const token = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { v, number, after, before } = token;
    const cursorOk = (value: unknown) => value === undefined || typeof value === 'string';
    if (v !== TOKEN_VERSION || !Number.isSafeInteger(number) || (number as number) < 1 || !cursorOk(after) || !cursorOk(before) || (after && before)) {
      throw new Error('fields');
    }
    return { number: number as number, ...(after ? { after: after as string } : {}), ...(before ? { before: before as string } : {}) };
  } catch {
    throw new RestFieldError('CURSOR_INVALID', 'page_token', 'Malformed page_token: use the links of a previous response');
  }
}

/** `page_size`: 1..100, default 50; anything else is an error, never clamped. */
function parsePageSize(raw: string | undefined): number {
  if (raw === undefined) return limits.defaultPageSize;
  const size = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= 1 && size <= limits.pageSize)) {
    throw new RestFieldError('PAGE_SIZE_OUT_OF_RANGE', 'page_size', `page_size must be a whole number from 1 to ${limits.pageSize}, got "${raw}"`);
  }
  return size;
}

export interface PageQuery {
  args: PageArgs;
  token: PageToken;
  size: number;
}

/** The connection arguments a `page_token` and `page_size` ask for. */
export function pageQuery(query: { page_token?: string; page_size?: string }): PageQuery {
  const size = parsePageSize(query.page_size);
  const token = query.page_token === undefined ? { number: 1 } : decodePageToken(query.page_token);
  const args: PageArgs = token.before ? { last: size, before: token.before } : { first: size, after: token.after ?? null };
  return { args, token, size };
}

export interface Pagination {
  number: number;
  size: number;
  total: number;
  links: { first: string; current: string; previous: string | null; next: string | null };
}

/**
 * The `pagination` object: absolute links that keep the request's other parameters (`page_size`, filters)
 * and carry the `page_token` of each neighbouring page; `null` where there is none.
 */
export function pagination(url: URL, { token }: PageQuery, page: Page<unknown>, total: number): Pagination {
  const link = (next: PageToken | null) => {
    const target = new URL(url);
    if (next) target.searchParams.set('page_token', encodePageToken(next));
    else target.searchParams.delete('page_token');
    return target.toString();
  };
  const { pageInfo } = page;
  const hasNext = token.before ? true : pageInfo.hasNextPage;
  const hasPrevious = token.number > 1 && (token.before ? pageInfo.hasPreviousPage : true);
  return {
    number: token.number,
    size: page.edges.length,
    total,
    links: {
      first: link(null),
      current: link(token.number === 1 && !token.after && !token.before ? null : token),
      previous: hasPrevious && pageInfo.startCursor ? link(token.number === 2 ? null : { number: token.number - 1, before: pageInfo.startCursor }) : null,
      next: hasNext && pageInfo.endCursor ? link({ number: token.number + 1, after: pageInfo.endCursor }) : null,
    },
  };
}
