import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../src/db/timestamps.js';

// The direct reads parse timestamptz themselves (src/db/timestamps.ts); whatever PostgreSQL writes, the
// result must be the Date pg's own parser gives.
const pgParser = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null;
const same = (text: string) => {
  const ours = parseTimestamptz(text);
  const theirs = pgParser(text);
  expect(ours instanceof Date ? ours.getTime() : ours, text).toEqual(theirs instanceof Date ? theirs.getTime() : theirs);
};
const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('timestamptz as the direct reads parse it', () => {
  it('agrees with pg on generated timestamps in every fraction and zone form PostgreSQL writes', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 100, max: 9999 }),
          month: fc.integer({ min: 1, max: 12 }),
          day: fc.integer({ min: 1, max: 28 }),
          hour: fc.integer({ min: 0, max: 23 }),
          minute: fc.integer({ min: 0, max: 59 }),
          second: fc.integer({ min: 0, max: 59 }),
          fraction: fc.stringMatching(/^\d{0,6}$/),
          sign: fc.constantFrom('+', '-'),
          zoneHours: fc.integer({ min: 0, max: 15 }),
          zoneMinutes: fc.constantFrom(null, 0, 30, 45),
          zoneSeconds: fc.constantFrom(null, 8, 52),
        }),
        (t) => {
          const zone = `${t.sign}${pad(t.zoneHours, 2)}${t.zoneMinutes === null ? '' : `:${pad(t.zoneMinutes, 2)}${t.zoneSeconds === null ? '' : `:${pad(t.zoneSeconds, 2)}`}`}`;
          same(`${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction ? `.${t.fraction}` : ''}${zone}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('hands what it does not recognise to pg: infinity, BC, years before 100 and after 9999', () => {
    for (const text of ['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '0050-01-01 00:00:00+00', '12345-06-07 08:09:10.5+00', '2026-11-23 10:00:00.123+05:30']) same(text);
    expect(parseTimestamptz('2026-01-01 01:00:00.123+00').toISOString()).toBe('2026-01-01T01:00:00.123Z');
    expect(parseTimestamptz('2026-01-01 01:00:00.1239+05:30').toISOString()).toBe('2025-12-31T19:30:00.123Z');
  });
});
