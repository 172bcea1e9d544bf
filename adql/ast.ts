/** The ADQL abstract syntax tree: a discriminated union on `kind`, produced by parser.ts, read by the resolve pass
 *  (resolve/, which annotates its expression nodes) and the translate pass, printed back to ADQL by print.ts.
 *  Nodes carry the span of their first token. Geometry constructors are normalised (CIRCLE(ra, dec, r) has a
 *  POINT centre) so later stages see one shape.
 *  Spec: ADQL 2.1 (REC 2023-12-15) App. A grammar. */
import type { Span } from './errors.js';

/** An identifier: regular ones match case-insensitively, delimited ones exactly (ADQL §2.1.5–2.1.7). */
export interface Ident {
  name: string;
  delimited: boolean;
  span: Span;
}

// ---- Queries ----

/** A full query: optional WITH (only at top level), a body, and the ORDER BY / OFFSET that apply to the body. */
export interface Query {
  kind: 'query';
  with: Cte[];
  body: QueryBody;
  orderBy: OrderItem[];
  offset: number | undefined;
  span: Span;
}

export type QueryBody = SelectCore | SetOperation | Query;

export interface Cte {
  name: Ident;
  columns: Ident[] | undefined;
  query: Query;
  span: Span;
}

export interface SelectCore {
  kind: 'select';
  quantifier: 'ALL' | 'DISTINCT' | undefined;
  top: number | undefined;
  items: SelectItem[];
  from: FromItem[];
  where: Expr | undefined;
  groupBy: Expr[];
  having: Expr | undefined;
  span: Span;
}

export interface SetOperation {
  kind: 'setop';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: QueryBody;
  right: QueryBody;
  span: Span;
}

export type SelectItem =
  | { kind: 'star'; span: Span }
  /** `q.*`, `schema.table.*` */
  | { kind: 'qualifiedStar'; qualifier: Ident[]; span: Span }
  | { kind: 'expr'; expr: Expr; alias: Ident | undefined; span: Span };

export interface OrderItem {
  expr: Expr;
  descending: boolean;
  span: Span;
}

// ---- FROM ----

export type FromItem = TableRef | SubqueryRef | Join;

export interface TableRef {
  kind: 'table';
  /** [table], [schema, table] or [catalog, schema, table]. */
  name: Ident[];
  alias: Ident | undefined;
  span: Span;
}

export interface SubqueryRef {
  kind: 'subquery';
  query: Query;
  alias: Ident;
  span: Span;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';

export interface Join {
  kind: 'join';
  type: JoinType;
  natural: boolean;
  left: FromItem;
  right: FromItem;
  on: Expr | undefined;
  using: Ident[] | undefined;
  /** The join was written in parentheses (kept for printing). */
  parenthesized: boolean;
  span: Span;
}

// ---- Expressions ----

export type BinaryOp = '+' | '-' | '*' | '/' | '||';
export type CompareOp = '=' | '<>' | '!=' | '<' | '>' | '<=' | '>=';

export type AdqlType =
  | { name: 'SMALLINT' | 'INTEGER' | 'BIGINT' | 'REAL' | 'DOUBLE PRECISION' | 'TIMESTAMP' | 'POINT' | 'CIRCLE' | 'POLYGON' | 'REGION' }
  | { name: 'CHAR' | 'VARCHAR'; length: number | undefined };

export type Expr =
  | { kind: 'column'; parts: Ident[]; span: Span }
  | { kind: 'number'; text: string; value: number; isInteger: boolean; span: Span }
  | { kind: 'string'; value: string; span: Span }
  | { kind: 'null'; span: Span }
  | { kind: 'boolean'; value: boolean; span: Span }
  | { kind: 'paren'; expr: Expr; span: Span }
  | { kind: 'unary'; op: '+' | '-'; arg: Expr; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; span: Span }
  | { kind: 'logical'; op: 'AND' | 'OR'; left: Expr; right: Expr; span: Span }
  | { kind: 'not'; arg: Expr; span: Span }
  | { kind: 'between'; not: boolean; arg: Expr; low: Expr; high: Expr; span: Span }
  | { kind: 'like'; not: boolean; op: 'LIKE' | 'ILIKE'; arg: Expr; pattern: Expr; span: Span }
  | { kind: 'in'; not: boolean; arg: Expr; list: Expr[]; span: Span }
  | { kind: 'inQuery'; not: boolean; arg: Expr; query: Query; span: Span }
  | { kind: 'isNull'; not: boolean; arg: Expr; span: Span }
  | { kind: 'exists'; query: Query; span: Span }
  | { kind: 'subquery'; query: Query; span: Span }
  | { kind: 'case'; operand: Expr | undefined; whens: Array<{ when: Expr; then: Expr }>; else: Expr | undefined; span: Span }
  | { kind: 'cast'; arg: Expr; type: AdqlType; span: Span }
  /** Built-in functions (name upper-cased: ABS, COUNT, CONTAINS, ...) and user-defined ones (prefix e.g. dbo). */
  | {
      kind: 'call';
      name: string;
      /** Schema-like prefix of a user-defined function (`dbo` in dbo.cone_distance). */
      prefix: Ident | undefined;
      /** Name as written (for messages and printing). */
      written: string;
      args: Expr[];
      distinct: boolean;
      /** COUNT(*) */
      star: boolean;
      builtin: boolean;
      span: Span;
    }
  | { kind: 'point'; coordsys: Expr | undefined; x: Expr; y: Expr; span: Span }
  | { kind: 'circle'; coordsys: Expr | undefined; center: Expr; radius: Expr; span: Span }
  | { kind: 'box'; coordsys: Expr | undefined; center: Expr; width: Expr; height: Expr; span: Span }
  | { kind: 'polygon'; coordsys: Expr | undefined; vertices: Expr[]; span: Span }
  | { kind: 'region'; arg: Expr; span: Span };

export type ExprKind = Expr['kind'];
export type ExprOf<K extends ExprKind> = Extract<Expr, { kind: K }>;

/** Exhaustiveness guard: adding a node kind breaks the build until every switch handles it. */
export function assertNever(x: never): never {
  throw new Error(`unhandled AST node: ${JSON.stringify(x)}`);
}

/** Expressions that are conditions (predicates and their boolean combinations). TRUE/FALSE are values that may
 *  also stand as conditions. */
export function isCondition(e: Expr): boolean {
  switch (e.kind) {
    case 'compare':
    case 'logical':
    case 'not':
    case 'between':
    case 'like':
    case 'in':
    case 'inQuery':
    case 'isNull':
    case 'exists':
      return true;
    case 'paren':
      return isCondition(e.expr);
    default:
      return false;
  }
}

/** The expression inside any parentheses. */
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
