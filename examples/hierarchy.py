#!/usr/bin/python3
"""Master → stack → observation: the CSC2 source with the most per-observation detections, followed down the
hierarchy through the DataLink service descriptor of a master_source result (pyvo iter_datalinks).

Checks that DataLink's stack and per-observation detections are exactly those of an explicit ADQL join over the
association tables, and plots the source's aperture flux (90% ECF, broad band) with its confidence interval in
each observation.
"""
import matplotlib.pyplot as plt
import numpy as np

from _common import base_url, get_table, out_dir, save, tap

JOIN = (
    "FROM csc2.master_stack_assoc AS a JOIN csc2.stack_observation_assoc AS so "
    "ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id "
    "JOIN csc2.observation_source AS o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id"
)


def main(argv=None):
    base, out = base_url(argv), out_dir(argv)
    s = tap(base)
    top = s.run_sync(f"SELECT TOP 1 a.name, COUNT(*) AS n {JOIN} GROUP BY a.name ORDER BY n DESC, a.name").to_table()
    name = str(top["name"][0])
    master = s.run_sync(f"SELECT name, ra, dec FROM csc2.master_source WHERE name = '{name}'")
    assert len(master) == 1

    # DataLink from the master_source result (its service descriptor), as TOPCAT or pyvo users follow it
    dl = next(master.iter_datalinks())
    by = {}
    for row in dl:
        by.setdefault(str(row["local_semantics"]), []).append(row["access_url"])
    stacks = get_table(by["stack-detections"][0])
    obs = get_table(by["observation-detections"][0])

    direct = s.run_sync(f"SELECT o.obsid, o.obi, o.region_id {JOIN} WHERE a.name = '{name}' ORDER BY o.obsid").to_table()
    n_stack = s.run_sync(f"SELECT COUNT(*) AS n FROM csc2.master_stack_assoc WHERE name = '{name}'").to_table()["n"][0]
    assert len(stacks) == n_stack, f"DataLink gave {len(stacks)} stack detections, the association table {n_stack}"
    assert sorted(zip(obs["obsid"], obs["obi"], obs["region_id"])) == sorted(
        zip(direct["obsid"], direct["obi"], direct["region_id"])
    ), "DataLink's per-observation detections differ from the ADQL join"

    obs.sort("obsid")
    flux = np.asarray(obs["flux_aper90_b"], dtype=float)
    lo = flux - np.asarray(obs["flux_aper90_lolim_b"], dtype=float)
    hi = np.asarray(obs["flux_aper90_hilim_b"], dtype=float) - flux
    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.arange(len(obs))
    ax.errorbar(x, flux, yerr=[lo, hi], fmt="o", capsize=4)
    ax.set_xticks(x, [f"ObsID {o}" for o in obs["obsid"]])
    ax.set_ylabel("flux_aper90_b (erg/s/cm²)")
    ax.set_title(f"{name}: {len(stacks)} stack detection(s), {len(obs)} observation(s)")
    save(fig, out, "hierarchy.png")
    print(f"hierarchy: {name} → {len(stacks)} stack → {len(obs)} observation detections, DataLink = ADQL join")


if __name__ == "__main__":
    main()
