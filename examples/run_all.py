#!/usr/bin/python3
"""Runs every xtap pyvo example against one service and reports each: `python3 examples/run_all.py [BASE_URL] [OUT_DIR]`.

BASE_URL defaults to $XTAP_URL or http://localhost:8080 (what `npm start` serves); plots go to OUT_DIR (default
./example-output). Exits non-zero when any example fails.
"""
import importlib
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EXAMPLES = ["cone_search", "hierarchy", "class_probabilities", "events_products", "upload_crossmatch", "provenance"]


def main():
    argv = sys.argv[:3]
    failed = []
    for name in EXAMPLES:
        started = time.monotonic()
        print(f"--- {name}")
        try:
            importlib.import_module(name).main(argv)
            print(f"ok   {name} ({time.monotonic() - started:.1f} s)")
        except Exception:  # noqa: BLE001 - report every example and go on
            traceback.print_exc()
            print(f"FAIL {name}")
            failed.append(name)
    print(f"{len(EXAMPLES) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
