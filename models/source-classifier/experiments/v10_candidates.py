#!/usr/bin/env python3
"""Protocol v10 (CARD.md): class-wise calibration of the deployed 2.2.x = B1 = mean(2.1.0, T3 capped), a post-hoc
layer p' = softmax(a_c log p_c + b_c) on the same fitted components (nothing retrained), cross-fitted over v9's fresh
outer folds (random_state 20261203).

Candidates: K1 vector scaling on every row (fit: other folds' set-(a) rows), K2 bias only (a_c = 1), K3 v9's
G+J+W1 route with its own scaling (fit: other folds' routed rows of sets a, b, d) and K1's elsewhere.
Selected = highest S9 among the candidates meeting (i) set-(a) per-class ECE <= 0.02 and mean p / freq in
[0.8, 1.2] for every class and (ii) S9 - S9(B1) 95 % CI lower bound > -0.01.

The fitted components are v9's cache (v8's code, v9's folds, same seeds):
    /usr/bin/python3 models/source-classifier/experiments/v9_candidates.py --only v2.1.0 t200 --units 0 ... 9
    /usr/bin/python3 models/source-classifier/experiments/v8_candidates.py --only v2.1.0 t200 --units 10
    (then link /work/ml-cache/v8_{v2.1.0,t200}_u10.npz into /work/ml-cache/v9, as v9 does)
    # evaluate (nothing fitted when the cache is full):
    /usr/bin/python3 models/source-classifier/experiments/v10_candidates.py --n-boot 1000
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common as C  # noqa: E402

V9 = C.load("v9_candidates", os.path.join(HERE, "v9_candidates.py"))
V8, T = V9.V8, V9.T
T_START = time.time()

COMPONENTS = ["v2.1.0", "t200"]
CANDIDATES = ["K1", "K2", "K3"]
REF = "B1"
MAX_ECE = 0.02                        # protocol v10 criterion (i)
RATIO_RANGE = (0.8, 1.2)              # protocol v10 criterion (i)
NONINFERIORITY = -0.01                # protocol v10 criterion (ii): CI lower bound of S9 - S9(B1) above this
NAMES = {**V9.NAMES, "B1": "B1 = 2.2.x (deployed; reference, v9 folds)",
         "K1": "K1 B1 + vector scaling, all rows", "K2": "K2 B1 + bias only (a = 1), all rows",
         "K3": "K3 B1 + route scaling (G+J+W1 bands) / K1 scaling elsewhere"}
FOLD_KEYS = ("P", "PS", "PD")         # outer-fold prediction sets; SIM_<pattern> too
FINAL_KEYS = ("Pext", "Pngc", "Pngc_noav")


def fit_bias_only(logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K2: softmax(logit + b) minimising the unweighted NLL (L-BFGS, float64, from b = 0), a = 1 fixed. As for the
    vector scaling, the NLL gradient in b makes every class's mean p equal its frequency on the fit rows."""
    torch = T.torch
    lt = torch.tensor(logits, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.long)
    b = torch.zeros(T.N_CLASSES, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([b], lr=1.0, max_iter=500, tolerance_grad=1e-10, tolerance_change=1e-12,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lt + b, yt)
        loss.backward()
        return loss

    opt.step(closure)
    return np.ones(T.N_CLASSES), b.detach().numpy().copy()


def fit_on(R: dict, y: np.ndarray, parts: list, fitter) -> tuple:
    """One scaling fitted on the concatenated (prediction set, row mask) parts of B1's out-of-fold predictions."""
    L = np.concatenate([C.log_p(R[key][m]) for key, m in parts])
    return fitter(L, np.concatenate([y[m] for _, m in parts]))


def cross_fit(R: dict, y: np.ndarray, folds: list, routes: dict, gjw: np.ndarray, kind: str,
              fold_keys: tuple = FOLD_KEYS) -> tuple[dict, dict]:
    """Candidate `kind` on B1's predictions R: each outer fold's rows of every fold set use the scaling(s) fitted on
    the other 9 folds; the final-fit sets (2023, NGC 3532) use the fit on all 10 folds (the deployed calibration).
    fold_keys: the outer-fold prediction sets calibrated besides SIM_* (v13 adds its set (e), "PE").
    Returns the calibrated copy and the deployed parameters {"all": (a, b)[, "route": (a, b)]}."""
    fitter = fit_bias_only if kind == "K2" else T.fit_vector_scaling

    def fits(rows: np.ndarray) -> dict:
        sel = np.zeros(len(y), dtype=bool)
        sel[rows] = True
        out = {"all": fit_on(R, y, [("P", sel)], fitter)}
        if kind == "K3":   # v9 R2's fit data: routed set-(a) rows + set (b) and (d) of the G+J+W1 rows
            out["route"] = fit_on(R, y, [("P", sel & routes["P"]), ("SIM_g_j_w1", sel & gjw), ("PD", sel & gjw)],
                                  fitter)
        return out

    def apply(P: np.ndarray, routed: np.ndarray, vs: dict) -> np.ndarray:
        out = T.apply_vs(C.log_p(P), vs["all"])
        if "route" in vs and routed.any():
            out[routed] = T.apply_vs(C.log_p(P[routed]), vs["route"])
        return out

    out = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in R.items()}
    keys = [k for k in R if k in fold_keys or k.startswith("SIM_")]
    for k_fold, (_, te) in enumerate(folds):
        vs = fits(np.concatenate([f[1] for j, f in enumerate(folds) if j != k_fold]))
        for key in keys:
            out[key][te] = apply(R[key][te], routes[key][te], vs)
    vs_all = fits(np.arange(len(y)))
    for key in FINAL_KEYS:
        out[key] = apply(R[key], routes[key], vs_all)
    return out, vs_all


def criterion_i(cal_a: dict) -> dict:
    ratios = [v["ratio"] for v in cal_a["per_class"].values()]
    ok_ece = cal_a["max_ece"] <= MAX_ECE
    ok_ratio = all(RATIO_RANGE[0] <= r <= RATIO_RANGE[1] for r in ratios)
    return {"max_ece": cal_a["max_ece"], "ratio_min": min(ratios), "ratio_max": max(ratios),
            "ece_ok": bool(ok_ece), "ratio_ok": bool(ok_ratio), "met": bool(ok_ece and ok_ratio)}


def params(vs: dict) -> dict:
    return {g: {"a": [round(float(v), 6) for v in ab[0]], "b": [round(float(v), 6) for v in ab[1]]}
            for g, ab in vs.items()}


def main() -> None:
    ap = C.parser(__doc__, T, "/work/ml-cache/v9", "(not used: fill the cache with v9/v8_candidates.py)", "(unused)")
    C.add_run_options(ap)
    args = ap.parse_args()
    if args.only is not None:
        raise SystemExit("v10 fits nothing: fill the cache with v9_candidates.py / v8_candidates.py --only")
    log = C.start(T, args.cache, T_START, clock=True)
    evaluate(V9.load_data(args.data_dir, args.seed), args, log)


def evaluate(D: dict, args, log) -> None:
    y, folds, n, gjw = D["y"], D["folds"], len(D["y"]), D["gjw"]
    mem: dict = {}
    R = {}
    for name in COMPONENTS:
        res = {u: V8.fill_unit(D, name, u, args.seed, args.cache, mem, log) for u in range(T.N_OUTER + 1)}
        R[name] = C.pool_units(T, res, folds, n, ("P", "PS", "PD", "prior"), seconds_of=range(T.N_OUTER))
    R["B1"] = C.blend(R, "v2.1.0", "t200")
    M0 = D["Ma"][0]
    routes = {"P": V9.route(M0), "PS": V9.route(D["Ms"]), "PD": V9.route(D["Md"]), "Pext": V9.route(D["Me"]),
              "Pngc": V9.route(D["Mn"]), "Pngc_noav": V9.route(D["Mn"])}
    for p in T.PATTERNS:
        routes[f"SIM_{p}"] = V9.route(M0 * T.pattern_mask(p))
    deployed = {}
    for k in CANDIDATES:
        R[k], vs = cross_fit(R["B1"], y, folds, routes, gjw, k)
        deployed[k] = params(vs)
    methods = ["B1", *CANDIDATES, "v2.1.0", "t200"]
    dec = C.decider(T, R, y, V8.SETS)
    preds = {m: tuple(dec(m, k) for k in V8.SETS) for m in methods}
    V8.CANDIDATES = CANDIDATES
    S = V8.s8_boot(y, gjw, preds, REF, args.seed, args.n_boot)
    for m in methods:
        S[m]["S9"] = S[m].pop("S8")
        S[m]["noninferior"] = bool(S[m]["diff_ci95"][0] > NONINFERIORITY) if m in CANDIDATES else None
        S[m]["beats_ref"] = S[m]["noninferior"]   # the selection table's last column: criterion (ii)
    optimism = S.pop("_selection_optimism")
    calib, recall, agn_as = C.set_metrics(T, R, y, gjw, preds, methods)
    crit = {m: {"i": criterion_i(calib[m]["set_a"]), "ii": S[m]["noninferior"]} for m in CANDIDATES}
    passing = [m for m in CANDIDATES if crit[m]["i"]["met"] and crit[m]["ii"]]
    selected = max(passing, key=lambda m: S[m]["S9"]) if passing else None
    C.log_scores(log, S, methods, "S9")
    for m in CANDIDATES:
        log(f"{m}: (i) {crit[m]['i']} (ii) {crit[m]['ii']}")
    log(f"meeting (i) and (ii): {passing}; selected: {selected}")
    others = [(m, REF) for m in methods if m != REF]
    cv_a = C.boot_set(T, y, preds, 0, methods, others, args.seed, args.n_boot)
    cv_b = C.boot_set(T, y, preds, 1, methods, others, args.seed, args.n_boot, rows=gjw)
    cv_c = C.boot_set(T, y, preds, 2, methods, others, args.seed, args.n_boot)
    cv_d = C.boot_set(T, y, preds, 3, methods, others, args.seed, args.n_boot, rows=gjw)
    sim, ext = C.pattern_and_external(T, y, gjw, D["ye"], dec, methods, others, args.seed, args.n_boot)
    by_pattern = C.by_real_pattern(T, y, M0, preds, methods)
    sel = routes["P"]
    by_pattern["routed (bands within G+J+W1)"] = {"n": int(sel.sum()), **{
        m: round(T.bacc_from_pairs(y[sel], preds[m][0][sel]), 4) for m in methods}}
    ext_calib = {m: T.classwise_calibration(R[m]["Pext"], D["ye"]) for m in methods}
    res = {"protocol": "v10 (CARD.md)", "fold_random_state": V9.FOLD_SEED, "seconds": None, "n_boot": args.n_boot,
           "rows_evaluated": int(n), "rows_gjw": int(gjw.sum()),
           "rows_routed": {k: int(routes[k].sum()) for k in ("P", "PS", "PD", "Pext", "Pngc")},
           "run_note": args.run_note, "candidates": CANDIDATES, "reference": REF,
           "criteria": {"i": f"set (a) per-class ECE <= {MAX_ECE} and mean p / freq in {list(RATIO_RANGE)}",
                        "ii": f"S9 - S9(B1) 95 % CI lower bound > {NONINFERIORITY}", "per_candidate": crit},
           "meeting_criteria": passing, "selected": selected, "selection": S, "selection_optimism": optimism,
           "cv_set_a": cv_a, "cv_set_b_gjw": cv_b, "cv_set_c_sightline": cv_c, "cv_set_d_gjw_sightline": cv_d,
           "simulated_patterns_on_gjw_rows": sim, "by_real_pattern": by_pattern,
           "classwise_calibration": calib, "external_2023": ext, "external_2023_calibration": ext_calib,
           "recall": recall, "agn_rows_predicted_as_gjw": agn_as,
           "calibration_final_fit": {"eps": C.EPS, "input": "log(clip(p_B1, eps, 1))", **deployed},
           "cv_predictions": "nominal (one pass per component on the measured values, no Monte-Carlo draws), as v9",
           "seconds_per_method_outer_folds": {m: round(R[m]["seconds"]) for m in COMPONENTS}}

    def ngc(m, key):
        return C.ngc_check(T, D["jn"], dec(m, key), m, key)
    # nothing selected: the highest-S9 candidate's check is still reported, labelled as not selected
    shown = selected or max(CANDIDATES, key=lambda m: S[m]["S9"])
    res["ngc3532_check"] = {"use": "check only: computed after selection; never used to choose",
                            "selected": ngc(shown, "Pngc"), "selected_without_av_gal": ngc(shown, "Pngc_noav"),
                            "reference_B1": ngc(REF, "Pngc"), "note": None if selected else f"nothing selected; {shown} shown"}
    log(f"NGC 3532 check: {res['ngc3532_check']['selected']} | B1 {res['ngc3532_check']['reference_B1']}")
    for m in methods:
        log(f"{m:7s} a {cv_a['balanced_accuracy'][m]['value']} d {cv_d['balanced_accuracy'][m]['value']} "
            f"ext {ext['balanced_accuracy'][m]['value']} maxECE a {calib[m]['set_a']['max_ece']} "
            f"c {calib[m]['set_c']['max_ece']} d {calib[m]['set_d']['max_ece']} "
            f"maxdev a {calib[m]['set_a']['max_rel_dev']:.3f} ext maxECE {ext_calib[m]['max_ece']}")
    res["seconds"] = round(time.time() - T_START, 1)
    if args.no_card:
        log("development run: nothing written")
        return
    C.write_results(res, results_markdown(res, methods), "v10")
    log("wrote v10_results.json and the v10 results section of CARD.md")


def results_markdown(res: dict, methods: list) -> str:
    S, cva, cvb, cvc, cvd, sim, ext = (res["selection"], res["cv_set_a"], res["cv_set_b_gjw"], res["cv_set_c_sightline"],
                                       res["cv_set_d_gjw_sightline"], res["simulated_patterns_on_gjw_rows"],
                                       res["external_2023"])
    fmt = C.fmt_diff
    L = [f"## Protocol v10 results ({res['n_boot']} paired bootstrap resamples; v9's outer folds random_state "
         f"{res['fold_random_state']}; `experiments/v10_results.json`)", "",
         "| method | S9 [95 % CI] | (a) as is | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | "
         "S9 - S9(B1) [95 % CI] | (ii) CI lower bound > -0.01 |", "|---|---|---|---|---|---|---|---|"]
    L += C.score_rows(S, NAMES, methods, "S9")
    L += ["", "Criteria (protocol v10 point 3; set (a), pooled outer folds):", "",
          "| candidate | max per-class ECE (a) | mean p / freq, min - max (a) | (i) ECE <= 0.02 | (i) ratios in "
          "[0.8, 1.2] | (ii) non-inferior | S9 |", "|---|---|---|---|---|---|---|"]
    for m in res["candidates"]:
        c = res["criteria"]["per_candidate"][m]
        L.append(f"| {NAMES[m]} | {c['i']['max_ece']} | {c['i']['ratio_min']} - {c['i']['ratio_max']} | "
                 f"{'yes' if c['i']['ece_ok'] else 'no'} | {'yes' if c['i']['ratio_ok'] else 'no'} | "
                 f"{'yes' if c['ii'] else 'no'} | {S[m]['S9']} |")
    o, sel = res["selection_optimism"], res["selected"]
    verdict = (f"{NAMES[sel]}, deployed as 2.3.0" if sel else "none; 2.2.2 stays deployed (no re-selection)")
    L += ["", f"**Candidates meeting (i) and (ii): {', '.join(res['meeting_criteria']) or 'none'}. Selected (highest S9 "
          f"among them): {verdict}.** Best-of-3 optimism over the bootstrap resamples (best candidate's S9 difference "
          f"minus the highest-S9 candidate's): {o['mean']} on average (95th percentile {o['p95']}). 2.1.0 and T3 are "
          f"not candidates, listed for reference. Routed rows (K3): {res['rows_routed']}.", "",
          "| method | bacc (a) [95 % CI] | (a) - B1 [CI] | (b) - B1 [CI] | (c) - B1 [CI] | bacc (d) [CI] | "
          "(d) - B1 [CI] | G+J+W1 - full [CI] | external 2023 [CI] | max per-class ECE (a) | "
          "max abs(mean p / freq - 1) (a) | max ECE (c) | max ECE (d) | max ECE 2023 |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in methods:
        c = res["classwise_calibration"][m]
        L.append(f"| {NAMES[m]} | {cva['balanced_accuracy'][m]['value']} {cva['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cva['differences'].get(f'{m} - B1'))} | {fmt(cvb['differences'].get(f'{m} - B1'))} | "
                 f"{fmt(cvc['differences'].get(f'{m} - B1'))} | "
                 f"{cvd['balanced_accuracy'][m]['value']} {cvd['balanced_accuracy'][m]['ci95']} | "
                 f"{fmt(cvd['differences'].get(f'{m} - B1'))} | {fmt(sim['differences'].get(f'{m}_g_j_w1 - {m}_full'))} | "
                 f"{ext['balanced_accuracy'][m]['value']} {ext['balanced_accuracy'][m]['ci95']} | "
                 f"{c['set_a']['max_ece']} | {round(c['set_a']['max_rel_dev'], 3)} | {c['set_c']['max_ece']} | "
                 f"{c['set_d']['max_ece']} | {res['external_2023_calibration'][m]['max_ece']} |")
    for key, label in (("set_a", "set (a)"), ("set_c", "set (c), sightlines"), ("set_d", "set (d), G+J+W1 rows")):
        L += C.ece_table(T, res, NAMES, methods, key, label)
    L += ["", "Per-class ECE and mean p / observed frequency, external 2023-only set (final fits; deployed calibration):",
          "", "| method | " + " | ".join(T.CLASSES) + " |", "|---|" + "---|" * T.N_CLASSES]
    for m in methods:
        pc = res["external_2023_calibration"][m]["per_class"]
        L.append(f"| {NAMES[m]} | " + " | ".join(f"{pc[c]['ece']} / {pc[c]['ratio']}x" for c in T.CLASSES) + " |")
    L += C.agn_tables(T, res, NAMES, methods)
    L += ["", "Balanced accuracy by the row's real photometry pattern (set a, outer CV):", "",
          "| subset | n | " + " | ".join(NAMES[m] for m in methods) + " |", "|---|---|" + "---|" * len(methods)]
    L += C.subset_rows(res["by_real_pattern"].items(), methods)
    L += ["", "Deployed calibration (fit on all 10 folds' out-of-fold B1 predictions; p' = softmax(a log(clip(p, 1e-6, "
          "1)) + b), classes in card order):", ""]
    for m in res["candidates"]:
        for g, ab in res["calibration_final_fit"][m].items():
            L.append(f"- {m} {g}: a = {ab['a']}, b = {ab['b']}")
    ng = res["ngc3532_check"]
    if not res["selected"]:
        L += ["", f"NGC 3532: nothing was selected; the lines below labelled 'selected candidate' are {ng['selected']['method']} "
              "(highest S9), shown for information."]
    L += C.ngc_lines(ng, NAMES, "computed once after selection")
    L += ["Configurations tried (all listed): v9's cached 2.1.0 refit and T3 capped on v9's folds, B1; candidates K1, "
          "K2, K3 (exactly the protocol's list; nothing else was run).", ""]
    L += C.run_note_and_clock(res, "outer-fold fitting + prediction seconds per component (v9 cache)",
                              "seconds_per_method_outer_folds")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
