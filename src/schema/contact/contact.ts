import { listContactAudiences } from '../../services/audiences.js';
import { getContact, listContacts } from '../../services/contacts.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { parseGlobalId } from '../ids.js';
import { selectsTotalCount } from '../selection.js';
import { AudienceConnection, AudienceRef, ContactConnection, ContactRef } from '../refs.js';
import { AudienceOrder, ContactFilterInput, ContactOrder, orderOf } from '../segments/inputs.js';

builder.node(ContactRef, {
  description: 'A person of the account, known by one phone number; it can be in any number of audiences.',
  id: { resolve: (contact) => contact.id },
  loadMany: (ids, context) => Promise.all(ids.map((id) => accountScope(context).loaders.contactById.load(id))),
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'phone' in value,
  fields: (t) => ({
    phone: t.exposeString('phone', { description: 'E.164, e.g. +14155552671.' }),
    country: t.exposeString('country', {
      nullable: true,
      description: "The number's country (ISO 3166-1 alpha-2, e.g. US); null for a number of no single country (+800…).",
    }),
    name: t.exposeString('name', { nullable: true, description: 'At most 256 characters.' }),
    email: t.exposeString('email', { nullable: true, description: 'As given; not checked for delivery.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the contact was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the contact last changed.' }),
    audiences: t.connection(
      {
        type: AudienceRef,
        description: 'The audiences this contact is in, oldest first unless `orderBy` says otherwise.',
        args: { orderBy: t.arg({ type: AudienceOrder, required: false }) },
        resolve: (contact, args, context) => listContactAudiences(accountScope(context), contact, { ...args, orderBy: orderOf(args.orderBy) }),
      },
      AudienceConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  contacts: t.connection(
    {
      type: ContactRef,
      description: "The account's contacts, oldest first unless `orderBy` says otherwise.",
      args: {
        search: t.arg.string({
          required: false,
          description: 'Matches name, email, or the number ("+1 415", "1415", "(415)"). The same as `filter.search` (give one of them).',
        }),
        audienceId: t.arg.id({ required: false, description: 'Only the contacts in this audience. The same as `filter.audienceId` (give one of them).' }),
        filter: t.arg({ type: ContactFilterInput, required: false }),
        orderBy: t.arg({ type: ContactOrder, required: false }),
      },
      resolve: (_root, args, context, info) =>
        listContacts(accountScope(context), {
          ...args,
          audienceId: args.audienceId == null ? null : parseGlobalId(args.audienceId, 'Audience', 'audienceId'),
          filter: args.filter && {
            ...args.filter,
            audienceId: args.filter.audienceId == null ? null : parseGlobalId(args.filter.audienceId, 'Audience', 'filter.audienceId'),
            notInAudienceId: args.filter.notInAudienceId == null ? null : parseGlobalId(args.filter.notInAudienceId, 'Audience', 'filter.notInAudienceId'),
          },
          orderBy: orderOf(args.orderBy),
          withTotal: selectsTotalCount(info),
        }),
    },
    ContactConnection,
  ),
  contact: t.field({
    type: ContactRef,
    nullable: true,
    description: "One of the account's contacts; null when there is no such contact in the account.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => getContact(accountScope(context), parseGlobalId(args.id, 'Contact', 'id')),
  }),
}));
