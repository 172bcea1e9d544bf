/** Benchmark of the dEdT map: the fast path (FFT autocorrelation of the fine grid + spreading into the output bins)
 *  against the exact continuous-lag all-pairs map, for 1e4, 1e5 and 1e6 simulated events (steady source, all events
 *  inside 0.5–7 keV, times quantised to 3.241 s ACIS frames and mapped with that frame time). The fast path is timed
 *  RUNS times per size and reported as median and range; the exact method is timed in full at 1e4 (where the L1
 *  distance of the two maps is also printed, as for the real sample files) and, for 1e5 and 1e6, on a 2e4-event subset scaled by N(N−1)/2 pairs
 *  ("extrapolated"). The target: fast path < 500 ms at 1e5 events. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEventList } from '../fits/index.js';
import { dedtMap, simulateEvents } from '../ml/representations/index.js';
import type { EventsLike } from '../ml/representations/index.js';
import type { BenchRow } from './types.js';

export type { BenchRow };

const SUBSET = 20_000;
const RUNS = 7;
const FRAME_TIME = 3.241;

function simulate(n: number, seed: number): { time: Float64Array; energyEv: Float32Array } {
  // Rate chosen so the expected count is n; the band equals the map band so every event is used.
  const sim = simulateEvents({
    seed,
    tstart: 0,
    duration: 1e5,
    baseRate: n / 1e5,
    spectrum: { photonIndex: 1.7, nH22: 0.1, eMinKeV: 0.5, eMaxKeV: 7 },
    variability: { kind: 'steady' },
  });
  const time = sim.time.map((t) => FRAME_TIME * (Math.floor(t / FRAME_TIME) + 0.5));
  return { time, energyEv: sim.energyEv };
}

function timings(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

const median = (sorted: number[]) => (sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2);

function label(n: number): string {
  return `1e${Math.round(Math.log10(n))}`;
}

/** L1 distance / total between the fast and the exact map, in %. */
function l1Percent(ev: EventsLike, frameTime: number): number {
  const a = dedtMap(ev, { frameTime, normalize: 'none', method: 'exact' }).counts;
  const b = dedtMap(ev, { frameTime, normalize: 'none', method: 'fft' }).counts;
  let d = 0;
  let s = 0;
  a.forEach((v, i) => {
    d += Math.abs(v - b[i]);
    s += v;
  });
  return (100 * d) / s;
}

/** Fast vs exact on the real sample files, with their TIMEDEL and with exact times (frame time 0). */
function sampleFileRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const name of ['stingray_chandra_test.fits', 'stingray_chandra_noener_test.fits']) {
    const list = readEventList(new Uint8Array(readFileSync(join(process.cwd(), 'data', 'sample', name))));
    const timedel = list.header.timedel ?? 0;
    for (const frameTime of [timedel, 0]) {
      rows.push({ name: `dEdT fast vs exact, L1 distance / total, ${name}, frame time ${frameTime} s`, value: round(l1Percent(list, frameTime)), unit: '%', reference: 'must be ≤ 1 %' });
    }
  }
  return rows;
}

/** Times dedtMap (selection, fine grid, pair counting, spreading) with each method. */
export async function benchDedt(): Promise<BenchRow[]> {
  const rows: BenchRow[] = sampleFileRows();
  const opts = { frameTime: FRAME_TIME, normalize: 'none' as const };
  // Warm the JIT on both paths so the first measured size is not penalised.
  const warm = simulate(2000, 1);
  dedtMap(warm, { ...opts, method: 'exact' });
  dedtMap(warm, { ...opts, method: 'fft' });

  const subset = simulate(SUBSET, 2);
  const subsetMs = timings(1, () => dedtMap(subset, { ...opts, method: 'exact' }))[0];
  const subsetPairs = (SUBSET * (SUBSET - 1)) / 2;

  for (const n of [1e4, 1e5, 1e6]) {
    const ev = simulate(n, 3);
    const count = ev.time.length;
    const pairs = (count * (count - 1)) / 2;
    const fast = timings(n >= 1e6 ? 3 : RUNS, () => dedtMap(ev, { ...opts, method: 'fft' }));
    const fastMs = median(fast);
    rows.push({
      name: `dEdT fast path (FFT + spreading), ${label(n)} events, median of ${fast.length}`,
      value: round(fastMs),
      unit: 'ms',
      reference: `range ${fast[0].toFixed(0)}–${fast[fast.length - 1].toFixed(0)} ms; ${count} events, 3.241 s frames${n === 1e5 ? '; target < 500 ms' : ''}`,
    });
    let exactMs: number;
    if (n <= 1e4) {
      exactMs = median(timings(3, () => dedtMap(ev, { ...opts, method: 'exact' })));
      rows.push({ name: `dEdT exact all-pairs, ${label(n)} events`, value: round(exactMs), unit: 'ms', reference: `${pairs} pairs` });
      rows.push({ name: `dEdT fast vs exact, L1 distance / total, ${label(n)} events`, value: round(l1Percent(ev, FRAME_TIME)), unit: '%', reference: 'must be ≤ 1 %' });
    } else {
      exactMs = (subsetMs * pairs) / subsetPairs;
      rows.push({
        name: `dEdT exact all-pairs, ${label(n)} events (extrapolated from ${SUBSET} events)`,
        value: round(exactMs),
        unit: 'ms',
        reference: `${subsetMs.toFixed(0)} ms for ${subsetPairs} pairs, scaled to ${pairs} pairs`,
      });
    }
    rows.push({ name: `dEdT fast speed-up over exact, ${label(n)} events${n > 1e4 ? ' (extrapolated)' : ''}`, value: round(exactMs / fastMs), unit: 'x' });
  }
  return rows;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
