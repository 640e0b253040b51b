import { appError } from '../../domain/errors.js';
import { type DeliveredEvent, isFailure, type StreamFailure } from '../../services/liveEvents.js';
import {
  type AudienceChangeEvent,
  type AudienceContactsChangeEvent,
  type Batch,
  type ContactChangeEvent,
  watchAudience,
  watchAudienceContacts,
  watchContact,
} from '../../services/liveSubscriptions.js';
import { createRequestScope, type RequestScope } from '../../services/loaders.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { encodeGlobalId, parseGlobalId } from '../ids.js';
import { AudienceContactRef, AudienceRef, ContactRef } from '../refs.js';
import { AudienceContactFilterInput } from '../segments/inputs.js';

/**
 * Live updates (issue 15) over GraphQL over SSE and graphql-ws. Events carry ids; every row a subscriber reads is
 * read for its own account when the event arrives, with loaders made for that event (the subscription's context
 * lives as long as the subscription, so its first loaders would answer from what they cached at the start).
 */

/** The loaders of this event for the subscriber's account, shared by that account's subscribers in this process. */
function eventScope(context: GraphQLContext, delivered: DeliveredEvent): RequestScope {
  if (!context.account || !context.live) throw appError('UNAUTHENTICATED');
  const accountId = context.account.id;
  let scope = delivered.shared.get(accountId) as RequestScope | undefined;
  if (!scope) delivered.shared.set(accountId, (scope = createRequestScope({ ...context.live.primary, accountId })));
  // Fields below the root (Audience.contacts, AudienceContact.contact) read through context.scope. Safe: a
  // subscription resolves its events one after another, never two at once.
  context.scope = scope;
  return scope;
}

/** Who subscribes: the transport (src/server.ts) says on which connection and with which key. */
function subscriberOf(context: GraphQLContext) {
  const live = context.live;
  if (!context.account || !live?.key) throw appError('UNAUTHENTICATED');
  // On the primary: the filter's checks run as events arrive, right after their writes commit.
  const scope = createRequestScope({ ...live.primary, accountId: context.account.id });
  return { scope, events: live.events, subscriber: { accountId: scope.accountId, key: live.key, connection: live.connection } };
}

const BatchOperationEnum = builder.enumType('AudienceContactsOperation', {
  description: 'What wrote many rows of an audience at once.',
  values: {
    IMPORT: { value: 'IMPORT', description: 'importAudienceContacts (or the import CLI, or REST import).' },
    COPY: { value: 'COPY', description: 'copyAudienceContacts into this audience.' },
    MOVE: { value: 'MOVE', description: 'moveAudienceContacts into (added) or out of (removed) this audience.' },
    REMOVE: { value: 'REMOVE', description: 'removeAudienceContacts.' },
    TAG: { value: 'TAG', description: 'tagAudienceContacts.' },
  } as const,
});

const BatchRef = builder.objectRef<Batch>('AudienceContactsBatch').implement({
  description: 'One import or bulk action, told as counts: refetch the rows you show.',
  fields: (t) => ({
    operation: t.field({ type: BatchOperationEnum, description: 'What wrote the rows.', resolve: (batch) => batch.operation }),
    addedCount: t.exposeInt('added', { description: 'Rows that joined this audience.' }),
    updatedCount: t.exposeInt('updated', { description: "Rows of this audience whose details changed." }),
    removedCount: t.exposeInt('removed', { description: 'Rows that left this audience.' }),
  }),
});

const AudienceChangeKind = builder.enumType('AudienceChangeKind', {
  description: 'What changed in an audienceChanged event.',
  values: {
    AUDIENCE_UPDATED: { value: 'AUDIENCE_UPDATED', description: 'The audience itself changed (its name).' },
    AUDIENCE_DELETED: { value: 'AUDIENCE_DELETED', description: 'The audience was deleted: the last event of the subscription.' },
    CONTACT_ADDED: { value: 'CONTACT_ADDED', description: 'A contact joined the audience.' },
    CONTACT_UPDATED: { value: 'CONTACT_UPDATED', description: "A contact's details in the audience changed." },
    CONTACT_REMOVED: { value: 'CONTACT_REMOVED', description: 'A contact left the audience.' },
    CONTACTS_BATCH: { value: 'CONTACTS_BATCH', description: 'An import or a bulk action changed many rows: see `batch`.' },
  } as const,
});

const AudienceChangedEvent = builder.objectRef<AudienceChangeEvent>('AudienceChangedEvent').implement({
  description: 'One change of an audience, and the audience as it is now.',
  fields: (t) => ({
    kind: t.field({ type: AudienceChangeKind, description: 'What changed.', resolve: (event) => event.change }),
    audienceId: t.id({ description: 'The audience, also once it is deleted.', resolve: (event) => encodeGlobalId('Audience', event.audienceId) }),
    audience: t.field({
      type: AudienceRef,
      nullable: true,
      description: 'The audience now (its `contacts { totalCount }` too); null once deleted.',
      resolve: (event, _args, context) => (event.change === 'AUDIENCE_DELETED' ? null : eventScope(context, event.delivered).loaders.audienceById.load(event.audienceId)),
    }),
    audienceContactId: t.id({
      nullable: true,
      description: 'The row concerned, for CONTACT_ADDED, CONTACT_UPDATED and CONTACT_REMOVED.',
      resolve: (event) => (event.rowId ? encodeGlobalId('AudienceContact', event.rowId) : null),
    }),
    batch: t.field({ type: BatchRef, nullable: true, description: 'For CONTACTS_BATCH.', resolve: (event) => event.batch }),
  }),
});

const AudienceContactChangeKind = builder.enumType('AudienceContactChangeKind', {
  description: 'What happened to the rows in an audienceContactsChanged event.',
  values: {
    ADDED: { value: 'ADDED', description: 'The row joined the audience (and matches the filter).' },
    UPDATED: { value: 'UPDATED', description: 'The row changed (and matches the filter).' },
    REMOVED: { value: 'REMOVED', description: 'The row left the audience, or an update took it out of the filter.' },
    BATCH: { value: 'BATCH', description: 'An import or a bulk action changed many rows: see `batch`, and refetch.' },
  } as const,
});

const AudienceContactsChangedEvent = builder.objectRef<AudienceContactsChangeEvent>('AudienceContactsChangedEvent').implement({
  description: "One change of an audience's contacts.",
  fields: (t) => ({
    kind: t.field({ type: AudienceContactChangeKind, description: 'What happened to the row, or BATCH.', resolve: (event) => event.change }),
    audienceContactId: t.id({
      nullable: true,
      description: 'The row, for ADDED, UPDATED and REMOVED.',
      resolve: (event) => (event.rowId ? encodeGlobalId('AudienceContact', event.rowId) : null),
    }),
    audienceContact: t.field({
      type: AudienceContactRef,
      nullable: true,
      description: 'The row as it is now, for ADDED and UPDATED; null when it is gone by the time the event is read.',
      resolve: (event, _args, context) =>
        event.rowId && event.change !== 'REMOVED' ? eventScope(context, event.delivered).loaders.audienceContactById.load(event.rowId) : null,
    }),
    batch: t.field({ type: BatchRef, nullable: true, description: 'For BATCH.', resolve: (event) => event.batch }),
    audience: t.field({
      type: AudienceRef,
      nullable: true,
      description: 'The audience now, e.g. for its `contacts { totalCount }`.',
      resolve: (event, _args, context) => eventScope(context, event.delivered).loaders.audienceById.load(event.audienceId),
    }),
  }),
});

const ContactChangeKind = builder.enumType('ContactChangeKind', {
  description: 'What changed in a contactChanged event.',
  values: {
    UPDATED: { value: 'UPDATED', description: 'Its phone, name or email changed.' },
    AUDIENCES_CHANGED: { value: 'AUDIENCES_CHANGED', description: 'It joined or left an audience (one at a time; imports and bulk actions are told to the audience only).' },
    DELETED: { value: 'DELETED', description: 'It was deleted: the last event of the subscription.' },
  } as const,
});

const ContactChangedEvent = builder.objectRef<ContactChangeEvent>('ContactChangedEvent').implement({
  description: 'One change of a contact, and the contact as it is now.',
  fields: (t) => ({
    kind: t.field({ type: ContactChangeKind, description: 'What changed.', resolve: (event) => event.change }),
    contactId: t.id({ description: 'The contact, also once it is deleted.', resolve: (event) => encodeGlobalId('Contact', event.contactId) }),
    contact: t.field({
      type: ContactRef,
      nullable: true,
      description: 'The contact now; null once deleted.',
      resolve: (event, _args, context) => (event.change === 'DELETED' ? null : eventScope(context, event.delivered).loaders.contactById.load(event.contactId)),
    }),
  }),
});

/** An event as the field's value; a stream's failure (a revoked key, a slow reader) is its last error. */
function eventOrFailure<T extends object>(item: T | StreamFailure): T {
  if (isFailure(item)) throw item.failure;
  return item;
}

const AT_MOST_ONCE =
  'Delivered at most once while connected, for committed changes only; after a reconnect, refetch (`updatedAt` tells what changed).';

builder.subscriptionFields((t) => ({
  audienceChanged: t.field({
    type: AudienceChangedEvent,
    description: `Every change of one of the account's audiences: renamed, contacts added, updated or removed, an import or bulk action; ends when it is deleted. ${AT_MOST_ONCE}`,
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const { scope, events, subscriber } = subscriberOf(context);
      return watchAudience(scope, events, subscriber, parseGlobalId(args.id, 'Audience', 'id'));
    },
    resolve: eventOrFailure,
  }),
  audienceContactsChanged: t.field({
    type: AudienceContactsChangedEvent,
    description: `The contacts of one audience as they are added, updated and removed (one BATCH event for an import or a bulk action), optionally only those a filter selects. ${AT_MOST_ONCE}`,
    args: {
      audienceId: t.arg.id({ required: true }),
      filter: t.arg({ type: AudienceContactFilterInput, required: false }),
    },
    subscribe: (_root, args, context) => {
      const { scope, events, subscriber } = subscriberOf(context);
      return watchAudienceContacts(scope, events, subscriber, parseGlobalId(args.audienceId, 'Audience', 'audienceId'), args.filter);
    },
    resolve: eventOrFailure,
  }),
  contactChanged: t.field({
    type: ContactChangedEvent,
    description: `Every change of one of the account's contacts; ends when it is deleted. ${AT_MOST_ONCE}`,
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const { scope, events, subscriber } = subscriberOf(context);
      return watchContact(scope, events, subscriber, parseGlobalId(args.id, 'Contact', 'id'));
    },
    resolve: eventOrFailure,
  }),
}));
