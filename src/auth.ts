import type { Plugin } from 'graphql-yoga';
import { type DocumentNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { AppError } from './domain/errors.js';
import { toGraphQLError } from './schema/errors.js';
import type { GraphQLContext } from './schema/context.js';

/** The key a request presents: the seed's `X-Dexatel-Key` header, or a standard bearer token. */
export function presentedApiKey(headers: Headers): string | null {
  const dexatel = headers.get('x-dexatel-key')?.trim();
  if (dexatel) return dexatel;
  const authorization = headers.get('authorization')?.trim();
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i);
  return bearer?.[1]?.trim() || null;
}

export interface AuthState {
  /** Set when a key was presented but is unknown or revoked. */
  rejectedKey: boolean;
}

/**
 * Every data field needs an account; introspection (only `__schema`, `__type`, `__typename` at the root)
 * runs without one so GraphiQL and codegen can load the schema. A presented but unknown key is always
 * rejected: silently treating it as anonymous would hide a misconfigured client.
 */
export function useAuthentication(): Plugin<GraphQLContext & AuthState> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue;
      if (context.account) return;
      const introspectionOnly = !context.rejectedKey && isIntrospectionOnly(args.document, args.operationName ?? undefined);
      if (introspectionOnly) return;
      setResultAndStopExecution({ errors: [toGraphQLError(new AppError('UNAUTHENTICATED'))] });
    },
    // A subscription is never introspection: without an account it stops here, before it subscribes.
    onSubscribe({ args, setResultAndStopExecution }) {
      if (args.contextValue.account) return;
      setResultAndStopExecution({ errors: [toGraphQLError(new AppError('UNAUTHENTICATED'))] });
    },
  };
}

function isIntrospectionOnly(document: DocumentNode, operationName?: string): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation || operation.operation !== 'query') return false;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const onlyMeta = (selectionSet: SelectionSetNode, seen: Set<string>): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyMeta(selection.selectionSet, seen);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return !!fragment;
      return onlyMeta(fragment.selectionSet, new Set([...seen, name]));
    });
  return onlyMeta(operation.selectionSet, new Set());
}
