// Translation of function calls (ADQL builtins, IN_UNIT and the service's UDFs) to typed PostgreSQL: the
// per-function SQL, VOTable type, unit and UCD. Arguments are translated through the expression translator.

import type { Expr, ExprOf } from './ast.js';
import { AdqlError, didYouMean } from './errors.js';
import { findUdf, UDFS } from './functions.js';
import { BUILTIN_FUNCTION_NAMES } from './parser.js';
import type { Scope } from './resolve.js';
import type { Typed } from './sql-types.js';
import { doubleTyped, geometryTyped, PREC, widerInt, wrap } from './sql-types.js';
import type { ExprTranslator } from './translate-expr.js';
import { constValue, describeKind, formatNumber, strip, typeError } from './translate-expr.js';
import { DIMENSIONLESS, parseUnit, powerUnit, sameDims } from './units.js';

/** What call translation needs from the expression translator. */
export type CallHost = Pick<ExprTranslator, 'expr' | 'args' | 'numeric' | 'text' | 'geometryArg' | 'pointArg' | 'pointCoords' | 'distanceCoords'>;

const AGGREGATES = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);
const MATH = new Set(['ABS', 'CEILING', 'FLOOR', 'DEGREES', 'RADIANS', 'EXP', 'SQRT', 'LOG', 'LOG10', 'ACOS', 'ASIN', 'ATAN', 'COS', 'COT', 'SIN', 'TAN', 'ATAN2', 'PI', 'POWER', 'MOD', 'RAND', 'ROUND', 'TRUNCATE']);
const TEXT = new Set(['LOWER', 'UPPER', 'COALESCE', 'NULLIF']);

export class CallTranslator {
  constructor(private readonly t: CallHost) {}

  builtin(e: ExprOf<'call'>, scope: Scope): Typed {
    if (AGGREGATES.has(e.name)) return this.aggregate(e, scope);
    if (MATH.has(e.name)) return this.math(e, scope);
    if (TEXT.has(e.name)) return this.textFunction(e, scope);
    if (e.name === 'IN_UNIT') return this.inUnit(e, scope);
    return this.geometryFunction(e, scope);
  }

  /** COUNT, SUM, AVG, MIN, MAX. */
  private aggregate(e: ExprOf<'call'>, scope: Scope): Typed {
    const name = e.name;
    switch (name) {
      case 'COUNT': {
        const inner = e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${this.t.expr(e.args[0] as Expr, scope).sql}`;
        return { sql: `count(${inner})`, prec: PREC.ATOM, kind: 'number', datatype: 'long', isInt: true, exact: true, ucd: 'meta.number' };
      }
      case 'SUM':
      case 'AVG':
      case 'MIN':
      case 'MAX': {
        const a = this.t.expr(e.args[0] as Expr, scope);
        if (name === 'SUM' || name === 'AVG') this.t.numeric(a, (e.args[0] as Expr).span, name);
        const sql = `${name.toLowerCase()}(${e.distinct ? 'DISTINCT ' : ''}${a.sql})`;
        if (name === 'AVG') return doubleTyped(sql, PREC.ATOM, { exact: a.datatype === 'double' || a.datatype === 'float' ? a.datatype === 'double' : false, unit: a.unit, unitValue: a.unitValue, ucd: a.ucd ? `stat.mean;${a.ucd}` : 'stat.mean' });
        if (name === 'SUM') {
          return { ...a, sql, prec: PREC.ATOM, binding: undefined, isParam: false, datatype: a.isInt ? 'long' : 'double', exact: a.isInt ? a.datatype !== 'long' : a.datatype === 'double', ucd: undefined };
        }
        return { ...a, sql, prec: PREC.ATOM, binding: undefined, isParam: false, exact: a.exact, ucd: a.ucd ? `${a.ucd};stat.${name === 'MIN' ? 'min' : 'max'}` : undefined };
      }
      default:
        throw new AdqlError('UNKNOWN_FUNCTION', `unknown function ${e.written}`, e.span);
    }
  }

  /** Numeric functions (ADQL §2.3.2). */
  private math(e: ExprOf<'call'>, scope: Scope): Typed {
    const name = e.name;
    const call = (fn: string, args: Typed[]): string => `${fn}(${args.map((a) => a.sql).join(', ')})`;
    const num = (i: number, args: Typed[]): Typed => this.t.numeric(args[i] as Typed, (e.args[i] as Expr).span, name);
    switch (name) {
      case 'ABS':
      case 'CEILING':
      case 'FLOOR': {
        const args = this.t.args(e, scope);
        const a = num(0, args);
        const fn = name === 'CEILING' ? 'ceiling' : name.toLowerCase();
        return { ...a, sql: call(fn, args), prec: PREC.ATOM, binding: undefined, isParam: false, exact: a.exact && (name === 'ABS' || a.datatype === 'double'), constant: undefined };
      }
      case 'DEGREES':
      case 'RADIANS': {
        const args = this.t.args(e, scope);
        const a = num(0, args);
        return doubleTyped(`${name.toLowerCase()}(${a.sql})`, PREC.ATOM, { unit: name === 'DEGREES' ? 'deg' : 'rad', unitValue: parseUnit(name === 'DEGREES' ? 'deg' : 'rad') });
      }
      case 'EXP':
      case 'SQRT':
      case 'LOG':
      case 'LOG10':
      case 'ACOS':
      case 'ASIN':
      case 'ATAN':
      case 'COS':
      case 'COT':
      case 'SIN':
      case 'TAN':
      case 'ATAN2': {
        const args = this.t.args(e, scope);
        args.forEach((_, i) => num(i, args));
        // ADQL LOG is the natural logarithm (PostgreSQL's log is base 10); inputs go through double precision
        // so numeric literals do not select PostgreSQL's numeric overloads.
        const fn = name === 'LOG' ? 'ln' : name.toLowerCase();
        const sql = `${fn}(${args.map((a) => (a.datatype === 'double' && a.exact ? a.sql : `CAST(${a.sql} AS double precision)`)).join(', ')})`;
        const a0 = args[0] as Typed;
        const unitValue = name === 'SQRT' && a0.unitValue ? powerUnit(a0.unitValue, 0.5) : undefined;
        const isAngle = ['ACOS', 'ASIN', 'ATAN', 'ATAN2'].includes(name);
        return doubleTyped(sql, PREC.ATOM, { unitValue: isAngle ? parseUnit('rad') : unitValue, unit: isAngle ? 'rad' : undefined });
      }
      case 'PI':
        return doubleTyped('pi()', PREC.ATOM, { constant: Math.PI });
      case 'POWER': {
        const args = this.t.args(e, scope);
        const [a, b] = [num(0, args), num(1, args)];
        const p = constValue(e.args[1] as Expr);
        const unitValue = a.unitValue && p !== undefined ? powerUnit(a.unitValue, p) : undefined;
        return doubleTyped(`power(CAST(${a.sql} AS double precision), CAST(${b.sql} AS double precision))`, PREC.ATOM, { unitValue });
      }
      case 'MOD': {
        const args = this.t.args(e, scope);
        const [a, b] = [num(0, args), num(1, args)];
        if (a.isInt && b.isInt) return { ...a, sql: `mod(${a.sql}, ${b.sql})`, prec: PREC.ATOM, binding: undefined, datatype: widerInt(a.datatype, b.datatype), exact: a.exact && b.exact, constant: undefined };
        // PostgreSQL has mod() for integers and numeric only.
        return doubleTyped(`mod(CAST(${a.sql} AS numeric), CAST(${b.sql} AS numeric))`, PREC.ATOM, { exact: false, unit: a.unit, unitValue: a.unitValue });
      }
      case 'RAND':
        // PostgreSQL seeds per session (setseed), not per call: a seed argument is accepted and ignored.
        if (e.args[0]) this.t.expr(e.args[0], scope);
        return doubleTyped('random()', PREC.ATOM);
      case 'ROUND':
      case 'TRUNCATE': {
        const args = this.t.args(e, scope);
        const a = num(0, args);
        const fn = name === 'ROUND' ? 'round' : 'trunc';
        if (args.length === 1) {
          return { ...a, sql: `${fn}(${a.sql})`, prec: PREC.ATOM, binding: undefined, isParam: false, exact: a.datatype === 'double' && a.exact, constant: undefined };
        }
        const n = args[1] as Typed;
        if (!n.isInt && !n.isParam) throw typeError(`the second argument of ${name} must be an integer`, (e.args[1] as Expr).span);
        // PostgreSQL has round(numeric, int) and trunc(numeric, int) only; go through numeric and back.
        return { ...a, sql: `${fn}(CAST(${a.sql} AS numeric), ${n.sql})`, prec: PREC.ATOM, binding: undefined, isParam: false, datatype: a.isInt ? a.datatype : 'double', exact: false, constant: undefined };
      }
      default:
        throw new AdqlError('UNKNOWN_FUNCTION', `unknown function ${e.written}`, e.span);
    }
  }

  /** LOWER, UPPER, COALESCE, NULLIF. */
  private textFunction(e: ExprOf<'call'>, scope: Scope): Typed {
    const name = e.name;
    switch (name) {
      case 'LOWER':
      case 'UPPER': {
        const a = this.t.expr(e.args[0] as Expr, scope);
        if (a.kind !== 'string' && a.kind !== 'null' && a.kind !== 'unknown') throw typeError(`${name} needs a character value, found ${describeKind(a)}`, (e.args[0] as Expr).span);
        return { sql: `${name.toLowerCase()}(${this.t.text(a)})`, prec: PREC.ATOM, kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true };
      }
      case 'COALESCE':
      case 'NULLIF': {
        const args = this.t.args(e, scope);
        const first = args.find((a) => a.kind !== 'null' && !a.isParam) ?? args.find((a) => a.kind !== 'null') ?? (args[0] as Typed);
        const sqls = args.map((a) => (a.isParam && first.isParam ? this.t.text(a) : a.sql));
        return { ...first, sql: `${name.toLowerCase()}(${sqls.join(', ')})`, prec: PREC.ATOM, binding: undefined, isParam: false, constant: undefined, exact: first.exact && first.kind !== 'number' ? true : first.exact };
      }
      default:
        throw new AdqlError('UNKNOWN_FUNCTION', `unknown function ${e.written}`, e.span);
    }
  }

  /** CONTAINS, INTERSECTS, DISTANCE, AREA, CENTROID, COORD1/2, COORDSYS; anything else is unknown. */
  private geometryFunction(e: ExprOf<'call'>, scope: Scope): Typed {
    const name = e.name;
    switch (name) {
      case 'CONTAINS':
      case 'INTERSECTS': {
        const args = this.t.args(e, scope);
        args.forEach((a, i) => this.t.geometryArg(a, (e.args[i] as Expr).span, name));
        return { sql: `adql.${name.toLowerCase()}(${args.map((a) => a.sql).join(', ')})`, prec: PREC.ATOM, kind: 'number', datatype: 'int', isInt: true, exact: true };
      }
      case 'DISTANCE': {
        const coords = this.t.distanceCoords(e, scope);
        return doubleTyped(`adql.distance(${coords.map((c) => c.sql).join(', ')})`, PREC.ATOM, { unit: 'deg', ucd: 'pos.angDistance', unitValue: parseUnit('deg') });
      }
      case 'AREA': {
        const g = this.t.geometryArg(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, name);
        return doubleTyped(`adql.area(${g.sql})`, PREC.ATOM, { unit: 'deg**2', ucd: 'phys.angArea', unitValue: parseUnit('deg**2') });
      }
      case 'CENTROID': {
        const g = this.t.geometryArg(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, name);
        return geometryTyped(`adql.centroid(${g.sql})`, 'point');
      }
      case 'COORD1':
      case 'COORD2': {
        const arg = strip(e.args[0] as Expr);
        const i = name === 'COORD1' ? 0 : 1;
        if (arg.kind === 'point') {
          const c = this.t.pointCoords(arg, scope);
          const v = i === 0 ? c.x : c.y;
          return doubleTyped(v.sql, v.prec, { unit: 'deg', unitValue: parseUnit('deg'), exact: v.exact && v.datatype === 'double' });
        }
        const p = this.t.pointArg(this.t.expr(arg, scope), arg.span, name);
        return doubleTyped(`(${p.sql})[${i + 1}]`, PREC.ATOM, { unit: 'deg', ucd: i === 0 ? 'pos.eq.ra' : 'pos.eq.dec', unitValue: parseUnit('deg') });
      }
      case 'COORDSYS':
        this.t.geometryArg(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, name);
        // All positions of this service are ICRS; the deprecated coordsys arguments are not kept.
        return { sql: "CAST('ICRS' AS text)", prec: PREC.ATOM, kind: 'string', datatype: 'char', arraysize: '*', isInt: false, exact: true };
      default:
        throw new AdqlError('UNKNOWN_FUNCTION', `unknown function ${e.written}`, e.span);
    }
  }


  private inUnit(e: ExprOf<'call'>, scope: Scope): Typed {
    const a = this.t.numeric(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, 'IN_UNIT');
    const target = strip(e.args[1] as Expr);
    if (target.kind !== 'string') {
      throw new AdqlError('UNIT', 'the second argument of IN_UNIT must be a unit string literal', target.span, { hint: "e.g. IN_UNIT(ra, 'rad')" });
    }
    const to = parseUnit(target.value);
    if (!to) throw new AdqlError('UNIT', `unknown unit "${target.value}"`, target.span, { hint: 'known: deg, arcmin, arcsec, mas, rad, s, min, h, d, yr, m, erg, J, eV, keV, W and SI prefixes' });
    if (!a.unitValue || (a.unit === undefined && a.binding === undefined && sameDims(a.unitValue, DIMENSIONLESS) && !sameDims(to, DIMENSIONLESS))) {
      throw new AdqlError('UNIT', `the unit of the first argument of IN_UNIT is not known`, e.span, { hint: 'IN_UNIT converts columns (and expressions of columns) that have a unit' });
    }
    if (!sameDims(a.unitValue, to)) {
      throw new AdqlError('UNIT', `cannot convert ${a.unit ? `"${a.unit}"` : 'the value'} to "${target.value}": the units measure different quantities`, e.span);
    }
    const factor = a.unitValue.factor / to.factor;
    const sql = Math.abs(factor - 1) < 1e-15 ? `CAST(${a.sql} AS double precision)` : `${wrap(a, PREC.MUL)} * ${formatNumber(factor)}`;
    return doubleTyped(sql, Math.abs(factor - 1) < 1e-15 ? PREC.ATOM : PREC.MUL, { unit: target.value, unitValue: to, ucd: a.ucd, exact: Math.abs(factor - 1) < 1e-15 || a.datatype === 'double' });
  }

  udf(e: ExprOf<'call'>, scope: Scope): Typed {
    const fullName = e.prefix ? `${e.prefix.name}.${e.name.toLowerCase()}` : e.name.toLowerCase();
    const def = findUdf(fullName);
    if (!def) {
      throw new AdqlError('UNKNOWN_FUNCTION', `unknown function ${e.written}`, e.span, {
        token: e.written,
        hint: didYouMean(fullName, [...UDFS.map((u) => u.name), ...[...BUILTIN_FUNCTION_NAMES].map((n) => n.toLowerCase())]) ?? 'the capabilities document lists the functions this service offers',
      });
    }
    if (e.args.length !== def.args.length) {
      throw new AdqlError('ARGUMENT_COUNT', `${def.name} takes ${def.args.length} arguments, got ${e.args.length}`, e.span, { expected: def.form });
    }
    const args = this.t.args(e, scope);
    args.forEach((a, i) => {
      const want = (def.args[i] as { kind: string }).kind;
      const span = (e.args[i] as Expr).span;
      if (want === 'number' || want === 'integer') this.t.numeric(a, span, def.name);
      if (want === 'integer' && !a.isInt && a.kind === 'number') throw typeError(`${def.name} needs an integer for ${(def.args[i] as { name: string }).name}`, span);
      if (want === 'string' && a.kind !== 'string' && a.kind !== 'null' && a.kind !== 'unknown') throw typeError(`${def.name} needs a character value for ${(def.args[i] as { name: string }).name}`, span);
    });
    const sql = def.toSql(args.map((a) => (a.isParam ? `CAST(${a.sql} AS text)` : a.sql)));
    const r = def.returns;
    const kind = r.datatype === 'char' ? 'string' : r.datatype === 'boolean' ? 'boolean' : 'number';
    return {
      sql,
      prec: PREC.ATOM,
      kind,
      datatype: r.datatype,
      arraysize: r.arraysize,
      unit: r.unit,
      ucd: r.ucd,
      unitValue: r.unit ? parseUnit(r.unit) : undefined,
      isInt: ['short', 'int', 'long'].includes(r.datatype),
      exact: true,
    };
  }
}
