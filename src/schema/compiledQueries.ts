import { type DocumentNode, type ExecutionResult, type FieldNode, getLocation, getOperationAST, GraphQLError, type GraphQLSchema, visit } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/**
 * Queries and mutations run as JavaScript compiled once per document (graphql-jit) instead of being
 * interpreted field by field: a page of 50 audiences × 20 contacts is a thousand objects, and walking them was
 * most of its CPU. A mutation is a few fields, but the ordinary executor's set-up for them (its execution
 * context, the serial reduce over root fields, coercing the input object again) was 0.1 of a write's 2.4 ms in
 * a CPU profile of the benchmark's add/update mix; compiled, root fields still run one after another, as
 * GraphQL requires of mutations. The plugins that act on a mutation (idempotency, limits, auth) decide in
 * onExecute, before either executor runs.
 *
 * Only the happy path is compiled: a request whose variables do not coerce runs again on the ordinary
 * executor, so its errors (and the catalogued codes useCataloguedCoercionErrors gives them) are exactly what
 * they always were. Subscriptions stay on the ordinary executor: they are a stream, subscribed once.
 */
export function useCompiledQueries(): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, { schema: GraphQLSchema; query: CompiledQuery | null }>>();
  const fieldsByLocation = new WeakMap<DocumentNode, Map<string, FieldNode>>();
  // Per document and operation, once: whether it is compiled (a query or mutation the compiler takes) and how.
  const compiledFor = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) => {
    let byOperation = compiled.get(document);
    if (!byOperation) compiled.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let entry = byOperation.get(key);
    if (!entry || entry.schema !== schema) {
      const kind = getOperationAST(document, operationName)?.operation;
      const result = kind === 'query' || kind === 'mutation' ? compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true }) : null;
      // A document the compiler cannot take (it says why in `errors`) runs on the ordinary executor.
      entry = { schema, query: result && isCompiledQuery(result) ? result : null };
      byOperation.set(key, entry);
    }
    return entry.query;
  };
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((execution) => {
        const query = compiledFor(execution.schema, execution.document, execution.operationName ?? undefined);
        if (!query) return executeFn(execution);
        const result = query.query(execution.rootValue, execution.contextValue, (execution.variableValues ?? {}) as Record<string, unknown>);
        // Variables that do not coerce: the compiled code answers with errors alone (no `data`), synchronously and
        // before any resolver runs. The ordinary executor then says why, as it always has. Checking them with
        // GraphQL's coercion first, as before, coerced every request's variables twice.
        if (!isPromise(result) && !('data' in result)) return executeFn(execution);
        const located = (answer: ExecutionResult) => withFieldNodes(answer, execution.document, fieldsByLocation);
        return (isPromise(result) ? result.then(located) : located(result)) as ReturnType<typeof executeFn>;
      });
    },
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | null)?.then === 'function';
}

/** graphql-jit's error class: graphql-js's fields, without nodes. */
interface CompiledFieldError {
  message: string;
  nodes?: ReadonlyArray<unknown>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  path?: ReadonlyArray<string | number>;
  originalError?: unknown;
  extensions?: Record<string, unknown>;
}

/**
 * A resolver's error as graphql-js makes it, with the field's AST node. graphql-jit's errors carry only the
 * locations it computed when compiling, and yoga rebuilds every error it sends from its nodes (or source and
 * positions), so without them `locations` went missing from the response. The field is found by those
 * locations, in a map made once per document, on its first error.
 */
function withFieldNodes(result: ExecutionResult, document: DocumentNode, cache: WeakMap<DocumentNode, Map<string, FieldNode>>): ExecutionResult {
  if (!result.errors?.length) return result;
  let fields = cache.get(document);
  if (!fields) {
    const byLocation = new Map<string, FieldNode>();
    visit(document, {
      Field(node) {
        if (node.loc) {
          const { line, column } = getLocation(node.loc.source, node.loc.start);
          byLocation.set(`${line}:${column}`, node);
        }
      },
    });
    cache.set(document, (fields = byLocation));
  }
  const known = fields;
  const errors = (result.errors as ReadonlyArray<CompiledFieldError>).map((error) => {
    // graphql-jit's class passes for graphql-js's (instanceof), but has no nodes.
    if (error.nodes?.length || !error.locations?.length) return error as GraphQLError;
    const nodes = error.locations.map(({ line, column }) => known.get(`${line}:${column}`)).filter((node) => node !== undefined);
    return new GraphQLError(error.message, { nodes, path: error.path, originalError: (error.originalError as Error | undefined) ?? null, extensions: error.extensions });
  });
  return { ...result, errors };
}
