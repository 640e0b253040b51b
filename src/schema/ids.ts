import { appError, type ErrorName } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';

/** The node types and the error a malformed id of each gets (seed codes 1302 / 1352). */
const invalidIdError = {
  Account: 'NODE_ID_INVALID',
  Audience: 'INVALID_AUDIENCE_ID',
  AudienceContact: 'INVALID_CONTACT_ID',
  Contact: 'INVALID_CONTACT_ID',
} as const satisfies Record<string, ErrorName>;

export type NodeTypeName = keyof typeof invalidIdError;

/** Opaque global ids: base64url of "Type:uuid", as the Relay plugin encodes them. */
export function encodeGlobalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

/** The type and database id inside a global id, or null when it is not one of ours. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } | null {
  if (!/^[A-Za-z0-9_+/-]{1,200}={0,2}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 1) return null;
  const typename = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (!(typename in invalidIdError) || !isUuid(id)) return null;
  return { typename, id };
}

/** The database id of a global id that must name a `typename`; malformed or another type's id is an error. */
export function parseGlobalId(globalId: string, typename: NodeTypeName, field: string): string {
  const decoded = decodeGlobalId(globalId);
  if (!decoded || decoded.typename !== typename) throw appError(invalidIdError[typename], field);
  return decoded.id;
}
