import { createSourceEventStream, type DocumentNode, type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../context.js';

/**
 * One execution per event for all the subscribers that asked the same thing: the same operation, the same
 * variables, the same account. Every subscriber's payload is then that one result. A dashboard open in 1,000 tabs
 * costs one execution an event, not 1,000: without this, 1,000 subscribers of one audience took 1.9 events a
 * second back to back (1,868 deliveries/s, bench/fanout.ts, PGlite, 2 shared cores), each event 1,000
 * executions of the same selection.
 *
 * Only events that carry `delivered.shared` (src/services/liveEvents.ts: one object per event, seen by every
 * subscriber in the process) are shared; anything else (a stream's failure) is executed for its subscriber.
 */
export function useSharedSubscriptionResults(): Plugin<GraphQLContext> {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        let documentId = documentIds.get(args.document);
        if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
        const accountId = (args.contextValue as GraphQLContext).account?.id ?? '';
        const key = `result:${accountId}:${documentId}:${args.operationName ?? ''}:${JSON.stringify(args.variableValues ?? {})}`;
        const run = (payload: unknown) => execute({ ...args, rootValue: payload });
        return mapResults(source, (payload) => {
          const shared = (payload as { delivered?: { shared?: Map<string, unknown> } } | null)?.delivered?.shared;
          if (!shared) return run(payload);
          let result = shared.get(key) as ReturnType<typeof run> | undefined;
          if (!result) shared.set(key, (result = run(payload)));
          return result;
        });
      });
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/** Each item mapped; `return()` reaches the source at once (an unsubscribe must not wait for one more event). */
function mapResults(source: AsyncIterable<unknown>, map: (payload: unknown) => ExecutionResult | Promise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => mapped,
    async next() {
      const item = await iterator.next();
      if (item.done) return { value: undefined, done: true };
      return { value: await map(item.value), done: false };
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
  };
  return mapped;
}
