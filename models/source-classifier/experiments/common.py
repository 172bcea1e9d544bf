"""Pieces the protocol v7-v9 scripts (vN_candidates.py) share: module loading, pooling of the per-unit cache,
blends, the NGC 3532 check, per-set metrics, the results file + CARD.md section, and the shared report tables.
Each function is the code the scripts held before, moved here unchanged in what it computes."""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
EPS = 1e-6


def load(name: str, path: str):
    """Import the file at `path` as module `name` (registered in sys.modules, as pickles and later scripts expect)."""
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def log_p(P: np.ndarray) -> np.ndarray:
    return np.log(np.clip(P, EPS, 1.0))


def gjw_rows(T, M: np.ndarray) -> np.ndarray:
    """Rows whose mask has the G, J and W1 X-ray ratio features."""
    return np.all([M[:, T.FEATURE_NAMES.index(f"log_ratio_{b}_xray")] > 0.5 for b in ("G", "J", "W1")], axis=0)


def row_bands(T, M: np.ndarray) -> list:
    """Per row, the union of the bands of its present MW features (empty set when none is present)."""
    present = M[:, :T.N_FEATURES][:, T.MW_IDX] > 0.5
    bands = [T.feature_bands(j) for j in T.MW_IDX]
    return [set().union(*[bands[k] for k in np.flatnonzero(row)]) if row.any() else set() for row in present]


def pool_units(T, res: dict, folds: list, n: int, sets: tuple, seconds_of=None) -> dict:
    """One method's per-unit predictions (res[u], u = 0..9 outer folds, 10 = final fit) as full-length arrays:
    the fold sets `sets` and SIM_<pattern> pooled over the test folds, Pext / Pngc / Pngc_noav from the final fit,
    and seconds summed over the units in `seconds_of` (default all)."""
    r = {k: np.zeros((n, T.N_CLASSES)) for k in sets}
    for p in T.PATTERNS:
        r[f"SIM_{p}"] = np.zeros((n, T.N_CLASSES))
    for f, (_, te) in enumerate(folds):
        for k in r:
            r[k][te] = res[f][k]
    for k in ("Pext", "Pngc", "Pngc_noav"):
        r[k] = res[T.N_OUTER][k]
    units = res.values() if seconds_of is None else [res[u] for u in seconds_of]
    r["seconds"] = float(sum(float(v["seconds"]) for v in units))
    return r


def blend(R: dict, a: str, b: str) -> dict:
    """Mean of methods a and b on every prediction set (the keys of R["v2.1.0"]); prior from a."""
    pkeys = [k for k in R["v2.1.0"] if k not in ("prior", "seconds")]
    return {**{k: 0.5 * (R[a][k] + R[b][k]) for k in pkeys}, "prior": R[a]["prior"]}


def by_real_pattern(T, y: np.ndarray, M0: np.ndarray, preds: dict, methods: list) -> dict:
    """Balanced accuracy on set (a) by the row's real photometry pattern."""
    pat_real = T.row_pattern(M0)
    out = {}
    for p in ("full", "gaia_only", "2mass_only", "wise_only", "none", "other"):
        sel = pat_real == p
        out[p] = {"n": int(sel.sum()), **{m: round(T.bacc_from_pairs(y[sel], preds[m][0][sel]), 4) for m in methods}}
    return out


def set_metrics(T, R: dict, y: np.ndarray, gjw: np.ndarray, preds: dict, methods: list) -> tuple[dict, dict, dict]:
    """Protocols v8/v9, sets (a)-(d): class-wise calibration, recall, and the predicted classes of the AGN rows
    with G, J, W1 on sets (b) and (d)."""
    calib = {m: {"set_a": T.classwise_calibration(R[m]["P"], y), "set_c": T.classwise_calibration(R[m]["PS"], y),
                 "set_d": T.classwise_calibration(R[m]["PD"][gjw], y[gjw])} for m in methods}
    recall = {m: {"set_a": T.metrics(y, preds[m][0], None)["recall"],
                  "set_b_gjw": T.metrics(y[gjw], preds[m][1][gjw], None)["recall"],
                  "set_c_sightline": T.metrics(y, preds[m][2], None)["recall"],
                  "set_d_gjw_sightline": T.metrics(y[gjw], preds[m][3][gjw], None)["recall"]} for m in methods}
    agn_rows = y == T.CLASSES.index("AGN")
    agn_as = {m: {s: {T.CLASSES[c]: int((preds[m][i][agn_rows & gjw] == c).sum()) for c in range(T.N_CLASSES)}
                  for i, s in ((1, "set_b_gjw"), (3, "set_d_gjw_sightline"))} for m in methods}
    return calib, recall, agn_as


def ngc_check(T, jn: pd.DataFrame, decided: np.ndarray, method: str, input_key: str | None = None) -> dict:
    """NGC 3532 agreement of one method's decisions with MUWCLASS (a check only); "input" recorded when given."""
    muw = jn["Class"].to_numpy()
    conf = pd.to_numeric(jn["CT"], errors="coerce").to_numpy() >= 2.0
    agn = muw == "AGN"
    ours = np.array([T.CLASSES[i] for i in decided])
    head = {"method": method} if input_key is None else {"method": method, "input": input_key}
    return {**head, "n": int(len(jn)), "agreement": round(float((ours == muw).mean()), 4),
            "agreement_ct_ge_2": round(float((ours[conf] == muw[conf]).mean()), 4), "n_ct_ge_2": int(conf.sum()),
            "muwclass_agn_as_agn": int((ours[agn] == "AGN").sum()), "muwclass_agn": int(agn.sum()),
            "class_counts": {c: int((ours == c).sum()) for c in T.CLASSES}}


def write_results(res: dict, markdown: str, version: str) -> None:
    """experiments/<version>_results.json, and the <version> results section of CARD.md (replaced when present,
    else inserted after the <version> protocol section)."""
    with open(os.path.join(HERE, f"{version}_results.json"), "w") as fh:
        json.dump(res, fh, indent=1)
    card = os.path.join(HERE, "..", "CARD.md")
    with open(card) as fh:
        text = fh.read()
    begin, finish = f"<!-- {version}-results:begin -->", f"<!-- {version}-results:end -->\n"
    block = begin + "\n" + markdown + finish
    if begin in text:
        text = text[:text.index(begin)] + block + text[text.index(finish) + len(finish):]
    else:
        end = f"<!-- {version}-protocol:end -->\n"
        text = text.replace(end, end + "\n" + block, 1)
    with open(card, "w") as fh:
        fh.write(text)


def five_set_reports(T, y: np.ndarray, gjw: np.ndarray, D: dict, R: dict, preds: dict, dec, methods: list, ref: str,
                     seed: int, n_boot: int) -> tuple:
    """The reports of a protocol on sets (a)-(d) plus v12's dimmed set (e) (preds[m][4], R[m]["PE"]): bootstrap per set
    against `ref`, simulated patterns and the external 2023 set, real patterns, per-class calibration and recall
    (with (e) and the external set). Returns (cv, sim, ext, by_pattern, calib, recall, agn_as, ext_calib)."""
    others = [(m, ref) for m in methods if m != ref]
    cv = {}
    for i, key in enumerate(("set_a", "set_b_gjw", "set_c_sightline", "set_d_gjw_sightline", "set_e_dimmed")):
        cv[key] = boot_set(T, y, preds, i, methods, others, seed, n_boot,
                           rows=gjw if key in ("set_b_gjw", "set_d_gjw_sightline") else None)
    sim, ext = pattern_and_external(T, y, gjw, D["ye"], dec, methods, others, seed, n_boot)
    by_pattern = by_real_pattern(T, y, D["Ma"][0], preds, methods)
    calib, recall, agn_as = set_metrics(T, R, y, gjw, preds, methods)
    for m in methods:
        calib[m]["set_e"] = T.classwise_calibration(R[m]["PE"], y)
        recall[m]["set_e_dimmed"] = T.metrics(y, preds[m][4], None)["recall"]
        recall[m]["external_2023"] = T.metrics(D["ye"], dec(m, "Pext"), None)["recall"]
    ext_calib = {m: T.classwise_calibration(R[m]["Pext"], D["ye"]) for m in methods}
    return cv, sim, ext, by_pattern, calib, recall, agn_as, ext_calib


def ngc_check_vs_ref(T, jn: pd.DataFrame, dec, checked: str, selected: str | None, ref: str, flog) -> dict:
    """The once-after-selection NGC 3532 check of a protocol: the checked candidate and the reference, with their
    top-class agreement; logged. `dec(method, key)` gives a method's decisions on the rows of `key`."""
    out = {"use": "check only: computed once after selection; never used to choose",
           "checked": checked, "checked_is_selected": selected is not None,
           "candidate": ngc_check(T, jn, dec(checked, "Pngc"), checked, "Pngc"),
           "reference_B1": ngc_check(T, jn, dec(ref, "Pngc"), ref, "Pngc")}
    out["top_class_agreement_candidate_vs_B1"] = round(float((dec(checked, "Pngc") == dec(ref, "Pngc")).mean()), 4)
    flog(f"NGC 3532 check: {out['candidate']} | B1 {out['reference_B1']}")
    return out


def five_set_tables(res: dict, names: dict, methods: list) -> list:
    """Results-section tables shared by v12/v13: AGN recall on sets (a)-(e) and the external set, then balanced
    accuracy by the row's real photometry pattern."""
    L = ["", "AGN recall per set:", "", "| method | (a) | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline | "
         "(e) dimmed | external 2023 |", "|---|---|---|---|---|---|---|"]
    for m in methods:
        r = res["recall"][m]
        L.append(f"| {names[m]} | " + " | ".join(str(r[k]["AGN"]) for k in (
            "set_a", "set_b_gjw", "set_c_sightline", "set_d_gjw_sightline", "set_e_dimmed", "external_2023")) + " |")
    L += ["", "Balanced accuracy by the row's real photometry pattern (set a, outer CV):", "",
          "| subset | n | " + " | ".join(names[m] for m in methods) + " |", "|---|---|" + "---|" * len(methods)]
    return L + subset_rows(res["by_real_pattern"].items(), methods)


def ngc_check_vs_ref_lines(ng: dict, names: dict, not_selected: str) -> list:
    """The sentences of ngc_check_vs_ref's result; `not_selected` labels a checked candidate that was not selected."""
    L = [""]
    for key, label in (("candidate", "selected candidate" if ng["checked_is_selected"] else not_selected),
                       ("reference_B1", "reference")):
        g = ng[key]
        L += [f"NGC 3532 check ({names[g['method']]}; {label}; computed once after selection, never used to choose): "
              f"agreement with MUWCLASS {g['agreement']} (n={g['n']}), at CT >= 2 {g['agreement_ct_ge_2']} "
              f"(n={g['n_ct_ge_2']}), MUWCLASS AGN as AGN {g['muwclass_agn_as_agn']}/{g['muwclass_agn']}; predicted "
              f"classes {g['class_counts']}.", ""]
    return L + [f"Top-class agreement of {names[ng['checked']]} with B1 on NGC 3532: "
                f"{ng['top_class_agreement_candidate_vs_B1']}.", ""]


def finish_run(res: dict, markdown, version: str, args, smoke: bool, log, t_start: float) -> None:
    """Stamps the wall clock, then: a smoke run writes its section to /tmp only (unread), a --no-card run writes
    nothing, a real run writes <version>_results.json and the CARD.md section. `markdown()` renders the section."""
    res["seconds"] = round(time.time() - t_start, 1)
    if smoke:
        os.makedirs(f"/tmp/{version}_smoke", exist_ok=True)
        with open(f"/tmp/{version}_smoke/results.md", "w") as fh:
            fh.write(markdown())
        log(f"smoke run on folds {args.smoke_units}, {args.n_boot} resamples: every step ran (figures not printed)")
        return
    if args.no_card:
        log("development run: nothing written")
        return
    write_results(res, markdown(), version)
    log(f"wrote {version}_results.json and the {version} results section of CARD.md")


def ece_table(T, res: dict, names: dict, methods: list, key: str, label: str) -> list:
    L = ["", f"Per-class ECE and mean p / observed frequency, {label}, pooled outer folds:", "",
         "| method | " + " | ".join(T.CLASSES) + " |", "|---|" + "---|" * T.N_CLASSES]
    for m in methods:
        pc = res["classwise_calibration"][m][key]["per_class"]
        L.append(f"| {names[m]} | " + " | ".join(f"{pc[c]['ece']} / {pc[c]['ratio']}x" for c in T.CLASSES) + " |")
    return L


def agn_tables(T, res: dict, names: dict, methods: list) -> list:
    """Protocols v8/v9: AGN recall on sets (a)-(d) and the predicted classes of the G+J+W1 AGN rows."""
    L = ["", "AGN recall on sets (a)-(d):", "",
         "| method | (a) | (b) G+J+W1 | (c) sightlines | (d) G+J+W1 + sightline |", "|---|---|---|---|---|"]
    for m in methods:
        r = res["recall"][m]
        L.append(f"| {names[m]} | {r['set_a']['AGN']} | {r['set_b_gjw']['AGN']} | {r['set_c_sightline']['AGN']} | "
                 f"{r['set_d_gjw_sightline']['AGN']} |")
    L += ["", f"Predicted classes of the {sum(res['agn_rows_predicted_as_gjw'][methods[0]]['set_b_gjw'].values())} AGN "
          "rows with G, J, W1 on sets (b) / (d):", "", "| method | " + " | ".join(T.CLASSES) + " |",
          "|---|" + "---|" * T.N_CLASSES]
    for m in methods:
        a = res["agn_rows_predicted_as_gjw"][m]
        L.append(f"| {names[m]} | " + " | ".join(f"{a['set_b_gjw'][c]} / {a['set_d_gjw_sightline'][c]}"
                                                 for c in T.CLASSES) + " |")
    return L


def subset_rows(items, methods: list) -> list:
    return [f"| {p} | {v['n']} | " + " | ".join(str(v[m]) for m in methods) + " |" for p, v in items]


def ngc_lines(ng: dict, names: dict, when: str) -> list:
    """The NGC 3532 check sentences of the results section; `when` = how the check was computed."""
    L = [""]
    for key, label in (("selected", "selected candidate, av_gal from nh_gal"), ("selected_without_av_gal",
                       "selected candidate, av_gal masked"), ("reference_B1", "2.2.0")):
        g = ng[key]
        L.append(f"NGC 3532 check ({names[g['method']]}; {label}; {when}, never used to choose): "
                 f"agreement with MUWCLASS {g['agreement']} (n={g['n']}), at CT >= 2 {g['agreement_ct_ge_2']} "
                 f"(n={g['n_ct_ge_2']}), MUWCLASS AGN as AGN {g['muwclass_agn_as_agn']}/{g['muwclass_agn']}.")
        L.append("")
    return L


def run_note_and_clock(res: dict, seconds_label: str, seconds_key: str) -> list:
    """Last lines of a results section: the run note (if any) and the wall clock."""
    L = [f"Run log: {res['run_note']}", ""] if res.get("run_note") else []
    return L + [f"Wall clock of this evaluation: {res['seconds']} s (per-unit cache reused; {seconds_label} "
                f"{res[seconds_key]}).", ""]


def parser(doc: str, T, cache: str, only_help: str, units_help: str) -> argparse.ArgumentParser:
    """The options every vN_candidates.py takes first (a script adds its own, then add_run_options)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(T.REPO, "..", "shared", "data", "training"))
    ap.add_argument("--cache", default=cache)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20221104)
    ap.add_argument("--only", nargs="*", default=None, help=only_help)
    ap.add_argument("--units", nargs="*", type=int, default=None, help=units_help)
    return ap


def add_run_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--no-card", action="store_true", help="development run: do not write results/card")
    ap.add_argument("--run-note", default="", help="what happened during the runs (written to the card)")


def start(T, cache: str, t0: float, clock: bool):
    """Single-threaded deterministic torch, the cache dir, and the log function (elapsed s; UTC time if clock)."""
    T.torch.set_num_threads(1)
    T.torch.use_deterministic_algorithms(True)
    os.makedirs(cache, exist_ok=True)

    def log(msg):
        when = f" {time.strftime('%H:%M:%S', time.gmtime())}" if clock else ""
        print(f"[{time.time() - t0:7.1f}s{when}] {msg}", flush=True)
    return log


def decider(T, R: dict, y: np.ndarray, sets):
    """dec(m, key): method m's decisions on prediction set `key`, with the fold's training prior on the outer-fold
    sets (`sets` and SIM_*), the prior of all rows on the final-fit sets."""
    prior_all = T.class_prior(y)

    def dec(m, key):
        return T.decide(R[m][key], R[m]["prior"] if key in sets or key.startswith("SIM_") else prior_all)
    return dec


def boot_reps(n: int, preds: dict, parts, seed: int, n_boot: int) -> dict:
    """Paired bootstrap over the n rows: per method m, mean(parts(idx, m)) on each of n_boot resamples idx (the same
    resamples for every method)."""
    rng = np.random.default_rng(seed)
    reps = {m: np.empty(n_boot) for m in preds}
    for r in range(n_boot):
        idx = rng.integers(0, n, n)
        for m in preds:
            reps[m][r] = float(np.mean(parts(idx, m)))
    return reps


def ci95(v: np.ndarray) -> list:
    return [round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4)]


def selection_optimism(reps: dict, out: dict, score: str, ref: str, cands: list) -> dict:
    """In each resample, the best candidate's difference vs ref minus the difference of the candidate the full data
    selected (by out[m][score]): how much "pick the best of the candidates" adds by chance."""
    sel = max(cands, key=lambda m: out[m][score])
    best = np.max([reps[m] - reps[ref] for m in cands], axis=0)
    opt = best - (reps[sel] - reps[ref])
    return {"selected": sel, "mean": round(float(opt.mean()), 4), "p95": round(float(np.percentile(opt, 95)), 4),
            "best_of_candidates_diff_mean": round(float(best.mean()), 4),
            "selected_diff_mean": round(float((reps[sel] - reps[ref]).mean()), 4)}


def log_scores(log, S: dict, methods: list, score: str) -> None:
    for m in methods:
        v = S[m]
        d = f"d {v['bacc_d_gjw_sightline']} " if "bacc_d_gjw_sightline" in v else ""
        log(f"{score} {m:7s} {v[score]:.4f} {v['ci95']} a {v['bacc_a']} b {v['bacc_b_gjw']} c {v['bacc_c_sightline']} "
            f"{d}vs B1 {v['diff_vs_ref']:+.4f} {v['diff_ci95']}")


def boot_set(T, y: np.ndarray, preds: dict, i: int, methods: list, pairs: list, seed: int, n_boot: int,
             rows: np.ndarray | None = None) -> dict:
    """T.bootstrap of evaluation set i (preds[m][i]), on all rows or on `rows`."""
    if rows is None:
        return T.bootstrap(y, {m: preds[m][i] for m in methods}, pairs, seed=seed, n_boot=n_boot)
    return T.bootstrap(y[rows], {m: preds[m][i][rows] for m in methods}, pairs, seed=seed, n_boot=n_boot)


def pattern_and_external(T, y: np.ndarray, gjw: np.ndarray, ye: np.ndarray, dec, methods: list, others: list,
                         seed: int, n_boot: int) -> tuple[dict, dict]:
    """Bootstraps of the simulated photometry patterns on the G+J+W1 rows (each vs full) and of the 2023 set."""
    sim = T.bootstrap(y[gjw], {f"{m}_{p}": dec(m, f"SIM_{p}")[gjw] for m in methods for p in T.PATTERNS},
                      [(f"{m}_g_j_w1", f"{m}_full") for m in methods], seed=seed, n_boot=n_boot)
    ext = T.bootstrap(ye, {m: dec(m, "Pext") for m in methods}, others, seed=seed, n_boot=n_boot)
    return sim, ext


def fmt_diff(d: dict | None) -> str:
    """A bootstrap difference as '+0.0123 [lo, hi]' ('-' when absent)."""
    return "-" if d is None else f"{d['value']:+.4f} {d['ci95']}"


def score_rows(S: dict, names: dict, methods: list, score: str) -> list:
    """Protocols v8/v9: the selection table's rows (score, sets a-d, difference to 2.2.0, CI lower bound > 0)."""
    L = []
    for m in methods:
        v = S[m]
        L.append(f"| {names[m]} | {v[score]} {v['ci95']} | {v['bacc_a']} | {v['bacc_b_gjw']} | {v['bacc_c_sightline']} | "
                 f"{v['bacc_d_gjw_sightline']} | {v['diff_vs_ref']:+.4f} {v['diff_ci95']} | "
                 f"{'-' if v['beats_ref'] is None else ('yes' if v['beats_ref'] else 'no')} |")
    return L
