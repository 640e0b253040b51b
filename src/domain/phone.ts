import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { appError } from './errors.js';

/** SPEC: a number longer than this, as typed, is rejected before parsing (1355). */
export const MAX_TYPED_NUMBER_LENGTH = 32;

/**
 * A phone number as stored and compared: E.164. The `+` is optional on input, so "14155552671",
 * "+1 (415) 555-2671" and "+14155552671" are one number. Validity uses the full ("max") metadata,
 * which knows each country's number ranges, not just their lengths.
 */
export function normalizePhone(typed: string | null | undefined, field = 'number'): string {
  return parsePhone(typed, field).number;
}

/** A number as stored: E.164, and the region it belongs to (ISO 3166-1 alpha-2), null for one of no single region (+800). */
export interface Phone {
  number: string;
  country: string | null;
}

/** normalizePhone's rule, with the number's country from the same parse. */
export function parsePhone(typed: string | null | undefined, field = 'number'): Phone {
  const trimmed = (typed ?? '').trim();
  if (!trimmed) throw appError('NUMBER_REQUIRED', field);
  if (typed!.length > MAX_TYPED_NUMBER_LENGTH) throw appError('NUMBER_TOO_LONG', field);
  const international = trimmed.startsWith('+') ? trimmed : `+${trimmed}`;
  const parsed = parsePhoneNumberFromString(international);
  // An extension ("ext. 12") cannot receive a message: dropping it would store another number than typed.
  if (!parsed || !parsed.isValid() || parsed.ext) throw appError('NUMBER_INVALID', field);
  return { number: parsed.number, country: parsed.country ?? null };
}

/** The country of a number already stored (E.164), for rows written before countries were kept. */
export function phoneCountry(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

/**
 * The digits a search term contains when it looks like (part of) a phone number: "+1 415", "1415" and
 * "(415)" all become digit strings that match inside an E.164 number. Null when the term has letters
 * or too few digits to be a number fragment.
 */
export function phoneSearchDigits(term: string): string | null {
  if (!/^[\d\s+()./-]+$/.test(term)) return null;
  const digits = term.replace(/\D/g, '');
  return digits.length > 0 ? digits : null;
}

/**
 * Seed 003's rule: "E.164 format. Must include the + prefix followed by the country code and subscriber
 * number". The lenient rule above decides validity (length, ranges, extensions); on top of it the number must
 * already be typed as its E.164 form: no missing +, spaces, punctuation or national trunk prefix, since a
 * client of that API relies on the value it sends being the value stored.
 */
export function parseStrictE164(typed: string | null | undefined, field = 'phone'): Phone {
  const phone = parsePhone(typed, field);
  if (typed !== phone.number) {
    throw appError('NUMBER_INVALID', field, 'Phone number must be in E.164 format: + then the country code and subscriber number, digits only (e.g. +244912345678)');
  }
  return phone;
}
