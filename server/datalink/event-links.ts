/** DataLink rows for event files (DataLink 1.1 §3.2): the event list (a TAP query on ml.event), light curves and a
 *  spectrum (server/products), PNG previews of the E–t and dEdT maps, and the ML representation row. Two entry
 *  points: `eventFileLinks`, a LinkProvider for CSC2 master sources (files whose csc2_name is the source, or whose
 *  ObsID has a detection of it), and `eventFileIdLinks` for IDs that are ml.event_file.event_file_id values, so the
 *  products of every ingested file are reachable even when it matches no CSC2 source. */
import type { Queryable } from '../../db/index.js';
// Types only: links.ts imports this module, so a value import back would be a cycle.
import type { LinkContext, LinkProvider, LinkRow } from './links.js';
import { separationArcsec } from '../products/aperture.js';

const CORE = 'http://www.ivoa.net/rdf/datalink/core';
const VOTABLE = 'application/x-votable+xml';
const FITS = 'application/fits';
/** Light-curve bins offered as ready links (s); any other bin works by editing `bin` in the URL. */
export const LINK_LIGHT_CURVE_BINS: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 900, label: '15 min' },
  { seconds: 9000, label: '2.5 h' },
];

interface EventFileSummary {
  id: string;
  fileName: string;
  obsid: number | null;
  nEvents: number;
}

function tapQueryUrl(baseUrl: string, adql: string): string {
  return `${baseUrl}/tap/sync?${new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', QUERY: adql }).toString()}`;
}

function productUrl(baseUrl: string, product: string, params: Record<string, string>): string {
  return `${baseUrl}/tap/products/${product}?${new URLSearchParams(params).toString()}`;
}

/** The link rows of one event file, reported under `id` (a source name or the event_file_id itself). */
export function eventFileRows(id: string, f: EventFileSummary, ctx: LinkContext, isSelf: boolean): LinkRow[] {
  const what = `event file ${f.id} (${f.fileName}${f.obsid !== null ? `, ObsID ${f.obsid}` : ''}, ${f.nEvents} events)`;
  const q = (adql: string) => tapQueryUrl(ctx.baseUrl, adql);
  const rows: LinkRow[] = [
    {
      id,
      accessUrl: q(`SELECT * FROM ml.event WHERE event_file_id = '${f.id}' ORDER BY seq`),
      description: `Events of ${what}: arrival time (MET s), energy (eV), PI, sky x/y, CCD (ml.event)`,
      semantics: isSelf ? `${CORE}#this` : `${CORE}#progenitor`,
      contentType: VOTABLE,
      localSemantics: 'event-list',
    },
    {
      id,
      accessUrl: productUrl(ctx.baseUrl, 'events', { event_file: f.id }),
      description: `The original FITS file of ${what} (EVENTS and GTI extensions as archived), for CIAO, XSPEC or astropy`,
      semantics: isSelf ? `${CORE}#this` : `${CORE}#progenitor`,
      contentType: FITS,
      localSemantics: 'event-list-fits',
    },
    ...LINK_LIGHT_CURVE_BINS.map((b) => ({
      id,
      accessUrl: productUrl(ctx.baseUrl, 'lightcurve', { event_file: f.id, bin: String(b.seconds) }),
      description: `Light curve of ${what} in ${b.seconds} s (${b.label}) bins within the GTIs; set bin= to any width in s, emin=/emax= (eV) for a band`,
      semantics: `${CORE}#derivation`,
      contentType: VOTABLE,
      localSemantics: 'light-curve',
    })),
    {
      id,
      accessUrl: productUrl(ctx.baseUrl, 'lightcurve', { event_file: f.id, bin: String(LINK_LIGHT_CURVE_BINS[0].seconds), RESPONSEFORMAT: 'fits' }),
      description: `OGIP FITS light curve of ${what} (RATE: TIME, TIMEDEL, RATE, ERROR; GTI), ${LINK_LIGHT_CURVE_BINS[0].seconds} s bins; bin=, emin=/emax= and eunit=keV as for the VOTable`,
      semantics: `${CORE}#derivation`,
      contentType: FITS,
      localSemantics: 'light-curve',
    },
    {
      id,
      accessUrl: productUrl(ctx.baseUrl, 'spectrum', { event_file: f.id, RESPONSEFORMAT: 'fits' }),
      description: `OGIP PHA type I spectrum of ${what}: counts in the 1024 ACIS PI channels, EXPOSURE = good time, RESPFILE/ANCRFILE none (make them with CIAO specextract); opens in XSPEC and Sherpa`,
      semantics: `${CORE}#derivation`,
      contentType: FITS,
      localSemantics: 'spectrum',
    },
    {
      id,
      accessUrl: productUrl(ctx.baseUrl, 'spectrum', { event_file: f.id }),
      description: `Counts spectrum of ${what}, 100 eV bins from 0.3 to 11 keV; set edges= (comma-separated) or emin=/emax=/bins=, in eV or with eunit=keV`,
      semantics: `${CORE}#derivation`,
      contentType: VOTABLE,
      localSemantics: 'spectrum',
    },
    {
      id,
      accessUrl: productUrl(ctx.baseUrl, 'etmap.png', { event_file: f.id }),
      description: `E-t map of ${what}: counts in 24 time (x) x 16 log-energy (y, 0.5-7 keV) bins, PNG with axes and colour bar; RESPONSEFORMAT=fits for the FITS image`,
      semantics: `${CORE}#preview`,
      contentType: 'image/png',
      localSemantics: 'et-map',
    },
    {
      id,
      accessUrl: productUrl(ctx.baseUrl, 'dedt.png', { event_file: f.id }),
      description: `dEdT map of ${what}: fraction of event pairs per time lag (x) and log-energy lag (y), log colour scale, PNG with axes and colour bar; RESPONSEFORMAT=fits for the FITS image`,
      semantics: `${CORE}#preview`,
      contentType: 'image/png',
      localSemantics: 'dedt-map',
    },
    {
      id,
      accessUrl: q(`SELECT * FROM ml.event_representation WHERE event_file_id = '${f.id}'`),
      description: `ML representations of ${what}: E-t and dEdT maps, DeepSets embedding, anomaly score per model version (ml.event_representation)`,
      semantics: `${CORE}#derivation`,
      contentType: VOTABLE,
      localSemantics: 'ml-representation',
    },
  ];
  return rows;
}

function summaries(rows: unknown[][]): EventFileSummary[] {
  return rows.map((r) => ({ id: String(r[0]), fileName: String(r[1]), obsid: r[2] === null ? null : Number(r[2]), nEvents: Number(r[3]) }));
}

const FILES_OF_SOURCE_SQL =
  'SELECT DISTINCT f.event_file_id, f.file_name, f.obsid, f.n_events FROM ml.event_file f WHERE f.csc2_name = $1 ' +
  'OR f.obsid IN (SELECT so.obsid FROM csc2.master_stack_assoc a JOIN csc2.stack_observation_assoc so ' +
  'ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id WHERE a.name = $1) ORDER BY f.event_file_id';

/** LinkProvider: event files of a master source — per-source lists matched to it (csc2_name) and the event lists of
 *  the ObsIDs in which it was detected. */
export const eventFileLinks: LinkProvider = async (name, ctx) => {
  const r = await ctx.db.query(FILES_OF_SOURCE_SQL, [name]);
  return summaries(r.rows).flatMap((f) => eventFileRows(name, f, ctx, false));
};

/** How far from the centroid of an event file's events a source may lie to get aperture links (arcmin): about half
 *  the diagonal of one ACIS chip (8.4' square). The product itself checks that events surround the position. */
export const FIELD_RADIUS_ARCMIN = 6;

/** LinkProvider: the source's own events in every ingested event file whose field contains it — light curve,
 *  spectrum (VOTable and OGIP PHA) extracted in an aperture around the source (server/products/aperture.ts). */
export const sourceApertureLinks: LinkProvider = async (name, ctx) => {
  const src = await ctx.db.query('SELECT ra, dec, err_ellipse_r0 FROM csc2.master_source WHERE name = $1', [name]);
  const s = src.rows[0];
  if (!s) return [];
  const files = await ctx.db.query(
    'SELECT f.event_file_id, f.file_name, f.obsid, f.n_events, f.ra_centroid, f.dec_centroid FROM ml.event_file f ' +
      'JOIN xtap.event_file_bytes b ON b.event_file_id = f.event_file_id WHERE f.ra_centroid IS NOT NULL ORDER BY f.event_file_id',
  );
  const rows: LinkRow[] = [];
  for (const r of files.rows) {
    if (separationArcsec(Number(s[0]), Number(s[1]), Number(r[4]), Number(r[5])) > FIELD_RADIUS_ARCMIN * 60) continue;
    const [f] = summaries([r.slice(0, 4)]);
    const what = `${name} in event file ${f.id} (${f.fileName}${f.obsid !== null ? `, ObsID ${f.obsid}` : ''}), events within the source aperture (default radius max(2.5", 2 x err_ellipse_r0); radius= in arcsec)`;
    const p = (product: string, extra: Record<string, string>) => productUrl(ctx.baseUrl, product, { event_file: f.id, source: name, ...extra });
    rows.push(
      { id: name, accessUrl: p('lightcurve', { bin: String(LINK_LIGHT_CURVE_BINS[0].seconds) }), description: `Light curve of ${what}; bin=, emin=/emax=, eunit=keV, RESPONSEFORMAT=fits`, semantics: `${CORE}#derivation`, contentType: VOTABLE, localSemantics: 'source-light-curve' },
      { id: name, accessUrl: p('spectrum', {}), description: `Counts spectrum of ${what}`, semantics: `${CORE}#derivation`, contentType: VOTABLE, localSemantics: 'source-spectrum' },
      { id: name, accessUrl: p('spectrum', { RESPONSEFORMAT: 'fits' }), description: `OGIP PHA type I spectrum of ${what} (RESPFILE/ANCRFILE none)`, semantics: `${CORE}#derivation`, contentType: FITS, localSemantics: 'source-spectrum' },
    );
  }
  return rows;
};

/** Rows for an ID that is an ml.event_file.event_file_id, or null when it is not one. */
export async function eventFileIdLinks(id: string, ctx: LinkContext): Promise<LinkRow[] | null> {
  const db: Queryable = ctx.db;
  const r = await db.query('SELECT event_file_id, file_name, obsid, n_events FROM ml.event_file WHERE event_file_id = $1', [id]);
  const f = summaries(r.rows)[0];
  return f ? eventFileRows(id, f, ctx, true) : null;
}
