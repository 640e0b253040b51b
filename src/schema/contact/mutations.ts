import { createContact, deleteContact, updateContact } from '../../services/contacts.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { encodeGlobalId, parseGlobalId } from '../ids.js';
import { ContactRef } from '../refs.js';

builder.relayMutationField(
  'createContact',
  {
    description: 'The phone number and details of the new contact.',
    inputFields: (t) => ({
      phone: t.string({ required: true, description: 'A phone number; the leading + is optional. Stored as E.164.' }),
      name: t.string({ required: false, description: 'At most 256 characters.' }),
      email: t.string({ required: false, description: 'As given; not checked for delivery.' }),
      audienceIds: t.idList({ required: false, description: 'Audiences to put the contact in at once.' }),
    }),
  },
  {
    description: 'Creates a contact of the account, optionally in some audiences at once.',
    resolve: async (_root, { input }, context) => ({
      contact: await createContact(accountScope(context), {
        ...input,
        audienceIds: input.audienceIds?.map((id, index) => parseGlobalId(id, 'Audience', `audienceIds[${index}]`)),
      }),
    }),
  },
  { description: 'The contact created.', outputFields: (t) => ({ contact: t.field({ type: ContactRef, description: 'The new contact.', resolve: (payload) => payload.contact }) }) },
);

builder.relayMutationField(
  'updateContact',
  {
    description: 'The contact and the details to change.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The Contact to change.' }),
      name: t.string({ required: false, description: 'Omitted: kept. null: cleared.' }),
      email: t.string({ required: false, description: 'Omitted: kept. null: cleared.' }),
      phone: t.string({ required: false, description: 'Omitted: kept. Cannot be cleared.' }),
    }),
  },
  {
    description: 'Changes a contact of the account.',
    resolve: async (_root, { input }, context) => {
      const { id, ...changes } = input;
      return { contact: await updateContact(accountScope(context), parseGlobalId(id, 'Contact', 'id'), changes) };
    },
  },
  { description: 'The contact changed.', outputFields: (t) => ({ contact: t.field({ type: ContactRef, description: 'The contact as it is now.', resolve: (payload) => payload.contact }) }) },
);

builder.relayMutationField(
  'deleteContact',
  { description: 'The contact to delete.', inputFields: (t) => ({ id: t.id({ required: true, description: 'The Contact to delete.' }) }) },
  {
    description: 'Deletes a contact permanently; it leaves every audience it was in.',
    resolve: async (_root, { input }, context) => ({
      deletedContactId: encodeGlobalId('Contact', await deleteContact(accountScope(context), parseGlobalId(input.id, 'Contact', 'id'))),
    }),
  },
  {
    description: 'The contact deleted.',
    outputFields: (t) => ({ deletedContactId: t.id({ description: 'The global id the contact had: drop it from client caches.', resolve: (payload) => payload.deletedContactId }) }),
  },
);
