import { it } from 'vitest';
import { fineIndices, pairLagsExact, pairLagsFft } from './dedt.js';
import { simulateEvents } from './simulate.js';
it('timing', () => {
  for (const n of [5000, 8000, 10000, 20000]) {
    const sim = simulateEvents({ seed: 1, tstart: 0, duration: 1e4, baseRate: n / 1e4 / 0.9, spectrum: { photonIndex: 1.7, nH22: 0.1, eMinKeV: 0.3, eMaxKeV: 10 }, variability: { kind: 'steady' } });
    const { a, b } = fineIndices(sim);
    const tex = [], tff = [];
    for (let r = 0; r < 3; r++) {
      let t0 = performance.now(); pairLagsExact(a, b); tex.push(performance.now() - t0);
      t0 = performance.now(); pairLagsFft(a, b); tff.push(performance.now() - t0);
    }
    console.log(n, a.length, 'exact', Math.min(...tex).toFixed(1), 'fft', Math.min(...tff).toFixed(1));
  }
});
