import { type DocumentNode, getOperationAST, getVariableValues, type GraphQLSchema } from 'graphql';
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
 * Only the happy path is compiled. Variables are checked first with GraphQL's own coercion, and a request
 * whose variables do not coerce runs on the ordinary executor, so its errors (and the catalogued codes
 * useCataloguedCoercionErrors gives them) are exactly what they always were. Subscriptions stay on the
 * ordinary executor: they are a stream, subscribed once.
 */
export function useCompiledQueries(): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, { schema: GraphQLSchema; query: CompiledQuery | null }>>();
  const compiledFor = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) => {
    let byOperation = compiled.get(document);
    if (!byOperation) compiled.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let entry = byOperation.get(key);
    if (!entry || entry.schema !== schema) {
      const result = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
      // A document the compiler cannot take (it says why in `errors`) runs on the ordinary executor.
      entry = { schema, query: isCompiledQuery(result) ? result : null };
      byOperation.set(key, entry);
    }
    return entry.query;
  };
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((execution) => {
        const operationName = execution.operationName ?? undefined;
        const operation = getOperationAST(execution.document, operationName);
        if (operation?.operation !== 'query' && operation?.operation !== 'mutation') return executeFn(execution);
        const variables = (execution.variableValues ?? {}) as Record<string, unknown>;
        if (getVariableValues(execution.schema, operation.variableDefinitions ?? [], variables).errors) return executeFn(execution);
        const query = compiledFor(execution.schema, execution.document, operationName);
        if (!query) return executeFn(execution);
        return query.query(execution.rootValue, execution.contextValue, variables) as ReturnType<typeof executeFn>;
      });
    },
  };
}
