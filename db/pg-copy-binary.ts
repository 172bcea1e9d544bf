/** Transcodes PostgreSQL binary COPY output straight into VOTable BINARY2 rows, buffer to buffer, without a JS
 *  value per cell: the bulk download path. Hand-written (no library reads COPY binary without building rows).
 *  Owns the COPY framing (header, tuples split anywhere across chunks, trailer) and one converter per column,
 *  built once from (PostgreSQL type OID, FIELD); the document around the rows is encodeVotableWith's. Every
 *  converter writes the same bytes the cursor path's codecs write for the value `pg` would have parsed, so both
 *  paths give identical documents. Spec: PostgreSQL 15 COPY §"Binary Format", array_send/timestamp_send;
 *  VOTable 1.4 §5.4–5.5 (BINARY2). Pure. */
import { buildBinaryCodec, type EncoderColumn } from '../votable/column-codecs.js';
import { parseArraysize, type ArrayShape } from '../votable/arraysize.js';
import type { VotableDocInfo } from '../votable/document.js';
import { Base64RowBuffer, encodeVotableWith, type RowSink, type VotableEncodeOptions } from '../votable/votable-encoder.js';
import { PG_ARRAY_ELEMENT, PG_OID, TEXT_OIDS } from './pg-types.js';

export { PG_OID };



/** "PGCOPY\n\377\r\n\0": the 11-byte signature of binary COPY. */
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const HEADER_BYTES = 19; // signature, int32 flags, int32 header-extension length

/** Writes a non-null field of `len` bytes at src[s] into out at o; returns the new output position. */
type FieldWriter = (src: Uint8Array, sdv: DataView, s: number, len: number, out: Uint8Array, odv: DataView, o: number) => number;

// Hot-loop kinds: the common exact copies are inlined in the row loop; everything else calls a FieldWriter.
const K_F8 = 1;
const K_F4 = 2;
const K_I4 = 3;
const K_I2 = 4;
const K_I8 = 5;
const K_BOOL = 6;
const K_TEXT = 7;
const K_CALL = 8;

interface ColumnPlan {
  kind: number;
  /** PostgreSQL's field length for the fixed-size kinds (checked), else -1. */
  inLen: number;
  /** Output bytes written for a null (the cursor codec's writeNull). */
  nullBytes: Uint8Array;
  /** Output bytes of a value when fixed, else -1. */
  fixedBytes: number;
  /** Output bytes a variable value may use beyond 4 + 2 × its input length. */
  extraBytes: number;
  write?: FieldWriter;
}

/** Thrown for COPY data the transcoder cannot read (a bug or a type mismatch, never a user error). */
export class CopyBinaryError extends Error {
  constructor(message: string) {
    super(`binary COPY: ${message}`);
    this.name = 'CopyBinaryError';
  }
}

/** Whether every result column can be transcoded from its PostgreSQL type into its FIELD; when not, callers use
 *  the cursor path. `typeOids` are the result's pg_type OIDs in select-list order. */
export function canTranscodeCopy(fields: ReadonlyArray<EncoderColumn>, typeOids: ReadonlyArray<number>): boolean {
  if (fields.length !== typeOids.length || fields.length === 0) return false;
  try {
    return fields.every((f, i) => planColumn(f, typeOids[i] as number, undefined) !== undefined);
  } catch {
    // An arraysize the codecs reject: let the cursor path report it the usual way.
    return false;
  }
}

/** Encodes a VOTable BINARY2 document from binary COPY chunks of `SELECT <fields>`; same document, MAXREC and
 *  error handling as encodeVotable (the serialization option is ignored: always BINARY2). */
export function encodeVotableFromCopy(
  doc: VotableDocInfo,
  fields: ReadonlyArray<EncoderColumn>,
  typeOids: ReadonlyArray<number>,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: VotableEncodeOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  return encodeVotableWith(doc, fields, chunks, (nullValues) => new CopyBinary2Sink(fields, typeOids, nullValues, opts.chunkBytes ?? 65_536), {
    ...opts,
    serialization: 'BINARY2',
  });
}

/** `tuple` results besides a position: the tuple is cut by the end of the data so far; it needs more room. */
const TUPLE_CUT = -1;
const TUPLE_ROOM = -2;

const ST_HEADER = 0;
const ST_TUPLES = 1;
const ST_DONE = 2;

/** The binary COPY framing, apart from what is done with a tuple (BINARY2 rows here): checks
 *  the header, cuts the chunks into complete tuples (a tuple a chunk cut is kept in a carry buffer and completed
 *  from the next chunk) and hands each complete tuple to `tuple`, which writes it whole or throws. */
export abstract class CopyTupleSink implements RowSink<Uint8Array> {
  rows = 0;
  protected readonly ncols: number;
  private state = ST_HEADER;
  /** The start of a unit (header, tuple) that the last chunk cut; completed from the next one. */
  private carry = new Uint8Array(1024);
  private carryDv = new DataView(this.carry.buffer);
  private carryLen = 0;
  /** Bytes from a unit's start known to be needed before it can be read. */
  private need = 0;
  private overflow = false;

  constructor(ncols: number) {
    this.ncols = ncols;
  }

  /** Writes the tuple whose fields (int32 length + bytes each) start at src[s] and returns the position after
   *  it, committing the row (`rows++`) only when it is written whole; or returns TUPLE_CUT when the tuple does
   *  not end before `end`, or TUPLE_ROOM when it needs more output room than it had: nothing is committed then,
   *  and the caller calls `reserveTuple` with the tuple's size and writes it again. Reading and writing in one
   *  pass (rather than finding the tuple's end first) is what makes the bulk path cheap. */
  protected abstract tuple(src: Uint8Array, sdv: DataView, s: number, end: number): number;
  /** Makes room for a tuple of `tupleBytes` COPY bytes, so that `tuple` cannot return TUPLE_ROOM for it. */
  protected abstract reserveTuple(tupleBytes: number): void;
  abstract take(): Uint8Array[];
  abstract finish(): Uint8Array[];

  write(chunk: Uint8Array, limit: number): boolean {
    let p = 0;
    const n = chunk.length;
    while (this.carryLen > 0 && p < n) {
      // Complete the cut unit: append what it is known to need (at least a little more), then read again.
      const had = this.carryLen;
      const take = Math.min(n - p, Math.max(this.need - had, 4096));
      this.appendCarry(chunk, p, take);
      const q = this.units(this.carry, this.carryDv, 0, this.carryLen, limit);
      if (this.overflow) return true;
      if (q === 0) {
        p += take;
        continue;
      }
      // q ≥ had: the cut unit completed inside the appended bytes; units past it were read too.
      p += q - had;
      this.carryLen = 0;
    }
    if (this.carryLen > 0) return false;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const q = this.units(chunk, dv, p, n, limit);
    if (this.overflow) return true;
    if (q < n) this.appendCarry(chunk, q, n - q);
    return false;
  }

  end(): void {
    if (this.state !== ST_DONE || this.carryLen > 0) {
      throw new CopyBinaryError(this.state === ST_HEADER ? 'the data ended before the header' : 'the data ended inside a row, before the trailer');
    }
  }

  private appendCarry(src: Uint8Array, from: number, len: number): void {
    if (this.carryLen + len > this.carry.length) {
      const bigger = new Uint8Array(Math.max(this.carry.length * 2, this.carryLen + len));
      bigger.set(this.carry.subarray(0, this.carryLen));
      this.carry = bigger;
      this.carryDv = new DataView(bigger.buffer);
    }
    this.carry.set(src.subarray(from, from + len), this.carryLen);
    this.carryLen += len;
  }

  /** Reads the complete units of src[p, end) and returns the position after the last one; sets `need` when a
   *  unit is cut and `overflow` when a tuple arrives past the limit. */
  private units(src: Uint8Array, sdv: DataView, p: number, end: number, limit: number): number {
    const ncols = this.ncols;
    for (;;) {
      if (this.state === ST_TUPLES) {
        if (end - p < 2) {
          this.need = 2;
          return p;
        }
        const count = sdv.getInt16(p);
        if (count === -1) {
          this.state = ST_DONE;
          p += 2;
          continue;
        }
        if (count !== ncols) throw new CopyBinaryError(`a row has ${count} fields, expected ${ncols}`);
        if (this.rows >= limit) {
          this.overflow = true;
          return p;
        }
        const t = this.tuple(src, sdv, p + 2, end);
        if (t >= 0) {
          p = t;
          continue;
        }
        // Cut by the chunk, or short of output room: find the tuple's end (or what it needs) the slow way.
        let q = p + 2;
        for (let c = 0; c < ncols; c++) {
          if (q + 4 > end) {
            this.need = q + 4 - p;
            return p;
          }
          const len = sdv.getInt32(q);
          q += 4;
          if (len > 0) q += len;
          else if (len < -1) throw new CopyBinaryError(`bad field length ${len}`);
        }
        if (q > end) {
          this.need = q - p;
          return p;
        }
        this.reserveTuple(q - p);
        if (this.tuple(src, sdv, p + 2, end) !== q) throw new CopyBinaryError('a tuple was not written after its room was made');
        p = q;
      } else if (this.state === ST_HEADER) {
        if (end - p < HEADER_BYTES) {
          this.need = HEADER_BYTES;
          return p;
        }
        for (let i = 0; i < SIGNATURE.length; i++) if (src[p + i] !== SIGNATURE[i]) throw new CopyBinaryError('missing the PGCOPY signature');
        const flags = sdv.getInt32(p + 11);
        if (flags & 0x10000) throw new CopyBinaryError('OIDs in the data are not supported');
        const ext = sdv.getInt32(p + 15);
        if (ext < 0) throw new CopyBinaryError('bad header extension length');
        if (end - p < HEADER_BYTES + ext) {
          this.need = HEADER_BYTES + ext;
          return p;
        }
        p += HEADER_BYTES + ext;
        this.state = ST_TUPLES;
      } else {
        if (p < end) throw new CopyBinaryError('data after the trailer');
        return p;
      }
    }
  }

}

/** A RowSink fed with binary COPY chunks, writing BINARY2 rows (null mask, then each FIELD's encoding). */
export class CopyBinary2Sink extends CopyTupleSink {
  private readonly out: Base64RowBuffer;
  private readonly maskBytes: number;
  private readonly kinds: Uint8Array;
  private readonly inLens: Int32Array;
  private readonly nullBytes: Uint8Array[];
  private readonly writers: Array<FieldWriter | undefined>;
  /** Output bound of a row: this plus twice its COPY bytes. */
  private readonly rowConst: number;
  /** Output bound of columns c.. of a row, apart from twice the bytes of their variable-size values. */
  private readonly restConst: Int32Array;
  /** 1 for the columns whose output size depends on their value (the rest is bounded by restConst). */
  private readonly variable: Uint8Array;

  constructor(fields: ReadonlyArray<EncoderColumn>, typeOids: ReadonlyArray<number>, nullValues: ReadonlyArray<number | bigint | undefined>, chunkBytes = 65_536) {
    super(fields.length);
    if (fields.length !== typeOids.length) throw new CopyBinaryError(`${fields.length} FIELDs but ${typeOids.length} column types`);
    this.maskBytes = (fields.length + 7) >> 3;
    this.out = new Base64RowBuffer(chunkBytes);
    const plans = fields.map((f, i) => {
      const p = planColumn(f, typeOids[i] as number, nullValues[i]);
      if (!p) throw new CopyBinaryError(`cannot transcode column "${f.name}" (PostgreSQL type ${typeOids[i]}) to ${f.datatype}${f.arraysize ? `[${f.arraysize}]` : ''}`);
      return p;
    });
    this.kinds = Uint8Array.from(plans.map((p) => p.kind));
    this.inLens = Int32Array.from(plans.map((p) => p.inLen));
    this.nullBytes = plans.map((p) => p.nullBytes);
    this.writers = plans.map((p) => p.write);
    const bound = plans.map((p) => (p.fixedBytes >= 0 ? Math.max(p.fixedBytes, p.nullBytes.length) : 4 + Math.max(p.extraBytes, p.nullBytes.length)));
    this.restConst = new Int32Array(plans.length + 1);
    for (let i = plans.length - 1; i >= 0; i--) this.restConst[i] = (this.restConst[i + 1] as number) + (bound[i] as number);
    this.rowConst = this.maskBytes + (this.restConst[0] as number);
    this.variable = Uint8Array.from(plans.map((p) => (p.fixedBytes >= 0 ? 0 : 1)));
  }

  protected reserveTuple(tupleBytes: number): void {
    this.out.reserve(this.rowConst + 2 * tupleBytes);
  }

  take(): Uint8Array[] {
    return this.out.take();
  }

  finish(): Uint8Array[] {
    return this.out.finish();
  }

  protected tuple(src: Uint8Array, sdv: DataView, s: number, end: number): number {
    const ob = this.out;
    if (ob.pos + this.rowConst > ob.buf.length) ob.reserve(this.rowConst);
    const out = ob.buf;
    const odv = ob.dv;
    const room = out.length;
    const kinds = this.kinds;
    const inLens = this.inLens;
    const ncols = this.ncols;
    const maskAt = ob.pos;
    let o = maskAt + this.maskBytes;
    for (let b = maskAt; b < o; b++) out[b] = 0;
    // Hot: every field of a bulk download. Values move as big-endian 32-bit words through DataViews (inlined
    // loads/stores), not byte by byte. Room: o + restConst[c] ≤ room holds at every column, because the row
    // started with rowConst free and a variable-size value checks its own 2 × len before it is written.
    for (let c = 0; c < ncols; c++) {
      if (s + 4 > end) return TUPLE_CUT;
      const len = sdv.getInt32(s);
      s += 4;
      if (len < 0) {
        if (len !== -1) throw new CopyBinaryError(`bad field length ${len}`);
        // BINARY2 null flags: one bit per FIELD, most significant bit first (VOTable 1.3 §5.5); the value
        // slot still holds the FIELD's null placeholder.
        out[maskAt + (c >> 3)] = (out[maskAt + (c >> 3)] as number) | (0x80 >> (c & 7));
        const nb = this.nullBytes[c] as Uint8Array;
        for (let i = 0; i < nb.length; i++) out[o++] = nb[i] as number;
        continue;
      }
      if (s + len > end) return TUPLE_CUT;
      const kind = kinds[c] as number;
      if (kind <= K_BOOL) {
        if (len !== (inLens[c] as number)) throw new CopyBinaryError(`field ${c + 1} has ${len} bytes, expected ${inLens[c]}`);
      } else if (this.variable[c] === 1 && o + (this.restConst[c] as number) + 2 * len > room) return TUPLE_ROOM;
      switch (kind) {
        case K_F8: {
          const hi = sdv.getInt32(s);
          const lo = sdv.getInt32(s + 4);
          if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
            // NaN → the one NaN the cursor path writes (DataView.setFloat64(NaN)); PostgreSQL may hold others.
            odv.setInt32(o, 0x7ff80000);
            odv.setInt32(o + 4, 0);
          } else {
            odv.setInt32(o, hi);
            odv.setInt32(o + 4, lo);
          }
          o += 8;
          break;
        }
        case K_F4: {
          const v = sdv.getInt32(s);
          odv.setInt32(o, (v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0 ? 0x7fc00000 : v);
          o += 4;
          break;
        }
        case K_I4:
          odv.setInt32(o, sdv.getInt32(s));
          o += 4;
          break;
        case K_I2:
          odv.setInt16(o, sdv.getInt16(s));
          o += 2;
          break;
        case K_I8:
          odv.setInt32(o, sdv.getInt32(s));
          odv.setInt32(o + 4, sdv.getInt32(s + 4));
          o += 8;
          break;
        case K_BOOL:
          out[o++] = src[s] !== 0 ? 0x54 : 0x46; // 'T' / 'F'
          break;
        case K_TEXT:
          odv.setInt32(o, len);
          o += 4;
          if (len > 32) out.set(src.subarray(s, s + len), o);
          else for (let i = 0; i < len; i++) out[o + i] = src[s + i] as number;
          o += len;
          break;
        default:
          o = (this.writers[c] as FieldWriter)(src, sdv, s, len, out, odv, o);
      }
      s += len;
    }
    // Only now is the row committed.
    ob.pos = o;
    this.rows++;
    return s;
  }
}

// ----------------------------------------------------------------------------------------------- planning

/** Column plans by everything a plan depends on (PostgreSQL type, datatype, arraysize, null value): a plan is
 *  immutable and its writers keep no state between calls, so the queries of a service share them instead of
 *  building 2 × (number of columns) codecs per request. Bounded: cleared when it reaches PLAN_CACHE_SIZE. */
const planCache = new Map<string, ColumnPlan | undefined>();
const PLAN_CACHE_SIZE = 4096;

/** The converter of one column, or undefined when the pair (PostgreSQL type, FIELD) is not supported. A FIELD whose
 *  arraysize the codecs reject throws (with its name), and nothing is cached for it. */
function planColumn(f: EncoderColumn, oid: number, nullValue: number | bigint | undefined): ColumnPlan | undefined {
  // A frozen FIELD (a catalogue column's metadata, shared by every query that names the column) cannot change, so
  // its plans are found from the object itself, without building the string key below (per column, twice per
  // request: the string and its lookup were 1.5 % of a 48-column cone's server CPU).
  if (Object.isFrozen(f)) {
    let byOid = frozenPlans.get(f);
    if (!byOid) frozenPlans.set(f, (byOid = new Map()));
    let byNull = byOid.get(oid);
    if (!byNull) byOid.set(oid, (byNull = new Map()));
    // Map keys compare as SameValueZero: 1 and 1n stay apart, as `typeof` keeps them apart in the string key.
    let plan = byNull.get(nullValue);
    if (plan === undefined && !byNull.has(nullValue)) {
      plan = planColumnByKey(f, oid, nullValue);
      byNull.set(nullValue, plan);
    }
    return plan;
  }
  return planColumnByKey(f, oid, nullValue);
}

/** Plans of frozen FIELDs, by FIELD object, PostgreSQL type and null value (see planColumn). */
const frozenPlans = new WeakMap<EncoderColumn, Map<number, Map<number | bigint | undefined, ColumnPlan | undefined>>>();

function planColumnByKey(f: EncoderColumn, oid: number, nullValue: number | bigint | undefined): ColumnPlan | undefined {
  const key = `${oid}\u0000${f.datatype}\u0000${f.arraysize ?? ''}\u0000${typeof nullValue}:${String(nullValue)}`;
  let plan = planCache.get(key);
  if (plan !== undefined || planCache.has(key)) return plan;
  plan = buildColumnPlan(f, oid, nullValue);
  if (planCache.size >= PLAN_CACHE_SIZE) planCache.clear();
  planCache.set(key, plan);
  return plan;
}

function buildColumnPlan(f: EncoderColumn, oid: number, nullValue: number | bigint | undefined): ColumnPlan | undefined {
  const shape = parseArraysize(f.arraysize, { field: f.name });
  const codec = buildBinaryCodec(f, nullValue);
  const scratch = new Uint8Array(Math.max(codec.fixedBytes, 4));
  const nullBytes = scratch.slice(0, codec.writeNull(scratch, new DataView(scratch.buffer), 0));
  const fixed = codec.fixedBytes;
  const plan = (kind: number, inLen: number, write?: FieldWriter, extraBytes = 0): ColumnPlan => ({ kind, inLen, nullBytes, fixedBytes: fixed, extraBytes, write });

  if (f.datatype === 'char' || f.datatype === 'unicodeChar') {
    const chars = charWriter(f.datatype, shape);
    if (TEXT_OIDS.has(oid)) {
      if (f.datatype === 'char' && shape.kind === 'variable' && shape.count === Infinity) return plan(K_TEXT, -1);
      return plan(K_CALL, -1, chars.write, chars.extra);
    }
    if (oid === PG_OID.TIMESTAMP) return plan(K_CALL, -1, timestampWriter(chars.write), chars.extra + 40);
    return undefined;
  }
  const elemOid = PG_ARRAY_ELEMENT[oid];
  const complex = f.datatype === 'floatComplex' || f.datatype === 'doubleComplex';
  if (elemOid !== undefined) {
    if (shape.kind === 'scalar' && !complex) return undefined;
    const el = elementWriter(elemOid, f.datatype, nullValue);
    if (!el) return undefined;
    const scale = complex ? 2 : 1;
    const s: ArrayShape = shape.kind === 'scalar' ? { kind: 'fixed', count: 2, unit: 2 } : { kind: shape.kind, count: shape.count * scale, unit: shape.unit * scale };
    return plan(K_CALL, -1, arrayWriter(elemOid, el, s), s.kind === 'variable' ? (s.unit - 1) * el.size : 0);
  }
  if (shape.kind !== 'scalar' || complex || f.datatype === 'bit') return undefined;
  const d = f.datatype;
  // Exact copies: the value pg parses from text and the codec writes back is the same bit pattern.
  if (oid === PG_OID.FLOAT8 && d === 'double') return plan(K_F8, 8);
  if (oid === PG_OID.FLOAT4 && d === 'float') return plan(K_F4, 4);
  if (oid === PG_OID.INT4 && d === 'int') return plan(K_I4, 4);
  if (oid === PG_OID.INT2 && d === 'short') return plan(K_I2, 2);
  if (oid === PG_OID.INT8 && d === 'long') return plan(K_I8, 8);
  if (oid === PG_OID.BOOL && d === 'boolean') return plan(K_BOOL, 1);
  // Other numeric pairs: read the value pg would have produced and write it with the cursor path's own codec.
  const read = scalarReader(oid, d);
  if (!read) return undefined;
  const write = codec.write;
  return plan(K_CALL, -1, (src, sdv, s, len, out, odv, o) => {
    if (len !== read.len) throw new CopyBinaryError(`a value of ${len} bytes, expected ${read.len}`);
    return write(out, odv, o, read.read(sdv, s));
  });
}

interface ScalarReader {
  len: number;
  read: (sdv: DataView, s: number) => number | bigint | boolean;
}

/** Reads a PostgreSQL scalar as the value `pg` gives the cursor path (int8 → bigint, see db/type-parsers.ts).
 *  float4 is left out (pg parses its shortest decimal text, which only float round-trips exactly), as are
 *  booleans into other datatypes. */
function scalarReader(oid: number, target: EncoderColumn['datatype']): ScalarReader | undefined {
  if (target === 'boolean' || target === 'char' || target === 'unicodeChar' || target === 'bit') return undefined;
  switch (oid) {
    case PG_OID.INT2:
      return { len: 2, read: (dv, s) => dv.getInt16(s) };
    case PG_OID.INT4:
      return { len: 4, read: (dv, s) => dv.getInt32(s) };
    case PG_OID.INT8:
      return { len: 8, read: (dv, s) => dv.getBigInt64(s) };
    case PG_OID.FLOAT8:
      return {
        len: 8,
        read: (dv, s) => {
          const v = dv.getFloat64(s);
          return v === v ? v : NaN;
        },
      };
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------------------------------------- strings

interface CharWriter {
  write: FieldWriter;
  /** Output bytes beyond 4 + 2 × input bytes (fixed widths). */
  extra: number;
}

/** Writes UTF-8 text into a char (UTF-8 bytes, cut at a character boundary as TextEncoder.encodeInto does) or
 *  unicodeChar (UTF-16BE code units) FIELD of the given shape, as column-codecs' charCodec/unicodeCodec. */
function charWriter(datatype: 'char' | 'unicodeChar', shape: ArrayShape): CharWriter {
  const fixed = shape.kind !== 'variable';
  const n = shape.kind === 'scalar' ? 1 : shape.count;
  if (datatype === 'char') {
    if (fixed) {
      return {
        extra: n,
        write: (src, _sdv, s, len, out, _odv, o) => {
          const k = utf8Prefix(src, s, len, n);
          for (let i = 0; i < k; i++) out[o + i] = src[s + i] as number;
          out.fill(0, o + k, o + n); // NUL padding (VOTable §5.3)
          return o + n;
        },
      };
    }
    return {
      extra: 0,
      write: (src, _sdv, s, len, out, odv, o) => {
        const k = utf8Prefix(src, s, len, n);
        odv.setInt32(o, k);
        for (let i = 0; i < k; i++) out[o + 4 + i] = src[s + i] as number;
        return o + 4 + k;
      },
    };
  }
  if (fixed) {
    return {
      extra: 2 * n,
      write: (src, _sdv, s, len, out, odv, o) => {
        const k = utf16Units(src, s, len, n, odv, o);
        out.fill(0, o + 2 * k, o + 2 * n);
        return o + 2 * n;
      },
    };
  }
  return {
    extra: 0,
    write: (src, _sdv, s, len, _out, odv, o) => {
      const k = utf16Units(src, s, len, n, odv, o + 4);
      odv.setInt32(o, k);
      return o + 4 + 2 * k;
    },
  };
}

/** Length of the longest prefix of src[s, s+len) of at most `limit` bytes that ends on a character boundary. */
function utf8Prefix(src: Uint8Array, s: number, len: number, limit: number): number {
  if (len <= limit) return len;
  let k = limit;
  while (k > 0 && ((src[s + k] as number) & 0xc0) === 0x80) k--;
  return k;
}

/** Decodes UTF-8 src[s, s+len) and writes at most `max` UTF-16 code units big-endian at o (a surrogate pair cut
 *  by the limit keeps its first half, as the cursor path's charCodeAt loop does); returns the units written. */
function utf16Units(src: Uint8Array, s: number, len: number, max: number, odv: DataView, o: number): number {
  const end = s + len;
  let k = 0;
  while (s < end && k < max) {
    const b = src[s] as number;
    let cp: number;
    if (b < 0x80) {
      cp = b;
      s += 1;
    } else if (b < 0xe0) {
      cp = ((b & 0x1f) << 6) | ((src[s + 1] as number) & 0x3f);
      s += 2;
    } else if (b < 0xf0) {
      cp = ((b & 0x0f) << 12) | (((src[s + 1] as number) & 0x3f) << 6) | ((src[s + 2] as number) & 0x3f);
      s += 3;
    } else {
      cp = ((b & 0x07) << 18) | (((src[s + 1] as number) & 0x3f) << 12) | (((src[s + 2] as number) & 0x3f) << 6) | ((src[s + 3] as number) & 0x3f);
      s += 4;
    }
    if (cp < 0x10000) {
      odv.setUint16(o + 2 * k++, cp);
    } else {
      cp -= 0x10000;
      odv.setUint16(o + 2 * k++, 0xd800 | (cp >> 10));
      if (k < max) odv.setUint16(o + 2 * k++, 0xdc00 | (cp & 0x3ff));
    }
  }
  return k;
}

// ---------------------------------------------------------------------------------------------- timestamps

const US_PER_DAY = 86_400_000_000;
const POSTGRES_EPOCH_JDATE = 2_451_545; // 2000-01-01
const TS_INFINITY_HI = 0x7fffffff;
const TS_MINUS_INFINITY_HI = -0x80000000;

/** timestamp (int64 µs since 2000-01-01) → the text pg gets ('YYYY-MM-DD HH:MM:SS[.ffffff][ BC]', ISO DateStyle)
 *  with the date/time space made a 'T' (db/type-parsers.ts parseTimestamp), then written as characters. */
function timestampWriter(chars: FieldWriter): FieldWriter {
  const text = new Uint8Array(48);
  const textDv = new DataView(text.buffer);
  return (src, sdv, s, len, out, odv, o) => {
    if (len !== 8) throw new CopyBinaryError(`a timestamp of ${len} bytes`);
    const n = formatTimestamp(sdv.getInt32(s), sdv.getUint32(s + 4), text);
    return chars(text, textDv, 0, n, out, odv, o);
  };
}

function put(text: Uint8Array, at: number, v: number, digits: number): number {
  const str = String(v).padStart(digits, '0');
  for (let i = 0; i < str.length; i++) text[at + i] = str.charCodeAt(i);
  return at + str.length;
}

/** Writes the ASCII text of a timestamp into `text` and returns its length. */
export function formatTimestamp(hi: number, lo: number, text: Uint8Array): number {
  if ((hi === TS_INFINITY_HI && lo === 0xffffffff) || (hi === TS_MINUS_INFINITY_HI && lo === 0)) {
    const word = hi > 0 ? 'infinity' : '-infinity';
    for (let i = 0; i < word.length; i++) text[i] = word.charCodeAt(i);
    return word.length;
  }
  let days: number;
  let time: number;
  if (hi >= -0x100000 && hi < 0x100000) {
    const us = hi * 4294967296 + lo; // exact below 2^52
    days = Math.floor(us / US_PER_DAY);
    time = us - days * US_PER_DAY;
    if (time < 0) {
      days--;
      time += US_PER_DAY;
    } else if (time >= US_PER_DAY) {
      days++;
      time -= US_PER_DAY;
    }
  } else {
    const us = (BigInt(hi) << 32n) | BigInt(lo);
    let d = us / BigInt(US_PER_DAY);
    let t = us - d * BigInt(US_PER_DAY);
    if (t < 0n) {
      d--;
      t += BigInt(US_PER_DAY);
    }
    days = Number(d);
    time = Number(t);
  }
  // j2date (PostgreSQL src/backend/utils/adt/datetime.c), on non-negative integers.
  let julian = days + POSTGRES_EPOCH_JDATE + 32044;
  let quad = Math.floor(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.floor(extra / 146097);
  quad = Math.floor(julian / 1461);
  julian -= quad * 1461;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  const year = y - 4800;
  quad = Math.floor((julian * 2141) / 65536);
  const day = julian - Math.floor((7834 * quad) / 256);
  const month = ((quad + 10) % 12) + 1;

  const hour = Math.floor(time / 3_600_000_000);
  time -= hour * 3_600_000_000;
  const minute = Math.floor(time / 60_000_000);
  time -= minute * 60_000_000;
  const second = Math.floor(time / 1_000_000);
  const fsec = time - second * 1_000_000;

  let p = put(text, 0, year > 0 ? year : 1 - year, 4);
  text[p++] = 0x2d; // -
  p = put(text, p, month, 2);
  text[p++] = 0x2d;
  p = put(text, p, day, 2);
  text[p++] = 0x54; // T
  p = put(text, p, hour, 2);
  text[p++] = 0x3a; // :
  p = put(text, p, minute, 2);
  text[p++] = 0x3a;
  p = put(text, p, second, 2);
  if (fsec !== 0) {
    text[p++] = 0x2e; // .
    p = put(text, p, fsec, 6);
    while (text[p - 1] === 0x30) p--;
  }
  if (year <= 0) {
    for (const ch of ' BC') text[p++] = ch.charCodeAt(0);
  }
  return p;
}

// -------------------------------------------------------------------------------------------------- arrays

interface ElementWriter {
  /** Output bytes per element. */
  size: number;
  /** PostgreSQL bytes per element value. */
  inLen: number;
  write: (src: Uint8Array, sdv: DataView, s: number, out: Uint8Array, odv: DataView, o: number) => void;
  writeNull: (out: Uint8Array, odv: DataView, o: number) => void;
}

/** Element converters for numeric and boolean arrays; a null element gets the codec's null element (NaN, the
 *  VALUES null or 0, '?'). Only same-kind pairs plus exact integer widenings/narrowings are supported. */
function elementWriter(elemOid: number, datatype: EncoderColumn['datatype'], nullValue: number | bigint | undefined): ElementWriter | undefined {
  const intNull = Number(nullValue ?? 0);
  const copy = (n: number): ElementWriter['write'] => (src, _sdv, s, out, _odv, o) => {
    for (let i = 0; i < n; i++) out[o + i] = src[s + i] as number;
  };
  switch (datatype) {
    case 'double':
    case 'doubleComplex':
      if (elemOid === PG_OID.FLOAT8)
        return {
          size: 8,
          inLen: 8,
          write: (_src, sdv, s, _out, odv, o) => {
            const v = sdv.getFloat64(s);
            odv.setFloat64(o, v === v ? v : NaN); // the one NaN the cursor path writes
          },
          writeNull: (_out, odv, o) => odv.setFloat64(o, NaN),
        };
      return undefined;
    case 'float':
    case 'floatComplex':
      if (elemOid === PG_OID.FLOAT4)
        return {
          size: 4,
          inLen: 4,
          write: (_src, sdv, s, _out, odv, o) => {
            const v = sdv.getFloat32(s);
            odv.setFloat32(o, v === v ? v : NaN);
          },
          writeNull: (_out, odv, o) => odv.setFloat32(o, NaN),
        };
      return undefined;
    case 'int':
      if (elemOid === PG_OID.INT4) return { size: 4, inLen: 4, write: copy(4), writeNull: (_out, odv, o) => odv.setInt32(o, intNull) };
      if (elemOid === PG_OID.INT2) return { size: 4, inLen: 2, write: (_src, sdv, s, _out, odv, o) => odv.setInt32(o, sdv.getInt16(s)), writeNull: (_out, odv, o) => odv.setInt32(o, intNull) };
      return undefined;
    case 'short':
      if (elemOid === PG_OID.INT2) return { size: 2, inLen: 2, write: copy(2), writeNull: (_out, odv, o) => odv.setInt16(o, intNull) };
      return undefined;
    case 'unsignedByte':
      if (elemOid === PG_OID.INT2)
        return {
          size: 1,
          inLen: 2,
          write: (src, _sdv, s, out, _odv, o) => {
            out[o] = src[s + 1] as number; // Uint8Array assignment keeps the low byte, as the codec does
          },
          writeNull: (out, _odv, o) => {
            out[o] = intNull;
          },
        };
      return undefined;
    case 'long': {
      const big = BigInt(nullValue ?? 0);
      if (elemOid === PG_OID.INT8) return { size: 8, inLen: 8, write: copy(8), writeNull: (_out, odv, o) => odv.setBigInt64(o, big) };
      if (elemOid === PG_OID.INT4) return { size: 8, inLen: 4, write: (_src, sdv, s, _out, odv, o) => odv.setBigInt64(o, BigInt(sdv.getInt32(s))), writeNull: (_out, odv, o) => odv.setBigInt64(o, big) };
      return undefined;
    }
    case 'boolean':
      if (elemOid === PG_OID.BOOL)
        return {
          size: 1,
          inLen: 1,
          write: (src, _sdv, s, out, _odv, o) => {
            out[o] = src[s] !== 0 ? 0x54 : 0x46;
          },
          writeNull: (out, _odv, o) => {
            out[o] = 0x3f; // '?'
          },
        };
      return undefined;
    default:
      return undefined;
  }
}

/** PostgreSQL array (int32 ndim, int32 has-null, int32 element OID, ndim × (int32 length, int32 lower bound),
 *  then elements as int32 length + bytes) → a VOTable array of the given shape: all elements in storage order
 *  (a multi-dimensional value is flattened), cut to the bound or padded with null elements as the codec does. */
function arrayWriter(elemOid: number, el: ElementWriter, shape: ArrayShape): FieldWriter {
  const { size, inLen, write, writeNull } = el;
  const { count, unit } = shape;
  const isFixed = shape.kind === 'fixed';
  return (src, sdv, s, len, out, odv, o) => {
    const end = s + len;
    if (len < 12) throw new CopyBinaryError('a truncated array');
    const ndim = sdv.getInt32(s);
    if (sdv.getInt32(s + 8) !== elemOid) throw new CopyBinaryError(`array elements of type ${sdv.getInt32(s + 8)}, expected ${elemOid}`);
    let total = ndim > 0 ? 1 : 0;
    for (let d = 0; d < ndim; d++) total *= sdv.getInt32(s + 12 + 8 * d);
    let p = s + 12 + 8 * ndim;
    let n: number;
    if (isFixed) n = count;
    else {
      n = total > count ? count : total;
      if (unit > 1 && n % unit !== 0) n = Math.min(count, Math.ceil(n / unit) * unit);
      odv.setInt32(o, n);
      o += 4;
    }
    for (let i = 0; i < n; i++, o += size) {
      if (i >= total) {
        writeNull(out, odv, o);
        continue;
      }
      if (p + 4 > end) throw new CopyBinaryError('a truncated array');
      const elen = sdv.getInt32(p);
      p += 4;
      if (elen < 0) writeNull(out, odv, o);
      else {
        if (elen !== inLen || p + elen > end) throw new CopyBinaryError(`an array element of ${elen} bytes, expected ${inLen}`);
        write(src, sdv, p, out, odv, o);
        p += elen;
      }
    }
    return o;
  };
}
