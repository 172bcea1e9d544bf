#!/usr/bin/python3
"""pyvo against a running xtap: tables, sync, async, MAXREC overflow, upload join, server error messages.

Usage: /usr/bin/python3 test/clients/pyvo_check.py http://127.0.0.1:PORT/tap
Prints one line per check and a closing 'N passed, N failed' line; exits non-zero on any failure.
"""
import sys
import warnings

import numpy as np
import pyvo
from astropy.table import Table

URL = sys.argv[1]
service = pyvo.dal.TAPService(URL)
results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
            print(f"ok   {name}")
        except Exception as exc:  # noqa: BLE001 - report every failure and go on
            results.append((name, exc))
            print(f"FAIL {name}: {type(exc).__name__}: {exc}")
        return fn
    return wrap


@check("tables listing includes the CSC2 hierarchy and TAP_SCHEMA")
def _():
    names = {t.name for t in service.tables}
    for want in ("csc2.master_source", "csc2.stack_source", "csc2.observation_source",
                 "csc2.master_stack_assoc", "csc2.stack_observation_assoc", "TAP_SCHEMA.columns"):
        assert want in names, f"{want} missing from {sorted(names)}"
    cols = {c.name for c in service.tables["csc2.master_source"].columns}
    assert {"name", "ra", "dec", "flux_aper90_b", "hpx14"} <= cols


@check("sync search returns typed columns with units")
def _():
    r = service.search("SELECT TOP 5 name, ra, dec, flux_aper90_b FROM csc2.master_source ORDER BY name")
    assert len(r) == 5, len(r)
    t = r.to_table()
    assert str(t["ra"].unit) == "deg"
    assert t["ra"].dtype == np.float64
    assert all(str(n).startswith("2CXO J") for n in t["name"])


@check("async job runs and returns the same rows as sync")
def _():
    q = "SELECT o.obsid, o.region_id, so.detect_stack_id FROM csc2.observation_source AS o JOIN csc2.stack_observation_assoc AS so USING (obsid, obi, region_id) WHERE o.obsid = 8941"
    sync = service.search(q.replace("SELECT", "SELECT TOP 1000")).to_table()
    job = service.run_async(q.replace("SELECT", "SELECT TOP 1000"))
    t = job.to_table()
    assert len(t) == len(sync) > 0, (len(t), len(sync))


@check("MAXREC truncates with an overflow status")
def _():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = service.search("SELECT name FROM csc2.master_source", maxrec=3)
        assert len(r) == 3, len(r)
    overflow = any("overflow" in str(w.message).lower() or "truncat" in str(w.message).lower() for w in caught)
    status = getattr(r, "query_status", None)
    assert overflow or status == "OVERFLOW", (status, [str(w.message) for w in caught])


@check("uploaded positions cross-match against master_source")
def _():
    mine = Table({"label": ["a", "b"], "ra": [166.281041667, 10.0], "dec": [-58.851519444, 10.0]})
    r = service.search(
        "SELECT u.label, m.name FROM TAP_UPLOAD.mine AS u JOIN csc2.master_source AS m "
        "ON 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), CIRCLE('ICRS', u.ra, u.dec, 2.0/3600))",
        uploads={"mine": mine},
    ).to_table()
    assert len(r) == 1, r
    assert str(r["name"][0]).strip() == "2CXO J110507.4-585105", r


@check("a bad query raises DALQueryError carrying the server's message")
def _():
    try:
        service.search("SELECT nosuchcolumn FROM csc2.master_source")
    except pyvo.dal.DALQueryError as exc:
        assert "nosuchcolumn" in str(exc), str(exc)
    else:
        raise AssertionError("no error raised")


for label, query in (
    ("division by zero", "SELECT TOP 5 name, 1 / (ra - ra) AS x FROM csc2.master_source"),
    ("a bad CAST", "SELECT TOP 5 CAST(name AS INTEGER) AS n FROM csc2.master_source"),
    ("strings passed to dbo.cone_distance", "SELECT TOP 3 name FROM csc2.master_source WHERE dbo.cone_distance('a', 'b', ra, dec) < 1"),
):
    @check(f"a query failing in the database before its first row ({label}) raises DALQueryError")
    def _(query=query):
        try:
            service.search(query)
        except pyvo.dal.DALQueryError as exc:
            assert str(exc).strip(), "empty message"
        else:
            raise AssertionError("no error raised: pyvo got a table")


@check("joining master_source with ml.source_class gives probabilities summing to 1")
def _():
    t = service.search(
        "SELECT m.name, m.flux_aper90_b, c.predicted_class, c.p_agn, c.p_cv, c.p_hm_star, c.p_lm_star, c.p_hmxb, "
        "c.p_lmxb, c.p_ns, c.p_yso FROM csc2.master_source AS m JOIN ml.source_class AS c ON c.name = m.name",
        maxrec=100000,
    ).to_table()
    assert len(t) >= 492, len(t)
    total = sum(t[c] for c in ("p_agn", "p_cv", "p_hm_star", "p_lm_star", "p_hmxb", "p_lmxb", "p_ns", "p_yso"))
    worst = float(np.max(np.abs(total - 1)))
    assert worst <= 1e-6, worst
    assert set(t["predicted_class"]) <= {"AGN", "CV", "HM-STAR", "LM-STAR", "HMXB", "LMXB", "NS", "YSO"}


@check("event-file results carry DataLink descriptors: iter_datalinks reaches the PHA spectrum, which opens in astropy")
def _():
    import io
    from urllib.request import urlopen
    from astropy.io import fits
    r = service.search("SELECT event_file_id, file_name, n_events FROM ml.event_file ORDER BY event_file_id")
    assert len(r) >= 3, len(r)
    def access_url(resource):
        return next(p.value for p in resource.params if p.name == "accessURL")
    assert access_url(r.get_adhocservice_by_ivoid("ivo://ivoa.net/std/DataLink#links-1.1")).endswith("/tap/links")
    assert access_url(r.get_adhocservice_by_id("product_spectrum")).endswith("/tap/products/spectrum")
    seen = 0
    for row, links in zip(r, r.iter_datalinks()):
        pha = [l for l in links if l["local_semantics"] == "spectrum" and l["content_type"] == "application/fits"]
        assert len(pha) == 1, [l["local_semantics"] for l in links]
        with urlopen(pha[0]["access_url"]) as f:
            h = fits.open(io.BytesIO(f.read()))
        spec = h["SPECTRUM"]
        assert spec.header["HDUCLAS1"] == "SPECTRUM" and spec.header["EXPOSURE"] > 0
        assert int(spec.data["COUNTS"].sum()) <= int(row["n_events"])
        seen += 1
    assert seen == len(r)


failed = sum(1 for _, e in results if e is not None)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
