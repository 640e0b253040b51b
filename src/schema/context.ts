import type { Account } from '../db/generated/client.js';
import type { PrismaClient, RowReader } from '../db/database.js';
import { appError } from '../domain/errors.js';
import type { LiveConnection, LiveEvents } from '../services/liveEvents.js';
import { createRequestScope, type RequestScope } from '../services/loaders.js';

/** What every resolver sees: made once per request by the server. */
export interface GraphQLContext {
  /** The account the API key resolved to; null only while an unauthenticated introspection runs. */
  account: Account | null;
  prisma: PrismaClient;
  readRows: RowReader;
  /** Single-statement writes (see AccountScope); absent without an account. */
  writeRows?: RowReader;
  requestId: string;
  /** Made on first use: the account's scope with this request's loaders. */
  scope?: RequestScope;
  /**
   * For subscriptions: the process's live events, the key presented, the connection they run on, and the primary
   * database (an event's rows are read there: a read replica may not have replayed the write it tells of yet).
   */
  live?: { events: LiveEvents; key: string | null; connection: LiveConnection; primary: { prisma: PrismaClient; readRows: RowReader } };
}

/** The request's account scope. The auth plugin rejects keyless data queries before this is reached. */
export function accountScope(context: GraphQLContext): RequestScope {
  if (!context.account) throw appError('UNAUTHENTICATED');
  context.scope ??= createRequestScope({ prisma: context.prisma, readRows: context.readRows, writeRows: context.writeRows, accountId: context.account.id });
  return context.scope;
}
