/** The bulk path's statement, planned from the result FIELDs alone (no `describe` round trip): each column is
 *  read as the PostgreSQL type its FIELD implies, made certain by a cast in the COPY's SELECT. A cast to the type
 *  a column already has costs nothing; one that converts (numeric → float8 for a double FIELD, e.g. AVG of an
 *  integer) gives the value the cursor path's text parsing gives. Character FIELDs are not cast: text, varchar,
 *  bpchar and name share one binary form, and a cast to text would trim char(n)'s padding. Pure. */
import type { EncoderColumn } from '../votable/column-codecs.js';
import { canTranscodeCopy } from './pg-copy-binary.js';
import { PG_OID, pgArrayOf } from './pg-types.js';

interface ReadType {
  oid: number;
  /** The cast that makes the column this type; undefined for character columns (see the module comment). */
  cast?: string;
}

const SCALAR: Partial<Record<EncoderColumn['datatype'], ReadType>> = {
  boolean: { oid: PG_OID.BOOL, cast: 'boolean' },
  unsignedByte: { oid: PG_OID.INT2, cast: 'smallint' },
  short: { oid: PG_OID.INT2, cast: 'smallint' },
  int: { oid: PG_OID.INT4, cast: 'integer' },
  long: { oid: PG_OID.INT8, cast: 'bigint' },
  float: { oid: PG_OID.FLOAT4, cast: 'real' },
  double: { oid: PG_OID.FLOAT8, cast: 'double precision' },
};

/** Complex numbers are stored as arrays of their real element type. */
const COMPLEX_ELEMENT: Partial<Record<EncoderColumn['datatype'], EncoderColumn['datatype']>> = { floatComplex: 'float', doubleComplex: 'double' };

/** The PostgreSQL type a FIELD is read as on the bulk path, or undefined when it has none (bit). */
export function copyReadType(f: EncoderColumn): ReadType | undefined {
  if (f.datatype === 'char' || f.datatype === 'unicodeChar') {
    return f.xtype === 'timestamp' ? { oid: PG_OID.TIMESTAMP, cast: 'timestamp' } : { oid: PG_OID.TEXT };
  }
  const complexOf = COMPLEX_ELEMENT[f.datatype];
  if (f.arraysize === undefined && complexOf === undefined) return SCALAR[f.datatype];
  const element = SCALAR[complexOf ?? f.datatype];
  const oid = element && pgArrayOf(element.oid);
  return element && oid !== undefined ? { oid, cast: `${element.cast}[]` } : undefined;
}

export interface CopyPlan {
  /** `SELECT` over the query with one cast per column, for `COPY (…) TO STDOUT (FORMAT binary)`. */
  sql: string;
  /** The pg_type OIDs the COPY's columns have, in order (the transcoder's input). */
  oids: number[];
}

/** The bulk read of `sql` (whose result columns are `fields`, in order), or undefined when a column cannot take
 *  the bulk path (the caller uses the cursor). */
export function planCopy(sql: string, fields: ReadonlyArray<EncoderColumn>): CopyPlan | undefined {
  const types = fields.map(copyReadType);
  if (types.some((t) => t === undefined)) return undefined;
  const oids = types.map((t) => (t as ReadType).oid);
  if (!canTranscodeCopy(fields, oids)) return undefined;
  // Positional aliases (c1, c2, ...): result names may repeat (SELECT a.x, b.x).
  const names = fields.map((_, i) => `c${i + 1}`);
  const select = types.map((t, i) => (t?.cast ? `CAST(q.${names[i]} AS ${t.cast})` : `q.${names[i]}`)).join(', ');
  return { sql: `SELECT ${select} FROM (${sql}) AS q(${names.join(', ')})`, oids };
}
