import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fillGalactic, icrsToGalactic } from './galactic.js';

const POSITIONS: Array<[number, number]> = [
  [0, 0], [266.40499, -28.93617], [192.85948, 27.12825], [83.63308, 22.0145], [148.9685, 69.6797],
  [166.4, -58.7], [359.999, 89.9], [10, -89.5], [201.365063, -43.019112], [299.59, 35.2],
];

describe('ICRS → Galactic', () => {
  it('matches astropy within 1 mas at ten positions (Galactic centre, north Galactic pole, M82, poles, NGC 3532)', () => {
    const code = 'import json,sys\nfrom astropy.coordinates import SkyCoord\nimport astropy.units as u\n' +
      'p=json.loads(sys.argv[1]); c=SkyCoord([x[0] for x in p]*u.deg,[x[1] for x in p]*u.deg,frame="icrs").galactic\n' +
      'print(json.dumps([[float(a),float(b)] for a,b in zip(c.l.deg,c.b.deg)]))';
    const r = spawnSync('/usr/bin/python3', ['-c', code, JSON.stringify(POSITIONS)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as Array<[number, number]>;
    POSITIONS.forEach(([ra, dec], i) => {
      const g = icrsToGalactic(ra, dec);
      const dl = (((g.l - ref[i][0] + 540) % 360) - 180) * Math.cos((ref[i][1] * Math.PI) / 180);
      expect(Math.hypot(dl, g.b - ref[i][1]) * 3.6e6).toBeLessThan(1); // mas
    });
  });

  it('the Galactic centre and north pole land where they should', () => {
    const gc = icrsToGalactic(266.40499, -28.93617);
    expect(Math.min(gc.l, 360 - gc.l)).toBeLessThan(1e-3);
    expect(Math.abs(gc.b)).toBeLessThan(1e-3);
    expect(icrsToGalactic(192.85948, 27.12825).b).toBeGreaterThan(89.999);
  });

  it('fillGalactic fills only missing values and leaves rows without a position alone', () => {
    const row: Record<string, unknown> = { ra: 83.63308, dec: 22.0145, gal_l: null, gal_b: null };
    fillGalactic(row);
    expect(row.gal_l).toBeCloseTo(184.5575, 3);
    expect(row.gal_b).toBeCloseTo(-5.7843, 3);
    const given: Record<string, unknown> = { ra: 1, dec: 2, gal_l: 10, gal_b: 20 };
    fillGalactic(given);
    expect([given.gal_l, given.gal_b]).toEqual([10, 20]);
    const none: Record<string, unknown> = { ra: null, dec: 2 };
    fillGalactic(none);
    expect(none.gal_l).toBeUndefined();
  });
});
