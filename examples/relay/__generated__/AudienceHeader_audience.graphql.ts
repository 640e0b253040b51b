/**
 * @generated SignedSource<<5e8db978f32d4486d086dc66fe175286>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type Channel = "SMS" | "VIBER" | "WHATSAPP" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type AudienceHeader_audience$data = {
  readonly channel: Channel;
  readonly id: string;
  readonly name: string;
  readonly updatedAt: string;
  readonly " $fragmentType": "AudienceHeader_audience";
};
export type AudienceHeader_audience$key = {
  readonly " $data"?: AudienceHeader_audience$data;
  readonly " $fragmentSpreads": FragmentRefs<"AudienceHeader_audience">;
};

import AudienceHeaderRefetchQuery_graphql from './AudienceHeaderRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": AudienceHeaderRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "AudienceHeader_audience",
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
  "type": "Audience",
  "abstractKey": null
};

(node as any).hash = "04c53c735a065f44f790d2feb9f8d266";

export default node;
