/** numpy-compatible uniform binning, so a Python script using np.histogram2d(range=..., bins=...) gets the
 *  same bin for every value: edges are np.linspace(lo, hi, n + 1) computed the way numpy does (k·step + lo,
 *  last edge = hi), a value goes to searchsorted(edges, x, 'right') − 1, and x == hi goes to the last bin. */

/** np.linspace(lo, hi, n + 1). */
export function linspaceEdges(lo: number, hi: number, n: number): Float64Array {
  const edges = new Float64Array(n + 1);
  const step = (hi - lo) / n;
  for (let k = 0; k <= n; k++) edges[k] = k * step + lo;
  edges[n] = hi;
  return edges;
}

/** Bin of x among `edges` (n + 1 increasing edges), numpy histogramdd semantics; -1 when outside or NaN. */
export function binOf(x: number, edges: Float64Array): number {
  const n = edges.length - 1;
  if (!(x >= edges[0] && x <= edges[n])) return -1;
  if (x === edges[n]) return n - 1;
  let k = Math.floor(((x - edges[0]) / (edges[n] - edges[0])) * n);
  if (k < 0) k = 0;
  if (k > n - 1) k = n - 1;
  // The arithmetic guess can be one off next to an edge; settle it against the edges themselves.
  while (k < n - 1 && edges[k + 1] <= x) k++;
  while (k > 0 && edges[k] > x) k--;
  return k;
}

export type MapNormalization = 'minmax' | 'sum' | 'none';

/** Normalises counts into a Float32Array: 'minmax' (h − min)/(max − min) (0 everywhere when max = min),
 *  'sum' h / Σh (0 everywhere when Σh = 0), 'none' the counts themselves. */
export function normalizeCounts(counts: Float64Array, how: MapNormalization): Float32Array {
  const out = new Float32Array(counts.length);
  if (how === 'none') {
    out.set(counts);
    return out;
  }
  if (how === 'sum') {
    let s = 0;
    for (const c of counts) s += c;
    if (s > 0) for (let i = 0; i < counts.length; i++) out[i] = counts[i] / s;
    return out;
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const c of counts) {
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  if (hi > lo) for (let i = 0; i < counts.length; i++) out[i] = (counts[i] - lo) / (hi - lo);
  return out;
}
