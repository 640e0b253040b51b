import { addAudienceContact, removeAudienceContact, updateAudienceContact } from '../../services/audienceContacts.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { encodeGlobalId, parseGlobalId } from '../ids.js';
import { AudienceContactRef } from '../refs.js';

builder.relayMutationField(
  'addAudienceContact',
  {
    description: 'The audience, the number to add and the details it has there.',
    inputFields: (t) => ({
      audienceId: t.id({ required: true, description: 'The Audience to add the number to.' }),
      number: t.string({ required: true, description: 'A phone number; the leading + is optional. Stored as E.164.' }),
      firstName: t.string({ required: false, description: 'At most 128 characters.' }),
      lastName: t.string({ required: false, description: 'At most 128 characters.' }),
      timestamp: t.string({ required: false, description: 'At most 64 characters.' }),
      date: t.string({ required: false, description: 'At most 64 characters.' }),
      tags: t.stringList({ required: false, description: 'At most 10, each 1 to 64 characters.' }),
    }),
  },
  {
    description: "Adds a number to an audience, creating the account's contact for it when there is none.",
    resolve: async (_root, { input }, context) => {
      const { audienceId, ...contact } = input;
      const audience = parseGlobalId(audienceId, 'Audience', 'audienceId');
      return { audienceContact: await addAudienceContact(accountScope(context), audience, contact) };
    },
  },
  {
    description: 'The contact added.',
    outputFields: (t) => ({ audienceContact: t.field({ type: AudienceContactRef, description: 'The new row of the audience.', resolve: (payload) => payload.audienceContact }) }),
  },
);

builder.relayMutationField(
  'updateAudienceContact',
  {
    description: 'The row and the details to change.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'An AudienceContact id.' }),
      firstName: t.string({ required: false, description: 'Omitted: kept. null: cleared.' }),
      lastName: t.string({ required: false, description: 'Omitted: kept. null: cleared.' }),
      timestamp: t.string({ required: false, description: 'Omitted: kept. null: cleared.' }),
      date: t.string({ required: false, description: 'Omitted: kept. null: cleared.' }),
      tags: t.stringList({ required: false, description: 'Omitted: kept. null: cleared to [].' }),
    }),
  },
  {
    description: 'Changes the details a contact has in one audience.',
    resolve: async (_root, { input }, context) => {
      const { id, ...details } = input;
      const audienceContactId = parseGlobalId(id, 'AudienceContact', 'id');
      return { audienceContact: await updateAudienceContact(accountScope(context), audienceContactId, details) };
    },
  },
  {
    description: 'The row changed.',
    outputFields: (t) => ({ audienceContact: t.field({ type: AudienceContactRef, description: 'The row as it is now.', resolve: (payload) => payload.audienceContact }) }),
  },
);

builder.relayMutationField(
  'removeAudienceContact',
  { description: 'The row to take out of its audience.', inputFields: (t) => ({ id: t.id({ required: true, description: 'An AudienceContact id.' }) }) },
  {
    description: "Takes a contact out of one audience; the account's contact stays.",
    resolve: async (_root, { input }, context) => ({
      removedAudienceContactId: encodeGlobalId(
        'AudienceContact',
        await removeAudienceContact(accountScope(context), parseGlobalId(input.id, 'AudienceContact', 'id')),
      ),
    }),
  },
  {
    description: 'The row removed.',
    outputFields: (t) => ({
      removedAudienceContactId: t.id({ description: 'The global id the row had: drop it from client caches and connections.', resolve: (payload) => payload.removedAudienceContactId }),
    }),
  },
);
