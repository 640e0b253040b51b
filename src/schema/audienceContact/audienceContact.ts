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
      resolve: async (row, _args, context) => (await accountScope(context).loaders.audienceById.load(row.audienceId))!,
    }),
    contact: t.field({
      type: ContactRef,
      resolve: async (row, _args, context) => (await accountScope(context).loaders.contactById.load(row.contactId))!,
    }),
    number: t.exposeString('number', { description: "E.164, the number of the account's Contact." }),
    country: t.exposeString('country', { nullable: true, description: "The number's country, as the Contact's." }),
    firstName: t.exposeString('firstName', { nullable: true }),
    lastName: t.exposeString('lastName', { nullable: true }),
    timestamp: t.exposeString('timestamp', { nullable: true, description: 'A free value to customise messages with.' }),
    date: t.exposeString('date', { nullable: true, description: 'A free value to customise messages with.' }),
    tags: t.exposeStringList('tags'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
