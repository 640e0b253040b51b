import { GraphQLError, Kind, parse, type ValueNode, visit } from 'graphql';
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

/**
 * Where a literal in the query text sits, as an input path ("contacts[1].number"): GraphQL's messages
 * for literals name the type but not the path, so the path is found from the error's AST node.
 */
function literalPath(error: GraphQLError): string[] | null {
  const target = error.nodes?.[0];
  if (!target?.loc || !error.source) return null;
  let found: string[] | null = null;
  const search = (value: ValueNode, path: string[]): void => {
    if (found) return;
    if (value.loc?.start === target.loc!.start && value.loc?.end === target.loc!.end) {
      found = path;
      return;
    }
    if (value.kind === Kind.OBJECT) for (const field of value.fields) search(field.value, [...path, field.name.value]);
    if (value.kind === Kind.LIST) value.values.forEach((item, index) => search(item, [...path.slice(0, -1), `${path.at(-1)}[${index}]`]));
  };
  // The source passed useDocumentShapeLimits, so this parse and `search` recurse at most limits.nesting deep.
  try {
    visit(parse(error.source), {
      Argument(node) {
        search(node.value, [node.name.value]);
      },
    });
  } catch {
    return null;
  }
  // Paths are reported relative to a mutation's `input`, like the services' own errors.
  const path = found as string[] | null;
  return path && path[0] === 'input' ? path.slice(1) : path;
}

function catalogued(error: GraphQLError): AppError | null {
  const message = error.message;
  const fromLiteral = literalPath(error);
  if (/"Channel!?"/.test(message) && /(does not exist in|cannot represent)/.test(message)) {
    const path = fromLiteral ?? [...variablePath(message).slice(0, -1), 'channel'];
    return new AppError('AUDIENCE_CHANNEL_INVALID', path.join('.') || 'channel');
  }
  // A field left out: literal ("Field \"CreateAudienceInput.channel\" ...") or variable ("Field \"channel\" ...").
  const notProvided = message.match(/Field "(?:\w+\.)?(\w+)" of required type "[^"]+" was not provided/);
  if (notProvided) {
    const name = missingFieldErrors[notProvided[1]!];
    const path = [...(fromLiteral ?? variablePath(message)), notProvided[1]!];
    return name ? new AppError(name, path.join('.')) : null;
  }
  // An explicit null for a required field: through a variable, or written in the query.
  if (/Expected non-nullable type "[^"]+" not to be null|Expected value of type "[^"]+!", found null/.test(message)) {
    const path = fromLiteral ?? variablePath(message);
    const name = missingFieldErrors[path.at(-1)?.replace(/\[\d+\]$/, '') ?? ''];
    return name ? new AppError(name, path.join('.')) : null;
  }
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
