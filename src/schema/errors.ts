import { GraphQLError } from 'graphql';
import { AppError, errorCatalogue } from '../domain/errors.js';

/** Renders a catalogue error as the GraphQL error clients see: code, numericCode, status, field. */
export function toGraphQLError(error: AppError, from?: GraphQLError): GraphQLError {
  const { code, numericCode, status } = error.definition;
  return new GraphQLError(error.message, {
    nodes: from?.nodes,
    source: from?.source,
    positions: from?.positions,
    path: from?.path,
    extensions: {
      code,
      ...(numericCode === null ? {} : { numericCode }),
      status,
      ...(error.field ? { field: error.field } : {}),
      // Only failures of the request as a whole (authentication, limits, outages) change the HTTP status:
      // field errors travel in a 200 response, as GraphQL clients expect partial data next to errors.
      // (Requests GraphQL itself rejects before executing get 400 from yoga, per the GraphQL-over-HTTP spec.)
      ...(error.definition.httpStatus ? { http: { status, headers: httpHeaders(error) } } : {}),
    },
  });
}

function httpHeaders(error: AppError): Record<string, string> {
  return error.code === 'UNAUTHENTICATED' ? { 'WWW-Authenticate': 'Bearer', ...error.headers } : error.headers;
}

/** The masked form of anything unexpected: no message, stack or SQL of the cause leaves the server. */
export function internalServerError(from?: GraphQLError): GraphQLError {
  const { code, status, message } = errorCatalogue.INTERNAL_SERVER_ERROR;
  return new GraphQLError(message, {
    nodes: from?.nodes,
    source: from?.source,
    positions: from?.positions,
    path: from?.path,
    extensions: { code, status, unexpected: true },
  });
}

export function findAppError(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof AppError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}
