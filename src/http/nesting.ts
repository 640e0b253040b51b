import { Lexer, Source, TokenKind } from 'graphql';

/**
 * Nesting bounds, checked in loops before anything recursive (graphql-js's parser and validation rules, the
 * cost walk, the idempotency fingerprint, the coercion-error mapping) meets client input. The bound itself
 * is `limits.nesting` (src/domain/validation.ts).
 */

export type DocumentScan = 'ok' | 'too-many-tokens' | 'too-deep';

interface Definition {
  /** Deepest level of braces, brackets and parentheses inside the definition. */
  depth: number;
  /** Named fragment spreads, with the level they stand at. */
  spreads: Array<{ depth: number; name: string }>;
}

/**
 * Reads a GraphQL document's tokens with graphql-js's lexer (a loop, no recursion) and refuses it at the
 * first token past `maxTokens`, or when braces, brackets and parentheses nest deeper than `maxNesting`,
 * counting a fragment spread as the fragment's own nesting at the spread's level: a chain of fragments each
 * spreading the next nests as deeply as braces do, and validation and execution recurse along it. A lexical
 * error ends the scan: the parser then reports it, having recursed no deeper than the scan got.
 */
export function scanDocument(source: string, maxTokens: number, maxNesting: number): DocumentScan {
  const lexer = new Lexer(new Source(source));
  const fragments = new Map<string, Definition>();
  const definitions: Definition[] = [];
  let current: Definition | null = null;
  let depth = 0;
  let tokens = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) return 'too-many-tokens';
      // At the top level a keyword or a brace starts a definition; `fragment` is followed by its name.
      if (depth === 0 && !current && (token.kind === TokenKind.NAME || token.kind === TokenKind.BRACE_L)) {
        current = { depth: 0, spreads: [] };
        definitions.push(current);
        const name = token.kind === TokenKind.NAME && token.value === 'fragment' ? lexer.lookahead() : null;
        if (name?.kind === TokenKind.NAME) fragments.set(name.value, current);
      }
      switch (token.kind) {
        case TokenKind.BRACE_L:
        case TokenKind.BRACKET_L:
        case TokenKind.PAREN_L:
          if (++depth > maxNesting) return 'too-deep';
          if (current && depth > current.depth) current.depth = depth;
          break;
        case TokenKind.BRACE_R:
        case TokenKind.BRACKET_R:
        case TokenKind.PAREN_R:
          if (--depth === 0 && token.kind === TokenKind.BRACE_R) current = null;
          break;
        case TokenKind.SPREAD: {
          const next = lexer.lookahead();
          if (next.kind === TokenKind.NAME && next.value !== 'on') current?.spreads.push({ depth, name: next.value });
          break;
        }
      }
    }
  } catch {
    // A syntax error: parse() reports it with its position.
  }
  const resolved = new Map<Definition, number>();
  return definitions.some((definition) => nestingThroughSpreads(definition, fragments, resolved) > maxNesting) ? 'too-deep' : 'ok';
}

/**
 * A definition's nesting with every spread followed: its own, or a spread's level plus the nesting of the
 * fragment it names, whichever is deeper. Post-order with an explicit stack; a cycle (which validation
 * rejects) adds nothing for its repeated part.
 */
function nestingThroughSpreads(root: Definition, fragments: Map<string, Definition>, resolvedNesting: Map<Definition, number>): number {
  const visiting = new Set<Definition>();
  const stack: Array<{ definition: Definition; expanded: boolean }> = [{ definition: root, expanded: false }];
  while (stack.length) {
    const frame = stack.at(-1)!;
    const { definition } = frame;
    if (resolvedNesting.has(definition)) {
      stack.pop();
      continue;
    }
    if (!frame.expanded) {
      frame.expanded = true;
      visiting.add(definition);
      for (const spread of definition.spreads) {
        const target = fragments.get(spread.name);
        if (target && !resolvedNesting.has(target) && !visiting.has(target)) stack.push({ definition: target, expanded: false });
      }
      continue;
    }
    let nesting = definition.depth;
    for (const spread of definition.spreads) {
      const target = fragments.get(spread.name);
      nesting = Math.max(nesting, spread.depth + (target ? (resolvedNesting.get(target) ?? 0) : 0));
    }
    visiting.delete(definition);
    resolvedNesting.set(definition, nesting);
    stack.pop();
  }
  return resolvedNesting.get(root)!;
}

/**
 * Whether a parsed JSON value nests objects and arrays deeper than `maxNesting` (a scalar is level 0, `{}`
 * and `[]` level 1). V8's JSON.parse does not recurse, but JSON.stringify and every recursive walk of the
 * value (the idempotency fingerprint, GraphQL's coercion) would.
 */
export function jsonNestsDeeperThan(value: unknown, maxNesting: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: item, depth } = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > maxNesting) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
