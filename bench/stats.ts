/** Median and range of repeated timings, and the machine's load while they ran (benchmarks are compared within
 *  one run on a shared machine). Pure except loadText. */
import { loadavg } from 'node:os';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: ReadonlyArray<number>): Spread {
  if (values.length === 0) throw new Error('no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

export function spreadText(s: Spread, digits = 1, unit = 's'): string {
  return `median ${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

export function loadText(): string {
  return `load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`;
}
