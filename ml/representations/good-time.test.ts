import { describe, expect, it } from 'vitest';
import { goodTimeClock } from './good-time.js';

describe('goodTimeClock', () => {
  const gti = [[100, 200], [300, 350], [1000, 1100]] as const;

  it('counts good time before each event; gaps vanish', () => {
    const c = goodTimeClock([100, 150, 200, 300, 340, 1000, 1100], gti);
    expect(Array.from(c)).toEqual([0, 50, 100, 100, 140, 150, 250]);
  });

  it('events in a gap or outside all GTIs get the clock of that gap; NaN stays NaN; order is kept', () => {
    const c = goodTimeClock([250, 50, 2000, Number.NaN, 320], gti);
    expect(Array.from(c)).toEqual([100, 0, 250, Number.NaN, 120]);
  });

  it('one GTI covering the events is a shift (τ and gaps unchanged)', () => {
    const t = [3.4e8 + 0.25, 3.4e8 + 10.5, 3.4e8 + 900];
    const c = goodTimeClock(t, [[3.4e8, 3.4e8 + 1000]]);
    expect(Array.from(c)).toEqual(t.map((x) => x - 3.4e8));
  });

  it('rejects overlapping, reversed or non-finite GTIs', () => {
    expect(() => goodTimeClock([1], [[0, 10], [5, 20]])).toThrow(/before GTI 0 stops/);
    expect(() => goodTimeClock([1], [[10, 0]])).toThrow(/start ≤ stop/);
    expect(() => goodTimeClock([1], [[0, Number.POSITIVE_INFINITY]])).toThrow(/finite/);
  });
});
