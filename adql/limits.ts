/** Size limits on one ADQL query, checked before any recursive pass over it: the text length (before the lexer),
 *  the parser's nesting depth, and — on the finished AST, with an explicit stack so hostile input cannot
 *  overflow ours — the tree depth, the subquery depth and the number of tables in each FROM clause. A chain of
 *  operators (`1+1+…`, `a OR b OR …`, `… UNION …`) is a left-deep tree: every operator adds one level, which is
 *  what the recursive resolver, translator and printer (and PostgreSQL) pay for. Each violation is an AdqlError
 *  with code LIMIT that names the limit and its value. Pure. */
import { AdqlError, NO_SPAN } from './errors.js';
import type { Span } from './errors.js';

export interface AdqlLimits {
  /** Characters of query text. */
  maxLength: number;
  /** Nesting of parentheses, function calls, NOT and signs while parsing. */
  maxNesting: number;
  /** Depth of the expression/query tree; one level per operator in a chain. */
  maxDepth: number;
  /** Queries inside queries (subqueries in FROM, WHERE, SELECT; CTE bodies). */
  maxSubqueryDepth: number;
  /** Tables and subqueries in one FROM clause, joined or comma-separated. */
  maxTables: number;
}

/** Defaults: well above what real TAP queries use, well below where the translator's stack would overflow
 *  (limits.test.ts translates 990-level chains; deeper ones, around 1,500 levels, overflow Node 20's default stack). */
export const DEFAULT_ADQL_LIMITS: Readonly<AdqlLimits> = Object.freeze({
  maxLength: 100_000,
  maxNesting: 150,
  maxDepth: 500,
  maxSubqueryDepth: 16,
  maxTables: 32,
});

/** The largest tree depth a caller may configure: beyond it the recursive passes overflow Node's stack. */
export const HARD_MAX_DEPTH = 1000;

/** Names users see in error messages (and the configuration variables that set them). */
export const LIMIT_NAMES: Readonly<Record<keyof AdqlLimits, { what: string; env: string }>> = {
  maxLength: { what: 'query length', env: 'XTAP_ADQL_MAX_LENGTH' },
  maxNesting: { what: 'nesting depth', env: 'XTAP_ADQL_MAX_NESTING' },
  maxDepth: { what: 'expression depth', env: 'XTAP_ADQL_MAX_DEPTH' },
  maxSubqueryDepth: { what: 'subquery depth', env: 'XTAP_ADQL_MAX_SUBQUERY_DEPTH' },
  maxTables: { what: 'tables in one FROM clause', env: 'XTAP_ADQL_MAX_TABLES' },
};

export function limitError(limit: keyof AdqlLimits, found: string, value: number, span: Span = NO_SPAN, hint?: string): AdqlError {
  const { what } = LIMIT_NAMES[limit];
  return new AdqlError('LIMIT', `${found}; the ${what} limit of this service is ${value}`, span, { hint });
}

/** Refuses a query text longer than the limit, before it is tokenized. */
export function checkQueryLength(text: string, limits: Pick<AdqlLimits, 'maxLength'>): void {
  if (text.length > limits.maxLength) {
    throw limitError(
      'maxLength',
      `the query is ${text.length} characters long`,
      limits.maxLength,
      NO_SPAN,
      'upload long value lists as a table (TAP_UPLOAD) and join with it instead of writing them into the query',
    );
  }
}

function isNode(v: unknown): v is { kind: string; span?: Span } & Record<string, unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

/** Tables and subqueries of one FROM clause (the leaves of its join trees), counted without recursion. */
function countFromTables(from: unknown[]): number {
  let n = 0;
  const stack = [...from];
  while (stack.length) {
    const item = stack.pop();
    if (!isNode(item)) continue;
    if (item.kind === 'join') stack.push(item.left, item.right);
    else n++;
  }
  return n;
}

/** Checks the depth, subquery depth and FROM-clause limits on a parsed query (any AST node) iteratively: one
 *  explicit stack (parallel arrays, no per-node allocation), every object property but spans visited. */
export function checkTreeLimits(root: unknown, limits: Pick<AdqlLimits, 'maxDepth' | 'maxSubqueryDepth' | 'maxTables'>): void {
  const nodes: unknown[] = [root];
  const depths: number[] = [0];
  const queries: number[] = [0];
  while (nodes.length) {
    const node = nodes.pop() as object;
    let d = depths.pop() as number;
    let q = queries.pop() as number;
    if (Array.isArray(node)) {
      for (const v of node) {
        if (typeof v === 'object' && v !== null) {
          nodes.push(v);
          depths.push(d);
          queries.push(q);
        }
      }
      continue;
    }
    const kind = (node as { kind?: unknown }).kind;
    if (typeof kind === 'string') {
      const n = node as { kind: string; span?: Span; from?: unknown };
      if (++d > limits.maxDepth) {
        throw limitError('maxDepth', `the query is more than ${limits.maxDepth} levels deep here (each operator of a chain such as 1+1+… or a OR b OR … is one level)`, limits.maxDepth, n.span, 'use IN (...) instead of long OR chains, or split the expression');
      }
      if (kind === 'query' && ++q - 1 > limits.maxSubqueryDepth) {
        throw limitError('maxSubqueryDepth', `subqueries nest ${q - 1} levels deep here`, limits.maxSubqueryDepth, n.span);
      }
      if (kind === 'select' && Array.isArray(n.from)) {
        const count = countFromTables(n.from);
        if (count > limits.maxTables) throw limitError('maxTables', `this FROM clause has ${count} tables or subqueries`, limits.maxTables, n.span);
      }
    }
    for (const k in node) {
      if (k === 'span') continue;
      const v = (node as Record<string, unknown>)[k];
      if (typeof v === 'object' && v !== null) {
        nodes.push(v);
        depths.push(d);
        queries.push(q);
      }
    }
  }
}
