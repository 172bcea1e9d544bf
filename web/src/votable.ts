/** Reads a TABLEDATA VOTable (a TAP result, a DataLink links document or a DALI error document) with the
 *  browser's DOMParser: the fields with their metadata, the rows as strings (null for empty cells), the
 *  QUERY_STATUS and its message, and the service descriptors (DataLink) with the column that feeds their ID. */
import type { FieldInfo } from './lib/columns.js';

export interface ServiceDescriptor {
  accessUrl: string;
  standardId?: string;
  /** Index of the field whose value is the ID parameter. */
  idField?: number;
  name: string;
}

export interface VoTable {
  status: 'OK' | 'ERROR' | 'OVERFLOW' | 'UNKNOWN';
  message?: string;
  fields: FieldInfo[];
  rows: Array<Array<string | null>>;
  descriptors: ServiceDescriptor[];
  /** The serialization was not TABLEDATA (BINARY/BINARY2/FITS): rows could not be read. */
  unreadable?: string;
}

const local = (n: Element): string => n.localName;
const kids = (n: Element, name: string): Element[] => Array.from(n.children).filter((c) => local(c) === name);
const all = (n: Document | Element, name: string): Element[] => Array.from(n.getElementsByTagNameNS('*', name));

export function parseVoTable(text: string): VoTable {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0 || doc.documentElement.localName !== 'VOTABLE') {
    return { status: 'ERROR', message: `not a VOTable: ${text.slice(0, 200)}`, fields: [], rows: [], descriptors: [] };
  }
  const infos = all(doc, 'INFO').filter((i) => i.getAttribute('name') === 'QUERY_STATUS');
  let status: VoTable['status'] = 'UNKNOWN';
  let message: string | undefined;
  for (const info of infos) {
    const v = (info.getAttribute('value') ?? '').toUpperCase();
    if (v === 'ERROR' || v === 'OVERFLOW' || (v === 'OK' && status === 'UNKNOWN')) {
      status = v as VoTable['status'];
      const t = info.textContent?.trim();
      if (t) message = t;
    }
  }
  const table = all(doc, 'TABLE')[0];
  const fields: FieldInfo[] = [];
  const ids = new Map<string, number>();
  const rows: Array<Array<string | null>> = [];
  let unreadable: string | undefined;
  if (table) {
    for (const f of kids(table, 'FIELD')) {
      const desc = kids(f, 'DESCRIPTION')[0]?.textContent?.trim();
      const info: FieldInfo = { name: f.getAttribute('name') ?? '', datatype: f.getAttribute('datatype') ?? 'char' };
      const arraysize = f.getAttribute('arraysize');
      if (arraysize) info.arraysize = arraysize;
      const unit = f.getAttribute('unit');
      if (unit) info.unit = unit;
      const ucd = f.getAttribute('ucd');
      if (ucd) info.ucd = ucd;
      if (desc) info.description = desc;
      const id = f.getAttribute('ID');
      if (id) ids.set(id, fields.length);
      fields.push(info);
    }
    const data = kids(table, 'DATA')[0];
    const td = data ? kids(data, 'TABLEDATA')[0] : undefined;
    if (data && !td) unreadable = data.firstElementChild?.localName ?? 'unknown';
    if (td) {
      for (const tr of kids(td, 'TR')) {
        const row: Array<string | null> = [];
        for (const c of kids(tr, 'TD')) row.push(c.textContent === '' ? null : c.textContent);
        while (row.length < fields.length) row.push(null);
        rows.push(row);
      }
    }
  }
  const descriptors: ServiceDescriptor[] = [];
  for (const r of all(doc, 'RESOURCE')) {
    if (r.getAttribute('type') !== 'meta' || r.getAttribute('utype') !== 'adhoc:service') continue;
    const param = (name: string): string | undefined =>
      kids(r, 'PARAM').find((p) => p.getAttribute('name') === name)?.getAttribute('value') ?? undefined;
    const accessUrl = param('accessURL');
    if (!accessUrl) continue;
    const input = kids(r, 'GROUP')
      .filter((g) => g.getAttribute('name') === 'inputParams')
      .flatMap((g) => kids(g, 'PARAM'))
      .find((p) => p.getAttribute('name') === 'ID');
    const ref = input?.getAttribute('ref');
    const d: ServiceDescriptor = { accessUrl, name: r.getAttribute('name') ?? r.getAttribute('ID') ?? 'service' };
    const std = param('standardID');
    if (std) d.standardId = std;
    if (ref !== null && ref !== undefined && ids.has(ref)) d.idField = ids.get(ref) as number;
    descriptors.push(d);
  }
  return { status, ...(message === undefined ? {} : { message }), fields, rows, descriptors, ...(unreadable ? { unreadable } : {}) };
}

/** Values of one column as numbers (null where empty or not a number). */
export function numbers(t: VoTable, col: number): Array<number | null> {
  return t.rows.map((r) => {
    const v = r[col];
    if (v === null || v === undefined) return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  });
}
