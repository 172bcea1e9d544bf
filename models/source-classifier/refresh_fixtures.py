#!/usr/bin/env python3
"""Rewrites the feature definitions of the deployed classifier without retraining it:
features.json (rules, constants; standardisation and class prior kept) and fixtures/features_fixture.json (the same
input cases, their expected features, masks and Monte-Carlo sigmas recomputed by train.py's reference implementation).

    /usr/bin/python3 models/source-classifier/refresh_fixtures.py

Used when the CSC2 -> feature extraction changes but the networks do not (2.2.1: MUWCLASS's split-normal mean
fluxes). probabilities_nominal of each case is the deployed 2.1.0 networks' output (mlp-2.1.0.onnx) on the Python
features, evaluated by onnxruntime-node (this machine's Python has no onnxruntime); the Monte-Carlo-free TS test then
checks TS features -> model.onnx against Python features -> (2.1.0 + Python forests) / 2. Run blend.py afterwards to
refresh the forests' probabilities of blend_fixture.json.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402

MLP_FILE = "mlp-2.1.0.onnx"

# onnxruntime-node on the 2.1.0 networks: stdin {features, mask} (30 columns), stdout probabilities [N, 8]
NODE_PREDICT = """
import * as ort from 'onnxruntime-node';
let s = ''; for await (const c of process.stdin) s += c;
const { file, features, mask } = JSON.parse(s);
const session = await ort.InferenceSession.create(file);
const n = features.length, F = features[0].length;
const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(features.flat()), [n, F]),
                                mask: new ort.Tensor('float32', Float32Array.from(mask.flat()), [n, F]) });
process.stdout.write(JSON.stringify(Array.from(out.probabilities.data)));
"""


def predict_2_1_0(X: np.ndarray, M: np.ndarray) -> np.ndarray:
    payload = json.dumps({"file": os.path.join(HERE, MLP_FILE), "features": X[:, :T.N_FEATURES].tolist(),
                          "mask": M[:, :T.N_FEATURES].tolist()})
    out = subprocess.run(["node", "--input-type=module", "-e", NODE_PREDICT], input=payload, capture_output=True,
                         text=True, cwd=T.REPO, check=True)
    return np.asarray(json.loads(out.stdout), dtype=np.float64).reshape(len(X), T.N_CLASSES)


def main() -> None:
    spec_path = os.path.join(HERE, "features.json")
    spec = json.load(open(spec_path))
    stats = {f["index"]: f["standardisation"] for f in spec["features"] if f["index"] < T.N_FEATURES}
    kept = SimpleNamespace(mu=np.array([stats[j]["mean"] for j in range(T.N_FEATURES)]),
                           sd=np.array([stats[j]["std"] for j in range(T.N_FEATURES)]),
                           prior=np.array(spec["class_prior"]))
    new_spec = T.features_json(kept)
    new_spec["version"] = spec["version"]
    with open(spec_path, "w") as fh:
        json.dump(new_spec, fh, indent=2)

    fx_path = os.path.join(HERE, "fixtures", "features_fixture.json")
    old = json.load(open(fx_path))
    cases = [{"source": c["source"], "input": c["input"]} for c in old["cases"]]
    fx = T.fixture_expectations(cases, predict_2_1_0, kept.prior,
                                "the deployed 2.1.0 networks, mlp-2.1.0.onnx, in onnxruntime-node, written by "
                                "refresh_fixtures.py")
    with open(fx_path, "w") as fh:
        json.dump(fx, fh, indent=1)
    changed = sum(1 for a, b in zip(old["cases"], fx["cases"])
                  if not np.allclose(a["expected"]["features"], b["expected"]["features"], rtol=1e-9, atol=0))
    print(f"wrote {spec_path} and {fx_path}: {len(cases)} cases, {changed} with changed features")


if __name__ == "__main__":
    main()
