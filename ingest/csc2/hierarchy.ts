/** Derives the stack level of the CSC2 hierarchy for inputs that carry master and per-observation columns but
 *  no detect stack ids (CSC CLI per-observation output). CSC2 co-adds observations whose pointings agree to
 *  within about 1′ into one detect stack, so observations are grouped the same way and each group gets a
 *  stack id in the CSC format {acis|hrc}fJhhmmsss{p|m}ddmmss_001 built from the group's mean pointing.
 *  Detection region ids carry over from the observations. Pure. */

export interface ObservationLink {
  name: string;
  obsid: number;
  obi: number;
  region_id: number;
  ra: number | null;
  dec: number | null;
  ra_pnt: number | null;
  dec_pnt: number | null;
  instrument: string | null;
  grating: string | null;
}

export interface DerivedHierarchy {
  stackSource: unknown[][]; // detect_stack_id, region_id, ra, dec, ra_stack, dec_stack, instrument, grating
  masterStackAssoc: unknown[][]; // name, detect_stack_id, region_id, match_type
  stackObservationAssoc: unknown[][]; // detect_stack_id, region_id, obsid, obi
}

export const STACK_SOURCE_COLUMNS = ['detect_stack_id', 'region_id', 'ra', 'dec', 'ra_stack', 'dec_stack', 'instrument', 'grating'];
export const MASTER_STACK_ASSOC_COLUMNS = ['name', 'detect_stack_id', 'region_id', 'match_type'];
export const STACK_OBSERVATION_ASSOC_COLUMNS = ['detect_stack_id', 'region_id', 'obsid', 'obi'];

const STACK_POINTING_TOLERANCE_DEG = 1 / 60;

function angularDistanceDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const s = Math.sin(((dec2 - dec1) * r) / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / r;
}

/** CSC-style stack id from a pointing, e.g. (166.27588, -58.84542) ACIS → acisfJ1105062m585043_001. */
export function stackIdFor(ra: number, dec: number, instrument: string | null): string {
  const prefix = instrument?.trim().toUpperCase() === 'HRC' ? 'hrc' : 'acis';
  let raSec = Math.round(((((ra % 360) + 360) % 360) / 15) * 36000); // tenths of a second of time
  raSec %= 24 * 36000;
  const hh = Math.floor(raSec / 36000);
  const mm = Math.floor((raSec % 36000) / 600);
  const ss = raSec % 600; // tenths
  const decArc = Math.round(Math.abs(dec) * 3600);
  const dd = Math.floor(decArc / 3600);
  const dm = Math.floor((decArc % 3600) / 60);
  const ds = decArc % 60;
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${prefix}fJ${p2(hh)}${p2(mm)}${String(ss).padStart(3, '0')}${dec < 0 ? 'm' : 'p'}${p2(dd)}${p2(dm)}${p2(ds)}_001`;
}

interface Group {
  obs: Set<string>; // "obsid/obi"
  ra: number;
  dec: number;
  n: number;
  instrument: string | null;
  grating: string | null;
  id?: string;
}

export function deriveHierarchy(links: ReadonlyArray<ObservationLink>): DerivedHierarchy {
  // 1. group observations (obsid, obi) by pointing
  const groups: Group[] = [];
  const groupOf = new Map<string, Group>();
  for (const l of links) {
    const key = `${l.obsid}/${l.obi}`;
    if (groupOf.has(key)) continue;
    const ra = l.ra_pnt ?? l.ra ?? 0;
    const dec = l.dec_pnt ?? l.dec ?? 0;
    let g = groups.find(
      (x) => x.instrument === l.instrument && x.grating === l.grating && angularDistanceDeg(x.ra, x.dec, ra, dec) <= STACK_POINTING_TOLERANCE_DEG,
    );
    if (!g) {
      g = { obs: new Set(), ra, dec, n: 0, instrument: l.instrument, grating: l.grating };
      groups.push(g);
    }
    g.obs.add(key);
    g.n++;
    groupOf.set(key, g);
  }
  for (const g of groups) g.id = stackIdFor(g.ra, g.dec, g.instrument);

  // 2. stack detections, their observations and their master sources
  const stackRows = new Map<string, unknown[]>();
  const namesOf = new Map<string, Set<string>>();
  const stackObs = new Map<string, unknown[]>();
  for (const l of links) {
    const g = groupOf.get(`${l.obsid}/${l.obi}`);
    if (!g?.id) continue;
    const sk = `${g.id}/${l.region_id}`;
    if (!stackRows.has(sk)) stackRows.set(sk, [g.id, l.region_id, l.ra, l.dec, g.ra, g.dec, g.instrument, g.grating]);
    (namesOf.get(sk) ?? namesOf.set(sk, new Set()).get(sk))?.add(l.name);
    stackObs.set(`${sk}/${l.obsid}/${l.obi}`, [g.id, l.region_id, l.obsid, l.obi]);
  }
  const masterStackAssoc: unknown[][] = [];
  for (const [sk, names] of namesOf) {
    const [id, region] = (stackRows.get(sk) ?? []) as [string, number];
    for (const name of [...names].sort()) masterStackAssoc.push([name, id, region, names.size === 1 ? 'u' : 'a']);
  }
  return { stackSource: [...stackRows.values()], masterStackAssoc, stackObservationAssoc: [...stackObs.values()] };
}
