/** `xtap adql "<query>"`: translates ADQL against the published metadata and prints the PostgreSQL SQL, its
 *  parameters and the output columns (name, datatype, arraysize, unit, UCD, xtype), or the positioned error. */
import { translateAdql } from '../adql/index.js';
import { publishedCatalog } from '../schema/index.js';
import type { ColumnMeta } from '../schema/index.js';

export interface AdqlCommandOutput {
  sql: string;
  params: unknown[];
  columns: ColumnMeta[];
}

export function translateForCli(query: string): AdqlCommandOutput {
  return translateAdql(query, publishedCatalog());
}

function pad(cells: string[][]): string {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length))) ?? [];
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function formatTranslation(t: AdqlCommandOutput): string {
  const rows = [['column', 'datatype', 'arraysize', 'unit', 'ucd', 'xtype']];
  for (const c of t.columns) rows.push([c.name, c.datatype, c.arraysize ?? '', c.unit ?? '', c.ucd ?? '', c.xtype ?? '']);
  const params = t.params.length ? `\n\nparameters:\n${t.params.map((p, i) => `  $${i + 1} = ${JSON.stringify(p)}`).join('\n')}` : '';
  return `${t.sql}${params}\n\n${pad(rows)}\n`;
}
