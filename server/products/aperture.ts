/** Source apertures on event files: which events of a file lie within `radius` of a sky position (the source's
 *  own events, for its light curve and spectrum). Positions come from `ra`/`dec` (deg) or a CSC2 master source
 *  (`source` = its name: position from csc2.master_source, default radius from its 95% error ellipse). Event sky
 *  positions are the x/y columns through the file's TAN WCS, read from the stored original FITS. */
import { distance } from '../../adql/geometry/index.js';
import type { Queryable } from '../../db/index.js';
import { readFits } from '../../fits/index.js';
import { skyWcs, tanToRaDec } from '../../ingest/index.js';
import { DaliError } from '../errors.js';
import type { Query } from './params.js';
import { numberParam, param } from './params.js';

/** Smallest default aperture (arcsec): about the 90% encircled-energy radius of the on-axis ACIS PSF at 1.5 keV. */
export const MIN_APERTURE_ARCSEC = 2.5;
/** Default aperture = max(MIN_APERTURE_ARCSEC, this × the source's 95% error-ellipse major radius). */
export const ERROR_RADIUS_FACTOR = 2;

export interface Aperture {
  ra: number;
  dec: number;
  radiusArcsec: number;
  source: string | null;
}

/** The aperture the request asks for (source=, or ra=&dec=, with optional radius= in arcsec), or null for the
 *  whole file. */
export async function apertureParam(db: Queryable, q: Query): Promise<Aperture | null> {
  const name = param(q, 'source');
  const radius = numberParam(q, 'radius', (n) => n > 0 && n <= 3600, 'must be an aperture radius in arcsec, 0 < radius <= 3600');
  if (name !== undefined) {
    const r = await db.query('SELECT ra, dec, err_ellipse_r0 FROM csc2.master_source WHERE name = $1', [name]);
    const row = r.rows[0];
    if (!row) throw new DaliError('NOT_FOUND', `no CSC2 master source named "${name}"`);
    const r0 = row[2] === null ? 0 : Number(row[2]);
    return { ra: Number(row[0]), dec: Number(row[1]), radiusArcsec: radius ?? Math.max(MIN_APERTURE_ARCSEC, ERROR_RADIUS_FACTOR * r0), source: name };
  }
  const ra = numberParam(q, 'ra', (n) => n >= 0 && n < 360, 'must be an ICRS right ascension in degrees, 0 <= ra < 360');
  const dec = numberParam(q, 'dec', (n) => n >= -90 && n <= 90, 'must be an ICRS declination in degrees, -90..90');
  if (ra === undefined && dec === undefined) {
    if (radius !== undefined) throw new DaliError('BAD_PARAMETER', 'radius needs a position: give source= or ra= and dec=');
    return null;
  }
  if (ra === undefined || dec === undefined) throw new DaliError('BAD_PARAMETER', 'give both ra and dec (ICRS degrees) for an aperture');
  return { ra, dec, radiusArcsec: radius ?? MIN_APERTURE_ARCSEC, source: null };
}

/** Angular distance in arcsec (the ADQL DISTANCE of adql/geometry, in arcsec). */
export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  return distance(ra1, dec1, ra2, dec2) * 3600;
}

/** Per event (in seq order), whether it lies within the aperture. A position outside the area the file's events
 *  cover is a 400: that file does not contain the source. */
export async function apertureMask(db: Queryable, fileId: string, a: Aperture): Promise<Uint8Array> {
  const f = await db.query('SELECT bytes FROM xtap.event_file_bytes WHERE event_file_id = $1', [fileId]);
  const bytes = f.rows[0]?.[0] as Uint8Array | undefined;
  if (!bytes) throw new DaliError('NOT_FOUND', `event file ${fileId} was ingested before xtap kept event files: re-ingest it to extract apertures`);
  const file = readFits(bytes);
  const hdu = file.hdus.find((h) => h.type === 'BINTABLE' && h.table?.hasColumn('x') && h.table.hasColumn('y'));
  const wcs = hdu ? skyWcs(hdu) : null;
  if (!wcs) throw new DaliError('BAD_PARAMETER', `event file ${fileId} has no sky WCS on its x/y columns: apertures are not possible`);
  const r = await db.query('SELECT x, y FROM ml.event WHERE event_file_id = $1 ORDER BY seq', [fileId]);
  const mask = new Uint8Array(r.rows.length);
  let nearest = Number.POSITIVE_INFINITY;
  r.rows.forEach((row, i) => {
    if (row[0] === null || row[1] === null) return;
    const [ra, dec] = tanToRaDec(wcs, Number(row[0]), Number(row[1]));
    const sep = separationArcsec(ra, dec, a.ra, a.dec);
    nearest = Math.min(nearest, sep);
    if (sep <= a.radiusArcsec) mask[i] = 1;
  });
  // No event within 60" of the position: it lies outside what this file covers.
  if (!(nearest <= 60 + a.radiusArcsec)) {
    throw new DaliError('BAD_PARAMETER', `${a.source ?? `ra=${a.ra}, dec=${a.dec}`} lies outside the field of event file ${fileId} (nearest event ${Number.isFinite(nearest) ? `${(nearest / 60).toFixed(1)} arcmin` : 'none'} away)`);
  }
  return mask;
}
