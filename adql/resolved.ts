/** The resolved query: what the resolve pass (resolve/) hands to the translator (to-postgres.ts). Query structure
 *  as a tree (FROM items bound to catalog tables, CTEs and derived tables with statement-unique correlation
 *  names; `*` expanded; ORDER BY / GROUP BY items classified; output columns named and described), plus one
 *  annotation per expression node (`ResolvedStatement.exprs`): its inferred type and, for column references, the
 *  column it is bound to. Types only: no logic, no SQL text. Imported by both passes. */
import type { Expr, Ident, JoinType } from './ast.js';
import type { CatalogTable, ColumnMeta, VotableDatatype } from './catalog.js';
import type { Unit } from './units.js';

export type ValueKind = 'number' | 'string' | 'boolean' | 'geometry' | 'timestamp' | 'null' | 'array' | 'unknown';

/** The inferred type of an expression: value kind, VOTable metadata for result FIELDs, unit for IN_UNIT. */
export interface ExprType {
  kind: ValueKind;
  datatype: VotableDatatype;
  arraysize?: string;
  xtype?: string;
  unit?: string;
  ucd?: string;
  /** Parsed unit, for IN_UNIT through arithmetic. */
  unitValue?: Unit;
  /** Integer-valued (ADQL integer division rule, MOD). */
  isInt: boolean;
  /** PostgreSQL's result type certainly equals `datatype` (no output CAST needed). */
  exact: boolean;
  /** A string literal: a bound parameter (or inline literal) whose type PostgreSQL infers from context. */
  isParam?: boolean;
  /** The expression is exactly this column. */
  binding?: Binding;
  /** The value of a numeric constant expression. */
  constant?: number;
}

/** Where a visible column's value comes from: a column (its name in PostgreSQL) of the binding's range entry, or
 *  (FULL JOIN ... USING) the first non-null of two. */
export type ColumnSource = { kind: 'column'; column: string } | { kind: 'coalesce'; left: Binding; right: Binding };

/** One column visible in a FROM clause. */
export interface Binding {
  /** Name ADQL queries use for it. */
  name: string;
  /** name in lower case (regular identifiers match case-insensitively). */
  lname: string;
  meta: ColumnMeta;
  /** The range entry it comes from (undefined for FULL JOIN merged USING/NATURAL columns: see `source`). */
  entry: RangeEntry | undefined;
  source: ColumnSource;
}

/** A table, CTE reference or subquery in FROM, with the columns it contributes. */
export interface RangeEntry {
  /** The correlation name (AS alias), when given. */
  alias: Ident | undefined;
  /** For stored tables: the catalog table (gives schema/name for qualification and the position columns). */
  table: CatalogTable | undefined;
  /** For CTE references: the CTE name. */
  cteName: string | undefined;
  /** Correlation name in the generated statement, unique in the whole statement (unquoted). */
  sqlName: string;
  columns: Binding[];
  /** Lower-cased name → positions in `columns` (shared per stored table, else built on first lookup). */
  positions?: ReadonlyMap<string, number[]>;
}

/** A result column of a (sub)query: its published metadata and its name in the generated statement. */
export interface OutColumn {
  name: string;
  sqlName: string;
  meta: ColumnMeta;
}

/** A whole statement: the WITH list, the main query and one annotation per expression node. */
export interface ResolvedStatement {
  ctes: ResolvedCte[];
  main: ResolvedQuery;
  /** Result columns in order, with unique names. */
  columns: OutColumn[];
  exprs: ExprAnnotations;
}

export interface ResolvedCte {
  /** Name in the generated statement (unique, unquoted). */
  sqlName: string;
  columns: OutColumn[];
  query: ResolvedQuery;
}

export type ResolvedQuery = ResolvedSelect | ResolvedSetOp | ResolvedWrappedSet;

export type ResolvedOrder = { kind: 'position'; position: number; descending: boolean } | { kind: 'expr'; expr: Expr; descending: boolean };

/** ORDER BY and OFFSET (the TAP row limit is the translator's option, applied to the outermost query). */
interface Paging {
  orderBy: ResolvedOrder[];
  offset: number | undefined;
}

export interface ResolvedSelect extends Paging {
  kind: 'select';
  distinct: boolean;
  top: number | undefined;
  from: ResolvedFrom[];
  /** Select-list items in output order (`*` and `t.*` expanded to their bindings). */
  items: ResolvedItem[];
  where: Expr | undefined;
  groupBy: ResolvedGroup[];
  having: Expr | undefined;
  columns: OutColumn[];
}

export type ResolvedItem = { kind: 'column'; binding: Binding; column: OutColumn } | { kind: 'expr'; expr: Expr; column: OutColumn };

/** GROUP BY: an expression over FROM columns, or an output alias (index into `items`). */
export type ResolvedGroup = { kind: 'expr'; expr: Expr } | { kind: 'item'; index: number };

export interface ResolvedSetOp {
  kind: 'setop';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: ResolvedQuery;
  right: ResolvedQuery;
  columns: OutColumn[];
}

/** A set operation with ORDER BY / OFFSET / a limit: `SELECT * FROM (body) AS entry ...`. */
export interface ResolvedWrappedSet extends Paging {
  kind: 'wrapped';
  body: ResolvedQuery;
  entry: RangeEntry;
  columns: OutColumn[];
}

export type ResolvedFrom =
  | { kind: 'table'; table: CatalogTable; entry: RangeEntry }
  | { kind: 'cte'; cte: ResolvedCte; entry: RangeEntry }
  | { kind: 'subquery'; query: ResolvedQuery; entry: RangeEntry }
  | {
      kind: 'join';
      type: JoinType;
      left: ResolvedFrom;
      right: ResolvedFrom;
      /** ON condition; USING/NATURAL pairs (possibly none: ON TRUE); or neither (CROSS JOIN). */
      condition: { kind: 'on'; expr: Expr } | { kind: 'using'; pairs: Array<{ left: Binding; right: Binding }> } | { kind: 'cross' };
      parenthesized: boolean;
    };

/** A cone predicate on a stored table's own position columns (the HEALPix fast path). */
export interface ConeSpec {
  ra: Binding;
  dec: Binding;
  healpix: Binding;
  order: number;
  centerRa: number;
  centerDec: number;
  radius: number;
}

/** What the resolve pass knows of one expression node. */
export interface ExprInfo extends ExprType {
  /** compare: the whole comparison is this cone predicate. */
  cone?: ConeSpec;
  /** compare: a boolean column against a 0/1 or truth-word literal, written `col = TRUE` (or as integers). */
  booleanCompare?: { side: 'left' | 'right'; binding: Binding; literal: string; asInteger: boolean };
  /** compare, BETWEEN, IN: boolean operands meet numbers, so booleans compare as 0/1. */
  booleansAsIntegers?: boolean;
  /** inQuery, exists, subquery: the resolved subquery. */
  query?: ResolvedQuery;
  /** IN_UNIT: the conversion factor. */
  unitFactor?: number;
}

export type ExprAnnotations = ReadonlyMap<Expr, ExprInfo>;
