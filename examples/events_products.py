#!/usr/bin/python3
"""Events, light curve and spectrum through DataLink: from a CSC2 source whose field has an ingested event file
(when the deployment has one), else from an event file's own ID (ml.event_file.event_file_id, also a DataLink ID).

On the bundled sample the event files are whole-chip lists of fields that are not in the sample's CSC2 rows, so
the event-file ID route is taken; the script says which one it used.

Checks: the event list has ml.event_file.n_events rows; the spectrum's counts add up to the events inside its
energy range; the light curve's rate is counts / exposure; the E–t and dEdT previews are PNG images.
"""
import io
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np

from astropy.io import fits

from _common import base_url, get_bytes, get_table, link_url, links, out_dir, save, tap


def pick(base, s):
    src = s.run_sync("SELECT TOP 1 csc2_name FROM ml.event_file WHERE csc2_name IS NOT NULL ORDER BY csc2_name").to_table()
    if len(src):
        name = str(src["csc2_name"][0])
        found = links(base, name)
        if "event-list" in found:
            return f"source {name}", found
    f = s.run_sync("SELECT TOP 1 event_file_id FROM ml.event_file ORDER BY n_events DESC").to_table()
    assert len(f), "no event file is ingested (xtap ingest events FILE.fits)"
    ident = str(f["event_file_id"][0])
    return f"event file {ident} (no CSC2 source of this deployment reaches an event file)", links(base, ident)


def main(argv=None):
    base, out = base_url(argv), out_dir(argv)
    s = tap(base)
    via, dl = pick(base, s)
    for need in ("event-list", "light-curve", "spectrum", "et-map", "dedt-map"):
        assert need in dl, f"DataLink of {via} lacks {need}: {sorted(dl)}"
    events = get_table(link_url(dl, "event-list"))
    file_id = str(events["event_file_id"][0])
    n_events = int(s.run_sync(f"SELECT n_events FROM ml.event_file WHERE event_file_id = '{file_id}'").to_table()["n_events"][0])
    assert len(events) == n_events, f"event list has {len(events)} rows, ml.event_file says {n_events}"

    spec = get_table(link_url(dl, "spectrum"))
    lo, hi = float(spec["energy_min"][0]), float(spec["energy_max"][-1])
    energy = np.asarray(events["energy"], dtype=float)
    inside = int(((energy >= lo) & (energy < hi)).sum())
    assert int(np.sum(spec["counts"])) == inside, f"spectrum holds {int(np.sum(spec['counts']))} counts, {inside} events lie in [{lo}, {hi}) eV"

    # the same spectrum as an OGIP PHA type I file, as XSPEC and Sherpa read it
    with fits.open(io.BytesIO(get_bytes(link_url(dl, "spectrum", fits=True)).content)) as pha:
        h = pha["SPECTRUM"].header
        assert h["HDUCLAS1"] == "SPECTRUM" and h["EXPOSURE"] > 0, "not an OGIP PHA spectrum with an exposure"
        assert int(np.sum(pha["SPECTRUM"].data["COUNTS"])) >= int(np.sum(spec["counts"])), "PHA holds fewer counts than the VOTable spectrum"

    # the DataLink light curves come in 900 s and 9000 s bins; any width works by editing bin= in the URL
    lc_link = link_url(dl, "light-curve")
    lc_url = urlunsplit(urlsplit(lc_link)._replace(query=urlencode({**dict(parse_qsl(urlsplit(lc_link).query)), "bin": "60"})))
    lc = get_table(lc_url)
    exposure = np.asarray(lc["exposure"], dtype=float)
    ok = exposure > 0
    assert np.allclose(np.asarray(lc["rate"], dtype=float)[ok], np.asarray(lc["counts"], dtype=float)[ok] / exposure[ok]), "rate is not counts / exposure"
    assert int(np.sum(lc["counts"])) <= n_events

    previews = {}
    for key in ("et-map", "dedt-map"):
        r = get_bytes(dl[key][0]["access_url"])
        assert r.content[:8] == b"\x89PNG\r\n\x1a\n", f"{key} is not a PNG"
        previews[key] = mpimg.imread(io.BytesIO(r.content), format="png")

    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    t0 = float(np.min(events["event_time"]))
    ax[0, 0].plot(np.asarray(events["event_time"], dtype=float) - t0, energy / 1000, ",", alpha=0.5)
    ax[0, 0].set(xlabel=f"time − {t0:.0f} (s, MET)", ylabel="energy (keV)", title=f"{len(events)} events")
    ax[0, 1].errorbar(np.asarray(lc["time"], dtype=float) - t0, lc["rate"], yerr=lc["rate_error"], fmt="o", ms=3)
    ax[0, 1].set(xlabel=f"time − {t0:.0f} (s)", ylabel="rate (ct/s)", title="light curve, 60 s bins (DataLink)")
    ax[1, 0].errorbar(np.asarray(spec["energy"], dtype=float) / 1000, spec["counts"], yerr=spec["counts_error"], fmt=".", ms=3)
    ax[1, 0].set(xlabel="energy (keV)", ylabel="counts per bin", title="spectrum (DataLink)", yscale="log")
    ax[1, 1].imshow(previews["et-map"])
    ax[1, 1].set_axis_off()
    ax[1, 1].set_title("E–t map preview (DataLink PNG)")
    fig.suptitle(f"via {via}", fontsize=9)
    fig.tight_layout()
    save(fig, out, "events_products.png")
    print(f"events: {len(events)} events, spectrum and light curve agree with them; via {via}")


if __name__ == "__main__":
    main()
