#!/usr/bin/python3
"""Reads xtap's encoder output with astropy and compares every value with what was encoded.

Usage: check_votable.py SPEC.json
SPEC: {"files": [{"path": ..., "format": "votable"|"csv"|"tsv",
                  "columns": [{"name", "datatype", "arraysize"?}], "rows": [[value, ...], ...]}]}
Values in "rows" are JSON, with {"$f": "nan"|"inf"|"-inf"} for non-finite floats and {"$big": "123"} for longs.
Prints a JSON report {"ok": bool, "problems": [...], "warnings": [...]} and exits 1 on any problem.
Equivalences accepted (documented in votable/README.md): null == masked == NaN (floats) == '' (strings)
== [] (variable arrays) == all-NaN fixed float arrays.
"""
import json
import math
import sys
import warnings

import numpy as np
from astropy.io import votable
from astropy.table import Table


def decode(v):
    if isinstance(v, dict):
        if "$f" in v:
            return float(v["$f"])
        if "$big" in v:
            return int(v["$big"])
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def is_nullish(v):
    if v is None or v is np.ma.masked:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str) and v == "":
        return True
    if isinstance(v, list) and (len(v) == 0 or all(is_nullish(x) and not isinstance(x, str) for x in v)):
        return True
    return False


def to_python(v):
    """astropy cell -> plain python (None for masked), arrays flattened in storage order."""
    if v is np.ma.masked:
        return None
    if isinstance(v, np.ma.MaskedArray):
        if v.mask is not np.ma.nomask and np.all(v.mask):
            return None
        v = v.filled(np.nan) if v.dtype.kind in "fc" else v.data
    if isinstance(v, np.ndarray):
        flat = v.ravel()
        if flat.dtype.kind == "c":
            out = []
            for z in flat:
                out += [float(z.real), float(z.imag)]
            return out
        return [to_python(x) for x in flat.tolist()]
    if isinstance(v, (np.complexfloating, complex)):
        return [float(v.real), float(v.imag)]
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    return v


def same_number(a, b, single):
    if a is None or b is None:
        return False
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if single:
        return np.float32(a) == np.float32(b)
    return a == b


def same(expected, got, col):
    dt = col["datatype"]
    if is_nullish(expected) or expected is None:
        return is_nullish(got)
    if got is None:
        return False
    single = dt in ("float", "floatComplex")
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return False
        return all(same(e, g, col) for e, g in zip(expected, got))
    if isinstance(expected, bool):
        return bool(got) == expected
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if dt == "long" or (isinstance(expected, int) and dt in ("int", "short", "unsignedByte")):
            return int(got) == int(expected)
        return same_number(expected, got, single)
    return str(got) == expected


def text_cell(raw, col, fmt):
    """CSV/TSV cell (as astropy typed it) -> comparable python value."""
    v = to_python(raw)
    if v is None:
        return None
    dt = col["datatype"]
    arr = col.get("arraysize")
    if fmt == "tsv" and isinstance(v, str):
        v = v.replace("\\\\", "\x00").replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\x00", "\\")
    if dt in ("char", "unicodeChar"):
        return str(v)
    if arr is not None or dt in ("floatComplex", "doubleComplex"):
        parts = str(v).split()
        if dt == "boolean":
            return [p == "true" for p in parts]
        if dt == "long" or dt in ("int", "short", "unsignedByte"):
            return [int(p) for p in parts]
        return [float(p) for p in parts]
    if dt == "boolean":
        return str(v) == "true" if isinstance(v, str) else bool(v)
    if dt == "long":
        return int(v)
    if isinstance(v, str):
        return float(v) if dt in ("float", "double") else v
    return v


def main():
    spec = json.load(open(sys.argv[1]))
    problems, warns = [], []
    for f in spec["files"]:
        path, fmt, cols = f["path"], f["format"], f["columns"]
        rows = [[decode(v) for v in r] for r in f["rows"]]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if fmt == "votable":
                vt = votable.parse(path, verify="warn")
                table = vt.get_first_table()
                names = [fl.name for fl in table.fields]
                data = table.array
                cells = lambda i, j: to_python(data[names[j]][i])
                nrows = len(data)
            else:
                t = Table.read(path, format="ascii.csv" if fmt == "csv" else "ascii.tab", fast_reader=False)
                names = list(t.colnames)
                cells = lambda i, j: text_cell(t[names[j]][i], cols[j], fmt)
                nrows = len(t)
        for w in caught:
            # W47 "Missing arraysize indicates length 1": a single char has no arraysize, since votlint
            # deprecates arraysize="1" (VOTable 1.3 Erratum 3); astropy merely notes the default.
            if "W47" in str(w.message):
                continue
            warns.append(f"{path}: {w.category.__name__}: {w.message}")
        if names != [c["name"] for c in cols]:
            problems.append(f"{path}: column names {names}")
            continue
        if nrows != len(rows):
            problems.append(f"{path}: {nrows} rows, expected {len(rows)}")
            continue
        for i, r in enumerate(rows):
            for j, col in enumerate(cols):
                got = cells(i, j)
                if not same(r[j], got, col):
                    problems.append(f"{path}: row {i + 1} {col['name']}: expected {r[j]!r}, astropy read {got!r}")
    print(json.dumps({"ok": not problems and not warns, "problems": problems, "warnings": warns}, indent=1))
    sys.exit(0 if not problems and not warns else 1)


if __name__ == "__main__":
    main()
