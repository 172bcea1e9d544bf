/** Value parsing of the pg adapter (cursor and plain queries alike): int8 → bigint (exact
 *  VOTable long), timestamp → ISO-8601 text without zone (DALI timestamp), numeric → number. */

import { PG_OID } from './pg-types.js';

/** The OIDs whose text form the adapter parses itself (see db/pg-types.ts for the table). */
export const OID = { INT8: PG_OID.INT8, NUMERIC: PG_OID.NUMERIC, TIMESTAMP: PG_OID.TIMESTAMP, INT8_ARRAY: PG_OID.INT8_ARRAY } as const;

export function parseInt8(text: string): bigint {
  return BigInt(text);
}

export function parseTimestamp(text: string): string {
  return text.replace(' ', 'T');
}

export function parseNumeric(text: string): number {
  return Number(text);
}

export function parseInt8Array(text: string): (bigint | null)[] {
  const inner = text.slice(1, -1);
  if (inner === '') return [];
  return inner.split(',').map((s) => (s === 'NULL' ? null : BigInt(s)));
}
