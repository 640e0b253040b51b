import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { AudienceContactRef, AudienceRef, ContactRef } from '../refs.js';

builder.node(AudienceContactRef, {
  description: 'A contact as it stands in one audience, with the personal details valid only there.',
  id: { resolve: (row) => row.id },
  loadMany: (ids, context) => Promise.all(ids.map((id) => accountScope(context).loaders.audienceContactById.load(id))),
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'audienceId' in value && 'contactId' in value,
  fields: (t) => ({
    audience: t.field({
      type: AudienceRef,
      description: 'The audience this row belongs to.',
      resolve: async (row, _args, context) => (await accountScope(context).loaders.audienceById.load(row.audienceId))!,
    }),
    contact: t.field({
      type: ContactRef,
      description: "The account's contact with this number, shared by every audience it is in.",
      resolve: async (row, _args, context) => (await accountScope(context).loaders.contactById.load(row.contactId))!,
    }),
    number: t.exposeString('number', { description: "E.164, the number of the account's Contact." }),
    country: t.exposeString('country', { nullable: true, description: "The number's country, as the Contact's." }),
    firstName: t.exposeString('firstName', { nullable: true, description: 'The first name to greet this contact by in this audience.' }),
    lastName: t.exposeString('lastName', { nullable: true, description: 'The last name this contact has in this audience.' }),
    timestamp: t.exposeString('timestamp', { nullable: true, description: 'A free value to customise messages with.' }),
    date: t.exposeString('date', { nullable: true, description: 'A free value to customise messages with.' }),
    tags: t.exposeStringList('tags', { description: 'Free labels to select contacts by (filter.tags), at most 10; in the order added.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the contact joined this audience.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When its details in this audience last changed.' }),
  }),
});
