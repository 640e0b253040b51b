import type { Contact } from '../db/generated/client.js';
import { appError } from '../domain/errors.js';
import { type PageArgs, parsePageArgs } from '../domain/pagination.js';
import { normalizePhone } from '../domain/phone.js';
import { validateContactName, validateEmail } from '../domain/validation.js';
import type { Connection } from './connections.js';
import { lockOwnedAudiences } from './contactRows.js';
import { isUniqueViolation } from './errors.js';
import type { RequestScope } from './loaders.js';
import { normalizeSearch } from './search.js';
import type { AccountScope } from './scope.js';

export async function getContact(scope: RequestScope, id: string): Promise<Contact | null> {
  return scope.loaders.contactById.load(id);
}

/** The account's contacts, optionally only those in one audience (which must be the account's). */
export async function listContacts(
  scope: RequestScope,
  args: PageArgs & { search?: string | null; audienceId?: string | null },
): Promise<Connection<Contact>> {
  const request = parsePageArgs(args);
  if (args.audienceId != null && !(await scope.loaders.audienceById.load(args.audienceId))) {
    throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
  }
  return scope.loaders.contacts.connection(scope.accountId, request, {
    search: normalizeSearch(args.search),
    audienceId: args.audienceId ?? null,
  });
}

export interface CreateContactInput {
  phone: string;
  name?: string | null;
  email?: string | null;
  audienceIds?: string[] | null;
}

/** Seed 003's "add a contact": an account-level person, optionally put into audiences at once. */
export async function createContact(scope: AccountScope, input: CreateContactInput): Promise<Contact> {
  const phone = normalizePhone(input.phone, 'phone');
  const name = validateContactName(input.name) ?? null;
  const email = validateEmail(input.email) ?? null;
  const audienceIds = [...new Set(input.audienceIds ?? [])];
  try {
    return await scope.prisma.$transaction(async (tx) => {
      if (audienceIds.length) {
        const ownedIds = await lockOwnedAudiences(tx, scope.accountId, audienceIds);
        const missing = (input.audienceIds ?? []).findIndex((id) => !ownedIds.has(id));
        if (missing >= 0) throw appError('AUDIENCE_NOT_FOUND', `audienceIds[${missing}]`);
      }
      return tx.contact.create({
        data: {
          accountId: scope.accountId,
          phone,
          name,
          email,
          audiences: { create: audienceIds.map((audienceId) => ({ audienceId })) },
        },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('CONTACT_ALREADY_EXISTS', 'phone');
    throw error;
  }
}

export interface UpdateContactInput {
  phone?: string | null;
  name?: string | null;
  email?: string | null;
}

/** An omitted field keeps its value; null clears name or email; a phone cannot be cleared (1353). */
export async function updateContact(scope: AccountScope, id: string, input: UpdateContactInput): Promise<Contact> {
  const data: { phone?: string; name?: string | null; email?: string | null } = {};
  if (input.phone !== undefined) data.phone = normalizePhone(input.phone, 'phone');
  if (input.name !== undefined) data.name = validateContactName(input.name) ?? null;
  if (input.email !== undefined) data.email = validateEmail(input.email) ?? null;
  try {
    const updated = await scope.prisma.contact.updateManyAndReturn({ where: { id, accountId: scope.accountId }, data });
    if (!updated[0]) throw appError('CONTACT_NOT_FOUND', 'id');
    return updated[0];
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('CONTACT_ALREADY_EXISTS', 'phone');
    throw error;
  }
}

/** Seed 003's permanent delete: the contact leaves every audience with it. */
export async function deleteContact(scope: AccountScope, id: string): Promise<string> {
  const { count } = await scope.prisma.contact.deleteMany({ where: { id, accountId: scope.accountId } });
  if (count === 0) throw appError('CONTACT_NOT_FOUND', 'id');
  return id;
}
