/** Splits the raw content of a TABLEDATA element into rows of cell texts without building an XML node per
 *  cell: a small scanner for TR/TD tags (any namespace prefix), comments, CDATA sections and character
 *  references. The content has already passed the well-formedness check. Spec: VOTable 1.4 §5.1. Pure. */
import { decodeXmlEntities } from './xml.js';

function localName(tag: string): string {
  let end = 0;
  while (end < tag.length) {
    const c = tag.charCodeAt(end);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 47 /* / */) break;
    end++;
  }
  const name = tag.slice(0, end);
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Calls onRow with the decoded cell texts of each TR, in order. */
export function scanTabledata(raw: string, onRow: (cells: string[]) => void): void {
  let i = 0;
  let row: string[] | null = null;
  let cell: string | null = null;
  const n = raw.length;
  while (i < n) {
    const lt = raw.indexOf('<', i);
    if (lt < 0) break;
    if (cell !== null && lt > i) cell += decodeXmlEntities(raw.slice(i, lt));
    if (raw.startsWith('<!--', lt)) {
      const e = raw.indexOf('-->', lt + 4);
      i = e < 0 ? n : e + 3;
      continue;
    }
    if (raw.startsWith('<![CDATA[', lt)) {
      const e = raw.indexOf(']]>', lt + 9);
      const end = e < 0 ? n : e;
      if (cell !== null) cell += raw.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    if (raw.startsWith('<?', lt)) {
      const e = raw.indexOf('?>', lt + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    // Find the end of the tag, skipping '>' inside quoted attribute values.
    let gt = lt + 1;
    let quote = 0;
    for (; gt < n; gt++) {
      const c = raw.charCodeAt(gt);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 62) break;
    }
    const closing = raw.charCodeAt(lt + 1) === 47;
    const selfClosing = raw.charCodeAt(gt - 1) === 47;
    const name = localName(raw.slice(closing ? lt + 2 : lt + 1, gt));
    if (name === 'TD') {
      if (closing) {
        if (row !== null) row.push(cell ?? '');
        cell = null;
      } else if (selfClosing) {
        if (row !== null) row.push('');
      } else cell = '';
    } else if (name === 'TR') {
      if (closing) {
        if (row !== null) onRow(row);
        row = null;
      } else if (selfClosing) onRow([]);
      else row = [];
    }
    i = gt + 1;
  }
}
