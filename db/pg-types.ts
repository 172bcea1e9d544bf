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
