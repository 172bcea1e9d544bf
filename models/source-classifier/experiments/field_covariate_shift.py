"""Label-free covariate check of a field against the training set: for each input feature, the training rows' and
the field's 10/50/90th percentiles and the fraction of the field's values outside the training rows' central 95 %.
Reads the field's inputs only (its class column is never read), so it informs, but does not select, models.
Run: /usr/bin/python3 models/source-classifier/experiments/field_covariate_shift.py (NGC 3532 sample by default)."""
import argparse
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import train as T  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--training", default=os.path.join(REPO, "..", "shared", "data", "training", "muwclass_TD_yang2022.csv"))
    ap.add_argument("--field-class", default=os.path.join(REPO, "data", "sample", "muwclass_ngc3532_class.csv"))
    ap.add_argument("--field-per", default=os.path.join(REPO, "data", "sample", "ngc3532_conesearch_per.csv"))
    args = ap.parse_args()
    X, M = T.features_from_measurements(T.td_measurements(pd.read_csv(args.training)))
    _, _, field, Xf, Mf = T.ngc3532_inputs(args.field_class, args.field_per)
    print(f"training rows {len(X)}, field rows {len(field)}")
    q = lambda v: " ".join(f"{x:7.2f}" for x in np.percentile(v, [10, 50, 90]))
    print(f"{'feature':26s} {'train n':>7s} {'train q10 q50 q90':>23s} {'field n':>7s} {'field q10 q50 q90':>23s} outside")
    for k, name in enumerate(T.FEATURE_NAMES):
        a, b = X[M[:, k] > 0.5, k], Xf[Mf[:, k] > 0.5, k]
        if len(a) == 0 or len(b) == 0:
            continue
        lo, hi = np.percentile(a, [2.5, 97.5])
        print(f"{name:26s} {len(a):7d} {q(a):>23s} {len(b):7d} {q(b):>23s} {np.mean((b < lo) | (b > hi)):7.2f}")


if __name__ == "__main__":
    main()
