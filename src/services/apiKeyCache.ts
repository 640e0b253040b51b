import type { Account } from '../db/generated/client.js';
import { hashApiKey } from '../domain/apiKeys.js';

export type Authenticate = (key: string) => Promise<Account | null>;

/** An Authenticate that remembers answers, and can be told to forget them (a key revoked on any process). */
export type CachedAuthenticate = Authenticate & {
  /** Drops the answer for this key hash: its next request looks it up again. */
  forget(hash: string): void;
  /** Drops every answer (revocations may have been missed). */
  clear(): void;
};

export interface ApiKeyCacheOptions {
  /** How long an answer (an account, or "no such key") is reused. A revoked key keeps working this long. */
  ttlMs: number;
  /** Beyond this many keys the oldest answers are dropped, so a flood of made-up keys cannot grow memory. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Remembers which account a key belongs to for a short time, so a request costs no key lookup when its
 * key was seen within the TTL. Concurrent requests with the same uncached key share one lookup. Entries
 * are held under the key's hash, never the key itself. A TTL of 0 turns the cache off.
 */
export function cacheApiKeyAuthentication(authenticate: Authenticate, { ttlMs, maxEntries = 10_000, now = Date.now }: ApiKeyCacheOptions): CachedAuthenticate {
  if (ttlMs <= 0) return Object.assign((key: string) => authenticate(key), { forget() {}, clear() {} });
  const entries = new Map<string, { account: Promise<Account | null>; expiresAt: number }>();
  const cached = (key: string) => {
    const hash = hashApiKey(key);
    const cached = entries.get(hash);
    const time = now();
    if (cached && cached.expiresAt > time) return cached.account;
    entries.delete(hash);
    const account = authenticate(key);
    entries.set(hash, { account, expiresAt: time + ttlMs });
    // A failed lookup (database down) is not an answer: the next request asks again.
    account.catch(() => {
      if (entries.get(hash)?.account === account) entries.delete(hash);
    });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    return account;
  };
  return Object.assign(cached, {
    forget: (hash: string) => void entries.delete(hash),
    clear: () => entries.clear(),
  });
}
