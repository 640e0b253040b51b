import type { HttpBindings } from '@hono/node-server';
import type { Account } from '../db/generated/client.js';
import type { RequestScope } from '../services/loaders.js';

/** What the REST front's middleware hands its handlers (Hono's `c.var`). */
export interface RestVariables {
  requestId: string;
  /** The route template of the matched endpoint, e.g. `/v1/audiences/{audience_id}` (metrics, logs, traces). */
  route: string;
  account: Account;
  scope: RequestScope;
  /** The request body, parsed and checked (size, JSON, nesting) by the body guard. */
  body: unknown;
  /** Catalogue codes of the errors this request answered with. */
  errorCodes: string[];
  /** How this endpoint names the services' fields in its errors (see restField). */
  fieldNames: Record<string, string>;
}

export interface RestEnv {
  Bindings: HttpBindings;
  Variables: RestVariables;
}
