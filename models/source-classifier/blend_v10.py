#!/usr/bin/env python3
"""Build model 2.3.0 from the protocol v10 decision (CARD.md), if and only if experiments/v10_results.json selected
a candidate.

    /usr/bin/python3 models/source-classifier/blend_v10.py [--out-dir DIR]

2.3.0 = the deployed 2.2.x graph (2.1.0's networks + T3's two capped forests, mean; refitted exactly as blend.py, and
checked: the uncalibrated graph is rebuilt byte for byte as 2.2.x's model.onnx) with the selected calibration layer
appended inside the graph, so it acts on every Monte-Carlo draw before classify.ts's mean over draws:
K1/K2: p' = softmax(a log(clip(p, 1e-6, 1)) + b) on every row; K3: (a, b) of the row's group (routed = present MW
bands non-empty and within {G, J, W1} -> route scaling; every other row, with or without MW -> K1's scaling).
Writes model.onnx, card.json (version 2.3.0) and fixtures/blend_fixture.json (Python T3 probabilities and the
calibration, for the onnxruntime-node parity test). Nothing is retrained: the calibration parameters are the v10
final fit on all 10 folds' out-of-fold predictions (v10_results.json).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import blend  # noqa: E402  (2.2.x's components, constants and checks)
import blend_onnx  # noqa: E402
import blend_common  # noqa: E402

V = blend.V
T = blend.T
V10 = blend_common.candidates("v10")
V9 = V10.V9
V7 = V9.V7

VERSION = "2.3.0"
SEED = blend.SEED
BASE_SHA256 = "4c74bc7c42dd5b34503aa214387543e14643b0e5e989a81317acf307414b5cad"  # 2.2.x model.onnx (CARD.md)


def outside_route() -> np.ndarray:
    """[20 MW features, 1]: 1 if the feature uses a band outside {G, J, W1} (v9's route)."""
    return np.array([[0.0 if T.feature_bands(j) <= V9.ROUTE_BANDS else 1.0] for j in T.MW_IDX])


def group_of(M: np.ndarray) -> np.ndarray:
    """K3's group of each row (blend_onnx.with_group_calibration's numbering): 3 no MW feature, 2 routed, 1 other."""
    has_mw = (M[:, T.N_XRAY:T.N_FEATURES] > 0.5).any(1)
    return np.where(~has_mw, 3, np.where(V9.route(M), 2, 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=HERE)
    ap.add_argument("--dev-select", choices=V10.CANDIDATES, default=None,
                    help="export check only: build this candidate into --out-dir (not the model directory)")
    args = ap.parse_args()
    t0 = time.time()
    res = json.load(open(os.path.join(HERE, "experiments", "v10_results.json")))
    sel = res["selected"]
    if args.dev_select:
        if os.path.abspath(args.out_dir) == HERE:
            raise SystemExit("--dev-select writes a scratch build: give another --out-dir")
        sel = args.dev_select
    elif sel is None:
        raise SystemExit("protocol v10 selected no candidate: 2.2.2 stays deployed, nothing built")
    os.makedirs(os.path.join(args.out_dir, "fixtures"), exist_ok=True)
    mlp_path = os.path.join(HERE, blend.MLP_FILE)
    if T.sha256_file(mlp_path) != blend.MLP_SHA256:
        raise SystemExit(f"{blend.MLP_FILE} is not 2.1.0's")
    D = V9.load_data(os.path.join(T.REPO, "..", "shared", "data", "training"), SEED)
    y, meas, err, Xa, Ma = D["y"], D["meas"], D["err"], D["Xa"], D["Ma"]
    t3 = V.Routed(V.AMEND_V61, Xa, Ma, y, meas, err, SEED + 999)
    nodes = {"xray+mw": int(sum(e.tree_.node_count for e in t3.mw.estimators_)),
             "xray": int(sum(e.tree_.node_count for e in t3.x.estimators_))}
    print(f"[{time.time() - t0:6.1f}s] T3 capped final fit: tree nodes {nodes}", flush=True)

    # the uncalibrated graph exactly as blend.py writes it: must be 2.2.x's model.onnx byte for byte
    base = blend_common.stamp(blend.graph_2_2(mlp_path, t3), T, blend.GRAPH_VERSION)
    base_sha = hashlib.sha256(base.SerializeToString()).hexdigest()
    print(f"[{time.time() - t0:6.1f}s] uncalibrated graph sha256 {base_sha} (2.2.x: {BASE_SHA256}): "
          f"{'identical' if base_sha == BASE_SHA256 else 'DIFFERENT'}", flush=True)
    if base_sha != BASE_SHA256:
        raise SystemExit("the refitted 2.2.x graph is not the deployed one: not building 2.3.0 on it")

    cal = res["calibration_final_fit"][sel]
    ab = {g: (np.array(v["a"]), np.array(v["b"])) for g, v in cal.items() if isinstance(v, dict)}
    doc = (f"{T.MODEL_NAME} {VERSION}: 2.2.x graph (mean of 2.1.0 and T3 capped) + protocol v10 calibration {sel}; "
           "see card.json")
    if sel == "K3":
        groups = {1: ab["all"], 2: ab["route"], 3: ab["all"]}
        model = blend_onnx.with_group_calibration(base, groups, outside_route(), T.N_XRAY, T.N_FEATURES, V10.C.EPS, doc)
    else:
        model = blend_onnx.with_calibration(base, ab["all"][0], ab["all"][1], V10.C.EPS, doc)
    sha, nbytes = blend_common.save_model(model, T, VERSION, args.out_dir, t0)

    # parity fixture: features_fixture cases (every photometry pattern, no-counterpart rows), NGC 3532 rows as they
    # are (G+J+W1: routed), reduced to G+W1 (routed), and MW-masked (no counterpart)
    Xf, Mf = blend_common.fixture_cases()
    k = blend.N_NGC_FIXTURE
    w = T.N_FEATURES
    Xn, Mn = np.asarray(D["Xn"])[:k, :w], np.asarray(D["Mn"])[:k, :w]
    gw = np.array([1.0 if T.feature_bands(j) <= {"G", "W1"} else 0.0 for j in range(w)])
    X = np.concatenate([Xf[:, :w], Xn, Xn, Xn])
    M = np.concatenate([Mf[:, :w], Mn, Mn * gw, Mn * T.pattern_mask("none")[:w]])
    X = np.where(M > 0.5, np.nan_to_num(X), 0.0).astype(np.float32)
    P = t3.predict(X.astype(np.float64), M)
    grp = group_of(M)
    fixture = {"description": f"{VERSION} ({sel}) parity rows: the first {len(Xf)} are features_fixture.json's cases, "
                              f"then {k} NGC 3532 rows as they are, reduced to G+W1, and with the MW block masked. "
                              "p_forest = T3 capped (sklearn). model.onnx must equal calibrate((mlp-2.1.0.onnx + "
                              "p_forest) / 2) within 1e-5, calibrate(p) = softmax(a log(clip(p, eps, 1)) + b) with "
                              "'calibration' (K1, K2) or the row group's 'calibration_groups' entry (K3: 2 = routed, "
                              "1 and 3 = K1's scaling)",
               "version": VERSION, "selected": sel, "width": w, "classes": list(T.CLASSES),
               "n_fixture_cases": len(Xf), "features": X.tolist(), "mask": M.astype(np.float32).tolist(),
               "p_forest": P.tolist(), "eps": V10.C.EPS,
               "calibration": None if sel == "K3" else {**cal["all"], "eps": V10.C.EPS},
               "group": grp.tolist() if sel == "K3" else None,
               "calibration_groups": ({str(g): {"a": list(map(float, v[0])), "b": list(map(float, v[1]))}
                                       for g, v in groups.items()} if sel == "K3" else None)}
    with open(os.path.join(args.out_dir, "fixtures", "blend_fixture.json"), "w") as fh:
        json.dump(fixture, fh)

    card = blend_common.base_card(VERSION, sha, nbytes, w, blend.MLP_PRODUCER, append_av_gal=False)
    S = res["selection"]
    what = {"K1": "calibrate((p_2.1.0 + p_T3) / 2) on every row",
            "K2": "calibrate((p_2.1.0 + p_T3) / 2) on every row, a = 1 (bias only)",
            "K3": "calibrate_g((p_2.1.0 + p_T3) / 2), g = routed (present MW bands non-empty and within G, J, W1) or not"}
    card["blend"] = {
        "what": what[sel] + "; calibrate(p) = softmax(a log(clip(p, 1e-6, 1)) + b), inside the graph (per Monte-Carlo "
                            "draw, before the mean over draws); decision argmax_c p_c / class_prior_c (unchanged)",
        "protocol": f"v10 (CARD.md; v9's outer folds random_state {res['fold_random_state']}): {sel} selected by S9 among "
                    f"the candidates meeting criteria (i) and (ii) {res['meeting_criteria']}; S9 - S9(2.2.x) "
                    f"{S[sel]['diff_vs_ref']:+.4f} {S[sel]['diff_ci95']}",
        "build_command": "/usr/bin/python3 models/source-classifier/blend_v10.py",
        "components": {
            "2.1.0": {"file": blend.MLP_FILE, "sha256": blend.MLP_SHA256, "reads": "features 0-29"},
            "t3_capped": {"kind": V.AMEND_V61, "trees_per_forest": V.CAPPED_TREES, "tree_nodes": nodes,
                          "seed": SEED + 999},
            "uncalibrated_graph_sha256": base_sha,
            "calibration": {"candidate": sel, "fit": "train.py fit_vector_scaling (K2: bias only) on all 10 folds' "
                                                     "out-of-fold B1 predictions (protocol v10 point 2)", **cal}},
        "evaluation_v10": {**blend_common.evaluation(
            res, sel, "v10", "S9", "selected among the 3 candidates meeting (i) and (ii) on v9's folds: figures biased "
                                   f"upward (optimism estimate {res['selection_optimism']})"),
            "criteria": res["criteria"]["per_candidate"][sel],
            "classwise_calibration_set_d_max_ece": res["classwise_calibration"][sel]["set_d"]["max_ece"],
            "external_2023_calibration_max_ece": res["external_2023_calibration"][sel]["max_ece"]},
        "seconds": round(time.time() - t0, 1)}
    blend_common.record_metrics(card, res, sel, "v10", "S9", with_ci=True)
    with open(os.path.join(args.out_dir, "card.json"), "w") as fh:
        json.dump(card, fh, indent=2)
    print(f"[{time.time() - t0:6.1f}s] wrote card.json and fixtures/blend_fixture.json", flush=True)


if __name__ == "__main__":
    main()
