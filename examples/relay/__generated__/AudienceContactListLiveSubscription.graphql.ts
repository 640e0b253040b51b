/**
 * @generated SignedSource<<304ecccd9042eafffeb4043debc9a1e8>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type AudienceContactChangeKind = "ADDED" | "BATCH" | "REMOVED" | "UPDATED" | "%future added value";
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
export type AudienceContactListLiveSubscription$variables = {
  audienceId: string;
  connections: ReadonlyArray<string>;
  filter?: AudienceContactFilter | null | undefined;
};
export type AudienceContactListLiveSubscription$data = {
  readonly audienceContactsChanged: {
    readonly audience: {
      readonly contacts: {
        readonly totalCount: number;
      };
      readonly id: string;
    } | null | undefined;
    readonly audienceContact: {
      readonly firstName: string | null | undefined;
      readonly id: string;
      readonly lastName: string | null | undefined;
      readonly number: string;
    } | null | undefined;
    readonly audienceContactId: string | null | undefined;
    readonly batch: {
      readonly addedCount: number;
    } | null | undefined;
    readonly kind: AudienceContactChangeKind;
  };
};
export type AudienceContactListLiveSubscription = {
  response: AudienceContactListLiveSubscription$data;
  variables: AudienceContactListLiveSubscription$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "audienceId"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "connections"
},
v2 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "filter"
},
v3 = {
  "kind": "Variable",
  "name": "filter",
  "variableName": "filter"
},
v4 = [
  {
    "kind": "Variable",
    "name": "audienceId",
    "variableName": "audienceId"
  },
  (v3/*:: as any*/)
],
v5 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "kind",
  "storageKey": null
},
v6 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "audienceContactId",
  "storageKey": null
},
v7 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v8 = {
  "alias": null,
  "args": null,
  "concreteType": "AudienceContact",
  "kind": "LinkedField",
  "name": "audienceContact",
  "plural": false,
  "selections": [
    (v7/*:: as any*/),
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
    }
  ],
  "storageKey": null
},
v9 = {
  "alias": null,
  "args": null,
  "concreteType": "AudienceContactsBatch",
  "kind": "LinkedField",
  "name": "batch",
  "plural": false,
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "addedCount",
      "storageKey": null
    }
  ],
  "storageKey": null
},
v10 = {
  "alias": null,
  "args": null,
  "concreteType": "Audience",
  "kind": "LinkedField",
  "name": "audience",
  "plural": false,
  "selections": [
    (v7/*:: as any*/),
    {
      "alias": null,
      "args": [
        (v3/*:: as any*/)
      ],
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
        }
      ],
      "storageKey": null
    }
  ],
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/),
      (v2/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "AudienceContactListLiveSubscription",
    "selections": [
      {
        "alias": null,
        "args": (v4/*:: as any*/),
        "concreteType": "AudienceContactsChangedEvent",
        "kind": "LinkedField",
        "name": "audienceContactsChanged",
        "plural": false,
        "selections": [
          (v5/*:: as any*/),
          (v6/*:: as any*/),
          (v8/*:: as any*/),
          (v9/*:: as any*/),
          (v10/*:: as any*/)
        ],
        "storageKey": null
      }
    ],
    "type": "Subscription",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v2/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "AudienceContactListLiveSubscription",
    "selections": [
      {
        "alias": null,
        "args": (v4/*:: as any*/),
        "concreteType": "AudienceContactsChangedEvent",
        "kind": "LinkedField",
        "name": "audienceContactsChanged",
        "plural": false,
        "selections": [
          (v5/*:: as any*/),
          (v6/*:: as any*/),
          (v8/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "filters": null,
            "handle": "appendNode",
            "key": "",
            "kind": "LinkedHandle",
            "name": "audienceContact",
            "handleArgs": [
              {
                "kind": "Variable",
                "name": "connections",
                "variableName": "connections"
              },
              {
                "kind": "Literal",
                "name": "edgeTypeName",
                "value": "AudienceContactEdge"
              }
            ]
          },
          (v9/*:: as any*/),
          (v10/*:: as any*/)
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "997a35d8164aa9ea7bd6b471dbb103a8",
    "id": null,
    "metadata": {},
    "name": "AudienceContactListLiveSubscription",
    "operationKind": "subscription",
    "text": "subscription AudienceContactListLiveSubscription(\n  $audienceId: ID!\n  $filter: AudienceContactFilter\n) {\n  audienceContactsChanged(audienceId: $audienceId, filter: $filter) {\n    kind\n    audienceContactId\n    audienceContact {\n      id\n      number\n      firstName\n      lastName\n    }\n    batch {\n      addedCount\n    }\n    audience {\n      id\n      contacts(filter: $filter) {\n        totalCount\n      }\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "abad54d7c691191f2694af03a9ead81e";

export default node;
