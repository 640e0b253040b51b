import type { Account, ApiKey } from '../db/generated/client.js';
import type { PrismaClient } from '../db/database.js';
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

/** Revokes a key by its id; returns false when no such key exists. Revoking twice is harmless. */
export async function revokeApiKey(prisma: PrismaClient, keyId: string): Promise<ApiKey | null> {
  if (!/^[0-9a-f-]{36}$/i.test(keyId)) return null;
  const existing = await prisma.apiKey.findUnique({ where: { id: keyId } });
  if (!existing) return null;
  if (existing.revokedAt) return existing;
  return prisma.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
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

