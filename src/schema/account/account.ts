import type { Account } from '../../db/generated/client.js';
import { builder } from '../builder.js';
import { accountScope } from '../context.js';

export const AccountRef = builder.objectRef<Account>('Account');

builder.node(AccountRef, {
  description: 'The account an API key belongs to: every read and write is scoped to it.',
  id: { resolve: (account) => account.id },
  // An account sees itself only: any other account id resolves like an unknown one.
  loadMany: (ids, context) => {
    const own = accountScope(context) && context.account!;
    return ids.map((id) => (id === own.id ? own : null));
  },
  isTypeOf: (value) => typeof value === 'object' && value !== null && !('accountId' in value) && !('audienceId' in value),
  fields: (t) => ({
    name: t.exposeString('name', { description: "The account's name, as given when it was created." }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: AccountRef,
    description: 'The account of the API key making the request.',
    resolve: (_root, _args, context) => {
      accountScope(context);
      return context.account!;
    },
  }),
);
