/** The Monte-Carlo path of classifySources (draws written straight into the batch's rows, reused buffers, the
 *  allocation-free reduction) against the straightforward definition it replaced (xtap d7afa41): per draw a
 *  Measurements object from sampleMeasurements, features from the object-based writeFeatures below, one ONNX call per
 *  batch, then map/sort reduction. Feature rows are compared byte for byte and results with exact equality, on the
 *  sample and fixture sources: NULL fluxes, X-ray-only rows, rows with only some MW bands, sampled magnitudes,
 *  per-observation averages. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CLASSES, NormalRng, classifySources, loadSourceClassifier, sampleMeasurements, writeDraws } from './classify.js';
import type { SourceClassification } from './classify.js';
import { FLUX_FLOOR, MW_BANDS, MW_END, N_XRAY_FEATURES, computeFeatures } from './features.js';
import type { CscRow, Measurements, MwPhotometry, SourceInput } from './features.js';
import { SAMPLE, readPerObs } from '../../test/helpers/per-obs-csv.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---- the reference: features.ts writeFeatures as of d7afa41 (object in, closures, array of nullable magnitudes) ----
const RATIO_IDX = [0, 1, 2, 3, 4, 5, 6, 7];
const COLOUR_IDX = [[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [1, 2], [3, 4], [3, 5], [4, 5], [6, 7], [6, 8], [7, 8]] as const;
const LOG_ZW = MW_BANDS.map((b) => Math.log10(b.zero * b.width));
const isDetected = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

function referenceWriteFeatures(m: Measurements, features: Float32Array, mask: Float32Array, row: number, width: number): void {
  const o = row * width;
  features.fill(0, o, o + width);
  mask.fill(0, o, o + width);
  const set = (j: number, v: number): void => {
    if (j < width && Number.isFinite(v)) {
      features[o + j] = v;
      mask[o + j] = 1;
    }
  };
  const anyBand = isDetected(m.fluxS) || isDetected(m.fluxM) || isDetected(m.fluxH);
  const s = isDetected(m.fluxS) ? m.fluxS : FLUX_FLOOR;
  const md = isDetected(m.fluxM) ? m.fluxM : FLUX_FLOOR;
  const h = isDetected(m.fluxH) ? m.fluxH : FLUX_FLOOR;
  const b = s + md + h;
  let logFb: number | null = null;
  if (anyBand) logFb = Math.log10(b);
  else if (isDetected(m.fluxB)) logFb = Math.log10(m.fluxB);
  if (logFb !== null) set(0, logFb);
  if (anyBand) {
    set(1, Math.log10(s / b));
    set(2, Math.log10(md / b));
    set(3, Math.log10(h / b));
    set(4, (h - md) / (h + md));
    set(5, (h - s) / (h + s));
    set(6, (md - s) / (md + s));
    set(7, (h - md - s) / (h + md + s));
  }
  const prob = (p: number | null): number => (p !== null && p >= 0 && p <= 1 ? p : Number.NaN);
  set(8, prob(m.pIntra));
  set(9, prob(m.pInter));
  const mag = MW_BANDS.map((bd) => {
    const v = m.mags[bd.key];
    return v !== null && Number.isFinite(v) && v < bd.limit ? v : null;
  });
  let j = N_XRAY_FEATURES;
  for (const i of RATIO_IDX) {
    const v = mag[i];
    if (v !== null && logFb !== null) set(j, LOG_ZW[i] - 0.4 * v - logFb);
    j += 1;
  }
  for (const [ia, ib] of COLOUR_IDX) {
    const va = mag[ia];
    const vb = mag[ib];
    if (va !== null && vb !== null) set(j, va - vb);
    j += 1;
  }
  if (m.avGal !== null) set(MW_END, m.avGal);
}

const sourceKey = (input: SourceInput, index: number): string => {
  const n = input.csc.name;
  return typeof n === 'string' && n.trim() !== '' ? n.trim() : `#${index}`;
};

/** One source's rows by the reference path. */
function referenceRows(input: SourceInput, index: number, seed: number, draws: number, width: number) {
  const ex = computeFeatures(input);
  const rng = new NormalRng(seed, sourceKey(input, index));
  const features = new Float32Array(draws * width);
  const mask = new Float32Array(draws * width);
  for (let d = 0; d < draws; d++) referenceWriteFeatures(sampleMeasurements(ex.measurements, ex.sigmas, rng), features, mask, d, width);
  return { ex, features, mask };
}

/** classifySources as of d7afa41, sequential: the same batches, one ONNX call each, map/sort reduction. */
async function referenceClassify(rows: readonly SourceInput[], seed: number, draws: number, batchSize = 32768): Promise<SourceClassification[]> {
  const clf = await loadSourceClassifier();
  const width = clf.width;
  const prior = clf.card.class_prior;
  const C = CLASSES.length;
  const perBatch = Math.max(1, Math.floor(Math.max(batchSize, draws) / draws));
  const out: SourceClassification[] = [];
  for (let start = 0; start < rows.length; start += perBatch) {
    const chunk = rows.slice(start, start + perBatch);
    const n = chunk.length * draws;
    const features = new Float32Array(n * width);
    const mask = new Float32Array(n * width);
    const exs = chunk.map((input, i) => {
      const r = referenceRows(input, start + i, seed, draws, width);
      features.set(r.features, i * draws * width);
      mask.set(r.mask, i * draws * width);
      return r.ex;
    });
    const res = await clf.session.run({ features: new ort.Tensor('float32', features, [n, width]), mask: new ort.Tensor('float32', mask, [n, width]) });
    const p = res.probabilities?.data as Float32Array;
    exs.forEach((ex, i) => {
      const mean = new Float64Array(C);
      const sq = new Float64Array(C);
      for (let d = 0; d < draws; d++) for (let c = 0; c < C; c++) mean[c] += p[(i * draws + d) * C + c];
      for (let c = 0; c < C; c++) mean[c] /= draws;
      for (let d = 0; d < draws; d++) for (let c = 0; c < C; c++) sq[c] += (p[(i * draws + d) * C + c] - mean[c]) ** 2;
      const total = mean.reduce((a, b) => a + b, 0);
      const std = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        mean[c] /= total;
        std[c] = draws > 1 ? Math.sqrt(sq[c] / (draws - 1)) : 0;
      }
      const q = mean.map((v, c) => v / prior[c]);
      const s = std.map((v, c) => v / prior[c]);
      const [k1, k2] = [...q.keys()].sort((a, b) => q[b] - q[a]);
      const name = sourceKey(chunk[i], start + i);
      out.push({
        name: name.startsWith('#') ? null : name,
        probabilities: Object.fromEntries(CLASSES.map((c, k) => [c, mean[k]])) as SourceClassification['probabilities'],
        probabilityStd: Object.fromEntries(CLASSES.map((c, k) => [c, std[k]])) as SourceClassification['probabilityStd'],
        predictedClass: CLASSES[k1],
        predictedProbability: mean[k1],
        predictedProbabilityStd: std[k1],
        confident: draws > 1 && q[k1] - 2 * s[k1] > q[k2] + 2 * s[k2],
        featureSet: ex.featureSet,
        xrayInputs: ex.measurements.xraySource ?? 'master',
        inTrainingDomain: ex.inTrainingDomain,
        mcDraws: draws,
        modelVersion: `${clf.card.name}@${clf.card.version}`,
      });
    });
  }
  return out;
}

// ---- the sources ----
const readCsv = (file: string) => parse(readFileSync(path.join(SAMPLE, file), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
const num = (s: string | undefined): number | null => (s === undefined || s.trim() === '' ? null : Number(s));
const mwByName = new Map(readCsv('muwclass_ngc3532_class.csv').map((r) => [r.name.trim(), { gmag: num(r.G), jmag: num(r.J), w1mag: num(r.W1) }]));
const ngc = readCsv('ngc3532_conesearch_per.csv');
const fixture = JSON.parse(readFileSync(path.join(here, 'fixtures', 'features_fixture.json'), 'utf8')) as { cases: { input: SourceInput }[] };
const ic2395 = [...readPerObs('ic2395_conesearch_per.csv').values()].slice(0, 40);
const first = ngc[0] as CscRow;

const sources: SourceInput[] = [
  ...fixture.cases.map((c) => c.input),
  // NGC 3532: X-ray-only, with the MUWCLASS table's G/J/W1 (not sampled: no errors) and with errors (sampled)
  ...ngc.map((r, i): SourceInput => {
    const mw = mwByName.get(r.name.trim()) ?? null;
    if (i % 3 === 0 || mw === null) return { csc: r as CscRow, mw: null };
    if (i % 3 === 1) return { csc: r as CscRow, mw };
    return { csc: r as CscRow, mw: { ...mw, e_gmag: 0.02, e_jmag: mw.jmag === null ? null : 0.05, e_w1mag: 0.08 } };
  }),
  // per-observation averages
  ...ic2395.map((s) => ({ csc: s.master, observations: s.observations as CscRow[] })),
  // NULL fluxes: nothing at all; only the broad band; one band; a mode without limits (sigma 0); no name (index key)
  { csc: { name: '2CXO JNULL' } },
  { csc: { name: '2CXO JBONLY', flux_aper90_b: 3e-15, flux_aper90_lolim_b: 2e-15, flux_aper90_hilim_b: 4e-15 }, mw: { gmag: 17, e_gmag: 0.01 } },
  { csc: { name: '2CXO JHONLY', flux_aper90_h: 2e-15, flux_aper90_lolim_h: 0, flux_aper90_hilim_h: 5e-15, kp_intra_prob_b: 0.4, nh_gal: 12 } },
  { csc: { ...first, name: '2CXO JNOLIM', flux_aper90_lolim_m: null, flux_aper90_hilim_m: null } },
  { csc: { ...first, name: '  ' }, mw: { gmag: 16.1, e_gmag: 0.003, bpmag: 16.7, rpmag: 15.2, e_rpmag: 0.01 } },
  // some MW bands only, one beyond its limit (sampled but masked), an error of 0 (not sampled), mw {}
  { csc: { ...first, name: '2CXO JPARTMW' }, mw: { kmag: 14.2, e_kmag: 0.06, w3mag: 14.9, e_w3mag: 0.3, w2mag: 15.1, e_w2mag: 0 } },
  { csc: { ...first, name: '2CXO JEMPTYMW' }, mw: {} as MwPhotometry },
];

describe('Monte-Carlo classification: bit-identical to the per-draw definition', () => {
  it('covers the cases it claims', () => {
    const ex = sources.map((s) => computeFeatures(s));
    expect(ex.some((e) => e.measurements.xraySource === 'observations')).toBe(true);
    expect(ex.some((e) => !e.inTrainingDomain)).toBe(true);
    expect(ex.some((e) => e.featureSet === 'xray')).toBe(true);
    expect(ex.some((e) => e.featureSet === 'xray+mw')).toBe(true);
    expect(ex.some((e) => MW_BANDS.some((b) => e.sigmas[b.key] > 0))).toBe(true); // magnitudes are sampled
    expect(ex.some((e) => e.measurements.fluxS === null && e.measurements.fluxB !== null)).toBe(true);
  });

  it('writes the same float32 rows, byte for byte, as sampleMeasurements + writeFeatures', async () => {
    const width = (await loadSourceClassifier()).width;
    const draws = 100;
    const mags = new Float64Array(MW_BANDS.length);
    sources.forEach((input, i) => {
      const want = referenceRows(input, i, 20241125, draws, width);
      const ex = computeFeatures(input);
      // dirty buffers: every element of a row must be written
      const features = new Float32Array(draws * width).fill(Number.NaN);
      const mask = new Float32Array(draws * width).fill(7);
      writeDraws(ex.measurements, ex.sigmas, new NormalRng(20241125, sourceKey(input, i)), draws, features, mask, 0, width, mags);
      expect(Buffer.from(features.buffer).equals(Buffer.from(want.features.buffer)), `features of source ${i}`).toBe(true);
      expect(Buffer.from(mask.buffer).equals(Buffer.from(want.mask.buffer)), `mask of source ${i}`).toBe(true);
    });
  });

  it('gives exactly the same probabilities, sds, classes and flags (100 draws; one batch and batches of 7 sources)', async () => {
    const want = await referenceClassify(sources, 20241125, 100);
    const got = await classifySources(sources, { mcDraws: 100, seed: 20241125 });
    expect(got).toStrictEqual(want);
    expect(got.some((r) => r.confident) && got.some((r) => !r.confident)).toBe(true);
    const small = await classifySources(sources, { mcDraws: 100, seed: 20241125, batchSize: 700 });
    expect(small).toStrictEqual(await referenceClassify(sources, 20241125, 100, 700));
  }, 120_000);
});
