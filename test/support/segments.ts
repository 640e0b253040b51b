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
