"""Pieces blend_v7.py, blend_v8.py and blend_v9.py share (a 2.3.0 build from one protocol's decision): importing
the protocol's experiments script, the parity fixture's features_fixture rows, the card.json fields every build
sets, and the evaluation figures the card records. Moved from the three scripts unchanged in what they write."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time

import numpy as np
import onnx
import sklearn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "experiments"))
import common as EC  # noqa: E402  (experiments/common.py)


def candidates(version: str):
    """experiments/<version>_candidates.py, imported as module <version>_candidates."""
    return EC.load(f"{version}_candidates", os.path.join(HERE, "experiments", f"{version}_candidates.py"))


def fixture_cases() -> tuple[np.ndarray, np.ndarray]:
    """features_fixture.json's cases: features (null -> 0) and mask, float64."""
    ff = json.load(open(os.path.join(HERE, "fixtures", "features_fixture.json")))
    Xf = np.array([[np.nan if v is None else v for v in c["expected"]["features"]] for c in ff["cases"]], dtype=np.float64)
    Mf = np.array([c["expected"]["mask"] for c in ff["cases"]], dtype=np.float64)
    return np.nan_to_num(Xf), Mf


def base_card(version: str, sha: str, nbytes: int, width: int, mlp_producer: str,
              append_av_gal: bool | None = None) -> dict:
    """The model directory's card.json with what every build sets: version, model hash and size, ONNX producer,
    input width, av_gal's feature entry (appended when append_av_gal; None = when the inputs are fewer than
    width), date."""
    card = json.load(open(os.path.join(HERE, "card.json")))
    card["version"] = version
    card["model_sha256"], card["model_bytes"] = sha, nbytes
    card["onnx"] = {"opset": 17, "ml_opset": 3,
                    "producer": f"{mlp_producer} (2.1.0 networks) + onnx {onnx.__version__} helper "
                                f"TreeEnsembleClassifier (sklearn {sklearn.__version__} forests)"}
    for inp in card["inputs"]:
        inp["shape"] = ["N", width]
    if append_av_gal is None:
        append_av_gal = len(card["inputs"][0]["features"]) < width
    if append_av_gal:
        spec = json.load(open(os.path.join(HERE, "features.json")))
        card["inputs"][0]["features"].append({k: spec["features"][-1][k] for k in
                                              ("name", "unit", "csc2_columns", "mw_inputs", "transform")})
    card["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return card


def evaluation(res: dict, sel: str, version: str, score: str, selection_bias: str) -> dict:
    """card.blend.evaluation_<version>: the selected candidate's figures from <version>_results.json."""
    S = res["selection"]
    calib = res["classwise_calibration"][sel]["set_a"]
    return {"results_file": f"experiments/{version}_results.json", "n_boot": res["n_boot"], score: S[sel],
            f"{score}_2.2.0": S["B1"], "external_2023": res["external_2023"]["balanced_accuracy"][sel],
            "g_j_w1_minus_full": res["simulated_patterns_on_gjw_rows"]["differences"][f"{sel}_g_j_w1 - {sel}_full"],
            "classwise_calibration_max_ece": calib["max_ece"],
            "mean_p_over_freq": {c: v["ratio"] for c, v in calib["per_class"].items()},
            "ngc3532_check": res["ngc3532_check"]["selected"], "selection_bias": selection_bias}


def record_metrics(card: dict, res: dict, sel: str, version: str, score: str, with_ci: bool) -> dict:
    """card.evaluation.metrics.<version>_{outer_cv, external_2023, ngc3532_check}; with_ci adds the 95 % CIs of
    the difference to 2.2.0 and of the external balanced accuracy. Returns the metrics dict."""
    s = res["selection"][sel]
    calib = res["classwise_calibration"][sel]["set_a"]
    metrics = card.setdefault("evaluation", {}).setdefault("metrics", {})
    outer = {score: s[score], f"{score}_minus_2_2_0": s["diff_vs_ref"]}
    if with_ci:
        outer[f"{score}_minus_2_2_0_ci95"] = s["diff_ci95"]
    outer.update({"balanced_accuracy_as_is": s["bacc_a"], "balanced_accuracy_g_j_w1": s["bacc_b_gjw"],
                  "balanced_accuracy_sightline": s["bacc_c_sightline"]})
    if "bacc_d_gjw_sightline" in s:
        outer["balanced_accuracy_g_j_w1_sightline"] = s["bacc_d_gjw_sightline"]
    outer.update({"max_class_ece": calib["max_ece"],
                  **{c: {"ece": v["ece"], "mean_p_over_freq": v["ratio"]} for c, v in calib["per_class"].items()}})
    metrics[f"{version}_outer_cv"] = outer
    ext = res["external_2023"]["balanced_accuracy"][sel]
    metrics[f"{version}_external_2023"] = ({"balanced_accuracy": ext["value"], "ci95": ext["ci95"]} if with_ci
                                          else {"balanced_accuracy": ext["value"]})
    ng = res["ngc3532_check"]["selected"]
    metrics[f"{version}_ngc3532_check"] = {"agreement": ng["agreement"], "agreement_ct_ge_2": ng["agreement_ct_ge_2"],
                                           "muwclass_agn_as_agn": ng["muwclass_agn_as_agn"]}
    return metrics


def stamp(model, T, version: str):
    """Sets the graph's producer and major version (part of its bytes, so of its sha256); returns the model."""
    model.producer_name = T.MODEL_NAME
    model.model_version = int(version.split(".")[0])
    return model


def save_model(model, T, version: str, out_dir: str, t0: float) -> tuple[str, int]:
    """Stamps producer and major version, writes out_dir/model.onnx and logs it; returns its sha256 and size."""
    stamp(model, T, version)
    onnx_path = os.path.join(out_dir, "model.onnx")
    onnx.save(model, onnx_path)
    sha, nbytes = T.sha256_file(onnx_path), os.path.getsize(onnx_path)
    print(f"[{time.time() - t0:6.1f}s] wrote {onnx_path} ({nbytes} bytes), sha256 {sha}", flush=True)
    return sha, nbytes
