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
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', numericCode: null, status: 401, message: 'A valid API key is required: send it as X-Dexatel-Key or Authorization: Bearer' },
  PAGE_SIZE_OUT_OF_RANGE: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Page size must be between 0 and 100' },
  PAGE_ARGUMENTS_CONFLICT: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Pass either first/after or last/before, not both' },
  CURSOR_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Malformed cursor' },
  IMPORT_TOO_LARGE: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'An import takes at most 10,000 rows' },
  NODE_ID_INVALID: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'Malformed node identifier' },

  // Automatic persisted queries: the messages are the protocol's, which Apollo Client and urql match on.
  PERSISTED_QUERY_NOT_FOUND: { code: 'PERSISTED_QUERY_NOT_FOUND', numericCode: null, status: 404, message: 'PersistedQueryNotFound' },
  PERSISTED_QUERY_NOT_SUPPORTED: { code: 'PERSISTED_QUERY_NOT_SUPPORTED', numericCode: null, status: 400, message: 'PersistedQueryNotSupported' },
  PERSISTED_QUERY_HASH_MISMATCH: { code: 'BAD_USER_INPUT', numericCode: null, status: 400, message: 'The persisted query hash does not match the query' },

  // Unexpected failures: the real cause is logged, never sent.
  INTERNAL_SERVER_ERROR: { code: 'INTERNAL_SERVER_ERROR', numericCode: null, status: 500, message: 'Unexpected error' },
} as const satisfies Record<string, ErrorDefinition>;

export interface ErrorDefinition {
  code: string;
  numericCode: number | null;
  status: 400 | 401 | 404 | 409 | 422 | 500 | 503;
  message: string;
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
