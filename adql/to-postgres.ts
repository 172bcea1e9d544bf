/** The translate pass: a ResolvedStatement (resolved.ts, from the resolve pass) in, one PostgreSQL SELECT (or
 *  WITH) statement plus bound parameters and the output column metadata out. Owns query structure as SQL: WITH,
 *  set operations, FROM and joins (USING/NATURAL as explicit ON conditions), the select list with its output
 *  casts, ORDER BY/TOP/OFFSET and the TAP row limit. Looks up no names: every column arrives bound, every
 *  expression typed. Only quoted identifiers and allow-listed functions reach SQL. Spec: ADQL 2.1; TAP 1.1
 *  §2.7.4 (MAXREC). */
import { assertNever } from './ast.js';
import type { Binding, ResolvedFrom, ResolvedOrder, ResolvedQuery, ResolvedSelect, ResolvedStatement } from './resolved.js';
import type { Typed } from './sql-types.js';
import { columnSql, outputSql, PREC } from './sql-types.js';
import { ExprTranslator } from './translate-expr.js';
import type { ColumnMeta } from './catalog.js';
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

/** Writes a resolved statement as PostgreSQL. Throws AdqlError only for what the options forbid (a NUL in a
 *  literal with inlineLiterals); name and type errors were raised by the resolve pass. */
export function translateResolved(r: ResolvedStatement, opts: TranslateOptions = {}): Translation {
  if (opts.rowLimit !== undefined && (!Number.isSafeInteger(opts.rowLimit) || opts.rowLimit < 0)) {
    throw new RangeError(`rowLimit must be a non-negative integer, got ${opts.rowLimit}`);
  }
  const t = new Translator(r, opts.inlineLiterals === true);
  return { sql: t.statement(opts.rowLimit), params: t.params, columns: r.columns.map((c) => c.meta) };
}

class Translator {
  readonly params: unknown[] = [];
  private readonly exprs: ExprTranslator;

  constructor(
    private readonly r: ResolvedStatement,
    inlineLiterals: boolean,
  ) {
    this.exprs = new ExprTranslator({ params: this.params, inlineLiterals, exprs: r.exprs, subquery: (q) => this.query(q, undefined) });
  }

  statement(rowLimit: number | undefined): string {
    const ctes = this.r.ctes.map((c) => `${quoteIdent(c.sqlName)}(${c.columns.map((col) => quoteIdent(col.sqlName)).join(', ')}) AS (${this.query(c.query, undefined)})`);
    const main = this.query(this.r.main, rowLimit);
    return ctes.length ? `WITH ${ctes.join(', ')} ${main}` : main;
  }

  /** A query; `limitCap` (the row limit) applies to the outermost one only. */
  query(q: ResolvedQuery, limitCap: number | undefined): string {
    switch (q.kind) {
      case 'select':
        return this.select(q, limitCap);
      case 'setop':
        return `(${this.query(q.left, undefined)}) ${q.op}${q.all ? ' ALL' : ''} (${this.query(q.right, undefined)})`;
      case 'wrapped': {
        // Set operations are wrapped in SELECT * FROM (...) so the statement starts with SELECT and ORDER BY may use
        // expressions over the result columns.
        const inner = this.query(q.body, undefined);
        return `SELECT * FROM (${inner}) AS ${quoteIdent(q.entry.sqlName)}${this.orderBy(q.orderBy)}${limitSql(undefined, limitCap)}${q.offset !== undefined ? ` OFFSET ${q.offset}` : ''}`;
      }
      default:
        return assertNever(q);
    }
  }

  private select(s: ResolvedSelect, limitCap: number | undefined): string {
    const fromSql = s.from.map((f) => this.fromItem(f));
    const items: Typed[] = s.items.map((it) => (it.kind === 'column' ? bindingTyped(it.binding) : this.exprs.expr(it.expr)));
    const selectSql = items.map((t, i) => `${outputSql(t)} AS ${quoteIdent((s.items[i] as { column: { name: string } }).column.name)}`).join(', ');
    let sql = `SELECT ${s.distinct ? 'DISTINCT ' : ''}${selectSql} FROM ${fromSql.join(', ')}`;
    if (s.where) sql += ` WHERE ${this.exprs.condition(s.where).sql}`;
    if (s.groupBy.length) sql += ` GROUP BY ${s.groupBy.map((g) => (g.kind === 'item' ? (items[g.index] as Typed).sql : this.exprs.expr(g.expr).sql)).join(', ')}`;
    if (s.having) sql += ` HAVING ${this.exprs.condition(s.having).sql}`;
    sql += this.orderBy(s.orderBy);
    sql += limitSql(s.top, limitCap);
    if (s.offset !== undefined) sql += ` OFFSET ${s.offset}`;
    return sql;
  }

  /** ORDER BY: positions (output names were resolved to them) or expressions. */
  private orderBy(items: ResolvedOrder[]): string {
    if (items.length === 0) return '';
    const parts = items.map((o) => {
      // NULLs sort last in both directions: PostgreSQL would put them first under DESC, while the CSC 2 service
      // (SQL Server) puts them last there, so "TOP n … ORDER BY flux DESC" gives the same rows on both.
      const dir = o.descending ? ' DESC NULLS LAST' : '';
      return o.kind === 'position' ? `${o.position}${dir}` : `${this.exprs.expr(o.expr).sql}${dir}`;
    });
    return ` ORDER BY ${parts.join(', ')}`;
  }

  private fromItem(f: ResolvedFrom): string {
    switch (f.kind) {
      case 'table':
        return `${quoteIdent(f.table.sqlSchema)}.${quoteIdent(f.table.sqlName)} AS ${quoteIdent(f.entry.sqlName)}`;
      case 'cte':
        return `${quoteIdent(f.cte.sqlName)} AS ${quoteIdent(f.entry.sqlName)}`;
      case 'subquery':
        return `(${this.query(f.query, undefined)}) AS ${quoteIdent(f.entry.sqlName)}`;
      case 'join': {
        const l = this.fromItem(f.left);
        const r = this.fromItem(f.right);
        const keyword = f.type === 'INNER' || f.type === 'CROSS' ? 'JOIN' : `${f.type} JOIN`;
        const c = f.condition;
        let sql: string;
        if (c.kind === 'on') sql = `${l} ${keyword} ${r} ON ${this.exprs.condition(c.expr).sql}`;
        else if (c.kind === 'using') {
          // USING / NATURAL become explicit equalities.
          const conds = c.pairs.map((p) => `${columnSql(p.left)} = ${columnSql(p.right)}`);
          sql = `${l} ${keyword} ${r} ON ${conds.length ? conds.join(' AND ') : 'TRUE'}`;
        } else sql = `${l} CROSS JOIN ${r}`;
        return f.parenthesized ? `(${sql})` : sql;
      }
      default:
        return assertNever(f);
    }
  }
}

/** A select-list column taken as is (`*`, `t.*`): its SQL, exactly that column (no output cast). */
function bindingTyped(b: Binding): Typed {
  return { sql: columnSql(b), prec: PREC.ATOM, kind: 'unknown', datatype: b.meta.datatype, isInt: false, exact: true, isParam: undefined, binding: b };
}

function limitSql(top: number | undefined, cap: number | undefined): string {
  const n = top === undefined ? cap : cap === undefined ? top : Math.min(top, cap);
  return n === undefined ? '' : ` LIMIT ${n}`;
}
