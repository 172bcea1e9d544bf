/** The BINARY2 bulk path's CPU cost alone, no database and no HTTP: a file of PostgreSQL binary COPY data (the
 *  48 CSC2 master_source columns of the side-by-side bench) transcoded by `encodeVotableFromCopy` from 64 KiB
 *  chunks, this checkout against another built checkout (e.g. /work/base), alternating in one process so both
 *  see the same machine load. Every repetition checks that both documents are byte-identical (SHA-256).
 *
 *    node dist/bench/binary2-transcode.js COPYFILE [BASE_ROOT] [REPS]
 *
 *  COPYFILE: `psql -c "COPY (<sql printed by --print-sql>) TO STDOUT (FORMAT binary)" > file`
 *  (`node dist/bench/binary2-transcode.js --print-sql` prints it; columns: the header of bench/dachs/gen_csv.py). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { translateAdql } from '../adql/index.js';
import { planCopy } from '../db/copy-plan.js';
import { encodeVotableFromCopy as current } from '../db/pg-copy-binary.js';
import { publishedCatalog } from '../schema/index.js';
import { spread } from './stats.js';

/** The 48 columns of bench/dachs/gen_csv.py (the side-by-side bench's BINARY2 download). */
export const SIDE_COLUMNS =
  'name,ra,dec,err_ellipse_r0,err_ellipse_r1,err_ellipse_ang,significance,likelihood,likelihood_class,conf_flag,sat_src_flag,streak_src_flag,extent_flag,var_flag,flux_aper_b,flux_aper_lolim_b,flux_aper_hilim_b,flux_aper_h,flux_aper_lolim_h,flux_aper_hilim_h,flux_aper_m,flux_aper_lolim_m,flux_aper_hilim_m,flux_aper_s,flux_aper_lolim_s,flux_aper_hilim_s,flux_aper_u,flux_aper_lolim_u,flux_aper_hilim_u,flux_aper_w,flux_aper_lolim_w,flux_aper_hilim_w,hard_hm,hard_hm_lolim,hard_hm_hilim,hard_hs,hard_hs_lolim,hard_hs_hilim,hard_ms,hard_ms_lolim,hard_ms_hilim,var_intra_prob_b,var_intra_index_b,var_inter_prob_b,var_inter_index_b,acis_num,hrc_num,nh_gal';

type Encode = typeof current;

function plan(columns: string) {
  const t = translateAdql(`SELECT ${columns.split(',').join(', ')} FROM csc2.master_source`, publishedCatalog(), { rowLimit: 10_000_000, inlineLiterals: true });
  const p = planCopy(t.sql, t.columns);
  if (!p) throw new Error('these columns do not take the bulk path');
  return { columns: t.columns, ...p };
}

function run(encode: Encode, p: ReturnType<typeof plan>, data: Uint8Array, chunkBytes: number): Promise<{ ms: number; bytes: number; sha: string; rows: number }> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkBytes) chunks.push(data.subarray(i, Math.min(data.length, i + chunkBytes)));
  let rows = 0;
  return (async () => {
    const hash = createHash('sha256');
    let bytes = 0;
    const t0 = performance.now();
    let hashMs = 0;
    for await (const c of encode({ infos: [] }, p.columns, p.oids, chunks, { serialization: 'BINARY2', onEnd: (s) => (rows = s.rows) })) {
      bytes += c.length;
      const h0 = performance.now();
      hash.update(c);
      hashMs += performance.now() - h0;
    }
    return { ms: performance.now() - t0 - hashMs, bytes, sha: hash.digest('hex').slice(0, 16), rows };
  })();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--print-sql') {
    process.stdout.write(`${plan(process.env.XTAP_BENCH_COLUMNS ?? SIDE_COLUMNS).sql}\n`);
    return;
  }
  const [file, baseRoot, repsText] = args;
  if (!file) throw new Error('usage: binary2-transcode COPYFILE [BASE_ROOT] [REPS]');
  const reps = Number(repsText ?? 7);
  const p = plan(process.env.XTAP_BENCH_COLUMNS ?? SIDE_COLUMNS);
  const data = new Uint8Array(readFileSync(file));
  const sides: Array<{ label: string; encode: Encode; ms: number[] }> = [{ label: 'this checkout', encode: current, ms: [] }];
  if (baseRoot) {
    const mod = (await import(join(resolve(baseRoot), 'dist/db/pg-copy-binary.js'))) as { encodeVotableFromCopy: Encode };
    sides.push({ label: baseRoot, encode: mod.encodeVotableFromCopy, ms: [] });
  }
  let ref: string | undefined;
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? sides : [...sides].reverse();
    for (const s of order) {
      const r = await run(s.encode, p, data, 65_536);
      if (ref === undefined) ref = `${r.sha} ${r.bytes} ${r.rows}`;
      else if (ref !== `${r.sha} ${r.bytes} ${r.rows}`) throw new Error(`${s.label}: document ${r.sha} ${r.bytes} bytes ${r.rows} rows differs from ${ref}`);
      s.ms.push(r.ms);
    }
  }
  process.stdout.write(`${data.length} bytes of COPY data → ${ref} (sha256 prefix, bytes, rows), ${reps} alternating reps\n`);
  for (const s of sides) {
    const sp = spread(s.ms);
    process.stdout.write(`${s.label}: median ${sp.median.toFixed(0)} ms (${sp.min.toFixed(0)}–${sp.max.toFixed(0)})\n`);
  }
  if (sides.length === 2) {
    const ratios = (sides[0] as { ms: number[] }).ms.map((m, i) => m / ((sides[1] as { ms: number[] }).ms[i] as number));
    const sp = spread(ratios);
    process.stdout.write(`time ratio this/base: median ${sp.median.toFixed(3)} (${sp.min.toFixed(3)}–${sp.max.toFixed(3)})\n`);
  }
}

// Run when started as a script (bench/binary2-ab.ts imports SIDE_COLUMNS only).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
