/**
 * The rows of the segment tests (test/segments.test.ts over GraphQL, test/rest.segments.test.ts over REST): names
 * with case, accents and absence (names sort with A-Z folded, then by code point; no name last ascending), tags,
 * and valid mobile numbers of three countries (libphonenumber's example ranges) varied in their last digits.
 */
export const FIRST_NAMES = ['ann', 'Ann', 'bob', 'Émile', 'zoe', 'Zed', '名', null] as const;
export const LAST_NAMES = ['Smith', 'smith', 'Ørsted', 'adams', 'Baker', null] as const;
export const TAGS = ['vip', 'trial', 'news', 'b2b'] as const;
export const NUMBER_OF = {
  US: (i: number) => `+1415555${String(1000 + i).padStart(4, '0')}`,
  AM: (i: number) => `+37477${String(100000 + i).padStart(6, '0')}`,
  GB: (i: number) => `+447400${String(100000 + i).padStart(6, '0')}`,
} as const;

/** Row `i`: its country by i mod 3, its names and tags from i. */
export function contactRow(i: number) {
  const country = (['US', 'AM', 'GB'] as const)[i % 3]!;
  return {
    number: NUMBER_OF[country](i),
    firstName: FIRST_NAMES[(i * 5) % FIRST_NAMES.length],
    lastName: LAST_NAMES[(i * 7) % LAST_NAMES.length],
    tags: TAGS.filter((_, t) => (i >> t) % 2 === 1),
  };
}

/** lower() under collation "C": A-Z only. */
export const foldAscii = (value: string) => value.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The orders of an audience's contacts, in the REST API's spelling (GraphQL's are the same upper-cased). */
export type OracleField = 'first_name' | 'last_name' | 'number' | 'created_at' | 'updated_at';

/** What the oracle sorts on: a row's names and number, and its times in milliseconds. */
export interface OracleRow {
  firstName: string | null;
  lastName: string | null;
  number: string;
  createdAt: number;
  updatedAt: number;
}

/** A row's key in an order, as docs/graphql.md and docs/rest.md state it: no name last, names folded for A-Z only. */
export function oracleKey(row: OracleRow, field: OracleField): Array<string | number> {
  switch (field) {
    case 'first_name':
      return [row.firstName === null ? 1 : 0, foldAscii(row.firstName ?? '')];
    case 'last_name':
      return [row.lastName === null ? 1 : 0, foldAscii(row.lastName ?? '')];
    case 'number':
      return [row.number];
    case 'created_at':
      return [row.createdAt];
    case 'updated_at':
      return [row.updatedAt];
  }
}

/**
 * Two keys (the order's, then the row's uuid) compared part by part: numbers by value, text by JavaScript's
 * comparison, which for the characters of these rows (all in the BMP) is code point order, as collation "C".
 */
export function compareKeys(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}
