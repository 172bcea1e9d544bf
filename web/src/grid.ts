/** The results grid: a header with names and units (descriptions and UCDs as tooltips) and a virtualised body
 *  that keeps only the visible rows (plus a margin) in the DOM, so 100 000-row results scroll smoothly. Cells of
 *  a column that feeds a DataLink service descriptor are links that open the row's DataLink products. */
import type { VoTable } from './votable.js';

const ROW_HEIGHT = 22;
const OVERSCAN = 10;

export function renderGrid(container: HTMLElement, table: VoTable, onDataLink: (id: string, accessUrl: string) => void): void {
  container.replaceChildren();
  const linkCols = new Map<number, string>();
  for (const d of table.descriptors) if (d.idField !== undefined) linkCols.set(d.idField, d.accessUrl);

  const head = document.createElement('div');
  head.className = 'head';
  for (const f of table.fields) {
    const c = document.createElement('div');
    c.className = 'cell';
    c.textContent = f.name;
    c.title = [f.description, f.ucd ? `UCD ${f.ucd}` : '', f.unit ? `unit ${f.unit}` : ''].filter(Boolean).join('\n');
    if (f.unit) {
      const u = document.createElement('span');
      u.className = 'unit';
      u.textContent = f.unit;
      c.append(u);
    }
    head.append(c);
  }
  const body = document.createElement('div');
  body.className = 'body';
  body.style.position = 'relative';
  body.style.height = `${table.rows.length * ROW_HEIGHT}px`;
  container.append(head, body);

  const width = `${table.fields.length * 9}rem`;
  head.style.minWidth = width;
  body.style.minWidth = width;
  let first = -1;
  let last = -1;

  const draw = (): void => {
    const top = Math.max(0, container.scrollTop - head.offsetHeight);
    const from = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const to = Math.min(table.rows.length, Math.ceil((top + container.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    if (from === first && to === last) return;
    first = from;
    last = to;
    const frag = document.createDocumentFragment();
    for (let i = from; i < to; i++) {
      const row = table.rows[i] as Array<string | null>;
      const r = document.createElement('div');
      r.className = 'row';
      r.setAttribute('role', 'row');
      r.style.top = `${i * ROW_HEIGHT}px`;
      r.style.minWidth = width;
      row.forEach((v, j) => {
        const c = document.createElement('div');
        c.className = v === null ? 'cell null' : 'cell';
        const access = linkCols.get(j);
        if (v !== null && access !== undefined) {
          const a = document.createElement('a');
          a.className = 'dl';
          a.textContent = v;
          a.title = 'DataLink: products of this row';
          a.addEventListener('click', () => onDataLink(v, access));
          c.append(a);
        } else {
          c.textContent = v ?? '—';
          if (v !== null) c.title = v;
        }
        r.append(c);
      });
      frag.append(r);
    }
    body.replaceChildren(frag);
  };
  container.onscroll = draw;
  container.scrollTop = 0;
  draw();
}
