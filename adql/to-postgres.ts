/** Turns a parsed ADQL query into one PostgreSQL SELECT (or WITH) statement plus bound parameters and the
 *  output column metadata. Owns query structure: WITH, set operations, FROM and joins (USING/NATURAL become
 *  explicit ON conditions), `*` expansion, output naming, ORDER BY/TOP/OFFSET and the TAP row limit. Only
 *  resolved, quoted identifiers and allow-listed functions reach SQL. Spec: ADQL 2.1; TAP 1.1 §2.7.4 (MAXREC). */
import type { Expr, FromItem, Ident, OrderItem, Query, QueryBody, SelectCore, SelectItem } from './ast.js';
import { assertNever } from './ast.js';
import { AdqlError } from './errors.js';
import { printExpr } from './print.js';
import type { Binding, CteDef, FromShape, RangeEntry } from './resolve.js';
import { AliasAllocator, Scope, derivedEntry, identMatches, joinColumn, lookupTable, naturalColumns, tableEntry, uniqueNames } from './resolve.js';
import type { Typed } from './sql-types.js';
import { outputMeta, outputSql, typedFromMeta } from './sql-types.js';
import { ExprTranslator } from './translate-expr.js';
import type { Catalog, ColumnMeta } from './catalog.js';
import { quoteIdent } from './catalog.js';

export interface TranslateOptions {
  /** Upper bound on returned rows (the TAP layer passes MAXREC + 1); combined with TOP as min(TOP, rowLimit). */
  rowLimit?: number;
  /** Write string literals into the SQL as standard-conforming literals ('…' with ' doubled; NUL refused) instead
   *  of $n parameters, for statements that take no parameters (COPY). Run the SQL with
   *  standard_conforming_strings on. Default false. */
  inlineLiterals?: boolean;
}

export interface Translation {
  /** One SELECT or WITH statement; no semicolon. */
  sql: string;
  /** Values of $1, $2, ... (the query's string literals). */
  params: unknown[];
  /** Result columns in order, with unique names. */
  columns: ColumnMeta[];
}

/** A result column of a (sub)query: its published metadata and its name in the generated SQL. */
interface OutColumn {
  name: string;
  sqlName: string;
  meta: ColumnMeta;
}

interface QueryResult {
  sql: string;
  columns: OutColumn[];
}

/** Translates a parsed query against the catalog. Throws AdqlError for unknown names, type errors, etc. */
export function translateQuery(q: Query, catalog: Catalog, opts: TranslateOptions = {}): Translation {
  if (opts.rowLimit !== undefined && (!Number.isSafeInteger(opts.rowLimit) || opts.rowLimit < 0)) {
    throw new RangeError(`rowLimit must be a non-negative integer, got ${opts.rowLimit}`);
  }
  const t = new Translator(catalog, opts.inlineLiterals === true);
  const r = t.statement(q, opts.rowLimit);
  return { sql: r.sql, params: t.params, columns: r.columns.map((c) => c.meta) };
}

class Translator {
  readonly params: unknown[] = [];
  private readonly aliases = new AliasAllocator();
  private readonly exprs: ExprTranslator;
  private ctes: CteDef[] = [];

  constructor(
    private readonly catalog: Catalog,
    inlineLiterals = false,
  ) {
    this.exprs = new ExprTranslator({
      params: this.params,
      inlineLiterals,
      subquery: (q, parent) => this.query(q, parent, undefined, false),
    });
  }

  statement(q: Query, rowLimit: number | undefined): QueryResult {
    const cteSql: string[] = [];
    for (const cte of q.with) {
      if (this.ctes.some((c) => identMatches(cte.name, c.name.name))) {
        throw new AdqlError('DUPLICATE_ALIAS', `common table expression ${cte.name.name} is defined twice`, cte.name.span);
      }
      const r = this.query(cte.query, undefined, undefined, false);
      let names = r.columns.map((c) => c.name);
      if (cte.columns) {
        if (cte.columns.length !== r.columns.length) {
          throw new AdqlError('INVALID_QUERY', `${cte.name.name} names ${cte.columns.length} columns but its query returns ${r.columns.length}`, cte.span);
        }
        names = uniqueNames(cte.columns.map((c) => c.name));
      }
      const sqlName = quoteIdent(this.aliases.allocate(cte.name.delimited ? cte.name.name : cte.name.name.toLowerCase()));
      const columns = r.columns.map((c, i) => ({ name: names[i] as string, sqlName: names[i] as string, meta: { ...c.meta, name: names[i] as string } }));
      cteSql.push(`${sqlName}(${columns.map((c) => quoteIdent(c.sqlName)).join(', ')}) AS (${r.sql})`);
      this.ctes.push({ name: cte.name, sqlName, columns });
    }
    const main = this.query({ ...q, with: [] }, undefined, rowLimit, true);
    return { sql: cteSql.length ? `WITH ${cteSql.join(', ')} ${main.sql}` : main.sql, columns: main.columns };
  }

  /** A query: its body plus ORDER BY / OFFSET / limit. Set operations are wrapped in SELECT * FROM (...) so the
   *  statement starts with SELECT and ORDER BY may use expressions over the result columns. */
  query(q: Query, parent: Scope | undefined, limitCap: number | undefined, topLevel: boolean): QueryResult {
    if (q.with.length) throw new AdqlError('SYNTAX', 'WITH is only allowed at the start of the whole query', q.span);
    if (q.body.kind === 'select') return this.selectCore(q.body, parent, q.orderBy, q.offset, limitCap);
    const inner = this.body(q.body, parent);
    if (!topLevel && q.orderBy.length === 0 && q.offset === undefined && limitCap === undefined) return inner;
    const scope = new Scope(parent, this.ctes);
    const entry = derivedEntry(undefined, 'adql_set', inner.columns, this.aliases);
    scope.addShape({ entries: [entry], columns: [...entry.columns] });
    scope.selectAliases = inner.columns.map((c, i) => ({ name: c.name, index: i + 1, sql: quoteIdent(c.sqlName), meta: c.meta }));
    const order = this.orderBy(q.orderBy, scope, inner.columns.length);
    const sql = `SELECT * FROM (${inner.sql}) AS ${entry.sqlAlias}${order}${limitSql(undefined, limitCap)}${q.offset !== undefined ? ` OFFSET ${q.offset}` : ''}`;
    return { sql, columns: inner.columns };
  }

  private body(b: QueryBody, parent: Scope | undefined): QueryResult {
    switch (b.kind) {
      case 'select':
        return this.selectCore(b, parent, [], undefined, undefined);
      case 'query':
        return this.query(b, parent, undefined, false);
      case 'setop': {
        const l = this.body(b.left, parent);
        const r = this.body(b.right, parent);
        if (l.columns.length !== r.columns.length) {
          throw new AdqlError('INVALID_QUERY', `${b.op} needs the same number of columns on both sides (${l.columns.length} and ${r.columns.length})`, b.span);
        }
        return { sql: `(${l.sql}) ${b.op}${b.all ? ' ALL' : ''} (${r.sql})`, columns: l.columns };
      }
      default:
        return assertNever(b);
    }
  }

  private selectCore(s: SelectCore, parent: Scope | undefined, orderBy: OrderItem[], offset: number | undefined, limitCap: number | undefined): QueryResult {
    const scope = new Scope(parent, this.ctes);
    const fromSql: string[] = [];
    for (const item of s.from) {
      const f = this.fromItem(item, parent);
      scope.addShape(f.shape);
      fromSql.push(f.sql);
    }
    const items: Array<{ wanted: string; t: Typed; adql: string }> = [];
    for (const item of s.items) items.push(...this.selectItem(item, scope));
    const names = uniqueNames(items.map((i) => i.wanted));
    const columns: OutColumn[] = items.map((it, i) => {
      const name = names[i] as string;
      return { name, sqlName: name, meta: outputMeta(name, it.t, it.adql) };
    });
    const selectSql = items.map((it, i) => `${outputSql(it.t)} AS ${quoteIdent(names[i] as string)}`).join(', ');
    scope.selectAliases = items.map((it, i) => ({ name: names[i] as string, index: i + 1, sql: it.t.sql, meta: (columns[i] as OutColumn).meta }));
    let sql = `SELECT ${s.quantifier === 'DISTINCT' ? 'DISTINCT ' : ''}${selectSql} FROM ${fromSql.join(', ')}`;
    if (s.where) sql += ` WHERE ${this.exprs.condition(s.where, scope).sql}`;
    if (s.groupBy.length) sql += ` GROUP BY ${s.groupBy.map((g) => this.groupItem(g, scope)).join(', ')}`;
    if (s.having) sql += ` HAVING ${this.exprs.condition(s.having, scope).sql}`;
    sql += this.orderBy(orderBy, scope, items.length);
    sql += limitSql(s.top, limitCap);
    if (offset !== undefined) sql += ` OFFSET ${offset}`;
    return { sql, columns };
  }

  private selectItem(item: SelectItem, scope: Scope): Array<{ wanted: string; t: Typed; adql: string }> {
    const fromBinding = (b: Binding) => ({ wanted: b.name, t: typedFromMeta(b.sql, b.meta, b), adql: b.meta.description });
    switch (item.kind) {
      case 'star':
        return scope.columns.map(fromBinding);
      case 'qualifiedStar': {
        const entries = scope.matchQualifier(item.qualifier);
        const written = item.qualifier.map((q) => q.name).join('.');
        if (entries.length === 0) throw new AdqlError('UNKNOWN_TABLE', `no table ${written} in FROM`, item.span, { token: written });
        if (entries.length > 1) throw new AdqlError('AMBIGUOUS_TABLE', `${written}.* is ambiguous`, item.span, { token: written, hint: 'give the tables different aliases' });
        return (entries[0] as RangeEntry).columns.map(fromBinding);
      }
      case 'expr': {
        const t = this.exprs.expr(item.expr, scope);
        const wanted = item.alias ? item.alias.name : defaultName(item.expr, t);
        return [{ wanted, t, adql: t.binding ? t.binding.meta.description : printExpr(item.expr) }];
      }
      default:
        return assertNever(item);
    }
  }

  /** GROUP BY: FROM columns first, then (as many services allow) an output alias such as `GROUP BY band`. */
  private groupItem(g: Expr, scope: Scope): string {
    if (g.kind === 'column' && g.parts.length === 1 && !scope.tryResolveColumn(g.parts, g.span)) {
      const alias = scope.selectAliases.find((a) => identMatches(g.parts[0] as Ident, a.name));
      if (alias) return alias.sql;
    }
    return this.exprs.expr(g, scope).sql;
  }

  /** ORDER BY: a position, an output column name (SQL-92: output names first), or an expression. */
  private orderBy(items: OrderItem[], scope: Scope, columnCount: number): string {
    if (items.length === 0) return '';
    const parts = items.map((o) => {
      // NULLs sort last in both directions: PostgreSQL would put them first under DESC, while the CSC 2 service
      // (SQL Server) puts them last there, so "TOP n … ORDER BY flux DESC" gives the same rows on both.
      const dir = o.descending ? ' DESC NULLS LAST' : '';
      const e = o.expr.kind === 'paren' ? o.expr.expr : o.expr;
      if (e.kind === 'number' && e.isInteger) {
        if (e.value < 1 || e.value > columnCount) {
          throw new AdqlError('INVALID_QUERY', `ORDER BY position ${e.value} is not between 1 and ${columnCount}`, e.span);
        }
        return `${e.value}${dir}`;
      }
      if (e.kind === 'column' && e.parts.length === 1) {
        const hits = scope.selectAliases.filter((a) => identMatches(e.parts[0] as Ident, a.name));
        if (hits.length === 1) return `${(hits[0] as { index: number }).index}${dir}`;
      }
      return `${this.exprs.expr(o.expr, scope).sql}${dir}`;
    });
    return ` ORDER BY ${parts.join(', ')}`;
  }

  private fromItem(item: FromItem, parent: Scope | undefined): { sql: string; shape: FromShape } {
    switch (item.kind) {
      case 'table': {
        const found = lookupTable(item.name, this.catalog, this.ctes);
        if ('cte' in found) {
          const entry = derivedEntry(item.alias, found.cte.name.name, found.cte.columns, this.aliases);
          return { sql: `${found.cte.sqlName} AS ${entry.sqlAlias}`, shape: { entries: [entry], columns: [...entry.columns] } };
        }
        const entry = tableEntry(found.table, item.alias, this.aliases);
        return {
          sql: `${quoteIdent(found.table.sqlSchema)}.${quoteIdent(found.table.sqlName)} AS ${entry.sqlAlias}`,
          shape: { entries: [entry], columns: [...entry.columns] },
        };
      }
      case 'subquery': {
        const r = this.query(item.query, parent, undefined, false);
        const entry = derivedEntry(item.alias, undefined, r.columns, this.aliases);
        return { sql: `(${r.sql}) AS ${entry.sqlAlias}`, shape: { entries: [entry], columns: [...entry.columns] } };
      }
      case 'join':
        return this.join(item, parent);
      default:
        return assertNever(item);
    }
  }

  private join(j: Extract<FromItem, { kind: 'join' }>, parent: Scope | undefined): { sql: string; shape: FromShape } {
    const l = this.fromItem(j.left, parent);
    const r = this.fromItem(j.right, parent);
    const entries = [...l.shape.entries, ...r.shape.entries];
    checkDuplicateAliases(entries);
    const keyword = j.type === 'INNER' || j.type === 'CROSS' ? 'JOIN' : `${j.type} JOIN`;
    let sql: string;
    let columns: Binding[];
    const merged: Binding[] = [...(l.shape.merged ?? []), ...(r.shape.merged ?? [])];
    const hidden = new Set<Binding>([...(l.shape.hidden ?? []), ...(r.shape.hidden ?? [])]);
    if (j.on) {
      const scope = new Scope(parent, this.ctes);
      scope.addShape({ entries, columns: [...l.shape.columns, ...r.shape.columns], merged, hidden });
      sql = `${l.sql} ${keyword} ${r.sql} ON ${this.exprs.condition(j.on, scope).sql}`;
      columns = [...l.shape.columns, ...r.shape.columns];
    } else if (j.using || j.natural) {
      // USING / NATURAL become explicit equalities; the join columns appear once, first (SQL-92 7.5).
      const ids: Ident[] = j.using ?? naturalColumns(l.shape, r.shape).map((n) => ({ name: n, delimited: false, span: j.span }));
      const conds: string[] = [];
      const joinCols: Binding[] = [];
      const usedL = new Set<Binding>();
      const usedR = new Set<Binding>();
      for (const id of ids) {
        const lb = joinColumn(l.shape, id, 'left');
        const rb = joinColumn(r.shape, id, 'right');
        conds.push(`${lb.sql} = ${rb.sql}`);
        usedL.add(lb);
        usedR.add(rb);
        const mergedSql = j.type === 'FULL' ? `COALESCE(${lb.sql}, ${rb.sql})` : j.type === 'RIGHT' ? rb.sql : lb.sql;
        hidden.add(lb);
        hidden.add(rb);
        joinCols.push({ name: lb.name, lname: lb.lname, sql: mergedSql, meta: lb.meta, entry: j.type === 'FULL' ? undefined : j.type === 'RIGHT' ? rb.entry : lb.entry });
      }
      sql = `${l.sql} ${keyword} ${r.sql} ON ${conds.length ? conds.join(' AND ') : 'TRUE'}`;
      merged.push(...joinCols);
      columns = [...joinCols, ...l.shape.columns.filter((b) => !usedL.has(b)), ...r.shape.columns.filter((b) => !usedR.has(b))];
    } else {
      // The ADQL BNF leaves the join specification optional, but SQL-92 (and every database engine) requires one for
      // INNER and OUTER joins, and the IVOA corpus marks "t1 INNER JOIN t2" invalid: only CROSS/comma joins pair all rows.
      if (j.type !== 'CROSS') {
        throw new AdqlError(
          'INVALID_QUERY',
          `${j.type === 'INNER' ? 'JOIN' : `${j.type} OUTER JOIN`} needs a join condition`,
          j.span,
          { hint: 'add ON <condition> or USING (<columns>), use NATURAL JOIN, or write CROSS JOIN to pair every row' },
        );
      }
      sql = `${l.sql} CROSS JOIN ${r.sql}`;
      columns = [...l.shape.columns, ...r.shape.columns];
    }
    return { sql: j.parenthesized ? `(${sql})` : sql, shape: { entries, columns, merged, hidden } };
  }
}

function checkDuplicateAliases(entries: RangeEntry[]): void {
  const seen = new Map<string, RangeEntry>();
  for (const e of entries) {
    if (!e.alias) continue;
    const key = e.alias.delimited ? `"${e.alias.name}"` : e.alias.name.toLowerCase();
    if (seen.has(key)) {
      throw new AdqlError('DUPLICATE_ALIAS', `alias ${e.alias.name} is used twice in the same FROM clause`, e.alias.span, { token: e.alias.name });
    }
    seen.set(key, e);
  }
}

function limitSql(top: number | undefined, cap: number | undefined): string {
  const n = top === undefined ? cap : cap === undefined ? top : Math.min(top, cap);
  return n === undefined ? '' : ` LIMIT ${n}`;
}

/** Name of an unaliased result column: the column's own name, the function's name, else "expr". */
function defaultName(e: Expr, t: Typed): string {
  if (t.binding) return t.binding.name;
  switch (e.kind) {
    case 'paren':
      return defaultName(e.expr, t);
    case 'column':
      return (e.parts[e.parts.length - 1] as Ident).name;
    case 'call':
      return e.name.toLowerCase();
    case 'point':
    case 'circle':
    case 'box':
    case 'polygon':
      return e.kind;
    case 'cast':
      return e.arg.kind === 'column' ? (e.arg.parts[e.arg.parts.length - 1] as Ident).name : 'cast';
    default:
      return 'expr';
  }
}

