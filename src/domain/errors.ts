/**
 * The error catalogue: every failure the gateway reports on purpose, in one table. Services and resolvers
 * throw by name (`throw appError('AUDIENCE_NOT_FOUND')`); the GraphQL layer turns an AppError into a
 * GraphQL error whose extensions carry `code`, `numericCode`, `status` and `field`.
 * Numeric codes are the seed documents' (1301–1309 audiences, 1351–1364 contacts).
 */
export const errorCatalogue = {
  // Audiences (seed 001)
  AUDIENCE_NOT_FOUND: { code: 'AUDIENCE_NOT_FOUND', numericCode: 1301, status: 404, message: 'Audience is not found' },
  INVALID_AUDIENCE_ID: { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, message: 'Invalid audience identifier' },
  AUDIENCE_NAME_REQUIRED: { code: 'VALIDATION_ERROR', numericCode: 1303, status: 422, message: 'Audience name is required' },
  AUDIENCE_NAME_INVALID: { code: 'VALIDATION_ERROR', numericCode: 1304, status: 422, message: 'Audience name is invalid: it must not contain control characters' },
  AUDIENCE_NAME_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: 1305, status: 422, message: 'Audience name is too long: at most 128 characters' },
  AUDIENCE_CHANNEL_MISSING: { code: 'VALIDATION_ERROR', numericCode: 1306, status: 422, message: 'Audience channel is missing' },
  AUDIENCE_CHANNEL_INVALID: { code: 'VALIDATION_ERROR', numericCode: 1307, status: 422, message: 'Audience channel should be in: [SMS, WHATSAPP, VIBER]' },
  AUDIENCE_TOO_MANY_CONTACTS: { code: 'VALIDATION_ERROR', numericCode: 1308, status: 422, message: 'An audience can be created with at most 10 contacts' },
  AUDIENCE_ALREADY_EXISTS: { code: 'AUDIENCE_ALREADY_EXISTS', numericCode: 1309, status: 409, message: 'Audience already exists' },

  // Contacts (seeds 000, 002, 003)
  CONTACT_NOT_FOUND: { code: 'CONTACT_NOT_FOUND', numericCode: 1351, status: 404, message: 'Contact is not found' },
  INVALID_CONTACT_ID: { code: 'INVALID_CONTACT_ID', numericCode: 1352, status: 400, message: 'Invalid contact identifier' },
  NUMBER_REQUIRED: { code: 'VALIDATION_ERROR', numericCode: 1353, status: 422, message: 'Phone number is required' },
  NUMBER_INVALID: { code: 'VALIDATION_ERROR', numericCode: 1354, status: 422, message: 'Phone number is invalid' },
  NUMBER_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: 1355, status: 422, message: 'Phone number is too long: at most 32 characters' },
  TAGS_INVALID: { code: 'VALIDATION_ERROR', numericCode: 1359, status: 422, message: 'Tags must be at most 10 items, each 1 to 64 characters' },
  CONTACT_ALREADY_EXISTS: { code: 'CONTACT_ALREADY_EXISTS', numericCode: 1360, status: 409, message: 'Contact already exists' },
  FIRST_NAME_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: 1361, status: 422, message: 'First name is too long: at most 128 characters' },
  LAST_NAME_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: 1362, status: 422, message: 'Last name is too long: at most 128 characters' },
  TIMESTAMP_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: 1363, status: 422, message: 'Timestamp value is too long: at most 64 characters' },
  DATE_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: 1364, status: 422, message: 'Date value is too long: at most 64 characters' },
  CONTACT_NAME_TOO_LONG: { code: 'VALIDATION_ERROR', numericCode: null, status: 422, message: 'Contact name is too long: at most 256 characters' },
  EMAIL_INVALID: { code: 'VALIDATION_ERROR', numericCode: null, status: 422, message: 'Email address is invalid' },

  // Requests
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', numericCode: null, status: 401, message: 'A valid API key is required: send it as X-Dexatel-Key or Authorization: Bearer', httpStatus: true },
  PAGE_SIZE_OUT_OF_RANGE: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Page size must be between 0 and 100' },
  PAGE_ARGUMENTS_CONFLICT: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Pass either first/after or last/before, not both' },
  CURSOR_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Malformed cursor' },
  IMPORT_TOO_LARGE: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'An import takes at most 10,000 rows' },
  TEXT_NOT_STORABLE: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Text must be well-formed Unicode without NUL (U+0000) characters' },
  NODE_ID_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Malformed node identifier' },
  CURSOR_MISMATCH: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'This cursor belongs to another order or filter: start again from the first page' },
  FILTER_COUNTRY_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Unknown country: use ISO 3166-1 alpha-2 codes such as AM or US' },
  FILTER_TAGS_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'A tag filter takes 1 to 10 tags, each 1 to 64 characters' },
  FILTER_RANGE_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'A time range must have its after earlier than its before' },
  SEGMENT_SAME_AUDIENCE: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'The source and the target are the same audience' },
  SEGMENT_SELECTION_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Give either a filter or ids (1 to 1,000 of them), not both' },
  FILTER_ARGUMENT_CONFLICT: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Pass this either as the argument or in filter, not both' },

  // Limits: what one client may ask of the gateway (src/http/limits.ts, rateLimit.ts, bodyLimit.ts)
  QUERY_TOO_DEEP: { code: 'QUERY_TOO_DEEP', numericCode: null, status: 400, message: 'The query is nested too deeply', httpStatus: true },
  QUERY_TOO_MANY_ALIASES: { code: 'QUERY_TOO_MANY_ALIASES', numericCode: null, status: 400, message: 'The query uses too many aliases', httpStatus: true },
  INPUT_TOO_DEEP: { code: 'INPUT_TOO_DEEP', numericCode: null, status: 400, message: 'The request JSON is nested too deeply', httpStatus: true },
  QUERY_TOO_MANY_TOKENS: { code: 'QUERY_TOO_MANY_TOKENS', numericCode: null, status: 400, message: 'The query document is too long', httpStatus: true },
  QUERY_TOO_COMPLEX: { code: 'QUERY_TOO_COMPLEX', numericCode: null, status: 400, message: 'The query would cost too much: ask for smaller pages or fewer fields', httpStatus: true },
  RATE_LIMITED: { code: 'RATE_LIMITED', numericCode: null, status: 429, message: 'Too many requests for this API key: retry after the time in the Retry-After header', httpStatus: true },
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', numericCode: null, status: 413, message: 'The request body is too large', httpStatus: true },
  INTROSPECTION_DISABLED: { code: 'INTROSPECTION_DISABLED', numericCode: null, status: 400, message: 'Introspection is disabled on this server', httpStatus: true },
  UNSUPPORTED_CONTENT_TYPE: { code: 'UNSUPPORTED_CONTENT_TYPE', numericCode: null, status: 415, message: 'POST requests must be JSON (content-type: application/json)', httpStatus: true },

  // REST requests (src/rest/): what a body or query string must look like before any rule applies.
  MALFORMED_JSON: { code: 'INVALID_REQUEST', numericCode: null, status: 400, message: 'The request body is not valid JSON', httpStatus: true },
  REQUEST_INVALID: { code: 'INVALID_REQUEST', numericCode: null, status: 400, message: 'The request does not have the expected shape', httpStatus: true },
  ACCOUNT_NOT_FOUND: { code: 'ACCOUNT_NOT_FOUND', numericCode: null, status: 404, message: 'Account is not found' },
  ROUTE_NOT_FOUND: { code: 'NOT_FOUND', numericCode: null, status: 404, message: 'No such endpoint: see /v1/openapi.json', httpStatus: true },

  // Idempotency-Key on mutations (src/http/idempotency.ts)
  IDEMPOTENCY_KEY_INVALID: { code: 'IDEMPOTENCY_KEY_INVALID', numericCode: null, status: 400, message: 'Idempotency-Key must be 1 to 255 visible ASCII characters', httpStatus: true },
  IDEMPOTENCY_KEY_REUSED: { code: 'IDEMPOTENCY_KEY_REUSED', numericCode: null, status: 422, message: 'This Idempotency-Key was used with a different request: use a new key for a new request', httpStatus: true },
  IDEMPOTENCY_KEY_IN_PROGRESS: { code: 'IDEMPOTENCY_KEY_IN_PROGRESS', numericCode: null, status: 409, message: 'A request with this Idempotency-Key is still running: retry when it has finished', httpStatus: true },

  // The database cannot be reached: the request did nothing and may be retried.
  SERVICE_UNAVAILABLE: { code: 'SERVICE_UNAVAILABLE', numericCode: null, status: 503, message: 'The service is temporarily unavailable: retry shortly', httpStatus: true },

  // Automatic persisted queries: the messages are the protocol's, which Apollo Client and urql match on.
  PERSISTED_QUERY_NOT_FOUND: { code: 'PERSISTED_QUERY_NOT_FOUND', numericCode: null, status: 404, message: 'PersistedQueryNotFound' },
  PERSISTED_QUERY_NOT_SUPPORTED: { code: 'PERSISTED_QUERY_NOT_SUPPORTED', numericCode: null, status: 400, message: 'PersistedQueryNotSupported' },
  PERSISTED_QUERY_HASH_MISMATCH: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'The persisted query hash does not match the query' },

  // Live updates (GraphQL subscriptions, src/services/liveEvents.ts): what one key or connection may hold open.
  SUBSCRIPTIONS_PER_KEY_EXCEEDED: { code: 'SUBSCRIPTION_LIMIT', numericCode: 1401, status: 429, message: 'Too many live subscriptions open with this API key: end one first' },
  SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED: { code: 'SUBSCRIPTION_LIMIT', numericCode: 1402, status: 429, message: 'Too many live subscriptions on this connection: end one first, or open another connection' },
  SUBSCRIBER_TOO_SLOW: { code: 'SUBSCRIBER_TOO_SLOW', numericCode: 1403, status: 429, message: 'The client read its live updates too slowly and was disconnected: reconnect, then refetch' },

  // Unexpected failures: the real cause is logged, never sent.
  INTERNAL_SERVER_ERROR: { code: 'INTERNAL_SERVER_ERROR', numericCode: null, status: 500, message: 'Unexpected error' },
} as const satisfies Record<string, ErrorDefinition>;

export interface ErrorDefinition {
  code: string;
  numericCode: number | null;
  status: 400 | 401 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;
  message: string;
  /**
   * The failure concerns the request as a whole, so the HTTP response carries `status` too. Without it the
   * error travels in a 200 response, as GraphQL clients expect partial data next to field errors.
   */
  httpStatus?: true;
}

export type ErrorName = keyof typeof errorCatalogue;

/** A failure from the catalogue; knows nothing of GraphQL so any front can render it. */
export class AppError extends Error {
  readonly definition: ErrorDefinition;
  constructor(
    readonly errorName: ErrorName,
    readonly field?: string,
    message?: string,
  ) {
    super(message ?? errorCatalogue[errorName].message);
    this.name = 'AppError';
    this.definition = errorCatalogue[errorName];
  }
  /** HTTP headers the response must carry with this error (e.g. Retry-After). */
  headers: Record<string, string> = {};
  withHeaders(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }
  get code(): string {
    return this.definition.code;
  }
  get numericCode(): number | null {
    return this.definition.numericCode;
  }
  get status(): number {
    return this.definition.status;
  }
}

export function appError(name: ErrorName, field?: string, message?: string): AppError {
  return new AppError(name, field, message);
}
