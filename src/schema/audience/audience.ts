import { getAudience, listAudienceContacts, listAudiences } from '../../services/audiences.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { parseGlobalId } from '../ids.js';
import { selectsTotalCount } from '../selection.js';
import { AudienceConnection, AudienceContactConnection, AudienceContactRef, AudienceRef, ChannelEnum } from '../refs.js';
import { AudienceContactFilterInput, AudienceContactOrder, AudienceFilterInput, AudienceOrder, orderOf } from '../segments/inputs.js';

builder.node(AudienceRef, {
  description: 'A group of contacts targeted together in a campaign on one channel.',
  id: { resolve: (audience) => audience.id },
  loadMany: (ids, context) => Promise.all(ids.map((id) => accountScope(context).loaders.audienceById.load(id))),
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'nameKey' in value,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique in the account, compared case-insensitively.' }),
    channel: t.field({ type: ChannelEnum, description: 'The channel its campaigns go out on; set at creation.', resolve: (audience) => audience.channel }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the audience was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last renamed (its contacts changing does not count).' }),
    contacts: t.connection(
      {
        type: AudienceContactRef,
        description: 'The contacts of this audience, oldest first unless `orderBy` says otherwise.',
        args: {
          search: t.arg.string({
            required: false,
            description: 'Matches first or last name, or the number: "+1 415", "1415" and "(415)" all find +14155552671. The same as `filter.search` (give one of them).',
          }),
          filter: t.arg({ type: AudienceContactFilterInput, required: false }),
          orderBy: t.arg({ type: AudienceContactOrder, required: false }),
        },
        resolve: (audience, args, context, info) =>
          listAudienceContacts(accountScope(context), audience, { ...args, orderBy: orderOf(args.orderBy), withTotal: selectsTotalCount(info) }),
      },
      AudienceContactConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  audiences: t.connection(
    {
      type: AudienceRef,
      description: "The account's audiences, oldest first unless `orderBy` says otherwise.",
      args: {
        channel: t.arg({ type: ChannelEnum, required: false, description: 'The same as `filter.channel` (give one of them).' }),
        search: t.arg.string({ required: false, description: 'Case-insensitive substring of the name. The same as `filter.search` (give one of them).' }),
        filter: t.arg({ type: AudienceFilterInput, required: false }),
        orderBy: t.arg({ type: AudienceOrder, required: false }),
      },
      resolve: (_root, args, context, info) =>
        listAudiences(accountScope(context), { ...args, orderBy: orderOf(args.orderBy), withTotal: selectsTotalCount(info) }),
    },
    AudienceConnection,
  ),
  audience: t.field({
    type: AudienceRef,
    nullable: true,
    description: "One of the account's audiences; null when there is no such audience in the account.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => getAudience(accountScope(context), parseGlobalId(args.id, 'Audience', 'id')),
  }),
}));
