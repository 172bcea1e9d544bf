#!/usr/bin/env python3
"""Writes fixtures/ic2395_observation_averages.json: MUWCLASS's own per-observation averages of the IC 2395 field
(the expected values of observation-averages.test.ts) and checks train.py's reference (observation_averages) against
them.

    /usr/bin/python3 models/source-classifier/write_perobs_fixture.py [path/to/MUWCLASS_CSCv2 git dir]

Inputs: data/sample/ic2395_conesearch_per.csv (byte-identical to MUWCLASS's codes/demo/data/IC2395/IC2395_per.csv) and
codes/demo/data/IC2395/IC2395_ave.csv of huiyang-astro/MUWCLASS_CSCv2 @ fc0bcab (the table MUWCLASS's prepare_library.cal_ave
computed from that file), read with `git show` from the mirror. Only feature values are extracted; no class.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402

COMMIT = "fc0bcabef92a112b1b0f32fb71709cc87e03afa0"
AVE_PATH = "codes/demo/data/IC2395/IC2395_ave.csv"
PER_SAMPLE = os.path.join(T.REPO, "data", "sample", "ic2395_conesearch_per.csv")
MIRROR = "/work/.mirror/huiyang-astro+MUWCLASS_CSCv2/repo"
OBS_COLS = ["instrument", "theta", "pileup_warning", "kp_prob_b", "obsid", "region_id", "obi"]
# observation columns whose names clash with master columns carry pandas' ".1" suffix in the CSC CLI output
OBS_TWINS = [f"flux_aper90_{x}{b}" for b in "smh" for x in ("", "lolim_", "hilim_")] + ["sat_src_flag", "streak_src_flag"]
EXPECTED = ["flux_aper90_ave_s", "e_flux_aper90_ave_s", "flux_aper90_ave_m", "e_flux_aper90_ave_m", "flux_aper90_ave_h",
            "e_flux_aper90_ave_h", "chisqr", "dof", "var_inter_prob", "kp_prob_b_max"]


def observation_rows(per: pd.DataFrame) -> dict[str, list[dict]]:
    """name -> its distinct observation rows (observation_source column names), as xtap's ingest stores them."""
    per = per.copy()
    per["name"] = per["name"].str.strip()
    obs = pd.DataFrame({"name": per["name"], **{c: per[c] for c in OBS_COLS}, **{c: per[f"{c}.1"] for c in OBS_TWINS}})
    obs = obs.drop_duplicates(["name", "obsid", "region_id", "obi"])
    n_names = obs.groupby(["obsid", "region_id", "obi"])["name"].transform("nunique")
    obs["shared_detection"] = n_names > 1
    return {n: g.drop(columns=["name"]).to_dict("records") for n, g in obs.groupby("name", sort=True)}


def main() -> None:
    mirror = sys.argv[1] if len(sys.argv) > 1 else MIRROR
    ave_text = subprocess.run(["git", "-C", mirror, "show", f"{COMMIT}:{AVE_PATH}"], capture_output=True, text=True,
                              check=True).stdout
    ave = pd.read_csv(io.StringIO(ave_text))
    ave["name"] = ave["name"].str.strip()
    # every source appears twice (two cone-search positions, usrid); the two rows must agree
    for n, g in ave.groupby("name"):
        assert np.allclose(g[EXPECTED].to_numpy(float), g[EXPECTED].iloc[[0]].to_numpy(float), equal_nan=True), n
    ave = ave.drop_duplicates("name").set_index("name")
    per = pd.read_csv(PER_SAMPLE, dtype=str, keep_default_na=False).replace(r"^\s*$", np.nan, regex=True)
    rows = observation_rows(per)

    cases, diffs = [], {c: [] for c in ("s", "m", "h", "e_s", "e_m", "e_h", "chisqr", "var_inter_prob", "dof")}
    for name, obs in rows.items():
        ref = T.observation_averages(obs)
        if name not in ave.index:
            assert ref is None, f"{name}: MUWCLASS drops it, the reference keeps it"
            cases.append({"name": name, "muwclass": None})
            continue
        a = ave.loc[name]
        exp = {c: (None if pd.isna(a[c]) else float(a[c])) for c in EXPECTED}
        cases.append({"name": name, "muwclass": exp})
        for b in "smh":
            v, e = ref["bands"][b]
            diffs[b].append(abs(v - exp[f"flux_aper90_ave_{b}"]) / exp[f"flux_aper90_ave_{b}"])
            diffs[f"e_{b}"].append(abs(e - exp[f"e_flux_aper90_ave_{b}"]) / exp[f"e_flux_aper90_ave_{b}"])
        diffs["dof"].append(abs((ref["dof"] if ref["dof"] is not None else -1) - exp["dof"]))
        if exp["chisqr"] is not None:
            diffs["chisqr"].append(abs(ref["chisqr"] - exp["chisqr"]) / max(exp["chisqr"], 1e-300))
            diffs["var_inter_prob"].append(abs(ref["p_inter"] - exp["var_inter_prob"]))
    for k, v in diffs.items():
        print(f"train.py observation_averages vs IC2395_ave.csv {k}: n={len(v)} max {'abs' if k in ('dof', 'var_inter_prob') else 'rel'} diff {max(v):.3g}")
    out = {
        "ORIGIN": (f"Expected values extracted from huiyang-astro/MUWCLASS_CSCv2:{AVE_PATH}@{COMMIT} (Yang, H., Hare, J., "
                   "Kargaltsev, O., et al. 2022, ApJ, 941, 104; MUWCLASS), the per-observation averages MUWCLASS's "
                   "prepare_library.cal_ave computed from IC2395_per.csv = xtap's data/sample/ic2395_conesearch_per.csv. "
                   "Columns kept per source (one row per name; the file repeats each source for two usrids with identical "
                   f"values): {', '.join(EXPECTED)}. muwclass null = the source is not in IC2395_ave.csv (all its "
                   "observations dropped by the flag filter). Feature values only; no class. Written by "
                   "models/source-classifier/write_perobs_fixture.py."),
        "columns": EXPECTED,
        "cases": cases,
    }
    path = os.path.join(HERE, "fixtures", "ic2395_observation_averages.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {path}: {len(cases)} sources, {sum(c['muwclass'] is None for c in cases)} without averages")


if __name__ == "__main__":
    main()
