import { parseArgs } from 'node:util';
import { runCli, withCliDatabase } from './run.js';
import { createAccountWithKey, createKeyForAccount, listApiKeys, revokeApiKey } from '../services/accounts.js';

const usage = `Manage accounts and API keys (same database settings as the server: DATABASE_URL or DATA_DIR).

  npm run keys -- create --account "Acme"     new account and its first key (the key is the last line)
  npm run keys -- create --account-id <id>    another key for an existing account
  npm run keys -- list                        every key: id, account, prefix, created, revoked
  npm run keys -- revoke <key id>             the key stops working at once`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { account: { type: 'string' }, 'account-id': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  if (!['create', 'list', 'revoke'].includes(command)) {
    console.error(`Unknown command "${command}".\n\n${usage}`);
    return 2;
  }
  if (command === 'create' && !values.account?.trim() && !values['account-id']) {
    console.error(`create needs --account NAME (a new account) or --account-id ID (another key for it).\n\n${usage}`);
    return 2;
  }
  if (command === 'revoke' && !rest[0]) {
    console.error(`revoke needs the key id shown by "list".\n\n${usage}`);
    return 2;
  }

  return withCliDatabase(async ({ prisma }) => {
    if (command === 'create') {
      const created = values['account-id']
        ? await createKeyForAccount(prisma, values['account-id'])
        : await createAccountWithKey(prisma, values.account!);
      console.log(`Account: ${created.account.name} (${created.account.id})`);
      console.log(`Key id:  ${created.apiKey.id}`);
      console.log('The key below is shown once and stored only as a hash. Send it as X-Dexatel-Key or Authorization: Bearer.');
      console.log(created.key);
      return 0;
    }
    if (command === 'list') {
      const keys = await listApiKeys(prisma);
      if (keys.length === 0) {
        console.log('No keys yet. Create one: npm run keys -- create --account NAME');
        return 0;
      }
      console.log(['KEY ID', 'ACCOUNT', 'PREFIX', 'CREATED', 'STATUS'].join('\t'));
      for (const key of keys) {
        const status = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
        console.log([key.id, `${key.account.name} (${key.accountId})`, `${key.prefix}…`, key.createdAt.toISOString(), status].join('\t'));
      }
      console.log(`${keys.length} key(s), ${keys.filter((k) => !k.revokedAt).length} active`);
      return 0;
    }
    const revoked = await revokeApiKey(prisma, rest[0]!);
    if (!revoked) {
      console.error(`No key with id ${rest[0]}. "npm run keys -- list" shows the ids.`);
      return 1;
    }
    console.log(`Revoked key ${revoked.id} (${revoked.prefix}…) at ${revoked.revokedAt!.toISOString()}`);
    return 0;
  });
}

runCli('keys', main);
