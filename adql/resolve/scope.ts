/** Scopes and name lookup against the catalog (ADQL 2.1 §2.1.5–2.1.7, §2.2): tables, common table expressions
 *  and subqueries in FROM become range entries of a Scope; column references are looked up with ADQL's case
 *  rules (regular identifiers case-insensitive, delimited exact), through JOIN USING/NATURAL merging and outer
 *  scopes. Owns the errors for unknown and ambiguous names, statement-unique correlation names and the naming
 *  of output columns. No SQL text; query.ts drives it. */
import type { Ident } from '../ast.js';
import { AdqlError, didYouMean } from '../errors.js';
import type { Span } from '../errors.js';
import type { Catalog, CatalogTable, ColumnMeta } from '../catalog.js';
import type { Binding, ColumnSource, RangeEntry, ResolvedCte } from '../resolved.js';

export type { Binding, RangeEntry } from '../resolved.js';

/** A common table expression's published shape (`resolved` is its resolved query). */
export interface CteDef {
  name: Ident;
  resolved: ResolvedCte;
}

/** What a FROM item contributes: its entries, and the columns `*` expands to (merged join columns once). */
export interface FromShape {
  entries: RangeEntry[];
  columns: Binding[];
  /** USING/NATURAL join columns (in `columns`), and the entry columns they stand for (hidden from
   *  unqualified lookup). */
  merged?: Binding[];
  hidden?: ReadonlySet<Binding>;
}

function positionsOf(names: ReadonlyArray<{ lname: string }>): Map<string, number[]> {
  const m = new Map<string, number[]>();
  names.forEach((b, i) => {
    const list = m.get(b.lname);
    if (list) list.push(i);
    else m.set(b.lname, [i]);
  });
  return m;
}

/** Calls `sink.add` with each of the entry's columns that `id` names (regular: case-insensitive; delimited: exact),
 *  in column order; no array per call. */
function forEachInEntry(entry: RangeEntry, id: Ident, sink: { add(b: Binding): void }): void {
  entry.positions ??= positionsOf(entry.columns);
  const at = BINDING_AT.get(entry);
  for (const i of entry.positions.get(id.name.toLowerCase()) ?? NONE) {
    const b = at ? at(i) : (entry.columns[i] as Binding);
    if (!id.delimited || b.name === id.name) sink.add(b);
  }
}

/** The columns of an entry an identifier names. */
function findInEntry(entry: RangeEntry, id: Ident): Binding[] {
  const hits: Binding[] = [];
  forEachInEntry(entry, id, { add: (b) => void hits.push(b) });
  return hits;
}

/** The hits of one unqualified column lookup, apart from hidden (USING/NATURAL-merged) bindings. One per Scope,
 *  reset per lookup (lookups do not nest): a closure per lookup was the largest allocation of the resolve pass
 *  on a 48-column cone (heap sampling). */
class LookupHits {
  first: Binding | undefined = undefined;
  more: Binding[] | undefined = undefined;
  constructor(private readonly hidden: ReadonlySet<Binding>) {}
  reset(): void {
    this.first = undefined;
    this.more = undefined;
  }
  add(b: Binding): void {
    if (this.hidden.has(b)) return;
    if (this.first === undefined) this.first = b;
    else (this.more ??= [this.first]).push(b);
  }
}

/** Regular identifiers match case-insensitively, delimited ones exactly (ADQL §2.1.5). */
export function identMatches(id: Ident, name: string): boolean {
  return id.delimited ? id.name === name : id.name.toLowerCase() === name.toLowerCase();
}

/** A per-statement naming context: keeps SQL aliases unique across all nesting levels, so a correlated
 *  reference never means a shadowing inner table. */
export class AliasAllocator {
  private readonly used = new Set<string>();

  allocate(wanted: string): string {
    const base = wanted.length > 0 ? wanted.slice(0, 50) : 't';
    let name = base;
    for (let i = 2; this.used.has(name.toLowerCase()); i++) name = `${base}_${i}`;
    this.used.add(name.toLowerCase());
    return name;
  }
}

export class Scope {
  readonly entries: RangeEntry[] = [];
  /** The shapes added, whose columns are listed only when `columns` is read. */
  private readonly shapes: FromShape[] = [];
  private allColumns: Binding[] | undefined;
  /** Output-column aliases usable by ORDER BY / GROUP BY (set by the query resolver). */
  selectAliases: Array<{ name: string; index: number; meta: ColumnMeta }> = [];
  private readonly merged: Binding[] = [];
  private readonly hidden = new Set<Binding>();
  private readonly lookupHits = new LookupHits(this.hidden);

  constructor(
    readonly parent: Scope | undefined,
    readonly ctes: ReadonlyArray<CteDef>,
  ) {}

  /** Columns in `*` order (USING/NATURAL join columns once); listed on first use. */
  get columns(): Binding[] {
    this.allColumns ??= this.shapes.flatMap((sh) => sh.columns);
    return this.allColumns;
  }

  addShape(shape: FromShape): void {
    this.entries.push(...shape.entries);
    this.shapes.push(shape);
    this.allColumns = undefined;
    if (shape.merged) this.merged.push(...shape.merged);
    if (shape.hidden) for (const b of shape.hidden) this.hidden.add(b);
  }

  /** Resolves a column reference (1 to 4 parts) in this scope or, failing that, in enclosing scopes. */
  resolveColumn(parts: ReadonlyArray<Ident>, span: Span): Binding {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const found = s.lookupHere(parts, span);
      if (found) return found;
    }
    throw this.unknownColumn(parts, span);
  }

  /** Like resolveColumn, but undefined instead of an error (for ORDER BY alias fallbacks). */
  tryResolveColumn(parts: ReadonlyArray<Ident>, span: Span): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const found = s.lookupHere(parts, span);
      if (found) return found;
    }
    return undefined;
  }

  private lookupHere(parts: ReadonlyArray<Ident>, span: Span): Binding | undefined {
    const colId = parts[parts.length - 1] as Ident;
    if (parts.length === 1) {
      // Allocation-free for the common case (one entry, one hit): every select-list column comes through here.
      const found = this.lookupHits;
      found.reset();
      for (const b of this.merged) if (identMatches(colId, b.name)) found.add(b);
      for (const e of this.entries) forEachInEntry(e, colId, found);
      const { first, more } = found;
      found.reset(); // keeps no binding alive past the lookup
      if (more) throw ambiguous(colId, more, span);
      return first;
    }
    const qualifier = parts.slice(0, -1);
    const entries = this.matchQualifier(qualifier);
    if (entries.length === 0) return undefined;
    if (entries.length > 1) {
      throw new AdqlError('AMBIGUOUS_TABLE', `table reference ${qualifier.map((q) => q.name).join('.')} is ambiguous`, span, {
        token: qualifier.map((q) => q.name).join('.'),
        hint: 'give the tables different aliases (AS ...) and qualify with the alias',
      });
    }
    const entry = entries[0] as RangeEntry;
    const hits = findInEntry(entry, colId);
    if (hits.length > 1) throw ambiguous(colId, hits, span);
    const hit = hits[0];
    if (!hit) {
      throw new AdqlError('UNKNOWN_COLUMN', `no column ${colId.name} in ${describeEntry(entry)}`, span, {
        token: colId.name,
        hint: didYouMean(colId.name, entry.columns.map((b) => b.name)) ?? `its columns: ${listNames(entry.columns)}`,
      });
    }
    return hit;
  }

  /** Entries a qualifier (alias, table, schema.table, catalog.schema.table) can mean. */
  matchQualifier(qualifier: ReadonlyArray<Ident>): RangeEntry[] {
    if (qualifier.length === 1) {
      const q = qualifier[0] as Ident;
      const byAlias = this.entries.filter((e) => e.alias && (q.delimited ? e.alias.name === q.name && e.alias.delimited : identMatches(q, e.alias.name)));
      if (byAlias.length) return byAlias;
      // Lenient (as DaCHS): an aliased table can still be qualified by its own name when that is unambiguous.
      return this.entries.filter((e) => (e.table && identMatches(q, e.table.name)) || (e.cteName !== undefined && identMatches(q, e.cteName)));
    }
    if (qualifier.length === 2) {
      const [schema, table] = qualifier as [Ident, Ident];
      return this.entries.filter((e) => e.table && identMatches(schema, e.table.schema) && identMatches(table, e.table.name));
    }
    return [];
  }

  private unknownColumn(parts: ReadonlyArray<Ident>, span: Span): AdqlError {
    const colId = parts[parts.length - 1] as Ident;
    if (parts.length > 1) {
      const q = parts.slice(0, -1);
      const all: string[] = [];
      for (let s: Scope | undefined = this; s; s = s.parent) for (const e of s.entries) all.push(e.alias?.name ?? e.table?.name ?? e.cteName ?? '');
      return new AdqlError('UNKNOWN_TABLE', `no table ${q.map((x) => x.name).join('.')} in FROM`, q[0]?.span ?? span, {
        token: q.map((x) => x.name).join('.'),
        hint: didYouMean(q[q.length - 1]?.name ?? '', all) ?? (all.length ? `tables in scope: ${all.join(', ')}` : undefined),
      });
    }
    const names: string[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) names.push(...s.columns.map((b) => b.name));
    let hint = didYouMean(colId.name, names);
    if (colId.delimited) {
      const ci = names.find((n) => n.toLowerCase() === colId.name.toLowerCase());
      if (ci) hint = `delimited identifiers are case-sensitive; did you mean "${ci}"?`;
    }
    return new AdqlError('UNKNOWN_COLUMN', `no column ${colId.delimited ? `"${colId.name}"` : colId.name} in the tables of this query`, span, {
      token: colId.name,
      hint,
    });
  }
}

function ambiguous(colId: Ident, hits: Binding[], span: Span): AdqlError {
  return new AdqlError('AMBIGUOUS_COLUMN', `column ${colId.name} is ambiguous: ${hits.map(qualifiedName).join(', ')}`, span, {
    token: colId.name,
    hint: `qualify it, e.g. ${qualifiedName(hits[0] as Binding)}`,
  });
}

function qualifiedName(b: Binding): string {
  const e = b.entry;
  const q = e ? (e.alias?.name ?? e.table?.name ?? e.cteName) : undefined;
  return q ? `${q}.${b.name}` : b.name;
}

function describeEntry(e: RangeEntry): string {
  if (e.table) return `${e.table.schema}.${e.table.name}${e.alias ? ` (${e.alias.name})` : ''}`;
  return e.alias?.name ?? e.cteName ?? 'subquery';
}

function listNames(bs: ReadonlyArray<Binding>): string {
  const names = bs.map((b) => b.name);
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
}

/** Finds a stored table or CTE for a FROM name ([table], [schema, table] or [catalog, schema, table]). */
export function lookupTable(
  name: ReadonlyArray<Ident>,
  catalog: Catalog,
  ctes: ReadonlyArray<CteDef>,
): { table: CatalogTable } | { cte: CteDef } {
  const last = name[name.length - 1] as Ident;
  if (name.length === 1) {
    const cte = ctes.find((c) => (last.delimited ? c.name.name === last.name : identMatches(last, c.name.name)));
    if (cte) return { cte };
  }
  if (name.length === 3) {
    throw new AdqlError('UNKNOWN_TABLE', `no catalog ${(name[0] as Ident).name}: this service has no catalog level`, (name[0] as Ident).span, {
      token: (name[0] as Ident).name,
      hint: 'write schema.table',
    });
  }
  const schema = name.length === 2 ? (name[0] as Ident) : undefined;
  const hits = catalog.tables.filter((t) => identMatches(last, t.name) && (!schema || identMatches(schema, t.schema)));
  if (hits.length === 1) return { table: hits[0] as CatalogTable };
  const written = name.map((n) => (n.delimited ? `"${n.name}"` : n.name)).join('.');
  if (hits.length > 1) {
    throw new AdqlError('AMBIGUOUS_TABLE', `table ${written} exists in several schemas: ${hits.map((t) => `${t.schema}.${t.name}`).join(', ')}`, last.span, {
      token: written,
      hint: `qualify it, e.g. ${(hits[0] as CatalogTable).schema}.${(hits[0] as CatalogTable).name}`,
    });
  }
  const candidates = catalog.tables.map((t) => (schema ? `${t.schema}.${t.name}` : t.name));
  const ci = catalog.tables.find((t) => t.name.toLowerCase() === last.name.toLowerCase() && (!schema || t.schema.toLowerCase() === schema.name.toLowerCase()));
  const hint = ci && (last.delimited || schema?.delimited)
    ? `delimited identifiers are case-sensitive; did you mean ${ci.schema}.${ci.name}?`
    : didYouMean(name.map((n) => n.name).join('.'), candidates);
  return fail(new AdqlError('UNKNOWN_TABLE', `no table ${written}`, (name[0] as Ident).span, { token: written, hint }));
}

function fail(e: AdqlError): never {
  throw e;
}

/** Published metadata (flags stripped) and SQL names of a stored table's columns, computed once per table. */
interface TableColumns {
  columns: ReadonlyArray<{ name: string; lname: string; source: ColumnSource; meta: ColumnMeta }>;
  positions: ReadonlyMap<string, number[]>;
}
const TABLE_COLUMNS = new WeakMap<CatalogTable, TableColumns>();

function tableColumns(table: CatalogTable): TableColumns {
  let cached = TABLE_COLUMNS.get(table);
  if (!cached) {
    const cols = table.columns.map((c) => {
      const meta: ColumnMeta = { name: c.name, datatype: c.datatype, description: c.description };
      if (c.arraysize !== undefined) meta.arraysize = c.arraysize;
      if (c.xtype !== undefined) meta.xtype = c.xtype;
      if (c.unit !== undefined) meta.unit = c.unit;
      if (c.ucd !== undefined) meta.ucd = c.ucd;
      if (c.utype !== undefined) meta.utype = c.utype;
      if (c.role !== undefined) meta.role = c.role;
      // Frozen: shared by every query that names the column (adql/resolve/types.ts outputMeta), and the VOTable
      // writer caches its FIELD text per frozen meta (votable/document.ts).
      Object.freeze(meta);
      const source: ColumnSource = { kind: 'column', column: table.sqlColumnNames?.[c.name] ?? c.name };
      return { name: c.name, lname: c.name.toLowerCase(), source, meta };
    });
    cached = { columns: cols, positions: positionsOf(cols) };
    TABLE_COLUMNS.set(table, cached);
  }
  return cached;
}

/** The scope entry for a stored table: every column, with its SQL name (uploads may rename). */
export function tableEntry(table: CatalogTable, alias: Ident | undefined, aliases: AliasAllocator): RangeEntry {
  const sqlName = aliases.allocate(alias ? (alias.delimited ? alias.name : alias.name.toLowerCase()) : table.name.toLowerCase());
  const cached = tableColumns(table);
  // Catalog tables have hundreds of columns and a query names a few: bindings are made on first use, one per
  // column and entry (identity matters: JOIN USING hides bindings by identity), and `columns` lists them all
  // only when read (`*`, error hints).
  // A Map, not an array of every column: a catalogue table's hundreds of slots per query were most of a TOP 1's
  // translation allocation.
  const slots = new Map<number, Binding>();
  let all: Binding[] | undefined;
  const entry = { alias, table, cteName: undefined, sqlName, positions: cached.positions } as RangeEntry;
  const at = (i: number): Binding => {
    let b = slots.get(i);
    if (!b) {
      const c = cached.columns[i] as (typeof cached.columns)[number];
      b = { name: c.name, lname: c.lname, meta: c.meta, entry, source: c.source };
      slots.set(i, b);
    }
    return b;
  };
  Object.defineProperty(entry, 'columns', {
    enumerable: true,
    configurable: true,
    get: () => (all ??= cached.columns.map((_, i) => at(i))),
    set: (v: Binding[]) => {
      all = v;
    },
  });
  BINDING_AT.set(entry, at);
  return entry;
}

/** Per stored-table entry: the binding of its i-th column, made on first use (see tableEntry). */
const NONE: readonly number[] = [];
const BINDING_AT = new WeakMap<RangeEntry, (i: number) => Binding>();

/** The column of an entry with exactly this name, without listing all its columns. */
export function entryColumn(entry: RangeEntry, name: string): Binding | undefined {
  entry.positions ??= positionsOf(entry.columns);
  const at = BINDING_AT.get(entry);
  for (const i of entry.positions.get(name.toLowerCase()) ?? []) {
    const b = at ? at(i) : (entry.columns[i] as Binding);
    if (b.name === name) return b;
  }
  return undefined;
}

/** The scope entry for a CTE reference or a subquery in FROM. */
export function derivedEntry(
  alias: Ident | undefined,
  cteName: string | undefined,
  columns: ReadonlyArray<{ name: string; meta: ColumnMeta; sqlName: string }>,
  aliases: AliasAllocator,
): RangeEntry {
  const wanted = alias ? (alias.delimited ? alias.name : alias.name.toLowerCase()) : (cteName ?? 'q').toLowerCase();
  const sqlName = aliases.allocate(wanted);
  const entry: RangeEntry = { alias, table: undefined, cteName, sqlName, columns: [] };
  for (const c of columns) entry.columns.push({ name: c.name, lname: c.name.toLowerCase(), meta: c.meta, entry, source: { kind: 'column', column: c.sqlName } });
  return entry;
}

/** Column names common to both sides of a NATURAL join (case-insensitive, as regular identifiers). */
export function naturalColumns(left: FromShape, right: FromShape): string[] {
  const rightNames = new Set(right.columns.map((b) => b.name.toLowerCase()));
  const out: string[] = [];
  for (const b of left.columns) {
    const n = b.name.toLowerCase();
    if (rightNames.has(n) && !out.includes(n)) out.push(n);
  }
  return out;
}

/** Finds the one column of a join side named by a USING/NATURAL column. */
export function joinColumn(side: FromShape, id: Ident, sideName: string): Binding {
  const hits = side.columns.filter((b) => identMatches(id, b.name));
  if (hits.length === 1) return hits[0] as Binding;
  if (hits.length > 1) throw ambiguous(id, hits, id.span);
  throw new AdqlError('UNKNOWN_COLUMN', `USING column ${id.name} is not in the ${sideName} side of the join`, id.span, {
    token: id.name,
    hint: didYouMean(id.name, side.columns.map((b) => b.name)),
  });
}

/** Makes output column names unique (case-insensitively, as clients compare them): ra, ra_2, ra_3 ... */
export function uniqueNames(wanted: ReadonlyArray<string>): string[] {
  const taken = new Set<string>();
  const out: string[] = [];
  const reserved = new Set(wanted.map((w) => w.toLowerCase()));
  for (const w of wanted) {
    let name = w;
    if (taken.has(name.toLowerCase())) {
      for (let i = 2; ; i++) {
        const cand = `${w}_${i}`;
        if (!taken.has(cand.toLowerCase()) && !reserved.has(cand.toLowerCase())) {
          name = cand;
          break;
        }
      }
    }
    taken.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}
