// A Relay client of the Contact Gateway without React: the same relay-runtime store, connection handler and
// compiled operations (__generated__/, `npx relay-compiler` in this directory) that react-relay's hooks drive.
// usePaginationFragment's loadNext is `loadMore` below; useRefetchableFragment's refetch is `refetchHeader`.
import {
  commitMutation,
  Environment,
  fetchQuery,
  type FragmentType,
  getSelector,
  Network,
  RecordSource,
  Store,
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

export type ContactListFilters = Omit<AudienceScreenQuery$variables, 'id' | 'count'>;

/** One store per user session; every request carries the API key. */
export function createEnvironment(endpoint: string, apiKey: string): Environment {
  return new Environment({
    network: Network.create(async (operation, variables) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-dexatel-key': apiKey },
        body: JSON.stringify({ query: operation.text, variables }),
      });
      const body = await response.json();
      if (body.errors?.length) throw new Error(body.errors.map((e: { message: string; extensions?: { code?: string } }) => `${e.extensions?.code}: ${e.message}`).join('; '));
      return body;
    }),
    store: new Store(new RecordSource()),
  });
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
