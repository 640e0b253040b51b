import { z } from '@hono/zod-openapi';
import type { Audience } from '../../db/generated/client.js';
import type { AudienceContactRow } from '../../services/loaders.js';
import { dexatelDate } from '../present.js';
import { nullableString } from '../schemas.js';

const uuid = (description: string) => z.string().openapi({ description, example: '22089fd7-7b74-4815-8452-3a8e864affbc' });
const date = (description: string) => z.string().openapi({ description: `${description}, UTC, yyyy-MM-dd HH:mm:ss`, example: '2026-11-29 10:15:00' });

export const AudienceSchema = z
  .object({
    id: uuid('Unique identifier of the audience'),
    account_id: uuid('Unique identifier of the account'),
    name: z.string().openapi({ description: 'Name of the audience, unique in the account ignoring case', example: 'Spring sale' }),
    channel: z.enum(['SMS', 'VIBER', 'WHATSAPP']).openapi({ description: 'Channel to which contacts belong' }),
    contacts_count: z.number().int().optional().openapi({ description: 'Contacts in the audience (single-audience responses only)' }),
    create_date: date('Creation date of the audience'),
    update_date: date('Update date of the audience'),
    links: z.object({ self: z.string(), account: z.string(), contacts: z.string() }),
  })
  .openapi('Audience');

export const AudienceContactSchema = z
  .object({
    id: uuid('Unique identifier of the contact in the audience'),
    account_id: uuid('Unique identifier of the account'),
    audience_id: uuid('Unique identifier of the audience'),
    number: z.string().openapi({ description: 'Phone number of the contact, E.164', example: '+14155552671' }),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    timestamp: z.string().nullable().openapi({ description: 'Timestamp value' }),
    date: z.string().nullable().openapi({ description: 'Date value to customize messages per contact' }),
    tags: z.array(z.string()),
    create_date: date('Creation date of the contact'),
    update_date: date('Update date of the contact'),
    links: z.object({ self: z.string(), account: z.string(), audience: z.string() }),
  })
  .openapi('AudienceContact');

export const PaginationSchema = z
  .object({
    number: z.number().int().openapi({ description: 'Number of the current page, from 1' }),
    size: z.number().int().openapi({ description: 'Items in this page' }),
    total: z.number().int().openapi({ description: 'All matching items' }),
    links: z.object({
      first: z.string(),
      current: z.string(),
      previous: z.string().nullable(),
      next: z.string().nullable(),
    }),
  })
  .openapi('Pagination');

export const AudienceContactFields = z
  .object({
    number: nullableString('Phone number; the leading + is optional. Stored as E.164.'),
    first_name: nullableString('At most 128 characters'),
    last_name: nullableString('At most 128 characters'),
    timestamp: nullableString('At most 64 characters'),
    date: nullableString('At most 64 characters'),
    tags: z.array(z.string()).nullish().openapi({ description: 'At most 10, each 1 to 64 characters' }),
  })
  .openapi('AudienceContactInput');

/** A body's audience-contact fields as the services take them: absent stays absent, null stays null. */
export function audienceContactInput(fields: z.infer<typeof AudienceContactFields>) {
  const { number, first_name, last_name, timestamp, date, tags } = fields;
  return {
    number: number as string,
    ...(first_name !== undefined ? { firstName: first_name } : {}),
    ...(last_name !== undefined ? { lastName: last_name } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(tags !== undefined ? { tags } : {}),
  };
}

export function presentAudience(base: string, audience: Audience, contactsCount?: number): z.infer<typeof AudienceSchema> {
  return {
    id: audience.id,
    account_id: audience.accountId,
    name: audience.name,
    channel: audience.channel as 'SMS' | 'VIBER' | 'WHATSAPP',
    ...(contactsCount === undefined ? {} : { contacts_count: contactsCount }),
    create_date: dexatelDate(audience.createdAt),
    update_date: dexatelDate(audience.updatedAt),
    links: {
      self: `${base}/audiences/${audience.id}`,
      account: `${base}/accounts/${audience.accountId}`,
      contacts: `${base}/audiences/${audience.id}/contacts`,
    },
  };
}

export function presentAudienceContact(base: string, accountId: string, row: AudienceContactRow): z.infer<typeof AudienceContactSchema> {
  const number = row.number;
  return {
    id: row.id,
    account_id: accountId,
    audience_id: row.audienceId,
    number,
    first_name: row.firstName,
    last_name: row.lastName,
    timestamp: row.timestamp,
    date: row.date,
    tags: row.tags,
    create_date: dexatelDate(row.createdAt),
    update_date: dexatelDate(row.updatedAt),
    links: {
      self: `${base}/audiences/${row.audienceId}/contacts/${row.id}`,
      account: `${base}/accounts/${accountId}`,
      audience: `${base}/audiences/${row.audienceId}`,
    },
  };
}
