import type { AudienceContact } from '../db/generated/client.js';
import {
  type AudienceContactInput,
  detailsToColumns,
  validateAudienceContact,
  validateAudienceContactDetails,
} from '../domain/audienceContact.js';
import { appError } from '../domain/errors.js';
import { findOrCreateContactId, lockOwnedAudiences } from './contactRows.js';
import { isUniqueViolation } from './errors.js';
import type { RequestScope } from './loaders.js';
import type { AccountScope } from './scope.js';

export async function getAudienceContact(scope: RequestScope, id: string): Promise<AudienceContact | null> {
  return scope.loaders.audienceContactById.load(id);
}

/** Adds a number to an audience: finds or creates the account's Contact, then links it (1360 when linked). */
export async function addAudienceContact(
  scope: AccountScope,
  audienceId: string,
  input: AudienceContactInput,
): Promise<AudienceContact> {
  const contact = validateAudienceContact(input);
  const { number, ...details } = contact;
  try {
    return await scope.prisma.$transaction(async (tx) => {
      const owned = await lockOwnedAudiences(tx, scope.accountId, [audienceId]);
      if (!owned.has(audienceId)) throw appError('AUDIENCE_NOT_FOUND', 'audienceId');
      const contactId = await findOrCreateContactId(tx, scope.accountId, number);
      return tx.audienceContact.create({ data: { audienceId, contactId, ...detailsToColumns(details) } });
    });
  } catch (error) {
    // The (audience, contact) unique constraint decides races: of concurrent adds, exactly one wins.
    if (isUniqueViolation(error)) throw appError('CONTACT_ALREADY_EXISTS', 'number');
    throw error;
  }
}

/** Seed 002's PUT: an omitted field keeps its value, an explicit null clears it. */
export async function updateAudienceContact(
  scope: AccountScope,
  id: string,
  input: Omit<AudienceContactInput, 'number'>,
): Promise<AudienceContact> {
  const details = validateAudienceContactDetails(input);
  const updated = await scope.prisma.audienceContact.updateManyAndReturn({
    where: { id, audience: { accountId: scope.accountId } },
    data: detailsToColumns(details),
  });
  if (!updated[0]) throw appError('CONTACT_NOT_FOUND', 'id');
  return updated[0];
}

/** Takes a contact out of one audience; the account's Contact stays. */
export async function removeAudienceContact(scope: AccountScope, id: string): Promise<string> {
  const { count } = await scope.prisma.audienceContact.deleteMany({ where: { id, audience: { accountId: scope.accountId } } });
  if (count === 0) throw appError('CONTACT_NOT_FOUND', 'id');
  return id;
}
