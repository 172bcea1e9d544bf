#!/usr/bin/env python3
"""Protocol v8 (CARD.md): models trained on reddened G+J+W1-reduced copies (T6) and calibration fitted per
photometry group (C5), evaluated against the deployed 2.2.0 (B1) on the same outer folds.

    # fill the per-unit cache (units 0-9 = outer folds, 10 = final fit), at most 2 processes:
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --only v2.1.0 --units 0 2 4 6 8 10
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --only t200 t5 t6 --units ...
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --n-boot 1000
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import pickle
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


V7 = _load("v7_candidates", os.path.join(HERE, "v7_candidates.py"))
T, V6 = V7.T, V7.V6
T_START = time.time()


def fitted_model(D: dict, name: str, u: int, seed: int, cache: str):
    """The fitted model of one unit (u = 0..9 outer fold, 10 = all rows), pickled in cache/v8model_NAME_uU.pkl.
    2.1.0 = train.py fit_model on the training fold (as v6/v7)."""
    path = os.path.join(cache, f"v8model_{name}_u{u}.pkl")
    if os.path.exists(path):
        with open(path, "rb") as fh:
            return pickle.load(fh)
    t = time.time()
    y, Xa, Ma, n = D["y"], D["Xa"], D["Ma"], len(D["y"])
    tr = D["folds"][u][0] if u < T.N_OUTER else np.arange(n)
    s = seed + (u if u < T.N_OUTER else 999)
    if name == "v2.1.0":
        model = T.fit_model(Xa[:, tr], Ma[:, tr], y[tr], seed=s, log=lambda m: None)
    else:
        raise ValueError(name)
    model.fit_seconds = time.time() - t
    with open(path + ".tmp", "wb") as fh:
        pickle.dump(model, fh)
    os.replace(path + ".tmp", path)
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(T.REPO, "..", "shared", "data", "training"))
    ap.add_argument("--cache", default="/work/ml-cache")
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20221104)
    ap.add_argument("--only", nargs="*", default=None, help="fit these methods only (cache) and exit")
    ap.add_argument("--units", nargs="*", type=int, default=None, help="with --only: units (0-9 folds, 10 final fit)")
    args = ap.parse_args()
    T.torch.set_num_threads(1)
    T.torch.use_deterministic_algorithms(True)
    os.makedirs(args.cache, exist_ok=True)

    def log(msg):
        print(f"[{time.time() - T_START:7.1f}s {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)

    D = V7.load_data(args.data_dir, args.seed)
    units = args.units if args.units is not None else list(range(T.N_OUTER + 1))
    if args.only is not None:
        for name in args.only:
            for u in units:
                m = fitted_model(D, name, u, args.seed, args.cache)
                log(f"{name} unit {u} fitted ({getattr(m, 'fit_seconds', 0):.0f} s)")
        log("--only: cache filled")
        return


if __name__ == "__main__":
    main()
