/**
 * @generated SignedSource<<8566e41a630941d75c51f6a3783c208b>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type AddAudienceContactInput = {
  audienceId: string;
  date?: string | null | undefined;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  number: string;
  tags?: ReadonlyArray<string> | null | undefined;
  timestamp?: string | null | undefined;
};
export type AddAudienceContactMutation$variables = {
  connections: ReadonlyArray<string>;
  input: AddAudienceContactInput;
};
export type AddAudienceContactMutation$data = {
  readonly addAudienceContact: {
    readonly audienceContact: {
      readonly firstName: string | null | undefined;
      readonly id: string;
      readonly lastName: string | null | undefined;
      readonly number: string;
    };
  };
};
export type AddAudienceContactMutation = {
  response: AddAudienceContactMutation$data;
  variables: AddAudienceContactMutation$variables;
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
  "concreteType": "AudienceContact",
  "kind": "LinkedField",
  "name": "audienceContact",
  "plural": false,
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "id",
      "storageKey": null
    },
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
};
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "AddAudienceContactMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "AddAudienceContactPayload",
        "kind": "LinkedField",
        "name": "addAudienceContact",
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
    "name": "AddAudienceContactMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "AddAudienceContactPayload",
        "kind": "LinkedField",
        "name": "addAudienceContact",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
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
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "693f4f3a46fb75aa1d11eb6273173bfc",
    "id": null,
    "metadata": {},
    "name": "AddAudienceContactMutation",
    "operationKind": "mutation",
    "text": "mutation AddAudienceContactMutation(\n  $input: AddAudienceContactInput!\n) {\n  addAudienceContact(input: $input) {\n    audienceContact {\n      id\n      number\n      firstName\n      lastName\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "9be78214a35a42ea42075fc084834445";

export default node;
