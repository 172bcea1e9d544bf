#!/usr/bin/env python3
"""Protocol v8 (CARD.md): models trained on reddened G+J+W1-reduced copies (T6) and calibration fitted per
photometry group (C5), evaluated against the deployed 2.2.0 (B1) on the same outer folds.

    # fill the per-unit cache (units 0-9 = outer folds, 10 = final fit), at most 2 processes:
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --only v2.1.0 --units 0 2 4 6 8 10
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --only t200 t5 t6 --units ...
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --n-boot 1000
"""
from __future__ import annotations

import json
import os
import pickle
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

V7 = C.load("v7_candidates", os.path.join(HERE, "v7_candidates.py"))
T, V6 = V7.T, V7.V6
sys.modules["train"] = T   # v6 re-imported train.py under the same name; pickled 2.1.0 fits refer to V7's copy
T_START = time.time()


AGN = T.CLASSES.index("AGN")
SIGHT_D_SEED_OFFSET = 8        # evaluation set (d): rng seed = --seed + 8 (fixed by protocol v8)
GJW_BANDS = {"G", "J", "W1"}
T6_EXTRA_COPIES = range(1, T.N_AUG)   # T6: Monte-Carlo copies 1..7 reduced to G+J+W1 (copy 8's is among T5's subsets)
EPS = V7.EPS
METHODS = ["v2.1.0", "t200", "t5", "t6"]   # fitted; B1, B2, B3, C5 are combinations of their predictions
NAMES = {"v2.1.0": "2.1.0 (MLP ensembles)", "t200": "T3 capped (200 trees)", "t5": "T5 sightline forests (v7)",
         "t6": "T6 T5 + reddened G+J+W1 copies", "B1": "B1 = 2.2.0 (deployed; reference)",
         "B2": "B2 mean(2.1.0, T5)", "B3": "B3 mean(2.1.0, T6)", "C5": "C5 B3 + per-group calibration"}
CANDIDATES = ["B2", "t6", "B3", "C5"]
REF = "B1"
SETS = ("P", "SIM_g_j_w1", "PS", "PD")   # (a), (b), (c), (d)
GROUP_NAMES = {1: "full/other", 2: "partial (one survey or within G+J+W1)", 3: "no counterpart"}


def load_data(data_dir: str, seed: int) -> dict:
    """v7's data (rows, folds, sets a-c, external 2023 set, NGC 3532) plus set (d): A_tot ~ U(0, 6) per row
    (default_rng(seed + 8), row order), AGN reddened by exactly A_tot, MW block reduced to G+J+W1, av_gal = A_tot."""
    D = V7.load_data(data_dir, seed)
    y = D["y"]
    rng = np.random.default_rng(seed + SIGHT_D_SEED_OFFSET)
    a_tot = rng.uniform(0.0, T.AV_MAX, len(y))
    X, M = T.features_from_measurements(T.redden(D["meas"], np.where(y == AGN, a_tot, 0.0)))
    Xd, Md = V7.with_av(X, M, a_tot)
    D["Xd"], D["Md"], D["a_tot_d"] = Xd, Md * V7.pattern_mask31("g_j_w1"), a_tot
    D["gjw"] = C.gjw_rows(T, D["Ma"][0])
    return D


def photometry_group(M: np.ndarray) -> np.ndarray:
    """Protocol v8 point 2: 1 = full/other, 2 = partial (bands within one survey or within G+J+W1), 3 = none;
    from the union of the bands of the present MW features of each row's input mask."""
    out = np.ones(len(M), dtype=np.int64)
    for i, have in enumerate(C.row_bands(T, M)):
        if not have:
            out[i] = 3
        elif any(have <= s for s in (V6.SURVEYS["Gaia"], V6.SURVEYS["2MASS"], V6.SURVEYS["WISE"], GJW_BANDS)):
            out[i] = 2
    return out


class RoutedGJW:
    """T6: T5's forests (V7.RoutedSightline) with the X-ray+MW forest refitted on T5's training set plus, for every
    training row with G, J and W1, its sightline Monte-Carlo copies 1..7 reduced to G+J+W1. The X-ray-only forest is
    T5's (same data and seed)."""

    def __init__(self, t5, Xa, Ma, y, seed: int):
        has_mw = Ma[0][:, T.MW_IDX].sum(1) > 0
        rows = np.where(has_mw)[0]
        Xp, Mp = V6.pattern_copies(Xa, Ma, rows)
        yp = np.concatenate([y[rows]] + [y[rows][keep] for keep in V6.Routed._keeps(Ma, rows)])
        gjw = np.where(C.gjw_rows(T, Ma[0]))[0]
        red = V7.pattern_mask31("g_j_w1")
        Xg = np.concatenate([Xa[c, gjw] for c in T6_EXTRA_COPIES])
        Mg = np.concatenate([Ma[c, gjw] * red for c in T6_EXTRA_COPIES])
        yg = np.tile(y[gjw], len(T6_EXTRA_COPIES))
        ok = Mg[:, T.MW_IDX].sum(1) > 0
        self.n_extra = int(ok.sum())
        self.mw = V6.make_tree("rf_pd_ncsim_t200", seed).fit(
            T.rf_matrix(np.concatenate([Xp, Xg[ok]]), np.concatenate([Mp, Mg[ok]]), V7.ALL_COLS_T5),
            np.concatenate([yp, yg[ok]]))
        self.x = t5.x

    predict = V7.RoutedSightline.predict


def fitted_model(D: dict, name: str, u: int, seed: int, cache: str, mem: dict):
    """The fitted model of one unit (u = 0..9 outer fold, 10 = all rows). 2.1.0 = train.py fit_model on the training
    fold (as v6/v7), pickled in cache/v8model_v2.1.0_uU.pkl; forests are kept in memory only (mem) for sharing."""
    if (name, u) in mem:
        return mem[(name, u)]
    path = os.path.join(cache, f"v8model_{name}_u{u}.pkl")
    if name == "v2.1.0" and os.path.exists(path):
        with open(path, "rb") as fh:
            return pickle.load(fh)
    t = time.time()
    y, Xa, Ma, n = D["y"], D["Xa"], D["Ma"], len(D["y"])
    tr = D["folds"][u][0] if u < T.N_OUTER else np.arange(n)
    s = seed + (u if u < T.N_OUTER else 999)
    if name in ("t5", "t6") and "Xa5" not in D:
        D["Xa5"], D["Ma5"] = V7.augmented_sightline(D["meas"], D["err"], y, T.N_AUG, seed)
    if name == "v2.1.0":
        model = T.fit_model(Xa[:, tr], Ma[:, tr], y[tr], seed=s, log=lambda m: None)
    elif name == "t200":
        model = V6.Routed(V6.AMEND_V61, Xa[:, tr], Ma[:, tr], y[tr], V6.take(D["meas"], tr), V6.take(D["err"], tr), s)
    elif name == "t5":
        model = V7.RoutedSightline(D["Xa5"][:, tr], D["Ma5"][:, tr], y[tr], V6.take(D["meas"], tr),
                                   V6.take(D["err"], tr), s)
    elif name == "t6":
        t5 = fitted_model(D, "t5", u, seed, cache, mem)
        t = time.time()
        model = RoutedGJW(t5, D["Xa5"][:, tr], D["Ma5"][:, tr], y[tr], s)
    else:
        raise ValueError(name)
    model.fit_seconds = time.time() - t
    if name == "v2.1.0":
        with open(path + ".tmp", "wb") as fh:
            pickle.dump(model, fh)
        os.replace(path + ".tmp", path)
    else:
        mem[(name, u)] = model
    return model


def fill_unit(D: dict, name: str, u: int, seed: int, cache: str, mem: dict, log) -> dict:
    """Predictions of one unit, cached in cache/v8_NAME_uU.npz. Outer fold: P (a), SIM_<pattern> (MW block reduced,
    av_gal missing; SIM_g_j_w1 = set b), PS (c), PD (d), prior. Final fit: Pext (2023 set), Pngc (NGC 3532, av_gal
    from nh_gal; a check only), Pngc_noav."""
    path = os.path.join(cache, f"v8_{name}_u{u}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return {k: z[k] for k in z.files}
    y = D["y"]
    model = fitted_model(D, name, u, seed, cache, mem)
    t = time.time()
    if name in ("v2.1.0", "t200"):
        pred = lambda X, M: model.predict(X[:, :T.N_FEATURES], M[:, :T.N_FEATURES])  # noqa: E731 (no av_gal input)
    else:
        pred = model.predict
    if u < T.N_OUTER:
        tr, te = D["folds"][u]
        X0, M0 = V7.with_av(D["Xa"][0, te], D["Ma"][0, te], None)
        out = {"P": pred(X0, M0), "prior": T.class_prior(y[tr]), "PS": pred(D["Xs"][te], D["Ms"][te]),
               "PD": pred(D["Xd"][te], D["Md"][te])}
        for p in T.PATTERNS:
            out[f"SIM_{p}"] = pred(X0, M0 * V7.pattern_mask31(p))
    else:
        out = {"Pext": pred(*V7.with_av(D["Xe"], D["Me"], None)),
               "Pngc": pred(*V7.with_av(D["Xn"], D["Mn"], D["av_n"])),
               "Pngc_noav": pred(*V7.with_av(D["Xn"], D["Mn"], None))}
    out["seconds"] = np.array(float(getattr(model, "fit_seconds", 0.0)) + time.time() - t)
    if name != "v2.1.0":
        out["tree_nodes"] = np.array([sum(e.tree_.node_count for e in f.estimators_) for f in (model.mw, model.x)])
    np.savez(path, **out)
    log(f"  {name} unit {u} predictions cached ({float(out['seconds']):.0f} s)")
    return out


log_p = C.log_p


def calibrate_groups(R: dict, y: np.ndarray, folds: list, groups: dict, gjw: np.ndarray,
                     group3: str = "sim_none") -> tuple[dict, dict]:
    """Protocol v8 point 2: cross-fitted per-class vector scaling per photometry group. groups[key] = group of each
    row's input in prediction set `key`. Fit data of fold set F: group 1 = set-(a) rows of group 1; group 2 =
    set-(a) rows of group 2 + set (b) and set (d) predictions of the G+J+W1 rows; group 3 = SIM_none of all rows.
    Returns the calibrated copy of R and the all-fold fits {group: (a, b)} (deployed calibration).
    group3 (post-hoc diagnostics only, --post-hoc): "real_none" fits group 3 on the set-(a) rows of group 3 (the real
    no-counterpart rows), "identity" leaves group 3 uncalibrated."""
    def fit(rows: np.ndarray) -> dict:
        sel = np.zeros(len(y), dtype=bool)
        sel[rows] = True
        g_a = groups["P"]
        parts = {1: [(R["P"], sel & (g_a == 1))],
                 2: [(R["P"], sel & (g_a == 2)), (R["SIM_g_j_w1"], sel & gjw), (R["PD"], sel & gjw)],
                 3: [(R["SIM_none"], sel)] if group3 == "sim_none" else [(R["P"], sel & (g_a == 3))]}
        if group3 == "identity":
            del parts[3]
        out = {}
        for g, lst in parts.items():
            L = np.concatenate([log_p(P[m]) for P, m in lst])
            yy = np.concatenate([y[m] for _, m in lst])
            out[g] = T.fit_vector_scaling(L, yy)
        return out

    def apply(P: np.ndarray, g: np.ndarray, vs: dict) -> np.ndarray:
        out = P.copy()
        for k, v in vs.items():
            m = g == k
            if m.any():
                out[m] = T.apply_vs(log_p(P[m]), v)
        return out

    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in R.items()}
    keys = [k for k in R if k in ("P", "PS", "PD") or k.startswith("SIM_")]
    for k_fold, (_, te) in enumerate(folds):
        other = np.concatenate([f[1] for j, f in enumerate(folds) if j != k_fold])
        vs = fit(other)
        for key in keys:
            out[key][te] = apply(R[key][te], groups[key][te], vs)
    vs_all = fit(np.arange(len(y)))
    for key in ("Pext", "Pngc", "Pngc_noav"):
        out[key] = apply(R[key], groups[key], vs_all)
    return out, vs_all


def s8_boot(y: np.ndarray, gjw: np.ndarray, preds: dict, ref: str, seed: int, n_boot: int) -> dict:
    """S8 = mean(bacc a, b, c, d); (b) and (d) over the G+J+W1 rows. Paired bootstrap over the 2941 sources (the same
    resample for the four sets and every method). preds[m] = (pred_a, pred_b, pred_c, pred_d)."""
    n = len(y)

    def parts(idx, m):
        a, b, c, d = preds[m]
        ig = idx[gjw[idx]]
        return (T.bacc_from_pairs(y[idx], a[idx]), T.bacc_from_pairs(y[ig], b[ig]),
                T.bacc_from_pairs(y[idx], c[idx]), T.bacc_from_pairs(y[ig], d[ig]))

    reps = C.boot_reps(n, preds, parts, seed, n_boot)
    ci = C.ci95
    full = np.arange(n)
    ref_s = float(np.mean(parts(full, ref)))
    out = {}
    for m in preds:
        pa = parts(full, m)
        d = reps[m] - reps[ref]
        out[m] = {"S8": round(float(np.mean(pa)), 4), "ci95": ci(reps[m]), "bacc_a": round(pa[0], 4),
                  "bacc_b_gjw": round(pa[1], 4), "bacc_c_sightline": round(pa[2], 4),
                  "bacc_d_gjw_sightline": round(pa[3], 4), "diff_vs_ref": round(float(np.mean(pa)) - ref_s, 4),
                  "diff_ci95": ci(d), "beats_ref": bool(ci(d)[0] > 0) if m != ref else None}
    cands = [m for m in CANDIDATES if m in reps]
    out["_selection_optimism"] = C.selection_optimism(reps, out, "S8", ref, cands)
    return out


def evaluate(D: dict, args, log) -> None:
    y, folds, n, gjw = D["y"], D["folds"], len(D["y"]), D["gjw"]
    mem: dict = {}
    R = {}
    for name in METHODS:
        res = {u: fill_unit(D, name, u, args.seed, args.cache, mem, log) for u in range(T.N_OUTER + 1)}
        r = C.pool_units(T, res, folds, n, ("P", "PS", "PD", "prior"))
        if "tree_nodes" in res[T.N_OUTER]:
            r["tree_nodes"] = {"xray+mw": int(res[T.N_OUTER]["tree_nodes"][0]), "xray": int(res[T.N_OUTER]["tree_nodes"][1])}
        R[name] = r
    R["B1"], R["B2"], R["B3"] = C.blend(R, "v2.1.0", "t200"), C.blend(R, "v2.1.0", "t5"), C.blend(R, "v2.1.0", "t6")
    M0 = D["Ma"][0]
    groups = {"P": photometry_group(M0), "PS": photometry_group(D["Ms"]), "PD": photometry_group(D["Md"]),
              "Pext": photometry_group(D["Me"]), "Pngc": photometry_group(D["Mn"]), "Pngc_noav": photometry_group(D["Mn"])}
    for p in T.PATTERNS:
        groups[f"SIM_{p}"] = photometry_group(M0 * T.pattern_mask(p))
    R["C5"], vs_c5 = calibrate_groups(R["B3"], y, folds, groups, gjw)
    if args.post_hoc:
        post_hoc(R, D, groups, args, log)
        return
    methods = ["B1", "B2", "t6", "B3", "C5", "v2.1.0", "t200", "t5"]
    dec = C.decider(T, R, y, SETS)

    preds = {m: tuple(dec(m, k) for k in SETS) for m in methods}
    S = s8_boot(y, gjw, preds, REF, args.seed, args.n_boot)
    optimism = S.pop("_selection_optimism")
    selected = max(CANDIDATES, key=lambda m: S[m]["S8"])
    deploy = bool(S[selected]["beats_ref"])
    C.log_scores(log, S, methods, "S8")
    log(f"selected {selected}; deploy: {deploy}")
    others = [(m, REF) for m in methods if m != REF]
    cv_a = C.boot_set(T, y, preds, 0, methods, others, args.seed, args.n_boot)
    cv_c = C.boot_set(T, y, preds, 2, methods, others, args.seed, args.n_boot)
    cv_d = C.boot_set(T, y, preds, 3, methods, others, args.seed, args.n_boot, rows=gjw)
    sim, ext = C.pattern_and_external(T, y, gjw, D["ye"], dec, methods, others, args.seed, args.n_boot)
    by_pattern = C.by_real_pattern(T, y, M0, preds, methods)
    by_group = {}
    for g in (1, 2, 3):
        sel = groups["P"] == g
        by_group[GROUP_NAMES[g]] = {"n": int(sel.sum()), **{m: round(T.bacc_from_pairs(y[sel], preds[m][0][sel]), 4)
                                                             for m in methods}}
    calib, recall, agn_as = C.set_metrics(T, R, y, gjw, preds, methods)
    # NGC 3532: once, after selection, for the selected candidate and the reference (check only)

    def ngc(m, key):
        return C.ngc_check(T, D["jn"], dec(m, key), m, key)
    ngc_res = {"use": "check only: computed after selection; never used to choose",
               "av_gal_from_nh_gal": {"n_known": int(np.isfinite(D["av_n"]).sum()),
                                      "median": round(float(np.nanmedian(D["av_n"])), 3)},
               "selected": ngc(selected, "Pngc"), "selected_without_av_gal": ngc(selected, "Pngc_noav"),
               "reference_B1": ngc(REF, "Pngc")}
    log(f"NGC 3532 check: {ngc_res['selected']} | B1 {ngc_res['reference_B1']}")
    vs_fmt = {GROUP_NAMES[g]: {"a": [round(float(v), 5) for v in ab[0]], "b": [round(float(v), 5) for v in ab[1]]}
              for g, ab in vs_c5.items()}
    res = {"protocol": "v8 (CARD.md)", "seconds": round(time.time() - T_START, 1), "n_boot": args.n_boot,
           "rows_evaluated": int(n), "rows_gjw": int(gjw.sum()), "run_note": args.run_note, "candidates": CANDIDATES,
           "reference": REF, "selection": S, "selected": selected, "deploy": deploy, "selection_optimism": optimism,
           "decision": (f"{selected} beats 2.2.0 on S8 (CI lower bound > 0): deploy as 2.3.0" if deploy else
                        f"no candidate beats 2.2.0 on S8 (selected {selected}, CI lower bound <= 0): 2.2.0 stays deployed"),
           "cv_set_a": cv_a, "cv_set_c_sightline": cv_c, "cv_set_d_gjw_sightline": cv_d,
           "simulated_patterns_on_gjw_rows": sim, "by_real_pattern": by_pattern, "by_photometry_group": by_group,
           "classwise_calibration": calib, "external_2023": ext, "recall": recall,
           "agn_rows_predicted_as_gjw": agn_as,
           "calibration_final_fit": {"C5": {"groups": vs_fmt, "eps": EPS}}, "ngc3532_check": ngc_res,
           "set_d": {"seed": args.seed + SIGHT_D_SEED_OFFSET, "a_tot_mean": round(float(D["a_tot_d"].mean()), 4)},
           "tree_nodes_final_fit": {m: R[m]["tree_nodes"] for m in METHODS if m != "v2.1.0"},
           "seconds_per_method": {m: round(R[m]["seconds"]) for m in METHODS}}
    for m in methods:
        log(f"{m:7s} a {cv_a['balanced_accuracy'][m]['value']} d {cv_d['balanced_accuracy'][m]['value']} "
            f"gjw-full {sim['differences'][f'{m}_g_j_w1 - {m}_full']['value']} ext {ext['balanced_accuracy'][m]['value']} "
            f"maxECE {calib[m]['set_a']['max_ece']} maxdev {calib[m]['set_a']['max_rel_dev']:.3f} "
            f"AGN rec d {recall[m]['set_d_gjw_sightline']['AGN']}")
    if args.no_card:
        log("development run: nothing written")
        return
    C.write_results(res, results_markdown(res, methods), "v8")
    log("wrote v8_results.json and the v8 results section of CARD.md")


def post_hoc(R: dict, D: dict, groups: dict, args, log) -> None:
    """Diagnostics decided AFTER the v8 results (not candidates, no deployment consequence): where C5's set-(a)
    loss comes from. C5r = C5 with group 3 fitted on the real no-counterpart rows (set a); C5i = C5 with group 3
    uncalibrated. Writes experiments/v8_posthoc.json; the card is not touched."""
    y, folds, gjw = D["y"], D["folds"], D["gjw"]
    R["C5r"], _ = calibrate_groups(R["B3"], y, folds, groups, gjw, group3="real_none")
    R["C5i"], _ = calibrate_groups(R["B3"], y, folds, groups, gjw, group3="identity")
    methods = ["B1", "B3", "C5", "C5r", "C5i"]
    preds = {m: tuple(T.decide(R[m][k], R[m]["prior"]) for k in SETS) for m in methods}
    S = s8_boot(y, gjw, preds, REF, args.seed, args.n_boot)
    S.pop("_selection_optimism")
    out = {"what": post_hoc.__doc__.strip(), "n_boot": args.n_boot, "selection": S,
           "classwise_calibration_set_a": {m: {k: v for k, v in T.classwise_calibration(R[m]["P"], y).items()
                                               if k in ("max_ece", "max_rel_dev")} for m in methods},
           "recall_set_a": {m: T.metrics(y, preds[m][0], None)["recall"] for m in methods}}
    for m in methods:
        v = S[m]
        c = out["classwise_calibration_set_a"][m]
        log(f"post hoc {m:4s} S8 {v['S8']:.4f} a {v['bacc_a']} b {v['bacc_b_gjw']} c {v['bacc_c_sightline']} "
            f"d {v['bacc_d_gjw_sightline']} vs B1 {v['diff_vs_ref']:+.4f} {v['diff_ci95']} maxECE(a) {c['max_ece']} "
            f"maxdev(a) {c['max_rel_dev']:.3f}")
    if not args.no_card:
        with open(os.path.join(HERE, "v8_posthoc.json"), "w") as fh:
            json.dump(out, fh, indent=1)
        log("wrote v8_posthoc.json")


def results_markdown(res: dict, methods: list) -> str:
    S, cva, cvc, cvd, sim, ext = (res["selection"], res["cv_set_a"], res["cv_set_c_sightline"],
                                  res["cv_set_d_gjw_sightline"], res["simulated_patterns_on_gjw_rows"],
                                  res["external_2023"])
    fmt = C.fmt_diff
    L = [f"## Protocol v8 results ({res['n_boot']} paired bootstrap resamples; `experiments/v8_results.json`)", "",
         "| method | S8 [95 % CI] | (a) as is | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | "
         "S8 - S8(2.2.0) [95 % CI] | beats 2.2.0 |", "|---|---|---|---|---|---|---|---|"]
    L += C.score_rows(S, NAMES, methods, "S8")
    o = res["selection_optimism"]
    L += ["", f"**Selected by S8 among {', '.join(NAMES[c] for c in res['candidates'])}: {NAMES[res['selected']]}. "
          f"Decision: {res['decision']}.** Choosing the best of 4 candidates on the same outer folds biases the "
          "selected one's S8 and difference upward: over the bootstrap resamples the best candidate's S8 difference "
          f"exceeds the selected one's by {o['mean']} on average (95th percentile {o['p95']}). 2.1.0, T3 and T5 are "
          "not candidates, listed for reference.", "",
          "| method | bacc (a) [95 % CI] | (a) - 2.2.0 [CI] | (c) - 2.2.0 [CI] | bacc (d) [CI] | (d) - 2.2.0 [CI] | "
          "G+J+W1 - full [CI] | external 2023 [CI] | max per-class ECE (a) | max abs(mean p / freq - 1) (a) | "
          "max ECE (c) | max ECE (d) |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        c = res["classwise_calibration"][m]
        L.append(f"| {NAMES[m]} | {cva['balanced_accuracy'][m]['value']} {cva['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cva['differences'].get(f'{m} - B1'))} | {fmt(cvc['differences'].get(f'{m} - B1'))} | "
                 f"{cvd['balanced_accuracy'][m]['value']} {cvd['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cvd['differences'].get(f'{m} - B1'))} | {fmt(sim['differences'].get(f'{m}_g_j_w1 - {m}_full'))} | "
                 f"{ext['balanced_accuracy'][m]['value']} {ext['balanced_accuracy'][m]['ci95']} | "
                 f"{c['set_a']['max_ece']} | {round(c['set_a']['max_rel_dev'], 3)} | {c['set_c']['max_ece']} | "
                 f"{c['set_d']['max_ece']} |")
    L += C.ece_table(T, res, NAMES, methods, "set_a", "set (a)")
    L += C.agn_tables(T, res, NAMES, methods)
    L += ["", "Balanced accuracy by the row's real photometry pattern, and by v8 photometry group (set a, outer CV):", "",
          "| subset | n | " + " | ".join(NAMES[m] for m in methods) + " |", "|---|---|" + "---|" * len(methods)]
    L += C.subset_rows(list(res["by_real_pattern"].items())
                       + [(f"group {k}", v) for k, v in res["by_photometry_group"].items()], methods)
    ng = res["ngc3532_check"]
    L += C.ngc_lines(ng, NAMES, "computed once after selection")
    L += [f"av_gal of the NGC 3532 rows from nh_gal: {ng['av_gal_from_nh_gal']}.", "",
          "Configurations tried (all listed): 2.1.0 refit, T3 capped, T5, T6; blends B1, B2, B3; calibrated C5 "
          "(exactly the protocol's list; nothing else was run).", ""]
    L += C.run_note_and_clock(res, "fitting + prediction seconds per method", "seconds_per_method")
    return "\n".join(L) + "\n"


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache", "fit these methods only (cache) and exit",
                  "with --only: units (0-9 folds, 10 final fit)")
    ap.add_argument("--fit-only", action="store_true", help="with --only: fit (2.1.0: pickle) without predicting")
    C.add_run_options(ap)
    ap.add_argument("--post-hoc", action="store_true", help="post-hoc C5 diagnostics only (v8_posthoc.json)")
    args = ap.parse_args()
    log = C.start(T, args.cache, T_START, clock=True)
    D = load_data(args.data_dir, args.seed)
    units = args.units if args.units is not None else list(range(T.N_OUTER + 1))
    if args.only is not None:
        for u in units:
            mem: dict = {}
            for name in args.only:
                if args.fit_only:
                    m = fitted_model(D, name, u, args.seed, args.cache, mem)
                    log(f"{name} unit {u} fitted ({getattr(m, 'fit_seconds', 0):.0f} s)")
                else:
                    fill_unit(D, name, u, args.seed, args.cache, mem, log)
        log("--only: cache filled")
        return
    evaluate(D, args, log)


if __name__ == "__main__":
    main()
