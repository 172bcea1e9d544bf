"""Writes a synthetic per-unit cache (random probabilities, seeded) so evaluate() of v7/v8/v9 runs without fits."""
import importlib.util, os, sys
import numpy as np
root, version, cache = sys.argv[1], sys.argv[2], sys.argv[3]
exp = os.path.join(root, "models", "source-classifier", "experiments")
spec = importlib.util.spec_from_file_location(f"{version}_candidates", os.path.join(exp, f"{version}_candidates.py"))
m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m; spec.loader.exec_module(m)
T = m.T
D = m.load_data(os.path.join(T.REPO, "..", "shared", "data", "training"), 20221104)
methods = {"v7": ["v2.1.0", "t200", "t5"], "v8": ["v2.1.0", "t200", "t5", "t6"], "v9": ["v2.1.0", "t200", "t5", "t6"]}[version]
prefix = "" if version == "v7" else "v8_"
os.makedirs(cache, exist_ok=True)
rng = np.random.default_rng(1)
def P(n): return rng.dirichlet(np.full(T.N_CLASSES, 0.7), n)
for name in methods:
    for u in range(T.N_OUTER + 1):
        if u < T.N_OUTER:
            tr, te = D["folds"][u]
            out = {"P": P(len(te)), "prior": T.class_prior(D["y"][tr]), "PS": P(len(te))}
            if version != "v7":
                out["PD"] = P(len(te))
            for p in T.PATTERNS:
                out[f"SIM_{p}"] = P(len(te))
        else:
            out = {"Pext": P(len(D["Xe"])), "Pngc": P(len(D["Xn"])), "Pngc_noav": P(len(D["Xn"]))}
        out["seconds"] = np.array(float(u + 1))
        if version != "v7" and name != "v2.1.0":
            out["tree_nodes"] = np.array([100 + u, 50 + u])
        np.savez(os.path.join(cache, f"{prefix}{name}_u{u}.npz"), **out)
print("cache", version, cache)
