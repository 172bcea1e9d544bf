/**
 * Source classification on ingest: CSC2 rows -> class probabilities with Monte-Carlo uncertainties.
 *
 * Loads models/source-classifier/model.onnx with onnxruntime-node, checks it against card.json
 * (input/output names, shapes, classes, feature names, sha256) and runs batches through it; rows without any MW
 * feature go through card.json's X-ray route graph instead (model-xray.onnx: model.onnx without the MW branch, the
 * same probabilities for such rows), when the card names one.
 * Monte-Carlo: each source is evaluated `mcDraws` times with its band fluxes drawn from N(F, sd) (F and sd the
 * split-normal mean and standard deviation of CSC2's mode and limits, features.ts bandFlux; redrawn until > 0, as
 * the training augmentation draws the training table's fluxes) and its magnitudes from N(mag, e_mag);
 * the reported probabilities are the mean over draws, the uncertainties their standard deviation.
 * The PRNG is seeded per source from (seed, source name or row index), so a source's result does not
 * depend on the other rows of the batch.
 * The probabilities are calibrated under the training class prior (card.json training.class_prior); the
 * predicted class follows the card's decision rule argmax_c p_c / prior_c (a class-balanced decision).
 */
import { cachedByDirectory, createCpuSession } from '../onnx-loader.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { SOURCE_CLASSES } from '../../schema/ml/source-class.js';
import type { SourceClass } from '../../schema/ml/source-class.js';
import {
  FEATURE_NAMES,
  MODEL_WIDTHS,
  MW_BANDS,
  MW_KEYS,
  computeFeatures,
  writeFeatureRow,
  type FeatureSetName,
  type Measurements,
  type MeasurementSigmas,
  type SourceInput,
  type XraySource,
} from './features.js';

/** The classes, in the model's output order: schema's one list (ml.source_class's probability columns). */
export const CLASSES = SOURCE_CLASSES;
export type { SourceClass };

/** Monte-Carlo draws recommended for ingest (card.json monte_carlo.default_draws). */
export const DEFAULT_MC_DRAWS = 100;

export const INPUT_FEATURES = 'features';
export const INPUT_MASK = 'mask';
export const OUTPUT_PROBABILITIES = 'probabilities';

/** The parts of card.json that inference depends on. */
export interface ModelCard {
  name: string;
  version: string;
  classes: string[];
  model_file: string;
  model_sha256: string;
  inputs: { name: string; type: string; shape: (string | number)[]; features?: { name: string }[] }[];
  outputs: { name: string; type: string; shape: (string | number)[] }[];
  /** training class prior (CLASSES order) the probabilities are calibrated under; the decision divides by it */
  class_prior: number[];
  /** optional cut of the graph for rows without any MW feature (xray_route.py): same probabilities for such rows,
   *  without the MW network and forest */
  xray_route?: { file: string; sha256: string; mw_columns: [number, number] };
}

export interface ClassifyOptions {
  /** Monte-Carlo draws per source; 0 = a single pass at the nominal values (std = 0). */
  mcDraws: number;
  /** PRNG seed (results are reproducible for a given seed). */
  seed: number;
  /** Directory holding model.onnx and card.json (default: this module's directory, else ./models/source-classifier). */
  modelDir?: string;
  /** Rows (sources × draws) per onnxruntime call (default 32768). */
  batchSize?: number;
}

export interface SourceClassification {
  /** CSC name (trimmed) when the row has one */
  name: string | null;
  /** mean probability per class over the draws (sums to 1) */
  probabilities: Record<SourceClass, number>;
  /** standard deviation per class over the draws (0 when mcDraws < 2) */
  probabilityStd: Record<SourceClass, number>;
  /** argmax_c of probabilities[c] / class_prior[c] (the card's decision rule) */
  predictedClass: SourceClass;
  /** probabilities[predictedClass] and its standard deviation */
  predictedProbability: number;
  predictedProbabilityStd: number;
  /** predicted class separated from the runner-up at 2 sigma in the decision's units (p / prior):
   *  q1 - 2 s1 > q2 + 2 s2 with q = p / prior, s = sd / prior (needs mcDraws >= 2) */
  confident: boolean;
  featureSet: FeatureSetName;
  /** what the X-ray features were computed from: per-observation averages or the master row (features.ts) */
  xrayInputs: XraySource;
  /** false when no ACIS band flux is positive (e.g. HRC-only): outside the training domain */
  inTrainingDomain: boolean;
  mcDraws: number;
  modelVersion: string;
}

export class ModelCardMismatchError extends Error {
  constructor(message: string) {
    super(`source-classifier: model.onnx does not match card.json: ${message}`);
    this.name = 'ModelCardMismatchError';
  }
}

export interface SourceClassifier {
  readonly modelDir: string;
  readonly card: ModelCard;
  readonly session: ort.InferenceSession;
  /** the model's input width: 30 (no sightline feature, 2.1.0/2.2.0) or 31 (with av_gal) */
  readonly width: number;
  /** card.json routes.xray_only's session, run on the rows whose MW mask is all zero (none when the card has none) */
  readonly xraySession?: ort.InferenceSession;
  /** probabilities (rows × classes) of `n` feature rows: runModel on this classifier's sessions */
  run(features: Float32Array, mask: Float32Array, n: number): Promise<Float32Array>;
}

/** Session metadata needed for validation (a subset of ort.InferenceSession). */
export interface SessionSignature {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

function defaultModelDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(path.join(here, 'model.onnx'))) return here;
  return path.resolve(process.cwd(), 'models', 'source-classifier');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseCard(raw: unknown): ModelCard {
  if (!isRecord(raw)) throw new ModelCardMismatchError('card.json is not an object');
  const { name, version, classes, model_file: modelFile, model_sha256: sha, inputs, outputs, training } = raw;
  if (typeof name !== 'string' || typeof version !== 'string' || typeof modelFile !== 'string' || typeof sha !== 'string')
    throw new ModelCardMismatchError('card.json lacks name/version/model_file/model_sha256');
  if (!Array.isArray(classes) || !classes.every((c): c is string => typeof c === 'string'))
    throw new ModelCardMismatchError('card.json classes must be a string array');
  const io = (list: unknown, what: string): ModelCard['inputs'] => {
    if (!Array.isArray(list)) throw new ModelCardMismatchError(`card.json ${what} must be an array`);
    return list.map((e: unknown) => {
      if (!isRecord(e) || typeof e.name !== 'string' || typeof e.type !== 'string' || !Array.isArray(e.shape))
        throw new ModelCardMismatchError(`card.json ${what} entries need name, type, shape`);
      const shape = e.shape.map((d: unknown) => {
        if (typeof d !== 'string' && typeof d !== 'number') throw new ModelCardMismatchError(`bad shape in ${what}`);
        return d;
      });
      const features = Array.isArray(e.features)
        ? e.features.map((f: unknown) => ({ name: isRecord(f) && typeof f.name === 'string' ? f.name : '' }))
        : undefined;
      return { name: e.name, type: e.type, shape, features };
    });
  };
  const prior = isRecord(training) ? training.class_prior : undefined;
  const route = isRecord(raw.routes) && isRecord(raw.routes.xray_only) ? raw.routes.xray_only : undefined;
  const cols = route?.mw_columns;
  if (
    route !== undefined &&
    (typeof route.file !== 'string' || typeof route.sha256 !== 'string' || !Array.isArray(cols) || cols.length !== 2 ||
      !cols.every((c): c is number => Number.isInteger(c) && c >= 0) || cols[0] >= cols[1])
  )
    throw new ModelCardMismatchError('card.json routes.xray_only needs file, sha256 and mw_columns [start, end)');
  if (
    !Array.isArray(prior) ||
    prior.length !== classes.length ||
    !prior.every((p): p is number => typeof p === 'number' && Number.isFinite(p) && p > 0) ||
    Math.abs(prior.reduce((a: number, b: number) => a + b, 0) - 1) > 1e-3
  )
    throw new ModelCardMismatchError('card.json training.class_prior must be one positive number per class, summing to 1');
  return {
    name, version, classes, model_file: modelFile, model_sha256: sha,
    inputs: io(inputs, 'inputs'), outputs: io(outputs, 'outputs'), class_prior: prior,
    xray_route: route && { file: route.file as string, sha256: route.sha256 as string, mw_columns: cols as [number, number] },
  };
}

const isSymbolic = (d: string | number): boolean => typeof d === 'string' || d < 0;

function checkShape(
  what: string,
  card: (string | number)[],
  meta: ort.InferenceSession.ValueMetadata | undefined,
  expected: number,
): void {
  if (card.length !== 2 || !isSymbolic(card[0]) || card[1] !== expected)
    throw new ModelCardMismatchError(`card ${what} shape ${JSON.stringify(card)}, expected ["N", ${expected}]`);
  if (meta === undefined || !meta.isTensor) throw new ModelCardMismatchError(`model ${what} is not a tensor`);
  if (meta.type !== 'float32') throw new ModelCardMismatchError(`model ${what} type ${meta.type}, expected float32`);
  const s = meta.shape;
  if (s.length !== 2 || !isSymbolic(s[0]) || s[1] !== expected)
    throw new ModelCardMismatchError(`model ${what} shape ${JSON.stringify(s)}, expected [N, ${expected}]`);
}

/** Throws ModelCardMismatchError unless the session's inputs/outputs match the card and this code; returns the
 *  model's input width (one of MODEL_WIDTHS: features.ts computes N_FEATURES and feeds the first `width`). */
export function validateModel(session: SessionSignature, card: ModelCard): number {
  const cardIn = card.inputs.map((i) => i.name);
  const cardOut = card.outputs.map((o) => o.name);
  if (JSON.stringify(cardIn) !== JSON.stringify([INPUT_FEATURES, INPUT_MASK]))
    throw new ModelCardMismatchError(`card inputs ${JSON.stringify(cardIn)}, expected ["${INPUT_FEATURES}","${INPUT_MASK}"]`);
  if (JSON.stringify(cardOut) !== JSON.stringify([OUTPUT_PROBABILITIES]))
    throw new ModelCardMismatchError(`card outputs ${JSON.stringify(cardOut)}, expected ["${OUTPUT_PROBABILITIES}"]`);
  if ([...session.inputNames].sort().join(',') !== [...cardIn].sort().join(','))
    throw new ModelCardMismatchError(`model inputs ${JSON.stringify(session.inputNames)} vs card ${JSON.stringify(cardIn)}`);
  if (session.outputNames.join(',') !== cardOut.join(','))
    throw new ModelCardMismatchError(`model outputs ${JSON.stringify(session.outputNames)} vs card ${JSON.stringify(cardOut)}`);
  if (JSON.stringify(card.classes) !== JSON.stringify(CLASSES))
    throw new ModelCardMismatchError(`card classes ${JSON.stringify(card.classes)} vs ${JSON.stringify(CLASSES)}`);
  const byName = (list: readonly ort.InferenceSession.ValueMetadata[], n: string) => list.find((m) => m.name === n);
  const declared = card.inputs[0].shape[1];
  const width = typeof declared === 'number' && MODEL_WIDTHS.includes(declared) ? declared : MODEL_WIDTHS[MODEL_WIDTHS.length - 1];
  for (const inp of card.inputs) {
    checkShape(`input ${inp.name}`, inp.shape, byName(session.inputMetadata, inp.name), width);
  }
  checkShape(`output ${OUTPUT_PROBABILITIES}`, card.outputs[0].shape, byName(session.outputMetadata, OUTPUT_PROBABILITIES), CLASSES.length);
  const featureNames = card.inputs[0].features?.map((f) => f.name);
  if (featureNames !== undefined && JSON.stringify(featureNames) !== JSON.stringify(FEATURE_NAMES.slice(0, width)))
    throw new ModelCardMismatchError('card feature order differs from features.ts FEATURE_NAMES');
  return width;
}


/** A session of `file`, after checking its sha256 against the card's; validated like model.onnx. */
async function loadChecked(modelDir: string, file: string, sha256: string, card: ModelCard): Promise<{ session: ort.InferenceSession; width: number }> {
  const modelPath = path.join(modelDir, file);
  const bytes = await readFile(modelPath);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== sha256) throw new ModelCardMismatchError(`sha256 of ${modelPath} is ${sha}, card says ${sha256}`);
  // The Monte-Carlo batches are large (sources × draws rows): one ONNX call uses every core.
  const session = await createCpuSession(bytes, { intraOpNumThreads: availableParallelism() });
  return { session, width: validateModel(session, card) };
}

async function load(modelDir: string): Promise<SourceClassifier> {
  const card = parseCard(JSON.parse(await readFile(path.join(modelDir, 'card.json'), 'utf8')) as unknown);
  const { session, width } = await loadChecked(modelDir, card.model_file, card.model_sha256, card);
  const route = card.xray_route;
  let xraySession: ort.InferenceSession | undefined;
  if (route !== undefined) {
    if (route.mw_columns[1] > width) throw new ModelCardMismatchError(`routes.xray_only mw_columns beyond the input width ${width}`);
    const xray = await loadChecked(modelDir, route.file, route.sha256, card);
    if (xray.width !== width) throw new ModelCardMismatchError(`${route.file} input width ${xray.width}, model.onnx ${width}`);
    xraySession = xray.session;
  }
  const clf: SourceClassifier = { modelDir, card, session, width, xraySession, run: (f, m, n) => runModel(clf, f, m, n) };
  return clf;
}

/** 1 for each of the `n` rows whose mask is 0 in every column of `[lo, hi)` (the MW columns: the row takes the X-ray
 *  route), else 0. Pure. */
export function rowsWithoutMw(mask: Float32Array, n: number, width: number, [lo, hi]: readonly [number, number]): Uint8Array {
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let any = false;
    for (let j = r * width + lo, end = r * width + hi; j < end && !any; j++) any = mask[j] > 0;
    if (!any) out[r] = 1;
  }
  return out;
}

/** Probabilities (rows × classes) of `n` feature rows: rows with no MW feature through the X-ray route's graph when
 *  the card has one (the same probabilities as model.onnx gives them, without evaluating the MW branch), the others
 *  through model.onnx. */
async function runModel(clf: Omit<SourceClassifier, 'run'>, features: Float32Array, mask: Float32Array, n: number): Promise<Float32Array> {
  const width = clf.width;
  const C = CLASSES.length;
  const once = async (session: ort.InferenceSession, f: Float32Array, m: Float32Array, rows: number): Promise<Float32Array> => {
    const out = await session.run({
      [INPUT_FEATURES]: new ort.Tensor('float32', f, [rows, width]),
      [INPUT_MASK]: new ort.Tensor('float32', m, [rows, width]),
    });
    const p = out[OUTPUT_PROBABILITIES];
    if (p === undefined || !(p.data instanceof Float32Array) || p.data.length !== rows * C)
      throw new ModelCardMismatchError(`unexpected output ${OUTPUT_PROBABILITIES}`);
    return p.data;
  };
  const route = clf.card.xray_route;
  if (clf.xraySession === undefined || route === undefined || n === 0) return once(clf.session, features, mask, n);
  const xrayOnly = rowsWithoutMw(mask, n, width, route.mw_columns);
  const nx = xrayOnly.reduce((a, b) => a + b, 0);
  if (nx === n) return once(clf.xraySession, features, mask, n);
  if (nx === 0) return once(clf.session, features, mask, n);
  // onnxruntime's TreeEnsemble sums a row's trees in an order that depends on the batch size: one order for 1 row,
  // another for 2-50 rows (trees split across threads), another above 50 (rows split across threads); the three
  // differ in the last bits (~6e-8). A part is padded (with copies of its first row) into the size class of the
  // whole batch, so every row gets exactly the numbers model.onnx gives it in that batch, and a source's result
  // stays independent of the other sources of its batch (test "independent of batch composition").
  const floor = n > 50 ? 51 : 2;
  const pick = (want: number, rows: number) => {
    const padded = Math.max(rows, floor);
    const f = new Float32Array(padded * width);
    const m = new Float32Array(padded * width);
    for (let r = 0, k = 0; r < n; r++) {
      if (xrayOnly[r] !== want) continue;
      f.set(features.subarray(r * width, (r + 1) * width), k * width);
      m.set(mask.subarray(r * width, (r + 1) * width), k * width);
      k++;
    }
    for (let k = rows; k < padded; k++) {
      f.copyWithin(k * width, 0, width);
      m.copyWithin(k * width, 0, width);
    }
    return { f, m, padded };
  };
  const x = pick(1, nx);
  const px = await once(clf.xraySession, x.f, x.m, x.padded);
  const w = pick(0, n - nx);
  const pw = await once(clf.session, w.f, w.m, w.padded);
  const out = new Float32Array(n * C);
  for (let r = 0, ix = 0, iw = 0; r < n; r++) {
    if (xrayOnly[r]) out.set(px.subarray(ix * C, ++ix * C), r * C);
    else out.set(pw.subarray(iw * C, ++iw * C), r * C);
  }
  return out;
}

/** Loads (once per directory) and validates the classifier. */
export const loadSourceClassifier: (modelDir?: string) => Promise<SourceClassifier> = cachedByDirectory(load, defaultModelDir);

// ------------------------------------------------------------------------------------------------
// Seeded PRNG: FNV-1a (source key) -> splitmix32 -> xoshiro128**; Box-Muller normals.
// ------------------------------------------------------------------------------------------------
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Reproducible normal deviates (xoshiro128** + Box-Muller). */
export class NormalRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number, key: string) {
    const st = { s: (fnv1a(key) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** uniform in [0, 1) with 32 random bits */
  uniform(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c = (this.c ^ this.a) >>> 0;
    this.d = (this.d ^ this.b) >>> 0;
    this.b = (this.b ^ this.c) >>> 0;
    this.a = (this.a ^ this.d) >>> 0;
    this.c = (this.c ^ t) >>> 0;
    this.d = rotl(this.d, 11);
    return r / 4294967296;
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** N(v, sigma) redrawn until > 0 (at most 100 tries, then v), as the training augmentation draws the table's fluxes. */
function drawFlux(v: number | null, sigma: number, rng: NormalRng): number | null {
  if (v === null || !(v > 0) || sigma === 0) return v;
  for (let i = 0; i < 100; i++) {
    const d = v + rng.normal() * sigma;
    if (d > 0) return d;
  }
  return v;
}

/** One Monte-Carlo draw of the measurements (variability probabilities and flux_aper90_b are not sampled). */
export function sampleMeasurements(m: Measurements, s: MeasurementSigmas, rng: NormalRng): Measurements {
  const mags = { ...m.mags };
  for (const k of MW_KEYS) {
    const v = m.mags[k];
    if (v !== null && s[k] > 0) mags[k] = v + rng.normal() * s[k];
  }
  return {
    fluxS: drawFlux(m.fluxS, s.flux_s, rng),
    fluxM: drawFlux(m.fluxM, s.flux_m, rng),
    fluxH: drawFlux(m.fluxH, s.flux_h, rng),
    fluxB: m.fluxB,
    pIntra: m.pIntra,
    pInter: m.pInter,
    mags,
    avGal: m.avGal,
  };
}

/** MW_BANDS index of each magnitude, in MW_KEYS (sampling) order. */
const KEY_BAND = MW_KEYS.map((k) => MW_BANDS.findIndex((b) => b.key === k));

/**
 * The `draws` Monte-Carlo rows of one source written straight into features/mask from row `row0` on (one row when
 * rng is null: the nominal values). Same draws in the same order as sampleMeasurements (magnitudes in MW_KEYS order,
 * then fluxes s, m, h, each flux redrawn until > 0) and the same float32 rows as writeFeatures, without a
 * Measurements object per draw; `mags` is scratch space (MW_BANDS.length).
 */
export function writeDraws(
  m: Measurements, s: MeasurementSigmas, rng: NormalRng | null, draws: number,
  features: Float32Array, mask: Float32Array, row0: number, width: number, mags: Float64Array,
): void {
  const fluxB = m.fluxB ?? Number.NaN;
  const pIntra = m.pIntra ?? Number.NaN;
  const pInter = m.pInter ?? Number.NaN;
  const avGal = m.avGal ?? Number.NaN;
  for (let d = 0; d < draws; d++) {
    for (let k = 0; k < MW_KEYS.length; k++) {
      const key = MW_KEYS[k];
      const v = m.mags[key];
      const sd = s[key];
      mags[KEY_BAND[k]] = v === null ? Number.NaN : rng !== null && sd > 0 ? v + rng.normal() * sd : v;
    }
    const fs = rng === null ? m.fluxS : drawFlux(m.fluxS, s.flux_s, rng);
    const fm = rng === null ? m.fluxM : drawFlux(m.fluxM, s.flux_m, rng);
    const fh = rng === null ? m.fluxH : drawFlux(m.fluxH, s.flux_h, rng);
    writeFeatureRow(fs ?? Number.NaN, fm ?? Number.NaN, fh ?? Number.NaN, fluxB, pIntra, pInter, mags, avGal, features, mask, (row0 + d) * width, width);
  }
}

/** Index of the largest q, ties to the lower index (as a stable descending sort), skipping `skip`. */
function argmax(q: Float64Array, skip: number): number {
  let k = -1;
  for (let c = 0; c < q.length; c++) if (c !== skip && (k < 0 || q[c] > q[k])) k = c;
  return k;
}

function sourceName(input: SourceInput): string | null {
  const n = input.csc.name;
  return typeof n === 'string' && n.trim() !== '' ? n.trim() : null;
}

function perClass(values: Float64Array): Record<SourceClass, number> {
  const out = {} as Record<SourceClass, number>;
  CLASSES.forEach((c, i) => {
    out[c] = values[i];
  });
  return out;
}

/**
 * Classifies CSC2 sources. Each result holds the mean class probabilities over `mcDraws` Monte-Carlo
 * draws, their standard deviations, the predicted class (argmax of mean / class prior), its probability, a
 * 2-sigma confidence flag and the feature set used. Deterministic for a given `seed`.
 */
export async function classifySources(
  rows: readonly SourceInput[],
  opts: ClassifyOptions,
): Promise<SourceClassification[]> {
  if (!Number.isInteger(opts.mcDraws) || opts.mcDraws < 0) throw new RangeError('mcDraws must be an integer >= 0');
  if (!Number.isFinite(opts.seed)) throw new RangeError('seed must be a finite number');
  const clf = await loadSourceClassifier(opts.modelDir);
  const draws = Math.max(opts.mcDraws, 1);
  const batchRows = Math.max(opts.batchSize ?? 32768, draws);
  const sourcesPerBatch = Math.max(1, Math.floor(batchRows / draws));
  const C = CLASSES.length;
  const prior = clf.card.class_prior;
  const width = clf.width;
  const results: SourceClassification[] = [];
  const modelVersion = `${clf.card.name}@${clf.card.version}`;

  // Two buffer sets, alternating: batch k+1 is written while batch k's tensors are still to be run.
  const buffers = [0, 1].map(() => ({ features: new Float32Array(0), mask: new Float32Array(0) }));
  const mags = new Float64Array(MW_BANDS.length);
  /** Features and mask of one batch: every draw of every source of the chunk, one row each (Float32Array). */
  const prepare = (start: number, slot: number) => {
    const end = Math.min(rows.length, start + sourcesPerBatch);
    const n = (end - start) * draws;
    const buf = buffers[slot];
    if (buf.features.length < n * width) {
      buf.features = new Float32Array(sourcesPerBatch * draws * width);
      buf.mask = new Float32Array(sourcesPerBatch * draws * width);
    }
    const features = buf.features.subarray(0, n * width);
    const mask = buf.mask.subarray(0, n * width);
    const meta = [];
    for (let i = 0; i < end - start; i++) {
      const input = rows[start + i];
      const ex = computeFeatures(input);
      const name = sourceName(input);
      const rng = opts.mcDraws === 0 ? null : new NormalRng(opts.seed, name ?? `#${start + i}`);
      writeDraws(ex.measurements, ex.sigmas, rng, draws, features, mask, i * draws, width, mags);
      meta.push({ name, featureSet: ex.featureSet, xrayInputs: ex.measurements.xraySource ?? 'master', inTrainingDomain: ex.inTrainingDomain });
    }
    return { n, features, mask, meta };
  };
  const run = (b: ReturnType<typeof prepare>) => clf.run(b.features, b.mask, b.n);

  // Batch k+1 is prepared before batch k's result is awaited. onnxruntime-node 1.30 runs the session inside a
  // setImmediate on this thread (its intra-op pool = this thread + the others), so the two do not overlap today;
  // the order costs nothing and lets a truly asynchronous run overlap them.
  let current = rows.length > 0 ? prepare(0, 0) : undefined;
  let pending = current ? run(current) : undefined;
  for (let start = 0, batch = 0; current && pending; start += sourcesPerBatch, batch++) {
    const nextStart = start + sourcesPerBatch;
    const next = nextStart < rows.length ? prepare(nextStart, (batch + 1) % 2) : undefined;
    const p = await pending;
    const nextPending = next ? run(next) : undefined;
    nextPending?.catch(() => undefined); // awaited on the next turn; never an unhandled rejection meanwhile
    const { meta } = current;
    const mean = new Float64Array(C);
    const sq = new Float64Array(C);
    const q = new Float64Array(C);
    const sdq = new Float64Array(C);
    for (let i = 0; i < meta.length; i++) {
      const mt = meta[i];
      mean.fill(0);
      sq.fill(0);
      const o0 = i * draws * C;
      for (let d = 0; d < draws; d++) {
        const o = o0 + d * C;
        for (let c = 0; c < C; c++) mean[c] += p[o + c];
      }
      for (let c = 0; c < C; c++) mean[c] /= draws;
      for (let d = 0; d < draws; d++) {
        const o = o0 + d * C;
        for (let c = 0; c < C; c++) sq[c] += (p[o + c] - mean[c]) ** 2;
      }
      let total = 0;
      for (let c = 0; c < C; c++) total += mean[c];
      const std = new Float64Array(C);
      let finite = true;
      for (let c = 0; c < C; c++) {
        mean[c] /= total;
        std[c] = draws > 1 ? Math.sqrt(sq[c] / (draws - 1)) : 0;
        q[c] = mean[c] / prior[c];
        sdq[c] = std[c] / prior[c];
        finite &&= Number.isFinite(q[c]);
      }
      // a stable descending sort's first two; non-finite q (not seen from a softmax) keeps the sort itself
      const order = finite ? [] : [...q.keys()].sort((a, b) => q[b] - q[a]);
      const k1 = finite ? argmax(q, -1) : order[0];
      const k2 = finite ? argmax(q, k1) : order[1];
      results.push({
        name: mt.name,
        probabilities: perClass(mean),
        probabilityStd: perClass(std),
        predictedClass: CLASSES[k1],
        predictedProbability: mean[k1],
        predictedProbabilityStd: std[k1],
        confident: draws > 1 && q[k1] - 2 * sdq[k1] > q[k2] + 2 * sdq[k2],
        featureSet: mt.featureSet,
        xrayInputs: mt.xrayInputs,
        inTrainingDomain: mt.inTrainingDomain,
        mcDraws: opts.mcDraws,
        modelVersion,
      });
    }
    current = next;
    pending = nextPending;
  }
  return results;
}
