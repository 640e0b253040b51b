import { appError } from '../domain/errors.js';
import type { AudienceContactFilterInput } from '../domain/filters.js';
import { limits, validateTags } from '../domain/validation.js';
import { audienceContactFilter } from './audiences.js';
import type { Tx } from './contactRows.js';
import { audienceContactFilterCondition } from './filterSql.js';
import type { AccountScope } from './scope.js';
import { empty, raw, type Sql, sql } from './sql.js';
import { analyzeAfterBulkWrite } from './tableStatistics.js';
import { type BatchOperation, type LiveEvent, publishLive } from './liveEvents.js';

/**
 * Acting on a segment (issue 14): copy, move, remove and tag the rows of an audience that a filter (or a list of
 * ids) selects. Each call is one transaction of a fixed number of statements whatever the row count: the
 * audiences are locked, then one set-based statement selects the rows and acts on them, and returns the counts.
 */

/** Why a selected row was left as it was. */
export type SegmentSkipReason = 'ALREADY_IN_TARGET' | 'TAG_LIMIT' | 'UNCHANGED';

export interface SegmentActionResult {
  /** Rows the selection named in the (source) audience. */
  matchedCount: number;
  /** Rows copied, moved, removed or retagged. */
  changedCount: number;
  /** matchedCount − changedCount, told apart by reason in `skipped`. */
  skippedCount: number;
  /** One entry a reason that skipped rows, in the order of SEGMENT_SKIP_REASONS. */
  skipped: Array<{ reason: SegmentSkipReason; count: number }>;
  /** The ids given that name no row of the audience, in the order given (none for a filter). */
  unmatchedIds: string[];
}

export const SEGMENT_SKIP_REASONS: readonly SegmentSkipReason[] = ['ALREADY_IN_TARGET', 'TAG_LIMIT', 'UNCHANGED'];

/** Rows by filter or by ids (AudienceContact ids, already parsed from the front's form): one of them. */
export interface SegmentSelectionInput {
  filter?: AudienceContactFilterInput | null;
  ids?: readonly string[] | null;
}

export const MAX_SEGMENT_IDS = 1_000;

/**
 * How long one action may hold its transaction: 1,000,000 rows must fit in one call. Measured on PostgreSQL 15 (a
 * shared 2-core machine, 128 MB shared_buffers, 1,000,000 audience rows): copying 300,000 rows took 20-26 s and
 * retagging them 25-39 s, nearly all of it in the 13 indexes of audience_contact; so 1,000,000 rows take 70-130 s
 * there (PGlite: about 4,500 rows/s, some 220 s). Ten minutes leaves room for a slower or busier server and for
 * the wait behind an import holding the audience. A longer action is rolled back whole.
 */
const TRANSACTION_TIMEOUT_MS = 600_000;
/** How long to wait for a connection from the pool (as an import does). */
const TRANSACTION_MAX_WAIT_MS = 30_000;

interface Selection {
  /** A condition on alias `t` of audience_contact. */
  condition: Sql;
  ids: string[] | null;
}

/** The selection checked: a filter (an empty one selects every row) or 1 to 1,000 ids, not both. */
function segmentSelection(input: SegmentSelectionInput): Selection {
  const hasFilter = input.filter !== null && input.filter !== undefined;
  const hasIds = input.ids !== null && input.ids !== undefined;
  if (hasFilter === hasIds) throw appError('SEGMENT_SELECTION_INVALID');
  if (hasIds) {
    const given = input.ids!;
    if (given.length < 1 || given.length > MAX_SEGMENT_IDS) throw appError('SEGMENT_SELECTION_INVALID', 'ids');
    const ids = [...new Set(given)];
    return { condition: sql`t.id = ANY (${ids}::uuid[])`, ids };
  }
  return { condition: audienceContactFilterCondition(audienceContactFilter(input.filter)) ?? sql`TRUE`, ids: null };
}

/** The selected rows of an audience, alias `t`. */
const selected = (audienceId: string, selection: Selection) => sql`t.audience_id = ${audienceId}::uuid AND ${selection.condition}`;

/** The ids given that are not among the rows of `rows` (a CTE with an `id` column), in the order given. */
function unmatched(selection: Selection, rows: Sql): Sql {
  if (!selection.ids) return sql`'{}'::text[]`;
  return sql`ARRAY(SELECT u.id::text FROM unnest(${selection.ids}::uuid[]) WITH ORDINALITY AS u(id, position)
    WHERE NOT EXISTS (SELECT 1 FROM ${rows} r WHERE r.id = u.id) ORDER BY u.position)`;
}

/**
 * What travels with a contact from one audience to another: the contact, its number and country, and the details
 * it has in the source.
 */
const TRAVELLING = raw('contact_id, phone, country, first_name, last_name, timestamp, date, tags');

interface AudienceLock {
  id: string;
  /** The input field that named it, for AUDIENCE_NOT_FOUND. */
  field: string;
  /** FOR UPDATE where the action changes the audience's rows, FOR SHARE where it only reads them. */
  mode: 'FOR UPDATE' | 'FOR SHARE';
}

/**
 * Locks the audiences, the account's or AUDIENCE_NOT_FOUND (naming the first missing in the order given). An
 * audience whose rows change is locked FOR UPDATE as an import locks it: adds and removes lock it FOR SHARE
 * (an add's foreign-key check FOR KEY SHARE), so none of them runs on it meanwhile, and the statement that
 * follows sees every row they committed. A source that is only read is locked FOR SHARE: adds and removes go on
 * beside the copy, and a deleteAudience waits. In id order, so two actions on the same pair never deadlock.
 */
async function lockAudiences(tx: Tx, accountId: string, locks: AudienceLock[]): Promise<void> {
  const found = new Set<string>();
  for (const lock of [...locks].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const rows = await tx.$queryRaw<Array<{ id: string }>>(sql`
      SELECT id::text AS id FROM audience WHERE id = ${lock.id}::uuid AND account_id = ${accountId}::uuid ${raw(lock.mode)}`);
    if (rows.length) found.add(lock.id);
  }
  const missing = locks.find((lock) => !found.has(lock.id));
  if (missing) throw appError('AUDIENCE_NOT_FOUND', missing.field);
}

/** What an action's statement returns: its counts, skips by reason, and the unmatched ids. */
type Counts = { matched: number; changed: number; unmatched: string[] } & Partial<Record<SegmentSkipReason, number>>;

/**
 * One action: the audiences locked, then its one statement, in one transaction; then statistics for the planner
 * when it wrote many rows (as after an import: see tableStatistics.ts).
 */
async function act(
  scope: AccountScope,
  locks: AudienceLock[],
  statement: Sql,
  written: (counts: Counts) => number,
  events: (counts: Counts) => LiveEvent[],
): Promise<SegmentActionResult> {
  const counts = await scope.prisma.$transaction(
    async (tx) => {
      await lockAudiences(tx, scope.accountId, locks);
      // The row counts reach pg_stat before COMMIT answers, so the ANALYZE below sees them (as in an import).
      await tx.$executeRaw`SELECT pg_stat_force_next_flush()`;
      const [row] = await tx.$queryRaw<Counts[]>(statement);
      return row!;
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_MAX_WAIT_MS },
  );
  // One summary event an audience whose rows changed, however many rows (see liveEvents.ts).
  publishLive(scope.prisma, events(counts));
  const rows = written(counts);
  if (rows > 0) await analyzeAfterBulkWrite(scope.prisma, 'audience_contact', rows).catch(() => {});
  const skipped = SEGMENT_SKIP_REASONS.map((reason) => ({ reason, count: counts[reason] ?? 0 })).filter((skip) => skip.count > 0);
  return {
    matchedCount: counts.matched,
    changedCount: counts.changed,
    skippedCount: counts.matched - counts.changed,
    skipped,
    unmatchedIds: counts.unmatched,
  };
}

export interface TransferInput extends SegmentSelectionInput {
  fromAudienceId: string;
  toAudienceId: string;
}

/**
 * A copy or a move, in one statement: the selected rows are read with their contacts, each contact locked FOR
 * SHARE, in phone order (as an import locks them, so the two cannot deadlock). While the action runs, a contact
 * it carries can be neither deleted (the row it inserts would lose its contact: a foreign-key violation) nor given
 * another number (the row would keep the old one); one deleted before its lock is skipped, as it is from every
 * audience. The number and country come from the locked contact, so the trigger that looks them up has nothing
 * to do. A move also locks the rows it takes (FOR UPDATE, after their contact, as deleteContact's cascade meets
 * them): one changed meanwhile (updateAudienceContact does not lock the audience) travels as it now is.
 *
 * The rows land in the target except the numbers it already has: their rows there stay as they are (ON CONFLICT
 * DO NOTHING; the target is locked, so no add races it) and they count as ALREADY_IN_TARGET.
 */
function transfer(scope: AccountScope, input: TransferInput, move: boolean): Promise<SegmentActionResult> {
  const selection = segmentSelection(input);
  if (input.fromAudienceId === input.toAudienceId) throw appError('SEGMENT_SAME_AUDIENCE', 'toAudienceId');
  return act(
    scope,
    [
      { id: input.fromAudienceId, field: 'fromAudienceId', mode: move ? 'FOR UPDATE' : 'FOR SHARE' },
      { id: input.toAudienceId, field: 'toAudienceId', mode: 'FOR UPDATE' },
    ],
    sql`
      WITH source AS MATERIALIZED (
        SELECT t.id, t.contact_id, c.phone, c.country, t.first_name, t.last_name, t.timestamp, t.date, t.tags
        FROM audience_contact t JOIN contact c ON c.id = t.contact_id
        WHERE ${selected(input.fromAudienceId, selection)}
        ORDER BY c.phone
        ${move ? raw('FOR SHARE OF c FOR UPDATE OF t') : raw('FOR SHARE OF c')}
      ),
      target AS (
        INSERT INTO audience_contact (audience_id, ${TRAVELLING})
        SELECT ${input.toAudienceId}::uuid, ${TRAVELLING} FROM source
        ON CONFLICT (audience_id, contact_id) DO NOTHING
        RETURNING 1
      ),
      ${move ? sql`removed AS (DELETE FROM audience_contact d USING source WHERE d.id = source.id),` : empty}
      n AS (SELECT (SELECT count(*) FROM source) AS matched, (SELECT count(*) FROM target) AS changed)
      SELECT matched::int AS matched, changed::int AS changed, (matched - changed)::int AS "ALREADY_IN_TARGET",
        ${unmatched(selection, sql`source`)} AS unmatched
      FROM n`,
    // A move writes each row twice: out of the source, into the target.
    (counts) => (move ? counts.matched : 0) + counts.changed,
    (counts) =>
      [
        batch(scope, input.toAudienceId, move ? 'MOVE' : 'COPY', { added: counts.changed }),
        move ? batch(scope, input.fromAudienceId, 'MOVE', { removed: counts.matched }) : null,
      ].filter((event): event is LiveEvent => event !== null),
  );
}

/** Copies the selected rows of one audience into another; a number the target already has is skipped. */
export function copyAudienceContacts(scope: AccountScope, input: TransferInput): Promise<SegmentActionResult> {
  return transfer(scope, input, false);
}

/**
 * Moves the selected rows: each leaves the source and lands in the target with its details; a number the target
 * already has leaves the source too (it is in the target afterwards), and its row in the target stays as it is.
 */
export function moveAudienceContacts(scope: AccountScope, input: TransferInput): Promise<SegmentActionResult> {
  return transfer(scope, input, true);
}

export interface AudienceSegmentInput extends SegmentSelectionInput {
  audienceId: string;
}

/** Removes the selected rows from the audience; the account's contacts stay. */
export async function removeAudienceContacts(scope: AccountScope, input: AudienceSegmentInput): Promise<SegmentActionResult> {
  const selection = segmentSelection(input);
  return act(
    scope,
    [{ id: input.audienceId, field: 'audienceId', mode: 'FOR UPDATE' }],
    sql`
      WITH removed AS (DELETE FROM audience_contact t WHERE ${selected(input.audienceId, selection)} RETURNING t.id)
      SELECT count(*)::int AS matched, count(*)::int AS changed, ${unmatched(selection, sql`removed`)} AS unmatched FROM removed`,
    (counts) => counts.changed,
    (counts) => [batch(scope, input.audienceId, 'REMOVE', { removed: counts.changed })].filter((event): event is LiveEvent => event !== null),
  );
}

export interface TagInput extends AudienceSegmentInput {
  add?: readonly string[] | null;
  remove?: readonly string[] | null;
}

/**
 * Adds and removes tags on the selected rows: each gets its tags minus `remove`, then `add` (a tag in both
 * lists is kept), in their order, without duplicates. A row whose set of tags would not change is UNCHANGED
 * and left alone (updatedAt too); one that would pass the 10-tag limit is TAG_LIMIT and left alone, never cut.
 */
export async function tagAudienceContacts(scope: AccountScope, input: TagInput): Promise<SegmentActionResult> {
  const selection = segmentSelection(input);
  const add = [...new Set(validateTags(input.add, 'add') ?? [])];
  const remove = [...new Set(validateTags(input.remove, 'remove') ?? [])].filter((tag) => !add.includes(tag));
  // The rows are locked as they are read (FOR NO KEY UPDATE: a concurrent update of one of them is waited for,
  // and its result read), so the new tags are computed from the tags the update replaces.
  return act(
    scope,
    [{ id: input.audienceId, field: 'audienceId', mode: 'FOR UPDATE' }],
    sql`
      WITH source AS MATERIALIZED (
        SELECT t.id, t.tags AS old, ARRAY(
          SELECT u.tag FROM unnest(t.tags || ${add}::text[]) WITH ORDINALITY AS u(tag, position)
          WHERE u.tag <> ALL (${remove}::text[])
          GROUP BY u.tag ORDER BY min(u.position)
        ) AS tags
        FROM audience_contact t WHERE ${selected(input.audienceId, selection)}
        FOR NO KEY UPDATE OF t
      ),
      judged AS MATERIALIZED (
        SELECT id, tags, CASE WHEN tags @> old AND tags <@ old THEN 'UNCHANGED' WHEN cardinality(tags) > ${raw(String(limits.tags))} THEN 'TAG_LIMIT' END AS skip
        FROM source
      ),
      changed AS (
        UPDATE audience_contact t SET tags = judged.tags, updated_at = now()
        FROM judged WHERE t.id = judged.id AND judged.skip IS NULL
        RETURNING 1
      )
      SELECT count(*)::int AS matched, (SELECT count(*) FROM changed)::int AS changed,
        (count(*) FILTER (WHERE skip = 'UNCHANGED'))::int AS "UNCHANGED", (count(*) FILTER (WHERE skip = 'TAG_LIMIT'))::int AS "TAG_LIMIT",
        ${unmatched(selection, sql`source`)} AS unmatched
      FROM judged`,
    (counts) => counts.changed,
    (counts) => [batch(scope, input.audienceId, 'TAG', { updated: counts.changed })].filter((event): event is LiveEvent => event !== null),
  );
}

/** An audience's summary event, or none when the action changed none of its rows. */
function batch(scope: AccountScope, audienceId: string, operation: BatchOperation, changed: { added?: number; updated?: number; removed?: number }): LiveEvent | null {
  const { added = 0, updated = 0, removed = 0 } = changed;
  if (added + updated + removed === 0) return null;
  return { kind: 'ROWS_BATCH', accountId: scope.accountId, audienceId, operation, added, updated, removed };
}
