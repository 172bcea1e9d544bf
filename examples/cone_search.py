#!/usr/bin/python3
"""Cone search: the CSC2 master sources within 12 arcmin of NGC 3532's Chandra field, plotted on the sky.

Checks that every returned source lies inside the cone (astropy separation) and that the cone query agrees with
an explicit DISTANCE filter.
"""
import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord

from _common import base_url, out_dir, save, tap

RA, DEC, RADIUS = 166.28, -58.85, 0.2  # degrees


def main(argv=None):
    base, out = base_url(argv), out_dir(argv)
    s = tap(base)
    t = s.run_sync(
        "SELECT name, ra, dec, flux_aper90_b FROM csc2.master_source "
        f"WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', {RA}, {DEC}, {RADIUS}))"
    ).to_table()
    assert len(t) > 10, f"expected the NGC 3532 field, got {len(t)} sources"
    sep = SkyCoord(t["ra"], t["dec"], unit="deg").separation(SkyCoord(RA * u.deg, DEC * u.deg))
    assert (sep <= RADIUS * u.deg).all(), f"a source lies {sep.max()} from the centre"
    n = s.run_sync(
        f"SELECT COUNT(*) AS n FROM csc2.master_source WHERE DISTANCE(POINT(ra, dec), POINT({RA}, {DEC})) <= {RADIUS}"
    ).to_table()["n"][0]
    assert n == len(t), f"CONTAINS gave {len(t)} rows, DISTANCE {n}"

    flux = np.ma.filled(np.ma.asarray(t["flux_aper90_b"], dtype=float), np.nan)
    fig, ax = plt.subplots(figsize=(6, 5))
    sc = ax.scatter(t["ra"], t["dec"], c=np.log10(flux), s=14, cmap="viridis")
    ax.invert_xaxis()
    ax.set_xlabel("RA (deg)")
    ax.set_ylabel("Dec (deg)")
    ax.set_title(f"CSC2 master sources within {RADIUS * 60:.0f}′ of ({RA}, {DEC}): {len(t)}")
    fig.colorbar(sc, label="log10 flux_aper90_b (erg/s/cm²)")
    save(fig, out, "cone_search.png")
    print(f"cone search: {len(t)} sources, all within {RADIUS} deg")


if __name__ == "__main__":
    main()
