/**
 * @generated SignedSource<<b38103430452f98e3cb5f836e5d728de>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type RemoveAudienceContactInput = {
  id: string;
};
export type RemoveAudienceContactMutation$variables = {
  connections: ReadonlyArray<string>;
  input: RemoveAudienceContactInput;
};
export type RemoveAudienceContactMutation$data = {
  readonly removeAudienceContact: {
    readonly removedAudienceContactId: string;
  };
};
export type RemoveAudienceContactMutation = {
  response: RemoveAudienceContactMutation$data;
  variables: RemoveAudienceContactMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "connections"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "input"
},
v2 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "removedAudienceContactId",
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "RemoveAudienceContactMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "RemoveAudienceContactPayload",
        "kind": "LinkedField",
        "name": "removeAudienceContact",
        "plural": false,
        "selections": [
          (v3/*:: as any*/)
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v1/*:: as any*/),
      (v0/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "RemoveAudienceContactMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "RemoveAudienceContactPayload",
        "kind": "LinkedField",
        "name": "removeAudienceContact",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "filters": null,
            "handle": "deleteEdge",
            "key": "",
            "kind": "ScalarHandle",
            "name": "removedAudienceContactId",
            "handleArgs": [
              {
                "kind": "Variable",
                "name": "connections",
                "variableName": "connections"
              }
            ]
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "891b300c187b31ef4b4d2935a4e5961f",
    "id": null,
    "metadata": {},
    "name": "RemoveAudienceContactMutation",
    "operationKind": "mutation",
    "text": "mutation RemoveAudienceContactMutation(\n  $input: RemoveAudienceContactInput!\n) {\n  removeAudienceContact(input: $input) {\n    removedAudienceContactId\n  }\n}\n"
  }
};
})();

(node as any).hash = "d84520c943f4c2a295385de6071e4805";

export default node;
