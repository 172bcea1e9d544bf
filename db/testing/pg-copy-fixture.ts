/** Test support for pg-copy-binary.ts: builds PostgreSQL binary COPY data from typed values (the writer side of
 *  the format, as PostgreSQL's *send functions lay it out), and says which JS value the `pg` driver would give
 *  the cursor path for each (db/type-parsers.ts), so both paths can be compared byte for byte. */
import { PG_ARRAY_ELEMENT, PG_OID } from '../pg-types.js';

/** A cell: null, or a value of the column's PostgreSQL type (int8 and timestamp µs as bigint, arrays 1-D). */
export type PgCell = null | number | bigint | boolean | string | ReadonlyArray<number | bigint | boolean | null>;


const utf8 = new TextEncoder();

function scalarBytes(oid: number, v: number | bigint | boolean | string): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  switch (oid) {
    case PG_OID.BOOL:
      return Uint8Array.of(v ? 1 : 0);
    case PG_OID.INT2:
      dv.setInt16(0, Number(v));
      return b.slice(0, 2);
    case PG_OID.INT4:
      dv.setInt32(0, Number(v));
      return b.slice(0, 4);
    case PG_OID.INT8:
    case PG_OID.TIMESTAMP:
      dv.setBigInt64(0, BigInt(v as bigint));
      return b;
    case PG_OID.FLOAT4:
      dv.setFloat32(0, Number(v));
      return b.slice(0, 4);
    case PG_OID.FLOAT8:
      dv.setFloat64(0, Number(v));
      return b;
    default:
      return utf8.encode(String(v));
  }
}

function cellBytes(oid: number, v: Exclude<PgCell, null>): Uint8Array {
  const elemOid = PG_ARRAY_ELEMENT[oid];
  if (elemOid === undefined) return scalarBytes(oid, v as number | bigint | boolean | string);
  const a = v as ReadonlyArray<number | bigint | boolean | null>;
  const parts: number[] = [];
  const i32 = (x: number) => parts.push((x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  i32(a.length === 0 ? 0 : 1);
  i32(a.some((x) => x === null) ? 1 : 0);
  i32(elemOid);
  if (a.length > 0) {
    i32(a.length);
    i32(1);
  }
  for (const x of a) {
    if (x === null) i32(-1);
    else {
      const e = scalarBytes(elemOid, x);
      i32(e.length);
      parts.push(...e);
    }
  }
  return Uint8Array.from(parts);
}

/** The whole binary COPY output of a result (header, tuples, trailer). */
export function encodeCopyBinary(oids: ReadonlyArray<number>, rows: ReadonlyArray<ReadonlyArray<PgCell>>): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0)];
  for (const row of rows) {
    const head = new Uint8Array(2);
    new DataView(head.buffer).setInt16(0, oids.length);
    parts.push(head);
    oids.forEach((oid, c) => {
      const v = row[c];
      const len = new Uint8Array(4);
      if (v === null || v === undefined) {
        new DataView(len.buffer).setInt32(0, -1);
        parts.push(len);
        return;
      }
      const bytes = cellBytes(oid, v);
      new DataView(len.buffer).setInt32(0, bytes.length);
      parts.push(len, bytes);
    });
  }
  parts.push(Uint8Array.of(0xff, 0xff));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The value the `pg` driver gives the cursor path for a cell (timestamps as text without zone, 'T' separator;
 *  only for years 1–9999, through Date). */
export function cursorValue(oid: number, v: PgCell): unknown {
  if (v === null) return null;
  if (oid === PG_OID.TIMESTAMP) {
    const us = BigInt(v as bigint);
    const epoch2000 = 946_684_800_000n;
    let ms = us / 1000n;
    let frac = us % 1_000_000n;
    if (frac < 0n) frac += 1_000_000n;
    if (us % 1000n < 0n) ms -= 1n;
    const iso = new Date(Number(ms + epoch2000)).toISOString().slice(0, 19);
    const f = frac === 0n ? '' : `.${frac.toString().padStart(6, '0')}`.replace(/0+$/, '');
    return iso + f;
  }
  return v;
}
