import { isUuid } from '../domain/ids.js';
import { RestFieldError } from './errors.js';

/** A path's audience id: a UUID, or 1302 (400) naming the parameter. */
export function audienceIdParam(value: string, field = 'audience_id'): string {
  if (!isUuid(value)) throw new RestFieldError('INVALID_AUDIENCE_ID', field);
  return value;
}

/** A path's contact id: a UUID, or 1352 (400) naming the parameter. */
export function contactIdParam(value: string, field = 'contact_id'): string {
  if (!isUuid(value)) throw new RestFieldError('INVALID_CONTACT_ID', field);
  return value;
}
