/**
 * @generated SignedSource<<9abaa6a9b55c7068178b17ba1091ce7a>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type UpdateAudienceInput = {
  id: string;
  name?: string | null | undefined;
};
export type UpdateAudienceMutation$variables = {
  input: UpdateAudienceInput;
};
export type UpdateAudienceMutation$data = {
  readonly updateAudience: {
    readonly audience: {
      readonly " $fragmentSpreads": FragmentRefs<"AudienceHeader_audience">;
    };
  };
};
export type UpdateAudienceMutation = {
  response: UpdateAudienceMutation$data;
  variables: UpdateAudienceMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "input"
  }
],
v1 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
];
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "UpdateAudienceMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "UpdateAudiencePayload",
        "kind": "LinkedField",
        "name": "updateAudience",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "Audience",
            "kind": "LinkedField",
            "name": "audience",
            "plural": false,
            "selections": [
              {
                "args": null,
                "kind": "FragmentSpread",
                "name": "AudienceHeader_audience"
              }
            ],
            "storageKey": null
          }
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "UpdateAudienceMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "UpdateAudiencePayload",
        "kind": "LinkedField",
        "name": "updateAudience",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "Audience",
            "kind": "LinkedField",
            "name": "audience",
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
              }
            ],
            "storageKey": null
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "3b51ee7ab64f39ca2477c72c26826aae",
    "id": null,
    "metadata": {},
    "name": "UpdateAudienceMutation",
    "operationKind": "mutation",
    "text": "mutation UpdateAudienceMutation(\n  $input: UpdateAudienceInput!\n) {\n  updateAudience(input: $input) {\n    audience {\n      ...AudienceHeader_audience\n      id\n    }\n  }\n}\n\nfragment AudienceHeader_audience on Audience {\n  id\n  name\n  channel\n  updatedAt\n}\n"
  }
};
})();

(node as any).hash = "379a5647452c5954044e61b40b4b4d2e";

export default node;
