#!/usr/bin/env python3
"""Protocol v13 (CARD.md): fresh-fold replication of the two closest configurations of v10 and v12 on a NEW outer split
(stratified 10-fold, shuffle, random_state 20261204; v9-v12 used 20261203). Everything fold-dependent is refitted by
the existing code and seeds (2.1.0 via v8's code, T3 = rf_pd_ncsim_t200, T7 = v12's DimRouted); v12's sets (a)-(e).
Candidates: H1 = B1 + K1 (v10's cross-fitted per-class vector scaling), H2 = G1 = mean(2.1.0, T7), H3 = G1 + K1
(the same scaling fitted on G1's out-of-fold predictions). Reference B1 = mean(2.1.0, T3).

    # per-unit predictions of the fresh folds (units 0-9), at most 2 processes, 1 thread each:
    /usr/bin/python3 models/source-classifier/experiments/v13_candidates.py --only v2.1.0 --units 0 ... 9
    /usr/bin/python3 models/source-classifier/experiments/v13_candidates.py --only t200 t7 --units 0 ... 9
    # unit 10 (final fits on all rows; fold-independent) = v12's cache, linked (--final-cache), never refitted here
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v13_candidates.py --n-boot 1000
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

# v10 first: each load re-executes the v9 -> v8 -> v7 chain and re-registers `train`; loading v12 last leaves
# sys.modules["train"] = the module whose classes are fitted and pickled (v10's pure calibration functions do not care)
V10 = C.load("v10_candidates", os.path.join(HERE, "v10_candidates.py"))
V12 = C.load("v12_candidates", os.path.join(HERE, "v12_candidates.py"))
V9, V8, T, V6 = V12.V9, V12.V8, V12.T, V12.V6
T_START = time.time()

FOLD_SEED = 20261204                  # protocol v13: fresh stratified 10-fold outer split
COMPONENTS = ["v2.1.0", "t200", "t7"]
CANDIDATES = ["H1", "H2", "H3"]
REF = "B1"
SETS = V12.SETS                       # (a), (b) = SIM_g_j_w1, (c), (d), (e)
FOLD_KEYS = V12.FOLD_KEYS             # P, PS, PD, PE
MAX_ECE, RATIO_RANGE = V10.MAX_ECE, V10.RATIO_RANGE      # criterion (i), as v10
NONINFERIORITY = -0.01                # criteria (ii) and (iii): CI lower bound of the difference to B1 above this
NAMES = {"B1": "B1 = 2.2.x (deployed; reference, v13 folds)", "H1": "H1 B1 + K1 vector scaling",
         "H2": "H2 = G1 mean(2.1.0, T7)", "H3": "H3 G1 + K1 vector scaling",
         "v2.1.0": "2.1.0 (MLP ensembles)", "t200": "T3 capped (200 trees)", "t7": "T7 = T3 + dimmed copies"}


def single_threaded_forests() -> None:
    """Forests with n_jobs=1 (the machine is shared). sklearn forests are identical for any n_jobs (per-tree seeds
    come from random_state), so this changes the time only."""
    make = V6.make_tree

    def make1(*a, **k):
        return make(*a, **k).set_params(n_jobs=1)
    V6.make_tree = make1


def link_final(cache: str, final_cache: str, log) -> None:
    """Unit 10 (final fits on all rows) is fold-independent: v12's cached predictions, same code and seeds."""
    for name in COMPONENTS:
        dst = os.path.join(cache, f"v12_{name}_u{T.N_OUTER}.npz")
        if not os.path.exists(dst):
            os.symlink(os.path.join(final_cache, f"v12_{name}_u{T.N_OUTER}.npz"), dst)
            log(f"  linked {dst} -> {final_cache}")


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache/v13", "fit these components only (cache) and exit",
                  "with --only: outer folds 0-9 (unit 10 is linked from --final-cache)")
    ap.add_argument("--final-cache", default="/work/ml-cache/v12", help="v12's cache: unit-10 final-fit predictions")
    C.add_run_options(ap)
    ap.add_argument("--smoke-units", type=int, nargs="*", default=None,
                    help="development: evaluate only these outer folds' rows (no card, figures not printed)")
    args = ap.parse_args()
    log = C.start(T, args.cache, T_START, clock=True)
    single_threaded_forests()
    link_final(args.cache, args.final_cache, log)
    D = V12.load_data(args.data_dir, args.seed, FOLD_SEED)
    log(f"outer folds random_state {FOLD_SEED}; fold sizes {[len(te) for _, te in D['folds']]}")
    if args.only is not None:
        mem: dict = {}
        for u in (args.units if args.units is not None else range(T.N_OUTER)):
            if u >= T.N_OUTER:
                raise SystemExit("unit 10 (final fit) is v12's cache, linked; not refitted")
            for name in args.only:
                V12.fill_unit(D, name, u, args.seed, args.cache, mem, log)
        log("--only: cache filled")
        return
    evaluate(D, args, log)


def calibrated(R: dict, base: str, y: np.ndarray, folds: list, gjw: np.ndarray) -> tuple[dict, dict]:
    """K1 on method `base` by v10's code (cross_fit kind K1, no route): fold k's rows of every fold set (a)-(e) and
    SIM_* use the scaling fitted on the other 9 folds' out-of-fold set-(a) predictions; final-fit sets use the fit
    on all 10 folds'. Returns the calibrated copy and the final-fit parameters."""
    routes = {k: np.zeros(len(v), dtype=bool) for k, v in R[base].items()
              if isinstance(v, np.ndarray) and v.ndim == 2}     # no route: K1 applies one scaling to every row
    out, vs = V10.cross_fit(R[base], y, folds, routes, gjw, "K1", fold_keys=FOLD_KEYS)
    return out, V10.params(vs)


def evaluate(D: dict, args, log) -> None:
    y, folds, n, gjw = D["y"], D["folds"], len(D["y"]), D["gjw"]
    mem: dict = {}
    smoke = args.smoke_units is not None
    units = list(range(T.N_OUTER + 1)) if not smoke else args.smoke_units + [T.N_OUTER]
    R = {}
    for name in COMPONENTS:
        res = {u: V12.fill_unit(D, name, u, args.seed, args.cache, mem, log) for u in units}
        if smoke:   # development: the other folds' rows get uniform probabilities and are not evaluated
            for f in range(T.N_OUTER):
                res.setdefault(f, {**{k: (np.full((len(folds[f][1]),) + v.shape[1:], 1.0 / T.N_CLASSES)
                                          if k != "prior" else v)
                                      for k, v in res[units[0]].items()
                                      if k not in ("seconds", "check_vs_v9_cache", "n_extra")},
                                   "seconds": np.array(0.0)})
        R[name] = C.pool_units(T, res, folds, n, FOLD_KEYS + ("prior",), seconds_of=range(T.N_OUTER))
    R["B1"] = C.blend(R, "v2.1.0", "t200")
    R["H2"] = C.blend(R, "v2.1.0", "t7")
    R["H1"], vs_h1 = calibrated(R, "B1", y, folds, gjw)
    R["H3"], vs_h3 = calibrated(R, "H2", y, folds, gjw)
    methods = ["B1", *CANDIDATES, *COMPONENTS]
    dec = C.decider(T, R, y, SETS)
    preds = {m: tuple(dec(m, k) for k in SETS) for m in methods}
    flog = (lambda msg: None) if smoke else log   # smoke: figures are not printed
    V8.CANDIDATES = CANDIDATES                    # s8_boot's selection-optimism candidates (as v10 does)
    S = V8.s8_boot(y, gjw, {m: preds[m][:4] for m in methods}, REF, args.seed, args.n_boot)
    optimism = S.pop("_selection_optimism")
    for m in methods:
        S[m]["S9"] = S[m].pop("S8")
        S[m]["noninferior"] = bool(S[m]["diff_ci95"][0] > NONINFERIORITY) if m in CANDIDATES else None
        S[m]["beats_ref"] = S[m]["noninferior"]   # the selection table's last column: criterion (ii)
    cv, sim, ext, by_pattern, calib, recall, agn_as, ext_calib = C.five_set_reports(
        T, y, gjw, D, R, preds, dec, methods, REF, args.seed, args.n_boot)
    crit = {}
    for m in CANDIDATES:
        e = ext["differences"][f"{m} - {REF}"]
        crit[m] = {"i": V10.criterion_i(calib[m]["set_a"]), "ii": S[m]["noninferior"],
                   "iii": bool(e["ci95"][0] > NONINFERIORITY), "external_diff": e}
        crit[m]["met"] = bool(crit[m]["i"]["met"] and crit[m]["ii"] and crit[m]["iii"])
    passing = [m for m in CANDIDATES if crit[m]["met"]]
    selected = max(passing, key=lambda m: S[m]["S9"]) if passing else None
    checked = selected or max(CANDIDATES, key=lambda m: S[m]["S9"])
    for m in methods:
        v = S[m]
        flog(f"{m:7s} S9 {v['S9']} {v['ci95']} vs B1 {v['diff_vs_ref']:+.4f} {v['diff_ci95']} | ext "
             f"{ext['balanced_accuracy'][m]['value']} {ext['balanced_accuracy'][m]['ci95']} | maxECE a "
             f"{calib[m]['set_a']['max_ece']} maxdev a {calib[m]['set_a']['max_rel_dev']:.3f}")
    for m in CANDIDATES:
        flog(f"{m}: (i) {crit[m]['i']} (ii) {crit[m]['ii']} (iii) {crit[m]['iii']} ext diff {crit[m]['external_diff']}")
    flog(f"meeting (i)-(iii): {passing}; selected: {selected}")
    res = {"protocol": "v13 (CARD.md)", "fold_random_state": FOLD_SEED, "seconds": None, "n_boot": args.n_boot,
           "rows_evaluated": int(n), "rows_gjw": int(gjw.sum()), "run_note": args.run_note,
           "final_fits": f"unit 10 linked from {args.final_cache} (v12's fill_unit, same code and seeds)",
           "candidates": CANDIDATES, "reference": REF,
           "criteria": {"i": f"set (a) per-class ECE <= {MAX_ECE} and mean p / freq in {list(RATIO_RANGE)}",
                        "ii": f"S9 - S9(B1) 95 % CI lower bound > {NONINFERIORITY}",
                        "iii": f"external 2023 bacc - B1 95 % CI lower bound > {NONINFERIORITY}", "per_candidate": crit},
           "meeting_criteria": passing, "selected": selected, "selection": S, "selection_optimism": optimism,
           "cv": cv, "simulated_patterns_on_gjw_rows": sim, "by_real_pattern": by_pattern,
           "classwise_calibration": calib, "external_2023": ext, "external_2023_calibration": ext_calib,
           "recall": recall, "agn_rows_predicted_as_gjw": agn_as,
           "calibration_final_fit": {"eps": C.EPS, "H1": {"input": "log(clip(p_B1, eps, 1))", **vs_h1},
                                     "H3": {"input": "log(clip(p_G1, eps, 1))", **vs_h3}},
           "cv_predictions": "nominal (one pass per component on the measured values, no Monte-Carlo draws)",
           "seconds_per_component_outer_folds": {m: round(R[m]["seconds"]) for m in COMPONENTS}}

    res["ngc3532_check"] = C.ngc_check_vs_ref(T, D["jn"], dec, checked, selected, REF, flog)
    C.finish_run(res, lambda: results_markdown(res, methods), "v13", args, smoke, log, T_START)


def results_markdown(res: dict, methods: list) -> str:
    S, cv, sim, ext = res["selection"], res["cv"], res["simulated_patterns_on_gjw_rows"], res["external_2023"]
    fmt = C.fmt_diff
    L = [f"## Protocol v13 results ({res['n_boot']} paired bootstrap resamples; FRESH outer folds random_state "
         f"{res['fold_random_state']}; `experiments/v13_results.json`; nothing deployed by this run)", "",
         "| method | S9 [95 % CI] | (a) as is | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | "
         "S9 - S9(B1) [95 % CI] | (ii) CI lower bound > -0.01 |", "|---|---|---|---|---|---|---|---|"]
    L += C.score_rows(S, NAMES, methods, "S9")
    L += ["", "Criteria (protocol v13 point 3):", "",
          "| candidate | max per-class ECE (a) | mean p / freq, min - max (a) | (i) ECE <= 0.02 | (i) ratios in "
          "[0.8, 1.2] | (ii) S9 non-inferior | external - B1 [95 % CI] | (iii) | all met | S9 |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for m in res["candidates"]:
        c = res["criteria"]["per_candidate"][m]
        yn = lambda b: "yes" if b else "no"  # noqa: E731
        L.append(f"| {NAMES[m]} | {c['i']['max_ece']} | {c['i']['ratio_min']} - {c['i']['ratio_max']} | "
                 f"{yn(c['i']['ece_ok'])} | {yn(c['i']['ratio_ok'])} | {yn(c['ii'])} | {fmt(c['external_diff'])} | "
                 f"{yn(c['iii'])} | {yn(c['met'])} | {S[m]['S9']} |")
    o, sel = res["selection_optimism"], res["selected"]
    verdict = (f"{NAMES[sel]} (deployment as 2.3.0 is a later step; nothing deployed by this run)" if sel
               else "none; 2.2.2 stays deployed (no re-selection)")
    L += ["", f"**Candidates meeting (i), (ii) and (iii): {', '.join(res['meeting_criteria']) or 'none'}. Selected "
          f"(highest S9 among them): {verdict}.** Best-of-3 optimism over the bootstrap resamples (best candidate's S9 "
          f"difference minus the highest-S9 candidate's): {o['mean']} on average (95th percentile {o['p95']}). "
          "2.1.0, T3 and T7 are components, listed for reference. The sources are the same 2941 as in v9-v12: the "
          "fresh split guards against fold-specific luck only.", "",
          "| method | bacc (a) [CI] | (b) - B1 [CI] | (c) - B1 [CI] | (d) - B1 [CI] | (e) dimmed [CI] | (e) - B1 [CI] | "
          "G+J+W1 - full [CI] | external 2023 [95 % CI] | max ECE (a) | max abs(mean p / freq - 1) (a) | max ECE (d) | "
          "max ECE (e) | max ECE external |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        c = res["classwise_calibration"][m]
        a, e = cv["set_a"]["balanced_accuracy"][m], cv["set_e_dimmed"]["balanced_accuracy"][m]
        L.append(f"| {NAMES[m]} | {a['value']} {a['ci95']} | {fmt(cv['set_b_gjw']['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(cv['set_c_sightline']['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(cv['set_d_gjw_sightline']['differences'].get(f'{m} - B1'))} | {e['value']} {e['ci95']} | "
                 f"{fmt(cv['set_e_dimmed']['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(sim['differences'].get(f'{m}_g_j_w1 - {m}_full'))} | "
                 f"{ext['balanced_accuracy'][m]['value']} {ext['balanced_accuracy'][m]['ci95']} | "
                 f"{c['set_a']['max_ece']} | {round(c['set_a']['max_rel_dev'], 3)} | {c['set_d']['max_ece']} | "
                 f"{c['set_e']['max_ece']} | {res['external_2023_calibration'][m]['max_ece']} |")
    for key, label in (("set_a", "set (a)"), ("set_d", "set (d), G+J+W1 rows"), ("set_e", "set (e), dimmed")):
        L += C.ece_table(T, res, NAMES, methods, key, label)
    L += ["", "Per-class ECE and mean p / observed frequency, external 2023-only set (final fits; final-fit calibration):",
          "", "| method | " + " | ".join(T.CLASSES) + " |", "|---|" + "---|" * T.N_CLASSES]
    for m in methods:
        pc = res["external_2023_calibration"][m]["per_class"]
        L.append(f"| {NAMES[m]} | " + " | ".join(f"{pc[c]['ece']} / {pc[c]['ratio']}x" for c in T.CLASSES) + " |")
    L += C.five_set_tables(res, NAMES, methods)
    L += ["", "Final-fit calibration (fit on all 10 folds' out-of-fold predictions; p' = softmax(a log(clip(p, 1e-6, 1))"
          " + b), classes in card order):", ""]
    for m in ("H1", "H3"):
        ab = res["calibration_final_fit"][m]["all"]
        L.append(f"- {m} ({res['calibration_final_fit'][m]['input']}): a = {ab['a']}, b = {ab['b']}")
    L += C.ngc_check_vs_ref_lines(res["ngc3532_check"], NAMES, "highest-S9 candidate, NOT selected")
    L += ["Configurations tried (all listed): on the v13 folds 2.1.0 refit, T3 capped, T7; B1; candidates H1, H2, H3 "
          f"(exactly the protocol's list; nothing else was run). {res['final_fits']}.", ""]
    L += C.run_note_and_clock(res, "outer-fold fitting + prediction seconds per component",
                              "seconds_per_component_outer_folds")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
