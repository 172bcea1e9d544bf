/** PostgreSQL time of the 0.05° cone SQL with the unmerged HEALPix cover against the current one (gaps filled down
 *  to MAX_QUERY_RANGES, adql/geometry/healpix.ts), interleaved per cone: `node dist/bench/cone-ranges.js` with
 *  DATABASE_URL naming a database that holds csc2.master_source (e.g. loaded by `xtap ingest csc2`). The same 200
 *  centres as the side-by-side bench, the CSV's columns (SMALL_AB_CSV, as bench/small-ab.ts), 3 passes; prints the
 *  median per pass of each variant, the mean range count and the rows found (which must agree). */
import { existsSync, readFileSync } from 'node:fs';
import { query_disc_inclusive_nest } from '@hscmap/healpix';
import pg from 'pg';
import { coneCover } from '../adql/geometry/healpix.js';
import { toVec } from '../adql/geometry/spherical.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** The cover before gap filling: the disc walked at the same order, pixels expanded and merged where they touch. */
function unmerged(ra: number, dec: number, r: number, queryOrder: number): Array<[number, number]> {
  const v = toVec(ra, dec);
  const px: number[] = [];
  query_disc_inclusive_nest(2 ** queryOrder, [v[0], v[1], v[2]], (r * Math.PI) / 180 + 1e-9, (p) => px.push(p));
  px.sort((a, b) => a - b);
  const scale = 4 ** (14 - queryOrder);
  const out: Array<[number, number]> = [];
  for (const p of px) {
    const last = out[out.length - 1];
    if (last && last[1] + 1 >= p * scale) last[1] = (p + 1) * scale - 1;
    else out.push([p * scale, (p + 1) * scale - 1]);
  }
  return out;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const csv = process.env.SMALL_AB_CSV ?? '/var/gavo/inputs/csc2/data/master_source.csv';
  const cols = existsSync(csv) ? (readFileSync(csv, 'utf8').slice(0, 4096).split('\n')[0] ?? '').split(',').join(', ') : 'name, ra, dec';
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const centres = (await c.query<{ ra: number; dec: number }>('SELECT ra + 0.01 AS ra, dec - 0.01 AS dec FROM csc2.master_source ORDER BY md5(name) LIMIT 200')).rows;
    const sql = (p: { ra: number; dec: number }, ranges: Array<[number, number]>) =>
      `SELECT ${cols} FROM csc2.master_source WHERE ((${ranges.map(([a, b]) => `hpx14 BETWEEN ${a} AND ${b}`).join(' OR ')}) AND adql.point_in_circle(ra, dec, ${p.ra}::float8, ${p.dec}::float8, 0.05::float8) = 1) LIMIT 100001`;
    const variants = {
      unmerged: centres.map((p) => unmerged(p.ra, p.dec, 0.05, coneCover(p.ra, p.dec, 0.05, 14).queryOrder)),
      merged: centres.map((p) => coneCover(p.ra, p.dec, 0.05, 14).ranges),
    };
    const queries = Object.fromEntries(Object.entries(variants).map(([k, rs]) => [k, rs.map((r, i) => sql(centres[i] as { ra: number; dec: number }, r))]));
    for (const [k, qs] of Object.entries(queries)) {
      let rows = 0;
      for (const q of qs) rows += (await c.query(q)).rowCount ?? 0;
      const n = (variants as Record<string, Array<Array<[number, number]>>>)[k] ?? [];
      process.stdout.write(`${k}: ${(n.reduce((s, r) => s + r.length, 0) / n.length).toFixed(1)} ranges per cone, ${rows} rows in all\n`);
    }
    for (let pass = 0; pass < 3; pass++) {
      const t: Record<string, number[]> = { unmerged: [], merged: [] };
      for (let i = 0; i < centres.length; i++) {
        for (const k of pass % 2 ? ['merged', 'unmerged'] : ['unmerged', 'merged']) {
          const t0 = performance.now();
          await c.query({ text: (queries[k] as string[])[i] as string, rowMode: 'array' });
          (t[k] as number[]).push(performance.now() - t0);
        }
      }
      process.stdout.write(`pass ${pass + 1}: unmerged ${median(t.unmerged as number[]).toFixed(3)} ms, merged ${median(t.merged as number[]).toFixed(3)} ms (median per query)\n`);
    }
  } finally {
    await c.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
