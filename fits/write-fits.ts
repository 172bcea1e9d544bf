/** FITS writer: a primary HDU (empty or a 2-D double image) plus BINTABLE extensions from column arrays
 *  (FITS 4.0 §3-§7). Values are written as *stored* (raw) numbers: scaling keywords (TZERO/TSCAL/TNULL) are
 *  copied to the header but not applied. Hand-written for the same reason as the reader (no maintained Node FITS
 *  writer); used by the DataLink products (server/products: OGIP light curves and PHA spectra, map images) and by
 *  the tests' synthetic event files (testing/write-fits.ts). */

import type { FitsValue } from './header.js';

export type WriteValues = ArrayLike<number> | ArrayLike<bigint> | readonly string[] | readonly boolean[];

export interface WriteColumn {
  name: string;
  /** TFORM, e.g. '1D', '1J', '8A', '32X', '3E'. */
  tform: string;
  unit?: string;
  tzero?: number | bigint;
  tscal?: number;
  tnull?: number | bigint;
  /** Stored values, row-major for repeat > 1. For X: one byte array of ceil(bits/8) bytes per row, flat. For L: booleans (or null). */
  values: WriteValues | ReadonlyArray<boolean | null>;
}

export interface WriteTable {
  extname?: string;
  /** Extra header cards, written after the mandatory ones, in order. */
  keywords?: ReadonlyArray<[string, FitsValue, string?]>;
  columns: WriteColumn[];
  /** Row count; defaults to the length of the first column's values / repeat. */
  nrows?: number;
  /** Override NAXIS1 (to write deliberately inconsistent files). */
  naxis1?: number;
}

/** A 2-D image for the primary HDU. */
export interface WriteImage {
  width: number;
  height: number;
  /** Row-major, row 0 first (FITS pixel (1,1) is values[0]). */
  values: ArrayLike<number>;
}

export interface WriteFitsInput {
  primaryKeywords?: ReadonlyArray<[string, FitsValue, string?]>;
  /** Image data of the primary HDU (written as BITPIX -64); none: an empty primary HDU. */
  primaryImage?: WriteImage;
  tables: WriteTable[];
}

function formatValue(value: FitsValue): string {
  if (value === null) return ''.padStart(20);
  if (typeof value === 'boolean') return (value ? 'T' : 'F').padStart(20);
  if (typeof value === 'string') {
    const quoted = `'${value.replace(/'/g, "''").padEnd(8)}'`;
    return quoted.padEnd(20);
  }
  if (typeof value === 'bigint') return value.toString().padStart(20);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value).padStart(20);
    if (!Number.isFinite(value)) throw new Error(`write-fits: ${value} is not a FITS number`);
    const s = value.toExponential(16).toUpperCase();
    return s.padStart(20);
  }
  return `(${value[0]}, ${value[1]})`.padStart(20);
}

/** One 80-character header card. */
export function formatCard(keyword: string, value: FitsValue | undefined, comment?: string): string {
  let card: string;
  if (value === undefined) card = keyword.padEnd(8) + (comment ?? '');
  else card = `${keyword.padEnd(8)}= ${formatValue(value)}${comment ? ` / ${comment}` : ''}`;
  if (card.length > 80) card = card.slice(0, 80);
  return card.padEnd(80);
}

function pad(bytes: number[] | Uint8Array, fill: number): Uint8Array {
  const len = Math.ceil(bytes.length / 2880) * 2880;
  const out = new Uint8Array(len).fill(fill);
  out.set(bytes);
  return out;
}

function headerBytes(cards: string[]): Uint8Array {
  const text = [...cards, 'END'.padEnd(80)].join('');
  const arr = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) arr[i] = text.charCodeAt(i);
  return pad(arr, 0x20);
}

const ELEMENT: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8 };

function parse(tform: string): { repeat: number; code: string; width: number } {
  const m = /^(\d*)([LXBIJKAED])/.exec(tform);
  if (!m) throw new Error(`write-fits: unsupported TFORM ${tform}`);
  const repeat = m[1] === '' ? 1 : Number(m[1]);
  const code = m[2];
  return { repeat, code, width: code === 'X' ? Math.ceil(repeat / 8) : repeat * ELEMENT[code] };
}

function tableBytes(t: WriteTable): { header: Uint8Array; data: Uint8Array } {
  const layout = t.columns.map((c) => parse(c.tform));
  const rowBytes = layout.reduce((a, l) => a + l.width, 0);
  const first = t.columns[0];
  const nrows =
    t.nrows ?? (first ? (layout[0].code === 'A' || layout[0].code === 'X' ? first.values.length / (layout[0].code === 'X' ? layout[0].width : 1) : first.values.length / layout[0].repeat) : 0);
  const cards = [
    formatCard('XTENSION', 'BINTABLE', 'binary table extension'),
    formatCard('BITPIX', 8),
    formatCard('NAXIS', 2),
    formatCard('NAXIS1', t.naxis1 ?? rowBytes, 'width of table in bytes'),
    formatCard('NAXIS2', nrows, 'number of rows in table'),
    formatCard('PCOUNT', 0),
    formatCard('GCOUNT', 1),
    formatCard('TFIELDS', t.columns.length),
  ];
  if (t.extname) cards.push(formatCard('EXTNAME', t.extname));
  t.columns.forEach((c, i) => {
    const n = i + 1;
    cards.push(formatCard(`TTYPE${n}`, c.name), formatCard(`TFORM${n}`, c.tform));
    if (c.unit !== undefined) cards.push(formatCard(`TUNIT${n}`, c.unit));
    if (c.tscal !== undefined) cards.push(formatCard(`TSCAL${n}`, c.tscal));
    if (c.tzero !== undefined) cards.push(formatCard(`TZERO${n}`, c.tzero));
    if (c.tnull !== undefined) cards.push(formatCard(`TNULL${n}`, c.tnull));
  });
  for (const [k, v, cm] of t.keywords ?? []) cards.push(formatCard(k, v, cm));
  const data = new Uint8Array(rowBytes * nrows);
  const view = new DataView(data.buffer);
  let offset = 0;
  t.columns.forEach((c, ci) => {
    const { repeat, code, width } = layout[ci];
    for (let row = 0; row < nrows; row++) {
      const base = row * rowBytes + offset;
      if (code === 'A') {
        const s = String((c.values as readonly string[])[row] ?? '');
        for (let k = 0; k < repeat; k++) data[base + k] = k < s.length ? s.charCodeAt(k) : 0x20;
        continue;
      }
      if (code === 'X') {
        const bytes = c.values as ArrayLike<number>;
        for (let k = 0; k < width; k++) data[base + k] = bytes[row * width + k];
        continue;
      }
      for (let k = 0; k < repeat; k++) {
        const v = (c.values as ArrayLike<unknown>)[row * repeat + k];
        const o = base + k * ELEMENT[code];
        switch (code) {
          case 'L':
            data[o] = v === true ? 0x54 : v === false ? 0x46 : 0;
            break;
          case 'B':
            view.setUint8(o, Number(v));
            break;
          case 'I':
            view.setInt16(o, Number(v), false);
            break;
          case 'J':
            view.setInt32(o, Number(v), false);
            break;
          case 'K':
            view.setBigInt64(o, BigInt(v as bigint | number), false);
            break;
          case 'E':
            view.setFloat32(o, Number(v), false);
            break;
          case 'D':
            view.setFloat64(o, Number(v), false);
            break;
        }
      }
    }
    offset += width;
  });
  return { header: headerBytes(cards), data: pad(data, 0) };
}

/** Primary-HDU image bytes: BITPIX -64 (IEEE double, big-endian), `values[y * width + x]` with x the first axis. */
function imageBytes(img: WriteImage): Uint8Array {
  if (img.values.length !== img.width * img.height) throw new Error(`write-fits: image of ${img.width} x ${img.height} needs ${img.width * img.height} values, got ${img.values.length}`);
  const data = new Uint8Array(img.values.length * 8);
  const view = new DataView(data.buffer);
  for (let i = 0; i < img.values.length; i++) view.setFloat64(i * 8, img.values[i], false);
  return pad(data, 0);
}

/** Writes a FITS file: a primary HDU (empty, or the given image) and the given BINTABLE extensions. */
export function writeFits(input: WriteFitsInput): Uint8Array {
  const img = input.primaryImage;
  const primary = img
    ? [formatCard('SIMPLE', true, 'conforms to FITS standard'), formatCard('BITPIX', -64, 'IEEE double'), formatCard('NAXIS', 2), formatCard('NAXIS1', img.width), formatCard('NAXIS2', img.height), formatCard('EXTEND', true)]
    : [formatCard('SIMPLE', true, 'conforms to FITS standard'), formatCard('BITPIX', 8), formatCard('NAXIS', 0), formatCard('EXTEND', true)];
  for (const [k, v, cm] of input.primaryKeywords ?? []) primary.push(formatCard(k, v, cm));
  const parts: Uint8Array[] = [headerBytes(primary)];
  if (img) parts.push(imageBytes(img));
  for (const t of input.tables) {
    const { header, data } = tableBytes(t);
    parts.push(header, data);
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

