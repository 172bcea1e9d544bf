import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FitsError } from './errors.js';
import { ACIS_EV_PER_PI, readEventList } from './event-list.js';
import { writeEventFile, writeFits } from './testing/write-fits.js';

const sample = (name: string) => new Uint8Array(readFileSync(new URL(`../data/sample/${name}`, import.meta.url)));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof FitsError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('readEventList on the real Chandra files', () => {
  const ev = readEventList(sample('stingray_chandra_test.fits'));
  const noener = readEventList(sample('stingray_chandra_noener_test.fits'));

  it('reads the header keywords of ObsID 10027', () => {
    expect(ev.header).toMatchObject({
      hduIndex: 1,
      extname: 'EVENTS',
      obsId: '10027',
      object: 'M82',
      instrument: 'ACIS',
      detnam: 'ACIS-7',
      dataMode: 'FAINT',
      dateObs: '2008-10-04T00:44:07',
      timesys: 'TT',
      mjdref: 50814,
      timezero: 0,
    });
    expect(ev.header.tstart).toBeCloseTo(339468247.43077, 5);
    expect(ev.header.tstop).toBeCloseTo(339489554.61932, 5);
    expect(ev.header.exposure).toBeCloseTo(18279.338652893, 6);
    expect(ev.header.raNom).toBeCloseTo(149.09885492322, 9);
    expect(ev.header.decNom).toBeCloseTo(69.715351594383, 9);
    expect(ev.header.timedel).toBeCloseTo(0.44104, 6);
  });

  it('returns time as Float64Array (sorted, 945 s span) and energy in eV', () => {
    expect(ev.count).toBe(4612);
    expect(ev.time).toBeInstanceOf(Float64Array);
    expect(ev.energyEv).toBeInstanceOf(Float32Array);
    expect(ev.energySource).toBe('energy');
    expect(ev.time.every((t, i) => i === 0 || t >= ev.time[i - 1])).toBe(true);
    expect(ev.time[ev.count - 1] - ev.time[0]).toBeCloseTo(945.146, 2);
    expect(Math.min(...ev.energyEv)).toBeCloseTo(167.057159, 3);
    expect(Math.max(...ev.energyEv)).toBeCloseTo(17944.037109, 2);
    expect(ev.x?.length).toBe(4612);
    expect(ev.ccdId?.every((c) => c === 7)).toBe(true);
  });

  it('takes GTIs from the GTI extension', () => {
    expect(ev.gti).toHaveLength(1);
    expect(ev.gti[0][0]).toBeCloseTo(339469168.431, 3);
    expect(ev.gti[0][1]).toBeCloseTo(339470113.767, 3);
    expect(ev.gtiSource).toBe('GTI(CCD_ID=7)');
  });

  it('falls back to pi × 14.6 eV when there is no energy column', () => {
    expect(noener.energySource).toBe('pi');
    expect(noener.count).toBe(4612);
    expect(Array.from(noener.time)).toEqual(Array.from(ev.time));
    // Same events: the PI-derived energies agree with the calibrated ones to within one channel on average.
    let ratio = 0;
    let maxDiff = 0;
    for (let i = 0; i < ev.count; i++) {
      ratio += ev.energyEv[i] / noener.energyEv[i];
      // PI saturates at channel 1024 (14.95 keV), so compare below that.
      if (ev.energyEv[i] < 14000) maxDiff = Math.max(maxDiff, Math.abs(ev.energyEv[i] - noener.energyEv[i]));
    }
    expect(ratio / ev.count).toBeGreaterThan(0.995);
    expect(ratio / ev.count).toBeLessThan(1.005);
    expect(maxDiff).toBeLessThan(ACIS_EV_PER_PI);
  });

  it('reads the 2-event full evt2 file; no GTI HDU → [TSTART, TSTOP]', () => {
    const a = readEventList(sample('astropy_chandra_time.fits'));
    expect(a.count).toBe(2);
    expect(a.header.obsId).toBe('18059');
    expect(a.header.object).toBe('Mrk 1434');
    expect(a.header.detnam).toBe('ACIS-3678');
    expect(Array.from(a.energyEv, (e) => Math.round(e))).toEqual([7783, 5927]);
    expect(a.gtiSource).toBe('TSTART/TSTOP');
    expect(a.gti).toEqual([[570218309.89117, 570224757.14153]]);
  });
});

describe('readEventList on synthetic files', () => {
  it('finds the events table by HDUCLAS1 when EXTNAME differs, and converts keV', () => {
    const buf = writeFits({
      tables: [
        {
          extname: 'STDEVT',
          keywords: [
            ['HDUCLAS1', 'EVENTS'],
            ['TSTART', 10],
            ['TSTOP', 20],
            ['TIMEZERO', 5],
          ],
          columns: [
            { name: 'TIME', tform: '1D', values: [11, 12] },
            { name: 'ENERGY', tform: '1E', unit: 'keV', values: [1.5, 2] },
          ],
        },
      ],
    });
    const ev = readEventList(buf);
    expect(ev.header.extname).toBe('STDEVT');
    expect(Array.from(ev.time)).toEqual([16, 17]);
    expect(Array.from(ev.energyEv)).toEqual([1500, 2000]);
    expect(ev.gti).toEqual([[15, 25]]);
    expect(ev.x).toBeUndefined();
  });

  it('uses the GTI of the CCD most events fell on when there are several', () => {
    const buf = writeFits({
      tables: [
        {
          extname: 'EVENTS',
          columns: [
            { name: 'time', tform: '1D', values: [1, 2, 3] },
            { name: 'ccd_id', tform: '1I', values: [3, 7, 7] },
            { name: 'pi', tform: '1J', tnull: 0, values: [100, 0, 200] },
          ],
        },
        { extname: 'GTI', keywords: [['CCD_ID', 3]], columns: [{ name: 'START', tform: '1D', values: [0] }, { name: 'STOP', tform: '1D', values: [9] }] },
        {
          extname: 'GTI',
          keywords: [['CCD_ID', 7]],
          columns: [
            { name: 'START', tform: '1D', values: [5, 1] },
            { name: 'STOP', tform: '1D', values: [6, 4] },
          ],
        },
      ],
    });
    const ev = readEventList(buf);
    expect(ev.gtiSource).toBe('GTI(CCD_ID=7)');
    expect(ev.gti).toEqual([
      [1, 4],
      [5, 6],
    ]);
    expect(ev.energySource).toBe('pi');
    expect(ev.energyEv[0]).toBeCloseTo(1460, 3);
    expect(ev.energyEv[1]).toBeNaN(); // TNULL
  });

  it('round-trips writeEventFile', () => {
    const time = [100, 100.5, 103, 110];
    const energyEv = [500, 1000, 7000, 250];
    const ev = readEventList(writeEventFile({ time, energyEv, keywords: [['OBS_ID', '42']] }));
    expect(Array.from(ev.time)).toEqual(time);
    expect(Array.from(ev.energyEv)).toEqual(energyEv);
    expect(ev.header.obsId).toBe('42');
    expect(ev.gti).toEqual([[100, 110]]);
  });

  it.each<[string, Uint8Array, string]>([
    ['no EVENTS extension', writeFits({ tables: [{ extname: 'SPECTRUM', columns: [{ name: 'time', tform: '1D', values: [1] }] }] }), 'NO_EVENTS_HDU'],
    ['no time column', writeFits({ tables: [{ extname: 'EVENTS', columns: [{ name: 'pi', tform: '1J', values: [1] }] }] }), 'MISSING_EVENT_COLUMN'],
    ['neither energy nor pi', writeFits({ tables: [{ extname: 'EVENTS', columns: [{ name: 'time', tform: '1D', values: [1] }] }] }), 'MISSING_EVENT_COLUMN'],
    [
      'GTI with START after STOP',
      writeEventFile({ time: [1, 2], energyEv: [1000, 2000], gti: [[3, 1]] }),
      'BAD_GTI',
    ],
    ['truncated file', writeEventFile({ time: Array.from({ length: 500 }, (_, i) => i), energyEv: new Array<number>(500).fill(1000) }).subarray(0, 2880 * 3), 'TRUNCATED_DATA'],
  ])('%s → %s', (_label, buf, code) => {
    expect(codeOf(() => readEventList(buf))).toBe(code);
  });
});
