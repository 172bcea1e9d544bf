#!/usr/bin/env python3
"""Protocol v9 (CARD.md): photometry-pattern-routed models (R1-R3) on a FRESH outer split (StratifiedKFold
random_state 20261203), against the deployed 2.2.0 = mean(2.1.0, T3) refitted on the same fresh folds.

Every fitted component is v8's code (v8_candidates.py: 2.1.0 refit, T3 capped, T5, T6) with the same seeds; only
the outer folds change. The final fits on all 2941 rows (unit 10) do not depend on the folds, so v8's unit-10
cache is reused (symlinked into the v9 cache dir).

    # fill the per-unit cache (units 0-9 = fresh outer folds), at most 2 processes:
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only v2.1.0 --units 0 1 2 ...
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only t5 t6 --units ...
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only t200 --units ...
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --n-boot 1000
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


V8 = _load("v8_candidates", os.path.join(HERE, "v8_candidates.py"))
T, V7, V6 = V8.T, V8.V7, V8.V6
T_START = time.time()

FOLD_SEED = 20261203                  # protocol v9: fresh stratified 10-fold outer split
ROUTE_BANDS = {"G", "J", "W1"}        # protocol v9: route = non-empty band set within {G, J, W1}
AGN = V8.AGN
SETS = V8.SETS
METHODS = V8.METHODS                  # fitted components: v2.1.0, t200, t5, t6
CANDIDATES = ["R1", "R2", "R3"]
REF = "B1"
NAMES = {**V8.NAMES, "B1": "B1 = 2.2.0 (deployed; reference, fresh folds)",
         "R1": "R1 route G+J+W1 -> mean(2.1.0, T6), else 2.2.0",
         "R2": "R2 R1 + route calibration (cross-fitted)",
         "R3": "R3 route G+J+W1 -> T6, else 2.2.0"}


def load_data(data_dir: str, seed: int) -> dict:
    """v8's data and evaluation sets (a)-(d) (same seeds), with the outer folds replaced by the fresh v9 split."""
    D = V8.load_data(data_dir, seed)
    D["folds_v8"] = D["folds"]
    D["folds"] = list(StratifiedKFold(T.N_OUTER, shuffle=True, random_state=FOLD_SEED).split(D["Xa"][0], D["y"]))
    return D


def route(M: np.ndarray) -> np.ndarray:
    """Protocol v9 point 2: True where the union of the bands of the row's present MW features is non-empty and
    within {G, J, W1} (the pattern T6's extra copies were trained on, and of field tables like NGC 3532)."""
    present = M[:, :T.N_FEATURES][:, T.MW_IDX] > 0.5
    bands = [T.feature_bands(j) for j in T.MW_IDX]
    out = np.zeros(len(M), dtype=bool)
    for i in range(len(M)):
        if present[i].any():
            out[i] = set().union(*[bands[k] for k in np.flatnonzero(present[i])]) <= ROUTE_BANDS
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(T.REPO, "..", "shared", "data", "training"))
    ap.add_argument("--cache", default="/work/ml-cache/v9")
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20221104)
    ap.add_argument("--only", nargs="*", default=None, help="fit these methods only (cache) and exit")
    ap.add_argument("--units", nargs="*", type=int, default=None, help="with --only: units (0-9 fresh folds)")
    ap.add_argument("--no-card", action="store_true", help="development run: do not write results/card")
    ap.add_argument("--run-note", default="", help="what happened during the runs (written to the card)")
    args = ap.parse_args()
    T.torch.set_num_threads(1)
    T.torch.use_deterministic_algorithms(True)
    os.makedirs(args.cache, exist_ok=True)

    def log(msg):
        print(f"[{time.time() - T_START:7.1f}s {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)

    D = load_data(args.data_dir, args.seed)
    units = args.units if args.units is not None else list(range(T.N_OUTER + 1))
    if args.only is not None:
        for u in units:
            if u >= T.N_OUTER:
                raise SystemExit("unit 10 (final fit) is v8's cache, symlinked; not refitted")
            mem: dict = {}
            for name in args.only:
                V8.fill_unit(D, name, u, args.seed, args.cache, mem, log)
        log("--only: cache filled")
        return
    evaluate(D, args, log)


def evaluate(D, args, log):
    raise NotImplementedError("written after the protocol commit")


if __name__ == "__main__":
    main()
