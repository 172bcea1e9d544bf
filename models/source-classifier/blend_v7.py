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
import datetime as dt
import json
import os
import sys
import time

import numpy as np
import onnx
import sklearn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import blend  # noqa: E402  (2.1.0 component file and checks, v6 module)
import blend_onnx  # noqa: E402

V = blend.V
T = blend.T
_spec = blend.importlib.util.spec_from_file_location("v7_candidates", os.path.join(HERE, "experiments", "v7_candidates.py"))
V7 = blend.importlib.util.module_from_spec(_spec)
sys.modules["v7_candidates"] = V7
_spec.loader.exec_module(V7)

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
    model.producer_name = T.MODEL_NAME
    model.model_version = int(VERSION.split(".")[0])
    onnx_path = os.path.join(args.out_dir, "model.onnx")
    onnx.save(model, onnx_path)
    sha, nbytes = T.sha256_file(onnx_path), os.path.getsize(onnx_path)
    print(f"[{time.time() - t0:6.1f}s] wrote {onnx_path} ({nbytes} bytes), sha256 {sha}", flush=True)

    # parity fixture: features_fixture cases (av_gal missing) + NGC 3532 rows with av_gal from nh_gal + the same
    # NGC rows without it
    ff = json.load(open(os.path.join(HERE, "fixtures", "features_fixture.json")))
    Xf = np.array([c["expected"]["features"] for c in ff["cases"]], dtype=np.float64)
    Mf = np.array([c["expected"]["mask"] for c in ff["cases"]], dtype=np.float64)
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
    card = json.load(open(os.path.join(HERE, "card.json")))
    card["version"] = VERSION
    card["model_sha256"], card["model_bytes"] = sha, nbytes
    card["onnx"] = {"opset": 17, "ml_opset": 3,
                    "producer": f"{blend.MLP_PRODUCER} (2.1.0 networks) + onnx {onnx.__version__} helper "
                                f"TreeEnsembleClassifier (sklearn {sklearn.__version__} forests)"}
    for inp in card["inputs"]:
        inp["shape"] = ["N", width]
    if sight:
        spec = json.load(open(os.path.join(HERE, "features.json")))
        card["inputs"][0]["features"].append({k: spec["features"][-1][k] for k in
                                              ("name", "unit", "csc2_columns", "mw_inputs", "transform")})
    card["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    S = res["selection"]
    calib = res["classwise_calibration"][sel]["set_a"]
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
        "evaluation_v7": {
            "results_file": "experiments/v7_results.json", "n_boot": res["n_boot"], "S7": S[sel], "S7_2.2.0": S["B1"],
            "external_2023": res["external_2023"]["balanced_accuracy"][sel],
            "g_j_w1_minus_full": res["simulated_patterns_on_gjw_rows"]["differences"][f"{sel}_g_j_w1 - {sel}_full"],
            "classwise_calibration_max_ece": calib["max_ece"],
            "mean_p_over_freq": {c: v["ratio"] for c, v in calib["per_class"].items()},
            "ngc3532_check": res["ngc3532_check"]["selected"],
            "selection_bias": "selected among 4 candidates on these outer folds: figures biased upward"},
        "seconds": round(time.time() - t0, 1)}
    ev = card.setdefault("evaluation", {})
    ev.setdefault("metrics", {})
    ev["metrics"]["v7_outer_cv"] = {"S7": S[sel]["S7"], "S7_minus_2_2_0": S[sel]["diff_vs_ref"],
                                    "balanced_accuracy_as_is": S[sel]["bacc_a"],
                                    "balanced_accuracy_g_j_w1": S[sel]["bacc_b_gjw"],
                                    "balanced_accuracy_sightline": S[sel]["bacc_c_sightline"],
                                    "max_class_ece": calib["max_ece"],
                                    **{c: {"ece": v["ece"], "mean_p_over_freq": v["ratio"]}
                                       for c, v in calib["per_class"].items()}}
    ev["metrics"]["v7_external_2023"] = {"balanced_accuracy": res["external_2023"]["balanced_accuracy"][sel]["value"]}
    ng = res["ngc3532_check"]["selected"]
    ev["metrics"]["v7_ngc3532_check"] = {"agreement": ng["agreement"], "agreement_ct_ge_2": ng["agreement_ct_ge_2"],
                                         "muwclass_agn_as_agn": ng["muwclass_agn_as_agn"]}
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=2)
    print(f"[{time.time() - t0:6.1f}s] wrote card.json and fixtures/blend_fixture.json", flush=True)


if __name__ == "__main__":
    main()
