import type { Order } from '../../domain/pagination.js';
import { builder } from '../builder.js';
import { ChannelEnum } from '../refs.js';

/**
 * The filter language and the orders of issue 14 as GraphQL inputs (GitHub's `orderBy: { field, direction }`).
 * The services check them (src/domain/filters.ts) and turn them into SQL; a front only parses ids.
 */

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Which way an order runs.',
  values: { ASC: { value: 'ASC' }, DESC: { value: 'DESC' } } as const,
});

const DIRECTION_DESCRIPTION = 'Ascending by default. Ties are broken by id in the same direction.';

function orderInput<Field extends string>(name: string, fields: readonly Field[], describe: Record<Field, string>) {
  const FieldEnum = builder.enumType(`${name}Field`, {
    description: `What ${name} sorts by.`,
    values: Object.fromEntries(fields.map((field) => [field, { value: field, description: describe[field] }])) as Record<Field, { value: Field; description: string }>,
  });
  return builder.inputType(name, {
    description: 'The order of a connection. A cursor belongs to the order and the filter of the page that gave it.',
    fields: (t) => ({
      field: t.field({ type: FieldEnum, required: true, description: 'What to sort by.' }),
      // Nullable with its default: graphql-jit (the compiled queries) does not apply the default of a non-null
      // input field given through variables, and refused { field: NUMBER } alone.
      direction: t.field({ type: OrderDirectionEnum, required: false, defaultValue: 'ASC', description: DIRECTION_DESCRIPTION }),
    }),
  });
}

const NAME_ORDER =
  'Case-insensitively for A-Z, otherwise by Unicode code point (the same on every database); rows without one come after all others ascending, before them descending.';

export const AudienceContactOrder = orderInput('AudienceContactOrder', ['FIRST_NAME', 'LAST_NAME', 'NUMBER', 'CREATED_AT', 'UPDATED_AT'] as const, {
  FIRST_NAME: NAME_ORDER,
  LAST_NAME: NAME_ORDER,
  NUMBER: 'By the E.164 number, digit by digit.',
  CREATED_AT: 'When the contact joined the audience (the default).',
  UPDATED_AT: 'When its details in the audience last changed.',
});
export const AudienceOrder = orderInput('AudienceOrder', ['NAME', 'CREATED_AT', 'UPDATED_AT'] as const, {
  NAME: 'Case-insensitively for A-Z, otherwise by Unicode code point (the same on every database).',
  CREATED_AT: 'When the audience was created (the default).',
  UPDATED_AT: 'When it last changed.',
});
export const ContactOrder = orderInput('ContactOrder', ['NAME', 'PHONE', 'EMAIL', 'CREATED_AT', 'UPDATED_AT'] as const, {
  NAME: NAME_ORDER,
  PHONE: 'By the E.164 number, digit by digit.',
  EMAIL: NAME_ORDER,
  CREATED_AT: 'When the contact was created (the default).',
  UPDATED_AT: 'When it last changed.',
});

/** An order as the services take it. */
export const orderOf = (input: { field: string; direction?: 'ASC' | 'DESC' | null } | null | undefined): Order | null =>
  input ? { field: input.field, direction: input.direction ?? 'ASC' } : null;

export const TimeRangeInput = builder.inputType('TimeRange', {
  description: 'Strictly after `after` and strictly before `before`; either end may be left open. `after` must be earlier than `before`.',
  fields: (t) => ({
    after: t.field({ type: 'DateTime', required: false }),
    before: t.field({ type: 'DateTime', required: false }),
  }),
});

export const TagFilterInput = builder.inputType('TagFilter', {
  description: 'Each list takes 1 to 10 tags. Tags match exactly (case-sensitive).',
  fields: (t) => ({
    any: t.stringList({ required: false, description: 'At least one of these tags.' }),
    all: t.stringList({ required: false, description: 'Every one of these tags.' }),
    none: t.stringList({ required: false, description: 'None of these tags.' }),
  }),
});

const COUNTRY_DESCRIPTION =
  "The number's country is one of these ISO 3166-1 alpha-2 codes (AM, US…; any case). A number of no single country (+800…) matches none.";

export const AudienceContactFilterInput = builder.inputType('AudienceContactFilter', {
  description: 'Which contacts of an audience: every condition given must hold.',
  fields: (t) => ({
    search: t.string({ required: false, description: 'As the `search` argument: first or last name, or a fragment of the number.' }),
    tags: t.field({ type: TagFilterInput, required: false }),
    country: t.stringList({ required: false, description: COUNTRY_DESCRIPTION }),
    createdAt: t.field({ type: TimeRangeInput, required: false, description: 'When the contact joined the audience.' }),
    updatedAt: t.field({ type: TimeRangeInput, required: false }),
    hasFirstName: t.boolean({ required: false }),
    hasLastName: t.boolean({ required: false }),
  }),
});

export const ContactFilterInput = builder.inputType('ContactFilter', {
  description: "Which of the account's contacts: every condition given must hold.",
  fields: (t) => ({
    search: t.string({ required: false, description: 'As the `search` argument: name, email, or a fragment of the number.' }),
    audienceId: t.id({ required: false, description: 'Only the contacts in this audience.' }),
    notInAudienceId: t.id({ required: false, description: 'Only the contacts not in this audience.' }),
    country: t.stringList({ required: false, description: COUNTRY_DESCRIPTION }),
    hasEmail: t.boolean({ required: false }),
    createdAt: t.field({ type: TimeRangeInput, required: false }),
    updatedAt: t.field({ type: TimeRangeInput, required: false }),
  }),
});

export const AudienceFilterInput = builder.inputType('AudienceFilter', {
  description: "Which of the account's audiences: every condition given must hold.",
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, required: false }),
    search: t.string({ required: false, description: 'Case-insensitive substring of the name.' }),
    createdAt: t.field({ type: TimeRangeInput, required: false }),
  }),
});
