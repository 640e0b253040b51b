import type { Audience, AudienceContact, Contact } from '../db/generated/client.js';
import { type AudienceContactInput, validateAudienceContact, detailsToColumns } from '../domain/audienceContact.js';
import { appError } from '../domain/errors.js';
import {
  type AudienceContactFilter,
  type AudienceContactFilterInput,
  type AudienceFilterInput,
  validateAudienceContactFilter,
  validateAudienceFilter,
} from '../domain/filters.js';
import { audienceNameKey, type ChannelName, limits, validateAudienceName, validateChannel } from '../domain/validation.js';
import { type Connection, type ConnectionArgs, pageRequestFor } from './connections.js';
import { findOrCreateContactId } from './contactRows.js';
import { isUniqueViolation } from './errors.js';
import { type LiveEvent, publishLive } from './liveEvents.js';
import type { RequestScope } from './loaders.js';
import { normalizeSearch } from './search.js';
import type { AccountScope } from './scope.js';

export async function getAudience(scope: RequestScope, id: string): Promise<Audience | null> {
  return scope.loaders.audienceById.load(id);
}

/** The audience or AUDIENCE_NOT_FOUND: another account's audience is indistinguishable from none. */
export async function requireAudience(scope: RequestScope, id: string, field = 'id'): Promise<Audience> {
  const audience = await scope.loaders.audienceById.load(id);
  if (!audience) throw appError('AUDIENCE_NOT_FOUND', field);
  return audience;
}

export async function listAudiences(
  scope: RequestScope,
  args: ConnectionArgs<AudienceFilterInput> & { channel?: ChannelName | null; search?: string | null },
): Promise<Connection<Audience>> {
  const filter = validateAudienceFilter(args.filter, { channel: args.channel, search: args.search });
  filter.search = normalizeSearch(filter.search);
  return scope.loaders.audiences.connection(scope.accountId, pageRequestFor(args, filter), filter, args.withTotal);
}

/** The filter of an audience's contacts, checked, its search reduced to what it matches on. */
export function audienceContactFilter(input: AudienceContactFilterInput | null | undefined, search?: string | null): AudienceContactFilter {
  const filter = validateAudienceContactFilter(input, { search });
  filter.search = normalizeSearch(filter.search);
  return filter;
}

/** Contacts of an audience already known to be the account's (a resolved Audience). */
export async function listAudienceContacts(
  scope: RequestScope,
  audience: Audience,
  args: ConnectionArgs<AudienceContactFilterInput> & { search?: string | null },
): Promise<Connection<AudienceContact>> {
  const filter = audienceContactFilter(args.filter, args.search);
  return scope.loaders.audienceContacts.connection(audience.id, pageRequestFor(args, filter), filter, args.withTotal);
}

/** How many contacts an audience already known to be the account's has. */
export async function countAudienceContacts(scope: RequestScope, audience: Audience): Promise<number> {
  return scope.loaders.audienceContacts.count(audience.id, audienceContactFilter(null));
}

/** The audiences a contact is in. */
export async function listContactAudiences(scope: RequestScope, contact: Contact, args: ConnectionArgs<never>): Promise<Connection<Audience>> {
  return scope.loaders.contactAudiences.connection(contact.id, pageRequestFor(args, {}), {});
}

export interface CreateAudienceInput {
  name: string | null | undefined;
  channel: string | null | undefined;
  contacts?: AudienceContactInput[] | null;
}

/** Creates an audience with up to 10 contacts, atomically: all of it lands or none does. */
export async function createAudience(scope: AccountScope, input: CreateAudienceInput): Promise<Audience> {
  const name = validateAudienceName(input.name);
  const channel = validateChannel(input.channel);
  const contacts = input.contacts ?? [];
  if (contacts.length > limits.createAudienceContacts) throw appError('AUDIENCE_TOO_MANY_CONTACTS', 'contacts');
  const valid = contacts.map((contact, index) => validateAudienceContact(contact, `contacts[${index}].`));
  const seen = new Set<string>();
  valid.forEach((contact, index) => {
    if (seen.has(contact.number)) throw appError('CONTACT_ALREADY_EXISTS', `contacts[${index}].number`);
    seen.add(contact.number);
  });

  const events: LiveEvent[] = [];
  try {
    const created = await scope.prisma.$transaction(async (tx) => {
      const audience = await tx.audience.create({
        data: { accountId: scope.accountId, name, nameKey: audienceNameKey(name), channel },
      });
      for (const contact of valid) {
        const { number, country, ...details } = contact;
        const contactId = await findOrCreateContactId(tx, scope.accountId, number, country);
        const row = await tx.audienceContact.create({ data: { audienceId: audience.id, contactId, number, country, ...detailsToColumns(details) } });
        // Each contact's audiences changed (contactChanged): told once all of it has committed.
        events.push({ kind: 'ROW_ADDED', accountId: scope.accountId, audienceId: audience.id, rowId: row.id, contactId });
      }
      return audience;
    });
    publishLive(scope.prisma, events);
    return created;
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('AUDIENCE_ALREADY_EXISTS', 'name');
    throw error;
  }
}

export async function updateAudience(scope: AccountScope, id: string, input: { name?: string | null }): Promise<Audience> {
  const data: { name?: string; nameKey?: string } = {};
  if (input.name !== undefined) {
    const name = validateAudienceName(input.name);
    data.name = name;
    data.nameKey = audienceNameKey(name);
  }
  try {
    const [updated] = await scope.prisma.audience.updateManyAndReturn({ where: { id, accountId: scope.accountId }, data });
    if (!updated) throw appError('AUDIENCE_NOT_FOUND', 'id');
    publishLive(scope.prisma, [{ kind: 'AUDIENCE_UPDATED', accountId: scope.accountId, audienceId: id }]);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('AUDIENCE_ALREADY_EXISTS', 'name');
    throw error;
  }
}

/** Deletes an audience and its audience contacts; the account's Contacts stay. */
export async function deleteAudience(scope: AccountScope, id: string): Promise<string> {
  const { count } = await scope.prisma.audience.deleteMany({ where: { id, accountId: scope.accountId } });
  if (count === 0) throw appError('AUDIENCE_NOT_FOUND', 'id');
  publishLive(scope.prisma, [{ kind: 'AUDIENCE_DELETED', accountId: scope.accountId, audienceId: id }]);
  return id;
}
