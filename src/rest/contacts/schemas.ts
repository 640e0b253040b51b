import { z } from '@hono/zod-openapi';
import type { ContactPage, ContactWithAudienceIds } from '../../services/contacts.js';
import { audienceIdParam, contactIdParam } from '../ids.js';
import { nullableString } from '../schemas.js';

/**
 * Seed 003's contacts API: ids carry the vendor's prefixes around the rows' UUIDs (`cnt_` a contact, `lst_` a
 * list, which is an audience: `lst_<uuid>` and Dexatel's /v1/audiences/<uuid> are one audience). Bodies are not
 * wrapped: a contact is the response itself, a list of them is `{ data, pagination }`.
 */

const CONTACT_PREFIX = 'cnt_';
const LIST_PREFIX = 'lst_';

/** The UUID after a prefix; '' (never a UUID) when the prefix is missing, so the id checks reject it. */
function unprefixed(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : '';
}

/** A `cnt_` id's contact UUID, or INVALID_CONTACT_ID (400) naming the field. */
export const contactIdOf = (value: string, field = 'id') => contactIdParam(unprefixed(value, CONTACT_PREFIX), field);

/** A `lst_` id's audience UUID, or INVALID_AUDIENCE_ID (400) naming the field. */
export const listIdOf = (value: string, field: string) => audienceIdParam(unprefixed(value, LIST_PREFIX), field);

const contactIdExample = 'cnt_fe84f52d-d05e-4af6-b93a-08dc0110f536';
const listIdExample = 'lst_22089fd7-7b74-4815-8452-3a8e864affbc';

export const ContactSchema = z
  .object({
    id: z.string().openapi({ description: 'Unique identifier of the contact: cnt_ and a UUID', example: contactIdExample }),
    name: z.string().nullable().openapi({ description: 'Full name as provided; null when none was', example: 'Maria Santos' }),
    phone: z.string().openapi({ description: 'Phone number, E.164', example: '+244912345678' }),
    email: z.string().nullable().openapi({ description: 'Email address; null when none was provided', example: 'maria@example.com' }),
    lists: z.array(z.string()).openapi({ description: 'The lists (audiences) the contact is in, oldest list first', example: [listIdExample] }),
    created_at: z.string().openapi({ description: 'When the contact was created, ISO 8601 UTC', example: '2026-11-29T10:15:00.000Z' }),
  })
  .openapi('Contact');

export const ContactsPaginationSchema = z
  .object({
    page: z.number().int().openapi({ description: 'This page, from 1', example: 1 }),
    per_page: z.number().int().openapi({ description: 'Items a page asked for, 1 to 100', example: 50 }),
    total: z.number().int().openapi({ description: 'All matching contacts', example: 1 }),
    total_pages: z.number().int().openapi({ description: 'Pages of per_page items; 0 when nothing matches', example: 1 }),
  })
  .openapi('ContactsPagination');

export const ContactListSchema = z.object({ data: z.array(ContactSchema), pagination: ContactsPaginationSchema }).openapi('ContactList');

/** Typed, none required: a missing phone is the service's NUMBER_REQUIRED (422), as over GraphQL. */
export const ContactInputSchema = z
  .object({
    name: nullableString('Full name, at most 256 characters'),
    phone: nullableString('E.164: + then the country code and subscriber number, digits only (e.g. +244912345678)'),
    email: nullableString('Email address'),
    lists: z.array(z.string()).nullish().openapi({ description: 'Lists (audiences) to put the contact in at once', example: [listIdExample] }),
  })
  .openapi('ContactInput');

export function presentContact({ contact, audienceIds }: ContactWithAudienceIds): z.infer<typeof ContactSchema> {
  return {
    id: CONTACT_PREFIX + contact.id,
    name: contact.name,
    phone: contact.phone,
    email: contact.email,
    lists: audienceIds.map((id) => LIST_PREFIX + id),
    created_at: contact.createdAt.toISOString(),
  };
}

export function presentContactPage({ contacts, total, page, perPage }: ContactPage): z.infer<typeof ContactListSchema> {
  return {
    data: contacts.map(presentContact),
    pagination: { page, per_page: perPage, total, total_pages: Math.ceil(total / perPage) },
  };
}

/**
 * A query string's whole number; anything else (empty, signs, decimals, letters) is NaN, which the service
 * refuses with the parameter's own error, so each rule lives in one place.
 */
export function wholeNumberParam(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
}
