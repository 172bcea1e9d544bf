import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLASSES,
  ModelCardMismatchError,
  NormalRng,
  classifySources,
  sampleMeasurements,
  loadSourceClassifier,
  validateModel,
  type ModelCard,
} from './classify.js';
import { MODEL_WIDTHS, MW_END, N_FEATURES, N_XRAY_FEATURES, computeFeatures, writeFeatures } from './features.js';
import type { CscRow, MwPhotometry, SourceInput } from './features.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

// real rows: NGC 3532 cone search (CSC CLI output) + G/J/W1 from MUWCLASS's NGC 3532 table for some
const per = readCsv(path.join(repo, 'data', 'sample', 'ngc3532_conesearch_per.csv'));
const cls = readCsv(path.join(repo, 'data', 'sample', 'muwclass_ngc3532_class.csv'));
const mwByName = new Map<string, MwPhotometry>();
for (const r of cls) {
  const num = (s: string | undefined): number | null => (s === undefined || s.trim() === '' ? null : Number(s));
  mwByName.set(r.name.trim(), { gmag: num(r.G), jmag: num(r.J), w1mag: num(r.W1) });
}
const rows: SourceInput[] = per.slice(0, 12).map((r, i) => ({
  csc: r as CscRow,
  mw: i % 2 === 0 ? mwByName.get(r.name.trim()) ?? null : null,
}));

interface FixtureCase {
  input: SourceInput;
  expected: { probabilities_nominal: number[]; predicted_class_nominal: string };
}
const fixture = JSON.parse(readFileSync(path.join(here, 'fixtures', 'features_fixture.json'), 'utf8')) as {
  cases: FixtureCase[];
};

// model 2.2.0 = (2.1.0 + T3 capped) / 2: Python (sklearn) T3 probabilities on fixed rows, written by blend.py
const blendFixture = JSON.parse(readFileSync(path.join(here, 'fixtures', 'blend_fixture.json'), 'utf8')) as {
  n_fixture_cases: number;
  features: number[][];
  mask: number[][];
  /** 2.2.0 (blend.py): T3's probabilities; 2.3.0 (blend_v7.py): the forests' probabilities, input width, calibration */
  p_t3?: number[][];
  p_forest?: number[][];
  width?: number;
  calibration?: { a: number[]; b: number[]; eps: number } | null;
  /** 2.3.0 (blend_v8.py, C5): per-row photometry group (Python's definition) and the vector scaling of each group */
  group?: number[];
  calibration_groups?: Record<string, { a: number[]; b: number[] }> | null;
  eps?: number;
  /** 2.3.0 (blend_v9.py, protocol v9): Python's route of each row (bands within G+J+W1), the routed rows' mode
   *  ('blend' = (p_2.1.0 + p_forest) / 2, 'forest' = p_forest) and their calibration; p_forest is T6 on routed rows,
   *  T3 on the others */
  routed?: boolean[];
  route_mode?: 'blend' | 'forest';
  route_calibration?: { a: number[]; b: number[] } | null;
};
const pForest = (blendFixture.p_forest ?? blendFixture.p_t3) as number[][];
/** The deployed graph's definition for fixture row i: calibrate((p_2.1.0 + p_forest) / 2), calibrate = per-class
 *  vector scaling on log p (protocol v7: one for all rows; protocol v8: the one of the row's photometry group, as
 *  Python computed the group) or the identity. */
function blendOf(pMlp: readonly number[], pF: readonly number[], i: number): number[] {
  const routedRow = blendFixture.routed?.[i] === true;
  const p = routedRow && blendFixture.route_mode === 'forest' ? [...pF] : pMlp.map((v, k) => 0.5 * (v + pF[k]));
  const groups = blendFixture.calibration_groups;
  const cal = blendFixture.routed
    ? routedRow && blendFixture.route_calibration
      ? { ...blendFixture.route_calibration, eps: blendFixture.eps ?? 1e-6 }
      : null
    : groups
      ? { ...groups[String(blendFixture.group?.[i])], eps: blendFixture.eps ?? 1e-6 }
      : blendFixture.calibration;
  if (!cal) return p;
  const z = p.map((v, k) => cal.a[k] * Math.log(Math.min(Math.max(v, cal.eps), 1)) + cal.b[k]);
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
}
const card = JSON.parse(readFileSync(path.join(here, 'card.json'), 'utf8')) as {
  training: { class_prior: number[] };
  routes: { xray_only: { tree_ensembles: number; full_graph_tree_ensembles: number } };
};

async function runOnnx(file: string, features: number[][], mask: number[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path.join(here, file));
  const n = features.length;
  const F = features[0].length;
  const out = await session.run({
    features: new ort.Tensor('float32', Float32Array.from(features.flat()), [n, F]),
    mask: new ort.Tensor('float32', Float32Array.from(mask.flat()), [n, F]),
  });
  return out.probabilities.data as Float32Array;
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function cardWith(edit: (card: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'xtap-clf-'));
  tmpDirs.push(dir);
  copyFileSync(path.join(here, 'model.onnx'), path.join(dir, 'model.onnx'));
  if (existsSync(path.join(here, 'model-xray.onnx'))) copyFileSync(path.join(here, 'model-xray.onnx'), path.join(dir, 'model-xray.onnx'));
  const card = JSON.parse(readFileSync(path.join(here, 'card.json'), 'utf8')) as Record<string, unknown>;
  edit(card);
  writeFileSync(path.join(dir, 'card.json'), JSON.stringify(card));
  return dir;
}

describe('source-classifier classifySources', () => {
  it('loads and validates the model against the card', async () => {
    const clf = await loadSourceClassifier();
    expect(clf.card.classes).toEqual([...CLASSES]);
    expect(clf.session.inputNames).toEqual(['features', 'mask']);
    expect(clf.session.outputNames).toEqual(['probabilities']);
  });

  it('probabilities sum to 1, std are sane and the class follows argmax p / prior on real NGC 3532 rows', async () => {
    const prior = (await loadSourceClassifier()).card.class_prior;
    const res = await classifySources(rows, { mcDraws: 64, seed: 42 });
    expect(res).toHaveLength(rows.length);
    for (const r of res) {
      const sum = CLASSES.reduce((a, c) => a + r.probabilities[c], 0);
      expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-6);
      for (const c of CLASSES) {
        expect(r.probabilities[c]).toBeGreaterThanOrEqual(0);
        expect(r.probabilityStd[c]).toBeGreaterThanOrEqual(0);
        expect(r.probabilityStd[c]).toBeLessThanOrEqual(0.5);
      }
      const q = CLASSES.map((c, k) => r.probabilities[c] / prior[k]);
      expect(r.predictedClass).toBe(CLASSES[q.indexOf(Math.max(...q))]);
      expect(r.probabilities[r.predictedClass]).toBe(r.predictedProbability);
      expect(r.modelVersion).toMatch(/^xtap-source-classifier@\d+\.\d+\.\d+$/);
      expect(r.name).toMatch(/^2CXO J/);
    }
    expect(res.some((r) => r.featureSet === 'xray+mw')).toBe(true);
    expect(res.some((r) => r.featureSet === 'xray')).toBe(true);
    expect(res.some((r) => CLASSES.some((c) => r.probabilityStd[c] > 0))).toBe(true);
  });

  it('is deterministic for a seed and independent of batch composition', async () => {
    const a = await classifySources(rows, { mcDraws: 32, seed: 7 });
    const b = await classifySources(rows, { mcDraws: 32, seed: 7 });
    expect(b).toEqual(a);
    const rev = await classifySources([...rows].reverse(), { mcDraws: 32, seed: 7, batchSize: 64 });
    expect([...rev].reverse()).toEqual(a);
    const c = await classifySources(rows, { mcDraws: 32, seed: 8 });
    expect(c).not.toEqual(a);
  });

  it('batched, pipelined Monte-Carlo gives the numbers of the draw-by-draw definition (one source per ONNX call)', async () => {
    const clf = await loadSourceClassifier();
    const draws = 100;
    // reference: per source, its own seeded draws (sampleMeasurements + writeFeatures), one ONNX call, mean and sd
    const reference: number[][] = [];
    for (const input of rows) {
      const ex = computeFeatures(input);
      const rng = new NormalRng(11, String(input.csc.name).trim());
      const w = clf.width;
      const f = new Float32Array(draws * w);
      const m = new Float32Array(draws * w);
      for (let d = 0; d < draws; d++) writeFeatures(sampleMeasurements(ex.measurements, ex.sigmas, rng), f, m, d, w);
      const out = await clf.session.run({ features: new ort.Tensor('float32', f, [draws, w]), mask: new ort.Tensor('float32', m, [draws, w]) });
      const p = out.probabilities?.data as Float32Array;
      const mean = CLASSES.map((_, c) => Array.from({ length: draws }, (_, d) => p[d * CLASSES.length + c] ?? 0).reduce((a, b) => a + b, 0) / draws);
      const total = mean.reduce((a, b) => a + b, 0);
      reference.push(mean.map((v) => v / total));
    }
    // batches of 3 sources × 100 draws: several ONNX calls in flight one after another
    const got = await classifySources(rows, { mcDraws: draws, seed: 11, batchSize: 300 });
    got.forEach((r, i) => CLASSES.forEach((c, k) => expect(Math.abs(r.probabilities[c] - (reference[i]?.[k] ?? Number.NaN))).toBeLessThanOrEqual(1e-6)));
    // and the default (one large batch) gives the same numbers
    expect(await classifySources(rows, { mcDraws: draws, seed: 11 })).toEqual(got);
  });

  it('model.onnx = calibrate((2.1.0 networks + Python forests) / 2) in onnxruntime-node within 1e-5 (blend parity, fixture rows incl. NGC 3532 with nh_gal)', async () => {
    const { features, mask } = blendFixture;
    expect(features.length).toBeGreaterThanOrEqual(60);
    const hasMw = mask.map((m) => m.slice(N_XRAY_FEATURES, MW_END).some((v) => v > 0.5));
    expect(hasMw.some(Boolean) && hasMw.some((v) => !v)).toBe(true); // both routes of the forests are exercised
    // per-group calibration (v8): rows of every photometry group are exercised, so the graph's group routing is tested
    if (blendFixture.calibration_groups) expect(new Set(blendFixture.group)).toEqual(new Set([1, 2, 3]));
    // photometry routing (v9): routed and not-routed rows with MW photometry are both exercised, so a graph that
    // routes a row differently from Python's definition takes the other forest and fails the tolerance below
    if (blendFixture.routed) {
      const r = blendFixture.routed;
      expect(r.length).toBe(features.length);
      expect(r.some((v, i) => v && hasMw[i]) && r.some((v, i) => !v && hasMw[i]) && r.some((v, i) => !v && !hasMw[i])).toBe(true);
    }
    const blend = await runOnnx('model.onnx', features, mask);
    const mlp = await runOnnx('mlp-2.1.0.onnx', features.map((r) => r.slice(0, MW_END)), mask.map((r) => r.slice(0, MW_END)));
    let maxDiff = 0;
    pForest.forEach((row, i) => {
      const want = blendOf(Array.from(mlp.slice(i * 8, i * 8 + 8)), row, i);
      want.forEach((p, c) => {
        maxDiff = Math.max(maxDiff, Math.abs(blend[i * 8 + c] - p));
      });
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('the X-ray route graph (model-xray.onnx) gives rows without MW features model.onnx\'s probabilities, in mixed and pure batches', async () => {
    const clf = await loadSourceClassifier();
    const route = clf.card.xray_route;
    expect(route).toBeDefined();
    expect(clf.xraySession).toBeDefined();
    expect(route?.mw_columns).toEqual([N_XRAY_FEATURES, MW_END]);
    // the cut graph holds the X-ray forest only (model.onnx: both forests)
    expect(card.routes.xray_only.tree_ensembles).toBe(1);
    expect(card.routes.xray_only.full_graph_tree_ensembles).toBe(2);
    // blend fixture rows (both routes, NGC 3532 rows incl.) plus every fixture row with its MW block masked out
    const w = clf.width;
    const base = blendFixture.features.map((r, i) => ({ f: r.slice(0, w), m: blendFixture.mask[i].slice(0, w) }));
    const masked = base.map(({ f, m }) => ({ f: f.map((v, j) => (j >= N_XRAY_FEATURES && j < MW_END ? 0 : v)), m: m.map((v, j) => (j >= N_XRAY_FEATURES && j < MW_END ? 0 : v)) }));
    const all = [...base, ...masked];
    const isXray = all.map(({ m }) => m.slice(N_XRAY_FEATURES, MW_END).every((v) => v === 0));
    expect(isXray.filter(Boolean).length).toBeGreaterThanOrEqual(base.length);
    expect(isXray.some((v) => !v)).toBe(true);
    const F = Float32Array.from(all.flatMap((r) => r.f));
    const M = Float32Array.from(all.flatMap((r) => r.m));
    // model.onnx through the classifier's own session (same thread settings), all rows in one call
    const fullOut = await clf.session.run({ features: new ort.Tensor('float32', F, [all.length, w]), mask: new ort.Tensor('float32', M, [all.length, w]) });
    const full = fullOut.probabilities?.data as Float32Array;
    const routed = await clf.run(F, M, all.length);
    expect(routed.length).toBe(full.length);
    // bit-identical: the same nodes on the same rows, each part padded into the batch's size class (classify.ts)
    expect(Array.from(routed)).toEqual(Array.from(full));
    // the X-ray rows alone (one call of the cut graph) give the same numbers as in the mixed batch
    const xs = all.filter((_, i) => isXray[i]);
    const alone = await clf.run(Float32Array.from(xs.flatMap((r) => r.f)), Float32Array.from(xs.flatMap((r) => r.m)), xs.length);
    let k = 0;
    all.forEach((_, i) => {
      if (!isXray[i]) return;
      for (let c = 0; c < CLASSES.length; c++) expect(alone[k * CLASSES.length + c]).toBe(routed[i * CLASSES.length + c]);
      k++;
    });
    // and the cut graph really is cheaper: it must not contain the MW forest (a graph that still evaluated it would
    // pass every figure above)
    expect(readFileSync(path.join(here, 'model-xray.onnx')).length).toBeLessThan(readFileSync(path.join(here, 'model.onnx')).length / 3);
  });

  it('rejects a card whose X-ray route file does not match its sha256 or whose MW columns are malformed', async () => {
    const d1 = cardWith((c) => {
      ((c.routes as Record<string, Record<string, unknown>>).xray_only).sha256 = '0'.repeat(64);
    });
    await expect(loadSourceClassifier(d1)).rejects.toThrow(/model-xray\.onnx.*sha256|sha256 of .*model-xray/);
    const d2 = cardWith((c) => {
      ((c.routes as Record<string, Record<string, unknown>>).xray_only).mw_columns = [30, 10];
    });
    await expect(loadSourceClassifier(d2)).rejects.toThrow(/mw_columns/);
    const d3 = cardWith((c) => {
      ((c.routes as Record<string, Record<string, unknown>>).xray_only).mw_columns = [10, 40];
    });
    await expect(loadSourceClassifier(d3)).rejects.toThrow(/beyond the input width/);
  });

  it('mcDraws = 0 in onnxruntime-node reproduces (PyTorch 2.1.0 + Python T3) / 2 and its classes (fixture)', async () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(20);
    expect(blendFixture.n_fixture_cases).toBe(fixture.cases.length);
    const prior = card.training.class_prior;
    const res = await classifySources(fixture.cases.map((c) => c.input), { mcDraws: 0, seed: 1 });
    res.forEach((r, i) => {
      const want = blendOf(fixture.cases[i].expected.probabilities_nominal, pForest[i], i);
      CLASSES.forEach((c, k) => expect(Math.abs(r.probabilities[c] - want[k])).toBeLessThanOrEqual(1e-4));
      const best = want.reduce((b, p, k) => (p / prior[k] > want[b] / prior[b] ? k : b), 0);
      expect(r.predictedClass).toBe(CLASSES[best]);
      expect(r.confident).toBe(false);
      for (const c of CLASSES) expect(r.probabilityStd[c]).toBe(0);
    });
  });

  it('no counterpart (mw {}) and not cross-matched (mw null) are the same X-ray-only classification', async () => {
    const csc = per[1] as CscRow;
    const [searched, notSearched, withG] = await classifySources(
      [{ csc, mw: {} }, { csc, mw: null }, { csc, mw: { gmag: 14 } }],
      { mcDraws: 0, seed: 1 },
    );
    expect(searched.featureSet).toBe('xray');
    expect(notSearched.featureSet).toBe('xray');
    expect(searched.probabilities).toEqual(notSearched.probabilities);
    expect(withG.featureSet).toBe('xray+mw');
    expect(withG.probabilities).not.toEqual(notSearched.probabilities);
  });

  it('rejects invalid options', async () => {
    await expect(classifySources(rows, { mcDraws: -1, seed: 1 })).rejects.toThrow(RangeError);
    await expect(classifySources(rows, { mcDraws: 1.5, seed: 1 })).rejects.toThrow(RangeError);
  });
});

describe('source-classifier model/card validation', () => {
  it('throws on a renamed input in the card', async () => {
    const dir = cardWith((card) => {
      const inputs = card.inputs as { name: string }[];
      inputs[0].name = 'x';
    });
    await expect(loadSourceClassifier(dir)).rejects.toThrow(ModelCardMismatchError);
  });

  it('throws on a wrong feature count in the card', async () => {
    const dir = cardWith((card) => {
      const inputs = card.inputs as { shape: (string | number)[] }[];
      inputs[1].shape = ['N', 32];
    });
    await expect(loadSourceClassifier(dir)).rejects.toThrow(/shape/);
  });

  it('throws on a missing or malformed training.class_prior', async () => {
    for (const prior of [undefined, [0.5, 0.5], [1, 0, 0, 0, 0, 0, 0, 0], [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]]) {
      const dir = cardWith((card) => {
        (card.training as Record<string, unknown>).class_prior = prior;
      });
      await expect(loadSourceClassifier(dir)).rejects.toThrow(/class_prior/);
    }
  });

  it('throws on a wrong output width and on a sha256 mismatch', async () => {
    const d1 = cardWith((card) => {
      const outputs = card.outputs as { shape: (string | number)[] }[];
      outputs[0].shape = ['N', 9];
    });
    await expect(loadSourceClassifier(d1)).rejects.toThrow(ModelCardMismatchError);
    const d2 = cardWith((card) => {
      card.model_sha256 = '0'.repeat(64);
    });
    await expect(loadSourceClassifier(d2)).rejects.toThrow(/sha256/);
    await expect(classifySources(rows.slice(0, 1), { mcDraws: 2, seed: 1, modelDir: d2 })).rejects.toThrow(
      ModelCardMismatchError,
    );
  });

  it('validateModel checks the session signature itself', async () => {
    const clf = await loadSourceClassifier();
    const card: ModelCard = clf.card;
    expect(() => validateModel(clf.session, card)).not.toThrow();
    const fake = {
      inputNames: ['features', 'mask'],
      outputNames: ['probabilities'],
      inputMetadata: [
        { name: 'features', isTensor: true as const, type: 'float32' as const, shape: ['N', 29] },
        { name: 'mask', isTensor: true as const, type: 'float32' as const, shape: ['N', 29] },
      ],
      outputMetadata: clf.session.outputMetadata,
    };
    expect(() => validateModel(fake, card)).toThrow(/model input features shape/);
  });

  it('feeds as many features as the model has inputs (30 without the sightline feature av_gal, 31 with it)', async () => {
    const clf = await loadSourceClassifier();
    expect(MODEL_WIDTHS).toEqual([MW_END, N_FEATURES]);
    expect(validateModel(clf.session, clf.card)).toBe(clf.width);
    expect(clf.session.inputMetadata.map((m) => (m.isTensor ? m.shape[1] : -1))).toEqual([clf.width, clf.width]);
    // nh_gal given or not: a 30-input model gives the same answer, a 31-input model may differ
    const withNh = rows.map((r) => ({ ...r, csc: { ...r.csc, nh_gal: 90 } }));
    const noNh = rows.map((r) => ({ ...r, csc: { ...r.csc, nh_gal: null } }));
    const a = await classifySources(withNh, { mcDraws: 0, seed: 1 });
    const b = await classifySources(noNh, { mcDraws: 0, seed: 1 });
    if (clf.width === MW_END) expect(a).toEqual(b);
    else expect(a.map((r) => r.probabilities)).not.toEqual(b.map((r) => r.probabilities));
  });
});
