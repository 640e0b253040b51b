import {
  copyAudienceContacts,
  MAX_SEGMENT_IDS,
  moveAudienceContacts,
  removeAudienceContacts,
  type SegmentActionResult,
  type SegmentSkipReason,
  tagAudienceContacts,
} from '../../services/segmentActions.js';
import { builder } from '../builder.js';
import { accountScope, type GraphQLContext } from '../context.js';
import { encodeGlobalId, parseGlobalId } from '../ids.js';
import { AudienceRef } from '../refs.js';
import { AudienceContactFilterInput } from './inputs.js';

/**
 * Acting on a segment (issue 14): the rows of an audience a filter or a list of ids selects, copied, moved,
 * removed or tagged in one transaction (src/services/segmentActions.ts). Resolvers parse ids and nothing more.
 */

const SegmentSkipReasonEnum = builder.enumType('SegmentSkipReason', {
  description: 'Why a selected row was left as it was.',
  values: {
    ALREADY_IN_TARGET: {
      value: 'ALREADY_IN_TARGET',
      description: "The target audience already had the number: its row there is kept as it is, never duplicated (a move still takes the row out of the source).",
    },
    TAG_LIMIT: { value: 'TAG_LIMIT', description: 'The row would have had more than 10 tags: it is left as it was, never cut.' },
    UNCHANGED: { value: 'UNCHANGED', description: 'The row already had every tag to add and none to remove: it is left as it was, updatedAt too.' },
  } satisfies Record<SegmentSkipReason, { value: SegmentSkipReason; description: string }>,
});

const SegmentSkippedRef = builder.objectRef<{ reason: SegmentSkipReason; count: number }>('SegmentSkipped').implement({
  description: 'How many selected rows were skipped for one reason.',
  fields: (t) => ({
    reason: t.field({ type: SegmentSkipReasonEnum, description: 'Why these rows were left as they were.', resolve: (skip) => skip.reason }),
    count: t.exposeInt('count', { description: 'How many rows this reason skipped.' }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The fields every payload of an action on a segment has: every selected row is counted once. */
const resultFields = <Shape extends SegmentActionResult>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => ({
  matchedCount: t.int({ description: 'Rows the filter or the ids selected in the (source) audience.', resolve: (payload) => payload.matchedCount }),
  changedCount: t.int({ description: 'Rows copied, moved, removed or retagged.', resolve: (payload) => payload.changedCount }),
  skippedCount: t.int({ description: 'Selected rows left as they were (matchedCount − changedCount): the sum of `skipped`.', resolve: (payload) => payload.skippedCount }),
  skipped: t.field({
    type: [SegmentSkippedRef],
    description: 'The skipped rows by reason: one entry for each reason that skipped at least one row.',
    resolve: (payload) => payload.skipped,
  }),
  unmatchedIds: t.idList({
    description: 'The `ids` given that name no row of the (source) audience, in the order given; empty for a filter.',
    resolve: (payload) => payload.unmatchedIds.map((id) => encodeGlobalId('AudienceContact', id)),
  }),
});

const FILTER_DESCRIPTION = 'Select the rows this filter selects (`{}`: every row). Give `filter` or `ids`, not both.';
const IDS_DESCRIPTION = `Select these AudienceContact ids (1 to ${MAX_SEGMENT_IDS.toLocaleString('en-US')}); an id of no row of the audience is not matched and comes back in \`unmatchedIds\`.`;

/** How an action's rows are selected: one of the two. */
const selectionFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
  filter: t.field({ type: AudienceContactFilterInput, required: false, description: FILTER_DESCRIPTION }),
  ids: t.idList({ required: false, description: IDS_DESCRIPTION }),
});

/** The ids of a selection as the services take them (a malformed one is INVALID_CONTACT_ID naming its place). */
const parseIds = (ids: readonly string[] | null | undefined) =>
  ids?.map((id, index) => parseGlobalId(id, 'AudienceContact', `ids[${index}]`));

/** An audience of the payload, as it is after the action. */
const loadAudience = async (context: GraphQLContext, id: string) => (await accountScope(context).loaders.audienceById.load(id))!;
const AFTERWARDS = 'As it is afterwards.';

/** The payload of an action on one audience: the counts, and the audience. */
const audienceResultFields = <Shape extends SegmentActionResult & { audienceId: string }>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => ({
  ...resultFields(t),
  audience: t.field({ type: AudienceRef, description: AFTERWARDS, resolve: (payload, _args, context) => loadAudience(context, payload.audienceId) }),
});

const TRANSFER_DESCRIPTION =
  'The number and the details it has in the source (firstName, lastName, timestamp, date, tags) travel with each contact; ' +
  'it joins the target now (createdAt). A number the target already has is skipped as ALREADY_IN_TARGET, its row there left as it is. ' +
  'One transaction, whatever the number of rows.';

for (const [name, action, description] of [
  ['copyAudienceContacts', copyAudienceContacts, `Copies the selected contacts of one audience into another. ${TRANSFER_DESCRIPTION}`],
  [
    'moveAudienceContacts',
    moveAudienceContacts,
    `Moves the selected contacts of one audience into another: every selected row leaves the source, also those whose number the target already had. ${TRANSFER_DESCRIPTION}`,
  ],
] as const) {
  builder.relayMutationField(
    name,
    {
      description: `The audiences and the selection of ${name}.`,
      inputFields: (t) => ({
        fromAudienceId: t.id({ required: true, description: 'The audience the contacts are selected in.' }),
        toAudienceId: t.id({ required: true, description: 'Another audience of the account.' }),
        ...selectionFields(t),
      }),
    },
    {
      description,
      resolve: async (_root, { input }, context) => {
        const fromAudienceId = parseGlobalId(input.fromAudienceId, 'Audience', 'fromAudienceId');
        const toAudienceId = parseGlobalId(input.toAudienceId, 'Audience', 'toAudienceId');
        const result = await action(accountScope(context), { fromAudienceId, toAudienceId, filter: input.filter, ids: parseIds(input.ids) });
        return { ...result, fromAudienceId, toAudienceId };
      },
    },
    {
      description: `What ${name} did.`,
      outputFields: (t) => ({
        ...resultFields(t),
        fromAudience: t.field({ type: AudienceRef, description: AFTERWARDS, resolve: (payload, _args, context) => loadAudience(context, payload.fromAudienceId) }),
        toAudience: t.field({ type: AudienceRef, description: AFTERWARDS, resolve: (payload, _args, context) => loadAudience(context, payload.toAudienceId) }),
      }),
    },
  );
}

builder.relayMutationField(
  'removeAudienceContacts',
  {
    description: 'The audience and the selection of its contacts to remove.',
    inputFields: (t) => ({
      audienceId: t.id({ required: true }),
      ...selectionFields(t),
    }),
  },
  {
    description: "Takes the selected contacts out of an audience, in one transaction; the account's contacts stay.",
    resolve: async (_root, { input }, context) => {
      const audienceId = parseGlobalId(input.audienceId, 'Audience', 'audienceId');
      const result = await removeAudienceContacts(accountScope(context), { audienceId, filter: input.filter, ids: parseIds(input.ids) });
      return { ...result, audienceId };
    },
  },
  {
    description: 'What removeAudienceContacts did.',
    outputFields: audienceResultFields,
  },
);

const TAG_LIST = 'At most 10 tags, each 1 to 64 characters (as `tags`).';

builder.relayMutationField(
  'tagAudienceContacts',
  {
    description: 'The audience, the selection of its contacts, and the tags to add and remove.',
    inputFields: (t) => ({
      audienceId: t.id({ required: true }),
      ...selectionFields(t),
      add: t.stringList({ required: false, description: `Tags to add, after the row's own. ${TAG_LIST}` }),
      remove: t.stringList({ required: false, description: `Tags to remove; a tag also in \`add\` is kept. ${TAG_LIST}` }),
    }),
  },
  {
    description:
      'Adds and removes tags on the selected contacts of an audience, in one transaction: each row gets its tags minus `remove`, then `add`, ' +
      'without duplicates. A row that would pass the limit of 10 tags is skipped as TAG_LIMIT (never cut); one whose tags would not ' +
      'change is skipped as UNCHANGED. Only the rows that change get a new updatedAt.',
    resolve: async (_root, { input }, context) => {
      const audienceId = parseGlobalId(input.audienceId, 'Audience', 'audienceId');
      const result = await tagAudienceContacts(accountScope(context), {
        audienceId,
        filter: input.filter,
        ids: parseIds(input.ids),
        add: input.add,
        remove: input.remove,
      });
      return { ...result, audienceId };
    },
  },
  {
    description: 'What tagAudienceContacts did.',
    outputFields: audienceResultFields,
  },
);
