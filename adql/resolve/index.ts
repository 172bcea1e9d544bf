/** The resolve pass: a parsed query and a catalog in, a ResolvedStatement (resolved.ts) out. Every column
 *  reference bound, every expression typed, output columns named and described; all name and type errors are
 *  raised here. See ../README.md ("Passes"). */
import type { Query } from '../ast.js';
import type { Catalog } from '../catalog.js';
import type { ResolvedStatement } from '../resolved.js';
import { QueryResolver } from './query.js';

export function resolveQuery(q: Query, catalog: Catalog): ResolvedStatement {
  return new QueryResolver(catalog).statement(q);
}
