/** Prior-shift correction of classifier probabilities (Saerens, Latinne & Decaestecker 2002, Neural Computation 14,
 *  21, "Adjusting the outputs of a classifier to new a priori probabilities"): when a field's class mix differs from
 *  the training set's, the class priors of the field are re-estimated by EM on the field's own (unlabelled) sources
 *  and every source's posterior is re-weighted by field prior / training prior. The class-conditional densities are
 *  assumed unchanged (pure prior shift) and the input posteriors calibrated under the training prior. Pure; no I/O. */

export class PriorShiftInputError extends Error {
  override name = 'PriorShiftInputError';
}

export interface PriorShiftOptions {
  /** Stop when no prior moves by more than this between two iterations (default 1e-6). */
  tolerance?: number;
  /** Give up after this many iterations (default 1000); the result then has converged = false. */
  maxIterations?: number;
}

export interface PriorShiftResult {
  /** Estimated class priors of the field (sum to 1). */
  priors: number[];
  /** Posteriors of every source under the field priors (rows sum to 1), in input order. */
  posteriors: number[][];
  /** EM iterations done (a prior update each). */
  iterations: number;
  converged: boolean;
  /** Likelihood-ratio statistic of the field priors against the training priors (Saerens et al. 2002 §2.4):
   *  2 Σ_i ln Σ_c (π_c / π_train,c) p_ic; asymptotically χ² with (classes − 1) degrees of freedom when the field
   *  has the training priors. */
  likelihoodRatio: number;
}

export const DEFAULT_TOLERANCE = 1e-6;
export const DEFAULT_MAX_ITERATIONS = 1000;
/** Rows whose probabilities sum further than this from 1 are refused (Monte-Carlo means sum to 1 within rounding). */
const ROW_SUM_SLACK = 1e-3;

/** A posterior re-weighted to other priors: p_c · (π_c / π_train,c), renormalised (Saerens et al. 2002, eq. 2.4). */
export function reweightPosterior(posterior: ReadonlyArray<number>, trainingPrior: ReadonlyArray<number>, fieldPrior: ReadonlyArray<number>): number[] {
  const w = posterior.map((p, c) => p * ((fieldPrior[c] ?? 0) / (trainingPrior[c] ?? 1)));
  const total = w.reduce((a, b) => a + b, 0);
  return total > 0 ? w.map((x) => x / total) : posterior.slice();
}

function checkTrainingPrior(prior: ReadonlyArray<number>): number[] {
  if (prior.length < 2) throw new PriorShiftInputError(`the training prior needs at least 2 classes, got ${prior.length}`);
  for (const [c, p] of prior.entries()) {
    if (!Number.isFinite(p) || p <= 0) throw new PriorShiftInputError(`training prior of class ${c} is ${p}: every class needs a prior > 0`);
  }
  const total = prior.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > ROW_SUM_SLACK) throw new PriorShiftInputError(`the training prior sums to ${total}, not 1`);
  return prior.map((p) => p / total);
}

function checkPosteriors(rows: ReadonlyArray<ReadonlyArray<number>>, classes: number): number[][] {
  if (rows.length === 0) throw new PriorShiftInputError('no sources: the field priors cannot be estimated');
  return rows.map((row, i) => {
    if (row.length !== classes) throw new PriorShiftInputError(`source ${i} has ${row.length} probabilities, the training prior ${classes}`);
    for (const p of row) if (!Number.isFinite(p) || p < 0 || p > 1) throw new PriorShiftInputError(`source ${i} has a probability ${p} outside [0, 1]`);
    const total = row.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > ROW_SUM_SLACK) throw new PriorShiftInputError(`the probabilities of source ${i} sum to ${total}, not 1`);
    return row.map((p) => p / total);
  });
}

/** EM of Saerens et al. (2002, eqs. 2.9–2.10), started at the training prior: the E step re-weights every posterior
 *  by the current priors, the M step sets each prior to the mean re-weighted posterior of its class. Stops when no
 *  prior moves by more than `tolerance`. Throws PriorShiftInputError on inputs it cannot use. */
export function estimateFieldPriors(
  posteriors: ReadonlyArray<ReadonlyArray<number>>,
  trainingPrior: ReadonlyArray<number>,
  opts: PriorShiftOptions = {},
): PriorShiftResult {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const maxIterations = opts.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!(tolerance > 0) || !Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new PriorShiftInputError(`bad EM settings: tolerance ${tolerance}, maxIterations ${maxIterations}`);
  }
  const train = checkTrainingPrior(trainingPrior);
  const p = checkPosteriors(posteriors, train.length);
  const k = train.length;
  let prior = train.slice();
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const next = new Array<number>(k).fill(0);
    for (const row of p) {
      const adjusted = reweightPosterior(row, train, prior);
      for (let c = 0; c < k; c++) next[c] = (next[c] ?? 0) + (adjusted[c] ?? 0);
    }
    for (let c = 0; c < k; c++) next[c] = (next[c] ?? 0) / p.length;
    iterations++;
    const step = Math.max(...next.map((v, c) => Math.abs(v - (prior[c] ?? 0))));
    prior = next;
    if (step <= tolerance) {
      converged = true;
      break;
    }
  }
  const ratio = prior.map((v, c) => v / (train[c] ?? 1));
  let likelihoodRatio = 0;
  for (const row of p) likelihoodRatio += Math.log(row.reduce((a, v, c) => a + v * (ratio[c] ?? 0), 0));
  return {
    priors: prior,
    posteriors: p.map((row) => reweightPosterior(row, train, prior)),
    iterations,
    converged,
    likelihoodRatio: Math.max(0, 2 * likelihoodRatio),
  };
}

/** 95 % quantile of χ² with 7 degrees of freedom (8 classes − 1): a likelihood ratio above it says the field's class
 *  mix differs from the training mix at the 5 % level (the asymptotic test of Saerens et al. 2002 §2.4). */
export const CHI2_7DOF_95 = 14.067;
