/** Event encoder: the ONNX model against its card and against train.py's torch outputs, determinism, permutation
 *  invariance, the TS feature extraction against Python's on the real files, and the Python simulation port
 *  against simulateEvents. Fixture: fixtures/encoder-fixture.json, written by train.py. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventList } from '../../fits/index.js';
import { eventFeatures, randomSimulationParams, simulateEvents } from '../../ml/representations/index.js';
import type { VariabilityKind } from '../../ml/representations/index.js';
import { EventEncoderMismatchError, encodeEvents, encodeFeatures, encoderFeatures, loadEventEncoder, validateEncoder } from './encode.js';

const HERE = new URL('.', import.meta.url).pathname;

interface RealEntry {
  file: string;
  sha256: string;
  rows: number;
  used: number;
  first5: number[][];
  sums: number[];
  embedding?: number[];
  anomaly_score?: number;
  kind_probabilities?: number[];
}
interface SimEntry {
  seed: number;
  kind: VariabilityKind | null;
  tstart: number;
  resolved_kind: string;
  sim_seed: number;
  base_rate: number;
  duration: number;
  count: number;
  time_first3: number[];
  time_sum: number;
  energy_first3: number[];
  energy_sum: number;
  rows: number;
  embedding: number[];
  anomaly_score: number;
}
interface ObservedEntry {
  seed: number;
  params: { kind: string; frame_time: number; gaps: number };
  time: number[];
  energy: number[];
  gti: Array<[number, number]>;
  rows: number;
  first5: number[][];
  embedding: number[];
  anomaly_score: number;
}
interface Fixture {
  version: string;
  max_events: number;
  real: RealEntry[];
  simulations: SimEntry[];
  observed: ObservedEntry[];
}

const fixture = JSON.parse(readFileSync(join(HERE, 'fixtures', 'encoder-fixture.json'), 'utf8')) as Fixture;
const sample = (name: string) => readEventList(new Uint8Array(readFileSync(join(HERE, '..', '..', 'data', 'sample', name))));

function shuffled<T extends Float32Array | Float64Array>(a: T, perm: number[]): T {
  const out = a.slice() as T;
  perm.forEach((j, i) => (out[i] = a[j]));
  return out;
}

describe('event encoder', () => {
  it('loads model.onnx and matches the card (names, shapes, version)', async () => {
    const enc = await loadEventEncoder(HERE);
    expect(enc.card.model_id).toBe('event-encoder');
    expect(enc.card.version).toBe(fixture.version);
    expect(enc.card.max_events).toBe(fixture.max_events);
    expect(enc.session.inputNames).toEqual(['events']);
    expect([...enc.session.outputNames].sort()).toEqual(['anomaly_score', 'embedding', 'kind_probabilities']);
  });

  it.each(fixture.real.map((r) => [r.file, r] as const))('TS features equal the Python (reference.py) features of %s', (name, ref) => {
    const f = encoderFeatures(sample(name), fixture.max_events);
    expect(f.count).toBe(ref.rows);
    expect(f.used).toBe(ref.used);
    ref.first5.forEach((row, i) => row.forEach((v, k) => expect(f.features[i * 3 + k]).toBeCloseTo(v, 5)));
    for (let k = 0; k < 3; k++) {
      let s = 0;
      for (let i = 0; i < f.count; i++) s += f.features[i * 3 + k];
      expect(s).toBeCloseTo(ref.sums[k], 2);
    }
  });

  it.each(fixture.real.filter((r) => r.embedding).map((r) => [r.file, r] as const))('ONNX output equals the torch output on %s', async (name, ref) => {
    const enc = await loadEventEncoder(HERE);
    const out = await encodeEvents(enc, sample(name));
    expect(out.embedding?.length).toBe(enc.card.embedding_dim);
    (ref.embedding ?? []).forEach((v, i) => expect(out.embedding?.[i]).toBeCloseTo(v, 4));
    expect(out.anomalyScore).toBeCloseTo(ref.anomaly_score ?? Number.NaN, 4);
    expect(Object.values(out.kindProbabilities ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('is deterministic: the same list twice gives identical outputs', async () => {
    const enc = await loadEventEncoder(HERE);
    const list = sample('stingray_chandra_test.fits');
    const a = await encodeEvents(enc, list);
    const b = await encodeEvents(enc, list);
    expect(Array.from(b.embedding ?? [])).toEqual(Array.from(a.embedding ?? []));
    expect(b.anomalyScore).toBe(a.anomalyScore);
  });

  it('is permutation invariant: shuffled events (and shuffled feature rows) give the same embedding within 1e-5', async () => {
    const enc = await loadEventEncoder(HERE);
    const list = sample('stingray_chandra_test.fits');
    const n = list.time.length;
    const perm = Array.from({ length: n }, (_, i) => i);
    let s = 12345;
    for (let i = n - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) >>> 0;
      const j = s % (i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const a = await encodeEvents(enc, list);
    const b = await encodeEvents(enc, { time: shuffled(list.time, perm), energyEv: shuffled(list.energyEv, perm) });
    (a.embedding ?? []).forEach((v, i) => expect(Math.abs((b.embedding?.[i] ?? Number.NaN) - v)).toBeLessThan(1e-5));
    // The model itself, not only the time-ordered features: shuffle the rows fed to ONNX.
    const f = eventFeatures(list, enc.card.max_events);
    const rows = Array.from({ length: f.count }, (_, i) => i).reverse();
    const rev = new Float32Array(f.features.length);
    rows.forEach((r, i) => rev.set(f.features.subarray(r * 3, r * 3 + 3), i * 3));
    const x = await encodeFeatures(enc, f.features, f.count);
    const y = await encodeFeatures(enc, rev, f.count);
    x.embedding.forEach((v, i) => expect(Math.abs(y.embedding[i] - v)).toBeLessThan(1e-5));
    expect(Math.abs(y.anomalyScore - x.anomalyScore)).toBeLessThan(1e-5);
  });

  it('gives no embedding for a list without in-band events', async () => {
    const enc = await loadEventEncoder(HERE);
    const out = await encodeEvents(enc, { time: [1, 2, 3], energyEv: [100, 200, 20000] });
    expect(out).toMatchObject({ embedding: null, anomalyScore: null, used: 0, encoded: 0, isInTrainingDomain: false });
  });

  it.each(fixture.simulations.map((s) => [s.seed, s] as const))('the Python simulation port equals simulateEvents (seed %i) and ONNX equals torch on it', async (_seed, ref) => {
    const p = randomSimulationParams(ref.seed, ref.kind ?? undefined, { tstart: ref.tstart });
    expect(p.variability.kind).toBe(ref.resolved_kind);
    expect(p.seed).toBe(ref.sim_seed);
    expect(p.baseRate).toBeCloseTo(ref.base_rate, 10);
    const sim = simulateEvents(p);
    expect(sim.count).toBe(ref.count);
    ref.time_first3.forEach((t, i) => expect(sim.time[i]).toBeCloseTo(t, 5));
    ref.energy_first3.forEach((e, i) => expect(sim.energyEv[i]).toBeCloseTo(e, 2));
    expect(sim.time.reduce((a, b) => a + b, 0) / ref.time_sum).toBeCloseTo(1, 12);
    expect(sim.energyEv.reduce((a, b) => a + b, 0) / ref.energy_sum).toBeCloseTo(1, 6);
    const enc = await loadEventEncoder(HERE);
    const out = await encodeEvents(enc, sim);
    expect(out.encoded).toBe(ref.rows);
    ref.embedding.forEach((v, i) => expect(out.embedding?.[i]).toBeCloseTo(v, 4));
    expect(out.anomalyScore).toBeCloseTo(ref.anomaly_score, 4);
  });

  it.each(fixture.observed.map((o) => [o.seed, o.params.kind, o.params.gaps, o] as const))(
    'realistic simulation %i (%s, %i GTI gaps, frame-quantised): TS good-time clock + features + ONNX equal the Python outputs',
    async (_seed, _kind, _gaps, ref) => {
      const enc = await loadEventEncoder(HERE);
      const events = { time: Float64Array.from(ref.time), energyEv: Float32Array.from(ref.energy), gti: ref.gti };
      const f = encoderFeatures(events, enc.card.max_events);
      expect(f.count).toBe(ref.rows);
      ref.first5.forEach((row, i) => row.forEach((v, k) => expect(f.features[i * 3 + k]).toBeCloseTo(v, 5)));
      const out = await encodeEvents(enc, events);
      ref.embedding.forEach((v, i) => expect(out.embedding?.[i]).toBeCloseTo(v, 4));
      expect(out.anomalyScore).toBeCloseTo(ref.anomaly_score, 4);
      // Without its GTIs the gaps are part of the time axis and the features change.
      if (ref.params.gaps > 0) {
        const plain = encoderFeatures({ time: events.time, energyEv: events.energyEv }, enc.card.max_events);
        expect(Array.from(plain.features)).not.toEqual(Array.from(f.features));
      }
    },
  );

  it('publishes an anomaly threshold, and the real M82 file (a check, never trained on) scores below it', async () => {
    const enc = await loadEventEncoder(HERE);
    const threshold = enc.card.anomaly_threshold;
    expect(threshold).not.toBeNull();
    const out = await encodeEvents(enc, sample('stingray_chandra_test.fits'));
    expect(out.anomalyScore).toBeLessThan(threshold ?? Number.NaN);
  });

  describe('card mismatch', () => {
    function modelDirWith(edit: (card: Record<string, unknown>) => void): string {
      const dir = mkdtempSync(join(tmpdir(), 'xtap-encoder-'));
      copyFileSync(join(HERE, 'model.onnx'), join(dir, 'model.onnx'));
      const card = JSON.parse(readFileSync(join(HERE, 'card.json'), 'utf8')) as Record<string, unknown>;
      edit(card);
      writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
      return dir;
    }

    it.each([
      ['an input name', (c: Record<string, unknown>) => ((c.inputs as Array<Record<string, unknown>>)[0].name = 'features'), /card inputs \["features"\]/],
      ['the embedding size', (c: Record<string, unknown>) => (c.embedding_dim = 32), /embedding/],
      ['the sha256', (c: Record<string, unknown>) => (c.model_sha256 = '0'.repeat(64)), /sha256 of model.onnx is/],
      ['the feature version', (c: Record<string, unknown>) => ((c.inputs as Array<Record<string, unknown>>)[0].features_version = 2), /features_version 2/],
      ['the kinds', (c: Record<string, unknown>) => (c.kinds = ['steady', 'flare']), /kinds/],
    ])('rejects a card that changes %s', async (_what, edit, message) => {
      const dir = modelDirWith(edit);
      await expect(loadEventEncoder(dir)).rejects.toThrow(EventEncoderMismatchError);
      await expect(loadEventEncoder(dir)).rejects.toThrow(message);
    });

    it('rejects a model whose output shape differs from the card (validateEncoder on a fake signature)', async () => {
      const enc = await loadEventEncoder(HERE);
      const fake = {
        inputNames: enc.session.inputNames,
        outputNames: enc.session.outputNames,
        inputMetadata: enc.session.inputMetadata,
        outputMetadata: enc.session.outputMetadata.map((m) => (m.name === 'embedding' && m.isTensor ? { ...m, shape: [1, 8] } : m)),
      };
      expect(() => validateEncoder(fake, enc.card, HERE)).toThrow(/model output embedding has shape \[1,8\]/);
    });
  });
});
