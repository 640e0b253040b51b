import { appError, type ErrorName } from './errors.js';

/** Limits of SPEC.md's validation table, in one place. */
export const limits = {
  audienceNameLength: 128,
  createAudienceContacts: 10,
  tags: 10,
  tagLength: 64,
  personNameLength: 128,
  customValueLength: 64,
  contactNameLength: 256,
  emailLength: 254,
  importRows: 10_000,
  pageSize: 100,
  defaultPageSize: 50,
  /**
   * Deepest nesting a request may have: braces, brackets and parentheses in a GraphQL document (fragment
   * spreads count as a level), objects and arrays in JSON (variables, extensions, REST bodies). graphql-js
   * parses recursively and overflowed the stack at about 2,000 levels inside the server (HTTP 500); no real
   * query comes near 100 (the field-depth limit is 12).
   */
  nesting: 100,
} as const;

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

// C0 and C1 controls, and the Unicode line/paragraph separators: invisible in a list of audiences.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

// A UTF-16 surrogate without its pair: not a character, and no UTF-8 encoding exists for it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a database text column can hold the value: PostgreSQL refuses NUL (U+0000), and a lone surrogate
 * has no UTF-8 form (PGlite refuses it, PostgreSQL's driver silently alters it). Refused by the rules
 * instead, naming the field, rather than failing (or changing) in the statement.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

export function validateAudienceName(name: string | null | undefined, field = 'name'): string {
  const trimmed = (name ?? '').trim();
  if (!trimmed) throw appError('AUDIENCE_NAME_REQUIRED', field);
  if (CONTROL_CHARACTERS.test(trimmed) || !isStorableText(trimmed)) throw appError('AUDIENCE_NAME_INVALID', field);
  if (characterCount(trimmed) > limits.audienceNameLength) throw appError('AUDIENCE_NAME_TOO_LONG', field);
  return trimmed;
}

/** The key that makes audience names unique per account regardless of case. */
export function audienceNameKey(name: string): string {
  return name.toLowerCase();
}

export const CHANNELS = ['SMS', 'VIBER', 'WHATSAPP'] as const;
export type ChannelName = (typeof CHANNELS)[number];

export function validateChannel(channel: string | null | undefined, field = 'channel'): ChannelName {
  if (channel === null || channel === undefined || channel === '') throw appError('AUDIENCE_CHANNEL_MISSING', field);
  const upper = channel.toUpperCase();
  if (!(CHANNELS as readonly string[]).includes(upper)) throw appError('AUDIENCE_CHANNEL_INVALID', field);
  return upper as ChannelName;
}

function optionalText(value: string | null | undefined, max: number, error: ErrorName, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (characterCount(value) > max) throw appError(error, field);
  if (!isStorableText(value)) throw appError('TEXT_NOT_STORABLE', field);
  return value;
}

export const validateFirstName = (value: string | null | undefined, field = 'firstName') =>
  optionalText(value, limits.personNameLength, 'FIRST_NAME_TOO_LONG', field);
export const validateLastName = (value: string | null | undefined, field = 'lastName') =>
  optionalText(value, limits.personNameLength, 'LAST_NAME_TOO_LONG', field);
export const validateTimestamp = (value: string | null | undefined, field = 'timestamp') =>
  optionalText(value, limits.customValueLength, 'TIMESTAMP_TOO_LONG', field);
export const validateDate = (value: string | null | undefined, field = 'date') =>
  optionalText(value, limits.customValueLength, 'DATE_TOO_LONG', field);
export const validateContactName = (value: string | null | undefined, field = 'name') =>
  optionalText(value, limits.contactNameLength, 'CONTACT_NAME_TOO_LONG', field);

export function validateTags(tags: readonly string[] | null | undefined, field = 'tags'): string[] | null | undefined {
  if (tags === undefined || tags === null) return tags;
  if (tags.length > limits.tags) throw appError('TAGS_INVALID', field);
  for (const tag of tags) {
    const length = characterCount(tag);
    if (length < 1 || length > limits.tagLength || !isStorableText(tag)) throw appError('TAGS_INVALID', field);
  }
  return [...tags];
}

// RFC 5322's dot-atom local part and a domain of DNS labels with a dot: what real mailboxes look like,
// without the quoted-string and comment forms no mail provider accepts from users.
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function validateEmail(email: string | null | undefined, field = 'email'): string | null | undefined {
  if (email === undefined || email === null) return email;
  const trimmed = email.trim();
  if (trimmed.length > limits.emailLength || trimmed.split('@')[0]!.length > 64 || !EMAIL.test(trimmed)) {
    throw appError('EMAIL_INVALID', field);
  }
  return trimmed;
}
