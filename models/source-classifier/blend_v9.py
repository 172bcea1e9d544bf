#!/usr/bin/env python3
"""Build model 2.3.0 from the protocol v9 decision (CARD.md), if and only if experiments/v9_results.json says deploy.

    /usr/bin/python3 models/source-classifier/blend_v9.py [--out-dir DIR]

One ONNX graph (31 inputs incl. av_gal) holding 2.1.0 (`mlp-2.1.0.onnx`), T3's two capped forests (2.2.0's, refitted
exactly as blend.py) and T6's X-ray+MW forest (refitted exactly as blend_v8.py / the v8 final fit). Each row is routed
inside the graph from its mask: rows whose present MW features only use bands within {G, J, W1} (and have at least
one) get the selected candidate's route (R1: (p_2.1.0 + p_T6) / 2; R2: the same, vector-scaled with the v9 fit on
all out-of-fold predictions; R3: p_T6), every other row gets 2.2.0's (p_2.1.0 + p_T3) / 2. Writes model.onnx,
card.json (version 2.3.0) and fixtures/blend_fixture.json (Python forest probabilities and Python's route of every
fixture row, incl. NGC 3532 rows as they are (routed), with full photometry removed/added and MW-masked) for the
onnxruntime-node parity test.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import blend  # noqa: E402  (2.1.0 component file and checks, v6 module)
import blend_onnx  # noqa: E402
import blend_common  # noqa: E402

V = blend.V
T = blend.T
V9 = blend_common.candidates("v9")
V8, V7 = V9.V8, V9.V7

VERSION = "2.3.0"
SEED = blend.SEED
SIZE_CAP = 45_000_000  # protocol v9 point 5


def outside_route() -> np.ndarray:
    """[20 MW features]: 1 if the feature uses a band outside {G, J, W1}."""
    return np.array([0.0 if T.feature_bands(j) <= V9.ROUTE_BANDS else 1.0 for j in T.MW_IDX])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=HERE)
    ap.add_argument("--dev-select", choices=["R1", "R2", "R3"], default=None,
                    help="export check only: build this candidate into --out-dir (not the model directory)")
    args = ap.parse_args()
    t0 = time.time()
    res = json.load(open(os.path.join(HERE, "experiments", "v9_results.json")))
    sel = res["selected"]
    if args.dev_select:
        if os.path.abspath(args.out_dir) == HERE:
            raise SystemExit("--dev-select writes a scratch build: give another --out-dir")
        sel = args.dev_select
    elif not res["beats_ref"]:
        raise SystemExit(f"protocol v9: {sel} does not beat 2.2.0 (CI lower bound <= 0): nothing built")
    os.makedirs(os.path.join(args.out_dir, "fixtures"), exist_ok=True)
    mlp_path = os.path.join(HERE, blend.MLP_FILE)
    if T.sha256_file(mlp_path) != blend.MLP_SHA256:
        raise SystemExit(f"{blend.MLP_FILE} is not 2.1.0's")
    D = V8.load_data(os.path.join(T.REPO, "..", "shared", "data", "training"), SEED)
    y, meas, err, Xa, Ma = D["y"], D["meas"], D["err"], D["Xa"], D["Ma"]
    t3 = V.Routed(V.AMEND_V61, Xa, Ma, y, meas, err, SEED + 999)
    Xa5, Ma5 = V7.augmented_sightline(meas, err, y, T.N_AUG, SEED)
    t5 = V7.RoutedSightline(Xa5, Ma5, y, meas, err, SEED + 999)
    t6 = V8.RoutedGJW(t5, Xa5, Ma5, y, SEED + 999)
    nodes = {"t3_xray+mw": int(sum(e.tree_.node_count for e in t3.mw.estimators_)),
             "t3_xray": int(sum(e.tree_.node_count for e in t3.x.estimators_)),
             "t6_xray+mw": int(sum(e.tree_.node_count for e in t6.mw.estimators_))}
    print(f"[{time.time() - t0:6.1f}s] final forests: tree nodes {nodes}", flush=True)
    # check: the refits give the v8 script's cached final-fit probabilities (external set)
    for name, fit, width in (("t200", t3, T.N_FEATURES), ("t6", t6, None)):
        cache = os.path.join("/work/ml-cache", f"v8_{name}_u10.npz")
        if os.path.exists(cache):
            Xe, Me = V7.with_av(D["Xe"], D["Me"], None)
            pe = fit.predict(Xe[:, :width], Me[:, :width]) if width else fit.predict(Xe, Me)
            print(f"[{time.time() - t0:6.1f}s] {name}: max |refit - cached final fit| on the 2023 set: "
                  f"{float(np.abs(pe - np.load(cache)['Pext']).max()):.2e}", flush=True)

    cal = res["calibration_final_fit"]["R2"] if sel == "R2" else None
    mode = "forest" if sel == "R3" else "blend"
    doc = f"{T.MODEL_NAME} {VERSION}: protocol v9 candidate {sel} (routed by photometry pattern); see card.json"
    width = V7.N_FEATURES_V7
    model = blend_onnx.routed_model(onnx.load(mlp_path), t3.mw, t3.x, t6.mw, outside_route(), T.N_XRAY,
                                    T.N_FEATURES, width, T.N_CLASSES, mode,
                                    None if cal is None else (np.array(cal["a"]), np.array(cal["b"])), V8.EPS, doc)
    sha, nbytes = blend_common.save_model(model, T, VERSION, args.out_dir, t0)
    if nbytes > SIZE_CAP:
        print(f"SIZE CAP EXCEEDED: {nbytes} > {SIZE_CAP} (protocol v9 point 5): not deployable", flush=True)

    # parity fixture: features_fixture cases + NGC 3532 rows (av_gal from nh_gal; as they are = routed G+J+W1),
    # the same rows without av_gal, reduced to G+W1 (routed), with the MW block masked (not routed) and the
    # features_fixture cases (mixed) -- both routes and every forest of the graph are exercised
    Xf, Mf = blend_common.fixture_cases()
    k = blend.N_NGC_FIXTURE
    Xn, Mn = V7.with_av(D["Xn"][:k], D["Mn"][:k], D["av_n"][:k])
    Xn0, Mn0 = V7.with_av(D["Xn"][:k], D["Mn"][:k], None)
    gw = np.array([1.0 if T.feature_bands(j) <= {"G", "W1"} else 0.0 for j in range(T.N_FEATURES)] + [1.0])
    X = np.concatenate([Xf, Xn, Xn0, Xn, Xn])[:, :width]
    M = np.concatenate([Mf, Mn, Mn0, Mn * gw, Mn * V7.pattern_mask31("none")])[:, :width]
    X = np.where(M > 0.5, X, 0.0).astype(np.float32)
    r = V9.route(M)
    X64 = X.astype(np.float64)
    P = np.where(r[:, None], t6.predict(X64, M), t3.predict(X64[:, :T.N_FEATURES], M[:, :T.N_FEATURES]))
    fixture = {"description": f"{VERSION} ({sel}) parity rows: the first {len(Xf)} are features_fixture.json's cases, "
                              f"then {k} NGC 3532 rows with av_gal from nh_gal, the same rows without it, reduced to "
                              "G+W1, and with the MW block masked. routed = Python's v9 route (bands within G+J+W1); "
                              "p_forest = T6 (sklearn) on routed rows, T3 on the others. model.onnx must equal, within "
                              "1e-5: not routed (p_2.1.0 + p_forest) / 2; routed route_mode 'blend' (p_2.1.0 + p_forest) "
                              "/ 2 or 'forest' p_forest, then softmax(a log(clip(p, eps, 1)) + b) if route_calibration",
               "version": VERSION, "selected": sel, "width": width, "classes": list(T.CLASSES),
               "n_fixture_cases": len(Xf), "features": X.tolist(), "mask": M.astype(np.float32).tolist(),
               "p_forest": P.tolist(), "routed": r.tolist(), "route_mode": mode,
               "route_calibration": None if cal is None else {"a": cal["a"], "b": cal["b"]}, "eps": V8.EPS}
    with open(os.path.join(args.out_dir, "fixtures", "blend_fixture.json"), "w") as fh:
        json.dump(fixture, fh)

    card = blend_common.base_card(VERSION, sha, nbytes, width, blend.MLP_PRODUCER)
    S = res["selection"]
    route_what = {"R1": "(p_2.1.0 + p_T6) / 2", "R2": "calibrate((p_2.1.0 + p_T6) / 2)", "R3": "p_T6"}[sel]
    card["blend"] = {
        "what": f"routed rows (present MW features use only bands within G, J, W1; at least one): {route_what}; other "
                "rows: (p_2.1.0 + p_T3) / 2 as 2.2.0; calibrate(p) = softmax(a log(clip(p, 1e-6, 1)) + b); decision "
                "argmax_c p_c / class_prior_c",
        "protocol": f"v9 (CARD.md, fresh outer folds random_state {res['fold_random_state']}): selected {sel} by S9; "
                    f"S9 - S9(2.2.0) {S[sel]['diff_vs_ref']:+.4f} {S[sel]['diff_ci95']}",
        "build_command": "/usr/bin/python3 models/source-classifier/blend_v9.py",
        "components": {
            "2.1.0": {"file": blend.MLP_FILE, "sha256": blend.MLP_SHA256, "reads": "features 0-29"},
            "t3": {"kind": V.AMEND_V61, "trees_per_forest": V.CAPPED_TREES, "reads": "features 0-29",
                   "seed": SEED + 999},
            "t6": {"kind": "T6 X-ray+MW forest (T5 + sightline Monte-Carlo copies 1..7 of the G+J+W1 rows reduced to "
                           "G+J+W1)", "trees": V.CAPPED_TREES, "reads": "features 0-30", "seed": SEED + 999},
            "tree_nodes": nodes, "route_calibration": cal},
        "evaluation_v9": blend_common.evaluation(
            res, sel, "v9", "S9", "designed after v8 on the same 2941 sources; selected among 3 candidates on the "
                                  f"fresh outer folds: figures biased upward (optimism estimate {res['selection_optimism']})"),
        "seconds": round(time.time() - t0, 1)}
    blend_common.record_metrics(card, res, sel, "v9", "S9", with_ci=True)
    with open(os.path.join(args.out_dir, "card.json"), "w") as fh:
        json.dump(card, fh, indent=2)
    print(f"[{time.time() - t0:6.1f}s] wrote card.json and fixtures/blend_fixture.json", flush=True)


if __name__ == "__main__":
    main()
