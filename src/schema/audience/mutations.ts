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
      channel: t.field({ type: ChannelEnum, required: true, description: 'The channel its campaigns go out on; it cannot change later.' }),
      contacts: t.field({ type: [AudienceContactInput], required: false, description: 'At most 10.' }),
    }),
  },
  {
    description: 'Creates an audience, with its first contacts, atomically: all of it lands or none does.',
    resolve: async (_root, { input }, context) => ({ audience: await createAudience(accountScope(context), input) }),
  },
  { description: 'The audience created.', outputFields: (t) => ({ audience: t.field({ type: AudienceRef, description: 'The new audience.', resolve: (payload) => payload.audience }) }) },
);

builder.relayMutationField(
  'updateAudience',
  {
    description: 'The audience and its new name.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The Audience to rename.' }),
      name: t.string({ required: false, description: 'Omitted: kept.' }),
    }),
  },
  {
    description: 'Renames an audience.',
    resolve: async (_root, { input }, context) => ({
      audience: await updateAudience(accountScope(context), parseGlobalId(input.id, 'Audience', 'id'), { name: input.name }),
    }),
  },
  { description: 'The audience renamed.', outputFields: (t) => ({ audience: t.field({ type: AudienceRef, description: 'The audience as it is now.', resolve: (payload) => payload.audience }) }) },
);

builder.relayMutationField(
  'deleteAudience',
  { description: 'The audience to delete.', inputFields: (t) => ({ id: t.id({ required: true, description: 'The Audience to delete.' }) }) },
  {
    description: "Deletes an audience and its audience contacts; the account's contacts stay.",
    resolve: async (_root, { input }, context) => ({
      deletedAudienceId: encodeGlobalId('Audience', await deleteAudience(accountScope(context), parseGlobalId(input.id, 'Audience', 'id'))),
    }),
  },
  {
    description: 'The audience deleted.',
    outputFields: (t) => ({ deletedAudienceId: t.id({ description: 'The global id the audience had: drop it from client caches.', resolve: (payload) => payload.deletedAudienceId }) }),
  },
);

const ImportRejectedRow = builder.objectRef<RejectedRow>('ImportRejectedRow');

ImportRejectedRow.implement({
  description: 'A row of an import that did not land, and why.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the row in the input list, from 0.' }),
    number: t.exposeString('number', { nullable: true, description: 'The number as the row gave it.' }),
    code: t.exposeString('code', { description: 'The error code, as a GraphQL error would have it in extensions.code.' }),
    numericCode: t.exposeInt('numericCode', { nullable: true, description: "The error's number in the catalogue, when it has one." }),
    message: t.exposeString('message', { description: 'What was wrong with the row, in words.' }),
    field: t.exposeString('field', { nullable: true, description: 'The field of the row that failed.' }),
  }),
});

builder.relayMutationField(
  'importAudienceContacts',
  {
    description: 'The audience and the rows to import into it.',
    inputFields: (t) => ({
      audienceId: t.id({ required: true, description: 'The Audience to import into.' }),
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
    description: 'What the import did, row by row.',
    outputFields: (t) => ({
      importedCount: t.int({ description: 'Rows added to the audience.', resolve: (payload) => payload.importedCount }),
      updatedCount: t.int({ description: 'Rows already in the audience, updated.', resolve: (payload) => payload.updatedCount }),
      rejected: t.field({ type: [ImportRejectedRow], description: 'The rows that did not land, in input order.', resolve: (payload) => payload.rejected }),
      audience: t.field({
        type: AudienceRef,
        description: 'The audience after the import.',
        resolve: async (payload, _args, context) => (await accountScope(context).loaders.audienceById.load(payload.audienceId))!,
      }),
    }),
  },
);
