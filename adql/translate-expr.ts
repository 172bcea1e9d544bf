/** Translates ADQL value expressions and conditions into typed PostgreSQL fragments: operators with ADQL
 *  semantics (real division, boolean comparisons with 0/1 and 'TRUE'), built-in math/string/aggregate functions,
 *  IN_UNIT, CAST, user-defined functions from functions.ts, and geometry (double precision[] values and the
 *  adql.* SQL functions; the HEALPix cone fast path via geometry/). String literals leave as bound parameters. */
import type { Expr, ExprOf, Query } from './ast.js';
import { assertNever, isCondition } from './ast.js';
import { AdqlError, didYouMean } from './errors.js';
import type { Span } from './errors.js';
import { findUdf, UDFS } from './functions.js';
import { boxToPolygon, coneFilterSql } from './geometry/index.js';
import { CallTranslator } from './translate-call.js';
import { BUILTIN_FUNCTION_NAMES } from './parser.js';
import type { Binding, Scope } from './resolve.js';
import type { Typed } from './sql-types.js';
import { doubleTyped, geometryTyped, PREC, typedFromMeta, widerInt, wrap } from './sql-types.js';
import { conversionFactor, DIMENSIONLESS, multiplyUnits, parseUnit, powerUnit, sameDims } from './units.js';
import type { ColumnMeta } from './catalog.js';

/** What expression translation needs from the query translator. */
export interface ExprHost {
  params: unknown[];
  /** String literals go into the SQL text instead of `params` (TranslateOptions.inlineLiterals). */
  inlineLiterals?: boolean;
  /** Translates a subquery whose outer scope is `parent`. */
  subquery(q: Query, parent: Scope): { sql: string; columns: ReadonlyArray<{ meta: ColumnMeta }> };
}

const TRUE_WORDS = new Set(['TRUE', 'T', '1', 'Y', 'YES', 'ON']);
const FALSE_WORDS = new Set(['FALSE', 'F', '0', 'N', 'NO', 'OFF']);

export function strip(e: Expr): Expr {
  return e.kind === 'paren' ? strip(e.expr) : e;
}

/** The value of a constant numeric expression (literals, + - * /, unary signs, PI()), else undefined. */
export function constValue(e: Expr): number | undefined {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'paren':
      return constValue(e.expr);
    case 'unary': {
      const v = constValue(e.arg);
      return v === undefined ? undefined : e.op === '-' ? -v : v;
    }
    case 'binary': {
      if (e.op === '||') return undefined;
      const a = constValue(e.left);
      const b = constValue(e.right);
      if (a === undefined || b === undefined) return undefined;
      const v = e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
      return Number.isFinite(v) ? v : undefined;
    }
    case 'call':
      return e.builtin && e.name === 'PI' ? Math.PI : undefined;
    default:
      return undefined;
  }
}

export function typeError(message: string, span: Span, hint?: string): AdqlError {
  return new AdqlError('TYPE_MISMATCH', message, span, { hint });
}

export class ExprTranslator {
  private readonly calls: CallTranslator = new CallTranslator(this);

  constructor(private readonly host: ExprHost) {}

  private param(value: string, span: Span): Typed {
    let sql: string;
    if (this.host.inlineLiterals) {
      // A standard-conforming literal is untyped like an unbound $n, so it resolves the same way; only ' needs
      // doubling (backslashes are plain with standard_conforming_strings on). PostgreSQL text cannot hold NUL.
      if (value.includes('\u0000')) throw new AdqlError('UNSUPPORTED', 'string literals cannot contain the NUL character (U+0000)', span);
      sql = `'${value.replace(/'/g, "''")}'`;
    } else {
      this.host.params.push(value);
      sql = `$${this.host.params.length}`;
    }
    return { sql, prec: PREC.ATOM, kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true, isParam: true };
  }

  /** A string parameter embedded where PostgreSQL cannot infer its type gets an explicit text cast. */
  text(t: Typed): string {
    return t.isParam ? `CAST(${t.sql} AS text)` : t.kind === 'string' ? t.sql : `CAST(${t.sql} AS text)`;
  }

  /** Translates a condition (WHERE, HAVING, ON, CASE WHEN); an integer-valued UDF counts as true when 1. */
  condition(e: Expr, scope: Scope): Typed {
    const t = this.expr(e, scope);
    if (t.kind === 'boolean') return t;
    if (!isCondition(e)) return { ...t, sql: `${wrap(t, PREC.CMP + 1)} = 1`, prec: PREC.CMP, kind: 'boolean', datatype: 'boolean' };
    return t;
  }

  expr(e: Expr, scope: Scope): Typed {
    switch (e.kind) {
      case 'column': {
        const b = scope.resolveColumn(e.parts, e.span);
        return typedFromMeta(b.sql, b.meta, b);
      }
      case 'number': {
        const isInt = e.isInteger;
        const fitsInt = isInt && Math.abs(e.value) <= 2147483647;
        const fitsLong = isInt && Math.abs(e.value) <= Number.MAX_SAFE_INTEGER;
        return {
          sql: e.text,
          prec: PREC.ATOM,
          kind: 'number',
          datatype: isInt ? (fitsInt ? 'int' : 'long') : 'double',
          isInt: fitsLong,
          exact: fitsInt,
          constant: e.value,
          unitValue: DIMENSIONLESS,
        };
      }
      case 'string':
        return this.param(e.value, e.span);
      case 'null':
        return { sql: 'NULL', prec: PREC.ATOM, kind: 'null', datatype: 'char', isInt: false, exact: true };
      case 'boolean':
        return { sql: e.value ? 'TRUE' : 'FALSE', prec: PREC.ATOM, kind: 'boolean', datatype: 'boolean', isInt: false, exact: true };
      case 'paren':
        return this.expr(e.expr, scope);
      case 'unary': {
        const a = this.numeric(this.expr(e.arg, scope), e.arg.span, `unary ${e.op}`);
        if (e.op === '+') return a;
        const inner = a.prec >= PREC.UNARY && !a.sql.startsWith('-') ? a.sql : `(${a.sql})`;
        return { ...a, sql: `-${inner}`, prec: PREC.UNARY, binding: undefined, constant: a.constant === undefined ? undefined : -a.constant, exact: a.exact && a.kind === 'number' };
      }
      case 'binary':
        return e.op === '||' ? this.concat(e, scope) : this.arithmetic(e, scope);
      case 'compare':
        return this.compare(e, scope);
      case 'logical': {
        const p = e.op === 'AND' ? PREC.AND : PREC.OR;
        const l = this.condition(e.left, scope);
        const r = this.condition(e.right, scope);
        return bool(`${wrap(l, p)} ${e.op} ${wrap(r, p)}`, p);
      }
      case 'not':
        return bool(`NOT ${wrap(this.condition(e.arg, scope), PREC.NOT)}`, PREC.NOT);
      case 'between': {
        const [a, lo, hi] = this.comparable([e.arg, e.low, e.high], scope, 'BETWEEN');
        return bool(`${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}BETWEEN ${wrap(lo, PREC.PRED + 1)} AND ${wrap(hi, PREC.PRED + 1)}`, PREC.PRED);
      }
      case 'like': {
        const a = this.expr(e.arg, scope);
        const p = this.expr(e.pattern, scope);
        for (const [t, x] of [[a, e.arg], [p, e.pattern]] as const) {
          if (t.kind !== 'string' && t.kind !== 'null' && t.kind !== 'unknown') throw typeError(`${e.op} needs character values, found ${describeKind(t)}`, x.span);
        }
        return bool(`${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}${e.op} ${wrap(p, PREC.PRED + 1)}`, PREC.PRED);
      }
      case 'in': {
        const all = this.comparable([e.arg, ...e.list], scope, 'IN');
        const [a, ...list] = all as [Typed, ...Typed[]];
        return bool(`${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}IN (${list.map((t) => t.sql).join(', ')})`, PREC.PRED);
      }
      case 'inQuery': {
        const a = this.expr(e.arg, scope);
        const sub = this.host.subquery(e.query, scope);
        if (sub.columns.length !== 1) throw new AdqlError('INVALID_QUERY', `the subquery after IN must return one column, not ${sub.columns.length}`, e.query.span);
        return bool(`${wrap(a, PREC.PRED + 1)} ${e.not ? 'NOT ' : ''}IN (${sub.sql})`, PREC.PRED);
      }
      case 'isNull': {
        const a = this.expr(e.arg, scope);
        return bool(`${wrap(a, PREC.PRED + 1)} IS ${e.not ? 'NOT ' : ''}NULL`, PREC.PRED);
      }
      case 'exists':
        return bool(`EXISTS (${this.host.subquery(e.query, scope).sql})`, PREC.ATOM);
      case 'subquery': {
        const sub = this.host.subquery(e.query, scope);
        if (sub.columns.length !== 1) throw new AdqlError('INVALID_QUERY', `a scalar subquery must return one column, not ${sub.columns.length}`, e.span);
        const t = typedFromMeta(`(${sub.sql})`, (sub.columns[0] as { meta: ColumnMeta }).meta);
        return { ...t, binding: undefined, unit: t.unit, exact: true };
      }
      case 'case':
        return this.caseExpr(e, scope);
      case 'cast':
        return this.cast(e, scope);
      case 'call':
        return e.builtin ? this.calls.builtin(e, scope) : this.calls.udf(e, scope);
      case 'point': {
        const { x, y } = this.pointCoords(e, scope);
        return geometryTyped(`CAST(ARRAY[${x.sql}, ${y.sql}] AS double precision[])`, 'point');
      }
      case 'circle':
        return this.circle(e, scope);
      case 'box':
        return this.box(e, scope);
      case 'polygon':
        return this.polygon(e, scope);
      case 'region':
        throw new AdqlError('UNSUPPORTED', 'REGION is not supported by this service', e.span, {
          hint: 'use POINT, CIRCLE, BOX or POLYGON',
        });
      default:
        return assertNever(e);
    }
  }

  numeric(t: Typed, span: Span, what: string): Typed {
    if (t.kind === 'number' || t.kind === 'null' || t.kind === 'unknown' || t.isParam) return t;
    throw typeError(`${what} needs numbers, found ${describeKind(t)}`, span);
  }

  private arithmetic(e: ExprOf<'binary'>, scope: Scope): Typed {
    const l = this.numeric(this.expr(e.left, scope), e.left.span, `operator ${e.op}`);
    const r = this.numeric(this.expr(e.right, scope), e.right.span, `operator ${e.op}`);
    const prec = e.op === '+' || e.op === '-' ? PREC.ADD : PREC.MUL;
    const ls = wrap(l, prec);
    const rs = wrap(r, prec + 1);
    const constant = constValue(e);
    let unit: string | undefined;
    let unitValue = undefined as Typed['unitValue'];
    if (l.unitValue && r.unitValue) {
      if (e.op === '+' || e.op === '-') {
        if (sameDims(l.unitValue, r.unitValue) || r.constant !== undefined) unitValue = l.constant !== undefined ? r.unitValue : l.unitValue;
      } else unitValue = multiplyUnits(l.unitValue, r.unitValue, e.op === '*' ? 1 : -1);
    }
    unit = arithmeticUnitLabel(e.op, l, r);
    if (e.op === '/' && l.isInt && r.isInt) {
      // ADQL has no integer division: 1/2 is 0.5 here, not PostgreSQL's 0 (see README "Semantics").
      return doubleTyped(`CAST(${ls} AS double precision) / ${rs}`, PREC.MUL, { constant, unitValue });
    }
    const isInt = l.isInt && r.isInt;
    return {
      sql: `${ls} ${e.op} ${rs}`,
      prec,
      kind: 'number',
      datatype: isInt ? widerInt(l.datatype, r.datatype) : 'double',
      isInt,
      exact: isInt ? l.exact && r.exact : l.exact && r.exact && (l.datatype === 'double' || r.datatype === 'double'),
      constant,
      unit,
      unitValue,
    };
  }

  private concat(e: ExprOf<'binary'>, scope: Scope): Typed {
    const l = this.expr(e.left, scope);
    const r = this.expr(e.right, scope);
    for (const [t, x] of [[l, e.left], [r, e.right]] as const) {
      if (t.kind === 'geometry' || t.kind === 'array') throw typeError(`|| cannot concatenate ${describeKind(t)}`, x.span, 'cast numbers with CAST(x AS VARCHAR); geometries cannot be concatenated');
    }
    return { sql: `${wrap({ sql: this.text(l), prec: l.isParam || l.kind !== 'string' ? PREC.ATOM : l.prec }, PREC.CONCAT)} || ${wrap({ sql: this.text(r), prec: r.isParam || r.kind !== 'string' ? PREC.ATOM : r.prec }, PREC.CONCAT + 1)}`, prec: PREC.CONCAT, kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true };
  }

  /** Translates operands that are compared with each other, checking that their kinds can meet. */
  private comparable(es: Expr[], scope: Scope, what: string): Typed[] {
    const ts = es.map((x) => this.expr(x, scope));
    const kinds = new Set(ts.filter((t) => !t.isParam && t.kind !== 'null' && t.kind !== 'unknown').map((t) => t.kind));
    if (kinds.has('boolean') && kinds.size > 1) {
      // BETWEEN / IN on a boolean column against numbers: compare as 0/1.
      return ts.map((t) => (t.kind === 'boolean' ? { ...t, sql: `CAST(${t.sql} AS integer)`, kind: 'number' as const, prec: PREC.ATOM } : t));
    }
    if (kinds.size > 1 && !(kinds.size === 2 && kinds.has('string') && kinds.has('timestamp'))) {
      throw typeError(`${what} compares ${[...kinds].join(' with ')}`, (es[0] as Expr).span);
    }
    return ts;
  }

  private compare(e: ExprOf<'compare'>, scope: Scope): Typed {
    const cone = this.coneFastPath(e, scope);
    if (cone) return cone;
    const op = e.op === '!=' ? '<>' : e.op;
    // Boolean columns against 0/1 or 'TRUE'/'FALSE' (common in CSC 2 queries): compare with a boolean literal.
    const lb = this.booleanSide(e.left, e.right, scope);
    const rb = lb ? undefined : this.booleanSide(e.right, e.left, scope);
    if (lb || rb) {
      const [l, r] = lb ? [lb.bool, lb.other] : [(rb as { other: string }).other, (rb as { bool: Typed }).bool];
      return bool(`${typeof l === 'string' ? l : wrap(l, PREC.CMP + 1)} ${op} ${typeof r === 'string' ? r : wrap(r, PREC.CMP + 1)}`, PREC.CMP);
    }
    const [l, r] = this.comparable([e.left, e.right], scope, `operator ${e.op}`) as [Typed, Typed];
    if ((l.kind === 'geometry' || r.kind === 'geometry') && op !== '=' && op !== '<>') {
      throw typeError(`geometries can only be compared with = or <>`, e.span);
    }
    return bool(`${wrap(l, PREC.CMP + 1)} ${op} ${wrap(r, PREC.CMP + 1)}`, PREC.CMP);
  }

  /** When `side` is boolean-valued and `other` a 0/1 or truth-word literal, the pair as (boolean SQL, literal). */
  private booleanSide(side: Expr, other: Expr, scope: Scope): { bool: Typed; other: string } | undefined {
    const o = strip(other);
    const literal = o.kind === 'number' || o.kind === 'string' || (o.kind === 'unary' && strip(o.arg).kind === 'number');
    if (!literal) {
      return undefined;
    }
    // Only column references: translating them adds no parameters, so giving up here costs nothing.
    const s = strip(side);
    if (s.kind !== 'column') return undefined;
    const b = scope.tryResolveColumn(s.parts, s.span);
    if (!b || (b.meta.datatype !== 'boolean' && b.meta.datatype !== 'bit')) return undefined;
    const t = typedFromMeta(b.sql, b.meta, b);
    if (o.kind === 'string') {
      const w = o.value.trim().toUpperCase();
      if (TRUE_WORDS.has(w)) return { bool: t, other: 'TRUE' };
      if (FALSE_WORDS.has(w)) return { bool: t, other: 'FALSE' };
      throw typeError(`cannot compare a boolean with '${o.value}'`, o.span, "write 1, 0, 'TRUE' or 'FALSE'");
    }
    const v = constValue(o);
    if (v === 1) return { bool: t, other: 'TRUE' };
    if (v === 0) return { bool: t, other: 'FALSE' };
    return { bool: { ...t, sql: `CAST(${t.sql} AS integer)`, prec: PREC.ATOM }, other: String(v) };
  }

  private caseExpr(e: ExprOf<'case'>, scope: Scope): Typed {
    let sql = 'CASE';
    if (e.operand) sql += ` ${this.expr(e.operand, scope).sql}`;
    let result: Typed | undefined;
    for (const w of e.whens) {
      const when = e.operand ? this.expr(w.when, scope) : this.condition(w.when, scope);
      const then = this.expr(w.then, scope);
      if (!result || result.kind === 'null') result = then;
      sql += ` WHEN ${when.sql} THEN ${then.isParam ? this.text(then) : then.sql}`;
    }
    if (e.else) {
      const el = this.expr(e.else, scope);
      if (!result || result.kind === 'null') result = el;
      sql += ` ELSE ${el.isParam ? this.text(el) : el.sql}`;
    }
    const r = result as Typed;
    return { ...r, sql: `${sql} END`, prec: PREC.ATOM, binding: undefined, isParam: false, exact: r.exact && r.kind !== 'number', constant: undefined };
  }

  private cast(e: ExprOf<'cast'>, scope: Scope): Typed {
    const a = this.expr(e.arg, scope);
    const t = e.type;
    const fromOk = (...kinds: Typed['kind'][]): void => {
      if (!a.isParam && !kinds.includes(a.kind) && a.kind !== 'null' && a.kind !== 'unknown') {
        throw typeError(`cannot CAST ${describeKind(a)} to ${t.name}`, e.span);
      }
    };
    const numericTo = (pg: string, datatype: Typed['datatype'], isInt: boolean): Typed => {
      fromOk('number', 'string', 'boolean');
      const src = a.kind === 'boolean' ? `CAST(${a.sql} AS integer)` : a.sql;
      return { sql: `CAST(${src} AS ${pg})`, prec: PREC.ATOM, kind: 'number', datatype, isInt, exact: true, unit: a.unit, unitValue: a.unitValue };
    };
    switch (t.name) {
      case 'SMALLINT':
        return numericTo('smallint', 'short', true);
      case 'INTEGER':
        return numericTo('integer', 'int', true);
      case 'BIGINT':
        return numericTo('bigint', 'long', true);
      case 'REAL':
        return numericTo('real', 'float', false);
      case 'DOUBLE PRECISION':
        return numericTo('double precision', 'double', false);
      case 'CHAR':
      case 'VARCHAR': {
        fromOk('number', 'string', 'boolean', 'timestamp');
        const n = t.length;
        const pg = t.name === 'CHAR' ? `char(${n ?? 1})` : n === undefined ? 'varchar' : `varchar(${n})`;
        const arraysize = t.name === 'CHAR' ? String(n ?? 1) : n === undefined ? '*' : `${n}*`;
        return { sql: `CAST(${a.sql} AS ${pg})`, prec: PREC.ATOM, kind: 'string', datatype: 'char', arraysize, isInt: false, exact: true };
      }
      case 'TIMESTAMP':
        fromOk('string', 'timestamp');
        return { sql: `CAST(${a.sql} AS timestamp)`, prec: PREC.ATOM, kind: 'timestamp', datatype: 'char', arraysize: '*', xtype: 'timestamp', isInt: false, exact: true };
      case 'POINT':
      case 'CIRCLE':
      case 'POLYGON': {
        const xtype = t.name.toLowerCase() as 'point' | 'circle' | 'polygon';
        if (a.kind === 'geometry') {
          if (a.xtype !== xtype) throw typeError(`cannot CAST a ${a.xtype ?? 'geometry'} to ${t.name}`, e.span);
          return a;
        }
        fromOk('string');
        // DALI serialisation: numbers separated by blanks (DALI 1.1 §3.3.5-3.3.7).
        return geometryTyped(`CAST(regexp_split_to_array(btrim(${this.text(a)}), '\\s+') AS double precision[])`, xtype);
      }
      case 'REGION':
        throw new AdqlError('UNSUPPORTED', 'CAST to REGION is not supported', e.span);
      default:
        return assertNever(t);
    }
  }

  // ---- functions ----

  args(e: ExprOf<'call'>, scope: Scope): Typed[] {
    return e.args.map((a) => this.expr(a, scope));
  }

  // ---- geometry ----

  geometryArg(t: Typed, span: Span, fn: string): Typed {
    if (t.kind === 'geometry' || t.kind === 'null' || t.kind === 'array' || t.kind === 'unknown') return t;
    throw typeError(`${fn} needs a geometry (POINT, CIRCLE, BOX, POLYGON or a geometry column), found ${describeKind(t)}`, span);
  }

  pointArg(t: Typed, span: Span, fn: string): Typed {
    this.geometryArg(t, span, fn);
    if (t.kind === 'geometry' && t.xtype && t.xtype !== 'point') throw typeError(`${fn} needs a point, found a ${t.xtype}`, span);
    return t;
  }

  private coordinate(e: Expr, scope: Scope, what: 'lon' | 'lat'): Typed {
    const t = this.expr(e, scope);
    if (t.kind !== 'number' && t.kind !== 'null' && t.kind !== 'unknown') throw typeError(`coordinates must be numbers, found ${describeKind(t)}`, e.span);
    const v = constValue(e);
    if (v !== undefined) checkCoordinate(v, what, e.span);
    return t;
  }

  pointCoords(p: ExprOf<'point'>, scope: Scope): { x: Typed; y: Typed } {
    return { x: this.coordinate(p.x, scope, 'lon'), y: this.coordinate(p.y, scope, 'lat') };
  }

  /** The four coordinates of DISTANCE (two points or four numbers). */
  distanceCoords(e: ExprOf<'call'>, scope: Scope): Typed[] {
    if (e.args.length === 4) {
      return e.args.map((a, i) => this.coordinate(a, scope, i % 2 === 0 ? 'lon' : 'lat'));
    }
    const out: Typed[] = [];
    for (const a of e.args) {
      const s = strip(a);
      if (s.kind === 'point') {
        const c = this.pointCoords(s, scope);
        out.push(c.x, c.y);
      } else {
        const p = this.pointArg(this.expr(a, scope), a.span, 'DISTANCE');
        out.push(doubleTyped(`(${p.sql})[1]`, PREC.ATOM), doubleTyped(`(${p.sql})[2]`, PREC.ATOM));
      }
    }
    return out;
  }

  private radius(e: Expr, scope: Scope): Typed {
    const t = this.numeric(this.expr(e, scope), e.span, 'radius');
    const v = constValue(e);
    if (v !== undefined && (v < 0 || v > 180)) {
      throw new AdqlError('COORDINATE_RANGE', `radius ${v} is outside [0, 180] degrees`, e.span);
    }
    return t;
  }

  private circle(e: ExprOf<'circle'>, scope: Scope): Typed {
    const c = strip(e.center);
    if (c.kind === 'point') {
      const { x, y } = this.pointCoords(c, scope);
      const r = this.radius(e.radius, scope);
      return geometryTyped(`CAST(ARRAY[${x.sql}, ${y.sql}, ${r.sql}] AS double precision[])`, 'circle');
    }
    const p = this.pointArg(this.expr(e.center, scope), e.center.span, 'CIRCLE');
    const r = this.radius(e.radius, scope);
    return geometryTyped(`(${p.sql} || CAST(${r.sql} AS double precision))`, 'circle');
  }

  private box(e: ExprOf<'box'>, scope: Scope): Typed {
    const c = strip(e.center);
    const vals = c.kind === 'point' ? [constValue(c.x), constValue(c.y), constValue(e.width), constValue(e.height)] : [];
    if (vals.length === 4 && vals.every((v) => v !== undefined)) {
      const [ra, dec, w, h] = vals as [number, number, number, number];
      checkCoordinate(ra, 'lon', e.span);
      checkCoordinate(dec, 'lat', e.span);
      if (!(w >= 0 && h >= 0 && w < 180 && h < 180)) throw new AdqlError('COORDINATE_RANGE', 'BOX width and height must be in [0, 180) degrees', e.span);
      // The box becomes its 4-vertex polygon now (geometry/spherical.ts; great-circle edges, ADQL §4.2.9).
      return geometryTyped(`CAST(ARRAY[${boxToPolygon(ra, dec, w, h).map(formatNumber).join(', ')}] AS double precision[])`, 'polygon');
    }
    // Non-constant arguments: the same construction in SQL.
    const [x, y] = c.kind === 'point' ? [this.coordinate(c.x, scope, 'lon'), this.coordinate(c.y, scope, 'lat')] : (() => {
      const p = this.pointArg(this.expr(e.center, scope), e.center.span, 'BOX');
      return [doubleTyped(`(${p.sql})[1]`, PREC.ATOM), doubleTyped(`(${p.sql})[2]`, PREC.ATOM)];
    })();
    const w = this.numeric(this.expr(e.width, scope), e.width.span, 'BOX');
    const h = this.numeric(this.expr(e.height, scope), e.height.span, 'BOX');
    return geometryTyped(`adql._box(${[x, y, w, h].map((t) => t.sql).join(', ')})`, 'polygon');
  }

  private polygon(e: ExprOf<'polygon'>, scope: Scope): Typed {
    const pieces: string[] = [];
    let flat: string[] = [];
    for (const v of e.vertices) {
      const s = strip(v);
      if (s.kind === 'point') {
        const { x, y } = this.pointCoords(s, scope);
        flat.push(x.sql, y.sql);
        continue;
      }
      if (flat.length) pieces.push(`CAST(ARRAY[${flat.join(', ')}] AS double precision[])`);
      flat = [];
      pieces.push(this.pointArg(this.expr(v, scope), v.span, 'POLYGON').sql);
    }
    if (flat.length) pieces.push(`CAST(ARRAY[${flat.join(', ')}] AS double precision[])`);
    return geometryTyped(pieces.length === 1 ? (pieces[0] as string) : `(${pieces.join(' || ')})`, 'polygon');
  }

  // ---- the HEALPix cone fast path ----

  /** CONTAINS(POINT(t.ra, t.dec), CIRCLE(ra0, dec0, r)) = 1, INTERSECTS likewise, DISTANCE(...) < r,
   *  dbo.cone_distance(...) <= r and dbo.separation(...) <= r, on a table's own position columns with constant
   *  centre and radius, become index range predicates plus the exact test (geometry/coneFilterSql). */
  private coneFastPath(e: ExprOf<'compare'>, scope: Scope): Typed | undefined {
    const l = strip(e.left);
    const r = strip(e.right);
    const one = (x: Expr): boolean => constValue(x) === 1;
    let cone: ConeSpec | undefined;
    if (e.op === '=') {
      const call = one(r) ? l : one(l) ? r : undefined;
      if (call && call.kind === 'call' && call.builtin && (call.name === 'CONTAINS' || call.name === 'INTERSECTS')) {
        const [a, b] = call.args.map(strip) as [Expr, Expr];
        if (a.kind === 'point' && b.kind === 'circle') cone = this.coneFrom(a, b, scope);
        else if (call.name === 'INTERSECTS' && b.kind === 'point' && a.kind === 'circle') cone = this.coneFrom(b, a, scope);
      }
    } else {
      const lessOnRight = e.op === '<' || e.op === '<=';
      const lessOnLeft = e.op === '>' || e.op === '>=';
      const fn = lessOnRight ? l : lessOnLeft ? r : undefined;
      const bound = lessOnRight ? r : l;
      const radius = constValue(bound);
      if (fn && fn.kind === 'call' && radius !== undefined) cone = this.coneFromDistance(fn, radius, scope);
    }
    if (!cone) return undefined;
    checkCoordinate(cone.ra, 'lon', e.span);
    checkCoordinate(cone.dec, 'lat', e.span);
    if (cone.radius < 0 || cone.radius > 180) throw new AdqlError('COORDINATE_RANGE', `radius ${cone.radius} degrees is outside [0, 180]`, e.span);
    const sql = coneFilterSql(cone.cols, cone.ra, cone.dec, cone.radius, cone.order);
    return bool(`(${sql})`, PREC.ATOM);
  }

  private coneFrom(p: ExprOf<'point'>, c: ExprOf<'circle'>, scope: Scope): ConeSpec | undefined {
    const center = strip(c.center);
    if (center.kind !== 'point') return undefined;
    const [ra, dec, radius] = [constValue(center.x), constValue(center.y), constValue(c.radius)];
    if (ra === undefined || dec === undefined || radius === undefined) return undefined;
    const cols = this.positionColumns(p.x, p.y, scope);
    return cols ? { ...cols, ra, dec, radius } : undefined;
  }

  private coneFromDistance(fn: ExprOf<'call'>, bound: number, scope: Scope): ConeSpec | undefined {
    let coords: Expr[];
    let scale = 1;
    if (fn.builtin && fn.name === 'DISTANCE') {
      if (fn.args.length === 4) coords = fn.args;
      else {
        const [a, b] = fn.args.map(strip) as [Expr, Expr];
        if (a.kind !== 'point' || b.kind !== 'point') return undefined;
        coords = [a.x, a.y, b.x, b.y];
      }
    } else if (!fn.builtin && fn.args.length === 4) {
      const def = findUdf(fn.prefix ? `${fn.prefix.name}.${fn.name}` : fn.name);
      if (def?.distanceScale === undefined) return undefined;
      scale = def.distanceScale;
      coords = fn.args;
    } else return undefined;
    const [x1, y1, x2, y2] = coords as [Expr, Expr, Expr, Expr];
    const tryOrder = (cx: Expr, cy: Expr, kx: Expr, ky: Expr): ConeSpec | undefined => {
      const [ra, dec] = [constValue(kx), constValue(ky)];
      if (ra === undefined || dec === undefined) return undefined;
      const cols = this.positionColumns(cx, cy, scope);
      return cols ? { ...cols, ra, dec, radius: bound / scale } : undefined;
    };
    return tryOrder(x1, y1, x2, y2) ?? tryOrder(x2, y2, x1, y1);
  }

  /** When x and y are exactly a stored table's position.ra / position.dec columns, their SQL and the table's
   *  HEALPix column. */
  private positionColumns(x: Expr, y: Expr, scope: Scope): Pick<ConeSpec, 'cols' | 'order'> | undefined {
    const sx = strip(x);
    const sy = strip(y);
    if (sx.kind !== 'column' || sy.kind !== 'column') return undefined;
    const bx = scope.tryResolveColumn(sx.parts, sx.span);
    const by = scope.tryResolveColumn(sy.parts, sy.span);
    const entry = bx?.entry;
    const pos = entry?.table?.position;
    if (!bx || !by || !entry || !pos || by.entry !== entry) return undefined;
    if (bx.name !== pos.ra || by.name !== pos.dec) return undefined;
    const hp = entry.columns.find((c: Binding) => c.name === pos.healpix);
    if (!hp) return undefined;
    return { cols: { ra: bx.sql, dec: by.sql, healpix: hp.sql }, order: pos.order };
  }
}

interface ConeSpec {
  cols: { ra: string; dec: string; healpix: string };
  order: number;
  ra: number;
  dec: number;
  radius: number;
}

function bool(sql: string, prec: number): Typed {
  return { sql, prec, kind: 'boolean', datatype: 'boolean', isInt: false, exact: true };
}

export function describeKind(t: Typed): string {
  if (t.kind === 'geometry') return `a ${t.xtype ?? 'geometry'}`;
  if (t.kind === 'string') return 'a character value';
  if (t.kind === 'number') return 'a number';
  if (t.kind === 'boolean') return 'a boolean';
  if (t.kind === 'timestamp') return 'a timestamp';
  if (t.kind === 'array') return 'an array';
  return t.kind;
}

/** ADQL §4.2.4: longitudes in [0, 360], latitudes in [-90, 90] (checked for constants at translate time). */
export function checkCoordinate(v: number, what: 'lon' | 'lat', span: Span): void {
  if (what === 'lon' ? v < 0 || v > 360 : v < -90 || v > 90) {
    throw new AdqlError('COORDINATE_RANGE', `${what === 'lon' ? 'longitude' : 'latitude'} ${v} is outside ${what === 'lon' ? '[0, 360]' : '[-90, 90]'} degrees`, span);
  }
}

/** A number as SQL text: shortest round-trip decimal (PostgreSQL reads exponents like 1e-7). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite number ${v}`);
  return String(v);
}

/** The unit label (FIELD unit) of `l op r`, following ADQL arithmetic: a sum or difference of operands in the same
 *  unit (or of one operand and a plain number) keeps it; a product or quotient has a unit only when it is exactly
 *  derivable from the labels (u * u = u**2 for a plain symbol u). Scaling by a number gives no label: DISTANCE(...)*60
 *  is a distance in arcminutes, not in deg, and flux/1000 is not in the flux's unit, so no label beats a wrong one.
 *  (`unitValue`, the dimensional analysis behind IN_UNIT, is tracked separately.) */
export function arithmeticUnitLabel(op: string, l: Pick<Typed, 'unit' | 'constant'>, r: Pick<Typed, 'unit' | 'constant'>): string | undefined {
  if (op === '+' || op === '-') {
    if (l.unit === r.unit) return l.unit;
    if (l.constant !== undefined && !l.unit) return r.unit;
    if (r.constant !== undefined && !r.unit) return l.unit;
    return undefined;
  }
  if (op === '*' && l.unit !== undefined && l.unit === r.unit && /^[A-Za-z]+$/.test(l.unit)) return `${l.unit}**2`;
  return undefined;
}
