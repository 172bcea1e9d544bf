#!/usr/bin/env python3
"""Build model 2.3.0 from the protocol v7 decision (CARD.md), if and only if experiments/v7_results.json says deploy.

    /usr/bin/python3 models/source-classifier/blend_v7.py [--out-dir DIR]

The selected candidate decides the graph: C1 = 2.2.0's blend + calibration (30 inputs); B2 / C3 = mean of 2.1.0
(`mlp-2.1.0.onnx`, first 30 features) and T5 (sightline forests, 31 inputs incl. av_gal), C3 with calibration; T5 =
the forests alone. The forests are refitted on all 2941 rows with the final-fit seed (20221104 + 999) exactly as the
v7 script's final fit; the calibration is the v7 fit on all out-of-fold predictions (v7_results.json). Writes
model.onnx, card.json (version 2.3.0) and fixtures/blend_fixture.json (Python forest probabilities and the
calibration on fixed rows, incl. NGC 3532 rows with av_gal from nh_gal) for the onnxruntime-node parity test.
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
V7 = blend_common.candidates("v7")

VERSION = "2.3.0"
SEED = blend.SEED


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=HERE)
    args = ap.parse_args()
    t0 = time.time()
    res = json.load(open(os.path.join(HERE, "experiments", "v7_results.json")))
    sel = res["selected"]
    if not res["deploy"]:
        raise SystemExit(f"protocol v7 does not deploy ({res['decision']}): nothing built")
    mlp_path = os.path.join(HERE, blend.MLP_FILE)
    if T.sha256_file(mlp_path) != blend.MLP_SHA256:
        raise SystemExit(f"{blend.MLP_FILE} is not 2.1.0's")
    D = V7.load_data(os.path.join(T.REPO, "..", "shared", "data", "training"), SEED)
    y, meas, err = D["y"], D["meas"], D["err"]
    sight = sel in ("B2", "C3", "t5")
    if sight:
        Xa5, Ma5 = V7.augmented_sightline(meas, err, y, T.N_AUG, SEED)
        fit = V7.RoutedSightline(Xa5, Ma5, y, meas, err, SEED + 999)
        width = V7.N_FEATURES_V7
    else:
        fit = V.Routed(V.AMEND_V61, D["Xa"], D["Ma"], y, meas, err, SEED + 999)
        width = T.N_FEATURES
    nodes = {"xray+mw": int(sum(e.tree_.node_count for e in fit.mw.estimators_)),
             "xray": int(sum(e.tree_.node_count for e in fit.x.estimators_))}
    print(f"[{time.time() - t0:6.1f}s] final forests ({'T5' if sight else 'T3 capped'}): tree nodes {nodes}", flush=True)
    # check: the refit gives the v7 script's cached final-fit probabilities (external set)
    cached = np.load(os.path.join("/work/ml-cache" if os.path.isdir("/work/ml-cache") else HERE,
                                  f"{'t5' if sight else 't200'}_u10.npz"))
    pext = fit.predict(*((V7.with_av(D["Xe"], D["Me"], None)) if sight else (D["Xe"], D["Me"])))
    print(f"[{time.time() - t0:6.1f}s] max |refit - cached final fit| on the 2023 set: "
          f"{float(np.abs(pext - cached['Pext']).max()):.2e}", flush=True)

    doc = f"{T.MODEL_NAME} {VERSION}: protocol v7 candidate {sel}; see card.json"
    mlp = onnx.load(mlp_path)
    model = blend_onnx.blend_model(mlp, fit.mw, fit.x, T.N_XRAY, T.N_FEATURES, T.N_CLASSES, doc, n_inputs=width)
    cal = res["calibration_final_fit"].get(sel)
    if sel in ("C1", "C3"):
        model = blend_onnx.with_calibration(model, np.array(cal["a"]), np.array(cal["b"]), V7.EPS, doc)
    if sel == "t5":
        raise SystemExit("T5 alone (forests without 2.1.0) is not implemented as an export")
    sha, nbytes = blend_common.save_model(model, T, VERSION, args.out_dir, t0)

    # parity fixture: features_fixture cases (av_gal missing) + NGC 3532 rows with av_gal from nh_gal + the same
    # NGC rows without it
    Xf, Mf = blend_common.fixture_cases()
    Xn, Mn = V7.with_av(D["Xn"][:blend.N_NGC_FIXTURE], D["Mn"][:blend.N_NGC_FIXTURE], D["av_n"][:blend.N_NGC_FIXTURE])
    Xn0, Mn0 = V7.with_av(D["Xn"][:blend.N_NGC_FIXTURE], D["Mn"][:blend.N_NGC_FIXTURE], None)
    X = np.concatenate([Xf, Xn, Xn0])[:, :width]
    M = np.concatenate([Mf, Mn, Mn0])[:, :width]
    X = np.where(M > 0.5, X, 0.0).astype(np.float32)
    P = fit.predict(X.astype(np.float64), M)
    fixture = {"description": f"{VERSION} ({sel}) parity rows: the first {len(Xf)} are features_fixture.json's cases, "
                              f"then {blend.N_NGC_FIXTURE} NGC 3532 rows with av_gal from nh_gal, then the same rows "
                              "without it. p_forest = the forests' (sklearn) probabilities; model.onnx must equal "
                              "calibrate((mlp-2.1.0.onnx(first 30 features) + p_forest) / 2) within 1e-5, with "
                              "calibrate(p) = softmax(a log(clip(p, eps, 1)) + b) (identity when calibration is null)",
               "version": VERSION, "selected": sel, "width": width, "classes": list(T.CLASSES),
               "n_fixture_cases": len(Xf), "features": X.tolist(), "mask": M.astype(np.float32).tolist(),
               "p_forest": P.tolist(), "calibration": ({"a": cal["a"], "b": cal["b"], "eps": V7.EPS}
                                                      if sel in ("C1", "C3") else None)}
    with open(os.path.join(args.out_dir, "fixtures", "blend_fixture.json"), "w") as fh:
        json.dump(fixture, fh)

    card_path = os.path.join(args.out_dir, "card.json")
    card = blend_common.base_card(VERSION, sha, nbytes, width, blend.MLP_PRODUCER, append_av_gal=sight)
    card["blend"] = {
        "what": {"C1": "calibrate((p_2.1.0 + p_T3capped) / 2)", "B2": "(p_2.1.0 + p_T5) / 2",
                 "C3": "calibrate((p_2.1.0 + p_T5) / 2)"}[sel]
        + "; calibrate(p) = softmax(a log(clip(p, 1e-6, 1)) + b) per class; decision argmax_c p_c / class_prior_c",
        "protocol": "v7 (CARD.md): selected " + sel + " by S7; " + res["decision"],
        "build_command": "/usr/bin/python3 models/source-classifier/blend_v7.py",
        "components": {
            "2.1.0": {"file": blend.MLP_FILE, "sha256": blend.MLP_SHA256, "reads": "features 0-29"},
            "forests": {"kind": "T5 (T3 trained with sightlines, av_gal a feature)" if sight else V.AMEND_V61,
                        "trees_per_forest": V.CAPPED_TREES, "tree_nodes": nodes, "seed": SEED + 999},
            "calibration": cal if sel in ("C1", "C3") else None},
        "evaluation_v7": blend_common.evaluation(
            res, sel, "v7", "S7", "selected among 4 candidates on these outer folds: figures biased upward"),
        "seconds": round(time.time() - t0, 1)}
    blend_common.record_metrics(card, res, sel, "v7", "S7", with_ci=False)
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=2)
    print(f"[{time.time() - t0:6.1f}s] wrote card.json and fixtures/blend_fixture.json", flush=True)


if __name__ == "__main__":
    main()
