"""Old vs new: results_markdown on the committed vN_results.json, photometry_group / route / gjw on random masks."""
import importlib.util, json, sys
OLD, NEW = sys.argv[1], sys.argv[2]
import numpy as np
def load(tag, root, v):
    name = f"{v}_candidates"
    for k in [k for k in list(sys.modules) if k.endswith("_candidates") or k in ("train", "common")]:
        del sys.modules[k]
    sys.path[:] = [p for p in sys.path if "experiments" not in p]
    spec = importlib.util.spec_from_file_location(name, f"{root}/models/source-classifier/experiments/{name}.py")
    m = importlib.util.module_from_spec(spec); sys.modules[name] = m; spec.loader.exec_module(m); return m
methods = {"v7": ["B1", "C1", "t5", "B2", "C3", "v2.1.0", "t200"], "v8": ["B1", "B2", "t6", "B3", "C5", "v2.1.0", "t200", "t5"],
           "v9": ["B1", "R1", "R2", "R3", "v2.1.0", "t200", "t6", "B3"]}
rng = np.random.default_rng(0)
M = (rng.random((5000, 31)) < rng.random((5000, 1))).astype(np.float32)
out = {}
for tag, root in (("old", OLD), ("new", NEW)):
    for v in ("v7", "v8", "v9"):
        m = load(tag, root, v)
        res = json.load(open(f"{NEW}/models/source-classifier/experiments/{v}_results.json"))
        out[(tag, v)] = m.results_markdown(res, methods[v])
        if v == "v9":
            out[(tag, "route")] = m.route(M).tolist()
            out[(tag, "group")] = m.V8.photometry_group(M).tolist()
for k in ("v7", "v8", "v9", "route", "group"):
    print(k, "same" if out[("old", k)] == out[("new", k)] else "DIFF")
card = open(f"{NEW}/models/source-classifier/CARD.md").read()
for v in ("v7", "v8", "v9"):
    print(v, "markdown found verbatim in CARD.md:", out[("new", v)] in card)
print("routed rows", sum(out[("new", "route")]), "groups", np.bincount(out[("new", "group")]).tolist())
