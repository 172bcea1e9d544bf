"""Synthetic parity fixtures: model.onnx = mlp-2.1.0.onnx (30 inputs), random p_forest/groups/routes/calibrations."""
import json, os, shutil, sys
REPO, W = sys.argv[1], sys.argv[2]
import numpy as np
src = f"{REPO}/models/source-classifier"
base = json.load(open(f"{src}/fixtures/blend_fixture.json"))
F, M = base["features"], base["mask"]
n = len(F)
rng = np.random.default_rng(3)
def cal(): return {"a": rng.uniform(0.5, 1.5, 8).tolist(), "b": rng.normal(0, 0.3, 8).tolist()}
cases = {
  "v8": {"group": rng.integers(1, 4, n).tolist(), "calibration": None, "calibration_groups": {str(g): cal() for g in (1, 2, 3)}},
  "v9blend": {"routed": (rng.random(n) < 0.4).tolist(), "route_mode": "blend", "route_calibration": None},
  "v9blendcal": {"routed": (rng.random(n) < 0.4).tolist(), "route_mode": "blend", "route_calibration": cal()},
  "v9forestcal": {"routed": (rng.random(n) < 0.4).tolist(), "route_mode": "forest", "route_calibration": cal()},
}
for name, extra in cases.items():
    d = f"{W}/fx_{name}"
    os.makedirs(f"{d}/fixtures", exist_ok=True)
    shutil.copy(f"{src}/mlp-2.1.0.onnx", f"{d}/model.onnx")
    fx = {"features": F, "mask": M, "p_forest": rng.dirichlet(np.ones(8), n).tolist(), "eps": 1e-6, **extra}
    json.dump(fx, open(f"{d}/fixtures/blend_fixture.json", "w"))
print("ok")
