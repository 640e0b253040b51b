import { phoneSearchDigits } from '../domain/phone.js';
import { containsPattern, join, type Sql, sql } from './sql.js';

/** A search term as the user typed it, reduced to what it matches on; null when it matches everything. */
export function normalizeSearch(term: string | null | undefined): string | null {
  // Stored text holds neither NUL nor lone surrogates (see isStorableText), so in a term they can only
  // separate words.
  const trimmed = term?.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ' ').trim().replace(/\s+/g, ' ');
  return trimmed ? trimmed : null;
}

/** A person search split into its two ways of matching, so each can be driven by its own index. */
export interface PersonSearch {
  /** The term's digits when it looks like (part of) a number: matched against the whole number. */
  digits: string | null;
  /** Every word in the name text (a word of digits also in the number). */
  words: Sql;
}

/**
 * Search over a person: every word of the term must appear in one of the name columns, so "ann smi"
 * finds Ann Smith; a word of digits may also appear in the number. A term that looks like a phone
 * number ("+1 415", "1415", "(415)") also matches the digits of the E.164 number as a whole.
 *
 * `nameText` is the name columns as one text with a space between them: a word never holds a space, so it is
 * in that text exactly when it is in one of the columns, and all the words of a term are tested against one
 * trigram index, which intersects them before any row is read (see the migration search_indexes).
 */
export function personSearch(term: string, phone: (pattern: string) => Sql, nameText: Sql): PersonSearch {
  const digits = phoneSearchDigits(term);
  const words = term.split(' ').map((word) => {
    const pattern = containsPattern(word);
    const alternatives = [sql`${nameText} ILIKE ${pattern}`];
    // A word that is the whole number's digits ("4155") is already matched against the number below:
    // a second, identical test made PostgreSQL build and probe the matching numbers twice (36 -> 9 ms).
    if (/^\d+$/.test(word) && word !== digits) alternatives.push(phone(pattern));
    return sql`(${join(alternatives, ' OR ')})`;
  });
  return { digits, words: join(words, ' AND ') };
}

/** The search as one condition on a row (the walk over a parent's rows in order tests it row by row). */
export function personSearchCondition(term: string, phone: (pattern: string) => Sql, nameText: Sql): Sql {
  const { digits, words } = personSearch(term, phone, nameText);
  return digits ? sql`(${phone(containsPattern(digits))} OR (${words}))` : words;
}
