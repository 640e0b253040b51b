import type { PrismaClient } from '../db/database.js';
import { ABANDONED_CLAIM_MINUTES, IDEMPOTENCY_WINDOW_HOURS } from '../domain/idempotency.js';

export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
}

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'reused' }
  | { kind: 'inProgress' };

/**
 * Takes the key for this request, or says what became of it. The insert is the lock: two racing requests
 * with one key cannot both claim it, because the primary key (account, key) admits one row. An expired
 * record, or a claim abandoned without an answer, is taken over in the same statement.
 */
export async function claimIdempotencyKey(prisma: PrismaClient, accountId: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const claimed = await prisma.$queryRaw<unknown[]>`
      INSERT INTO idempotency_key (account_id, key, request_hash) VALUES (${accountId}::uuid, ${key}, ${requestHash})
      ON CONFLICT (account_id, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, status = NULL, content_type = NULL, body = NULL, created_at = now()
        WHERE idempotency_key.created_at < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})
           OR (idempotency_key.status IS NULL AND idempotency_key.created_at < now() - make_interval(mins => ${ABANDONED_CLAIM_MINUTES}))
      RETURNING 1`;
    if (claimed.length === 1) return { kind: 'claimed' };
    const existing = await prisma.idempotencyKey.findUnique({ where: { accountId_key: { accountId, key } } });
    // Gone between the two statements (released by its failed first request): claim again.
    if (!existing) continue;
    if (existing.requestHash !== requestHash) return { kind: 'reused' };
    if (existing.status === null || existing.body === null) return { kind: 'inProgress' };
    return { kind: 'replay', response: { status: existing.status, contentType: existing.contentType ?? 'application/json', body: existing.body } };
  }
  return { kind: 'inProgress' };
}

export async function recordIdempotentResponse(prisma: PrismaClient, accountId: string, key: string, response: StoredResponse): Promise<void> {
  await prisma.idempotencyKey.updateMany({
    where: { accountId, key, status: null },
    data: { status: response.status, contentType: response.contentType, body: response.body },
  });
}

/** Frees a claim whose request failed for a reason a retry may not meet again (an outage, a crash). */
export async function releaseIdempotencyKey(prisma: PrismaClient, accountId: string, key: string): Promise<void> {
  await prisma.idempotencyKey.deleteMany({ where: { accountId, key, status: null } });
}

/** Deletes records past the replay window; returns how many. */
export async function purgeExpiredIdempotencyKeys(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`DELETE FROM idempotency_key WHERE created_at < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})`;
}
