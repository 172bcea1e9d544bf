#!/usr/bin/env python3
"""The per-field prior shift (EM of Saerens et al. 2002, xtap's ml/prior-shift.ts behind ml.field_class_prior) on
the external 2023 set: an evaluation of an existing product, not a model selection (nothing here chooses or fits a
model; the labels are used only to score).

Protocol v10 found that no calibration under the training prior brings the deployed 2.2.x's per-class mean p near
the observed class frequencies of the 1414 sources of the 2023 training set that are not in the 2022 set (max
per-class ECE 0.16-0.18): their class mix differs from the training mix. Issue 8 point 3 answers a different mix by
re-estimating the class priors on the set's own, unlabelled sources. This script measures how well that works on
the 2023 set treated as one field: EM priors against the true class frequencies (paired bootstrap CIs of their
ratio), per-class ECE and mean p / frequency before and after, and that the class-balanced decisions
(argmax p / prior) do not change (p_adj / pi_field is proportional to p / pi_train).

Inputs: the final fits of 2.2.x's components on all 2941 rows (v9's cache unit 10, see v10_candidates.py), the
2023 set as v7-v10 build it, card.json's training.class_prior. EM runs in xtap's own TypeScript (prior_shift_em.mjs,
needs `npm run build`).

    /usr/bin/python3 models/source-classifier/experiments/prior_shift_external.py --n-boot 1000
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

V9 = C.load("v9_candidates", os.path.join(HERE, "v9_candidates.py"))
T = V9.T
CHI2_7DOF_95 = 14.067


def em(P: np.ndarray, prior: list, resamples: list) -> dict:
    """xtap's EM (TypeScript) on the full set and on each resample (row index lists)."""
    payload = json.dumps({"posteriors": P.tolist(), "trainingPrior": prior, "resamples": resamples})
    out = subprocess.run(["node", os.path.join(HERE, "prior_shift_em.mjs")], input=payload, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache/v9", "unused", "unused")
    ap.add_argument("--out", default=os.path.join(HERE, "prior_shift_external.json"))
    args = ap.parse_args()
    t0 = time.time()
    D = V9.load_data(args.data_dir, args.seed)
    ye = D["ye"]
    parts = [np.load(os.path.join(args.cache, f"v8_{m}_u10.npz"))["Pext"] for m in ("v2.1.0", "t200")]
    P = (parts[0] + parts[1]) / 2  # 2.2.x = mean(2.1.0, T3), nominal inputs as in protocols v9/v10
    P = P / P.sum(1, keepdims=True)
    with open(os.path.join(HERE, "..", "card.json")) as fh:
        prior = json.load(fh)["training"]["class_prior"]
    n, k = P.shape
    rng = np.random.default_rng(args.seed)
    idx = [rng.integers(0, n, n) for _ in range(args.n_boot)]
    r = em(P, prior, [i.tolist() for i in idx])
    Padj = np.array(r["full"]["posteriors"])
    freq = np.bincount(ye, minlength=k) / n
    em_prior = np.array(r["full"]["priors"])
    boot_ratio = []
    for i, b in zip(idx, r["resamples"]):
        f = np.bincount(ye[i], minlength=k) / n
        boot_ratio.append(np.where(f > 0, np.array(b["priors"]) / np.where(f > 0, f, 1), np.nan))
    boot_ratio = np.array(boot_ratio)
    pi = np.array(prior)
    dec_before = np.argmax(P / pi, 1)
    dec_after = np.argmax(Padj / em_prior, 1)
    per_class = {}
    for c, name in enumerate(T.CLASSES):
        lo, hi = np.nanpercentile(boot_ratio[:, c], [2.5, 97.5])
        per_class[name] = {"observed_freq": round(float(freq[c]), 4), "training_prior": round(float(pi[c]), 4),
                           "em_prior": round(float(em_prior[c]), 4),
                           "em_over_observed": round(float(em_prior[c] / freq[c]), 3) if freq[c] > 0 else None,
                           "em_over_observed_ci95": [round(float(lo), 3), round(float(hi), 3)]}
    res = {
        "what": "EM prior shift (ml/prior-shift.ts) on the external 2023 set as one field; 2.2.x final fits, nominal inputs",
        "n": int(n), "n_boot": args.n_boot, "seed": args.seed,
        "em": {"iterations": r["full"]["iterations"], "converged": r["full"]["converged"],
               "likelihood_ratio": round(r["full"]["likelihoodRatio"], 1), "chi2_7dof_95": CHI2_7DOF_95,
               "resamples_converged": int(sum(b["converged"] for b in r["resamples"]))},
        "per_class": per_class,
        "calibration_before": T.classwise_calibration(P, ye),
        "calibration_after_em": T.classwise_calibration(Padj, ye),
        "balanced_accuracy_before": round(float(T.bacc_from_pairs(ye, dec_before)), 4),
        "balanced_accuracy_after": round(float(T.bacc_from_pairs(ye, dec_after)), 4),
        "decisions_changed": int((dec_before != dec_after).sum()),
        "seconds": round(time.time() - t0, 1),
    }
    with open(args.out, "w") as fh:
        json.dump(res, fh, indent=1)
    print(json.dumps({k: res[k] for k in ("n", "em", "balanced_accuracy_before", "balanced_accuracy_after", "decisions_changed")}))
    for name, v in per_class.items():
        b, a = res["calibration_before"]["per_class"][name], res["calibration_after_em"]["per_class"][name]
        print(f"{name:8s} freq {v['observed_freq']:.4f} train {v['training_prior']:.4f} EM {v['em_prior']:.4f} "
              f"EM/freq {v['em_over_observed']} {v['em_over_observed_ci95']} | ECE {b['ece']:.4f} -> {a['ece']:.4f} "
              f"| mean p/freq {b['ratio']} -> {a['ratio']}")


if __name__ == "__main__":
    main()
