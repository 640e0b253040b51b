// A Relay client of the Contact Gateway without React: the same relay-runtime store, connection handler and
// compiled operations (__generated__/, `npm run relay`) that react-relay's hooks drive. usePaginationFragment's
// loadNext is `loadMore` below, useRefetchableFragment's refetch is `refetchHeader`, useSubscription is `live`.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  commitMutation,
  type Disposable,
  Environment,
  fetchQuery,
  type FragmentType,
  getSelector,
  Network,
  Observable,
  RecordSource,
  requestSubscription,
  Store,
  type GraphQLResponse,
  type GraphQLTaggedNode,
  type ReaderFragment,
} from 'relay-runtime';
import AudienceScreenQueryNode, { type AudienceScreenQuery, type AudienceScreenQuery$variables } from './__generated__/AudienceScreenQuery.graphql.js';
import AudienceHeaderFragment, { type AudienceHeader_audience$data } from './__generated__/AudienceHeader_audience.graphql.js';
import AudienceHeaderRefetchQuery from './__generated__/AudienceHeaderRefetchQuery.graphql.js';
import AudienceContactListFragment, { type AudienceContactList_audience$data } from './__generated__/AudienceContactList_audience.graphql.js';
import AudienceContactListPaginationQuery from './__generated__/AudienceContactListPaginationQuery.graphql.js';
import AddAudienceContactMutation, { type AddAudienceContactMutation$data } from './__generated__/AddAudienceContactMutation.graphql.js';
import RemoveAudienceContactMutation, { type RemoveAudienceContactMutation$data } from './__generated__/RemoveAudienceContactMutation.graphql.js';
import UpdateAudienceMutation from './__generated__/UpdateAudienceMutation.graphql.js';
import AudienceContactListLiveSubscriptionNode, {
  type AudienceContactListLiveSubscription,
} from './__generated__/AudienceContactListLiveSubscription.graphql.js';

export type ContactListFilters = Omit<AudienceScreenQuery$variables, 'id' | 'count'>;

export interface RelayConnection {
  environment: Environment;
  /** Closes the WebSocket that carries the subscriptions. */
  close(): Promise<void>;
}

/**
 * One store per user session. Queries and mutations are POSTs, subscriptions run over one graphql-ws WebSocket
 * (opened on the first, closed with the last); every request carries the API key.
 */
export function connect(endpoint: string, apiKey: string): RelayConnection {
  const webSocket = createClient({
    url: endpoint.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { 'X-Dexatel-Key': apiKey },
    lazy: true,
  });
  const environment = new Environment({
    network: Network.create(async (operation, variables) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-dexatel-key': apiKey },
        body: JSON.stringify({ query: operation.text, variables }),
      });
      const body = await response.json();
      if (body.errors?.length) throw new Error(body.errors.map((e: { message: string; extensions?: { code?: string } }) => `${e.extensions?.code}: ${e.message}`).join('; '));
      return body;
    }, (operation, variables) =>
      Observable.create<GraphQLResponse>((sink) =>
        webSocket.subscribe({ query: operation.text!, variables }, {
          next: (result) => sink.next(result as GraphQLResponse),
          error: (error) => sink.error(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => sink.complete(),
        }),
      ),
    ),
    store: new Store(new RecordSource()),
  });
  return { environment, close: () => webSocket.dispose() as Promise<void> };
}

/** What a component would render from a fragment: the fragment's data as the store holds it now. */
function readFragment<T>(environment: Environment, fragment: ReaderFragment, reference: FragmentType | unknown): T {
  const selector = getSelector(fragment, reference as FragmentType);
  if (!selector || selector.kind !== 'SingularReaderSelector') throw new Error(`no data for fragment ${fragment.name}`);
  return environment.lookup(selector).data as T;
}

/** The audience screen: the query's result, kept in the store, and the fragment references its parts read. */
export class AudienceScreen {
  private constructor(
    private readonly environment: Environment,
    private readonly filters: ContactListFilters,
    private readonly reference: unknown,
    readonly audienceId: string,
  ) {}

  static async open(environment: Environment, id: string, filters: ContactListFilters = {}, pageSize = 10): Promise<AudienceScreen | null> {
    const data = await fetchQuery<AudienceScreenQuery>(environment, AudienceScreenQueryNode, { id, count: pageSize, ...filters }).toPromise();
    return data?.audience ? new AudienceScreen(environment, filters, data.audience, data.audience.id) : null;
  }

  header(): AudienceHeader_audience$data {
    return readFragment(this.environment, AudienceHeaderFragment, this.reference);
  }

  contacts(): AudienceContactList_audience$data['contacts'] {
    return readFragment<AudienceContactList_audience$data>(this.environment, AudienceContactListFragment, this.reference).contacts;
  }

  /** The next page, appended to the same connection by Relay's connection handler (loadNext). */
  async loadMore(pageSize = 10): Promise<boolean> {
    const { pageInfo } = this.contacts();
    if (!pageInfo.hasNextPage) return false;
    await fetchQuery(this.environment, AudienceContactListPaginationQuery, {
      id: this.audienceId,
      count: pageSize,
      cursor: pageInfo.endCursor,
      ...this.filters,
    }).toPromise();
    return true;
  }

  /** Pages until the end, as an infinite list scrolled to its bottom does. */
  async loadAll(pageSize = 10): Promise<AudienceContactList_audience$data['contacts']> {
    while (await this.loadMore(pageSize));
    return this.contacts();
  }

  /** The header again from the server, through Node (the @refetchable fragment's generated query). */
  async refetchHeader(): Promise<AudienceHeader_audience$data> {
    await fetchQuery(this.environment, AudienceHeaderRefetchQuery, { id: this.audienceId }, { fetchPolicy: 'network-only' }).toPromise();
    return this.header();
  }

  async rename(name: string): Promise<void> {
    await mutate(this.environment, UpdateAudienceMutation, { input: { id: this.audienceId, name } });
  }

  /**
   * Follows the audience's changes until disposed. The subscription filters as the list does (`search` becomes
   * `filter.search`); rows another client adds arrive at the end of the list, whatever its order.
   */
  live(onError: (error: Error) => void = () => {}): Disposable {
    const { search, filter } = this.filters;
    const liveFilter = search == null ? filter : { ...filter, search };
    const connectionId = this.contacts().__id;
    return requestSubscription<AudienceContactListLiveSubscription>(this.environment, {
      subscription: AudienceContactListLiveSubscriptionNode,
      variables: { audienceId: this.audienceId, filter: liveFilter, connections: [connectionId] },
      updater: (store, data) => {
        const event = data?.audienceContactsChanged;
        const connection = store.get(connectionId);
        if (!event || !connection) return;
        if (event.kind === 'REMOVED' && event.audienceContactId) {
          const edges = connection.getLinkedRecords('edges') ?? [];
          connection.setLinkedRecords(edges.filter((edge) => edge?.getLinkedRecord('node')?.getDataID() !== event.audienceContactId), 'edges');
        }
        if (event.audience) connection.setValue(event.audience.contacts.totalCount, 'totalCount');
      },
      onNext: (data) => {
        // Counts only: the rows on screen are refetched from the start, as many as were shown plus those added.
        const event = data?.audienceContactsChanged;
        if (event?.kind === 'BATCH') void this.refresh(event.batch?.addedCount ?? 0).catch(onError);
      },
      onError,
    });
  }

  /** The list again from its first row, as many rows as it shows now and `more` (Relay replaces a connection fetched without a cursor). */
  async refresh(more = 0): Promise<void> {
    await fetchQuery(
      this.environment,
      AudienceContactListPaginationQuery,
      { id: this.audienceId, count: Math.max(this.contacts().edges.length + more, 1), cursor: null, ...this.filters },
      { fetchPolicy: 'network-only' },
    ).toPromise();
  }

  /** Adds a contact; @appendNode puts it at the end of the list on screen. */
  async addContact(number: string, firstName?: string): Promise<AddAudienceContactMutation$data> {
    return mutate(this.environment, AddAudienceContactMutation, {
      input: { audienceId: this.audienceId, number, firstName },
      connections: [this.contacts().__id],
    });
  }

  /** Removes a contact; @deleteEdge takes its edge out of the list on screen. */
  async removeContact(audienceContactId: string): Promise<RemoveAudienceContactMutation$data> {
    return mutate(this.environment, RemoveAudienceContactMutation, { input: { id: audienceContactId }, connections: [this.contacts().__id] });
  }
}


function mutate<T>(environment: Environment, mutation: GraphQLTaggedNode, variables: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) =>
    commitMutation(environment, {
      mutation,
      variables,
      onCompleted: (response, errors) => (errors?.length ? reject(new Error(errors.map((e) => e.message).join('; '))) : resolve(response as T)),
      onError: reject,
    }),
  );
}
