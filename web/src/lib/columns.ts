/** Which columns of a result the page can plot: the position (by UCD, then by name), numeric columns, and the
 *  class-probability pairs of ml.source_class (p_X with its uncertainty e_p_X). Pure. */
export interface FieldInfo {
  name: string;
  datatype: string;
  arraysize?: string;
  unit?: string;
  ucd?: string;
  description?: string;
}

const NUMERIC = new Set(['short', 'int', 'long', 'float', 'double', 'unsignedByte']);

export function isNumeric(f: FieldInfo): boolean {
  return NUMERIC.has(f.datatype) && (f.arraysize === undefined || f.arraysize === '1');
}

function byUcd(fields: ReadonlyArray<FieldInfo>, ucd: string): number {
  const words = (f: FieldInfo): string[] => (f.ucd ?? '').toLowerCase().split(';');
  const main = fields.findIndex((f) => words(f).includes(ucd) && words(f).includes('meta.main'));
  return main >= 0 ? main : fields.findIndex((f) => words(f)[0] === ucd);
}

/** Indexes of the right ascension and declination columns, or undefined when the result has no position. */
export function positionColumns(fields: ReadonlyArray<FieldInfo>): { ra: number; dec: number } | undefined {
  let ra = byUcd(fields, 'pos.eq.ra');
  let dec = byUcd(fields, 'pos.eq.dec');
  if (ra < 0) ra = fields.findIndex((f) => /^ra(_|$)/i.test(f.name) && isNumeric(f));
  if (dec < 0) dec = fields.findIndex((f) => /^dec(_|$)/i.test(f.name) && isNumeric(f));
  return ra >= 0 && dec >= 0 ? { ra, dec } : undefined;
}

export interface ClassColumn {
  /** Class label as the column names it (p_hm_star → HM-STAR). */
  label: string;
  prob: number;
  /** Index of e_p_X, when the result has it. */
  error?: number;
}

/** The p_X columns (with e_p_X when present) of a class-probability result such as ml.source_class. */
export function classColumns(fields: ReadonlyArray<FieldInfo>): ClassColumn[] {
  const index = new Map(fields.map((f, i) => [f.name.toLowerCase(), i]));
  const out: ClassColumn[] = [];
  fields.forEach((f, i) => {
    const m = /^p_([a-z0-9_]+)$/i.exec(f.name);
    if (!m || !isNumeric(f)) return;
    const err = index.get(`e_p_${(m[1] as string).toLowerCase()}`);
    out.push({ label: (m[1] as string).toUpperCase().replace(/_/g, '-'), prob: i, ...(err === undefined ? {} : { error: err }) });
  });
  return out;
}
