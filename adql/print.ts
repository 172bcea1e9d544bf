/** Prints an AST back to ADQL text (canonical spelling: upper-case keywords, minimal spacing, parentheses kept
 *  as parsed). parse(print(ast)) gives the same AST (the round-trip property in parser.test.ts); the
 *  translator also uses it to describe computed result columns. */
import type { AdqlType, Expr, FromItem, Ident, OrderItem, Query, QueryBody, SelectItem } from './ast.js';
import { assertNever } from './ast.js';

export function printIdent(id: Ident): string {
  if (id.delimited) return `"${id.name.replace(/"/g, '""')}"`;
  return id.name;
}

function str(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function printQuery(q: Query): string {
  let out = '';
  if (q.with.length) {
    out += `WITH ${q.with
      .map((c) => `${printIdent(c.name)}${c.columns ? `(${c.columns.map(printIdent).join(', ')})` : ''} AS (${printQuery(c.query)})`)
      .join(', ')} `;
  }
  out += printBody(q.body);
  if (q.orderBy.length) out += ` ORDER BY ${q.orderBy.map(printOrder).join(', ')}`;
  if (q.offset !== undefined) out += ` OFFSET ${q.offset}`;
  return out;
}

function printOrder(o: OrderItem): string {
  return `${printExpr(o.expr)}${o.descending ? ' DESC' : ''}`;
}

function printBody(b: QueryBody): string {
  switch (b.kind) {
    case 'query':
      return `(${printQuery(b)})`;
    case 'setop': {
      const side = (x: QueryBody, right: boolean): string =>
        x.kind === 'setop' && (right || (b.op === 'INTERSECT' && x.op !== 'INTERSECT')) ? `(${printBody(x)})` : printBody(x);
      return `${side(b.left, false)} ${b.op}${b.all ? ' ALL' : ''} ${side(b.right, true)}`;
    }
    case 'select': {
      let out = 'SELECT ';
      if (b.quantifier) out += `${b.quantifier} `;
      if (b.top !== undefined) out += `TOP ${b.top} `;
      out += b.items.map(printSelectItem).join(', ');
      out += ` FROM ${b.from.map(printFrom).join(', ')}`;
      if (b.where) out += ` WHERE ${printExpr(b.where)}`;
      if (b.groupBy.length) out += ` GROUP BY ${b.groupBy.map(printExpr).join(', ')}`;
      if (b.having) out += ` HAVING ${printExpr(b.having)}`;
      return out;
    }
    default:
      return assertNever(b);
  }
}

function printSelectItem(i: SelectItem): string {
  switch (i.kind) {
    case 'star':
      return '*';
    case 'qualifiedStar':
      return `${i.qualifier.map(printIdent).join('.')}.*`;
    case 'expr':
      return `${printExpr(i.expr)}${i.alias ? ` AS ${printIdent(i.alias)}` : ''}`;
    default:
      return assertNever(i);
  }
}

function printFrom(f: FromItem): string {
  switch (f.kind) {
    case 'table':
      return `${f.name.map(printIdent).join('.')}${f.alias ? ` AS ${printIdent(f.alias)}` : ''}`;
    case 'subquery':
      return `(${printQuery(f.query)}) AS ${printIdent(f.alias)}`;
    case 'join': {
      const right = f.right.kind === 'join' && !f.right.parenthesized ? `(${printFrom(f.right)})` : printFrom(f.right);
      let out = `${printFrom(f.left)} `;
      if (f.type === 'CROSS') out += `CROSS JOIN ${right}`;
      else {
        if (f.natural) out += 'NATURAL ';
        out += f.type === 'INNER' ? 'JOIN ' : `${f.type} OUTER JOIN `;
        out += right;
        if (f.on) out += ` ON ${printExpr(f.on)}`;
        if (f.using) out += ` USING (${f.using.map(printIdent).join(', ')})`;
      }
      return f.parenthesized ? `(${out})` : out;
    }
    default:
      return assertNever(f);
  }
}

function printType(t: AdqlType): string {
  if (t.name === 'CHAR' || t.name === 'VARCHAR') return t.length === undefined ? t.name : `${t.name}(${t.length})`;
  return t.name;
}

function args(es: Expr[]): string {
  return es.map(printExpr).join(', ');
}

/** Prints an expression. Nested operators are parenthesised so the printed text parses to the same tree. */
export function printExpr(e: Expr): string {
  const operand = (x: Expr): string => {
    switch (x.kind) {
      case 'binary':
      case 'compare':
      case 'logical':
      case 'not':
      case 'between':
      case 'like':
      case 'in':
      case 'inQuery':
      case 'isNull':
        return `(${printExpr(x)})`;
      case 'unary':
        return `(${printExpr(x)})`;
      default:
        return printExpr(x);
    }
  };
  const cs = (c: Expr | undefined): string => (c ? `${printExpr(c)}, ` : '');
  switch (e.kind) {
    case 'column':
      return e.parts.map(printIdent).join('.');
    case 'number':
      return e.text;
    case 'string':
      return str(e.value);
    case 'null':
      return 'NULL';
    case 'boolean':
      return e.value ? 'TRUE' : 'FALSE';
    case 'paren':
      return `(${printExpr(e.expr)})`;
    case 'unary':
      return `${e.op}${operand(e.arg)}`;
    case 'binary':
    case 'compare':
    case 'logical':
      return `${operand(e.left)} ${e.op} ${operand(e.right)}`;
    case 'not':
      return `NOT ${operand(e.arg)}`;
    case 'between':
      return `${operand(e.arg)} ${e.not ? 'NOT ' : ''}BETWEEN ${operand(e.low)} AND ${operand(e.high)}`;
    case 'like':
      return `${operand(e.arg)} ${e.not ? 'NOT ' : ''}${e.op} ${operand(e.pattern)}`;
    case 'in':
      return `${operand(e.arg)} ${e.not ? 'NOT ' : ''}IN (${args(e.list)})`;
    case 'inQuery':
      return `${operand(e.arg)} ${e.not ? 'NOT ' : ''}IN (${printQuery(e.query)})`;
    case 'isNull':
      return `${operand(e.arg)} IS ${e.not ? 'NOT ' : ''}NULL`;
    case 'exists':
      return `EXISTS (${printQuery(e.query)})`;
    case 'subquery':
      return `(${printQuery(e.query)})`;
    case 'case':
      return `CASE${e.operand ? ` ${printExpr(e.operand)}` : ''}${e.whens.map((w) => ` WHEN ${printExpr(w.when)} THEN ${printExpr(w.then)}`).join('')}${e.else ? ` ELSE ${printExpr(e.else)}` : ''} END`;
    case 'cast':
      return `CAST(${printExpr(e.arg)} AS ${printType(e.type)})`;
    case 'call': {
      const name = e.prefix ? `${printIdent(e.prefix)}.${e.written.split('.').pop() ?? e.written}` : e.builtin ? e.name : e.written;
      if (e.star) return `${name}(*)`;
      return `${name}(${e.distinct ? 'DISTINCT ' : ''}${args(e.args)})`;
    }
    case 'point':
      return `POINT(${cs(e.coordsys)}${printExpr(e.x)}, ${printExpr(e.y)})`;
    case 'circle':
      return `CIRCLE(${cs(e.coordsys)}${printExpr(e.center)}, ${printExpr(e.radius)})`;
    case 'box':
      return `BOX(${cs(e.coordsys)}${printExpr(e.center)}, ${printExpr(e.width)}, ${printExpr(e.height)})`;
    case 'polygon':
      return `POLYGON(${cs(e.coordsys)}${args(e.vertices)})`;
    case 'region':
      return `REGION(${printExpr(e.arg)})`;
    default:
      return assertNever(e);
  }
}
