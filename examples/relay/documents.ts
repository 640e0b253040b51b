// The Relay example's GraphQL: relay-compiler (relay.config.json) reads these tagged templates and writes the
// artifacts in __generated__/, which the app (client.ts) runs. In a React app babel-plugin-relay replaces each
// template with its artifact; this file is the compiler's input only and is never run.
import { graphql } from 'relay-runtime';

/** The audience screen: its header and the first page of its contacts, under the filters the user chose. */
export const AudienceScreenQuery = graphql`
  query AudienceScreenQuery(
    $id: ID!
    $count: Int = 10
    $search: String
    $orderBy: AudienceContactOrder
    $filter: AudienceContactFilter
  ) {
    audience(id: $id) {
      id
      ...AudienceHeader_audience
      ...AudienceContactList_audience @arguments(count: $count, search: $search, orderBy: $orderBy, filter: $filter)
    }
  }
`;

/** Refetchable through Node: Relay writes AudienceHeaderRefetchQuery, a node(id:) query of this fragment. */
export const AudienceHeader = graphql`
  fragment AudienceHeader_audience on Audience @refetchable(queryName: "AudienceHeaderRefetchQuery") {
    id
    name
    channel
    updatedAt
  }
`;

/** The pagination fragment: one connection per search/orderBy/filter, pages appended as the user scrolls. */
export const AudienceContactList = graphql`
  fragment AudienceContactList_audience on Audience
  @refetchable(queryName: "AudienceContactListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 10 }
    cursor: { type: "String" }
    search: { type: "String" }
    orderBy: { type: "AudienceContactOrder" }
    filter: { type: "AudienceContactFilter" }
  ) {
    contacts(first: $count, after: $cursor, search: $search, orderBy: $orderBy, filter: $filter)
      @connection(key: "AudienceContactList_contacts", filters: ["search", "orderBy", "filter"]) {
      __id
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          id
          number
          firstName
          lastName
        }
      }
    }
  }
`;

/** Adds a contact and appends it to the connections the caller names (the lists on screen). */
export const AddAudienceContact = graphql`
  mutation AddAudienceContactMutation($input: AddAudienceContactInput!, $connections: [ID!]!) {
    addAudienceContact(input: $input) {
      audienceContact @appendNode(connections: $connections, edgeTypeName: "AudienceContactEdge") {
        id
        number
        firstName
        lastName
      }
    }
  }
`;

/** Removes a contact from the audience and its edge from the connections the caller names. */
export const RemoveAudienceContact = graphql`
  mutation RemoveAudienceContactMutation($input: RemoveAudienceContactInput!, $connections: [ID!]!) {
    removeAudienceContact(input: $input) {
      removedAudienceContactId @deleteEdge(connections: $connections)
    }
  }
`;

/** Renames the audience: the header's fragment updates from the payload by the audience's id. */
export const UpdateAudience = graphql`
  mutation UpdateAudienceMutation($input: UpdateAudienceInput!) {
    updateAudience(input: $input) {
      audience {
        ...AudienceHeader_audience
      }
    }
  }
`;

/**
 * The live view: the list on screen follows the audience's changes as they commit. ADDED rows are appended
 * (@appendNode skips a row already shown, such as one this screen added itself); an UPDATED row changes in place
 * by its id; client.ts's updater takes REMOVED rows out, copies the count, and refetches after a BATCH.
 */
export const AudienceContactListLive = graphql`
  subscription AudienceContactListLiveSubscription($audienceId: ID!, $filter: AudienceContactFilter, $connections: [ID!]!) {
    audienceContactsChanged(audienceId: $audienceId, filter: $filter) {
      kind
      audienceContactId
      audienceContact @appendNode(connections: $connections, edgeTypeName: "AudienceContactEdge") {
        id
        number
        firstName
        lastName
      }
      batch {
        addedCount
      }
      audience {
        id
        contacts(filter: $filter) {
          totalCount
        }
      }
    }
  }
`;
