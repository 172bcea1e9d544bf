import { describe, expect, it } from 'vitest';
import { CHI2_7DOF_95, PriorShiftInputError, estimateFieldPriors, reweightPosterior } from './prior-shift.js';
import { Rng } from './representations/prng.js';

/** Three 1-D Gaussian classes (means −2, 0, 2, σ = 1): exact posteriors under a given prior. */
const MEANS = [-2, 0, 2];
function posterior(x: number, prior: ReadonlyArray<number>): number[] {
  const w = MEANS.map((m, c) => (prior[c] ?? 0) * Math.exp(-0.5 * (x - m) ** 2));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}
/** n sources drawn from the class mix `fieldPrior`, with posteriors computed under `trainingPrior`. */
function field(n: number, fieldPrior: ReadonlyArray<number>, trainingPrior: ReadonlyArray<number>, seed: number): { rows: number[][]; labels: number[] } {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = rng.next();
    let c = 0;
    while (c < fieldPrior.length - 1 && u >= (fieldPrior[c] ?? 0)) u -= fieldPrior[c++] ?? 0;
    labels.push(c);
    rows.push(posterior((MEANS[c] ?? 0) + normal(rng), trainingPrior));
  }
  return { rows, labels };
}

describe('EM prior-shift (Saerens et al. 2002)', () => {
  const train = [0.6, 0.3, 0.1];

  it('recovers a known synthetic prior shift and improves the posteriors', () => {
    const truth = [0.1, 0.3, 0.6];
    const { rows, labels } = field(20000, truth, train, 7);
    const r = estimateFieldPriors(rows, train);
    expect(r.converged).toBe(true);
    r.priors.forEach((p, c) => expect(Math.abs(p - (truth[c] ?? 0))).toBeLessThan(0.02));
    expect(r.priors.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // the adjusted posteriors equal the exact posteriors under the estimated prior
    const x = 1.3;
    expect(reweightPosterior(posterior(x, train), train, r.priors)).toEqual(posterior(x, r.priors).map((v) => expect.closeTo(v, 12)));
    // and they classify the shifted field better than the unadjusted ones
    const accuracy = (ps: number[][]) => ps.filter((p, i) => p.indexOf(Math.max(...p)) === labels[i]).length / ps.length;
    expect(accuracy(r.posteriors)).toBeGreaterThan(accuracy(rows) + 0.03);
    expect(r.likelihoodRatio).toBeGreaterThan(1000);
  });

  it('finds no shift in a field drawn from the training prior', () => {
    const { rows } = field(20000, train, train, 11);
    const r = estimateFieldPriors(rows, train);
    r.priors.forEach((p, c) => expect(Math.abs(p - (train[c] ?? 0))).toBeLessThan(0.02));
    expect(r.likelihoodRatio).toBeLessThan(CHI2_7DOF_95);
  });

  it('leaves the posteriors unchanged when the field prior is the training prior', () => {
    const a = [0.7, 0.2, 0.1];
    const b = [0.5, 0.4, 0.1];
    const c = [0.6, 0.3, 0.1];
    // mean of the rows = the training prior: the EM fixed point is the starting point
    const rows = [a, b, c];
    expect(rows.reduce((s, r) => s.map((v, i) => v + (r[i] ?? 0) / 3), [0, 0, 0]).map((v) => v.toFixed(12))).toEqual(train.map((v) => v.toFixed(12)));
    const r = estimateFieldPriors(rows, train);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(1);
    r.priors.forEach((p, i) => expect(p).toBeCloseTo(train[i] ?? 0, 12));
    r.posteriors.forEach((p, i) => p.forEach((v, j) => expect(v).toBeCloseTo(rows[i]?.[j] ?? 0, 12)));
    expect(r.likelihoodRatio).toBeCloseTo(0, 9);
    expect(reweightPosterior(a, train, train)).toEqual(a.map((v) => expect.closeTo(v, 15)));
  });

  it('gives the class fractions for certain (one-hot) sources', () => {
    const rows = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]];
    const r = estimateFieldPriors(rows, train);
    expect(r.priors).toEqual([0.25, 0.5, 0.25]);
    expect(r.posteriors).toEqual(rows);
  });

  it('handles a single source: priors and posteriors stay finite and normalised', () => {
    const r = estimateFieldPriors([[0.5, 0.3, 0.2]], train, { maxIterations: 50 });
    expect(r.iterations).toBeLessThanOrEqual(50);
    expect(r.priors.every(Number.isFinite)).toBe(true);
    expect(r.priors.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(r.posteriors[0]?.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('reports non-convergence instead of looping', () => {
    const { rows } = field(500, [0.1, 0.3, 0.6], train, 3);
    const r = estimateFieldPriors(rows, train, { maxIterations: 2, tolerance: 1e-15 });
    expect(r).toMatchObject({ iterations: 2, converged: false });
  });

  it('refuses inputs it cannot use, saying why', () => {
    const bad: Array<[ReadonlyArray<ReadonlyArray<number>>, number[], RegExp]> = [
      [[], train, /no sources/],
      [[[0.5, 0.5]], train, /has 2 probabilities/],
      [[[0.5, 0.5, Number.NaN]], train, /outside \[0, 1\]/],
      [[[1.5, -0.5, 0]], train, /outside \[0, 1\]/],
      [[[0.2, 0.2, 0.2]], train, /sum to 0.6/],
      [[[0, 0, 0]], train, /sum to 0/],
      [[[0.5, 0.5, 0]], [0.5, 0.5, 0], /class 2 is 0/],
      [[[0.5, 0.5, 0]], [0.5, 0.6, 0.1], /sums to 1.2/],
      [[[1]], [1], /at least 2 classes/],
    ];
    for (const [rows, prior, message] of bad) {
      expect(() => estimateFieldPriors(rows, prior)).toThrow(PriorShiftInputError);
      expect(() => estimateFieldPriors(rows, prior)).toThrow(message);
    }
    expect(() => estimateFieldPriors([[1, 0, 0]], train, { tolerance: 0 })).toThrow(/bad EM settings/);
  });
});
