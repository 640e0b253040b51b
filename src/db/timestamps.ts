import pg from 'pg';

const TIMESTAMPTZ_OID = 1184;
const defaultTimestamptzParser = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

const digitsAt = (text: string, from: number, to: number): number => {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
};

/**
 * A timestamptz as PostgreSQL writes it under DateStyle ISO ("2026-01-01 01:00:00.123+00"), read without
 * the regular expressions of pg's own parser, which were 7 % of the CPU of a request reading 1,000 rows.
 * Anything else (BC dates, infinity, five-digit years) goes to pg's parser, so the result is always the
 * one pg would give. The fraction is truncated to milliseconds, as pg does (our columns hold milliseconds).
 */
export function parseTimestamptz(text: string): Date {
  const length = text.length;
  if (length >= 22 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 32 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58) {
    let i = 19;
    let millis = 0;
    if (text.charCodeAt(i) === 46) {
      let scale = 100;
      for (i++; i < length; i++) {
        const digit = text.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9) break;
        millis += digit * scale;
        scale /= 10;
      }
      millis = Math.trunc(millis);
    }
    const sign = text.charCodeAt(i) === 43 ? 1 : text.charCodeAt(i) === 45 ? -1 : 0;
    const zone = length - i - 1;
    if (sign !== 0 && (zone === 2 || zone === 5 || zone === 8)) {
      const offsetSeconds =
        digitsAt(text, i + 1, i + 3) * 3600 +
        (zone >= 5 && text.charCodeAt(i + 3) === 58 ? digitsAt(text, i + 4, i + 6) * 60 : zone >= 5 ? NaN : 0) +
        (zone === 8 && text.charCodeAt(i + 6) === 58 ? digitsAt(text, i + 7, i + 9) : zone === 8 ? NaN : 0);
      const utc = Date.UTC(
        digitsAt(text, 0, 4),
        digitsAt(text, 5, 7) - 1,
        digitsAt(text, 8, 10),
        digitsAt(text, 11, 13),
        digitsAt(text, 14, 16),
        digitsAt(text, 17, 19),
        millis,
      );
      const time = utc - sign * offsetSeconds * 1000;
      // Years 0-99 would land in the 1900s through Date.UTC: pg's parser handles them.
      if (Number.isFinite(time) && text.charCodeAt(0) !== 48) return new Date(time);
    }
  }
  return defaultTimestamptzParser(text);
}

/** The type parsers of the direct reads: pg's own, but for timestamptz. */
export const readTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};
