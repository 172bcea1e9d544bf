/** Builds the VOSI tables documents (VOSI 1.1 §3.3, TAP 1.1 §2.5): the `vosi:tableset` (detail=min: schemas and
 *  tables; detail=max: with columns and foreign keys) and one `vosi:table` per child resource, in VODataService 1.2
 *  types. Pure, and derived from the same metadata and the same helpers as the TAP_SCHEMA rows
 *  (schema/tap-schema-rows.ts: published column names, the indexed flag), so taplint TMC finds them equal. */
import { create } from 'xmlbuilder2';
import { isReservedWord } from '../../adql/index.js';
import { PUBLISHED_SCHEMAS, allTables, isColumnIndexed, publishedColumnName, qualifiedName } from '../../schema/index.js';
import type { ColumnDef, SchemaDef, TableDef } from '../../schema/index.js';
import { NS } from './namespaces.js';

type XMLBuilder = ReturnType<typeof create>;

export type TablesDetail = 'min' | 'max';

/** The value of VOSI's `detail` parameter, or undefined when it is not one VOSI defines. */
export function parseTablesDetail(value: string): TablesDetail | undefined {
  const v = value.trim().toLowerCase();
  return v === 'min' || v === 'max' ? v : undefined;
}

/** The published table with this qualified name (compared case-insensitively, as TAP_SCHEMA names are matched). */
export function findPublishedTable(name: string, schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): TableDef | undefined {
  const want = name.trim().toLowerCase();
  return allTables(schemas).find((t) => qualifiedName(t).toLowerCase() === want);
}

/** VODataService column flags. `indexed` follows TAP_SCHEMA.columns.indexed exactly (isColumnIndexed); `primary`
 *  and `nullable` are VODataService's own, `principal` mirrors TAP_SCHEMA.columns.principal. */
export function columnFlags(t: TableDef, c: ColumnDef): string[] {
  const flags: string[] = [];
  if (isColumnIndexed(t, c.name)) flags.push('indexed');
  const isPrimary = t.primaryKey?.includes(c.name) ?? false;
  if (isPrimary) flags.push('primary');
  if (!isPrimary && !c.required) flags.push('nullable');
  if (c.principal) flags.push('principal');
  return flags;
}

function addText(parent: XMLBuilder, name: string, value: string | undefined): void {
  if (value !== undefined && value !== '') parent.ele(name).txt(value);
}

function addColumn(parent: XMLBuilder, t: TableDef, c: ColumnDef): void {
  const col = parent.ele('column', { std: c.std ? 'true' : 'false' });
  col.ele('name').txt(publishedColumnName(c.name, isReservedWord));
  addText(col, 'description', c.description);
  addText(col, 'unit', c.unit);
  addText(col, 'ucd', c.ucd);
  addText(col, 'utype', c.utype);
  const dt: Record<string, string> = { 'xsi:type': 'vs:VOTableType' };
  if (c.arraysize !== undefined) dt.arraysize = c.arraysize;
  if (c.xtype !== undefined) dt.extendedType = c.xtype;
  col.ele('dataType', dt).txt(c.datatype);
  for (const f of columnFlags(t, c)) col.ele('flag').txt(f);
}

/** Fills a vs:Table element (the tableset's `table` or the standalone `vosi:table`). */
function fillTable(el: XMLBuilder, t: TableDef, withColumns: boolean): void {
  el.ele('name').txt(qualifiedName(t));
  addText(el, 'description', t.description);
  addText(el, 'utype', t.utype);
  if (!withColumns) return;
  for (const c of t.columns) addColumn(el, t, c);
  for (const fk of t.foreignKeys ?? []) {
    const key = el.ele('foreignKey');
    key.ele('targetTable').txt(fk.target);
    // Same column names as TAP_SCHEMA.key_columns (tap-schema-rows.ts writes them as declared).
    for (const kc of fk.columns) {
      const fc = key.ele('fkColumn');
      fc.ele('fromColumn').txt(kc.from);
      fc.ele('targetColumn').txt(kc.target);
    }
    addText(key, 'description', fk.description);
  }
}

const tableType = (t: TableDef): string => t.tableType ?? 'table';

/** The `vosi:tableset` document: every published schema, in listing order, with its tables. */
export function tablesetXml(detail: TablesDetail, schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS.vosiTables, 'vosi:tableset', {
    'xmlns:vs': NS.vs,
    'xmlns:xsi': NS.xsi,
  });
  addSchemas(root, detail, schemas);
  return root.end({ prettyPrint: true });
}

/** Adds one `schema` element per published schema to a tableset (the VOSI document, or a registry record's
 *  vs:CatalogService tableset); the parent declares the vs and xsi prefixes. */
export function addSchemas(root: XMLBuilder, detail: TablesDetail, schemas: ReadonlyArray<SchemaDef> = PUBLISHED_SCHEMAS): void {
  for (const s of schemas) {
    const schema = root.ele('schema');
    schema.ele('name').txt(s.name);
    addText(schema, 'description', s.description);
    addText(schema, 'utype', s.utype);
    for (const t of s.tables) fillTable(schema.ele('table', { type: tableType(t) }), t, detail === 'max');
  }
}

/** The `vosi:table` document of one table, always with its columns and foreign keys (VOSI 1.1 §3.3.2). */
export function tableXml(t: TableDef): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS.vosiTables, 'vosi:table', {
    'xmlns:vs': NS.vs,
    'xmlns:xsi': NS.xsi,
    type: tableType(t),
  });
  fillTable(root, t, true);
  return root.end({ prettyPrint: true });
}
