/** Reads a CSC CLI per-observation CSV (master columns, then observation columns with pandas' ".1" suffix on clashing
 *  names) into, per master source, its master row and its distinct observation rows under observation_source column
 *  names, as xtap's ingest stores them; `shared_detection` marks a detection listed under more than one source. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CscRow } from '../../models/source-classifier/features.js';
import { SHARED_DETECTION } from '../../models/source-classifier/observation-averages.js';

export const SAMPLE = path.join(process.cwd(), 'data', 'sample');

const OBS_COLS = ['instrument', 'theta', 'pileup_warning', 'kp_prob_b', 'obsid', 'region_id', 'obi'];
/** observation columns whose names clash with master columns: ".1" suffix in the CSC CLI output */
const OBS_TWINS = [...['s', 'm', 'h'].flatMap((b) => ['', 'lolim_', 'hilim_'].map((x) => `flux_aper90_${x}${b}`)), 'sat_src_flag', 'streak_src_flag'];

/** A CSC CLI per-observation CSV -> per master source: its master row and its distinct observation rows (as ingested). */
export function readPerObs(file: string): Map<string, { master: CscRow; observations: Record<string, string | boolean>[] }> {
  const records = parse(readFileSync(path.join(SAMPLE, file), 'utf8'), { columns: false, skip_empty_lines: true }) as string[][];
  const header = records[0]!;
  const idx = (c: string) => header.indexOf(c);
  const out = new Map<string, { master: CscRow; observations: Record<string, string | boolean>[] }>();
  const seen = new Set<string>();
  const namesOfDetection = new Map<string, Set<string>>();
  for (const r of records.slice(1)) {
    const name = r[idx('name')]!.trim();
    const master: Record<string, string> = {};
    header.forEach((h, i) => (master[h] = r[i]!));
    master.name = name;
    const obs: Record<string, string | boolean> = {};
    for (const c of OBS_COLS) obs[c] = r[idx(c)]!;
    for (const c of OBS_TWINS) obs[c] = r[idx(`${c}.1`)]!;
    const det = `${obs.obsid}/${obs.region_id}/${obs.obi}`;
    (namesOfDetection.get(det) ?? namesOfDetection.set(det, new Set()).get(det))!.add(name);
    const entry = out.get(name) ?? out.set(name, { master, observations: [] }).get(name)!;
    if (seen.has(`${name}/${det}`)) continue;
    seen.add(`${name}/${det}`);
    entry.observations.push(obs);
  }
  for (const e of out.values()) for (const o of e.observations) o[SHARED_DETECTION] = (namesOfDetection.get(`${o.obsid}/${o.region_id}/${o.obi}`)?.size ?? 0) > 1;
  return out;
}

