import type { Plugin } from 'graphql-yoga';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  getOperationAST,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { appError, type ErrorName } from '../domain/errors.js';
import { limits } from '../domain/validation.js';
import { toGraphQLError } from '../schema/errors.js';
import type { HardeningConfig } from './config.js';
import { jsonNestsDeeperThan, scanDocument } from './nesting.js';
import { inputTooDeep } from './requestGuards.js';

export interface OperationMeasure {
  depth: number;
  aliases: number;
  cost: number;
}

/**
 * How much an operation asks for. Depth counts nested fields; every aliased field counts once. Cost is the
 * number of objects the query could return: each object-typed field counts once for every parent object it
 * can appear under, and a connection's page size (`first`/`last`, default 50) multiplies everything below it,
 * as does the length of `nodes(ids:)`. Scalars are free: they come with their object. Introspection fields
 * are not counted (GraphiQL's own query is deep but cheap).
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): OperationMeasure {
  const operation = getOperationAST(document, operationName);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let aliases = 0;
  let depth = 0;
  let cost = 0;
  const argument = (value: ValueNode | undefined): unknown =>
    value === undefined ? undefined : valueFromASTUntyped(value, variables ?? undefined);

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, level: number, multiplier: number, seen: ReadonlySet<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent, level, multiplier, new Set([...seen, fragment.name.value]));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        walk(selection.selectionSet, type ?? parent, level, multiplier, seen);
        continue;
      }
      if (selection.alias) aliases++;
      if (selection.name.value.startsWith('__')) continue;
      depth = Math.max(depth, level);
      const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[selection.name.value] : undefined;
      if (!selection.selectionSet) continue;
      cost += multiplier;
      const type = field ? getNamedType(field.type) : undefined;
      let childMultiplier = multiplier;
      if (type?.name.endsWith('Connection')) {
        const size = selection.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
        const requested = argument(size?.value);
        // Sizes past the page limit are the resolver's to reject, with the more precise BAD_USER_INPUT.
        childMultiplier *= typeof requested === 'number' && requested >= 0 ? Math.min(requested, limits.pageSize) : limits.defaultPageSize;
      } else if (selection.name.value === 'nodes') {
        const ids = argument(selection.arguments?.find((a) => a.name.value === 'ids')?.value);
        childMultiplier *= Array.isArray(ids) ? ids.length : 1;
      }
      walk(selection.selectionSet, type, level + 1, childMultiplier, seen);
    }
  };

  if (operation) {
    const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
    walk(operation.selectionSet, root ?? undefined, 1, 1, new Set());
  }
  return { depth, aliases, cost };
}

/** The first limit an operation breaks, if any. */
export function brokenLimit(measure: OperationMeasure, config: HardeningConfig): ErrorName | null {
  if (measure.depth > config.maxDepth) return 'QUERY_TOO_DEEP';
  if (measure.aliases > config.maxAliases) return 'QUERY_TOO_MANY_ALIASES';
  if (measure.cost > config.maxCost) return 'QUERY_TOO_COMPLEX';
  return null;
}

/**
 * Rejects over-large operations before a resolver runs: tokens while parsing, depth, aliases and cost once
 * the variables are known (page sizes often come from variables). Each rejection is a catalogue error with
 * HTTP 400, and says the limit and the measured value.
 */
export function useOperationLimits(config: HardeningConfig): Plugin {
  return {
    onParse({ setParseFn }) {
      // useDocumentShapeLimits has scanned the document already; the parser's own token limit stays as a backstop.
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: config.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError && /Document contains more th\w+ \d+ tokens/.test(error.message)) throw tooManyTokens(config);
          throw error;
        }
      });
    },
    onExecute({ args, setResultAndStopExecution }) {
      refuseOverLimit(args, setResultAndStopExecution);
    },
    // A subscription is measured as a query is: each of its events is executed with its selection.
    onSubscribe({ args, setResultAndStopExecution }) {
      refuseOverLimit(args, setResultAndStopExecution);
    },
  };

  function refuseOverLimit(args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }, stop: (result: { errors: GraphQLError[] }) => void) {
    const measure = measureOperation(args.schema, args.document, args.operationName, args.variableValues);
    const broken = brokenLimit(measure, config);
    if (!broken) return;
    const detail = {
      QUERY_TOO_DEEP: `depth ${measure.depth}, at most ${config.maxDepth}`,
      QUERY_TOO_MANY_ALIASES: `${measure.aliases} aliases, at most ${config.maxAliases}`,
      QUERY_TOO_COMPLEX: `cost ${measure.cost}, at most ${config.maxCost}`,
    }[broken as 'QUERY_TOO_DEEP' | 'QUERY_TOO_MANY_ALIASES' | 'QUERY_TOO_COMPLEX'];
    const message = `${appError(broken).message} (${detail})`;
    stop({ errors: [toGraphQLError(appError(broken, undefined, message))] });
  }
}

function tooManyTokens(config: HardeningConfig) {
  return toGraphQLError(appError('QUERY_TOO_MANY_TOKENS', undefined, `The query document is too long: at most ${config.maxTokens} tokens`));
}

/**
 * The shape of a request before anything recursive reads it: the document's tokens and nesting (graphql-js
 * parses recursively and overflowed the stack at about 2,000 levels, answering 500), and the nesting of the
 * JSON variables and extensions. Checked on the request's parameters, before a persisted query is stored
 * and before the parser runs: errors raised there keep their HTTP status (yoga marks parse errors as
 * spec errors, which a client accepting only application/json would get with 200).
 */
export function useDocumentShapeLimits(config: HardeningConfig): Plugin {
  return {
    onParams({ params }) {
      checkDocumentShape(params, config);
    },
  };
}

/** useDocumentShapeLimits' check, for operations that arrive other than as HTTP requests (a WebSocket's messages). */
export function checkDocumentShape(params: { query?: unknown; variables?: unknown; extensions?: unknown }, config: HardeningConfig): void {
  if (jsonNestsDeeperThan(params.variables, limits.nesting) || jsonNestsDeeperThan(params.extensions, limits.nesting)) {
    throw toGraphQLError(inputTooDeep());
  }
  if (typeof params.query !== 'string') return;
  const scan = scanDocument(params.query, config.maxTokens, limits.nesting);
  if (scan === 'too-many-tokens') throw tooManyTokens(config);
  if (scan === 'too-deep') {
    throw toGraphQLError(
      appError('QUERY_TOO_DEEP', undefined, `${appError('QUERY_TOO_DEEP').message}: at most ${limits.nesting} levels of braces, brackets, parentheses and fragment spreads`),
    );
  }
}

/** With introspection off, `__schema` and `__type` are refused while validating (`__typename` stays). */
export function useIntrospectionSwitch(config: HardeningConfig): Plugin {
  if (config.introspection) return {};
  const rule: ValidationRule = (context) => ({
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') context.reportError(toGraphQLError(appError('INTROSPECTION_DISABLED')));
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
