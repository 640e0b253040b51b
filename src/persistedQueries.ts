import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { appError } from './domain/errors.js';

/**
 * Automatic persisted queries, the protocol Apollo Client and urql speak: a client first sends only the
 * SHA-256 of its query in `extensions.persistedQuery`; an unknown hash gets `PersistedQueryNotFound`, the
 * client resends hash and query, and the server remembers the pair. Each server process keeps its own
 * bounded store, so after a restart (or on another replica) clients simply register their queries again.
 */
export function usePersistedQueries(options: { maxQueries?: number } = {}): Plugin {
  const store = new LRUCache<string, string>({ max: options.maxQueries ?? 1000 });
  return {
    onParams({ params, setParams }) {
      const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
      if (!persisted) return;
      if (persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') throw appError('PERSISTED_QUERY_NOT_SUPPORTED');
      const hash = persisted.sha256Hash.toLowerCase();
      if (params.query) {
        if (createHash('sha256').update(params.query).digest('hex') !== hash) throw appError('PERSISTED_QUERY_HASH_MISMATCH');
        store.set(hash, params.query);
        return;
      }
      const query = store.get(hash);
      if (query === undefined) throw appError('PERSISTED_QUERY_NOT_FOUND');
      setParams({ ...params, query });
    },
  };
}
