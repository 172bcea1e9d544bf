#!/usr/bin/env python3
"""Build the deployed model 2.2.2 (= 2.2.0's graph, protocol v6/v6.1, CARD.md, with 2.2.2's features): B1 = mean of 2.1.0's probabilities and T3 capped
(`rf_pd_ncsim_t200`, routed random forests with simulated no-counterpart rows, 200 trees per forest).

    /usr/bin/python3 models/source-classifier/blend.py

Inputs: mlp-2.1.0.onnx (2.1.0's exported networks, as train.py wrote them; sha256 checked against the card),
the training table, experiments/v6_1_results.json (the v6.1 evaluation). Fits T3's final model on all 2941 rows
(v6_candidates.Routed, seed 20221104 + 999 as in the v6 script's final fit), writes model.onnx (one graph: 2.1.0 +
both forests + routing + mean), card.json (version 2.2.2, sha256, figures from v6_1_results.json) and
fixtures/blend_fixture.json (Python T3 probabilities on fixed rows, for the onnxruntime-node parity test).
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
import time

import numpy as np
import onnx
import pandas as pd
import sklearn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import blend_common  # noqa: E402
import blend_onnx  # noqa: E402

spec = importlib.util.spec_from_file_location("v6_candidates", os.path.join(HERE, "experiments", "v6_candidates.py"))
V = importlib.util.module_from_spec(spec)
sys.modules["v6_candidates"] = V
spec.loader.exec_module(V)
T = V.T

VERSION = "2.2.2"
# The graph is 2.2.0's, byte for byte: 2.2.1 and 2.2.2 changed only the CSC2 -> feature extraction at ingest
# (FEATURES_2_2_1, FEATURES_2_2_2),
# so the graph's doc string and model_version keep 2.2.0 and model.onnx's sha256 does not change.
GRAPH_VERSION = "2.2.0"
FEATURES_2_2_1 = ("2.2.1 = 2.2.0's graph with the ingest features corrected: CSC2 band fluxes are now the mean of the "
                  "split-normal distribution given by flux_aper90_* and its limits (mode + sqrt(2/pi)(e_hi - e_lo)), "
                  "the definition of the training table's Fs/Fm/Fh (MUWCLASS flux2symmetric); 2.2.0 used the mode and "
                  "floored a band with mode 0 at 8e-18 instead of ~0.8 hilim, so half the sources of a faint field "
                  "(NGC 3532: 207 of 389) had hardness ratios of +-1 that no training row of their class has. The "
                  "cross-validation, external and simulated-pattern figures are unchanged (they use the training "
                  "tables' fluxes); the NGC 3532 check changes (CARD.md).")
FEATURES_2_2_2 = ("2.2.2 = 2.2.1 with the X-ray inputs averaged over observations as the training table defines them "
                  "(MUWCLASS prepare_library.cal_ave): per-observation split-normal band means, observations dropped by "
                  "apply_flags_filter (HRC, theta > 10', sat_src_flag, pileup_warning > 0.3, streak_src_flag, detection "
                  "shared by several master sources), inverse-variance weighted band means (cal_aveflux), P_inter = "
                  "chi-square CDF of the broad fluxes (cal_var), P_intra = max kp_prob_b over observations with all three "
                  "bands (missing otherwise, also for the master-row fallback, as in the table); a source without a "
                  "usable observation row keeps 2.2.1's master-level fluxes. Equal to MUWCLASS's IC2395_ave.csv for "
                  "all 100 averaged IC 2395 sources, and P_intra present exactly where MUWCLASS's published NGC 3532 "
                  "P_intra is (CARD.md).")
MLP_FILE = "mlp-2.1.0.onnx"
MLP_SHA256 = "096dbdee2352cbcd98002a805ece16533d753b9dd5fe3d2ff5ff79e0158fa8e1"  # model.onnx of 2.1.0 (card.json)
MLP_PRODUCER = "torch 1.13.0a0"  # 2.1.0's card.json onnx.producer
SEED = 20221104
N_NGC_FIXTURE = 60  # NGC 3532 rows in the parity fixture (plus every features_fixture case)


def graph_2_2(mlp_path: str, fit):
    """The deployed 2.2.x graph: the mean of 2.1.0's networks (mlp_path) and T3's capped routed forests (fit)."""
    doc = (f"{T.MODEL_NAME} {GRAPH_VERSION}: mean of 2.1.0's probabilities and T3 capped (routed random forests, "
           f"{V.CAPPED_TREES} trees each); see card.json")
    return blend_onnx.blend_model(onnx.load(mlp_path), fit.mw, fit.x, T.N_XRAY, T.N_FEATURES, T.N_CLASSES, doc)


def main() -> None:
    t0 = time.time()
    mlp_path = os.path.join(HERE, MLP_FILE)
    sha = T.sha256_file(mlp_path)
    if sha != MLP_SHA256:
        raise SystemExit(f"{MLP_FILE} sha256 {sha} is not 2.1.0's {MLP_SHA256}")
    td = pd.read_csv(os.path.join(T.REPO, "..", "shared", "data", "training", "muwclass_TD_yang2022.csv"))
    y = td["True_Class"].map({c: i for i, c in enumerate(T.CLASSES)}).to_numpy().astype(np.int64)
    meas, err = T.td_measurements(td), T.td_errors(td)
    Xa, Ma = T.augmented(meas, err, T.N_AUG, seed=SEED, redden_rows=(y == T.CLASSES.index("AGN")))
    fit = V.Routed(V.AMEND_V61, Xa, Ma, y, meas, err, SEED + 999)
    nodes = {"xray+mw": int(sum(e.tree_.node_count for e in fit.mw.estimators_)),
             "xray": int(sum(e.tree_.node_count for e in fit.x.estimators_))}
    print(f"[{time.time() - t0:6.1f}s] T3 capped final fit: {fit.n_train}, tree nodes {nodes}", flush=True)

    model_sha, model_bytes = blend_common.save_model(graph_2_2(mlp_path, fit), T, GRAPH_VERSION, HERE, t0)

    # parity fixture: the features_fixture cases (every photometry pattern, no-counterpart rows) + NGC 3532 rows
    ff = json.load(open(os.path.join(HERE, "fixtures", "features_fixture.json")))
    Xf = np.array([[np.nan if v is None else v for v in c["expected"]["features"]] for c in ff["cases"]], dtype=np.float64)
    Mf = np.array([c["expected"]["mask"] for c in ff["cases"]], dtype=np.float64)
    Xf, Mf = Xf[:, :T.N_FEATURES], Mf[:, :T.N_FEATURES]  # the fixture also holds av_gal (31st); 2.2.x takes 30
    _, _, _, Xn, Mn = T.ngc3532_inputs(os.path.join(T.REPO, "data", "sample", "muwclass_ngc3532_class.csv"),
                                       os.path.join(T.REPO, "data", "sample", "ngc3532_conesearch_per.csv"))
    X = np.concatenate([Xf, np.asarray(Xn)[:N_NGC_FIXTURE]])
    M = np.concatenate([Mf, np.asarray(Mn)[:N_NGC_FIXTURE]])
    X = np.where(M > 0.5, np.nan_to_num(X), 0.0).astype(np.float32)  # what features.ts writes (0 where masked)
    P = fit.predict(X.astype(np.float64), M)
    fixture = {"description": "T3 capped (sklearn, Python) probabilities on fixed rows: the first "
                              f"{len(Xf)} are features_fixture.json's cases, then {N_NGC_FIXTURE} NGC 3532 rows. "
                              "model.onnx must equal (mlp-2.1.0.onnx + p_t3) / 2 within 1e-5 (blend.py)",
               "classes": list(T.CLASSES), "n_fixture_cases": len(Xf),
               "features": X.tolist(), "mask": M.astype(np.float32).tolist(), "p_t3": P.tolist()}
    with open(os.path.join(HERE, "fixtures", "blend_fixture.json"), "w") as fh:
        json.dump(fixture, fh)

    card_path = os.path.join(HERE, "card.json")
    card = json.load(open(card_path))
    res_path = os.path.join(HERE, "experiments", "v6_1_results.json")
    res = json.load(open(res_path))
    sel, cv = res["selection"], res["cv"]
    card["version"] = VERSION
    card["feature_extraction"] = {"typescript": "models/source-classifier/features.ts",
                                  "spec": "models/source-classifier/features.json",
                                  "reference": "train.py observation_averages + csc_flux_measurements + "
                                               "features_from_measurements",
                                  "change_2_2_1": FEATURES_2_2_1, "change_2_2_2": FEATURES_2_2_2}
    card["monte_carlo"]["sampled"] = T.MC_SAMPLED
    card["model_sha256"], card["model_bytes"] = model_sha, model_bytes
    mlp_producer = MLP_PRODUCER
    card["onnx"] = {"opset": 17, "ml_opset": 3,
                    "producer": f"{mlp_producer} (2.1.0 networks) + onnx {onnx.__version__} "
                                f"helper TreeEnsembleClassifier (sklearn {sklearn.__version__} forests)"}
    card["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    card["blend"] = {
        "what": "probabilities = (p_2.1.0 + p_T3capped) / 2; decision argmax_c p_c / class_prior_c (unchanged)",
        "protocol": "v6 selection (B1 blend) + v6.1 amendment (T3 capped at 200 trees per forest for the ONNX size)",
        "build_command": "/usr/bin/python3 models/source-classifier/blend.py",
        "components": {
            "2.1.0": {"file": MLP_FILE, "sha256": MLP_SHA256, "onnx_producer": mlp_producer,
                      "note": "the MLP ensembles of 2.1.0 exactly as deployed before; the evaluation, calibration "
                              "and architecture sections of this card describe this component"},
            "t3_capped": {"kind": V.AMEND_V61, "trees_per_forest": V.CAPPED_TREES, "tree_nodes": nodes,
                          "training_rows": fit.n_train, "no_counterpart_class_mix": fit.nc_class_mix,
                          "routing": "rows with any MW feature (mask = 1) -> X-ray+MW forest on all 30 features, "
                                     "else X-ray-only forest on the X-ray features; missing -> -9999999",
                          "seed": SEED + 999}},
        "evaluation_v6_1": {
            "results_file": "experiments/v6_1_results.json", "n_boot": res["n_boot"],
            "S": sel["blend"], "S_2.1.0": sel["v2.1.0"],
            "cv_balanced_accuracy": cv["balanced_accuracy"]["blend"],
            "cv_balanced_accuracy_2.1.0": cv["balanced_accuracy"]["v2.1.0"],
            "cv_difference_vs_2.1.0": cv["differences"].get("blend - v2.1.0"),
            "g_j_w1_simulated": res["simulated_patterns_on_gjw_rows"]["balanced_accuracy"].get("blend_g_j_w1"),
            "external_2023": res["external_2023"]["balanced_accuracy"].get("blend"),
            "classwise_calibration_max_ece": res["classwise_calibration"]["blend"]["max_ece"],
            "ngc3532_check": res["ngc3532_check_selected"],
            "deployed": res["deployed"],
            "selection_bias": "B1 was selected among the v6 candidates on these outer folds; its figures are "
                              "biased upward"},
        "seconds": round(time.time() - t0, 1)}
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=2)
    print(f"[{time.time() - t0:6.1f}s] wrote card.json and fixtures/blend_fixture.json", flush=True)
    import xray_route  # the X-ray-only cut of the new model.onnx and its card.json entry (ingest runs both)
    xray_route.main()


if __name__ == "__main__":
    main()
