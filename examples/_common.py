"""Shared helpers of the xtap pyvo examples: the service URL, DataLink rows, VOTable downloads, plot saving.

Every example takes the service base URL as its first argument (default $XTAP_URL or http://localhost:8080) and
an output directory as its second (default ./example-output); it saves one PNG there and raises AssertionError
when what it got is not what it should be.
"""
import io
import os
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyvo  # noqa: E402
import requests  # noqa: E402
from astropy.io.votable import parse_single_table  # noqa: E402
from pyvo.dal.adhoc import DatalinkResults  # noqa: E402

# pyvo warns about VOTable details (e.g. unknown xtypes) that do not matter here
warnings.simplefilter("ignore")


def base_url(argv=None):
    argv = sys.argv if argv is None else argv
    url = argv[1] if len(argv) > 1 else os.environ.get("XTAP_URL", "http://localhost:8080")
    return url.rstrip("/")


def out_dir(argv=None):
    argv = sys.argv if argv is None else argv
    d = argv[2] if len(argv) > 2 else os.environ.get("XTAP_EXAMPLES_OUT", "example-output")
    os.makedirs(d, exist_ok=True)
    return d


def tap(base):
    return pyvo.dal.TAPService(f"{base}/tap")


def links(base, ident):
    """DataLink rows of one ID (a CSC2 source name or an event_file_id) as {local_semantics: [row, ...]}.

    Rows are read from /tap/links directly: pyvo's getdataset() looks the semantics up in the IVOA vocabulary
    online, which fails on machines without internet.
    """
    dl = DatalinkResults.from_result_url(f"{base}/tap/links?{requests.compat.urlencode({'ID': ident})}")
    out = {}
    for row in dl:
        assert not row["error_message"], f"DataLink error for {ident}: {row['error_message']}"
        out.setdefault(str(row["local_semantics"]), []).append(row)
    return out


def link_url(dl, key, fits=False):
    """access_url of the first `key` link in VOTable (or, with fits=True, FITS): products come in both."""
    want = "fits" if fits else "votable"
    rows = [r for r in dl.get(key, []) if want in str(r["content_type"]).lower()]
    assert rows, f"no {want} link for {key}: {[str(r['content_type']) for r in dl.get(key, [])]}"
    return str(rows[0]["access_url"])


def get_bytes(url):
    r = requests.get(url, timeout=120)
    assert r.status_code == 200, f"GET {url} answered HTTP {r.status_code}: {r.text[:200]}"
    return r


def get_table(url):
    return parse_single_table(io.BytesIO(get_bytes(url).content)).to_table()


def save(fig, out, name):
    path = os.path.join(out, name)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    assert os.path.getsize(path) > 1000, f"{path} is suspiciously small"
    print(f"  plot: {path}")
    return path
