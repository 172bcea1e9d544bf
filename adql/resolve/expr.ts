/** The resolve pass for value expressions and conditions: binds column references (scope.ts), infers each
 *  node's type (ExprType: kind, VOTable datatype/arraysize/xtype, unit, UCD) and records it in the annotation
 *  table; raises the type errors (TYPE_MISMATCH), coordinate range errors, UNSUPPORTED REGION and the
 *  subquery-width errors. Recognises the boolean-flag comparisons and the HEALPix cone predicates, so the
 *  translator only has to write them. Function calls go to call.ts. Emits no SQL. */
import type { Expr, ExprOf, Query } from '../ast.js';
import { assertNever, constValue, isCondition, strip } from '../ast.js';
import { AdqlError } from '../errors.js';
import type { Span } from '../errors.js';
import { findUdf } from '../functions.js';
import type { Binding, ConeSpec, ExprInfo, ExprType, OutColumn, ResolvedQuery } from '../resolved.js';
import { DIMENSIONLESS, multiplyUnits, sameDims } from '../units.js';
import { CallResolver } from './call.js';
import { entryColumn } from './scope.js';
import type { Scope } from './scope.js';
import { arithmeticUnitLabel, BOOLEAN, checkCoordinate, describeKind, doubleType, geometryType, STRING, typeError, typeFromMeta, widerInt } from './types.js';

/** What expression resolution needs from the query resolver. */
export interface ExprResolverHost {
  /** Resolves a subquery whose outer scope is `parent`. */
  subquery(q: Query, parent: Scope): ResolvedQuery;
}

const TRUE_WORDS = new Set(['TRUE', 'T', '1', 'Y', 'YES', 'ON']);
const FALSE_WORDS = new Set(['FALSE', 'F', '0', 'N', 'NO', 'OFF']);

export class ExprResolver {
  /** The annotation of every resolved expression node. */
  readonly exprs = new Map<Expr, ExprInfo>();
  private readonly calls: CallResolver = new CallResolver(this);

  constructor(private readonly host: ExprResolverHost) {}

  private note(e: Expr, info: ExprInfo): ExprInfo {
    this.exprs.set(e, info);
    return info;
  }

  /** Resolves a condition (WHERE, HAVING, ON, CASE WHEN); any value may stand there (an integer UDF is true when 1). */
  condition(e: Expr, scope: Scope): ExprType {
    return this.expr(e, scope);
  }

  expr(e: Expr, scope: Scope): ExprInfo {
    return this.note(e, this.infer(e, scope));
  }

  private infer(e: Expr, scope: Scope): ExprInfo {
    switch (e.kind) {
      case 'column': {
        const b = scope.resolveColumn(e.parts, e.span);
        return typeFromMeta(b.meta, b);
      }
      case 'number': {
        const isInt = e.isInteger;
        const fitsInt = isInt && Math.abs(e.value) <= 2147483647;
        const fitsLong = isInt && Math.abs(e.value) <= Number.MAX_SAFE_INTEGER;
        return { kind: 'number', datatype: isInt ? (fitsInt ? 'int' : 'long') : 'double', isInt: fitsLong, exact: fitsInt, constant: e.value, unitValue: DIMENSIONLESS };
      }
      case 'string':
        return { ...STRING, isParam: true };
      case 'null':
        return { kind: 'null', datatype: 'char', isInt: false, exact: true };
      case 'boolean':
        return BOOLEAN;
      case 'paren':
        return this.expr(e.expr, scope);
      case 'unary': {
        const a = this.numeric(this.expr(e.arg, scope), e.arg.span, `unary ${e.op}`);
        if (e.op === '+') return a;
        return { ...a, binding: undefined, constant: a.constant === undefined ? undefined : -a.constant, exact: a.exact && a.kind === 'number' };
      }
      case 'binary':
        return e.op === '||' ? this.concat(e, scope) : this.arithmetic(e, scope);
      case 'compare':
        return this.compare(e, scope);
      case 'logical':
        this.condition(e.left, scope);
        this.condition(e.right, scope);
        return BOOLEAN;
      case 'not':
        this.condition(e.arg, scope);
        return BOOLEAN;
      case 'between':
        return { ...BOOLEAN, booleansAsIntegers: this.comparable([e.arg, e.low, e.high], scope, 'BETWEEN') || undefined };
      case 'like': {
        const a = this.expr(e.arg, scope);
        const p = this.expr(e.pattern, scope);
        for (const [t, x] of [[a, e.arg], [p, e.pattern]] as const) {
          if (t.kind !== 'string' && t.kind !== 'null' && t.kind !== 'unknown') throw typeError(`${e.op} needs character values, found ${describeKind(t)}`, x.span);
        }
        return BOOLEAN;
      }
      case 'in':
        return { ...BOOLEAN, booleansAsIntegers: this.comparable([e.arg, ...e.list], scope, 'IN') || undefined };
      case 'inQuery': {
        this.expr(e.arg, scope);
        const sub = this.host.subquery(e.query, scope);
        if (sub.columns.length !== 1) throw new AdqlError('INVALID_QUERY', `the subquery after IN must return one column, not ${sub.columns.length}`, e.query.span);
        return { ...BOOLEAN, query: sub };
      }
      case 'isNull':
        this.expr(e.arg, scope);
        return BOOLEAN;
      case 'exists':
        return { ...BOOLEAN, query: this.host.subquery(e.query, scope) };
      case 'subquery': {
        const sub = this.host.subquery(e.query, scope);
        if (sub.columns.length !== 1) throw new AdqlError('INVALID_QUERY', `a scalar subquery must return one column, not ${sub.columns.length}`, e.span);
        return { ...typeFromMeta((sub.columns[0] as OutColumn).meta), binding: undefined, exact: true, query: sub };
      }
      case 'case':
        return this.caseExpr(e, scope);
      case 'cast':
        return this.cast(e, scope);
      case 'call':
        return e.builtin ? this.calls.builtin(e, scope) : this.calls.udf(e, scope);
      case 'point':
        this.pointCoords(e, scope);
        return geometryType('point');
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

  numeric(t: ExprInfo, span: Span, what: string): ExprInfo {
    if (t.kind === 'number' || t.kind === 'null' || t.kind === 'unknown' || t.isParam) return t;
    throw typeError(`${what} needs numbers, found ${describeKind(t)}`, span);
  }

  private arithmetic(e: ExprOf<'binary'>, scope: Scope): ExprInfo {
    const l = this.numeric(this.expr(e.left, scope), e.left.span, `operator ${e.op}`);
    const r = this.numeric(this.expr(e.right, scope), e.right.span, `operator ${e.op}`);
    const constant = constValue(e);
    let unitValue = undefined as ExprType['unitValue'];
    if (l.unitValue && r.unitValue) {
      if (e.op === '+' || e.op === '-') {
        if (sameDims(l.unitValue, r.unitValue) || r.constant !== undefined) unitValue = l.constant !== undefined ? r.unitValue : l.unitValue;
      } else unitValue = multiplyUnits(l.unitValue, r.unitValue, e.op === '*' ? 1 : -1);
    }
    const unit = arithmeticUnitLabel(e.op, l, r);
    // ADQL has no integer division: 1/2 is 0.5 here (the translator casts to double precision; README "Semantics").
    if (e.op === '/' && l.isInt && r.isInt) return doubleType({ constant, unitValue });
    const isInt = l.isInt && r.isInt;
    return {
      kind: 'number',
      datatype: isInt ? widerInt(l.datatype, r.datatype) : 'double',
      isInt,
      exact: isInt ? l.exact && r.exact : l.exact && r.exact && (l.datatype === 'double' || r.datatype === 'double'),
      constant,
      unit,
      unitValue,
    };
  }

  private concat(e: ExprOf<'binary'>, scope: Scope): ExprInfo {
    const l = this.expr(e.left, scope);
    const r = this.expr(e.right, scope);
    for (const [t, x] of [[l, e.left], [r, e.right]] as const) {
      if (t.kind === 'geometry' || t.kind === 'array') throw typeError(`|| cannot concatenate ${describeKind(t)}`, x.span, 'cast numbers with CAST(x AS VARCHAR); geometries cannot be concatenated');
    }
    return STRING;
  }

  /** Resolves operands that are compared with each other, checking that their kinds can meet; true when boolean
   *  operands meet numbers (they then compare as 0/1). */
  private comparable(es: Expr[], scope: Scope, what: string): boolean {
    const ts = es.map((x) => this.expr(x, scope));
    const kinds = new Set(ts.filter((t) => !t.isParam && t.kind !== 'null' && t.kind !== 'unknown').map((t) => t.kind));
    if (kinds.has('boolean') && kinds.size > 1) return true;
    if (kinds.size > 1 && !(kinds.size === 2 && kinds.has('string') && kinds.has('timestamp'))) {
      throw typeError(`${what} compares ${[...kinds].join(' with ')}`, (es[0] as Expr).span);
    }
    return false;
  }

  private compare(e: ExprOf<'compare'>, scope: Scope): ExprInfo {
    const cone = this.coneFastPath(e, scope);
    if (cone) {
      // Annotate the operands too (every node typed); the translator writes the cone filter instead.
      this.expr(e.left, scope);
      this.expr(e.right, scope);
      return { ...BOOLEAN, cone };
    }
    // Boolean columns against 0/1 or 'TRUE'/'FALSE' (common in CSC 2 queries): compare with a boolean literal.
    const lb = this.booleanSide(e.left, e.right, scope);
    const rb = lb ? undefined : this.booleanSide(e.right, e.left, scope);
    const found = lb ?? rb;
    if (found) {
      this.expr(e.left, scope);
      this.expr(e.right, scope);
      return { ...BOOLEAN, booleanCompare: { side: lb ? 'left' : 'right', ...found } };
    }
    const booleansAsIntegers = this.comparable([e.left, e.right], scope, `operator ${e.op}`);
    const l = this.exprs.get(e.left) as ExprInfo;
    const r = this.exprs.get(e.right) as ExprInfo;
    if ((l.kind === 'geometry' || r.kind === 'geometry') && e.op !== '=' && e.op !== '<>' && e.op !== '!=') {
      throw typeError(`geometries can only be compared with = or <>`, e.span);
    }
    return { ...BOOLEAN, booleansAsIntegers: booleansAsIntegers || undefined };
  }

  /** When `side` is a boolean column and `other` a 0/1 or truth-word literal: the column and the literal to write. */
  private booleanSide(side: Expr, other: Expr, scope: Scope): { binding: Binding; literal: string; asInteger: boolean } | undefined {
    const o = strip(other);
    const literal = o.kind === 'number' || o.kind === 'string' || (o.kind === 'unary' && strip(o.arg).kind === 'number');
    if (!literal) return undefined;
    const s = strip(side);
    if (s.kind !== 'column') return undefined;
    const b = scope.tryResolveColumn(s.parts, s.span);
    if (!b || (b.meta.datatype !== 'boolean' && b.meta.datatype !== 'bit')) return undefined;
    if (o.kind === 'string') {
      const w = o.value.trim().toUpperCase();
      if (TRUE_WORDS.has(w)) return { binding: b, literal: 'TRUE', asInteger: false };
      if (FALSE_WORDS.has(w)) return { binding: b, literal: 'FALSE', asInteger: false };
      throw typeError(`cannot compare a boolean with '${o.value}'`, o.span, "write 1, 0, 'TRUE' or 'FALSE'");
    }
    const v = constValue(o);
    if (v === 1) return { binding: b, literal: 'TRUE', asInteger: false };
    if (v === 0) return { binding: b, literal: 'FALSE', asInteger: false };
    return { binding: b, literal: String(v), asInteger: true };
  }

  private caseExpr(e: ExprOf<'case'>, scope: Scope): ExprInfo {
    if (e.operand) this.expr(e.operand, scope);
    let result: ExprInfo | undefined;
    for (const w of e.whens) {
      if (e.operand) this.expr(w.when, scope);
      else this.condition(w.when, scope);
      const then = this.expr(w.then, scope);
      if (!result || result.kind === 'null') result = then;
    }
    if (e.else) {
      const el = this.expr(e.else, scope);
      if (!result || result.kind === 'null') result = el;
    }
    const r = result as ExprInfo;
    return { ...stripAnnotations(r), binding: undefined, isParam: false, exact: r.exact && r.kind !== 'number', constant: undefined };
  }

  private cast(e: ExprOf<'cast'>, scope: Scope): ExprInfo {
    const a = this.expr(e.arg, scope);
    const t = e.type;
    const fromOk = (...kinds: ExprType['kind'][]): void => {
      if (!a.isParam && !kinds.includes(a.kind) && a.kind !== 'null' && a.kind !== 'unknown') {
        throw typeError(`cannot CAST ${describeKind(a)} to ${t.name}`, e.span);
      }
    };
    const numericTo = (datatype: ExprType['datatype'], isInt: boolean): ExprType => {
      fromOk('number', 'string', 'boolean');
      return { kind: 'number', datatype, isInt, exact: true, unit: a.unit, unitValue: a.unitValue };
    };
    switch (t.name) {
      case 'SMALLINT':
        return numericTo('short', true);
      case 'INTEGER':
        return numericTo('int', true);
      case 'BIGINT':
        return numericTo('long', true);
      case 'REAL':
        return numericTo('float', false);
      case 'DOUBLE PRECISION':
        return numericTo('double', false);
      case 'CHAR':
      case 'VARCHAR': {
        fromOk('number', 'string', 'boolean', 'timestamp');
        const n = t.length;
        const arraysize = t.name === 'CHAR' ? String(n ?? 1) : n === undefined ? '*' : `${n}*`;
        return { ...STRING, arraysize };
      }
      case 'TIMESTAMP':
        fromOk('string', 'timestamp');
        return { kind: 'timestamp', datatype: 'char', arraysize: '*', xtype: 'timestamp', isInt: false, exact: true };
      case 'POINT':
      case 'CIRCLE':
      case 'POLYGON': {
        const xtype = t.name.toLowerCase() as 'point' | 'circle' | 'polygon';
        if (a.kind === 'geometry') {
          if (a.xtype !== xtype) throw typeError(`cannot CAST a ${a.xtype ?? 'geometry'} to ${t.name}`, e.span);
          return a;
        }
        fromOk('string');
        return geometryType(xtype);
      }
      case 'REGION':
        throw new AdqlError('UNSUPPORTED', 'CAST to REGION is not supported', e.span);
      default:
        return assertNever(t);
    }
  }

  // ---- functions ----

  args(e: ExprOf<'call'>, scope: Scope): ExprInfo[] {
    return e.args.map((a) => this.expr(a, scope));
  }

  // ---- geometry ----

  geometryArg(t: ExprInfo, span: Span, fn: string): ExprInfo {
    if (t.kind === 'geometry' || t.kind === 'null' || t.kind === 'array' || t.kind === 'unknown') return t;
    throw typeError(`${fn} needs a geometry (POINT, CIRCLE, BOX, POLYGON or a geometry column), found ${describeKind(t)}`, span);
  }

  pointArg(t: ExprInfo, span: Span, fn: string): ExprInfo {
    this.geometryArg(t, span, fn);
    if (t.kind === 'geometry' && t.xtype && t.xtype !== 'point') throw typeError(`${fn} needs a point, found a ${t.xtype}`, span);
    return t;
  }

  private coordinate(e: Expr, scope: Scope, what: 'lon' | 'lat'): ExprInfo {
    const t = this.expr(e, scope);
    if (t.kind !== 'number' && t.kind !== 'null' && t.kind !== 'unknown') throw typeError(`coordinates must be numbers, found ${describeKind(t)}`, e.span);
    const v = constValue(e);
    if (v !== undefined) checkCoordinate(v, what, e.span);
    return t;
  }

  /** POINT(x, y): both coordinates. */
  pointCoords(p: ExprOf<'point'>, scope: Scope): { x: ExprInfo; y: ExprInfo } {
    const x = this.coordinate(p.x, scope, 'lon');
    const y = this.coordinate(p.y, scope, 'lat');
    this.note(p, geometryType('point'));
    return { x, y };
  }

  /** The coordinates of DISTANCE (two points or four numbers). */
  distanceCoords(e: ExprOf<'call'>, scope: Scope): void {
    if (e.args.length === 4) {
      e.args.forEach((a, i) => this.coordinate(a, scope, i % 2 === 0 ? 'lon' : 'lat'));
      return;
    }
    for (const a of e.args) {
      const s = strip(a);
      if (s.kind === 'point') this.pointCoords(s, scope);
      else this.pointArg(this.expr(a, scope), a.span, 'DISTANCE');
    }
  }

  private radius(e: Expr, scope: Scope): ExprInfo {
    const t = this.numeric(this.expr(e, scope), e.span, 'radius');
    const v = constValue(e);
    if (v !== undefined && (v < 0 || v > 180)) {
      throw new AdqlError('COORDINATE_RANGE', `radius ${v} is outside [0, 180] degrees`, e.span);
    }
    return t;
  }

  private circle(e: ExprOf<'circle'>, scope: Scope): ExprInfo {
    const c = strip(e.center);
    if (c.kind === 'point') this.pointCoords(c, scope);
    else this.pointArg(this.expr(e.center, scope), e.center.span, 'CIRCLE');
    this.radius(e.radius, scope);
    return geometryType('circle');
  }

  private box(e: ExprOf<'box'>, scope: Scope): ExprInfo {
    const c = strip(e.center);
    const vals = c.kind === 'point' ? [constValue(c.x), constValue(c.y), constValue(e.width), constValue(e.height)] : [];
    if (vals.length === 4 && vals.every((v) => v !== undefined)) {
      const [ra, dec, w, h] = vals as [number, number, number, number];
      checkCoordinate(ra, 'lon', e.span);
      checkCoordinate(dec, 'lat', e.span);
      if (!(w >= 0 && h >= 0 && w < 180 && h < 180)) throw new AdqlError('COORDINATE_RANGE', 'BOX width and height must be in [0, 180) degrees', e.span);
      // Constant box: the translator writes its 4-vertex polygon. Annotate the constants (every node typed).
      this.expr(e.center, scope);
      this.expr(e.width, scope);
      this.expr(e.height, scope);
      return geometryType('polygon');
    }
    if (c.kind === 'point') {
      this.coordinate(c.x, scope, 'lon');
      this.coordinate(c.y, scope, 'lat');
      this.note(c, geometryType('point'));
    } else this.pointArg(this.expr(e.center, scope), e.center.span, 'BOX');
    this.numeric(this.expr(e.width, scope), e.width.span, 'BOX');
    this.numeric(this.expr(e.height, scope), e.height.span, 'BOX');
    return geometryType('polygon');
  }

  private polygon(e: ExprOf<'polygon'>, scope: Scope): ExprInfo {
    for (const v of e.vertices) {
      const s = strip(v);
      if (s.kind === 'point') this.pointCoords(s, scope);
      else this.pointArg(this.expr(v, scope), v.span, 'POLYGON');
    }
    return geometryType('polygon');
  }

  // ---- the HEALPix cone fast path ----

  /** CONTAINS(POINT(t.ra, t.dec), CIRCLE(ra0, dec0, r)) = 1, INTERSECTS likewise, DISTANCE(...) < r,
   *  dbo.cone_distance(...) <= r and dbo.separation(...) <= r, on a table's own position columns with constant
   *  centre and radius: the cone, to be written as index range predicates plus the exact test. */
  private coneFastPath(e: ExprOf<'compare'>, scope: Scope): ConeSpec | undefined {
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
    checkCoordinate(cone.centerRa, 'lon', e.span);
    checkCoordinate(cone.centerDec, 'lat', e.span);
    if (cone.radius < 0 || cone.radius > 180) throw new AdqlError('COORDINATE_RANGE', `radius ${cone.radius} degrees is outside [0, 180]`, e.span);
    return cone;
  }

  private coneFrom(p: ExprOf<'point'>, c: ExprOf<'circle'>, scope: Scope): ConeSpec | undefined {
    const center = strip(c.center);
    if (center.kind !== 'point') return undefined;
    const [ra, dec, radius] = [constValue(center.x), constValue(center.y), constValue(c.radius)];
    if (ra === undefined || dec === undefined || radius === undefined) return undefined;
    const cols = this.positionColumns(p.x, p.y, scope);
    return cols ? { ...cols, centerRa: ra, centerDec: dec, radius } : undefined;
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
      return cols ? { ...cols, centerRa: ra, centerDec: dec, radius: bound / scale } : undefined;
    };
    return tryOrder(x1, y1, x2, y2) ?? tryOrder(x2, y2, x1, y1);
  }

  /** When x and y are exactly a stored table's position.ra / position.dec columns: them and the table's HEALPix
   *  column. */
  private positionColumns(x: Expr, y: Expr, scope: Scope): Pick<ConeSpec, 'ra' | 'dec' | 'healpix' | 'order'> | undefined {
    const sx = strip(x);
    const sy = strip(y);
    if (sx.kind !== 'column' || sy.kind !== 'column') return undefined;
    const bx = scope.tryResolveColumn(sx.parts, sx.span);
    const by = scope.tryResolveColumn(sy.parts, sy.span);
    const entry = bx?.entry;
    const pos = entry?.table?.position;
    if (!bx || !by || !entry || !pos || by.entry !== entry) return undefined;
    if (bx.name !== pos.ra || by.name !== pos.dec) return undefined;
    const hp = entryColumn(entry, pos.healpix);
    if (!hp) return undefined;
    return { ra: bx, dec: by, healpix: hp, order: pos.order };
  }
}

/** The type part of an annotation (without the node-specific cone/boolean/subquery notes). */
export function stripAnnotations(i: ExprInfo): ExprInfo {
  const { cone: _c, booleanCompare: _b, booleansAsIntegers: _i, query: _q, unitFactor: _u, ...t } = i;
  return t;
}
