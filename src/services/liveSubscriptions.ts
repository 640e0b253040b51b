import { appError } from '../domain/errors.js';
import type { AudienceContactFilterInput } from '../domain/filters.js';
import { audienceContactFilter, requireAudience } from './audiences.js';
import { audienceContactFilterCondition } from './filterSql.js';
import { type BatchOperation, type DeliveredEvent, type LiveEvents, type LiveEvent, mapStream, type StreamFailure, type Subscriber } from './liveEvents.js';
import type { RequestScope } from './loaders.js';
import { sql } from './sql.js';

/**
 * The three subscriptions of issue 15 as streams of changes: each checks its id against the subscriber's account
 * (another account's audience or contact is AUDIENCE_NOT_FOUND / CONTACT_NOT_FOUND, as an unknown id), then turns
 * the process's events into what its subscriber is told. Listening starts before the check, so no committed
 * change after a successful subscribe is missed.
 */

export interface Batch {
  operation: BatchOperation;
  added: number;
  updated: number;
  removed: number;
}

export type AudienceChange = 'AUDIENCE_UPDATED' | 'AUDIENCE_DELETED' | 'CONTACT_ADDED' | 'CONTACT_UPDATED' | 'CONTACT_REMOVED' | 'CONTACTS_BATCH';

export interface AudienceChangeEvent {
  change: AudienceChange;
  audienceId: string;
  /** The audience row concerned, for CONTACT_* changes. */
  rowId: string | null;
  batch: Batch | null;
  delivered: DeliveredEvent;
}

export type AudienceContactsChange = 'ADDED' | 'UPDATED' | 'REMOVED' | 'BATCH';

export interface AudienceContactsChangeEvent {
  change: AudienceContactsChange;
  audienceId: string;
  rowId: string | null;
  batch: Batch | null;
  delivered: DeliveredEvent;
}

export type ContactChange = 'UPDATED' | 'DELETED' | 'AUDIENCES_CHANGED';

export interface ContactChangeEvent {
  change: ContactChange;
  contactId: string;
  delivered: DeliveredEvent;
}

const rowChange = { ROW_ADDED: 'ADDED', ROW_UPDATED: 'UPDATED', ROW_REMOVED: 'REMOVED' } as const;

function batchOf(event: LiveEvent): Batch | null {
  return event.kind === 'ROWS_BATCH' ? { operation: event.operation, added: event.added, updated: event.updated, removed: event.removed } : null;
}

/** The stream of a topic, given back if the check of the subscriber's right to it fails. */
async function openChecked(live: LiveEvents, subscriber: Subscriber, topic: Parameters<LiveEvents['open']>[1], check: () => Promise<unknown>) {
  const stream = await live.open(subscriber, topic);
  try {
    await check();
  } catch (error) {
    await stream.return!();
    throw error;
  }
  return stream;
}

/** audienceChanged: every change of the audience; the stream ends after AUDIENCE_DELETED. */
export async function watchAudience(scope: RequestScope, live: LiveEvents, subscriber: Subscriber, audienceId: string): Promise<AsyncIterableIterator<AudienceChangeEvent | StreamFailure>> {
  const stream = await openChecked(live, subscriber, `audience:${audienceId}`, () => requireAudience(scope, audienceId, 'id'));
  return mapStream(stream, (delivered) => {
    const { event } = delivered;
    const change: AudienceChange =
      event.kind === 'ROWS_BATCH' ? 'CONTACTS_BATCH' : event.kind in rowChange ? (`CONTACT_${rowChange[event.kind as keyof typeof rowChange]}` as AudienceChange) : (event.kind as AudienceChange);
    return {
      value: { change, audienceId, rowId: 'rowId' in event ? event.rowId : null, batch: batchOf(event), delivered },
      last: event.kind === 'AUDIENCE_DELETED',
    };
  });
}

/**
 * audienceContactsChanged: the audience's rows added, updated and removed, one event a row, and one BATCH event
 * for an import or a bulk action. With a filter, a row added or updated is told only when it matches now; an
 * update that takes a row out of the filter is told as REMOVED (so a REMOVED may name a row the client never
 * had: nothing to do then). The stream ends when the audience is deleted.
 */
export async function watchAudienceContacts(
  scope: RequestScope,
  live: LiveEvents,
  subscriber: Subscriber,
  audienceId: string,
  filterInput: AudienceContactFilterInput | null | undefined,
): Promise<AsyncIterableIterator<AudienceContactsChangeEvent | StreamFailure>> {
  const condition = audienceContactFilterCondition(audienceContactFilter(filterInput));
  const stream = await openChecked(live, subscriber, `audience:${audienceId}`, () => requireAudience(scope, audienceId, 'audienceId'));
  const matches = async (rowId: string) =>
    (await scope.readRows<{ one: number }>(sql`SELECT 1 AS one FROM audience_contact t WHERE t.id = ${rowId}::uuid AND t.audience_id = ${audienceId}::uuid AND ${condition!}`)).length > 0;
  return mapStream<AudienceContactsChangeEvent>(stream, async (delivered) => {
    const { event } = delivered;
    if (event.kind === 'AUDIENCE_DELETED') return 'end';
    if (event.kind === 'ROWS_BATCH') return { value: { change: 'BATCH', audienceId, rowId: null, batch: batchOf(event), delivered } };
    if (event.kind !== 'ROW_ADDED' && event.kind !== 'ROW_UPDATED' && event.kind !== 'ROW_REMOVED') return 'skip';
    let change: AudienceContactsChange = rowChange[event.kind];
    if (condition && change !== 'REMOVED' && !(await matches(event.rowId))) {
      if (change === 'ADDED') return 'skip';
      change = 'REMOVED';
    }
    return { value: { change, audienceId, rowId: event.rowId, batch: null, delivered } };
  });
}

/** contactChanged: the contact's own fields, its audiences (a row added or removed), its deletion (the end). */
export async function watchContact(scope: RequestScope, live: LiveEvents, subscriber: Subscriber, contactId: string): Promise<AsyncIterableIterator<ContactChangeEvent | StreamFailure>> {
  const stream = await openChecked(live, subscriber, `contact:${contactId}`, async () => {
    if (!(await scope.loaders.contactById.load(contactId))) throw appError('CONTACT_NOT_FOUND', 'id');
  });
  return mapStream(stream, (delivered) => {
    const { event } = delivered;
    const change: ContactChange = event.kind === 'CONTACT_UPDATED' ? 'UPDATED' : event.kind === 'CONTACT_DELETED' ? 'DELETED' : 'AUDIENCES_CHANGED';
    return { value: { change, contactId, delivered }, last: change === 'DELETED' };
  });
}
