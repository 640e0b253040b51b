import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError, type ErrorName } from '../domain/errors.js';
import { toGraphQLError } from './errors.js';

/**
 * GraphQL rejects a missing required input field or an unknown enum value before any resolver runs.
 * Clients of the seed API know these failures by their numeric codes (1303, 1306, 1307, 1353), so such
 * errors get the same extensions as the checks the services make. The required input fields of the
 * schema that carry a seed code, by name (each name means one thing wherever it is required):
 */
const missingFieldErrors: Record<string, ErrorName> = {
  name: 'AUDIENCE_NAME_REQUIRED',
  channel: 'AUDIENCE_CHANNEL_MISSING',
  number: 'NUMBER_REQUIRED',
  phone: 'NUMBER_REQUIRED',
};

/** The input path GraphQL names in a variable error ("at \"input.contacts[0]\""), without the variable. */
function variablePath(message: string): string[] {
  const at = message.match(/ at "([^"]+)"/)?.[1];
  return at ? at.split('.').slice(1) : [];
}

function catalogued(error: GraphQLError): AppError | null {
  const message = error.message;
  if (/"Channel!?"/.test(message) && /(does not exist in|cannot represent)/.test(message)) {
    return new AppError('AUDIENCE_CHANNEL_INVALID', [...variablePath(message).slice(0, -1), 'channel'].join('.') || 'channel');
  }
  // A field left out: literal ("Field \"CreateAudienceInput.channel\" ...") or variable ("Field \"channel\" ...").
  const notProvided = message.match(/Field "(?:\w+\.)?(\w+)" of required type "[^"]+" was not provided/);
  if (notProvided) {
    const name = missingFieldErrors[notProvided[1]!];
    return name ? new AppError(name, [...variablePath(message), notProvided[1]!].join('.')) : null;
  }
  // An explicit null for a required field, through a variable.
  if (/Expected non-nullable type "[^"]+" not to be null/.test(message)) {
    const path = variablePath(message);
    const name = missingFieldErrors[path.at(-1)?.replace(/\[\d+\]$/, '') ?? ''];
    return name ? new AppError(name, path.join('.')) : null;
  }
  if (/Expected value of type "Channel!", found null/.test(message)) return new AppError('AUDIENCE_CHANNEL_MISSING', 'channel');
  return null;
}

export function useCataloguedCoercionErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !result || typeof result !== 'object' || !('errors' in result) || !result.errors?.length) return;
      let changed = false;
      const errors = result.errors.map((error) => {
        if (!(error instanceof GraphQLError) || error.extensions?.numericCode !== undefined) return error;
        const appError = catalogued(error);
        if (!appError) return error;
        changed = true;
        const mapped = toGraphQLError(appError, error);
        // Keep GraphQL's own wording next to ours: it names the exact variable and value.
        return new GraphQLError(`${appError.message} (${error.message})`, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          extensions: { ...mapped.extensions, ...(error.extensions?.http ? { http: error.extensions.http } : {}) },
        });
      });
      if (changed) setResult({ ...result, errors });
    },
  };
}
