"""Runs blend_vN.main() of a tree with the fits and the ONNX building stubbed (deterministic fakes), so that the
card.json / blend_fixture.json / stdout it writes can be compared between two versions of the code.
usage: blend_harness.py ROOT VERSION SEL OUTDIR"""
import importlib.util, io, json, os, sys, types
import numpy as np
root, version, sel, out = sys.argv[1:5]
here = os.path.join(root, "models", "source-classifier")
sys.path.insert(0, here)
spec = importlib.util.spec_from_file_location(f"blend_{version}", os.path.join(here, f"blend_{version}.py"))
B = importlib.util.module_from_spec(spec); sys.modules[spec.name] = B; spec.loader.exec_module(B)
T = B.T

class Est:
    def __init__(self, k): self.tree_ = types.SimpleNamespace(node_count=k)
class Forest:
    def __init__(self, k): self.estimators_ = [Est(k), Est(k + 1)]
class Fake:
    n = 0
    def __init__(self, *a, **kw):
        Fake.n += 1
        self.k = Fake.n * 10 + (a[-1] % 7 if isinstance(a[-1], int) else 0)
        self.mw, self.x = Forest(self.k), Forest(self.k + 3)
    def predict(self, X, M):
        z = np.tanh(X[:, :8] * 0.1 + M[:, :8] + self.k * 0.01) + X.shape[1] * 0.001
        e = np.exp(z); return e / e.sum(1, keepdims=True)
class Model:
    def __init__(self, *a, **kw):
        self.summary = [str(type(v).__name__) if not isinstance(v, (int, float, str, type(None))) else v for v in a]
        self.summary += [(k, str(v)) for k, v in kw.items()]
        self.producer_name = None; self.model_version = None
def fake_builder(name):
    def f(*a, **kw):
        m = Model(*a, **kw); m.summary.insert(0, name)
        arrays = [np.asarray(v).round(8).tolist() for v in a if isinstance(v, np.ndarray)]
        tuples = [[np.asarray(x).round(8).tolist() for x in v] for v in a if isinstance(v, tuple)]
        dicts = [{str(k): [np.asarray(x).round(8).tolist() for x in vv] for k, vv in v.items()} for v in a if isinstance(v, dict)]
        m.summary += [arrays, tuples, dicts]
        return m
    return f
V6 = B.V
V6.Routed = Fake
for mod in [getattr(B, n) for n in ("V7", "V8") if hasattr(B, n)]:
    if hasattr(mod, "RoutedSightline"): mod.RoutedSightline = Fake
    if hasattr(mod, "RoutedGJW"): mod.RoutedGJW = Fake
for n in ("blend_model", "with_calibration", "with_group_calibration", "routed_model"):
    setattr(B.blend_onnx, n, fake_builder(n))
B.onnx.load = lambda p: f"onnx:{os.path.basename(p)}"
def save(m, p):
    with open(p, "w") as fh: json.dump({"summary": m.summary, "producer": m.producer_name, "version": m.model_version}, fh, default=str)
B.onnx.save = save
class NpProxy(types.ModuleType):
    def __getattr__(self, k): return getattr(np, k)
proxy = NpProxy("np")
proxy.load = lambda p: {"Pext": np.zeros(1)}
B.np = proxy
os.makedirs(os.path.join(out, "fixtures"), exist_ok=True)
argv = ["blend", "--out-dir", out] + ([] if version == "v7" else ["--dev-select", sel])
sys.argv = argv
if version == "v7":
    res_path = os.path.join(here, "experiments", "v7_results.json")
    res = json.load(open(res_path)); res["deploy"] = True; res["selected"] = sel
    json.dump(res, open(res_path, "w"))
buf = io.StringIO(); real = sys.stdout; sys.stdout = buf
try:
    B.main()
finally:
    sys.stdout = real
import re
log = re.sub(r"\[\s*[0-9.]+s\]", "[t]", buf.getvalue()).replace(out, "OUT")
open(os.path.join(out, "stdout.txt"), "w").write(log)
card = json.load(open(os.path.join(out, "card.json")))
card["date"] = "X"; card["blend"]["seconds"] = 0
json.dump(card, open(os.path.join(out, "card.norm.json"), "w"), indent=1)
print("ok", version, sel)
