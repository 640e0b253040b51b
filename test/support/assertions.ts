import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { encodeGlobalId, type NodeTypeName } from '../../src/schema/ids.js';
import { type GraphQLResponse, onlyError } from './app.js';

export interface ExpectedError {
  code: string;
  /** A number, or null/omitted: then the extension must be absent. */
  numericCode?: number | null;
  status: number;
  /** The input field; null: must be absent; omitted: not checked. */
  field?: string | null;
}

/** Asserts the response carries exactly one error with these extensions, and that it leaks no SQL or stack. */
export function expectError(response: GraphQLResponse, expected: ExpectedError) {
  const error = onlyError(response);
  expect(error.extensions?.code).toBe(expected.code);
  if (expected.numericCode == null) expect(error.extensions).not.toHaveProperty('numericCode');
  else expect(error.extensions?.numericCode).toBe(expected.numericCode);
  expect(error.extensions?.status).toBe(expected.status);
  if (expected.field === null) expect(error.extensions).not.toHaveProperty('field');
  else if (expected.field !== undefined) expect(error.extensions?.field).toBe(expected.field);
  expect(error.message).not.toMatch(/prisma|SELECT|INSERT|stack/i);
  return error;
}

/** A well-formed global id of `typename` that names nothing. */
export function unknownId(typename: NodeTypeName): string {
  return encodeGlobalId(typename, randomUUID());
}
