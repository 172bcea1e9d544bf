/** The table browser: every published table with its columns (unit, UCD, description, and "empty in this
 *  deployment" when TAP_SCHEMA.columns says so), read with ADQL from TAP_SCHEMA. Clicking a table name puts a
 *  starter query in the editor. Also returns the names for the editor's completion. */
import type { SQLNamespace } from '@codemirror/lang-sql';
import { runSync } from './api.js';

const EMPTY_MARK = '[empty in this deployment';

export async function loadTableBrowser(container: HTMLElement, onPick: (table: string) => void): Promise<SQLNamespace> {
  const [tables, columns] = await Promise.all([
    runSync('SELECT table_name, description FROM TAP_SCHEMA.tables ORDER BY table_index', 10000),
    runSync('SELECT table_name, column_name, unit, ucd, description FROM TAP_SCHEMA.columns ORDER BY table_name, column_index', 100000),
  ]);
  const byTable = new Map<string, Array<Array<string | null>>>();
  for (const r of columns.rows) {
    const list = byTable.get(r[0] ?? '') ?? [];
    list.push(r);
    byTable.set(r[0] ?? '', list);
  }
  const schema: Record<string, Record<string, string[]>> = {};
  container.replaceChildren();
  for (const [name, description] of tables.rows) {
    if (!name) continue;
    const cols = byTable.get(name) ?? [];
    const [s, t] = name.includes('.') ? (name.split('.', 2) as [string, string]) : ['', name];
    (schema[s] ??= {})[t] = cols.map((c) => c[1] ?? '');
    const d = document.createElement('details');
    const sum = document.createElement('summary');
    sum.textContent = name;
    sum.title = description ?? '';
    const use = document.createElement('button');
    use.className = 'badge';
    use.textContent = 'query';
    use.title = `SELECT TOP 100 * FROM ${name}`;
    use.addEventListener('click', (e) => {
      e.preventDefault();
      onPick(name);
    });
    const count = document.createElement('span');
    count.className = 'badge';
    count.textContent = String(cols.length);
    sum.append(count, use);
    const list = document.createElement('div');
    list.className = 'cols';
    const desc = document.createElement('p');
    desc.textContent = description ?? '';
    list.append(desc);
    for (const [, col, unit, ucd, cdesc] of cols) {
      const row = document.createElement('div');
      const empty = (cdesc ?? '').includes(EMPTY_MARK);
      if (empty) row.className = 'empty';
      const code = document.createElement('code');
      code.textContent = col ?? '';
      row.append(code);
      if (unit) row.append(` [${unit}]`);
      if (empty) {
        const b = document.createElement('span');
        b.className = 'badge';
        b.textContent = 'empty here';
        row.append(b);
      }
      row.title = [cdesc, ucd ? `UCD ${ucd}` : ''].filter(Boolean).join('\n');
      list.append(row);
    }
    d.append(sum, list);
    container.append(d);
  }
  return schema;
}
