/** Histogram of a numeric column for the page's plot: finite values only, bin count by the Freedman–Diaconis rule
 *  (Sturges when the spread is zero), at most 200 bins. Pure. */
export interface Histogram {
  /** Left edge of every bin, then the right edge of the last: edges.length = counts.length + 1. */
  edges: number[];
  counts: number[];
  /** Values left out because they were null, NaN or infinite. */
  skipped: number;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function histogram(values: ReadonlyArray<number | null>, maxBins = 200): Histogram {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const skipped = values.length - finite.length;
  if (finite.length === 0) return { edges: [], counts: [], skipped };
  const min = finite[0] as number;
  const max = finite[finite.length - 1] as number;
  if (min === max) return { edges: [min - 0.5, min + 0.5], counts: [finite.length], skipped };
  const iqr = quantile(finite, 0.75) - quantile(finite, 0.25);
  const fdWidth = (2 * iqr) / Math.cbrt(finite.length);
  let bins = fdWidth > 0 ? Math.ceil((max - min) / fdWidth) : Math.ceil(Math.log2(finite.length)) + 1;
  bins = Math.min(Math.max(bins, 1), maxBins);
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  edges[bins] = max;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(Math.floor((v - min) / width), bins - 1)]! += 1;
  return { edges, counts, skipped };
}
