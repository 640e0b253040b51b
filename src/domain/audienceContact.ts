import { parsePhone } from './phone.js';
import { validateDate, validateFirstName, validateLastName, validateTags, validateTimestamp } from './validation.js';

/** An audience contact as a client sends it (seed 000/002 fields). */
export interface AudienceContactInput {
  number: string;
  firstName?: string | null;
  lastName?: string | null;
  timestamp?: string | null;
  date?: string | null;
  tags?: string[] | null;
}

/** The same, checked: number in E.164 with its country, every limit met. Absent fields stay absent (PUT keeps them). */
export type ValidAudienceContact = AudienceContactInput & { country: string | null };

export type AudienceContactDetails = Omit<AudienceContactInput, 'number'>;

/** Checks the per-audience details; `prefix` makes error fields point into a list ("contacts[3]."). */
export function validateAudienceContactDetails(input: Omit<AudienceContactInput, 'number'>, prefix = ''): AudienceContactDetails {
  const details: AudienceContactDetails = {};
  if (input.firstName !== undefined) details.firstName = validateFirstName(input.firstName, `${prefix}firstName`);
  if (input.lastName !== undefined) details.lastName = validateLastName(input.lastName, `${prefix}lastName`);
  if (input.timestamp !== undefined) details.timestamp = validateTimestamp(input.timestamp, `${prefix}timestamp`);
  if (input.date !== undefined) details.date = validateDate(input.date, `${prefix}date`);
  if (input.tags !== undefined) details.tags = validateTags(input.tags, `${prefix}tags`);
  return details;
}

export function validateAudienceContact(input: AudienceContactInput, prefix = ''): ValidAudienceContact {
  const { number, country } = parsePhone(input.number, `${prefix}number`);
  return { number, country, ...validateAudienceContactDetails(input, prefix) };
}

/**
 * The columns an update writes: a field left out keeps its value, an explicit null clears it, and
 * cleared tags become an empty list (tags are never null in storage).
 */
export function detailsToColumns(details: AudienceContactDetails) {
  const { tags, ...text } = details;
  return { ...text, ...(tags === undefined ? {} : { tags: tags ?? [] }) };
}
