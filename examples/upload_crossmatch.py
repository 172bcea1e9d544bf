#!/usr/bin/python3
"""Upload cross-match: a small table of your own positions (here: CSC2 positions shifted by known offsets)
uploaded as TAP_UPLOAD.mine and matched against csc2.master_source within 3 arcsec.

Checks that each uploaded position finds the source it was made from, at the separation it was shifted by.
"""
import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table

from _common import base_url, out_dir, save, tap


def main(argv=None):
    base, out = base_url(argv), out_dir(argv)
    s = tap(base)
    src = s.run_sync("SELECT TOP 20 name, ra, dec FROM csc2.master_source ORDER BY name").to_table()
    offsets = np.linspace(0.2, 2.0, len(src))  # arcsec, due north
    moved = SkyCoord(src["ra"], src["dec"], unit="deg").directional_offset_by(0 * u.deg, offsets * u.arcsec)
    mine = Table({"my_id": np.arange(len(src)), "ra": moved.ra.deg, "dec": moved.dec.deg, "made_from": src["name"]})

    t = s.run_sync(
        "SELECT u.my_id, u.made_from, m.name, DISTANCE(POINT(u.ra, u.dec), POINT(m.ra, m.dec)) * 3600 AS sep_arcsec "
        "FROM TAP_UPLOAD.mine AS u JOIN csc2.master_source AS m "
        "ON 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), CIRCLE('ICRS', u.ra, u.dec, 3.0 / 3600)) ORDER BY u.my_id, sep_arcsec",
        uploads={"mine": mine},
    ).to_table()
    nearest = {}
    for r in t:
        nearest.setdefault(int(r["my_id"]), r)
    assert len(nearest) == len(src), f"{len(src) - len(nearest)} uploaded positions found nothing"
    for i, r in nearest.items():
        assert str(r["name"]) == str(r["made_from"]), f"row {i}: nearest is {r['name']}, made from {r['made_from']}"
        assert abs(float(r["sep_arcsec"]) - offsets[i]) < 1e-3, f"row {i}: {float(r['sep_arcsec'])} arcsec, shifted {offsets[i]}"

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(offsets, [float(nearest[i]["sep_arcsec"]) for i in range(len(src))], "o")
    ax.plot([0, 2.1], [0, 2.1], "k:", lw=1)
    ax.set(xlabel="offset applied (arcsec)", ylabel="separation found by the TAP join (arcsec)", title=f"{len(src)} uploaded positions, {len(t)} matches ≤ 3″")
    save(fig, out, "upload_crossmatch.png")
    print(f"upload cross-match: {len(src)} positions matched back to their sources at the applied offsets")


if __name__ == "__main__":
    main()
