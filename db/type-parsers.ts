/** Value parsing of the pg adapter (cursor and plain queries alike): int8 → bigint (exact
 *  VOTable long), timestamp → ISO-8601 text without zone (DALI timestamp), numeric → number. */

export const OID = {
  INT8: 20,
  NUMERIC: 1700,
  TIMESTAMP: 1114,
  INT8_ARRAY: 1016,
} as const;

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
