/** Test helpers shared by the ml/representations tests: the real sample event lists (read once). */
import { readFileSync } from 'node:fs';
import { readEventList } from '../../../fits/index.js';
import type { EventList } from '../../../fits/index.js';

export function sampleEvents(name: 'stingray_chandra_test.fits' | 'stingray_chandra_noener_test.fits' | 'astropy_chandra_time.fits'): EventList {
  return readEventList(new Uint8Array(readFileSync(new URL(`../../../data/sample/${name}`, import.meta.url))));
}

export interface ReferenceFixture {
  events: number;
  used: number;
  etCounts: number[];
  frameTime: number;
  dedtCounts: number[];
  dedtCountsFrame: number[];
  featuresFirst5: number[][];
  featuresSum: number[];
  mulberry32Seed42: number[];
}

/** Numbers computed by reference.py (numpy) from data/sample/stingray_chandra_test.fits. */
export function referenceFixture(): ReferenceFixture {
  return JSON.parse(readFileSync(new URL('../testdata/stingray-reference.json', import.meta.url), 'utf8')) as ReferenceFixture;
}
