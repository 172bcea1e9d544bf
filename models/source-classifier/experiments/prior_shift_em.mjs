// Runs xtap's EM prior-shift estimator (ml/prior-shift.ts, the code behind ml.field_class_prior) for
// prior_shift_external.py: reads {posteriors, trainingPrior, resamples} as JSON on stdin, writes {full, resamples}
// (the estimated priors, iterations, convergence, likelihood ratio) as JSON on stdout. Needs `npm run build`.
import { readFileSync } from 'node:fs';
const { estimateFieldPriors } = await import(new URL('../../../dist/ml/prior-shift.js', import.meta.url));
const { posteriors, trainingPrior, resamples } = JSON.parse(readFileSync(0, 'utf8'));
const run = (rows) => {
  const r = estimateFieldPriors(rows, trainingPrior);
  return { priors: r.priors, iterations: r.iterations, converged: r.converged, likelihoodRatio: r.likelihoodRatio, posteriors: r.posteriors };
};
const full = run(posteriors);
const boot = resamples.map((idx) => {
  const { priors, converged } = run(idx.map((i) => posteriors[i]));
  return { priors, converged };
});
process.stdout.write(JSON.stringify({ full, resamples: boot }));
