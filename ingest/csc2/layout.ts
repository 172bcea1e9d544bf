/** Decides which CSC2 table each column of an input file belongs to. Two modes: an explicit table (every column
 *  must belong to it), or 'auto' for CSC CLI / TAP outputs that mix master and per-observation columns
 *  (observation twins of master columns carry a pandas-style ".1" suffix). Pure. */
import { csc2Schema } from '../../schema/csc2/index.js';
import type { ColumnDef, TableDef } from '../../schema/index.js';

export type Csc2TableName = 'master_source' | 'stack_source' | 'observation_source' | 'master_stack_assoc' | 'stack_observation_assoc';

/** Columns that CSC query tools add to their outputs and that belong to no catalogue table. */
export const QUERY_ARTIFACT_COLUMNS: ReadonlySet<string> = new Set(['separation', 'usrid', 'dist', 'distance']);

export interface ColumnTarget {
  /** Index of the column in the input. */
  index: number;
  inputName: string;
  column: ColumnDef;
}

export interface Csc2Layout {
  tables: Partial<Record<Csc2TableName, ColumnTarget[]>>;
  ignored: string[];
  /** Columns of a table that cannot be stored because its key columns are missing from the file. */
  unusable: { table: Csc2TableName; columns: string[]; reason: string }[];
}

export function csc2Table(name: Csc2TableName): TableDef {
  const t = csc2Schema.tables.find((x) => x.name === name);
  if (!t) throw new Error(`unknown csc2 table ${name}`);
  return t;
}

function columnOf(table: Csc2TableName, name: string): ColumnDef | undefined {
  return csc2Table(table).columns.find((c) => c.name === name);
}

/** Layout for a file whose columns all belong to one named table. Unknown columns are errors (returned). */
export function explicitLayout(table: Csc2TableName, header: ReadonlyArray<string>): { layout: Csc2Layout; unknown: string[] } {
  const targets: ColumnTarget[] = [];
  const unknown: string[] = [];
  const ignored: string[] = [];
  header.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    const column = columnOf(table, name);
    if (column) targets.push({ index, inputName: raw, column });
    else if (QUERY_ARTIFACT_COLUMNS.has(name)) ignored.push(raw);
    else unknown.push(raw);
  });
  return { layout: { tables: { [table]: targets }, ignored, unusable: [] }, unknown };
}

const HIERARCHY: Csc2TableName[] = ['master_source', 'stack_source', 'observation_source', 'master_stack_assoc', 'stack_observation_assoc'];

/** Automatic layout: master columns win for names shared with observation_source unless a ".1" twin exists. */
export function autoLayout(header: ReadonlyArray<string>): { layout: Csc2Layout; unknown: string[] } {
  const names = header.map((h) => h.trim().toLowerCase());
  const present = new Set(names);
  const tables: Partial<Record<Csc2TableName, ColumnTarget[]>> = {};
  const ignored: string[] = [];
  const unknown: string[] = [];
  const add = (t: Csc2TableName, target: ColumnTarget) => (tables[t] ??= []).push(target);

  names.forEach((name, index) => {
    const inputName = header[index] ?? name;
    const twin = /^(.+)\.1$/.exec(name);
    if (twin) {
      const column = columnOf('observation_source', twin[1] ?? '');
      if (column) add('observation_source', { index, inputName, column });
      else unknown.push(inputName);
      return;
    }
    const master = columnOf('master_source', name);
    const obs = columnOf('observation_source', name);
    const stack = columnOf('stack_source', name);
    let placed = false;
    if (master) {
      add('master_source', { index, inputName, column: master });
      placed = true;
    }
    if (obs && (!master || isKeyOf('observation_source', name))) {
      add('observation_source', { index, inputName, column: obs });
      placed = true;
    }
    if (stack && present.has('detect_stack_id') && (!master || isKeyOf('stack_source', name))) {
      add('stack_source', { index, inputName, column: stack });
      placed = true;
    }
    for (const assoc of ['master_stack_assoc', 'stack_observation_assoc'] as const) {
      const c = columnOf(assoc, name);
      if (c && present.has('detect_stack_id')) {
        add(assoc, { index, inputName, column: c });
        placed = true;
      }
    }
    if (!placed) (QUERY_ARTIFACT_COLUMNS.has(name) ? ignored : unknown).push(inputName);
  });

  const unusable: Csc2Layout['unusable'] = [];
  for (const t of HIERARCHY) {
    const targets = tables[t];
    if (!targets) continue;
    const def = csc2Table(t);
    const has = (k: string) => targets.some((x) => x.column.name === k);
    const missingKey = (def.primaryKey ?? []).filter((k) => !has(k));
    const missingRequired = def.columns.filter((c) => c.required && !has(c.name)).map((c) => c.name);
    const isAssoc = t === 'master_stack_assoc' || t === 'stack_observation_assoc';
    const onlyKeys = !isAssoc && targets.every((x) => def.primaryKey?.includes(x.column.name));
    let reason: string | undefined;
    if (missingKey.length) reason = `key column(s) ${missingKey.join(', ')} missing`;
    else if (missingRequired.length) reason = `required column(s) ${missingRequired.join(', ')} missing`;
    else if (onlyKeys) reason = 'only key columns present (rows are expected to exist already)';
    if (reason) {
      delete tables[t];
      unusable.push({ table: t, columns: targets.map((x) => x.inputName), reason });
    }
  }
  return { layout: { tables, ignored, unusable }, unknown };
}

function isKeyOf(table: Csc2TableName, name: string): boolean {
  return csc2Table(table).primaryKey?.includes(name) === true;
}
