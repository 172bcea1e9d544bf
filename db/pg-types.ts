/** PostgreSQL type OIDs xtap reads (pg_type.dat), the one table for the adapter's text parsers
 *  (type-parsers.ts) and the binary COPY transcoder (pg-copy-binary.ts). Pure. */
export const PG_OID = {
  BOOL: 16,
  NAME: 19,
  INT8: 20,
  INT2: 21,
  INT4: 23,
  TEXT: 25,
  FLOAT4: 700,
  FLOAT8: 701,
  BPCHAR: 1042,
  VARCHAR: 1043,
  TIMESTAMP: 1114,
  NUMERIC: 1700,
  BOOL_ARRAY: 1000,
  INT2_ARRAY: 1005,
  INT4_ARRAY: 1007,
  INT8_ARRAY: 1016,
  FLOAT4_ARRAY: 1021,
  FLOAT8_ARRAY: 1022,
} as const;

/** The character types (one binary and text form: the bytes of the string). */
export const TEXT_OIDS: ReadonlySet<number> = new Set<number>([PG_OID.TEXT, PG_OID.VARCHAR, PG_OID.BPCHAR, PG_OID.NAME]);

/** The element type of each array type above. */
export const PG_ARRAY_ELEMENT: Readonly<Record<number, number>> = {
  [PG_OID.BOOL_ARRAY]: PG_OID.BOOL,
  [PG_OID.INT2_ARRAY]: PG_OID.INT2,
  [PG_OID.INT4_ARRAY]: PG_OID.INT4,
  [PG_OID.INT8_ARRAY]: PG_OID.INT8,
  [PG_OID.FLOAT4_ARRAY]: PG_OID.FLOAT4,
  [PG_OID.FLOAT8_ARRAY]: PG_OID.FLOAT8,
};

/** The array type whose elements have type `elementOid`, if listed. */
export function pgArrayOf(elementOid: number): number | undefined {
  const hit = Object.entries(PG_ARRAY_ELEMENT).find(([, e]) => e === elementOid);
  return hit ? Number(hit[0]) : undefined;
}
