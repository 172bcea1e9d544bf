/** Regression for issue #12.4 ("SELECT DISTANCE(...)*60 AS dist_arcmin is labelled with unit deg"): the FIELD unit
 *  of a computed column in a TAP result follows ADQL arithmetic, through the real sync endpoint and VOTable. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVotable } from '../votable/index.js';
import { openTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases())('units of computed columns on $name', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
  });
  afterAll(async () => t.close());

  it('DISTANCE(...)*60 carries no deg; DISTANCE, sums of degrees and IN_UNIT keep or set the right unit', async () => {
    const query =
      'SELECT TOP 3 DISTANCE(ra, dec, 166.28, -58.85) * 60 AS dist_arcmin, DISTANCE(ra, dec, 166.28, -58.85) AS dist, ' +
      "ra + 0.5 AS ra_shifted, IN_UNIT(DISTANCE(ra, dec, 166.28, -58.85), 'arcmin') AS dist_in_arcmin, flux_aper90_b / 1000 AS f " +
      'FROM csc2.master_source ORDER BY dist';
    const r = await request(t.app.callback()).get('/tap/sync').query({ LANG: 'ADQL', QUERY: query, RESPONSEFORMAT: 'votable/td' });
    expect(r.status).toBe(200);
    const [table] = parseVotable(r.text);
    if (!table) throw new Error('no table in the response');
    expect(table.fields.map((f) => [f.name, f.unit])).toEqual([
      ['dist_arcmin', undefined],
      ['dist', 'deg'],
      ['ra_shifted', 'deg'],
      ['dist_in_arcmin', 'arcmin'],
      ['f', undefined],
    ]);
    expect(r.text).not.toMatch(/name="dist_arcmin"[^>]*unit=/);
    // the values agree with the labels: dist_arcmin = 60 × dist = dist_in_arcmin
    expect(table.rows.length).toBeGreaterThan(0);
    for (const row of table.rows) {
      const [arcmin, deg, , inArcmin] = row as number[];
      expect(arcmin).toBeCloseTo(deg * 60, 9);
      expect(inArcmin).toBeCloseTo(deg * 60, 9);
    }
  });
});
