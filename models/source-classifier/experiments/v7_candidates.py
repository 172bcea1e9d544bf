#!/usr/bin/env python3
"""Protocol v7 (CARD.md): Galactic-sightline conditioning (feature av_gal) and cross-fitted per-class calibration,
evaluated against the deployed 2.2.0 (B1 = mean of 2.1.0 and T3 capped at 200 trees) on the same outer folds.

    # fill the per-unit cache (units 0-9 = outer folds, 10 = final fit), methods in parallel processes:
    /usr/bin/python3 models/source-classifier/experiments/v7_candidates.py --only v2.1.0 --units 0 2 4 6 8 10
    /usr/bin/python3 models/source-classifier/experiments/v7_candidates.py --only t200 t5
    # evaluate (nothing fitted when the cache is full) and write v7_results.json + the card's v7 results section:
    /usr/bin/python3 models/source-classifier/experiments/v7_candidates.py --n-boot 1000

Reuses train.py (data, features, folds, 2.1.0's fit_model, metrics) and experiments/v6_candidates.py (routed
forests, pattern copies, simulated no-counterpart rows) by import. Every method predicts, per outer fold, the
three evaluation sets of protocol v7: (a) rows as they are (av_gal missing), (b) G+J+W1-reduced rows (av_gal
missing), (c) the sightline set (each row A_tot ~ U(0, 6), AGN reddened by it, av_gal = A_tot).
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

T = C.load("train", os.path.join(HERE, "..", "train.py"))
V6 = C.load("v6_candidates", os.path.join(HERE, "v6_candidates.py"))

AV_IDX = T.N_FEATURES          # feature 30: av_gal (mag), Galactic A_V of the sightline from CSC2 nh_gal
N_FEATURES_V7 = T.N_FEATURES + 1
P_SIGHTLINE = 0.5              # T5: probability that an augmented row copy gets a sightline (av_gal present)
SIGHT_SEED_OFFSET = 7          # evaluation set (c): rng seed = --seed + 7 (fixed by protocol v7)
X_COLS_T5 = np.concatenate([T.XRAY_IDX, [AV_IDX]])
ALL_COLS_T5 = np.arange(N_FEATURES_V7)


def with_av(X: np.ndarray, M: np.ndarray, av: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Append av_gal (value, mask) as the last feature; av None or NaN = missing."""
    n = X.shape[-2]
    a = np.full(X.shape[:-1], np.nan) if av is None else np.broadcast_to(np.asarray(av, dtype=np.float64), X.shape[:-1])
    ok = np.isfinite(a)
    Xn = np.concatenate([X, np.where(ok, a, 0.0)[..., None].astype(np.float32)], axis=-1)
    Mn = np.concatenate([M, ok[..., None].astype(np.float32)], axis=-1)
    assert Xn.shape[-2] == n
    return Xn, Mn


def av_from_nh_gal(nh_gal_1e20: np.ndarray) -> np.ndarray:
    """CSC2 master_source.nh_gal (units 1e20 cm^-2) -> A_V (mag); NaN stays missing."""
    return np.asarray(nh_gal_1e20, dtype=np.float64) * 1e20 / T.NH_PER_AV


def sightline_set(meas: dict, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluation set (c): every row gets A_tot ~ U(0, AV_MAX) (one seeded draw per row); AGN rows are reddened by
    exactly A_tot (photometry and X-ray absorption), Galactic rows keep their measurements; av_gal = A_tot.
    Returns X [n,31], M [n,31], A_tot [n]."""
    rng = np.random.default_rng(seed + SIGHT_SEED_OFFSET)
    a_tot = rng.uniform(0.0, T.AV_MAX, len(y))
    agn = y == T.CLASSES.index("AGN")
    X, M = T.features_from_measurements(T.redden(meas, np.where(agn, a_tot, 0.0)))
    Xs, Ms = with_av(X, M, a_tot)
    return Xs, Ms, a_tot


def augmented_sightline(meas: dict, err: dict, y: np.ndarray, n_aug: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """T5 training copies [n_aug+1, n, 31]. Copy 0 nominal, av_gal missing. Copies 1..n_aug are Monte-Carlo draws;
    in each, every row gets a sightline with probability P_SIGHTLINE: A_tot ~ U(0, AV_MAX), AGN reddened by exactly
    A_tot, Galactic rows keep their photometry (their own extinction is unknown and <= A_tot), av_gal = A_tot.
    Rows without a sightline: av_gal missing and, as train.augmented, AGN reddened by a random A_V ~ U(0, AV_MAX)
    in the second half of the copies."""
    rng = np.random.default_rng(seed)
    agn = y == T.CLASSES.index("AGN")
    X0, M0 = T.features_from_measurements(meas)
    Xs, Ms = [with_av(X0, M0, None)[0]], [with_av(X0, M0, None)[1]]
    n = len(y)
    for i in range(n_aug):
        draw = T.sample_measurements(meas, err, rng)
        sight = rng.random(n) < P_SIGHTLINE
        a_tot = rng.uniform(0.0, T.AV_MAX, n)
        a_rand = rng.uniform(0.0, T.AV_MAX, n)
        av = np.where(agn & sight, a_tot, np.where(agn & ~sight & (i >= n_aug // 2), a_rand, 0.0))
        X, M = T.features_from_measurements(T.redden(draw, av))
        Xa, Ma = with_av(X, M, np.where(sight, a_tot, np.nan))
        Xs.append(Xa)
        Ms.append(Ma)
    return np.stack(Xs), np.stack(Ms)


def pattern_mask31(name: str) -> np.ndarray:
    return np.concatenate([T.pattern_mask(name), [1.0]]).astype(np.float32)


class RoutedSightline:
    """T5: T3 (routed forests, pattern copies, simulated no-counterpart rows, 200 trees per forest, T3's seeds)
    trained on the sightline copies, with av_gal as a feature of both forests."""

    def __init__(self, Xa, Ma, y, meas, err, seed: int):
        has_mw = Ma[0][:, T.MW_IDX].sum(1) > 0
        rows = np.where(has_mw)[0]
        Xp, Mp = V6.pattern_copies(Xa, Ma, rows)
        yp = np.concatenate([y[rows]] + [y[rows][keep] for keep in V6.Routed._keeps(Ma, rows)])
        self.mw = V6.make_tree("rf_pd_ncsim_t200", seed).fit(T.rf_matrix(Xp, Mp, ALL_COLS_T5), yp)
        # X-ray-only forest: nominal rows without photometry + one Monte-Carlo copy of them (with its sightline
        # draw) + the simulated no-counterpart copies of the rows with photometry, each with a sightline w.p. 0.5
        floor = float(np.quantile(Xa[0][:, 0][Ma[0][:, 0] > 0.5], V6.NC_FLUX_QUANTILE))
        rng = np.random.default_rng(seed + 31)
        agn_rows = y[rows] == T.CLASSES.index("AGN")
        sight = rng.random(len(rows)) < P_SIGHTLINE
        a_tot = rng.uniform(0.0, T.AV_MAX, len(rows))
        red = T.redden(V6.take(meas, rows), np.where(agn_rows & sight, a_tot, 0.0))
        full = {k: ({b: v.copy() for b, v in meas[k].items()} if k == "mags" else np.array(meas[k], dtype=np.float64))
                for k in meas}
        for k in red:
            if k == "mags":
                for b in T.MW_BANDS:
                    full["mags"][b][rows] = red["mags"][b]
            else:
                full[k][rows] = red[k]
        origin: list = []
        Xn, Mn, yn = V6.no_counterpart_sim(full, err, y, rows, floor, seed, origin)
        Xn, Mn = with_av(Xn, Mn, np.where(sight, a_tot, np.nan)[np.array(origin, dtype=np.int64)])
        none = ~has_mw
        Xx = np.concatenate([Xa[0][none], Xa[1][none], Xn])
        Mx = np.concatenate([Ma[0][none], Ma[1][none], Mn])
        yx = np.concatenate([y[none], y[none], yn])
        self.x = V6.make_tree("rf_pd_ncsim_t200", seed + 1).fit(T.rf_matrix(Xx, Mx, X_COLS_T5), yx)

    def predict(self, X: np.ndarray, M: np.ndarray) -> np.ndarray:
        has_mw = M[:, T.MW_IDX].sum(1) > 0
        p = np.zeros((len(X), T.N_CLASSES))
        if has_mw.any():
            p[np.ix_(has_mw, self.mw.classes_)] = self.mw.predict_proba(T.rf_matrix(X[has_mw], M[has_mw], ALL_COLS_T5))
        if (~has_mw).any():
            p[np.ix_(~has_mw, self.x.classes_)] = self.x.predict_proba(T.rf_matrix(X[~has_mw], M[~has_mw], X_COLS_T5))
        return p


T_START = time.time()
METHODS = ["v2.1.0", "t200", "t5"]   # fitted methods; B1 / C1 / B2 / C3 are combinations of their predictions


def load_data(data_dir: str, seed: int) -> dict:
    td = pd.read_csv(os.path.join(os.path.abspath(data_dir), "muwclass_TD_yang2022.csv"))
    y = td["True_Class"].map({c: i for i, c in enumerate(T.CLASSES)}).to_numpy().astype(np.int64)
    meas, err = T.td_measurements(td), T.td_errors(td)
    Xa, Ma = T.augmented(meas, err, T.N_AUG, seed=seed, redden_rows=(y == T.CLASSES.index("AGN")))
    folds = list(StratifiedKFold(T.N_OUTER, shuffle=True, random_state=seed).split(Xa[0], y))
    Xs, Ms, a_tot = sightline_set(meas, y, seed)
    td23 = pd.read_csv(os.path.join(os.path.abspath(data_dir), "muwclass_CSC_TD_11042023_MW.csv"))
    new = td23[~td23["name"].isin(td["CSCv2_name"]) & td23["Class"].isin(T.CLASSES)].reset_index(drop=True)
    m23 = {"fs": T._num(new["Fcsc_s"]), "fm": T._num(new["Fcsc_m"]), "fh": T._num(new["Fcsc_h"]),
           "fb": np.full(len(new), np.nan), "p_intra": T._num(new["var_intra_prob"]),
           "p_inter": T._num(new["var_inter_prob"]),
           "mags": {k: T._num(new[c]) for k, c in zip(T.MW_BANDS, T.MW_TD_COLS)}}
    Xe, Me = T.features_from_measurements(m23)
    ye = np.array([T.CLASSES.index(c) for c in new["Class"]])
    _, _, jn, Xn, Mn = T.ngc3532_inputs(os.path.join(T.REPO, "data", "sample", "muwclass_ngc3532_class.csv"),
                                        os.path.join(T.REPO, "data", "sample", "ngc3532_conesearch_per.csv"))
    av_n = av_from_nh_gal(T._num(jn["nh_gal"]))
    return dict(td=td, y=y, meas=meas, err=err, Xa=Xa, Ma=Ma, folds=folds, Xs=Xs, Ms=Ms, a_tot=a_tot,
                Xe=Xe, Me=Me, ye=ye, jn=jn, Xn=Xn, Mn=Mn, av_n=av_n)


def fill_unit(D: dict, name: str, u: int, seed: int, cache: str, log) -> dict:
    """One outer fold (u = 0..9) or the final fit on all rows (u = 10) of one method, cached in cache/NAME_uU.npz.
    Saved: P (set a), SIM_<pattern> (MW block reduced, av_gal missing; SIM_g_j_w1 = set b), PS (set c), prior;
    final fit: Pext (2023 set, av_gal missing), Pngc (NGC 3532, av_gal from nh_gal; a check only)."""
    path = os.path.join(cache, f"{name}_u{u}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return {k: z[k] for k in z.files}
    t = time.time()
    y, Xa, Ma, n = D["y"], D["Xa"], D["Ma"], len(D["y"])
    tr = D["folds"][u][0] if u < T.N_OUTER else np.arange(n)
    s = seed + (u if u < T.N_OUTER else 999)
    if name == "v2.1.0":
        model = T.fit_model(Xa[:, tr], Ma[:, tr], y[tr], seed=s, log=lambda m: None)
        pred = lambda X, M: model.predict(X[:, :T.N_FEATURES], M[:, :T.N_FEATURES])  # noqa: E731 (no av_gal input)
    elif name == "t200":
        model = V6.Routed(V6.AMEND_V61, Xa[:, tr], Ma[:, tr], y[tr], V6.take(D["meas"], tr), V6.take(D["err"], tr), s)
        pred = lambda X, M: model.predict(X[:, :T.N_FEATURES], M[:, :T.N_FEATURES])  # noqa: E731
    elif name == "t5":
        if "Xa5" not in D:
            D["Xa5"], D["Ma5"] = augmented_sightline(D["meas"], D["err"], y, T.N_AUG, seed)
        model = RoutedSightline(D["Xa5"][:, tr], D["Ma5"][:, tr], y[tr], V6.take(D["meas"], tr), V6.take(D["err"], tr), s)
        pred = model.predict
    else:
        raise ValueError(name)
    if u < T.N_OUTER:
        te = D["folds"][u][1]
        X0, M0 = with_av(Xa[0, te], Ma[0, te], None)
        out = {"P": pred(X0, M0), "prior": T.class_prior(y[tr]), "PS": pred(D["Xs"][te], D["Ms"][te])}
        for p in T.PATTERNS:
            out[f"SIM_{p}"] = pred(X0, M0 * pattern_mask31(p))
        log(f"  {name} fold {u + 1}: bacc a {T.bacc_from_pairs(y[te], T.decide(out['P'], out['prior'])):.3f} "
            f"c {T.bacc_from_pairs(y[te], T.decide(out['PS'], out['prior'])):.3f}")
    else:
        out = {"Pext": pred(*with_av(D["Xe"], D["Me"], None)),
               "Pngc": pred(*with_av(D["Xn"], D["Mn"], D["av_n"])),
               "Pngc_noav": pred(*with_av(D["Xn"], D["Mn"], None))}
        log(f"  {name} final fit done")
    out["seconds"] = np.array(time.time() - t)
    np.savez(path, **out)
    return out


NAMES = {"v2.1.0": "2.1.0 (MLP ensembles)", "t200": "T3 capped (200 trees)", "t5": "T5 T3 + sightline training",
         "B1": "B1 = 2.2.0 (deployed; reference)", "C1": "C1 B1 + calibration", "B2": "B2 mean(2.1.0, T5)",
         "C3": "C3 B2 + calibration"}
CANDIDATES = ["C1", "t5", "B2", "C3"]
REF = "B1"
EPS = C.EPS
log_p = C.log_p


def calibrate(R: dict, y: np.ndarray, folds: list) -> tuple[dict, tuple]:
    """Protocol v7 point 4: cross-fitted vector scaling on log p. Returns the calibrated copy of R (all sets) and
    the fit on all out-of-fold predictions (for the final model)."""
    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in R.items()}
    keys = [k for k in R if k in ("P", "PS") or k.startswith("SIM_")]
    for k_fold, (_, te) in enumerate(folds):
        other = np.concatenate([f[1] for j, f in enumerate(folds) if j != k_fold])
        vs = T.fit_vector_scaling(log_p(R["P"][other]), y[other])
        for key in keys:
            out[key][te] = T.apply_vs(log_p(R[key][te]), vs)
    vs_all = T.fit_vector_scaling(log_p(R["P"]), y)
    for key in ("Pext", "Pngc", "Pngc_noav"):
        if key in R:
            out[key] = T.apply_vs(log_p(R[key]), vs_all)
    return out, vs_all


def s7_boot(y: np.ndarray, gjw: np.ndarray, preds: dict, ref: str, seed: int, n_boot: int) -> dict:
    """S7 = mean(bacc set a, bacc set b (G+J+W1 rows reduced), bacc set c (sightlines)); paired bootstrap over the
    2941 sources (the same resample for the three sets and every method). preds[m] = (pred_a, pred_b, pred_c)."""
    n = len(y)

    def parts(idx, m):
        a, b, c = preds[m]
        ig = idx[gjw[idx]]
        return (T.bacc_from_pairs(y[idx], a[idx]), T.bacc_from_pairs(y[ig], b[ig]), T.bacc_from_pairs(y[idx], c[idx]))

    reps = C.boot_reps(n, preds, parts, seed, n_boot)
    ci = C.ci95
    full = np.arange(n)
    out = {}
    for m in preds:
        pa = parts(full, m)
        s7 = float(np.mean(pa))
        d = reps[m] - reps[ref]
        out[m] = {"S7": round(s7, 4), "ci95": ci(reps[m]), "bacc_a": round(pa[0], 4), "bacc_b_gjw": round(pa[1], 4),
                  "bacc_c_sightline": round(pa[2], 4), "diff_vs_ref": round(s7 - float(np.mean(parts(full, ref))), 4),
                  "diff_ci95": ci(d), "beats_ref": bool(ci(d)[0] > 0) if m != ref else None}
    cands = [m for m in CANDIDATES if m in reps]
    if cands:
        out["_selection_optimism"] = C.selection_optimism(reps, out, "S7", ref, cands)
    return out


def evaluate(D: dict, args, log) -> None:
    y, folds, n = D["y"], D["folds"], len(D["y"])
    R = {}
    for name in METHODS:
        res = {u: fill_unit(D, name, u, args.seed, args.cache, log) for u in range(T.N_OUTER + 1)}
        R[name] = C.pool_units(T, res, folds, n, ("P", "PS", "prior"))
    R["B1"] = C.blend(R, "v2.1.0", "t200")
    R["B2"] = C.blend(R, "v2.1.0", "t5")
    R["C1"], vs_c1 = calibrate(R["B1"], y, folds)
    R["C3"], vs_c3 = calibrate(R["B2"], y, folds)
    methods = ["B1", "C1", "t5", "B2", "C3", "v2.1.0", "t200"]
    dec = C.decider(T, R, y, ("P", "PS"))

    M0 = D["Ma"][0]
    gjw = C.gjw_rows(T, M0)
    preds = {m: (dec(m, "P"), dec(m, "SIM_g_j_w1"), dec(m, "PS")) for m in methods}
    S = s7_boot(y, gjw, preds, REF, args.seed, args.n_boot)
    optimism = S.pop("_selection_optimism")
    selected = max(CANDIDATES, key=lambda m: S[m]["S7"])
    deploy = bool(S[selected]["beats_ref"])
    C.log_scores(log, S, methods, "S7")
    log(f"selected {selected}; deploy: {deploy}")
    others = [(m, REF) for m in methods if m != REF]
    cv_a = C.boot_set(T, y, preds, 0, methods, others, args.seed, args.n_boot)
    cv_c = C.boot_set(T, y, preds, 2, methods, others, args.seed, args.n_boot)
    sim, ext = C.pattern_and_external(T, y, gjw, D["ye"], dec, methods, others, args.seed, args.n_boot)
    by_pattern = C.by_real_pattern(T, y, M0, preds, methods)
    calib = {m: {"set_a": T.classwise_calibration(R[m]["P"], y), "set_c": T.classwise_calibration(R[m]["PS"], y)}
             for m in methods}
    # NGC 3532: once, after selection, for the selected candidate and the reference (check only)
    def ngc(m, key):
        return C.ngc_check(T, D["jn"], dec(m, key), m)
    ngc_res = {"use": "check only: computed after selection; never used to choose",
               "av_gal_from_nh_gal": {"n_known": int(np.isfinite(D["av_n"]).sum()),
                                      "median": round(float(np.nanmedian(D["av_n"])), 3)},
               "selected": ngc(selected, "Pngc"), "reference_B1": ngc(REF, "Pngc"),
               "selected_without_av_gal": ngc(selected, "Pngc_noav")}
    log(f"NGC 3532 check: {ngc_res['selected']} | B1 {ngc_res['reference_B1']}")
    vs_fmt = lambda vs: {"a": [round(float(v), 5) for v in vs[0]], "b": [round(float(v), 5) for v in vs[1]]}  # noqa: E731
    res = {"protocol": "v7 (CARD.md)", "seconds": round(time.time() - T_START, 1), "n_boot": args.n_boot,
           "rows_evaluated": int(n), "run_note": args.run_note, "candidates": CANDIDATES, "reference": REF,
           "selection": S, "selected": selected, "deploy": deploy, "selection_optimism": optimism,
           "decision": (f"{selected} beats 2.2.0 on S7 (CI lower bound > 0): deploy as 2.3.0" if deploy else
                        f"no candidate beats 2.2.0 on S7 (selected {selected}, CI lower bound <= 0): 2.2.0 stays deployed"),
           "cv_set_a": cv_a, "cv_set_c_sightline": cv_c, "simulated_patterns_on_gjw_rows": sim,
           "by_real_pattern": by_pattern, "classwise_calibration": calib, "external_2023": ext,
           "recall": {m: {"set_a": T.metrics(y, preds[m][0], None)["recall"],
                          "set_c_sightline": T.metrics(y, preds[m][2], None)["recall"],
                          "set_b_gjw": T.metrics(y[gjw], preds[m][1][gjw], None)["recall"]} for m in methods},
           "calibration_final_fit": {"C1": vs_fmt(vs_c1), "C3": vs_fmt(vs_c3)}, "ngc3532_check": ngc_res,
           "sightline_set": {"seed": args.seed + SIGHT_SEED_OFFSET, "a_tot_mean": round(float(D["a_tot"].mean()), 4)},
           "seconds_per_method": {m: round(R[m]["seconds"]) for m in METHODS}}
    for m in methods:
        log(f"{m:7s} a {cv_a['balanced_accuracy'][m]['value']} c {cv_c['balanced_accuracy'][m]['value']} "
            f"gjw-full {sim['differences'][f'{m}_g_j_w1 - {m}_full']['value']} ext {ext['balanced_accuracy'][m]['value']} "
            f"maxECE {calib[m]['set_a']['max_ece']} maxdev {calib[m]['set_a']['max_rel_dev']:.3f}")
    if args.no_card:
        log("development run: nothing written")
        return
    C.write_results(res, results_markdown(res, methods), "v7")
    log("wrote v7_results.json and the v7 results section of CARD.md")


def results_markdown(res: dict, methods: list) -> str:
    S, cva, cvc, sim, ext = (res["selection"], res["cv_set_a"], res["cv_set_c_sightline"],
                             res["simulated_patterns_on_gjw_rows"], res["external_2023"])
    fmt = C.fmt_diff
    L = [f"## Protocol v7 results ({res['n_boot']} paired bootstrap resamples; `experiments/v7_results.json`)", "",
         "| method | S7 [95 % CI] | (a) as is | (b) G+J+W1 | (c) sightlines | S7 - S7(2.2.0) [95 % CI] | beats 2.2.0 |",
         "|---|---|---|---|---|---|---|"]
    for m in methods:
        v = S[m]
        L.append(f"| {NAMES[m]} | {v['S7']} {v['ci95']} | {v['bacc_a']} | {v['bacc_b_gjw']} | {v['bacc_c_sightline']} | "
                 f"{v['diff_vs_ref']:+.4f} {v['diff_ci95']} | "
                 f"{'-' if v['beats_ref'] is None else ('yes' if v['beats_ref'] else 'no')} |")
    L += ["", f"**Selected by S7 among {', '.join(NAMES[c] for c in res['candidates'])}: {NAMES[res['selected']]}. "
          f"Decision: {res['decision']}.** Choosing the best of 4 candidates on the same outer folds biases the "
          "selected one's S7 and difference upward (the maximum of 4 noisy estimates): over the bootstrap resamples the "
          f"best candidate's S7 difference exceeds the selected one's by {res['selection_optimism']['mean']} on average "
          f"(95th percentile {res['selection_optimism']['p95']}). The 2.1.0 and T3 rows are not candidates, listed for "
          "reference.", "",
          "| method | bacc (a) [95 % CI] | (a) - 2.2.0 [CI] | bacc (c) [CI] | (c) - 2.2.0 [CI] | G+J+W1 - full [CI] | "
          "external 2023 [CI] | max per-class ECE (a) | mean p / freq NS, LMXB (a) | max abs(mean p / freq - 1) (a) | max ECE (c) |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        c = res["classwise_calibration"][m]
        pc = c["set_a"]["per_class"]
        L.append(f"| {NAMES[m]} | {cva['balanced_accuracy'][m]['value']} {cva['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cva['differences'].get(f'{m} - B1'))} | {cvc['balanced_accuracy'][m]['value']} "
                 f"{cvc['balanced_accuracy'][m]['ci95']} | {fmt(cvc['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(sim['differences'].get(f'{m}_g_j_w1 - {m}_full'))} | {ext['balanced_accuracy'][m]['value']} "
                 f"{ext['balanced_accuracy'][m]['ci95']} | {c['set_a']['max_ece']} | {pc['NS']['ratio']}, "
                 f"{pc['LMXB']['ratio']} | {round(c['set_a']['max_rel_dev'], 3)} | {c['set_c']['max_ece']} |")
    L += C.ece_table(T, res, NAMES, methods, "set_a", "set (a)")
    L += ["", "Recall of AGN (the class MUWCLASS reddens to each field's extinction) on sets (a), (b), (c):", "",
          "| method | AGN recall (a) | AGN recall (b) G+J+W1 | AGN recall (c) sightlines |", "|---|---|---|---|"]
    for m in methods:
        r = res["recall"][m]
        L.append(f"| {NAMES[m]} | {r['set_a']['AGN']} | {r['set_b_gjw']['AGN']} | {r['set_c_sightline']['AGN']} |")
    L += ["", "Balanced accuracy by the row's real photometry pattern (set a, outer CV):", "",
          "| pattern | n | " + " | ".join(NAMES[m] for m in methods) + " |", "|---|---|" + "---|" * len(methods)]
    L += C.subset_rows(res["by_real_pattern"].items(), methods)
    ng = res["ngc3532_check"]
    L += C.ngc_lines(ng, NAMES, "computed after selection")
    L += [f"av_gal of the NGC 3532 rows from nh_gal: {ng['av_gal_from_nh_gal']}.", ""]
    L += ["Configurations tried (all listed): 2.1.0 refit, T3 capped, T5; blends B1, B2; calibrated C1, C3 "
          "(exactly the protocol's list; nothing else was run).", ""]
    L += C.run_note_and_clock(res, "fitting seconds per method", "seconds_per_method")
    return "\n".join(L) + "\n"


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache", "fill the cache for these methods only and exit",
                  "with --only: units (0-9 folds, 10 final fit)")
    C.add_run_options(ap)
    args = ap.parse_args()
    log = C.start(T, args.cache, T_START, clock=False)
    D = load_data(args.data_dir, args.seed)
    units = args.units if args.units is not None else list(range(T.N_OUTER + 1))
    if args.only is not None:
        for name in args.only:
            for u in units:
                fill_unit(D, name, u, args.seed, args.cache, log)
        log("--only: cache filled")
        return
    evaluate(D, args, log)


if __name__ == "__main__":
    main()
