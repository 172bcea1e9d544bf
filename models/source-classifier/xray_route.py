#!/usr/bin/env python3
"""Writes model-xray.onnx: the deployed graph (model.onnx) cut down to what a row WITHOUT any MW feature uses.

model.onnx evaluates both routes for every row and picks one at the end: the MLP half blends its two networks with
the row's has-MW indicator (p_mlp = h * softmax_mw + (1 - h) * softmax_x), the forest half takes Where(has_mw,
forest_mw, forest_x). For a row whose MW mask is all zero, h = 0 and has_mw is false, so p_mlp = 0 * softmax_mw +
1 * softmax_x = softmax_x and p_t3 = forest_x exactly (IEEE: 1 * x = x, 0 * finite = 0, 0 + x = x). This script
replaces those two selections by Identity of the X-ray branch and drops every node only the MW branch needs (the MW
network, the 480k-node MW forest). Every remaining node is the same node with the same attributes and initializers,
so the probabilities of such rows are bit-identical to model.onnx's (test `route-parity.test.ts`); ingest
(classify.ts) runs rows without MW features through this graph and all other rows through model.onnx.

    /usr/bin/python3 models/source-classifier/xray_route.py      # rewrites model-xray.onnx and card.json's `routes`

Deterministic: the same model.onnx gives the same bytes (sha256 recorded in card.json).
"""
from __future__ import annotations

import hashlib
import json
import os

import onnx
from onnx import helper, numpy_helper
from onnx.utils import Extractor

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = "model-xray.onnx"


def one(nodes, **match):
    found = [n for n in nodes if all((list(getattr(n, k)) if k in ("input", "output") else getattr(n, k)) == v
                                     for k, v in match.items())]
    if len(found) != 1:
        raise SystemExit(f"model.onnx: expected one node {match}, found {len(found)}: the graph is not 2.2.x's")
    return found[0]


def xray_route(model: onnx.ModelProto) -> onnx.ModelProto:
    g = onnx.GraphProto()
    g.CopyFrom(model.graph)
    nodes = list(g.node)
    # forest half: p_t3 = Where(rf_has_mw, rf_p_mw, rf_p_x)  ->  Identity(rf_p_x)
    where = one(nodes, op_type="Where", output=["p_t3"])
    if list(where.input) != ["rf_has_mw", "rf_p_mw", "rf_p_x"]:
        raise SystemExit(f"unexpected forest selection {list(where.input)}")
    # MLP half: p_mlp = Add(Mul(h, softmax_mw), Mul(1 - h, softmax_x))  ->  Identity(softmax_x)
    add = one(nodes, op_type="Add", output=["p_mlp"])
    mul_mw = one(nodes, op_type="Mul", output=[add.input[0]])
    mul_x = one(nodes, op_type="Mul", output=[add.input[1]])
    one_minus_h = one(nodes, op_type="Sub", output=[mul_x.input[0]])
    h = one(nodes, op_type="Cast", output=[mul_mw.input[0]])
    if h.output[0] not in list(one_minus_h.input) or one(nodes, op_type="Softmax", output=[mul_x.input[1]]) is None:
        raise SystemExit("unexpected MLP route blend")
    replaced = {id(where): helper.make_node("Identity", ["rf_p_x"], ["p_t3"], name="xray_route_forest"),
                id(add): helper.make_node("Identity", [mul_x.input[1]], ["p_mlp"], name="xray_route_mlp")}
    del g.node[:]
    g.node.extend([replaced.get(id(n), n) for n in nodes])
    full = helper.make_model(g, opset_imports=list(model.opset_import))
    full.ir_version = model.ir_version
    # keep only what the output still needs (drops the MW network and the MW forest)
    cut = Extractor(full).extract_model([i.name for i in model.graph.input], [o.name for o in model.graph.output])
    cut.ir_version = model.ir_version
    del cut.opset_import[:]
    cut.opset_import.extend(model.opset_import)
    cut.doc_string = ("xtap source classifier, X-ray-only route of model.onnx (rows with no MW feature): "
                      "bit-identical probabilities for such rows; written by xray_route.py")
    onnx.checker.check_model(cut)
    return cut


def main() -> None:
    src = os.path.join(HERE, "model.onnx")
    model = onnx.load(src)
    cut = xray_route(model)
    data = cut.SerializeToString()
    with open(os.path.join(HERE, OUT), "wb") as f:
        f.write(data)
    sha = hashlib.sha256(data).hexdigest()
    card_path = os.path.join(HERE, "card.json")
    with open(card_path) as f:
        card = json.load(f)
    with open(src, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != card["model_sha256"]:
            raise SystemExit("model.onnx does not match card.json model_sha256")
    trees = lambda m: sum(1 for n in m.graph.node if n.op_type == "TreeEnsembleClassifier")  # noqa: E731
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    lo, hi = int(init["rf_xray_end"][0]), int(init["rf_mw_end"][0])   # the columns rf_has_mw sums
    card["routes"] = {"xray_only": {
        "file": OUT, "sha256": sha, "bytes": len(data), "mw_columns": [lo, hi],
        "rows": f"rows whose mask is 0 in every MW column [{lo}, {hi}) (no MW feature)",
        "from": f"model.onnx (sha256 {card['model_sha256']}) by xray_route.py",
        "nodes": len(cut.graph.node), "tree_ensembles": trees(cut), "full_graph_tree_ensembles": trees(model)}}
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"{OUT}: {len(data)} bytes, sha256 {sha}, {len(cut.graph.node)} of {len(model.graph.node)} nodes, "
          f"{trees(cut)} of {trees(model)} tree ensembles")


if __name__ == "__main__":
    main()
