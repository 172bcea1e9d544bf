import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NULLABLE_MASTER_COLUMNS, SYNTH_COLUMNS, galacticToEquatorial, generateCatalogue } from './generate.js';
import { measureSample } from './sample-stats.js';

const stats = measureSample(join(process.cwd(), 'data', 'sample'), NULLABLE_MASTER_COLUMNS);

describe('synthetic CSC2 generator', () => {
  it('places the Galactic centre and north pole where ICRS has them', () => {
    const [ra, dec] = galacticToEquatorial(0, 0);
    expect(ra).toBeCloseTo(266.405, 2);
    expect(dec).toBeCloseTo(-28.936, 2);
    const [, decPole] = galacticToEquatorial(123, 90);
    expect(decPole).toBeCloseTo(27.128, 3);
  });

  it('takes NULL rates and the flux distribution from the sample', () => {
    expect(stats.sources).toBeGreaterThan(400);
    for (const c of NULLABLE_MASTER_COLUMNS) expect(stats.nullRate[c]).toBeGreaterThanOrEqual(0);
    expect(stats.log10FluxB.mean).toBeGreaterThan(-16);
    expect(stats.log10FluxB.mean).toBeLessThan(-12);
    // generated rows follow: the NULL fraction of a column is within a few sigma of the sample's rate
    const masters = [...generateCatalogue(5, 5000, stats)].flatMap((f) => f.master_source);
    const col = 'kp_intra_prob_b';
    const i = SYNTH_COLUMNS.master_source.indexOf(col);
    const rate = masters.filter((r) => r[i] === null).length / masters.length;
    const p = stats.nullRate[col] ?? 0;
    expect(Math.abs(rate - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / masters.length) + 1e-9);
  });
});
