/**
 * Event-list encoding on ingest: an event list → per-event features (ml/representations eventFeatures, the
 * same definition train.py used) → the DeepSets ONNX model → embedding, anomaly score, variability-kind
 * probabilities. Loads models/event-encoder/model.onnx with onnxruntime-node and checks it against card.json
 * (sha256, input/output names, shapes, embedding size, feature version, kinds) before anything runs, so a
 * mismatched model fails before a row is written. Knows nothing of the database.
 */
import { cachedByDirectory, createCpuSession } from '../onnx-loader.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { EVENT_FEATURES_VERSION, eventFeatures, goodTimeClock } from '../../ml/representations/index.js';
import type { EventsLike, GoodTimeIntervals } from '../../ml/representations/index.js';

/** An event list with, optionally, its good-time intervals (fits' EventList has them); without GTIs the times are
 *  used as they are. */
export interface EncoderInput extends EventsLike {
  gti?: GoodTimeIntervals;
}

export const INPUT_EVENTS = 'events';
export const OUTPUT_EMBEDDING = 'embedding';
export const OUTPUT_ANOMALY = 'anomaly_score';
export const OUTPUT_KINDS = 'kind_probabilities';
export const ENCODER_KINDS = ['steady', 'flare', 'dip', 'periodic'] as const;
export type EncoderKind = (typeof ENCODER_KINDS)[number];

interface TensorSpec {
  name: string;
  type: string;
  shape: Array<string | number>;
}

/** The parts of card.json that inference depends on. */
export interface EventEncoderCard {
  name: string;
  model_id: string;
  version: string;
  task: string;
  model_file: string;
  model_sha256: string;
  kinds: string[];
  embedding_dim: number;
  max_events: number;
  min_domain_events: number;
  features_version: number;
  /** anomaly_score above this flags a list as variable (set on validation simulations; see CARD.md). */
  anomaly_threshold: number | null;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** model.onnx and card.json disagree (or the card disagrees with this code): nothing may be written. */
export class EventEncoderMismatchError extends Error {
  readonly modelDir: string;
  constructor(modelDir: string, message: string) {
    super(`event-encoder in ${modelDir}: model.onnx does not match card.json: ${message}`);
    this.name = 'EventEncoderMismatchError';
    this.modelDir = modelDir;
  }
}

export interface EventEncoder {
  readonly modelDir: string;
  readonly card: EventEncoderCard;
  /** card.json as stored (registered verbatim in ml.model.card). */
  readonly cardText: string;
  readonly session: ort.InferenceSession;
}

export interface EventEncoding {
  /** null when the list has no in-band (0.5–7 keV) event: nothing to encode. */
  embedding: Float32Array | null;
  anomalyScore: number | null;
  kindProbabilities: Record<EncoderKind, number> | null;
  /** In-band events, and feature rows fed to the model (≤ card.max_events). */
  used: number;
  encoded: number;
  isInTrainingDomain: boolean;
  modelId: string;
  modelVersion: string;
}

/** Session metadata needed for validation (a subset of ort.InferenceSession). */
export interface SessionSignature {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

export function defaultEncoderDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(path.join(here, 'model.onnx'))) return here;
  return path.resolve(process.cwd(), 'models', 'event-encoder');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses card.json, checking the fields inference needs; throws EventEncoderMismatchError. */
export function parseEncoderCard(raw: unknown, modelDir: string): EventEncoderCard {
  const bad = (m: string): never => {
    throw new EventEncoderMismatchError(modelDir, m);
  };
  if (!isRecord(raw)) return bad('card.json is not an object');
  const str = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : bad(`card.json lacks string "${k}"`));
  const int = (k: string): number => (Number.isInteger(raw[k]) && (raw[k] as number) > 0 ? (raw[k] as number) : bad(`card.json lacks positive integer "${k}"`));
  const tensors = (k: string): TensorSpec[] => {
    const list = raw[k];
    if (!Array.isArray(list)) return bad(`card.json ${k} must be an array`);
    return list.map((e: unknown) => {
      if (!isRecord(e) || typeof e.name !== 'string' || typeof e.type !== 'string' || !Array.isArray(e.shape)) return bad(`card.json ${k} entries need name, type, shape`);
      const shape = e.shape.map((d: unknown) => (typeof d === 'string' || typeof d === 'number' ? d : bad(`bad shape in card.json ${k}`)));
      return { name: e.name, type: e.type, shape };
    });
  };
  const kinds = raw.kinds;
  if (!Array.isArray(kinds) || !kinds.every((x): x is string => typeof x === 'string')) return bad('card.json kinds must be a string array');
  const inputs = tensors('inputs');
  const first = raw.inputs as unknown[];
  const fv = isRecord(first[0]) ? first[0].features_version : undefined;
  return {
    name: str('name'),
    model_id: str('model_id'),
    version: str('version'),
    task: str('task'),
    model_file: str('model_file'),
    model_sha256: str('model_sha256'),
    kinds,
    embedding_dim: int('embedding_dim'),
    max_events: int('max_events'),
    min_domain_events: int('min_domain_events'),
    features_version: typeof fv === 'number' ? fv : bad('card.json inputs[0].features_version missing'),
    anomaly_threshold: typeof raw.anomaly_threshold === 'number' ? raw.anomaly_threshold : null,
    inputs,
    outputs: tensors('outputs'),
  };
}

const isSymbolic = (d: string | number): boolean => typeof d === 'string' || d < 0;

/** Whether a model/card dimension matches the expected one ('N' = any symbolic dimension). */
function dimsMatch(actual: ReadonlyArray<string | number>, expected: ReadonlyArray<number | 'N'>): boolean {
  return actual.length === expected.length && expected.every((e, i) => (e === 'N' ? isSymbolic(actual[i]) : actual[i] === e));
}

/** Throws EventEncoderMismatchError unless the session's inputs/outputs match the card and this code. */
export function validateEncoder(session: SessionSignature, card: EventEncoderCard, modelDir: string): void {
  const bad = (m: string): never => {
    throw new EventEncoderMismatchError(modelDir, m);
  };
  const d = card.embedding_dim;
  const expectIn: Record<string, Array<number | 'N'>> = { [INPUT_EVENTS]: [1, 'N', 3] };
  const expectOut: Record<string, Array<number | 'N'>> = { [OUTPUT_EMBEDDING]: [1, d], [OUTPUT_ANOMALY]: [1], [OUTPUT_KINDS]: [1, ENCODER_KINDS.length] };
  if (card.features_version !== EVENT_FEATURES_VERSION) bad(`card features_version ${card.features_version}, eventFeatures is version ${EVENT_FEATURES_VERSION}`);
  if (JSON.stringify(card.kinds) !== JSON.stringify(ENCODER_KINDS)) bad(`card kinds ${JSON.stringify(card.kinds)}, expected ${JSON.stringify(ENCODER_KINDS)}`);
  const check = (what: 'input' | 'output', cardList: TensorSpec[], names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[], expected: Record<string, Array<number | 'N'>>) => {
    const want = Object.keys(expected);
    const cardNames = cardList.map((t) => t.name);
    if ([...cardNames].sort().join(',') !== [...want].sort().join(',')) bad(`card ${what}s ${JSON.stringify(cardNames)}, expected ${JSON.stringify(want)}`);
    if ([...names].sort().join(',') !== [...want].sort().join(',')) bad(`model ${what}s ${JSON.stringify(names)}, card says ${JSON.stringify(cardNames)}`);
    for (const name of want) {
      const spec = cardList.find((t) => t.name === name);
      const m = meta.find((x) => x.name === name);
      if (!spec || spec.type !== 'float32' || !dimsMatch(spec.shape, expected[name])) bad(`card ${what} ${name} ${JSON.stringify(spec)}, expected float32 ${JSON.stringify(expected[name])}`);
      if (!m || !m.isTensor) return bad(`model ${what} ${name} is not a tensor`);
      if (m.type !== 'float32') bad(`model ${what} ${name} has type ${m.type}, expected float32`);
      if (!dimsMatch(m.shape, expected[name])) bad(`model ${what} ${name} has shape ${JSON.stringify(m.shape)}, expected ${JSON.stringify(expected[name])}`);
    }
  };
  check('input', card.inputs, session.inputNames, session.inputMetadata, expectIn);
  check('output', card.outputs, session.outputNames, session.outputMetadata, expectOut);
}


async function load(modelDir: string): Promise<EventEncoder> {
  let cardText: string;
  try {
    cardText = await readFile(path.join(modelDir, 'card.json'), 'utf8');
  } catch (err) {
    throw new EventEncoderMismatchError(modelDir, `cannot read card.json (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(cardText) as unknown;
  } catch (err) {
    throw new EventEncoderMismatchError(modelDir, `card.json is not JSON (${(err as Error).message})`);
  }
  const card = parseEncoderCard(raw, modelDir);
  const modelPath = path.join(modelDir, card.model_file);
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (err) {
    throw new EventEncoderMismatchError(modelDir, `cannot read ${card.model_file} (${(err as Error).message})`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== card.model_sha256) throw new EventEncoderMismatchError(modelDir, `sha256 of ${card.model_file} is ${sha}, card says ${card.model_sha256}`);
  const session = await createCpuSession(bytes);
  validateEncoder(session, card, modelDir);
  return { modelDir, card, cardText, session };
}

/** Loads (once per directory) and validates the encoder; rejects with EventEncoderMismatchError. */
export const loadEventEncoder: (modelDir?: string) => Promise<EventEncoder> = cachedByDirectory(load, defaultEncoderDir);

/** Runs the model on a feature matrix (rows × 3, row-major) with at least one row. */
export async function encodeFeatures(encoder: EventEncoder, features: Float32Array, rows: number): Promise<{ embedding: Float32Array; anomalyScore: number; kindProbabilities: Float32Array }> {
  const out = await encoder.session.run({ [INPUT_EVENTS]: new ort.Tensor('float32', features, [1, rows, 3]) });
  const get = (name: string): Float32Array => {
    const t = out[name];
    if (!t || !(t.data instanceof Float32Array)) throw new EventEncoderMismatchError(encoder.modelDir, `model output ${name} missing or not float32`);
    return t.data;
  };
  return { embedding: Float32Array.from(get(OUTPUT_EMBEDDING)), anomalyScore: get(OUTPUT_ANOMALY)[0], kindProbabilities: Float32Array.from(get(OUTPUT_KINDS)) };
}

/** The events sorted by time, then energy (NaN last). eventFeatures keeps ties in input order and the gap feature of
 *  tied events depends on it, so this canonical order makes the encoder input a function of the event *set*
 *  (train.py sorts the same way). */
export function canonicalOrder(events: EventsLike): { time: Float64Array; energyEv: Float32Array } {
  const n = events.time.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  const e = (i: number) => (Number.isNaN(events.energyEv[i]) ? Number.POSITIVE_INFINITY : events.energyEv[i]);
  idx.sort((i, j) => events.time[i] - events.time[j] || e(i) - e(j) || i - j);
  return { time: Float64Array.from(idx, (i) => events.time[i]), energyEv: Float32Array.from(idx, (i) => events.energyEv[i]) };
}

/** The encoder's input features: eventFeatures of the canonically ordered events on the good-time clock (when the
 *  list has GTIs), at most card.max_events rows. */
export function encoderFeatures(events: EncoderInput, maxEvents: number): ReturnType<typeof eventFeatures> {
  const onClock = events.gti && events.gti.length > 0 ? { time: goodTimeClock(events.time, events.gti), energyEv: events.energyEv } : events;
  return eventFeatures(canonicalOrder(onClock), maxEvents);
}

/** Encodes one event list (times in s, energies in eV). */
export async function encodeEvents(encoder: EventEncoder, events: EncoderInput): Promise<EventEncoding> {
  const f = encoderFeatures(events, encoder.card.max_events);
  const base = {
    used: f.used,
    encoded: f.count,
    isInTrainingDomain: f.used >= encoder.card.min_domain_events,
    modelId: encoder.card.model_id,
    modelVersion: encoder.card.version,
  };
  if (f.count === 0) return { ...base, embedding: null, anomalyScore: null, kindProbabilities: null };
  const r = await encodeFeatures(encoder, f.features, f.count);
  const kindProbabilities = Object.fromEntries(ENCODER_KINDS.map((k, i) => [k, r.kindProbabilities[i]])) as Record<EncoderKind, number>;
  return { ...base, embedding: r.embedding, anomalyScore: r.anomalyScore, kindProbabilities };
}
