import type { Account, ApiKey } from '../db/generated/client.js';
import type { PrismaClient } from '../db/database.js';
import { type Notifications, notifyInTransaction } from '../db/notifications.js';
import type { CachedAuthenticate } from './apiKeyCache.js';
import { apiKeyHashMatches, displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from '../domain/apiKeys.js';

export interface CreatedKey {
  account: Account;
  apiKey: ApiKey;
  /** The key itself: shown once, never stored. */
  key: string;
}

export async function createAccountWithKey(prisma: PrismaClient, accountName: string): Promise<CreatedKey> {
  const name = accountName.trim();
  if (!name) throw new Error('An account needs a name');
  const key = generateApiKey();
  return prisma.$transaction(async (tx) => {
    const account = await tx.account.create({ data: { name } });
    const apiKey = await tx.apiKey.create({
      data: { accountId: account.id, hash: hashApiKey(key), prefix: displayPrefix(key) },
    });
    return { account, apiKey, key };
  });
}

/** A further key for an existing account (key rotation without downtime). */
export async function createKeyForAccount(prisma: PrismaClient, accountId: string): Promise<CreatedKey> {
  const key = generateApiKey();
  const account = await prisma.account.findUniqueOrThrow({ where: { id: accountId } });
  const apiKey = await prisma.apiKey.create({
    data: { accountId, hash: hashApiKey(key), prefix: displayPrefix(key) },
  });
  return { account, apiKey, key };
}

/** The account a presented key belongs to, or null for an unknown or revoked key. */
export async function authenticateApiKey(prisma: PrismaClient, key: string): Promise<Account | null> {
  if (!looksLikeApiKey(key)) return null;
  const hash = hashApiKey(key);
  const found = await prisma.apiKey.findUnique({
    where: { hash },
    include: { account: true },
  });
  if (!found || found.revokedAt || !apiKeyHashMatches(hash, found.hash)) return null;
  return found.account;
}

export type KeyListing = ApiKey & { account: Account };

export async function listApiKeys(prisma: PrismaClient): Promise<KeyListing[]> {
  return prisma.apiKey.findMany({ include: { account: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/**
 * Where a revocation is announced to every server process (PostgreSQL NOTIFY; the payload is the key's hash). Each
 * process drops the key from its cache on receipt, so a revoked key stops working everywhere within milliseconds
 * instead of after the cache's TTL (5 s); the TTL stays as the bound if a process misses the announcement.
 */
export const API_KEY_REVOKED_CHANNEL = 'api_key_revoked';

/**
 * Revokes a key by its id; returns false when no such key exists. Revoking twice is harmless. The announcement is
 * sent inside the revoking transaction, so it is delivered when (and only if) the revocation commits.
 */
export async function revokeApiKey(prisma: PrismaClient, keyId: string): Promise<ApiKey | null> {
  if (!/^[0-9a-f-]{36}$/i.test(keyId)) return null;
  const existing = await prisma.apiKey.findUnique({ where: { id: keyId } });
  if (!existing) return null;
  if (existing.revokedAt) return existing;
  return prisma.$transaction(async (tx) => {
    const revoked = await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
    await notifyInTransaction(tx, API_KEY_REVOKED_CHANNEL, revoked.hash);
    return revoked;
  });
}

/**
 * Keeps `cache` in step with revocations made by any process: each announced key is forgotten at once, and everything
 * is forgotten when the announcements may have been missed (the listening connection was lost). Resolves once
 * listening; returns the way to stop.
 */
export function forgetRevokedKeys(
  notifications: Notifications,
  cache: Pick<CachedAuthenticate, 'forget' | 'clear'>,
  onError: (error: Error) => void = () => {},
): { listening: Promise<void>; stop(): Promise<void> } {
  const stopInterruptions = notifications.onInterruption(() => cache.clear());
  let stopped = false;
  let unsubscribe: (() => Promise<void>) | null = null;
  let retry: NodeJS.Timeout | undefined;
  // The first LISTEN can fail (the database not up yet): tried again each second, the cache's TTL bounding a revoked
  // key's life meanwhile.
  const listening = new Promise<void>((resolve) => {
    const attempt = () => {
      notifications.subscribeChannel(API_KEY_REVOKED_CHANNEL, (hash) => cache.forget(hash)).then(
        async (stop) => {
          if (stopped) await stop();
          else unsubscribe = stop;
          // Announcements from before this moment were missed.
          cache.clear();
          resolve();
        },
        (error: Error) => {
          onError(error);
          if (!stopped) retry = setTimeout(attempt, 1_000).unref();
          else resolve();
        },
      );
    };
    attempt();
  });
  return {
    listening,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      stopInterruptions();
      await unsubscribe?.();
    },
  };
}

/**
 * First start on the embedded database: with no account yet, create a development account so a
 * newcomer can query at once. Returns the key when one was made.
 */
export async function ensureDevelopmentAccount(prisma: PrismaClient): Promise<CreatedKey | null> {
  const accounts = await prisma.account.count();
  if (accounts > 0) return null;
  return createAccountWithKey(prisma, 'Development');
}

