import { describe, expect, it } from 'vitest';
import { Rng } from './prng.js';
import { referenceFixture } from './testing/fixtures.js';

describe('Rng (mulberry32)', () => {
  it('matches the Python reference stream bit for bit', () => {
    const r = new Rng(42);
    expect(Array.from({ length: 5 }, () => r.uint32())).toEqual(referenceFixture().mulberry32Seed42);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 10 }, () => a.next());
    expect(Array.from({ length: 10 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => c.next())).not.toEqual(xs);
  });

  it('next() is uniform on [0, 1): mean, variance and range over 1e5 draws', () => {
    const r = new Rng(123);
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      s += x;
      s2 += x * x;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 2);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  it('exponential() has mean 1/rate', () => {
    const r = new Rng(5);
    let s = 0;
    for (let i = 0; i < 50_000; i++) s += r.exponential(4);
    expect(s / 50_000).toBeCloseTo(0.25, 2);
  });
});
