import { addAudienceContact, removeAudienceContact, updateAudienceContact } from '../../services/audienceContacts.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { encodeGlobalId, parseGlobalId } from '../ids.js';
import { AudienceContactRef } from '../refs.js';

builder.relayMutationField(
  'addAudienceContact',
  {
    inputFields: (t) => ({
      audienceId: t.id({ required: true }),
      number: t.string({ required: true, description: 'A phone number; the leading + is optional. Stored as E.164.' }),
      firstName: t.string({ required: false }),
      lastName: t.string({ required: false }),
      timestamp: t.string({ required: false }),
      date: t.string({ required: false }),
      tags: t.stringList({ required: false }),
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
  { outputFields: (t) => ({ audienceContact: t.field({ type: AudienceContactRef, resolve: (payload) => payload.audienceContact }) }) },
);

builder.relayMutationField(
  'updateAudienceContact',
  {
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
  { outputFields: (t) => ({ audienceContact: t.field({ type: AudienceContactRef, resolve: (payload) => payload.audienceContact }) }) },
);

builder.relayMutationField(
  'removeAudienceContact',
  { inputFields: (t) => ({ id: t.id({ required: true, description: 'An AudienceContact id.' }) }) },
  {
    description: "Takes a contact out of one audience; the account's contact stays.",
    resolve: async (_root, { input }, context) => ({
      removedAudienceContactId: encodeGlobalId(
        'AudienceContact',
        await removeAudienceContact(accountScope(context), parseGlobalId(input.id, 'AudienceContact', 'id')),
      ),
    }),
  },
  { outputFields: (t) => ({ removedAudienceContactId: t.id({ resolve: (payload) => payload.removedAudienceContactId }) }) },
);
