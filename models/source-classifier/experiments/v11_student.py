#!/usr/bin/env python3
"""Protocol v11 (CARD.md; experiment, no deployment): can a small distilled student keep 2.2.x's quality at the
2M rows/s that 20k sources/s x 100 Monte-Carlo draws need?

Students S32 / S64: one masked MLP (2.1.0's input encoding, two hidden layers of 32 / 64 units) trained per outer fold
of v9's split to minimise KL(B1 || student) on train.py's augmented inputs, B1 = mean(2.1.0, T3) of that fold
evaluated on the same augmented inputs. The teacher's components are v9's cache recipe: the pickled 2.1.0 fits
(/work/ml-cache/v9/v8model_v2.1.0_uK.pkl) and T3 refitted in memory (v8's code, same seeds).

    # per fold (units 0-9; fold 0 also exports the ONNX students), at most 2 processes:
    /usr/bin/python3 models/source-classifier/experiments/v11_student.py --units 0 1 2 3 4
    # throughput (writes /work/ml-cache/v11/throughput.json):
    node models/source-classifier/experiments/v11_throughput.mjs
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v11_student.py --n-boot 1000
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

V9 = C.load("v9_candidates", os.path.join(HERE, "v9_candidates.py"))
V8, T = V9.V8, V9.T
torch, nn = T.torch, T.nn
T_START = time.time()

V9_CACHE = "/work/ml-cache/v9"          # teacher components (v9/v10's cache recipe)
STUDENTS = {"S32": 32, "S64": 64}       # protocol v11 point 3: the complete list
EPOCHS, LR, WEIGHT_DECAY, BATCH = 100, 3e-3, 1e-4, 256
FEAT_DROP, P_PATTERN = 0.05, 0.5
STUDENT_PATTERNS = T.TRAIN_PATTERNS + ["none"]
NONINFERIORITY = -0.01                  # point 5: CI lower bound of S9(student) - S9(B1)
MIN_ROWS_PER_S = 2.5e6                  # point 5: ONNX throughput
REF = "B1"
FOLD_KEYS = ("P", "SIM_g_j_w1", "PS", "PD")   # sets (a)-(d), V8.SETS
NAMES = {"B1": "B1 = 2.2.x (teacher; reference, v9 folds)", "S32": "S32 student, 2 x 32 hidden",
         "S64": "S64 student, 2 x 64 hidden", "v2.1.0": "2.1.0 (MLP ensembles)", "t200": "T3 capped (200 trees)"}


class Student(nn.Module):
    """features, mask [N, 30] -> probabilities [N, 8]: standardisation inside, input [z * m, m] as 2.1.0's networks."""

    def __init__(self, hidden: int, mu: np.ndarray, sd: np.ndarray):
        super().__init__()
        self.register_buffer("mu", torch.tensor(mu, dtype=torch.float32).reshape(1, -1))
        self.register_buffer("sd", torch.tensor(sd, dtype=torch.float32).reshape(1, -1))
        n_in = 2 * T.N_FEATURES
        self.net = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, T.N_CLASSES))

    def logits(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = (mask > 0.5).to(torch.float32)
        z = (features - self.mu) / self.sd
        z = torch.where(m > 0.5, z, torch.zeros_like(z))  # NaN/garbage under mask = 0 is ignored
        return self.net(torch.cat([z * m, m], dim=1))

    def forward(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(features, mask), dim=1)

    def predict(self, X: np.ndarray, M: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self(torch.tensor(X[:, :T.N_FEATURES], dtype=torch.float32),
                        torch.tensor(M[:, :T.N_FEATURES], dtype=torch.float32)).double().numpy()


def augmented_epochs(Xa: np.ndarray, Ma: np.ndarray, tr: np.ndarray, rng: np.random.Generator):
    """Point 3: per epoch every training row once, in a random Monte-Carlo copy, features masked with p = FEAT_DROP,
    then with p = P_PATTERN the MW block reduced to one of STUDENT_PATTERNS. Returns X, M [EPOCHS, n_tr, 30] and the
    batch order [EPOCHS, n_tr]."""
    A = Xa.shape[0]
    pats = np.stack([T.pattern_mask(p) for p in STUDENT_PATTERNS]).astype(np.float32)
    Xs, Ms, orders = [], [], []
    for _ in range(EPOCHS):
        copies = rng.integers(0, A, len(tr))
        X, M = Xa[copies, tr], Ma[copies, tr].astype(np.float32)
        M[rng.random(M.shape) < FEAT_DROP] = 0.0
        reduce = rng.random(len(tr)) < P_PATTERN
        which = rng.integers(0, len(pats), len(tr))
        M = np.where(reduce[:, None], M * pats[which], M).astype(np.float32)
        Xs.append(X)
        Ms.append(M)
        orders.append(rng.permutation(len(tr)))
    return np.stack(Xs), np.stack(Ms), np.stack(orders)


def train_student(hidden: int, X: np.ndarray, M: np.ndarray, order: np.ndarray, target: np.ndarray,
                  mu: np.ndarray, sd: np.ndarray, seed: int) -> Student:
    """Point 3: AdamW, fixed epochs, loss KL(teacher || student) averaged over the batch rows."""
    torch.manual_seed(seed)
    model = Student(hidden, mu, sd)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    Xt, Mt, Pt = (torch.tensor(a, dtype=torch.float32) for a in (X, M, target))
    model.train()
    for e in range(EPOCHS):
        for i in range(0, order.shape[1], BATCH):
            rows = torch.tensor(order[e, i:i + BATCH])
            opt.zero_grad()
            logp = torch.log_softmax(model.logits(Xt[e, rows], Mt[e, rows]), dim=1)
            loss = nn.functional.kl_div(logp, Pt[e, rows], reduction="batchmean")
            loss.backward()
            opt.step()
    model.eval()
    return model


def export_onnx(model: Student, path: str) -> None:
    """As train.py export_onnx: inputs features / mask [N, 30], output probabilities, opset 17."""
    torch.onnx.export(model, (torch.zeros(2, T.N_FEATURES), torch.ones(2, T.N_FEATURES)), path,
                      input_names=["features", "mask"], output_names=["probabilities"],
                      dynamic_axes={"features": {0: "N"}, "mask": {0: "N"}, "probabilities": {0: "N"}},
                      opset_version=17, do_constant_folding=True)


def fill_unit(D: dict, u: int, seed: int, cache: str, log) -> dict:
    """Fold u's teacher and students; the students' predictions on sets (a)-(d) cached in cache/v11_uU.npz."""
    path = os.path.join(cache, f"v11_u{u}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return {k: z[k] for k in z.files}
    t0 = time.time()
    mem: dict = {}
    m21 = V8.fitted_model(D, "v2.1.0", u, seed, V9_CACHE, mem)
    t3 = V8.fitted_model(D, "t200", u, seed, V9_CACHE, mem)
    log(f"  unit {u}: teacher components ready ({time.time() - t0:.0f} s)")
    nf = T.N_FEATURES

    def teacher(X, M):
        return 0.5 * (m21.predict(X[:, :nf], M[:, :nf]) + t3.predict(X[:, :nf], M[:, :nf]))

    tr, te = D["folds"][u]
    X0, M0 = D["Xa"][0, te], D["Ma"][0, te]
    cached_t3 = np.load(os.path.join(V9_CACHE, f"v8_t200_u{u}.npz"))["P"]
    t3_check = float(np.abs(t3.predict(X0[:, :nf], M0[:, :nf]) - cached_t3).max())
    rng = np.random.default_rng(seed + u)
    X, M, order = augmented_epochs(D["Xa"], D["Ma"], tr, rng)
    t1 = time.time()
    target = teacher(X.reshape(-1, nf), M.reshape(-1, nf)).reshape(EPOCHS, len(tr), T.N_CLASSES)
    teacher_s = time.time() - t1
    log(f"  unit {u}: teacher on {EPOCHS} x {len(tr)} augmented rows ({teacher_s:.0f} s); T3 refit vs cache max |dp| {t3_check:.2e}")
    mu, sd = T.standardiser(D["Xa"][0, tr], D["Ma"][0, tr])
    out = {"prior": T.class_prior(D["y"][tr]), "t3_refit_max_abs_diff": np.array(t3_check),
           "teacher_seconds": np.array(teacher_s)}
    sets = {"P": (X0, M0), "SIM_g_j_w1": (X0, M0 * T.pattern_mask("g_j_w1")), "PS": (D["Xs"][te], D["Ms"][te]),
            "PD": (D["Xd"][te], D["Md"][te])}
    for name, hidden in STUDENTS.items():
        t2 = time.time()
        model = train_student(hidden, X, M, order, target, mu, sd, seed + u)
        out[f"{name}_train_seconds"] = np.array(time.time() - t2)
        for key, (Xk, Mk) in sets.items():
            out[f"{name}_{key}"] = model.predict(Xk, Mk)
        if u == 0:
            export_onnx(model, os.path.join(cache, f"{name.lower()}_u0.onnx"))
        log(f"  unit {u}: {name} trained ({float(out[f'{name}_train_seconds']):.0f} s)")
    out["seconds"] = np.array(time.time() - t0)
    np.savez(path, **out)
    return out


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache/v11", "(unused)", "fit these outer folds only (cache) and exit")
    C.add_run_options(ap)
    ap.add_argument("--throughput", default="/work/ml-cache/v11/throughput.json")
    args = ap.parse_args()
    log = C.start(T, args.cache, T_START, clock=True)
    D = V9.load_data(args.data_dir, args.seed)
    if args.units is not None:
        for u in args.units:
            fill_unit(D, u, args.seed, args.cache, log)
        log("--units: cache filled")
        return
    evaluate(D, args, log)


def pooled(units: dict, name: str, folds: list, n: int) -> dict:
    r = {k: np.zeros((n, T.N_CLASSES)) for k in (*FOLD_KEYS, "prior")}
    for f, (_, te) in enumerate(folds):
        for k in FOLD_KEYS:
            r[k][te] = units[f][f"{name}_{k}"]
        r["prior"][te] = units[f]["prior"]
    return r


def evaluate(D: dict, args, log) -> None:
    y, folds, n, gjw = D["y"], D["folds"], len(D["y"]), D["gjw"]
    mem: dict = {}
    R = {}
    for name in ("v2.1.0", "t200"):
        res = {u: V8.fill_unit(D, name, u, args.seed, V9_CACHE, mem, log) for u in range(T.N_OUTER + 1)}
        R[name] = C.pool_units(T, res, folds, n, ("P", "PS", "PD", "prior"), seconds_of=range(T.N_OUTER))
    R["B1"] = C.blend(R, "v2.1.0", "t200")
    units = {u: fill_unit(D, u, args.seed, args.cache, log) for u in range(T.N_OUTER)}
    for name in STUDENTS:
        R[name] = pooled(units, name, folds, n)
    methods = ["B1", *STUDENTS, "v2.1.0", "t200"]
    dec = C.decider(T, R, y, V8.SETS)
    preds = {m: tuple(dec(m, k) for k in V8.SETS) for m in methods}
    V8.CANDIDATES = list(STUDENTS)
    S = V8.s8_boot(y, gjw, preds, REF, args.seed, args.n_boot)
    S.pop("_selection_optimism")   # nothing is selected in v11
    for m in methods:
        S[m]["S9"] = S[m].pop("S8")
        S[m].pop("beats_ref")
    C.log_scores(log, {m: {**S[m], "diff_vs_ref": S[m]["diff_vs_ref"]} for m in methods}, methods, "S9")
    calib = {m: T.classwise_calibration(R[m]["P"], y) for m in methods}
    with open(args.throughput) as fh:
        thr = json.load(fh)
    feasible = {}
    for m in STUDENTS:
        q, s = S[m]["diff_ci95"][0] > NONINFERIORITY, thr["models"][m]["median_rows_per_s"] >= MIN_ROWS_PER_S
        feasible[m] = {"quality": bool(q), "throughput": bool(s), "feasible": bool(q and s)}
        log(f"{m}: {feasible[m]} (CI lower {S[m]['diff_ci95'][0]}, {thr['models'][m]['median_rows_per_s']:.0f} rows/s)")
    res = {"protocol": "v11 (CARD.md; experiment, no deployment)", "fold_random_state": V9.FOLD_SEED,
           "seconds": None, "n_boot": args.n_boot, "rows_evaluated": int(n), "rows_gjw": int(gjw.sum()),
           "run_note": args.run_note, "students": STUDENTS, "reference": REF,
           "training": {"epochs": EPOCHS, "optimizer": "AdamW", "lr": LR, "weight_decay": WEIGHT_DECAY,
                        "batch": BATCH, "feat_drop": FEAT_DROP, "p_pattern": P_PATTERN,
                        "patterns": STUDENT_PATTERNS, "loss": "KL(B1 || student), batchmean",
                        "seed": f"{args.seed} + fold"},
           "criteria": {"quality": f"S9(student) - S9(B1) 95 % CI lower bound > {NONINFERIORITY}",
                        "throughput": f"ONNX rows/s (32768-row batch, median of 5) >= {MIN_ROWS_PER_S:.0f}"},
           "feasible": feasible, "selection": S, "classwise_calibration_set_a": calib, "throughput": thr,
           "t3_refit_vs_cache_max_abs_diff": max(float(units[u]["t3_refit_max_abs_diff"]) for u in units),
           "seconds_per_fold": {u: round(float(units[u]["seconds"])) for u in units},
           "teacher_seconds_per_fold": {u: round(float(units[u]["teacher_seconds"])) for u in units},
           "cv_predictions": "nominal (one pass on the measured values, no Monte-Carlo draws), as v9/v10"}
    res["seconds"] = round(time.time() - T_START, 1)
    if args.no_card:
        log("development run: nothing written")
        return
    C.write_results(res, results_markdown(res, methods), "v11")
    log("wrote v11_results.json and the v11 results section of CARD.md")


def results_markdown(res: dict, methods: list) -> str:
    S, thr = res["selection"], res["throughput"]
    L = [f"## Protocol v11 results ({res['n_boot']} paired bootstrap resamples; v9's outer folds random_state "
         f"{res['fold_random_state']}; `experiments/v11_results.json`; experiment, nothing deployed)", "",
         "| method | S9 [95 % CI] | (a) as is | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | "
         "S9 - S9(B1) [95 % CI] | ONNX rows/s, median (min - max) of 5 |", "|---|---|---|---|---|---|---|---|"]
    for m in methods:
        v = S[m]
        t = thr["models"].get(m if m in STUDENTS else ("deployed" if m == "B1" else ""), None)
        ts = "-" if t is None else (f"{t['median_rows_per_s'] / 1e6:.3f}M ({t['min_rows_per_s'] / 1e6:.3f}M - "
                                    f"{t['max_rows_per_s'] / 1e6:.3f}M)")
        L.append(f"| {NAMES[m]} | {v['S9']} {v['ci95']} | {v['bacc_a']} | {v['bacc_b_gjw']} | {v['bacc_c_sightline']} | "
                 f"{v['bacc_d_gjw_sightline']} | {v['diff_vs_ref']:+.4f} {v['diff_ci95']} | {ts} |")
    L += ["", f"ONNX throughput: {thr['note']} B1's figure is the deployed `model.onnx` (2.2.x graph) measured in the same run.",
          "", "Feasibility (protocol v11 point 5):", "",
          "| student | S9 - S9(B1) CI lower bound > -0.01 | ONNX >= 2.5M rows/s | feasible |", "|---|---|---|---|"]
    yn = lambda b: "yes" if b else "no"  # noqa: E731
    for m in STUDENTS:
        f = res["feasible"][m]
        L.append(f"| {NAMES[m]} | {yn(f['quality'])} ({S[m]['diff_ci95'][0]}) | {yn(f['throughput'])} | "
                 f"**{yn(f['feasible'])}** |")
    L += ["", "Per-class ECE and mean p / observed frequency, set (a), pooled outer folds:", "",
          "| method | max ECE | " + " | ".join(T.CLASSES) + " |", "|---|---|" + "---|" * T.N_CLASSES]
    for m in methods:
        c = res["classwise_calibration_set_a"][m]
        L.append(f"| {NAMES[m]} | {c['max_ece']} | " + " | ".join(
            f"{c['per_class'][k]['ece']} / {c['per_class'][k]['ratio']}x" for k in T.CLASSES) + " |")
    tr = res["training"]
    L += ["", f"Students trained as fixed by the protocol: {tr['epochs']} epochs, {tr['optimizer']} lr {tr['lr']}, weight "
          f"decay {tr['weight_decay']}, batch {tr['batch']}, loss {tr['loss']}, augmentation feat_drop {tr['feat_drop']}, "
          f"pattern reduction p {tr['p_pattern']} over {tr['patterns']}, seed {tr['seed']}. Teacher check: T3 refitted "
          f"in memory vs v9's cached predictions, max |dp| on set (a) = {res['t3_refit_vs_cache_max_abs_diff']:.2e}. "
          f"Seconds per fold (teacher refit + teacher on the augmented rows + both students): "
          f"{res['seconds_per_fold']}.", "",
          "Configurations tried (all listed): S32 and S64, once each per fold; nothing else was trained.", ""]
    L += C.run_note_and_clock(res, "outer-fold seconds per fold", "seconds_per_fold")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
