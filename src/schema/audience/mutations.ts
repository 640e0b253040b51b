import { createAudience, deleteAudience, updateAudience } from '../../services/audiences.js';
import { importAudienceContacts, type RejectedRow } from '../../services/importAudienceContacts.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';
import { encodeGlobalId, parseGlobalId } from '../ids.js';
import { AudienceRef, ChannelEnum } from '../refs.js';
import { AudienceContactInput } from '../audienceContact/inputs.js';

builder.relayMutationField(
  'createAudience',
  {
    description: 'name, channel, and up to 10 contacts to add at once.',
    inputFields: (t) => ({
      name: t.string({ required: true, description: '1 to 128 characters after trimming; unique in the account, ignoring case.' }),
      channel: t.field({ type: ChannelEnum, required: true }),
      contacts: t.field({ type: [AudienceContactInput], required: false, description: 'At most 10.' }),
    }),
  },
  {
    description: 'Creates an audience, with its first contacts, atomically: all of it lands or none does.',
    resolve: async (_root, { input }, context) => ({ audience: await createAudience(accountScope(context), input) }),
  },
  { outputFields: (t) => ({ audience: t.field({ type: AudienceRef, resolve: (payload) => payload.audience }) }) },
);

builder.relayMutationField(
  'updateAudience',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string({ required: false, description: 'Omitted: kept.' }),
    }),
  },
  {
    description: 'Renames an audience.',
    resolve: async (_root, { input }, context) => ({
      audience: await updateAudience(accountScope(context), parseGlobalId(input.id, 'Audience', 'id'), { name: input.name }),
    }),
  },
  { outputFields: (t) => ({ audience: t.field({ type: AudienceRef, resolve: (payload) => payload.audience }) }) },
);

builder.relayMutationField(
  'deleteAudience',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes an audience and its audience contacts; the account's contacts stay.",
    resolve: async (_root, { input }, context) => ({
      deletedAudienceId: encodeGlobalId('Audience', await deleteAudience(accountScope(context), parseGlobalId(input.id, 'Audience', 'id'))),
    }),
  },
  { outputFields: (t) => ({ deletedAudienceId: t.id({ resolve: (payload) => payload.deletedAudienceId }) }) },
);

const ImportRejectedRow = builder.objectRef<RejectedRow>('ImportRejectedRow');

ImportRejectedRow.implement({
  description: 'A row of an import that did not land, and why.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the row in the input list, from 0.' }),
    number: t.exposeString('number', { nullable: true, description: 'The number as the row gave it.' }),
    code: t.exposeString('code'),
    numericCode: t.exposeInt('numericCode', { nullable: true }),
    message: t.exposeString('message'),
    field: t.exposeString('field', { nullable: true, description: 'The field of the row that failed.' }),
  }),
});

builder.relayMutationField(
  'importAudienceContacts',
  {
    inputFields: (t) => ({
      audienceId: t.id({ required: true }),
      contacts: t.field({ type: [AudienceContactInput], required: true, description: 'Up to 10,000 rows.' }),
    }),
  },
  {
    description:
      'Adds or updates up to 10,000 contacts of an audience in one transaction. Valid rows land (a number already in the ' +
      'audience is updated, never duplicated); invalid rows come back in `rejected` with their index and code.',
    resolve: async (_root, { input }, context) => {
      const audienceId = parseGlobalId(input.audienceId, 'Audience', 'audienceId');
      const result = await importAudienceContacts(accountScope(context), audienceId, input.contacts);
      return { ...result, audienceId };
    },
  },
  {
    outputFields: (t) => ({
      importedCount: t.int({ description: 'Rows added to the audience.', resolve: (payload) => payload.importedCount }),
      updatedCount: t.int({ description: 'Rows already in the audience, updated.', resolve: (payload) => payload.updatedCount }),
      rejected: t.field({ type: [ImportRejectedRow], resolve: (payload) => payload.rejected }),
      audience: t.field({
        type: AudienceRef,
        resolve: async (payload, _args, context) => (await accountScope(context).loaders.audienceById.load(payload.audienceId))!,
      }),
    }),
  },
);
