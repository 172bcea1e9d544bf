/** FITS files of the event-file products, in the layouts X-ray tools read: OGIP light curves (OGIP/93-003: RATE
 *  extension with TIME, TIMEDEL, RATE, ERROR, plus GTI), OGIP PHA type I spectra (OGIP/92-007: SPECTRUM extension
 *  with CHANNEL and COUNTS over every PI channel, EXPOSURE, BACKSCAL, RESPFILE/ANCRFILE) and 2-D map images with
 *  WCS-style axis keywords (CTYPEn/CRVALn/CDELTn/CRPIXn/CUNITn). Pure: numbers in, FITS bytes out. */
import { writeFits } from '../../fits/index.js';
import type { FitsValue } from '../../fits/index.js';

type Card = [string, FitsValue, string?];

/** What the headers say about the observation (from ml.event_file). */
export interface ObservationKeywords {
  eventFileId: string;
  telescope: string | null;
  instrument: string | null;
  object: string | null;
  obsid: number | null;
  timesys: string | null;
  mjdref: number | null;
  tstart: number | null;
  tstop: number | null;
}

/** ACIS PI channels: 1..1024, channel i covering energies [(i-1), i) × 14.6 eV. */
export const ACIS_PI_CHANNELS = 1024;

function observationCards(o: ObservationKeywords): Card[] {
  const cards: Card[] = [
    ['TELESCOP', o.telescope ?? 'CHANDRA', 'mission'],
    ['INSTRUME', o.instrument ?? 'ACIS', 'instrument'],
    ['FILTER', 'none'],
    ['OBJECT', o.object ?? '', 'target of the observation'],
  ];
  if (o.obsid !== null) cards.push(['OBS_ID', String(o.obsid), 'Chandra ObsID']);
  cards.push(['ORIGIN', 'xtap', 'DataLink product of ml.event_file ' + o.eventFileId]);
  return cards;
}

function timeCards(o: ObservationKeywords): Card[] {
  const cards: Card[] = [['TIMESYS', o.timesys ?? 'TT', 'time scale'], ['TIMEUNIT', 's'], ['TIMEREF', 'LOCAL']];
  if (o.mjdref !== null) cards.push(['MJDREF', o.mjdref, 'MJD of time zero']);
  if (o.tstart !== null) cards.push(['TSTART', o.tstart, 'observation start (MET s)']);
  if (o.tstop !== null) cards.push(['TSTOP', o.tstop, 'observation stop (MET s)']);
  return cards;
}

function gtiTable(gti: ReadonlyArray<readonly [number, number]>, o: ObservationKeywords) {
  return {
    extname: 'GTI',
    columns: [
      { name: 'START', tform: '1D', unit: 's', values: gti.map((g) => g[0]) },
      { name: 'STOP', tform: '1D', unit: 's', values: gti.map((g) => g[1]) },
    ],
    keywords: [['HDUCLASS', 'OGIP'], ['HDUCLAS1', 'GTI'], ['HDUCLAS2', 'STANDARD'], ...timeCards(o)] as Card[],
    nrows: gti.length,
  };
}

export interface LightCurveBins {
  tStart: ArrayLike<number>;
  tStop: ArrayLike<number>;
  exposure: ArrayLike<number>;
  counts: ArrayLike<number>;
  rate: ArrayLike<number>;
  rateError: ArrayLike<number>;
}

/** OGIP light curve: primary HDU, RATE (TIME = bin middle, TIMEDEL = bin width, RATE, ERROR, FRACEXP, COUNTS), GTI. */
export function lightCurveFits(lc: LightCurveBins, binSeconds: number, gti: ReadonlyArray<readonly [number, number]>, o: ObservationKeywords, band: { eMinEv?: number; eMaxEv?: number }): Uint8Array {
  const n = lc.counts.length;
  const time = Array.from({ length: n }, (_, k) => (lc.tStart[k] + lc.tStop[k]) / 2);
  const timedel = Array.from({ length: n }, (_, k) => lc.tStop[k] - lc.tStart[k]);
  const fracexp = Array.from({ length: n }, (_, k) => (timedel[k] > 0 ? lc.exposure[k] / timedel[k] : 0));
  const keywords: Card[] = [
    ['HDUCLASS', 'OGIP', 'format conforms to OGIP standard'],
    ['HDUCLAS1', 'LIGHTCURVE'],
    ['HDUCLAS2', 'TOTAL', 'gross (source + background) counts'],
    ['HDUCLAS3', 'RATE'],
    ['HDUVERS', '1.1.0'],
    ...observationCards(o),
    ...timeCards(o),
    ['TIMEDEL', binSeconds, 'nominal bin width (s); column TIMEDEL has each bin'],
    ['TIMEPIXR', 0.5, 'TIME is the middle of the bin'],
  ];
  if (band.eMinEv !== undefined) keywords.push(['E_MIN', band.eMinEv / 1000, 'keV, lower energy of the band']);
  if (band.eMaxEv !== undefined) keywords.push(['E_MAX', band.eMaxEv / 1000, 'keV, upper energy of the band']);
  return writeFits({
    primaryKeywords: observationCards(o),
    tables: [
      {
        extname: 'RATE',
        columns: [
          { name: 'TIME', tform: '1D', unit: 's', values: time },
          { name: 'TIMEDEL', tform: '1D', unit: 's', values: timedel },
          { name: 'RATE', tform: '1D', unit: 'count/s', values: Array.from(lc.rate) },
          { name: 'ERROR', tform: '1D', unit: 'count/s', values: Array.from(lc.rateError) },
          { name: 'FRACEXP', tform: '1D', values: fracexp },
          { name: 'COUNTS', tform: '1J', unit: 'count', values: Array.from(lc.counts) },
        ],
        keywords,
        nrows: n,
      },
      gtiTable(gti, o),
    ],
  });
}

/** PI channel of an event: its PI column when present, else from its energy (ACIS gain, 14.6 eV per channel). */
export function piChannel(pi: number | null, energyEv: number, evPerPi = 14.6): number | null {
  if (pi !== null && Number.isFinite(pi)) return pi;
  if (!Number.isFinite(energyEv) || energyEv < 0) return null;
  return Math.floor(energyEv / evPerPi) + 1;
}

/** Counts per channel 1..channels; channels outside are counted as dropped. */
export function channelCounts(channels: Iterable<number | null>, nChannels = ACIS_PI_CHANNELS): { counts: Int32Array; dropped: number } {
  const counts = new Int32Array(nChannels);
  let dropped = 0;
  for (const ch of channels) {
    if (ch === null || !Number.isInteger(ch) || ch < 1 || ch > nChannels) dropped++;
    else counts[ch - 1]++;
  }
  return { counts, dropped };
}

export interface PhaOptions {
  exposure: number;
  respfile?: string;
  ancrfile?: string;
  piFromEnergy: boolean;
}

/** OGIP PHA type I spectrum: SPECTRUM extension, CHANNEL (PI) 1..N and COUNTS, Poisson errors. */
export function phaFits(counts: Int32Array, o: ObservationKeywords, opts: PhaOptions): Uint8Array {
  const n = counts.length;
  const keywords: Card[] = [
    ['HDUCLASS', 'OGIP', 'format conforms to OGIP standard'],
    ['HDUCLAS1', 'SPECTRUM'],
    ['HDUVERS', '1.2.1'],
    ['HDUCLAS2', 'TOTAL', 'gross (source + background) counts'],
    ['HDUCLAS3', 'COUNT'],
    ['HDUCLAS4', 'TYPE:I'],
    ...observationCards(o),
    ['CHANTYPE', 'PI', 'channels are pulse invariant'],
    ['DETCHANS', n, 'number of channels'],
    ['TLMIN1', 1, 'first channel'],
    ['TLMAX1', n, 'last channel'],
    ['EXPOSURE', opts.exposure, 's, good time'],
    ['BACKSCAL', 1.0, 'no background region: scaling 1'],
    ['AREASCAL', 1.0],
    ['CORRSCAL', 0.0],
    ['BACKFILE', 'none'],
    ['CORRFILE', 'none'],
    ['RESPFILE', opts.respfile ?? 'none', 'no response bundled: make one with CIAO specextract'],
    ['ANCRFILE', opts.ancrfile ?? 'none'],
    ['POISSERR', true, 'Poisson errors apply'],
    ['SYS_ERR', 0],
    ['QUALITY', 0],
    ['GROUPING', 0],
  ];
  if (opts.piFromEnergy) keywords.push(['COMMENT', undefined as unknown as FitsValue, 'PI of events without a PI column = floor(energy / 14.6 eV) + 1']);
  return writeFits({
    primaryKeywords: observationCards(o),
    tables: [
      {
        extname: 'SPECTRUM',
        columns: [
          { name: 'CHANNEL', tform: '1J', values: Array.from({ length: n }, (_, k) => k + 1) },
          { name: 'COUNTS', tform: '1J', unit: 'count', values: Array.from(counts) },
        ],
        keywords,
        nrows: n,
      },
    ],
  });
}

/** A linear image axis: value of pixel i (1-based) = crval + (i - crpix) * cdelt. */
export interface ImageAxis {
  ctype: string;
  cunit: string;
  crval: number;
  cdelt: number;
  crpix: number;
  comment: string;
}

/** 2-D map image in the primary HDU (`values[y * width + x]`), axes as WCS-style keywords, plus optional
 *  tables (e.g. the edges of an axis that is not linear). */
export function mapFits(values: ArrayLike<number>, width: number, height: number, axes: [ImageAxis, ImageAxis], o: ObservationKeywords, extra: { bunit: string; title: string; cards?: Card[]; tables?: Parameters<typeof writeFits>[0]['tables'] }): Uint8Array {
  const axisCards = axes.flatMap((a, i): Card[] => [
    [`CTYPE${i + 1}`, a.ctype, a.comment],
    [`CUNIT${i + 1}`, a.cunit],
    [`CRVAL${i + 1}`, a.crval],
    [`CDELT${i + 1}`, a.cdelt],
    [`CRPIX${i + 1}`, a.crpix],
  ]);
  return writeFits({
    primaryImage: { width, height, values },
    primaryKeywords: [['EXTNAME', 'MAP'], ['BUNIT', extra.bunit], ['WCSAXES', 2], ...axisCards, ...observationCards(o), ...timeCards(o), ['TITLE', extra.title.slice(0, 68)], ...(extra.cards ?? [])],
    tables: extra.tables ?? [],
  });
}
