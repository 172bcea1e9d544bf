#!/usr/bin/python3
"""Class probabilities with uncertainties: ml.source_class for the brightest classified sources, plotted as bars
with their Monte-Carlo standard deviations.

Checks that each source's probabilities sum to 1, that the uncertainties lie in [0, 1], and that predicted_class
follows the decision rule the model card (ml.model.card) states: argmax over classes of p / training class prior.
"""
import json

import matplotlib.pyplot as plt
import numpy as np

from _common import base_url, out_dir, save, tap

N = 4


def main(argv=None):
    base, out = base_url(argv), out_dir(argv)
    s = tap(base)
    t = s.run_sync(
        f"SELECT TOP {N} c.*, m.flux_aper90_b FROM ml.source_class AS c JOIN csc2.master_source AS m ON m.name = c.name "
        "WHERE m.flux_aper90_b IS NOT NULL ORDER BY m.flux_aper90_b DESC"
    ).to_table()
    assert len(t) == N, f"expected {N} classified sources, got {len(t)}"
    stems = [c[2:] for c in t.colnames if c.startswith("p_")]
    assert len(stems) >= 2, t.colnames
    p = np.array([[float(r[f"p_{k}"]) for k in stems] for r in t])
    e = np.array([[float(r[f"e_p_{k}"]) for k in stems] for r in t])
    assert np.allclose(p.sum(axis=1), 1, atol=1e-6), f"probabilities do not sum to 1: {p.sum(axis=1)}"
    assert ((e >= 0) & (e <= 1)).all(), "an uncertainty lies outside [0, 1]"
    card = json.loads(str(s.run_sync(
        f"SELECT card FROM ml.model WHERE model_id = '{t['model_id'][0]}' AND version = '{t['model_version'][0]}'"
    ).to_table()["card"][0]))
    assert "class_prior" in card["decision_rule"], card["decision_rule"]
    prior = dict(zip(card["training"]["class_prior_order"], card["training"]["class_prior"]))
    label = {k: k.replace("_", "-").upper() for k in stems}
    for row, probs in zip(t, p):
        best = max(stems, key=lambda k: float(row[f"p_{k}"]) / prior[label[k]])
        assert label[best] == str(row["predicted_class"]), (best, row["predicted_class"])
        assert abs(float(row[f"p_{best}"]) - float(row["predicted_prob"])) < 1e-9

    fig, axes = plt.subplots(N, 1, figsize=(7, 2.2 * N), sharex=True)
    x = np.arange(len(stems))
    for ax, row, probs, errs in zip(axes, t, p, e):
        ax.bar(x, probs, yerr=errs, capsize=3, color="tab:blue")
        ax.set_ylim(0, 1)
        ax.set_ylabel("P")
        ax.set_title(f"{row['name']}: {row['predicted_class']} ({row['feature_set']}, {row['model_id']} {row['model_version']})", fontsize=9)
    axes[-1].set_xticks(x, [label[k] for k in stems])
    save(fig, out, "class_probabilities.png")
    print(f"class probabilities: {N} sources, sums 1, predicted class = argmax p/prior as the model card says")


if __name__ == "__main__":
    main()
