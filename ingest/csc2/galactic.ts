/** ICRS (ra, dec) → Galactic (l, b) in degrees, for csc2.master_source.gal_l/gal_b derived on ingest. The rotation
 *  is astropy's ICRS → FK5 (J2000) → Galactic chain (IAU 1958 Galactic pole and origin, with the ICRS–FK5 frame
 *  bias), the convention of CSC2's "equinox J2000.0" Galactic columns; the Hipparcos matrix (ESA 1997 eq. 1.5.11)
 *  omits the frame bias and differs by ~20 mas. Matrix from astropy 5.2.1: the Galactic cartesian components of the
 *  three ICRS unit vectors (`SkyCoord(CartesianRepresentation(*e), frame='icrs').galactic.cartesian`); galactic.test.ts
 *  checks ten positions against astropy. Pure. */

const A: ReadonlyArray<readonly [number, number, number]> = [
  [-0.05487565771259158, -0.873437051955616, -0.4838350736167153],
  [0.49410943719272676, -0.4448297212232951, 0.7469821839866675],
  [-0.8676661375596576, -0.19807633727300059, 0.45598381368730156],
];
const DEG = Math.PI / 180;

export function icrsToGalactic(raDeg: number, decDeg: number): { l: number; b: number } {
  const ra = raDeg * DEG;
  const dec = decDeg * DEG;
  const v = [Math.cos(dec) * Math.cos(ra), Math.cos(dec) * Math.sin(ra), Math.sin(dec)];
  const [x, y, z] = A.map((r) => r[0] * v[0] + r[1] * v[1] + r[2] * v[2]);
  let l = Math.atan2(y, x) / DEG;
  if (l < 0) l += 360;
  if (l >= 360) l -= 360;
  const b = Math.atan2(z, Math.hypot(x, y)) / DEG;
  return { l, b };
}

/** Fills gal_l/gal_b of a master_source row from ra/dec when the input left them empty. */
export function fillGalactic(row: Record<string, unknown>): void {
  const { ra, dec } = row;
  if ((row.gal_l ?? null) !== null && (row.gal_b ?? null) !== null) return;
  if (typeof ra !== 'number' || typeof dec !== 'number' || !Number.isFinite(ra) || !Number.isFinite(dec)) return;
  const g = icrsToGalactic(ra, dec);
  row.gal_l = g.l;
  row.gal_b = g.b;
}
