#!/usr/bin/python3
"""Provenance: from a source's classification to the inference run that produced it and the model behind it,
in plain ADQL (ml.source_class → ml.inference_run → ml.model).

Checks that every classification row names an existing run of the same model and version, that the model card
records the SHA-256 of the ONNX file that ran and where its training data came from, and plots the rows per run.
"""
import json
import re

import matplotlib.pyplot as plt

from _common import base_url, out_dir, save, tap


def main(argv=None):
    base, out = base_url(argv), out_dir(argv)
    s = tap(base)
    orphans = s.run_sync(
        "SELECT COUNT(*) AS n FROM ml.source_class AS c LEFT OUTER JOIN ml.inference_run AS r "
        "ON r.run_id = c.run_id AND r.model_id = c.model_id AND r.model_version = c.model_version WHERE r.run_id IS NULL"
    ).to_table()["n"][0]
    assert orphans == 0, f"{orphans} classification rows name no matching inference run"

    runs = s.run_sync(
        "SELECT r.run_id, r.activity, r.started_at, COUNT(*) AS n FROM ml.source_class AS c "
        "JOIN ml.inference_run AS r ON r.run_id = c.run_id GROUP BY r.run_id, r.activity, r.started_at ORDER BY r.started_at"
    ).to_table()
    assert len(runs) > 0
    models = s.run_sync(
        "SELECT m.model_id, m.version, m.onnx_sha256, m.training_data FROM ml.model AS m "
        "WHERE m.model_id IN (SELECT model_id FROM ml.source_class)"
    ).to_table()
    for m in models:
        assert re.fullmatch(r"[0-9a-f]{64}", str(m["onnx_sha256"])), f"{m['model_id']}: onnx_sha256 {m['onnx_sha256']!r}"
        training = json.loads(str(m["training_data"]))
        assert training.get("origin") and training.get("sha256"), f"training data without origin/sha256: {training}"

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(len(runs)), runs["n"])
    ax.set_xticks(range(len(runs)), [f"{a}\n{str(t)[:19]}" for a, t in zip(runs["activity"], runs["started_at"])], fontsize=7, rotation=30)
    ax.set(ylabel="ml.source_class rows", title=f"{int(sum(runs['n']))} classifications from {len(runs)} run(s) of {', '.join(f'{m}@{v}' for m, v in zip(models['model_id'], models['version']))}")
    save(fig, out, "provenance.png")
    print(f"provenance: every classification traced to its run and model ({len(runs)} runs)")


if __name__ == "__main__":
    main()
