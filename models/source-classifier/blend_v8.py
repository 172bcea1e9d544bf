#!/usr/bin/env python3
"""Build model 2.3.0 from the protocol v8 decision (CARD.md), if and only if experiments/v8_results.json says deploy.

    /usr/bin/python3 models/source-classifier/blend_v8.py [--out-dir DIR]

The selected candidate decides the graph (31 inputs incl. av_gal): B2 = mean of 2.1.0 (`mlp-2.1.0.onnx`, first 30
features) and T5 (v7 sightline forests); B3 = mean of 2.1.0 and T6 (T5 + reddened G+J+W1 copies); C5 = B3 + per-class
vector scaling chosen by the row's photometry group (computed in the graph from the mask). The forests are refitted
on all 2941 rows with the final-fit seed (20221104 + 999) exactly as the v8 script's final fit; the calibration is
the v8 fit on all out-of-fold predictions (v8_results.json). Writes model.onnx, card.json (version 2.3.0) and
fixtures/blend_fixture.json (Python forest probabilities, per-row photometry group and the calibration on fixed
rows, incl. NGC 3532 rows with av_gal from nh_gal) for the onnxruntime-node parity test.
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
V8 = blend_common.candidates("v8")
V7 = V8.V7

VERSION = "2.3.0"
SEED = blend.SEED


def outside_matrix() -> np.ndarray:
    """[20 MW features, 4 band sets]: 1 if the feature uses a band outside the set (Gaia, 2MASS, WISE, G+J+W1)."""
    sets = [V.SURVEYS["Gaia"], V.SURVEYS["2MASS"], V.SURVEYS["WISE"], V8.GJW_BANDS]
    return np.array([[0.0 if T.feature_bands(j) <= s else 1.0 for s in sets] for j in T.MW_IDX])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=HERE)
    ap.add_argument("--dev-select", choices=["B2", "B3", "C5"], default=None,
                    help="export check only: build this (not deployed) candidate into --out-dir (must not be the "
                         "model directory) regardless of the v8 decision")
    args = ap.parse_args()
    t0 = time.time()
    res = json.load(open(os.path.join(HERE, "experiments", "v8_results.json")))
    sel = res["selected"]
    if args.dev_select:
        if os.path.abspath(args.out_dir) == HERE:
            raise SystemExit("--dev-select writes a scratch build: give another --out-dir")
        sel = args.dev_select
        os.makedirs(os.path.join(args.out_dir, "fixtures"), exist_ok=True)
    elif not res["deploy"]:
        raise SystemExit(f"protocol v8 does not deploy ({res['decision']}): nothing built")
    if sel == "t6":
        raise SystemExit("T6 alone (forests without 2.1.0) is not implemented as an export")
    mlp_path = os.path.join(HERE, blend.MLP_FILE)
    if T.sha256_file(mlp_path) != blend.MLP_SHA256:
        raise SystemExit(f"{blend.MLP_FILE} is not 2.1.0's")
    D = V8.load_data(os.path.join(T.REPO, "..", "shared", "data", "training"), SEED)
    y, meas, err = D["y"], D["meas"], D["err"]
    Xa5, Ma5 = V7.augmented_sightline(meas, err, y, T.N_AUG, SEED)
    t5 = V7.RoutedSightline(Xa5, Ma5, y, meas, err, SEED + 999)
    fit = t5 if sel == "B2" else V8.RoutedGJW(t5, Xa5, Ma5, y, SEED + 999)
    width = V7.N_FEATURES_V7
    nodes = {"xray+mw": int(sum(e.tree_.node_count for e in fit.mw.estimators_)),
             "xray": int(sum(e.tree_.node_count for e in fit.x.estimators_))}
    kind = {"B2": "T5", "B3": "T6", "C5": "T6"}[sel]
    print(f"[{time.time() - t0:6.1f}s] final forests ({kind}): tree nodes {nodes}", flush=True)
    # check: the refit gives the v8 script's cached final-fit probabilities (external set)
    cache = os.path.join("/work/ml-cache", f"v8_{kind.lower()}_u10.npz")
    if os.path.exists(cache):
        pext = fit.predict(*V7.with_av(D["Xe"], D["Me"], None))
        print(f"[{time.time() - t0:6.1f}s] max |refit - cached final fit| on the 2023 set: "
              f"{float(np.abs(pext - np.load(cache)['Pext']).max()):.2e}", flush=True)

    doc = f"{T.MODEL_NAME} {VERSION}: protocol v8 candidate {sel}; see card.json"
    model = blend_onnx.blend_model(onnx.load(mlp_path), fit.mw, fit.x, T.N_XRAY, T.N_FEATURES, T.N_CLASSES, doc,
                                   n_inputs=width)
    cal = res["calibration_final_fit"]["C5"] if sel == "C5" else None
    if cal is not None:
        groups = {k: (np.array(cal["groups"][V8.GROUP_NAMES[k]]["a"]), np.array(cal["groups"][V8.GROUP_NAMES[k]]["b"]))
                  for k in (1, 2, 3)}
        model = blend_onnx.with_group_calibration(model, groups, outside_matrix(), T.N_XRAY, T.N_FEATURES, V8.EPS, doc)
    sha, nbytes = blend_common.save_model(model, T, VERSION, args.out_dir, t0)

    # parity fixture: features_fixture cases + NGC 3532 rows with av_gal from nh_gal + the same
    # NGC rows without it + G+J+W1-reduced NGC rows (group 2) + MW-masked NGC rows (group 3)
    Xf, Mf = blend_common.fixture_cases()  # features_fixture cases carry all 31 features (av_gal since v7)
    k = blend.N_NGC_FIXTURE
    Xn, Mn = V7.with_av(D["Xn"][:k], D["Mn"][:k], D["av_n"][:k])
    Xn0, Mn0 = V7.with_av(D["Xn"][:k], D["Mn"][:k], None)
    X = np.concatenate([Xf, Xn, Xn0, Xn, Xn])[:, :width]
    M = np.concatenate([Mf, Mn, Mn0, Mn * V7.pattern_mask31("g_j_w1"), Mn * V7.pattern_mask31("none")])[:, :width]
    X = np.where(M > 0.5, X, 0.0).astype(np.float32)
    P = fit.predict(X.astype(np.float64), M)
    grp = V8.photometry_group(M)
    fixture = {"description": f"{VERSION} ({sel}) parity rows: the first {len(Xf)} are features_fixture.json's cases, "
                              f"then {k} NGC 3532 rows with av_gal from nh_gal, the same rows without it, reduced to "
                              "G+J+W1, and with the MW block masked. p_forest = the forests' (sklearn) probabilities; "
                              "model.onnx must equal calibrate_g((mlp-2.1.0.onnx(first 30 features) + p_forest) / 2) "
                              "within 1e-5, calibrate_g(p) = softmax(a_g log(clip(p, eps, 1)) + b_g) with g = group[i] "
                              "(Python photometry_group; identity when calibration is null)",
               "version": VERSION, "selected": sel, "width": width, "classes": list(T.CLASSES),
               "n_fixture_cases": len(Xf), "features": X.tolist(), "mask": M.astype(np.float32).tolist(),
               "p_forest": P.tolist(), "group": grp.tolist(), "calibration": None,
               "calibration_groups": (None if cal is None else
                                      {str(g): {"a": cal["groups"][V8.GROUP_NAMES[g]]["a"],
                                                "b": cal["groups"][V8.GROUP_NAMES[g]]["b"]} for g in (1, 2, 3)}),
               "eps": V8.EPS}
    with open(os.path.join(args.out_dir, "fixtures", "blend_fixture.json"), "w") as fh:
        json.dump(fixture, fh)

    card_path = os.path.join(args.out_dir, "card.json")
    card = blend_common.base_card(VERSION, sha, nbytes, width, blend.MLP_PRODUCER)
    card["blend"] = {
        "what": {"B2": "(p_2.1.0 + p_T5) / 2", "B3": "(p_2.1.0 + p_T6) / 2",
                 "C5": "calibrate_group((p_2.1.0 + p_T6) / 2)"}[sel]
        + "; calibrate_group(p) = softmax(a_g log(clip(p, 1e-6, 1)) + b_g) per class, g = photometry group of the "
          "row (1 full/other, 2 partial: bands within one survey or within G+J+W1, 3 no counterpart); decision "
          "argmax_c p_c / class_prior_c",
        "protocol": "v8 (CARD.md): selected " + sel + " by S8; " + res["decision"],
        "build_command": "/usr/bin/python3 models/source-classifier/blend_v8.py",
        "components": {
            "2.1.0": {"file": blend.MLP_FILE, "sha256": blend.MLP_SHA256, "reads": "features 0-29"},
            "forests": {"kind": {"T5": "T5 (T3 trained with sightlines, av_gal a feature)",
                                 "T6": "T6 (T5 + sightline Monte-Carlo copies 1..7 of the G+J+W1 rows reduced to "
                                       "G+J+W1)"}[kind],
                        "trees_per_forest": V.CAPPED_TREES, "tree_nodes": nodes, "seed": SEED + 999},
            "calibration": cal},
        "evaluation_v8": blend_common.evaluation(
            res, sel, "v8", "S8", "selected among 4 candidates on these outer folds: figures biased upward "
                                  f"(optimism estimate {res['selection_optimism']})"),
        "seconds": round(time.time() - t0, 1)}
    metrics = blend_common.record_metrics(card, res, sel, "v8", "S8", with_ci=True)
    for key in [k2 for k2 in metrics if k2.startswith("v7_")]:  # v8 replaces v7's figures
        del metrics[key]
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=2)
    print(f"[{time.time() - t0:6.1f}s] wrote card.json and fixtures/blend_fixture.json", flush=True)


if __name__ == "__main__":
    main()
