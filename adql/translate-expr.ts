/** Translates resolved ADQL value expressions and conditions into typed PostgreSQL fragments: operators with
 *  ADQL semantics (real division, boolean comparisons with 0/1 and 'TRUE'), CAST, geometry (double precision[]
 *  values and the adql.* SQL functions; the HEALPix cone fast path via geometry/). Function calls go to
 *  translate-call.ts. Reads each node's type and binding from the resolve pass's annotations
 *  (ResolvedStatement.exprs); looks up no names and raises no name or type errors. String literals leave as
 *  bound parameters. */
import type { Expr, ExprOf } from './ast.js';
import { assertNever, constValue, isCondition, strip } from './ast.js';
import { AdqlError } from './errors.js';
import { boxToPolygon, coneFilterSql } from './geometry/index.js';
import type { Binding, ExprAnnotations, ExprInfo, ResolvedQuery } from './resolved.js';
import { CallTranslator } from './translate-call.js';
import type { Typed } from './sql-types.js';
import { columnSql, formatNumber, PREC, typedOf, wrap } from './sql-types.js';

/** What expression translation needs from the query translator. */
export interface ExprHost {
  params: unknown[];
  /** String literals go into the SQL text instead of `params` (TranslateOptions.inlineLiterals). */
  inlineLiterals?: boolean;
  /** The resolve pass's annotation of every expression node. */
  exprs: ExprAnnotations;
  /** Translates a resolved subquery. */
  subquery(q: ResolvedQuery): string;
}

export class ExprTranslator {
  private readonly calls: CallTranslator = new CallTranslator(this);

  constructor(private readonly host: ExprHost) {}

  /** The resolve pass's annotation of `e` (every node the translator reaches has one). */
  info(e: Expr): ExprInfo {
    const i = this.host.exprs.get(e);
    if (!i) throw new Error(`internal error: the ${e.kind} expression at line ${e.span.line}, column ${e.span.column} was not resolved`);
    return i;
  }

  /** `e`'s resolved type with its SQL. */
  typed(e: Expr, sql: string, prec: number): Typed {
    return typedOf(this.info(e), sql, prec);
  }

  private param(e: ExprOf<'string'>): Typed {
    let sql: string;
    const value = e.value;
    if (this.host.inlineLiterals) {
      // A standard-conforming literal is untyped like an unbound $n, so it resolves the same way; only ' needs
      // doubling (backslashes are plain with standard_conforming_strings on). PostgreSQL text cannot hold NUL.
      if (value.includes('\u0000')) throw new AdqlError('UNSUPPORTED', 'string literals cannot contain the NUL character (U+0000)', e.span);
      sql = `'${value.replace(/'/g, "''")}'`;
    } else {
      this.host.params.push(value);
      sql = `$${this.host.params.length}`;
    }
    return this.typed(e, sql, PREC.ATOM);
  }

  /** A string parameter embedded where PostgreSQL cannot infer its type gets an explicit text cast. */
  text(t: Typed): string {
    return t.isParam ? `CAST(${t.sql} AS text)` : t.kind === 'string' ? t.sql : `CAST(${t.sql} AS text)`;
  }

  /** Translates a condition (WHERE, HAVING, ON, CASE WHEN); an integer-valued UDF counts as true when 1. */
  condition(e: Expr): Typed {
    const t = this.expr(e);
    if (t.kind === 'boolean') return t;
    if (!isCondition(e)) return { ...t, sql: `${wrap(t, PREC.CMP + 1)} = 1`, prec: PREC.CMP, kind: 'boolean', datatype: 'boolean' };
    return t;
  }

  expr(e: Expr): Typed {
    switch (e.kind) {
      case 'column':
        return this.typed(e, columnSql(this.bindingOf(e)), PREC.ATOM);
      case 'number':
        return this.typed(e, e.text, PREC.ATOM);
      case 'string':
        return this.param(e);
      case 'null':
        return this.typed(e, 'NULL', PREC.ATOM);
      case 'boolean':
        return this.typed(e, e.value ? 'TRUE' : 'FALSE', PREC.ATOM);
      case 'paren':
        return this.expr(e.expr);
      case 'unary': {
        const a = this.expr(e.arg);
        if (e.op === '+') return a;
        const inner = a.prec >= PREC.UNARY && !a.sql.startsWith('-') ? a.sql : `(${a.sql})`;
        return this.typed(e, `-${inner}`, PREC.UNARY);
      }
      case 'binary':
        return e.op === '||' ? this.concat(e) : this.arithmetic(e);
      case 'compare':
        return this.compare(e);
      case 'logical': {
        const p = e.op === 'AND' ? PREC.AND : PREC.OR;
        const l = this.condition(e.left);
        const r = this.condition(e.right);
        return this.typed(e, `${wrap(l, p)} ${e.op} ${wrap(r, p)}`, p);
      }
      case 'not':
        return this.typed(e, `NOT ${wrap(this.condition(e.arg), PREC.NOT)}`, PREC.NOT);
      case 'between': {
        const [a, lo, hi] = this.comparable(e, [e.arg, e.low, e.high]) as [Typed, Typed, Typed];
        return this.typed(e, `${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}BETWEEN ${wrap(lo, PREC.PRED + 1)} AND ${wrap(hi, PREC.PRED + 1)}`, PREC.PRED);
      }
      case 'like': {
        const a = this.expr(e.arg);
        const p = this.expr(e.pattern);
        return this.typed(e, `${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}${e.op} ${wrap(p, PREC.PRED + 1)}`, PREC.PRED);
      }
      case 'in': {
        const [a, ...list] = this.comparable(e, [e.arg, ...e.list]) as [Typed, ...Typed[]];
        return this.typed(e, `${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}IN (${list.map((t) => t.sql).join(', ')})`, PREC.PRED);
      }
      case 'inQuery': {
        const a = this.expr(e.arg);
        return this.typed(e, `${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}IN (${this.subquery(e)})`, PREC.PRED);
      }
      case 'isNull': {
        const a = this.expr(e.arg);
        return this.typed(e, `${wrap(a, PREC.PRED + 1)} IS ${e.not ? 'NOT ' : ''}NULL`, PREC.PRED);
      }
      case 'exists':
        return this.typed(e, `EXISTS (${this.subquery(e)})`, PREC.ATOM);
      case 'subquery':
        return this.typed(e, `(${this.subquery(e)})`, PREC.ATOM);
      case 'case':
        return this.caseExpr(e);
      case 'cast':
        return this.cast(e);
      case 'call':
        return e.builtin ? this.calls.builtin(e) : this.calls.udf(e);
      case 'point': {
        const { x, y } = this.pointCoords(e);
        return this.typed(e, `CAST(ARRAY[${x.sql}, ${y.sql}] AS double precision[])`, PREC.ATOM);
      }
      case 'circle':
        return this.circle(e);
      case 'box':
        return this.box(e);
      case 'polygon':
        return this.polygon(e);
      case 'region':
        throw new Error('internal error: REGION reached the translator (the resolve pass rejects it)');
      default:
        return assertNever(e);
    }
  }

  private bindingOf(e: Expr): Binding {
    const b = this.info(e).binding;
    if (!b) throw new Error(`internal error: the column at line ${e.span.line}, column ${e.span.column} is not bound`);
    return b;
  }

  private subquery(e: ExprOf<'inQuery' | 'exists' | 'subquery'>): string {
    const q = this.info(e).query;
    if (!q) throw new Error('internal error: subquery not resolved');
    return this.host.subquery(q);
  }

  private arithmetic(e: ExprOf<'binary'>): Typed {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    const prec = e.op === '+' || e.op === '-' ? PREC.ADD : PREC.MUL;
    const ls = wrap(l, prec);
    const rs = wrap(r, prec + 1);
    // ADQL has no integer division: 1/2 is 0.5 here, not PostgreSQL's 0 (see README "Semantics").
    if (e.op === '/' && l.isInt && r.isInt) return this.typed(e, `CAST(${ls} AS double precision) / ${rs}`, PREC.MUL);
    return this.typed(e, `${ls} ${e.op} ${rs}`, prec);
  }

  private concat(e: ExprOf<'binary'>): Typed {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    return this.typed(e, `${wrap({ sql: this.text(l), prec: l.isParam || l.kind !== 'string' ? PREC.ATOM : l.prec }, PREC.CONCAT)} || ${wrap({ sql: this.text(r), prec: r.isParam || r.kind !== 'string' ? PREC.ATOM : r.prec }, PREC.CONCAT + 1)}`, PREC.CONCAT);
  }

  /** Operands compared with each other; booleans become 0/1 when they meet numbers (resolved as such). */
  private comparable(e: Expr, es: Expr[]): Typed[] {
    const asInt = this.info(e).booleansAsIntegers === true;
    return es.map((x) => {
      const t = this.expr(x);
      return asInt && t.kind === 'boolean' ? { ...t, sql: `CAST(${t.sql} AS integer)`, kind: 'number', prec: PREC.ATOM } : t;
    });
  }

  private compare(e: ExprOf<'compare'>): Typed {
    const info = this.info(e);
    if (info.cone) {
      const c = info.cone;
      const sql = coneFilterSql({ ra: columnSql(c.ra), dec: columnSql(c.dec), healpix: columnSql(c.healpix) }, c.centerRa, c.centerDec, c.radius, c.order);
      return this.typed(e, `(${sql})`, PREC.ATOM);
    }
    const op = e.op === '!=' ? '<>' : e.op;
    const bc = info.booleanCompare;
    if (bc) {
      // Boolean columns against 0/1 or 'TRUE'/'FALSE' (common in CSC 2 queries): compare with a boolean literal.
      const col = bc.asInteger ? `CAST(${columnSql(bc.binding)} AS integer)` : columnSql(bc.binding);
      const [l, r] = bc.side === 'left' ? [col, bc.literal] : [bc.literal, col];
      return this.typed(e, `${l} ${op} ${r}`, PREC.CMP);
    }
    const [l, r] = this.comparable(e, [e.left, e.right]) as [Typed, Typed];
    return this.typed(e, `${wrap(l, PREC.CMP + 1)} ${op} ${wrap(r, PREC.CMP + 1)}`, PREC.CMP);
  }

  private caseExpr(e: ExprOf<'case'>): Typed {
    let sql = 'CASE';
    if (e.operand) sql += ` ${this.expr(e.operand).sql}`;
    for (const w of e.whens) {
      const when = e.operand ? this.expr(w.when) : this.condition(w.when);
      const then = this.expr(w.then);
      sql += ` WHEN ${when.sql} THEN ${then.isParam ? this.text(then) : then.sql}`;
    }
    if (e.else) {
      const el = this.expr(e.else);
      sql += ` ELSE ${el.isParam ? this.text(el) : el.sql}`;
    }
    return this.typed(e, `${sql} END`, PREC.ATOM);
  }

  private cast(e: ExprOf<'cast'>): Typed {
    const a = this.expr(e.arg);
    const t = e.type;
    const numericTo = (pg: string): Typed => this.typed(e, `CAST(${a.kind === 'boolean' ? `CAST(${a.sql} AS integer)` : a.sql} AS ${pg})`, PREC.ATOM);
    switch (t.name) {
      case 'SMALLINT':
        return numericTo('smallint');
      case 'INTEGER':
        return numericTo('integer');
      case 'BIGINT':
        return numericTo('bigint');
      case 'REAL':
        return numericTo('real');
      case 'DOUBLE PRECISION':
        return numericTo('double precision');
      case 'CHAR':
      case 'VARCHAR': {
        const n = t.length;
        const pg = t.name === 'CHAR' ? `char(${n ?? 1})` : n === undefined ? 'varchar' : `varchar(${n})`;
        return this.typed(e, `CAST(${a.sql} AS ${pg})`, PREC.ATOM);
      }
      case 'TIMESTAMP':
        return this.typed(e, `CAST(${a.sql} AS timestamp)`, PREC.ATOM);
      case 'POINT':
      case 'CIRCLE':
      case 'POLYGON':
        if (a.kind === 'geometry') return a;
        // DALI serialisation: numbers separated by blanks (DALI 1.1 §3.3.5-3.3.7).
        return this.typed(e, `CAST(regexp_split_to_array(btrim(${this.text(a)}), '\\s+') AS double precision[])`, PREC.ATOM);
      case 'REGION':
        throw new Error('internal error: CAST to REGION reached the translator');
      default:
        return assertNever(t);
    }
  }

  // ---- functions ----

  args(e: ExprOf<'call'>): Typed[] {
    return e.args.map((a) => this.expr(a));
  }

  // ---- geometry ----

  pointCoords(p: ExprOf<'point'>): { x: Typed; y: Typed } {
    return { x: this.expr(p.x), y: this.expr(p.y) };
  }

  /** The four coordinates of DISTANCE (two points or four numbers). */
  distanceCoords(e: ExprOf<'call'>): string[] {
    if (e.args.length === 4) return e.args.map((a) => this.expr(a).sql);
    const out: string[] = [];
    for (const a of e.args) {
      const s = strip(a);
      if (s.kind === 'point') {
        const c = this.pointCoords(s);
        out.push(c.x.sql, c.y.sql);
      } else {
        const p = this.expr(a);
        out.push(`(${p.sql})[1]`, `(${p.sql})[2]`);
      }
    }
    return out;
  }

  private circle(e: ExprOf<'circle'>): Typed {
    const c = strip(e.center);
    if (c.kind === 'point') {
      const { x, y } = this.pointCoords(c);
      const r = this.expr(e.radius);
      return this.typed(e, `CAST(ARRAY[${x.sql}, ${y.sql}, ${r.sql}] AS double precision[])`, PREC.ATOM);
    }
    const p = this.expr(e.center);
    const r = this.expr(e.radius);
    return this.typed(e, `(${p.sql} || CAST(${r.sql} AS double precision))`, PREC.ATOM);
  }

  private box(e: ExprOf<'box'>): Typed {
    const c = strip(e.center);
    const vals = c.kind === 'point' ? [constValue(c.x), constValue(c.y), constValue(e.width), constValue(e.height)] : [];
    if (vals.length === 4 && vals.every((v) => v !== undefined)) {
      const [ra, dec, w, h] = vals as [number, number, number, number];
      // The box becomes its 4-vertex polygon now (geometry/spherical.ts; great-circle edges, ADQL §4.2.9).
      return this.typed(e, `CAST(ARRAY[${boxToPolygon(ra, dec, w, h).map(formatNumber).join(', ')}] AS double precision[])`, PREC.ATOM);
    }
    // Non-constant arguments: the same construction in SQL.
    let xy: [string, string];
    if (c.kind === 'point') xy = [this.expr(c.x).sql, this.expr(c.y).sql];
    else {
      const p = this.expr(e.center);
      xy = [`(${p.sql})[1]`, `(${p.sql})[2]`];
    }
    const w = this.expr(e.width);
    const h = this.expr(e.height);
    return this.typed(e, `adql._box(${[...xy, w.sql, h.sql].join(', ')})`, PREC.ATOM);
  }

  private polygon(e: ExprOf<'polygon'>): Typed {
    const pieces: string[] = [];
    let flat: string[] = [];
    for (const v of e.vertices) {
      const s = strip(v);
      if (s.kind === 'point') {
        const { x, y } = this.pointCoords(s);
        flat.push(x.sql, y.sql);
        continue;
      }
      if (flat.length) pieces.push(`CAST(ARRAY[${flat.join(', ')}] AS double precision[])`);
      flat = [];
      pieces.push(this.expr(v).sql);
    }
    if (flat.length) pieces.push(`CAST(ARRAY[${flat.join(', ')}] AS double precision[])`);
    return this.typed(e, pieces.length === 1 ? (pieces[0] as string) : `(${pieces.join(' || ')})`, PREC.ATOM);
  }
}
