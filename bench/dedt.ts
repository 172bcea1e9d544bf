/** Benchmark of the dEdT map: FFT autocorrelation vs the exact all-pairs count for 1e4, 1e5 and 1e6
 *  simulated events (steady source, all events inside 0.5–7 keV). The exact method is timed in full at
 *  1e4; for 1e5 and 1e6 it is timed on a 2e4-event subset and scaled by N(N−1)/2 pairs ("extrapolated"). */

import { dedtMap, simulateEvents } from '../ml/representations/index.js';
import type { SimulatedEvents } from '../ml/representations/index.js';
import type { BenchRow } from './types.js';

export type { BenchRow };

const SUBSET = 20_000;

function simulate(n: number, seed: number): SimulatedEvents {
  // Rate chosen so the expected count is n; the band equals the map band so every event is used.
  return simulateEvents({
    seed,
    tstart: 0,
    duration: 1e5,
    baseRate: n / 1e5,
    spectrum: { photonIndex: 1.7, nH22: 0.1, eMinKeV: 0.5, eMaxKeV: 7 },
    variability: { kind: 'steady' },
  });
}

function bestOf(runs: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function label(n: number): string {
  return `1e${Math.round(Math.log10(n))}`;
}

/** Times dedtMap (selection, fine indices, pair counting, rebinning) with each method. */
export async function benchDedt(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // Warm the JIT on both paths so the first measured size is not penalised.
  const warm = simulate(2000, 1);
  dedtMap(warm, { method: 'exact' });
  dedtMap(warm, { method: 'fft' });

  const subset = simulate(SUBSET, 2);
  const subsetMs = bestOf(1, () => dedtMap(subset, { method: 'exact' }));
  const subsetPairs = (subset.count * (subset.count - 1)) / 2;

  for (const n of [1e4, 1e5, 1e6]) {
    const ev = simulate(n, 3);
    const pairs = (ev.count * (ev.count - 1)) / 2;
    const fftMs = bestOf(n >= 1e6 ? 2 : 3, () => dedtMap(ev, { method: 'fft' }));
    rows.push({ name: `dEdT FFT autocorrelation, ${label(n)} events`, value: round(fftMs), unit: 'ms', reference: `${ev.count} events, 4096×64 fine grid` });
    let exactMs: number;
    if (n <= 1e4) {
      exactMs = bestOf(3, () => dedtMap(ev, { method: 'exact' }));
      const a = dedtMap(ev, { method: 'exact' }).counts;
      const b = dedtMap(ev, { method: 'fft' }).counts;
      if (a.some((v, i) => v !== b[i])) throw new Error(`benchDedt: FFT and exact dEdT maps differ at ${ev.count} events`);
      rows.push({ name: `dEdT exact all-pairs, ${label(n)} events`, value: round(exactMs), unit: 'ms', reference: `${pairs} pairs` });
    } else {
      exactMs = (subsetMs * pairs) / subsetPairs;
      rows.push({
        name: `dEdT exact all-pairs, ${label(n)} events (extrapolated from ${subset.count} events)`,
        value: round(exactMs),
        unit: 'ms',
        reference: `${subsetMs.toFixed(0)} ms for ${subsetPairs} pairs, scaled to ${pairs} pairs`,
      });
    }
    rows.push({
      name: `dEdT FFT speed-up over exact, ${label(n)} events${n > 1e4 ? ' (extrapolated)' : ''}`,
      value: round(exactMs / fftMs),
      unit: 'x',
    });
  }
  return rows;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
