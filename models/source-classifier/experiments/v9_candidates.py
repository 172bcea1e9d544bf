#!/usr/bin/env python3
"""Protocol v9 (CARD.md): photometry-pattern-routed models (R1-R3) on a FRESH outer split (StratifiedKFold
random_state 20261203), against the deployed 2.2.0 = mean(2.1.0, T3) refitted on the same fresh folds.

Every fitted component is v8's code (v8_candidates.py: 2.1.0 refit, T3 capped, T5, T6) with the same seeds; only
the outer folds change. The final fits on all 2941 rows (unit 10) do not depend on the folds, so v8's unit-10
cache is reused (symlinked into the v9 cache dir).

    # fill the per-unit cache (units 0-9 = fresh outer folds), at most 2 processes:
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only v2.1.0 --units 0 1 2 ...
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only t5 t6 --units ...
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only t200 --units ...
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --n-boot 1000
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

V8 = C.load("v8_candidates", os.path.join(HERE, "v8_candidates.py"))
T, V7, V6 = V8.T, V8.V7, V8.V6
T_START = time.time()

FOLD_SEED = 20261203                  # protocol v9: fresh stratified 10-fold outer split
ROUTE_BANDS = {"G", "J", "W1"}        # protocol v9: route = non-empty band set within {G, J, W1}
AGN = V8.AGN
SETS = V8.SETS
METHODS = V8.METHODS                  # fitted components: v2.1.0, t200, t5, t6
CANDIDATES = ["R1", "R2", "R3"]
REF = "B1"
NAMES = {**V8.NAMES, "B1": "B1 = 2.2.0 (deployed; reference, fresh folds)",
         "R1": "R1 route G+J+W1 -> mean(2.1.0, T6), else 2.2.0",
         "R2": "R2 R1 + route calibration (cross-fitted)",
         "R3": "R3 route G+J+W1 -> T6, else 2.2.0"}


def load_data(data_dir: str, seed: int, fold_seed: int = FOLD_SEED) -> dict:
    """v8's data and evaluation sets (a)-(d) (same seeds), with the outer folds replaced by the fresh v9 split
    (fold_seed: the split's random_state; v13 passes its own, v9-v12 use the default)."""
    D = V8.load_data(data_dir, seed)
    D["folds_v8"] = D["folds"]
    D["folds"] = list(StratifiedKFold(T.N_OUTER, shuffle=True, random_state=fold_seed).split(D["Xa"][0], D["y"]))
    return D


def route(M: np.ndarray) -> np.ndarray:
    """Protocol v9 point 2: True where the union of the bands of the row's present MW features is non-empty and
    within {G, J, W1} (the pattern T6's extra copies were trained on, and of field tables like NGC 3532)."""
    return np.array([bool(have) and have <= ROUTE_BANDS for have in C.row_bands(T, M)], dtype=bool)


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache/v9", "fit these methods only (cache) and exit",
                  "with --only: units (0-9 fresh folds)")
    C.add_run_options(ap)
    args = ap.parse_args()
    log = C.start(T, args.cache, T_START, clock=True)
    D = load_data(args.data_dir, args.seed)
    units = args.units if args.units is not None else list(range(T.N_OUTER + 1))
    if args.only is not None:
        for u in units:
            if u >= T.N_OUTER:
                raise SystemExit("unit 10 (final fit) is v8's cache, symlinked; not refitted")
            mem: dict = {}
            for name in args.only:
                V8.fill_unit(D, name, u, args.seed, args.cache, mem, log)
        log("--only: cache filled")
        return
    evaluate(D, args, log)


log_p = C.log_p


def routed(R: dict, routes: dict, on: str, off: str) -> dict:
    """Rows routed (routes[key]) take method `on`'s probabilities, the others `off`'s; prior from `off`."""
    out = {k: np.where(routes[k][:, None], R[on][k], R[off][k]) for k in routes}
    out["prior"] = R[off]["prior"]
    return out


def calibrate_route(R1: dict, routes: dict, y: np.ndarray, folds: list, gjw: np.ndarray) -> tuple[dict, tuple]:
    """Protocol v9 R2: per-class vector scaling of the routed rows' probabilities, cross-fitted over the outer folds.
    Fit rows of fold set F: routed set-(a) rows + set-(b) and set-(d) rows of the G+J+W1 rows (all routed)."""
    def fit(rows: np.ndarray) -> tuple:
        sel = np.zeros(len(y), dtype=bool)
        sel[rows] = True
        parts = [(R1["P"], sel & routes["P"]), (R1["SIM_g_j_w1"], sel & gjw), (R1["PD"], sel & gjw)]
        L = np.concatenate([log_p(P[m]) for P, m in parts])
        yy = np.concatenate([y[m] for _, m in parts])
        return T.fit_vector_scaling(L, yy)

    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in R1.items()}
    keys = [k for k in routes if k in ("P", "PS", "PD") or k.startswith("SIM_")]
    for k_fold, (_, te) in enumerate(folds):
        vs = fit(np.concatenate([f[1] for j, f in enumerate(folds) if j != k_fold]))
        for key in keys:
            m = np.zeros(len(y), dtype=bool)
            m[te] = True
            m &= routes[key]
            out[key][m] = T.apply_vs(log_p(R1[key][m]), vs)
    vs_all = fit(np.arange(len(y)))
    for key in ("Pext", "Pngc", "Pngc_noav"):
        m = routes[key]
        out[key][m] = T.apply_vs(log_p(R1[key][m]), vs_all)
    return out, vs_all


def evaluate(D: dict, args, log) -> None:
    y, folds, n, gjw = D["y"], D["folds"], len(D["y"]), D["gjw"]
    mem: dict = {}
    R = {}
    for name in METHODS:
        res = {u: V8.fill_unit(D, name, u, args.seed, args.cache, mem, log) for u in range(T.N_OUTER + 1)}
        # outer-fold seconds only: the final fit (unit 10) is v8's cache
        R[name] = C.pool_units(T, res, folds, n, ("P", "PS", "PD", "prior"), seconds_of=range(T.N_OUTER))
    R["B1"], R["B3"] = C.blend(R, "v2.1.0", "t200"), C.blend(R, "v2.1.0", "t6")
    M0 = D["Ma"][0]
    routes = {"P": route(M0), "PS": route(D["Ms"]), "PD": route(D["Md"]), "Pext": route(D["Me"]),
              "Pngc": route(D["Mn"]), "Pngc_noav": route(D["Mn"])}
    for p in T.PATTERNS:
        routes[f"SIM_{p}"] = route(M0 * T.pattern_mask(p))
    R["R1"] = routed(R, routes, "B3", "B1")
    R["R3"] = routed(R, routes, "t6", "B1")
    R["R2"], vs_r2 = calibrate_route(R["R1"], routes, y, folds, gjw)
    methods = ["B1", "R1", "R2", "R3", "v2.1.0", "t200", "t6", "B3"]
    dec = C.decider(T, R, y, SETS)

    preds = {m: tuple(dec(m, k) for k in SETS) for m in methods}
    V8.CANDIDATES = CANDIDATES
    S = V8.s8_boot(y, gjw, preds, REF, args.seed, args.n_boot)
    for m in methods:
        S[m]["S9"] = S[m].pop("S8")
    optimism = S.pop("_selection_optimism")
    selected = max(CANDIDATES, key=lambda m: S[m]["S9"])
    beats = bool(S[selected]["beats_ref"])
    C.log_scores(log, S, methods, "S9")
    log(f"selected {selected}; CI lower bound > 0: {beats}")
    others = [(m, REF) for m in methods if m != REF]
    cv_a = C.boot_set(T, y, preds, 0, methods, others, args.seed, args.n_boot)
    cv_b = C.boot_set(T, y, preds, 1, methods, others, args.seed, args.n_boot, rows=gjw)
    cv_c = C.boot_set(T, y, preds, 2, methods, others, args.seed, args.n_boot)
    cv_d = C.boot_set(T, y, preds, 3, methods, others, args.seed, args.n_boot, rows=gjw)
    sim, ext = C.pattern_and_external(T, y, gjw, D["ye"], dec, methods, others, args.seed, args.n_boot)
    by_pattern = C.by_real_pattern(T, y, M0, preds, methods)
    sel = routes["P"]
    by_pattern["routed (bands within G+J+W1)"] = {"n": int(sel.sum()), **{m: round(T.bacc_from_pairs(y[sel], preds[m][0][sel]), 4)
                                                                        for m in methods}}
    calib, recall, agn_as = C.set_metrics(T, R, y, gjw, preds, methods)
    res = {"protocol": "v9 (CARD.md)", "fold_random_state": FOLD_SEED, "seconds": None, "n_boot": args.n_boot,
           "rows_evaluated": int(n), "rows_gjw": int(gjw.sum()),
           "rows_routed": {k: int(routes[k].sum()) for k in ("P", "PS", "PD", "Pext", "Pngc")},
           "run_note": args.run_note, "candidates": CANDIDATES, "reference": REF, "selection": S,
           "selected": selected, "beats_ref": beats, "selection_optimism": optimism,
           "cv_set_a": cv_a, "cv_set_b_gjw": cv_b, "cv_set_c_sightline": cv_c, "cv_set_d_gjw_sightline": cv_d,
           "simulated_patterns_on_gjw_rows": sim, "by_real_pattern": by_pattern,
           "classwise_calibration": calib, "external_2023": ext, "recall": recall,
           "agn_rows_predicted_as_gjw": agn_as,
           "calibration_final_fit": {"R2": {"a": [round(float(v), 6) for v in vs_r2[0]],
                                            "b": [round(float(v), 6) for v in vs_r2[1]], "eps": V8.EPS}},
           "seconds_per_method_outer_folds": {m: round(R[m]["seconds"]) for m in METHODS}}
    # NGC 3532: once, after selection, for the selected candidate and the reference (check only)

    def ngc(m, key):
        return C.ngc_check(T, D["jn"], dec(m, key), m, key)
    res["ngc3532_check"] = {"use": "check only: computed after selection; never used to choose",
                            "selected": ngc(selected, "Pngc"), "selected_without_av_gal": ngc(selected, "Pngc_noav"),
                            "reference_B1": ngc(REF, "Pngc")}
    log(f"NGC 3532 check: {res['ngc3532_check']['selected']} | B1 {res['ngc3532_check']['reference_B1']}")
    for m in methods:
        log(f"{m:7s} a {cv_a['balanced_accuracy'][m]['value']} d {cv_d['balanced_accuracy'][m]['value']} "
            f"gjw-full {sim['differences'][f'{m}_g_j_w1 - {m}_full']['value']} ext {ext['balanced_accuracy'][m]['value']} "
            f"maxECE {calib[m]['set_a']['max_ece']} maxdev {calib[m]['set_a']['max_rel_dev']:.3f} "
            f"AGN rec b {recall[m]['set_b_gjw']['AGN']} d {recall[m]['set_d_gjw_sightline']['AGN']}")
    res["seconds"] = round(time.time() - T_START, 1)
    if args.no_card:
        log("development run: nothing written")
        return
    C.write_results(res, results_markdown(res, methods), "v9")
    log("wrote v9_results.json and the v9 results section of CARD.md")


def results_markdown(res: dict, methods: list) -> str:
    S, cva, cvb, cvc, cvd, sim, ext = (res["selection"], res["cv_set_a"], res["cv_set_b_gjw"], res["cv_set_c_sightline"],
                                       res["cv_set_d_gjw_sightline"], res["simulated_patterns_on_gjw_rows"],
                                       res["external_2023"])
    fmt = C.fmt_diff
    L = [f"## Protocol v9 results ({res['n_boot']} paired bootstrap resamples; fresh outer folds random_state "
         f"{res['fold_random_state']}; `experiments/v9_results.json`)", "",
         "| method | S9 [95 % CI] | (a) as is | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | "
         "S9 - S9(2.2.0) [95 % CI] | CI lower bound > 0 |", "|---|---|---|---|---|---|---|---|"]
    L += C.score_rows(S, NAMES, methods, "S9")
    o = res["selection_optimism"]
    L += ["", f"**Selected by S9 among {', '.join(NAMES[c] for c in res['candidates'])}: {NAMES[res['selected']]}; "
          f"S9 - S9(2.2.0) CI lower bound > 0: {'yes' if res['beats_ref'] else 'no'}.** Choosing the best of 3 "
          "candidates on the same outer folds biases the selected one's S9 and difference upward: over the bootstrap "
          f"resamples the best candidate's S9 difference exceeds the selected one's by {o['mean']} on average (95th "
          f"percentile {o['p95']}). 2.1.0, T3, T6 and B3 = mean(2.1.0, T6) everywhere are not candidates, listed for "
          f"reference. Routed rows: {res['rows_routed']} (P = set a, PS = set c, PD = set d over all 2941 rows, Pext = "
          "2023 set, Pngc = NGC 3532).", "",
          "| method | bacc (a) [95 % CI] | (a) - 2.2.0 [CI] | (b) - 2.2.0 [CI] | (c) - 2.2.0 [CI] | bacc (d) [CI] | "
          "(d) - 2.2.0 [CI] | G+J+W1 - full [CI] | external 2023 [CI] | max per-class ECE (a) | "
          "max abs(mean p / freq - 1) (a) | max ECE (c) | max ECE (d) |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        c = res["classwise_calibration"][m]
        L.append(f"| {NAMES[m]} | {cva['balanced_accuracy'][m]['value']} {cva['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cva['differences'].get(f'{m} - B1'))} | {fmt(cvb['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(cvc['differences'].get(f'{m} - B1'))} | "
                 f"{cvd['balanced_accuracy'][m]['value']} {cvd['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cvd['differences'].get(f'{m} - B1'))} | {fmt(sim['differences'].get(f'{m}_g_j_w1 - {m}_full'))} | "
                 f"{ext['balanced_accuracy'][m]['value']} {ext['balanced_accuracy'][m]['ci95']} | "
                 f"{c['set_a']['max_ece']} | {round(c['set_a']['max_rel_dev'], 3)} | {c['set_c']['max_ece']} | "
                 f"{c['set_d']['max_ece']} |")
    for key, label in (("set_a", "set (a)"), ("set_d", "set (d), G+J+W1 rows")):
        L += C.ece_table(T, res, NAMES, methods, key, label)
    L += C.agn_tables(T, res, NAMES, methods)
    L += ["", "Balanced accuracy by the row's real photometry pattern (set a, outer CV):", "",
          "| subset | n | " + " | ".join(NAMES[m] for m in methods) + " |", "|---|---|" + "---|" * len(methods)]
    L += C.subset_rows(res["by_real_pattern"].items(), methods)
    ng = res["ngc3532_check"]
    L += C.ngc_lines(ng, NAMES, "computed once after selection")
    L += ["Configurations tried (all listed): on the fresh folds 2.1.0 refit, T3 capped, T5 (only as T6's X-ray-only "
          "part), T6; B1, B3; candidates R1, R2, R3 (exactly the protocol's list; nothing else was run).", ""]
    L += C.run_note_and_clock(res, "outer-fold fitting + prediction seconds per method",
                              "seconds_per_method_outer_folds")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
