import { describe, expect, it } from 'vitest';
import { Tally, parseDuration, percentile, textTable } from './stats.js';

describe('load statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(s, 50), percentile(s, 95), percentile(s, 99), percentile(s, 100)]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
  it('tallies samples and errors per kind with a total row', () => {
    const t = new Tally();
    t.ok('sync', 10);
    t.ok('sync', 30);
    t.ok('async', 100);
    t.fail('sync', 'HTTP 500');
    t.fail('sync', 'HTTP 500');
    const rows = t.rows();
    expect(rows.map((r) => [r.kind, r.ok, r.errors])).toEqual([['async', 1, 0], ['sync', 2, 2], ['ALL', 3, 2]]);
    expect(rows.at(-1)?.max).toBe(100);
    expect(t.errorDetails()).toEqual(['sync: 2 × HTTP 500']);
  });
  it('parses durations and prints aligned tables', () => {
    expect([parseDuration('60s'), parseDuration('2m'), parseDuration('250ms'), parseDuration('5')]).toEqual([60_000, 120_000, 250, 5000]);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(textTable(['a', 'bb'], [[1, 2.25]])).toBe('a  bb\n-  ---\n1  2.3');
  });
});
