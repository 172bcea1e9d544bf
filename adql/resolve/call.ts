/** The resolve pass for function calls (ADQL built-ins, IN_UNIT and the service's UDFs): argument checks and the
 *  result type, unit and UCD of each function; UNKNOWN_FUNCTION, ARGUMENT_COUNT, TYPE_MISMATCH and UNIT errors.
 *  Arguments are resolved through the expression resolver. Emits no SQL. */
import type { Expr, ExprOf } from '../ast.js';
import { constValue, strip } from '../ast.js';
import { AGGREGATES, ELEMENTARY, MATH, TEXT } from '../builtins.js';
import { AdqlError, didYouMean } from '../errors.js';
import { findUdf, UDFS } from '../functions.js';
import { BUILTIN_FUNCTION_NAMES } from '../parser.js';
import type { ExprInfo, ExprType } from '../resolved.js';
import { DIMENSIONLESS, parseUnit, powerUnit, sameDims } from '../units.js';
import type { ExprResolver } from './expr.js';
import type { Scope } from './scope.js';
import { describeKind, doubleType, geometryType, STRING, typeError, widerInt } from './types.js';

/** What call resolution needs from the expression resolver. */
export type CallHost = Pick<ExprResolver, 'expr' | 'args' | 'numeric' | 'geometryArg' | 'pointArg' | 'pointCoords' | 'distanceCoords'>;


function unknown(e: ExprOf<'call'>): AdqlError {
  return new AdqlError('UNKNOWN_FUNCTION', `unknown function ${e.written}`, e.span);
}

/** A function result derived from an argument's type: not that column any more, not a parameter, no constant. */
function derived(a: ExprInfo, extra: Partial<ExprType>): ExprType {
  return { kind: a.kind, datatype: a.datatype, arraysize: a.arraysize, xtype: a.xtype, unit: a.unit, ucd: a.ucd, unitValue: a.unitValue, isInt: a.isInt, exact: a.exact, ...extra };
}

export class CallResolver {
  constructor(private readonly t: CallHost) {}

  builtin(e: ExprOf<'call'>, scope: Scope): ExprInfo {
    if (AGGREGATES.has(e.name)) return this.aggregate(e, scope);
    if (MATH.has(e.name)) return this.math(e, scope);
    if (TEXT.has(e.name)) return this.textFunction(e, scope);
    if (e.name === 'IN_UNIT') return this.inUnit(e, scope);
    return this.geometryFunction(e, scope);
  }

  /** COUNT, SUM, AVG, MIN, MAX. */
  private aggregate(e: ExprOf<'call'>, scope: Scope): ExprInfo {
    const name = e.name;
    switch (name) {
      case 'COUNT':
        if (!e.star) this.t.expr(e.args[0] as Expr, scope);
        return { kind: 'number', datatype: 'long', isInt: true, exact: true, ucd: 'meta.number' };
      case 'SUM':
      case 'AVG':
      case 'MIN':
      case 'MAX': {
        const a = this.t.expr(e.args[0] as Expr, scope);
        if (name === 'SUM' || name === 'AVG') this.t.numeric(a, (e.args[0] as Expr).span, name);
        if (name === 'AVG') return doubleType({ exact: a.datatype === 'double' || a.datatype === 'float' ? a.datatype === 'double' : false, unit: a.unit, unitValue: a.unitValue, ucd: a.ucd ? `stat.mean;${a.ucd}` : 'stat.mean' });
        if (name === 'SUM') return derived(a, { constant: a.constant, datatype: a.isInt ? 'long' : 'double', exact: a.isInt ? a.datatype !== 'long' : a.datatype === 'double', ucd: undefined });
        return derived(a, { constant: a.constant, ucd: a.ucd ? `${a.ucd};stat.${name === 'MIN' ? 'min' : 'max'}` : undefined });
      }
      default:
        throw unknown(e);
    }
  }

  /** Numeric functions (ADQL §2.3.2). */
  private math(e: ExprOf<'call'>, scope: Scope): ExprInfo {
    const name = e.name;
    const num = (i: number, args: ExprInfo[]): ExprInfo => this.t.numeric(args[i] as ExprInfo, (e.args[i] as Expr).span, name);
    if (ELEMENTARY.has(name)) {
      const args = this.t.args(e, scope);
      args.forEach((_, i) => num(i, args));
      const a0 = args[0] as ExprInfo;
      const unitValue = name === 'SQRT' && a0.unitValue ? powerUnit(a0.unitValue, 0.5) : undefined;
      const isAngle = ['ACOS', 'ASIN', 'ATAN', 'ATAN2'].includes(name);
      return doubleType({ unitValue: isAngle ? parseUnit('rad') : unitValue, unit: isAngle ? 'rad' : undefined });
    }
    switch (name) {
      case 'ABS':
      case 'CEILING':
      case 'FLOOR': {
        const args = this.t.args(e, scope);
        const a = num(0, args);
        return derived(a, { exact: a.exact && (name === 'ABS' || a.datatype === 'double') });
      }
      case 'DEGREES':
      case 'RADIANS': {
        const args = this.t.args(e, scope);
        num(0, args);
        return doubleType({ unit: name === 'DEGREES' ? 'deg' : 'rad', unitValue: parseUnit(name === 'DEGREES' ? 'deg' : 'rad') });
      }
      case 'PI':
        return doubleType({ constant: Math.PI });
      case 'POWER': {
        const args = this.t.args(e, scope);
        const a = num(0, args);
        num(1, args);
        const p = constValue(e.args[1] as Expr);
        return doubleType({ unitValue: a.unitValue && p !== undefined ? powerUnit(a.unitValue, p) : undefined });
      }
      case 'MOD': {
        const args = this.t.args(e, scope);
        const [a, b] = [num(0, args), num(1, args)];
        if (a.isInt && b.isInt) return derived(a, { datatype: widerInt(a.datatype, b.datatype), exact: a.exact && b.exact, isParam: a.isParam });
        // PostgreSQL has mod() for integers and numeric only (the translator goes through numeric).
        return doubleType({ exact: false, unit: a.unit, unitValue: a.unitValue });
      }
      case 'RAND':
        // PostgreSQL seeds per session (setseed), not per call: a seed argument is accepted and ignored.
        if (e.args[0]) this.t.expr(e.args[0], scope);
        return doubleType();
      case 'ROUND':
      case 'TRUNCATE': {
        const args = this.t.args(e, scope);
        const a = num(0, args);
        if (args.length === 1) return derived(a, { exact: a.datatype === 'double' && a.exact });
        const n = args[1] as ExprInfo;
        if (!n.isInt && !n.isParam) throw typeError(`the second argument of ${name} must be an integer`, (e.args[1] as Expr).span);
        return derived(a, { datatype: a.isInt ? a.datatype : 'double', exact: false });
      }
      default:
        throw unknown(e);
    }
  }

  /** LOWER, UPPER, COALESCE, NULLIF. */
  private textFunction(e: ExprOf<'call'>, scope: Scope): ExprInfo {
    const name = e.name;
    switch (name) {
      case 'LOWER':
      case 'UPPER': {
        const a = this.t.expr(e.args[0] as Expr, scope);
        if (a.kind !== 'string' && a.kind !== 'null' && a.kind !== 'unknown') throw typeError(`${name} needs a character value, found ${describeKind(a)}`, (e.args[0] as Expr).span);
        return STRING;
      }
      case 'COALESCE':
      case 'NULLIF': {
        const args = this.t.args(e, scope);
        const first = args.find((a) => a.kind !== 'null' && !a.isParam) ?? args.find((a) => a.kind !== 'null') ?? (args[0] as ExprInfo);
        return derived(first, { exact: first.exact });
      }
      default:
        throw unknown(e);
    }
  }

  /** CONTAINS, INTERSECTS, DISTANCE, AREA, CENTROID, COORD1/2, COORDSYS; anything else is unknown. */
  private geometryFunction(e: ExprOf<'call'>, scope: Scope): ExprInfo {
    const name = e.name;
    switch (name) {
      case 'CONTAINS':
      case 'INTERSECTS': {
        const args = this.t.args(e, scope);
        args.forEach((a, i) => this.t.geometryArg(a, (e.args[i] as Expr).span, name));
        return { kind: 'number', datatype: 'int', isInt: true, exact: true };
      }
      case 'DISTANCE':
        this.t.distanceCoords(e, scope);
        return doubleType({ unit: 'deg', ucd: 'pos.angDistance', unitValue: parseUnit('deg') });
      case 'AREA':
        this.t.geometryArg(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, name);
        return doubleType({ unit: 'deg**2', ucd: 'phys.angArea', unitValue: parseUnit('deg**2') });
      case 'CENTROID':
        this.t.geometryArg(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, name);
        return geometryType('point');
      case 'COORD1':
      case 'COORD2': {
        const arg = strip(e.args[0] as Expr);
        const i = name === 'COORD1' ? 0 : 1;
        if (arg.kind === 'point') {
          const c = this.t.pointCoords(arg, scope);
          const v = i === 0 ? c.x : c.y;
          return doubleType({ unit: 'deg', unitValue: parseUnit('deg'), exact: v.exact && v.datatype === 'double' });
        }
        this.t.pointArg(this.t.expr(arg, scope), arg.span, name);
        return doubleType({ unit: 'deg', ucd: i === 0 ? 'pos.eq.ra' : 'pos.eq.dec', unitValue: parseUnit('deg') });
      }
      case 'COORDSYS':
        this.t.geometryArg(this.t.expr(e.args[0] as Expr, scope), (e.args[0] as Expr).span, name);
        // All positions of this service are ICRS; the deprecated coordsys arguments are not kept.
        return STRING;
      default:
        throw unknown(e);
    }
  }

  private inUnit(e: ExprOf<'call'>, scope: Scope): ExprInfo {
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
    return { ...doubleType({ unit: target.value, unitValue: to, ucd: a.ucd, exact: Math.abs(factor - 1) < 1e-15 || a.datatype === 'double' }), unitFactor: factor };
  }

  udf(e: ExprOf<'call'>, scope: Scope): ExprInfo {
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
    const r = def.returns;
    const kind = r.datatype === 'char' ? 'string' : r.datatype === 'boolean' ? 'boolean' : 'number';
    return {
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
