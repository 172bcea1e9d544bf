/** Cone-cover benchmark: how long the translator spends turning a 10′ cone into HEALPix ranges, and how many
 *  coarse pixels and index ranges (BitmapOr arms) that gives; plus the same counts for 1″, 1′ and 1° cones. */
import { queryOrderForRadius, coneCover } from '../adql/geometry/index.js';

export type BenchRow = { name: string; value: number; unit: string; reference?: string };

const ORDER = 14;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Deterministic centres (golden-angle spiral over the sphere) so runs compare. */
function centres(n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const z = 1 - (2 * (i + 0.5)) / n;
    out.push([(((i * 137.50776405003785) % 360) + 360) % 360, (Math.asin(z) * 180) / Math.PI]);
  }
  return out;
}

export async function benchCone(): Promise<BenchRow[]> {
  const sky = centres(500);
  for (const [ra, dec] of sky.slice(0, 100)) coneCover(ra, dec, 10 / 60, ORDER); // warm-up
  const times: number[] = [];
  const pixels: number[] = [];
  const ranges: number[] = [];
  for (const [ra, dec] of sky) {
    const t0 = performance.now();
    const c = coneCover(ra, dec, 10 / 60, ORDER);
    times.push(performance.now() - t0);
    pixels.push(c.pixelCount);
    ranges.push(c.ranges.length);
  }
  const rows: BenchRow[] = [
    { name: 'cone 10′: ranges computation, median', value: median(times), unit: 'ms', reference: 'DESIGN.md: 46 pixels at order 10 in < 1 ms' },
    { name: `cone 10′: coarse pixels (order ${queryOrderForRadius(10 / 60, ORDER)}), median`, value: median(pixels), unit: 'pixels' },
    { name: 'cone 10′: order-14 id ranges, median', value: median(ranges), unit: 'ranges' },
    { name: 'cone 10′: order-14 id ranges, max', value: Math.max(...ranges), unit: 'ranges' },
  ];
  for (const [label, r] of [['1″', 1 / 3600], ['1′', 1 / 60], ['1°', 1]] as const) {
    const rs = sky.map(([ra, dec]) => coneCover(ra, dec, r, ORDER).ranges.length);
    rows.push({ name: `cone ${label}: order-14 id ranges, median`, value: median(rs), unit: 'ranges' });
  }
  return rows;
}
