/** Test helper: an AST without spans, source spellings and parenthesis nodes, for structural comparison
 *  (print → parse round trips). */
export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o['kind'] === 'paren') return normalize(o['expr']);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) if (k !== 'span' && k !== 'written' && k !== 'text') out[k] = normalize(x);
    return out;
  }
  return v;
}
