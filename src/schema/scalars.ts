import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

function parseDateTime(value: unknown): Date {
  if (typeof value === 'string') {
    const date = new Date(value);
    // Only full ISO 8601 date-times: a bare number or "tomorrow" is a client bug worth reporting.
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('DateTime must be an ISO 8601 date-time string, e.g. 2026-01-31T12:00:00Z', {
    extensions: { code: 'BAD_USER_INPUT', status: 400 },
  });
}

builder.scalarType('DateTime', {
  description: 'An instant in time, as an ISO 8601 string in UTC (e.g. 2026-01-31T12:00:00.000Z).',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) parseDateTime(undefined);
    return parseDateTime((ast as { value: string }).value);
  },
});
