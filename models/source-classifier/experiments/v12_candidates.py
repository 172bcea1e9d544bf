#!/usr/bin/env python3
"""Protocol v12 (CARD.md): survey-limit (flux-dimming) augmentation. Dimmed copies of the training rows (X-ray fluxes
x 10^-d, errors x 10^(-d/2), magnitudes + 2.5 d, a survey's counterpart lost when its key band passes the survey
limit) added to T3's X-ray+MW forest (T7) and/or to 2.1.0's Monte-Carlo copies (2.1.0dim). Candidates G1 =
mean(2.1.0, T7), G2 = mean(2.1.0dim, T3), G3 = mean(2.1.0dim, T7) against B1 = mean(2.1.0, T3) on v9's folds
(random_state 20261203), with a new evaluation set (e) = held-out rows dimmed by the same simulator.

    # B1's 2.1.0 fits (v9's recipe; pickled per unit in the cache):
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --cache /work/ml-cache/v12 --only v2.1.0 --units 0 ... 9
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --cache /work/ml-cache/v12 --only v2.1.0 --units 10
    # v12 per-unit predictions (sets a-e, final-fit sets), at most 2 processes:
    /usr/bin/python3 models/source-classifier/experiments/v12_candidates.py --only v2.1.0 v2.1.0dim --units 0 ... 10
    /usr/bin/python3 models/source-classifier/experiments/v12_candidates.py --only t200 t7 --units 0 ... 10
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v12_candidates.py --n-boot 1000
"""
from __future__ import annotations

import os
import pickle
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

V9 = C.load("v9_candidates", os.path.join(HERE, "v9_candidates.py"))
V8, T = V9.V8, V9.T
V6 = V8.V6
T_START = time.time()

# protocol v12 point 2 (fixed before any v12 figure)
DIM_MAX = 1.5                 # dex in flux
N_DIM = 8                     # dimmed training copies per row
DIM_TRAIN_SEED_OFFSET = 11    # default_rng(seed + 11): training copies
DIM_EVAL_SEED_OFFSET = 12     # default_rng(seed + 12): evaluation set (e)
SURVEY_KEY_LIMITS = {"Gaia": ("G", 21.2), "2MASS": ("J", 17.5), "WISE": ("W1", 18.2)}

COMPONENTS = ["v2.1.0", "t200", "t7", "v2.1.0dim"]
CANDIDATES = ["G1", "G2", "G3"]
REF = "B1"
NONINFERIORITY = -0.01        # criterion (i): CI lower bound of S9(cand) - S9(B1) above this
SETS = ("P", "SIM_g_j_w1", "PS", "PD", "PE")   # (a), (b), (c), (d), (e)
FOLD_KEYS = ("P", "PS", "PD", "PE")
NAMES = {"B1": "B1 = 2.2.x (deployed; reference, v9 folds)", "v2.1.0": "2.1.0 (MLP ensembles)",
         "t200": "T3 capped (200 trees)", "t7": "T7 = T3 + dimmed copies (X-ray+MW forest)",
         "v2.1.0dim": "2.1.0dim = 2.1.0 refit with dimmed copies",
         "G1": "G1 mean(2.1.0, T7)", "G2": "G2 mean(2.1.0dim, T3)", "G3": "G3 mean(2.1.0dim, T7)"}
BLENDS = {"B1": ("v2.1.0", "t200"), "G1": ("v2.1.0", "t7"), "G2": ("v2.1.0dim", "t200"), "G3": ("v2.1.0dim", "t7")}


def flux_floor_log(meas: dict) -> float:
    """L_X: the 2 % quantile of the nominal log F_b of all rows (T3's no-counterpart detection proxy)."""
    X, M = T.features_from_measurements(meas)
    return float(np.quantile(X[:, 0][M[:, 0] > 0.5], V6.NC_FLUX_QUANTILE))


def dimmed_copy(meas: dict, err: dict, floor: float, rng: np.random.Generator) -> tuple:
    """One dimmed copy of every row (protocol v12 point 2): d = u * max(0, min(DIM_MAX, log F_b - L_X)); detected X-ray
    fluxes x 10^-d (errors x 10^(-d/2); below FLUX_FLOOR -> undetected), magnitudes + 2.5 d, a survey lost when its
    present key band's dimmed magnitude >= its limit; then one Monte-Carlo draw. Returns X, M, d."""
    X0, M0 = T.features_from_measurements(meas)
    n = len(X0)
    u = rng.uniform(0.0, 1.0, n)
    room = np.where(M0[:, 0] > 0.5, X0[:, 0].astype(np.float64) - floor, 0.0)
    d = u * np.clip(np.minimum(DIM_MAX, room), 0.0, None)
    k = 10.0 ** -d
    dm = {"p_intra": meas["p_intra"], "p_inter": meas["p_inter"]}
    de = {"mags": err["mags"]}
    for key in ("fs", "fm", "fh"):
        v, e = np.asarray(meas[key], dtype=np.float64), np.asarray(err[key], dtype=np.float64)
        det = np.isfinite(v) & (v > T.FLUX_FLOOR)
        nv, ne = np.where(det, v * k, v), np.where(det, e * 10.0 ** (-d / 2), e)
        lost = det & (nv < T.FLUX_FLOOR)
        dm[key], de[key] = np.where(lost, T.FLUX_FLOOR, nv), np.where(lost, T.FLUX_FLOOR_SIGMA, ne)
    fb = np.asarray(meas["fb"], dtype=np.float64)
    dm["fb"] = np.where(np.isfinite(fb) & (fb > T.FLUX_FLOOR), fb * k, fb)
    mags = {b: np.asarray(meas["mags"][b], dtype=np.float64) + 2.5 * d for b in T.MW_BANDS}
    for survey, (key, lim) in SURVEY_KEY_LIMITS.items():
        nominal = np.asarray(meas["mags"][key], dtype=np.float64)
        present = np.isfinite(nominal) & (nominal < T.MW_LIMITS[T.MW_BANDS.index(key)])
        lost = present & (mags[key] >= lim)
        for b, s in zip(T.MW_BANDS, T.MW_SURVEY):
            if s == survey:
                mags[b] = np.where(lost, np.nan, mags[b])
    dm["mags"] = mags
    X, M = T.features_from_measurements(T.sample_measurements(dm, de, rng))
    return X, M, d


def load_data(data_dir: str, seed: int, fold_seed: int | None = None) -> dict:
    """v9's data, sets (a)-(d) and folds (fold_seed: outer split random_state, default v9's), plus the dimmed training
    copies and evaluation set (e) (independent of the folds)."""
    D = V9.load_data(data_dir, seed, V9.FOLD_SEED if fold_seed is None else fold_seed)
    floor = flux_floor_log(D["meas"])
    rng = np.random.default_rng(seed + DIM_TRAIN_SEED_OFFSET)
    copies = [dimmed_copy(D["meas"], D["err"], floor, rng) for _ in range(N_DIM)]
    D["Xdim"], D["Mdim"] = np.stack([c[0] for c in copies]), np.stack([c[1] for c in copies])
    D["d_train"] = np.stack([c[2] for c in copies])
    D["Xe_dim"], D["Me_dim"], D["d_e"] = dimmed_copy(D["meas"], D["err"], floor,
                                                      np.random.default_rng(seed + DIM_EVAL_SEED_OFFSET))
    D["flux_floor_log"] = floor
    return D


class DimRouted:
    """T7: T3's routed forests with the X-ray+MW forest refitted on T3's training set plus the training rows' dimmed
    copies (rows with nominal MW photometry; copies that keep at least one MW feature). X-ray-only forest = T3's."""

    def __init__(self, t3, Xa, Ma, y, Xdim, Mdim, seed: int):
        rows = np.where(Ma[0][:, T.MW_IDX].sum(1) > 0)[0]
        Xp, Mp = V6.pattern_copies(Xa, Ma, rows)
        yp = np.concatenate([y[rows]] + [y[rows][keep] for keep in V6.Routed._keeps(Ma, rows)])
        Xg, Mg = np.concatenate(list(Xdim[:, rows])), np.concatenate(list(Mdim[:, rows]))
        yg = np.tile(y[rows], len(Xdim))
        ok = Mg[:, T.MW_IDX].sum(1) > 0
        self.n_extra = int(ok.sum())
        self.mw = V6.make_tree(V6.AMEND_V61, seed).fit(
            T.rf_matrix(np.concatenate([Xp, Xg[ok]]), np.concatenate([Mp, Mg[ok]]), np.arange(T.N_FEATURES)),
            np.concatenate([yp, yg[ok]]))
        self.x = t3.x

    predict = V6.Routed.predict


def fitted(D: dict, name: str, u: int, seed: int, cache: str, mem: dict):
    """Unit u's fitted component (u = 0..9 outer fold, 10 = all rows). 2.1.0 and T3: v8's code (2.1.0 from the
    pickled fits of v9's recipe, T3 refitted in memory); 2.1.0dim pickled in cache/v12model_v2.1.0dim_uU.pkl."""
    if name in ("v2.1.0", "t200"):
        return V8.fitted_model(D, name, u, seed, cache, mem)
    if (name, u) in mem:
        return mem[(name, u)]
    path = os.path.join(cache, f"v12model_{name}_u{u}.pkl")
    if os.path.exists(path):
        with open(path, "rb") as fh:
            return pickle.load(fh)
    y, n = D["y"], len(D["y"])
    tr = D["folds"][u][0] if u < T.N_OUTER else np.arange(n)
    s = seed + (u if u < T.N_OUTER else 999)
    if name == "t7":
        t3 = fitted(D, "t200", u, seed, cache, mem)
        t = time.time()
        model = DimRouted(t3, D["Xa"][:, tr], D["Ma"][:, tr], y[tr], D["Xdim"][:, tr], D["Mdim"][:, tr], s)
        model.fit_seconds = time.time() - t
        mem[(name, u)] = model
    elif name == "v2.1.0dim":
        t = time.time()
        model = T.fit_model(np.concatenate([D["Xa"][:, tr], D["Xdim"][:, tr]]),
                            np.concatenate([D["Ma"][:, tr], D["Mdim"][:, tr]]), y[tr], seed=s, log=lambda m: None)
        model.fit_seconds = time.time() - t
        with open(path + ".tmp", "wb") as fh:
            pickle.dump(model, fh)
        os.replace(path + ".tmp", path)
    else:
        raise ValueError(name)
    return model


def fill_unit(D: dict, name: str, u: int, seed: int, cache: str, mem: dict, log) -> dict:
    """Predictions of one unit, cached in cache/v12_NAME_uU.npz: outer fold P (a), SIM_<pattern> (b = g_j_w1),
    PS (c), PD (d), PE (e), prior; final fit Pext, Pngc, Pngc_noav (= Pngc: no component reads av_gal)."""
    path = os.path.join(cache, f"v12_{name}_u{u}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return {k: z[k] for k in z.files}
    model = fitted(D, name, u, seed, cache, mem)
    t = time.time()
    F = T.N_FEATURES

    def pred(X, M):
        return model.predict(X[:, :F], M[:, :F])
    if u < T.N_OUTER:
        tr, te = D["folds"][u]
        X0, M0 = D["Xa"][0, te], D["Ma"][0, te]
        out = {"P": pred(X0, M0), "prior": T.class_prior(D["y"][tr]), "PS": pred(D["Xs"][te], D["Ms"][te]),
               "PD": pred(D["Xd"][te], D["Md"][te]), "PE": pred(D["Xe_dim"][te], D["Me_dim"][te])}
        for p in T.PATTERNS:
            out[f"SIM_{p}"] = pred(X0, M0 * T.pattern_mask(p))
    else:
        out = {"Pext": pred(D["Xe"], D["Me"]), "Pngc": pred(D["Xn"], D["Mn"])}
        out["Pngc_noav"] = out["Pngc"]
    out["seconds"] = np.array(float(getattr(model, "fit_seconds", 0.0)) + time.time() - t)
    if name == "t7":
        out["n_extra"] = np.array(model.n_extra)
    # check against v9's recipe's cached predictions of the same fit (v8_NAME_uU.npz), when present
    ref = os.path.join(cache, f"v8_{name}_u{u}.npz")
    if os.path.exists(ref):
        z = np.load(ref)
        key = "P" if u < T.N_OUTER else "Pext"
        out["check_vs_v9_cache"] = np.array(float(np.max(np.abs(z[key] - out[key]))))
    np.savez(path, **out)
    log(f"  {name} unit {u} predictions cached ({float(out['seconds']):.0f} s)"
        + (f"; max |dp| vs v9 cache {float(out['check_vs_v9_cache']):.2e}" if "check_vs_v9_cache" in out else ""))
    return out


def s12_boot(y: np.ndarray, gjw: np.ndarray, preds: dict, seed: int, n_boot: int) -> dict:
    """S9 = mean(bacc a, b, c, d), bacc (e), S12 = (S9 + bacc e) / 2; paired bootstrap over the 2941 sources (one
    resample for the five sets and every method, C.boot_reps's resampling); criteria of protocol v12 point 4."""
    n = len(y)

    def parts(idx, m):
        ig = idx[gjw[idx]]
        a, b, c, d, e = preds[m]
        return (T.bacc_from_pairs(y[idx], a[idx]), T.bacc_from_pairs(y[ig], b[ig]), T.bacc_from_pairs(y[idx], c[idx]),
                T.bacc_from_pairs(y[ig], d[ig]), T.bacc_from_pairs(y[idx], e[idx]))
    rng = np.random.default_rng(seed)
    reps = {m: np.empty((n_boot, 5)) for m in preds}
    for r in range(n_boot):
        idx = rng.integers(0, n, n)
        for m in preds:
            reps[m][r] = parts(idx, m)
    full = {m: np.array(parts(np.arange(n), m)) for m in preds}

    def scores(v):   # v [..., 5] -> S9, e, S12
        s9 = v[..., :4].mean(-1)
        return {"S9": s9, "e": v[..., 4], "S12": 0.5 * (s9 + v[..., 4])}
    ref_full, ref_reps = scores(full[REF]), scores(reps[REF])
    out = {}
    for m in preds:
        f, rp = scores(full[m]), scores(reps[m])
        o = {"bacc_a": round(float(full[m][0]), 4), "bacc_b_gjw": round(float(full[m][1]), 4),
             "bacc_c_sightline": round(float(full[m][2]), 4), "bacc_d_gjw_sightline": round(float(full[m][3]), 4)}
        for s in ("S9", "e", "S12"):
            o[s] = round(float(f[s]), 4)
            o[f"{s}_ci95"] = C.ci95(rp[s])
            o[f"{s}_diff_vs_ref"] = round(float(f[s] - ref_full[s]), 4)
            o[f"{s}_diff_ci95"] = C.ci95(rp[s] - ref_reps[s])
        o["eligible"] = (bool(o["S9_diff_ci95"][0] > NONINFERIORITY and o["e_diff_ci95"][0] > 0)
                         if m in CANDIDATES else None)
        out[m] = o
    s12reps = {m: scores(reps[m])["S12"] for m in preds}
    out["_selection_optimism"] = C.selection_optimism(s12reps, out, "S12", REF, CANDIDATES)
    return out


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache/v12", "fit these components only (cache) and exit",
                  "with --only: units (0-9 v9 folds, 10 final fit)")
    C.add_run_options(ap)
    ap.add_argument("--smoke-units", type=int, nargs="*", default=None,
                    help="development: evaluate only these outer folds' rows (no card, no NGC check)")
    args = ap.parse_args()
    log = C.start(T, args.cache, T_START, clock=True)
    D = load_data(args.data_dir, args.seed)
    log(f"dimming: L_X {D['flux_floor_log']:.3f}; training copies mean d {D['d_train'].mean():.3f} dex; set (e) "
        f"mean d {D['d_e'].mean():.3f}; rows with MW features nominal {int((D['Ma'][0][:, T.MW_IDX].sum(1) > 0).sum())}, "
        f"set (e) {int((D['Me_dim'][:, T.MW_IDX].sum(1) > 0).sum())}")
    if args.only is not None:
        mem: dict = {}
        for u in (args.units if args.units is not None else range(T.N_OUTER + 1)):
            for name in args.only:
                fill_unit(D, name, u, args.seed, args.cache, mem, log)
        log("--only: cache filled")
        return
    evaluate(D, args, log)


def evaluate(D: dict, args, log) -> None:
    y, folds, n, gjw = D["y"], D["folds"], len(D["y"]), D["gjw"]
    mem: dict = {}
    units = list(range(T.N_OUTER + 1)) if args.smoke_units is None else args.smoke_units + [T.N_OUTER]
    R = {}
    for name in COMPONENTS:
        res = {u: fill_unit(D, name, u, args.seed, args.cache, mem, log) for u in units}
        if args.smoke_units is not None:   # development: the other folds' rows get zeros and are not evaluated
            for f in range(T.N_OUTER):
                res.setdefault(f, {**{k: (np.zeros((len(folds[f][1]),) + v.shape[1:]) if k != "prior" else v)
                                      for k, v in res[units[0]].items() if k not in ("seconds", "check_vs_v9_cache")},
                                   "seconds": np.array(0.0)})
        R[name] = C.pool_units(T, res, folds, n, FOLD_KEYS + ("prior",), seconds_of=range(T.N_OUTER))
        if name == "t7":
            t7_extra = {u: int(res[u]["n_extra"]) for u in units}
    for m, (a, b) in BLENDS.items():
        R[m] = C.blend(R, a, b)
    methods = ["B1", "G1", "G2", "G3", "v2.1.0", "t200", "t7", "v2.1.0dim"]
    dec = C.decider(T, R, y, SETS)
    preds = {m: tuple(dec(m, k) for k in SETS) for m in methods}
    smoke = args.smoke_units is not None
    flog = (lambda msg: None) if smoke else log   # smoke: figures are not printed
    S = s12_boot(y, gjw, preds, args.seed, args.n_boot)
    optimism = S.pop("_selection_optimism")
    eligible = [m for m in CANDIDATES if S[m]["eligible"]]
    selected = max(eligible, key=lambda m: S[m]["S12"]) if eligible else None
    checked = selected or max(CANDIDATES, key=lambda m: S[m]["S12"])
    for m in methods:
        v = S[m]
        flog(f"{m:9s} S9 {v['S9']} {v['S9_ci95']} (e) {v['e']} S12 {v['S12']} vs B1: S9 {v['S9_diff_vs_ref']:+.4f} "
            f"{v['S9_diff_ci95']} (e) {v['e_diff_vs_ref']:+.4f} {v['e_diff_ci95']} eligible {v['eligible']}")
    flog(f"eligible {eligible}; selected {selected}")
    cv, sim, ext, by_pattern, calib, recall, agn_as, ext_calib = C.five_set_reports(
        T, y, gjw, D, R, preds, dec, methods, REF, args.seed, args.n_boot)
    e_mw = D["Me_dim"][:, T.MW_IDX].sum(1) > 0
    res = {"protocol": "v12 (CARD.md)", "fold_random_state": V9.FOLD_SEED, "seconds": None, "n_boot": args.n_boot,
           "rows_evaluated": int(n), "rows_gjw": int(gjw.sum()), "run_note": args.run_note,
           "dimming": {"dim_max_dex": DIM_MAX, "n_dim_copies": N_DIM, "flux_floor_log": round(D["flux_floor_log"], 4),
                       "survey_key_limits": SURVEY_KEY_LIMITS,
                       "seeds": {"train": args.seed + DIM_TRAIN_SEED_OFFSET, "set_e": args.seed + DIM_EVAL_SEED_OFFSET},
                       "mean_d_train": round(float(D["d_train"].mean()), 4), "mean_d_e": round(float(D["d_e"].mean()), 4),
                       "set_e_rows_with_mw": int(e_mw.sum()),
                       "set_e_patterns": {p: int((T.row_pattern(D["Me_dim"]) == p).sum())
                                          for p in ("full", "gaia_only", "2mass_only", "wise_only", "none", "other")},
                       "set_a_patterns": {p: int((T.row_pattern(D["Ma"][0]) == p).sum())
                                          for p in ("full", "gaia_only", "2mass_only", "wise_only", "none", "other")}},
           "candidates": CANDIDATES, "reference": REF, "selection": S, "eligible": eligible, "selected": selected,
           "selection_optimism": optimism, "cv": cv, "simulated_patterns_on_gjw_rows": sim,
           "by_real_pattern": by_pattern, "classwise_calibration": calib, "external_2023": ext,
           "external_2023_calibration": ext_calib, "recall": recall, "agn_rows_predicted_as_gjw": agn_as,
           "t7_extra_rows_per_unit": t7_extra,
           "seconds_per_component_outer_folds": {m: round(R[m]["seconds"]) for m in COMPONENTS}}

    res["ngc3532_check"] = C.ngc_check_vs_ref(T, D["jn"], dec, checked, selected, REF, flog)
    C.finish_run(res, lambda: results_markdown(res, methods), "v12", args, smoke, log, T_START)


def results_markdown(res: dict, methods: list) -> str:
    S, cv, sim, ext = res["selection"], res["cv"], res["simulated_patterns_on_gjw_rows"], res["external_2023"]
    fmt = C.fmt_diff
    L = [f"## Protocol v12 results ({res['n_boot']} paired bootstrap resamples; v9's outer folds random_state "
         f"{res['fold_random_state']}; `experiments/v12_results.json`; nothing deployed by this run)", "",
         "| method | S9 [95 % CI] | (a) | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | (e) dimmed [95 % CI] | "
         "S12 | S9 - B1 [95 % CI] | (e) - B1 [95 % CI] | eligible |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        v = S[m]
        el = "-" if v["eligible"] is None else ("yes" if v["eligible"] else "no")
        L.append(f"| {NAMES[m]} | {v['S9']} {v['S9_ci95']} | {v['bacc_a']} | {v['bacc_b_gjw']} | {v['bacc_c_sightline']} | "
                 f"{v['bacc_d_gjw_sightline']} | {v['e']} {v['e_ci95']} | {v['S12']} | {v['S9_diff_vs_ref']:+.4f} "
                 f"{v['S9_diff_ci95']} | {v['e_diff_vs_ref']:+.4f} {v['e_diff_ci95']} | {el} |")
    o = res["selection_optimism"]
    sel = res["selected"]
    L += ["", f"**Eligible (S9 - B1 CI lower bound > {NONINFERIORITY} and (e) - B1 CI lower bound > 0): "
          f"{', '.join(res['eligible']) or 'none'}. Selected: {NAMES[sel] if sel else 'none; 2.2.2 stays deployed'}.** "
          f"Best-of-3 selection optimism in S12 over the resamples: {o['mean']} on average (95th percentile {o['p95']}). "
          "2.1.0, T3, T7 and 2.1.0dim are components, listed for reference. Set (e) comes from the same simulator as "
          "the training copies (protocol v12 point 5).", "",
          f"Dimming: L_X (log F_b) = {res['dimming']['flux_floor_log']}; mean d: training copies "
          f"{res['dimming']['mean_d_train']} dex, set (e) {res['dimming']['mean_d_e']} dex; photometry patterns of "
          f"set (e) {res['dimming']['set_e_patterns']} (set a: {res['dimming']['set_a_patterns']}).", "",
          "| method | bacc (a) [CI] | (b) - B1 [CI] | (c) - B1 [CI] | (d) - B1 [CI] | G+J+W1 - full [CI] | "
          "external 2023 [95 % CI] | external - B1 [CI] | max ECE (a) | max abs(mean p / freq - 1) (a) | max ECE (e) | "
          "max ECE external |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        c = res["classwise_calibration"][m]
        a = cv["set_a"]["balanced_accuracy"][m]
        L.append(f"| {NAMES[m]} | {a['value']} {a['ci95']} | {fmt(cv['set_b_gjw']['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(cv['set_c_sightline']['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(cv['set_d_gjw_sightline']['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(sim['differences'].get(f'{m}_g_j_w1 - {m}_full'))} | "
                 f"{ext['balanced_accuracy'][m]['value']} {ext['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(ext['differences'].get(f'{m} - B1'))} | {c['set_a']['max_ece']} | "
                 f"{round(c['set_a']['max_rel_dev'], 3)} | {c['set_e']['max_ece']} | "
                 f"{res['external_2023_calibration'][m]['max_ece']} |")
    for key, label in (("set_a", "set (a)"), ("set_d", "set (d), G+J+W1 rows"), ("set_e", "set (e), dimmed")):
        L += C.ece_table(T, res, NAMES, methods, key, label)
    L += C.five_set_tables(res, NAMES, methods)
    L += C.ngc_check_vs_ref_lines(res["ngc3532_check"], NAMES, "highest-S12 candidate, NOT selected")
    L += ["Configurations tried (all listed): on v9's folds 2.1.0 refit, T3 capped, T7, 2.1.0dim; B1; candidates G1, "
          "G2, G3 (exactly the protocol's list; nothing else was run).", ""]
    L += C.run_note_and_clock(res, "outer-fold fitting + prediction seconds per component",
                              "seconds_per_component_outer_folds")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
