// Same-process, interleaved A/B of the source classifier's Monte-Carlo path between two builds (no database):
//   node bench/mc-draws-ab.mjs BASE_ROOT [NEW_ROOT=.] [REPS=5] [SOURCES=2000]
// Each ROOT holds a built dist/. Sources: bench/synthetic-csc2.ts's generator (every third with G/J/W1 and errors).
// Per repetition, A then B then B then A: (1) making the 100 draws' feature rows, CPU ms per 1000 sources (BASE:
// sampleMeasurements + writeFeatures per draw, as its classifySources does; NEW: writeDraws when the build has it),
// rows checked byte-identical; (2) classifySources end to end, sources/s, results checked equal. Prints medians,
// ranges and per-repetition ratios B/A.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseRoot, newRoot = '.', repsArg = '5', nArg = '2000'] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: node bench/mc-draws-ab.mjs BASE_ROOT [NEW_ROOT] [REPS] [SOURCES]');
const reps = Number(repsArg);
const n = Number(nArg);
const DRAWS = 100;
const SEED = 20241125;
const load = async (root) => {
  const mod = (p) => import(pathToFileURL(path.resolve(root, 'dist', p)).href);
  const clf = await mod('models/source-classifier/classify.js');
  const feat = await mod('models/source-classifier/features.js');
  const session = await clf.loadSourceClassifier(path.resolve('models', 'source-classifier'));
  return { root, clf, feat, width: session.width };
};
const sides = [await load(baseRoot), await load(newRoot)];

let state = 777;
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const rows = [];
for (let i = 0; i < n; i++) {
  const f = 1e-15 * 10 ** (rand() * 2);
  const csc = { name: `2CXO JBENCH${String(i).padStart(8, '0')}`, kp_intra_prob_b: rand(), var_inter_prob_b: rand(), nh_gal: rand() * 100 };
  for (const b of ['s', 'm', 'h', 'b']) {
    const v = f * (0.1 + rand() * 0.4);
    Object.assign(csc, { [`flux_aper90_${b}`]: v, [`flux_aper90_lolim_${b}`]: v * 0.7, [`flux_aper90_hilim_${b}`]: v * 1.3 });
  }
  const mw = i % 3 === 0 ? { gmag: 15 + rand() * 5, e_gmag: 0.01, jmag: 14 + rand() * 3, e_jmag: 0.03, w1mag: 13 + rand() * 3, e_w1mag: 0.05 } : null;
  rows.push({ csc, mw });
}

/** The feature rows of every draw of every source; CPU ms. */
function prepare(side) {
  const { clf, feat, width } = side;
  const features = new Float32Array(n * DRAWS * width);
  const mask = new Float32Array(n * DRAWS * width);
  const mags = new Float64Array(feat.MW_BANDS.length);
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const ex = feat.computeFeatures(rows[i]);
    const rng = new clf.NormalRng(SEED, rows[i].csc.name);
    if (clf.writeDraws) clf.writeDraws(ex.measurements, ex.sigmas, rng, DRAWS, features, mask, i * DRAWS, width, mags);
    else for (let d = 0; d < DRAWS; d++) feat.writeFeatures(clf.sampleMeasurements(ex.measurements, ex.sigmas, rng), features, mask, i * DRAWS + d, width);
  }
  const u = process.cpuUsage(t0);
  return { ms: (u.user + u.system) / 1000, features, mask };
}

async function classify(side) {
  const t0 = performance.now();
  const res = await side.clf.classifySources(rows, { mcDraws: DRAWS, seed: SEED });
  return { perS: n / ((performance.now() - t0) / 1000), res };
}

const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (v, d) => `median ${median(v).toFixed(d)} (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})`;
await classify(sides[0]);
await classify(sides[1]);
const prep = [[], []];
const cls = [[], []];
for (let r = 0; r < reps; r++) {
  for (const k of r % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1]) {
    const p = prepare(sides[k]);
    prep[k].push((p.ms * 1000) / n);
    sides[k].last = p;
  }
  const [a, b] = sides.map((s) => s.last);
  if (!Buffer.from(a.features.buffer).equals(Buffer.from(b.features.buffer)) || !Buffer.from(a.mask.buffer).equals(Buffer.from(b.mask.buffer)))
    throw new Error('feature rows differ between the builds');
  const out = [];
  for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const c = await classify(sides[k]);
    cls[k].push(c.perS);
    out[k] = JSON.stringify(c.res);
  }
  if (out[0] !== out[1]) throw new Error('classifySources results differ between the builds');
  process.stderr.write(`rep ${r + 1}/${reps} done\n`);
}
const ratio = (a, b) => a.map((x, i) => b[i] / x);
const p0 = prep[0];
console.log(`draws -> feature rows (${DRAWS} draws), CPU ms per 1000 sources: A ${fmt(p0, 1)}, B ${fmt(prep[1], 1)}, B/A ${fmt(ratio(p0, prep[1]), 3)}; rows byte-identical`);
console.log(`classifySources end to end, sources/s: A ${fmt(cls[0], 0)}, B ${fmt(cls[1], 0)}, B/A ${fmt(ratio(cls[0], cls[1]), 3)}; results equal`);
console.log(`A = ${sides[0].root}, B = ${sides[1].root}, ${n} sources, ${reps} reps; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
