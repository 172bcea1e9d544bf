// Translation of resolved function calls (ADQL built-ins, IN_UNIT and the service's UDFs) to PostgreSQL: the
// per-function SQL, one method a family (aggregate, math, textFunction, geometryFunction). Types, units and
// argument checks come from the resolve pass (resolve/call.ts); arguments go back through the expression translator.

import type { Expr, ExprOf } from './ast.js';
import { strip } from './ast.js';
import { AGGREGATES, ELEMENTARY, MATH, TEXT } from './builtins.js';
import { findUdf } from './functions.js';
import type { Typed } from './sql-types.js';
import { formatNumber, PREC, wrap } from './sql-types.js';
import type { ExprTranslator } from './translate-expr.js';

/** What call translation needs from the expression translator. */
export type CallHost = Pick<ExprTranslator, 'expr' | 'args' | 'text' | 'typed' | 'info' | 'pointCoords' | 'distanceCoords'>;


function unresolved(e: ExprOf<'call'>): Error {
  return new Error(`internal error: function ${e.written} reached the translator unresolved`);
}

export class CallTranslator {
  constructor(private readonly t: CallHost) {}

  builtin(e: ExprOf<'call'>): Typed {
    if (AGGREGATES.has(e.name)) return this.aggregate(e);
    if (MATH.has(e.name)) return this.math(e);
    if (TEXT.has(e.name)) return this.textFunction(e);
    if (e.name === 'IN_UNIT') return this.inUnit(e);
    return this.geometryFunction(e);
  }

  private sql(e: ExprOf<'call'>, sql: string, prec: number = PREC.ATOM): Typed {
    return this.t.typed(e, sql, prec);
  }

  /** COUNT, SUM, AVG, MIN, MAX. */
  private aggregate(e: ExprOf<'call'>): Typed {
    if (e.name === 'COUNT') return this.sql(e, `count(${e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${this.t.expr(e.args[0] as Expr).sql}`})`);
    const a = this.t.expr(e.args[0] as Expr);
    return this.sql(e, `${e.name.toLowerCase()}(${e.distinct ? 'DISTINCT ' : ''}${a.sql})`);
  }

  /** Numeric functions (ADQL §2.3.2). */
  private math(e: ExprOf<'call'>): Typed {
    const name = e.name;
    const call = (fn: string, args: Typed[]): string => `${fn}(${args.map((a) => a.sql).join(', ')})`;
    if (ELEMENTARY.has(name)) {
      // ADQL LOG is the natural logarithm (PostgreSQL's log is base 10); inputs go through double precision
      // so numeric literals do not select PostgreSQL's numeric overloads.
      const fn = name === 'LOG' ? 'ln' : name.toLowerCase();
      return this.sql(e, `${fn}(${this.t.args(e).map((a) => (a.datatype === 'double' && a.exact ? a.sql : `CAST(${a.sql} AS double precision)`)).join(', ')})`);
    }
    switch (name) {
      case 'ABS':
      case 'CEILING':
      case 'FLOOR':
        return this.sql(e, call(name === 'CEILING' ? 'ceiling' : name.toLowerCase(), this.t.args(e)));
      case 'DEGREES':
      case 'RADIANS':
        return this.sql(e, call(name.toLowerCase(), this.t.args(e)));
      case 'PI':
        return this.sql(e, 'pi()');
      case 'POWER': {
        const [a, b] = this.t.args(e) as [Typed, Typed];
        return this.sql(e, `power(CAST(${a.sql} AS double precision), CAST(${b.sql} AS double precision))`);
      }
      case 'MOD': {
        const [a, b] = this.t.args(e) as [Typed, Typed];
        if (a.isInt && b.isInt) return this.sql(e, `mod(${a.sql}, ${b.sql})`);
        // PostgreSQL has mod() for integers and numeric only.
        return this.sql(e, `mod(CAST(${a.sql} AS numeric), CAST(${b.sql} AS numeric))`);
      }
      case 'RAND':
        // PostgreSQL seeds per session (setseed), not per call: a seed argument is accepted and ignored.
        if (e.args[0]) this.t.expr(e.args[0]);
        return this.sql(e, 'random()');
      case 'ROUND':
      case 'TRUNCATE': {
        const args = this.t.args(e);
        const a = args[0] as Typed;
        const fn = name === 'ROUND' ? 'round' : 'trunc';
        if (args.length === 1) return this.sql(e, `${fn}(${a.sql})`);
        // PostgreSQL has round(numeric, int) and trunc(numeric, int) only; go through numeric and back.
        return this.sql(e, `${fn}(CAST(${a.sql} AS numeric), ${(args[1] as Typed).sql})`);
      }
      default:
        throw unresolved(e);
    }
  }

  /** LOWER, UPPER, COALESCE, NULLIF. */
  private textFunction(e: ExprOf<'call'>): Typed {
    if (e.name === 'LOWER' || e.name === 'UPPER') return this.sql(e, `${e.name.toLowerCase()}(${this.t.text(this.t.expr(e.args[0] as Expr))})`);
    const args = this.t.args(e);
    const first = args.find((a) => a.kind !== 'null' && !a.isParam) ?? args.find((a) => a.kind !== 'null') ?? (args[0] as Typed);
    return this.sql(e, `${e.name.toLowerCase()}(${args.map((a) => (a.isParam && first.isParam ? this.t.text(a) : a.sql)).join(', ')})`);
  }

  /** CONTAINS, INTERSECTS, DISTANCE, AREA, CENTROID, COORD1/2, COORDSYS. */
  private geometryFunction(e: ExprOf<'call'>): Typed {
    const name = e.name;
    switch (name) {
      case 'CONTAINS':
      case 'INTERSECTS':
        return this.sql(e, `adql.${name.toLowerCase()}(${this.t.args(e).map((a) => a.sql).join(', ')})`);
      case 'DISTANCE':
        return this.sql(e, `adql.distance(${this.t.distanceCoords(e).join(', ')})`);
      case 'AREA':
      case 'CENTROID':
        return this.sql(e, `adql.${name.toLowerCase()}(${this.t.expr(e.args[0] as Expr).sql})`);
      case 'COORD1':
      case 'COORD2': {
        const arg = strip(e.args[0] as Expr);
        const i = name === 'COORD1' ? 0 : 1;
        if (arg.kind === 'point') {
          const c = this.t.pointCoords(arg);
          const v = i === 0 ? c.x : c.y;
          return this.sql(e, v.sql, v.prec);
        }
        return this.sql(e, `(${this.t.expr(arg).sql})[${i + 1}]`);
      }
      case 'COORDSYS':
        this.t.expr(e.args[0] as Expr);
        // All positions of this service are ICRS; the deprecated coordsys arguments are not kept.
        return this.sql(e, "CAST('ICRS' AS text)");
      default:
        throw unresolved(e);
    }
  }

  private inUnit(e: ExprOf<'call'>): Typed {
    const a = this.t.expr(e.args[0] as Expr);
    const factor = this.t.info(e).unitFactor;
    if (factor === undefined) throw unresolved(e);
    return Math.abs(factor - 1) < 1e-15 ? this.sql(e, `CAST(${a.sql} AS double precision)`) : this.sql(e, `${wrap(a, PREC.MUL)} * ${formatNumber(factor)}`, PREC.MUL);
  }

  udf(e: ExprOf<'call'>): Typed {
    const def = findUdf(e.prefix ? `${e.prefix.name}.${e.name.toLowerCase()}` : e.name.toLowerCase());
    if (!def) throw unresolved(e);
    return this.sql(e, def.toSql(this.t.args(e).map((a) => (a.isParam ? `CAST(${a.sql} AS text)` : a.sql))));
  }
}
