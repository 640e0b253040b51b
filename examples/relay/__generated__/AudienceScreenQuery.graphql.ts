/**
 * @generated SignedSource<<e2ffa3f1f19f82c069abe6f0d654d9ad>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type AudienceContactOrderField = "CREATED_AT" | "FIRST_NAME" | "LAST_NAME" | "NUMBER" | "UPDATED_AT" | "%future added value";
export type OrderDirection = "ASC" | "DESC" | "%future added value";
export type AudienceContactOrder = {
  direction?: OrderDirection | null | undefined;
  field: AudienceContactOrderField;
};
export type AudienceContactFilter = {
  country?: ReadonlyArray<string> | null | undefined;
  createdAt?: TimeRange | null | undefined;
  hasFirstName?: boolean | null | undefined;
  hasLastName?: boolean | null | undefined;
  search?: string | null | undefined;
  tags?: TagFilter | null | undefined;
  updatedAt?: TimeRange | null | undefined;
};
export type TimeRange = {
  after?: string | null | undefined;
  before?: string | null | undefined;
};
export type TagFilter = {
  all?: ReadonlyArray<string> | null | undefined;
  any?: ReadonlyArray<string> | null | undefined;
  none?: ReadonlyArray<string> | null | undefined;
};
export type AudienceScreenQuery$variables = {
  count?: number | null | undefined;
  filter?: AudienceContactFilter | null | undefined;
  id: string;
  orderBy?: AudienceContactOrder | null | undefined;
  search?: string | null | undefined;
};
export type AudienceScreenQuery$data = {
  readonly audience: {
    readonly id: string;
    readonly " $fragmentSpreads": FragmentRefs<"AudienceContactList_audience" | "AudienceHeader_audience">;
  } | null | undefined;
};
export type AudienceScreenQuery = {
  response: AudienceScreenQuery$data;
  variables: AudienceScreenQuery$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": 10,
  "kind": "LocalArgument",
  "name": "count"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "filter"
},
v2 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "id"
},
v3 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "orderBy"
},
v4 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "search"
},
v5 = [
  {
    "kind": "Variable",
    "name": "id",
    "variableName": "id"
  }
],
v6 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v7 = {
  "kind": "Variable",
  "name": "filter",
  "variableName": "filter"
},
v8 = {
  "kind": "Variable",
  "name": "orderBy",
  "variableName": "orderBy"
},
v9 = {
  "kind": "Variable",
  "name": "search",
  "variableName": "search"
},
v10 = [
  (v7/*:: as any*/),
  {
    "kind": "Variable",
    "name": "first",
    "variableName": "count"
  },
  (v8/*:: as any*/),
  (v9/*:: as any*/)
];
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/),
      (v2/*:: as any*/),
      (v3/*:: as any*/),
      (v4/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "AudienceScreenQuery",
    "selections": [
      {
        "alias": null,
        "args": (v5/*:: as any*/),
        "concreteType": "Audience",
        "kind": "LinkedField",
        "name": "audience",
        "plural": false,
        "selections": [
          (v6/*:: as any*/),
          {
            "args": null,
            "kind": "FragmentSpread",
            "name": "AudienceHeader_audience"
          },
          {
            "args": [
              {
                "kind": "Variable",
                "name": "count",
                "variableName": "count"
              },
              (v7/*:: as any*/),
              (v8/*:: as any*/),
              (v9/*:: as any*/)
            ],
            "kind": "FragmentSpread",
            "name": "AudienceContactList_audience"
          }
        ],
        "storageKey": null
      }
    ],
    "type": "Query",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v2/*:: as any*/),
      (v0/*:: as any*/),
      (v4/*:: as any*/),
      (v3/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "AudienceScreenQuery",
    "selections": [
      {
        "alias": null,
        "args": (v5/*:: as any*/),
        "concreteType": "Audience",
        "kind": "LinkedField",
        "name": "audience",
        "plural": false,
        "selections": [
          (v6/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "name",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "channel",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "updatedAt",
            "storageKey": null
          },
          {
            "alias": null,
            "args": (v10/*:: as any*/),
            "concreteType": "AudienceContactConnection",
            "kind": "LinkedField",
            "name": "contacts",
            "plural": false,
            "selections": [
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "totalCount",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "concreteType": "PageInfo",
                "kind": "LinkedField",
                "name": "pageInfo",
                "plural": false,
                "selections": [
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "endCursor",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "hasNextPage",
                    "storageKey": null
                  }
                ],
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "concreteType": "AudienceContactEdge",
                "kind": "LinkedField",
                "name": "edges",
                "plural": true,
                "selections": [
                  {
                    "alias": null,
                    "args": null,
                    "concreteType": "AudienceContact",
                    "kind": "LinkedField",
                    "name": "node",
                    "plural": false,
                    "selections": [
                      (v6/*:: as any*/),
                      {
                        "alias": null,
                        "args": null,
                        "kind": "ScalarField",
                        "name": "number",
                        "storageKey": null
                      },
                      {
                        "alias": null,
                        "args": null,
                        "kind": "ScalarField",
                        "name": "firstName",
                        "storageKey": null
                      },
                      {
                        "alias": null,
                        "args": null,
                        "kind": "ScalarField",
                        "name": "lastName",
                        "storageKey": null
                      },
                      {
                        "alias": null,
                        "args": null,
                        "kind": "ScalarField",
                        "name": "__typename",
                        "storageKey": null
                      }
                    ],
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "cursor",
                    "storageKey": null
                  }
                ],
                "storageKey": null
              },
              {
                "kind": "ClientExtension",
                "selections": [
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "__id",
                    "storageKey": null
                  }
                ]
              }
            ],
            "storageKey": null
          },
          {
            "alias": null,
            "args": (v10/*:: as any*/),
            "filters": [
              "search",
              "orderBy",
              "filter"
            ],
            "handle": "connection",
            "key": "AudienceContactList_contacts",
            "kind": "LinkedHandle",
            "name": "contacts"
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "d446310875ca49a2b622c478b69e83da",
    "id": null,
    "metadata": {},
    "name": "AudienceScreenQuery",
    "operationKind": "query",
    "text": "query AudienceScreenQuery(\n  $id: ID!\n  $count: Int = 10\n  $search: String\n  $orderBy: AudienceContactOrder\n  $filter: AudienceContactFilter\n) {\n  audience(id: $id) {\n    id\n    ...AudienceHeader_audience\n    ...AudienceContactList_audience_40E4WS\n  }\n}\n\nfragment AudienceContactList_audience_40E4WS on Audience {\n  contacts(first: $count, search: $search, orderBy: $orderBy, filter: $filter) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    edges {\n      node {\n        id\n        number\n        firstName\n        lastName\n        __typename\n      }\n      cursor\n    }\n  }\n  id\n}\n\nfragment AudienceHeader_audience on Audience {\n  id\n  name\n  channel\n  updatedAt\n}\n"
  }
};
})();

(node as any).hash = "d655340cec076ba9c0ea9da443075798";

export default node;
