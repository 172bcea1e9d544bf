"""ONNX export of the v6 blend (model 2.2.0): mean of 2.1.0's probabilities (its exported graph) and T3's routed
random forests (ai.onnx.ml TreeEnsembleClassifier, built with onnx.helper; no skl2onnx).

Pure graph construction: no training, no file I/O besides what the caller passes in.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MISSING = -9999999.0  # train.rf_matrix: missing feature -> a value outside every feature's range


def _floor32(thr: np.ndarray) -> np.ndarray:
    """Largest float32 <= each float64 threshold: for float32 inputs x, x <= thr64 <=> x <= floor32(thr64),
    so the float32 ONNX thresholds split exactly as sklearn's float64 ones (sklearn casts X to float32)."""
    t = thr.astype(np.float32)
    up = t.astype(np.float64) > thr
    t[up] = np.nextafter(t[up], np.float32(-np.inf))
    return t


def forest_node(forest, n_classes: int, inp: str, out: str, name: str) -> onnx.NodeProto:
    """TreeEnsembleClassifier equal to forest.predict_proba with columns 0..n_classes-1 (forest.classes_ are
    class indices; absent classes get probability 0). Leaf weight = normalised leaf value / number of trees."""
    tree_ids, node_ids, feat, vals, modes, tru, fal = [], [], [], [], [], [], []
    c_tree, c_node, c_id, c_w = [], [], [], []
    n_trees = len(forest.estimators_)
    classes = np.asarray(forest.classes_, dtype=np.int64)
    for t, est in enumerate(forest.estimators_):
        tr = est.tree_
        n = tr.node_count
        leaf = tr.children_left == -1
        tree_ids.append(np.full(n, t, dtype=np.int64))
        node_ids.append(np.arange(n, dtype=np.int64))
        feat.append(np.where(leaf, 0, tr.feature).astype(np.int64))
        vals.append(np.where(leaf, 0.0, _floor32(tr.threshold)).astype(np.float32))
        modes.append(np.where(leaf, "LEAF", "BRANCH_LEQ"))
        tru.append(np.where(leaf, 0, tr.children_left).astype(np.int64))
        fal.append(np.where(leaf, 0, tr.children_right).astype(np.int64))
        v = tr.value[:, 0, :]
        p = v / v.sum(1, keepdims=True)
        li, ci = np.nonzero(leaf[:, None] & (p > 0))
        c_tree.append(np.full(len(li), t, dtype=np.int64))
        c_node.append(li.astype(np.int64))
        c_id.append(classes[ci])
        c_w.append((p[li, ci] / n_trees).astype(np.float32))
    cat = np.concatenate
    return helper.make_node(
        "TreeEnsembleClassifier", [inp], [out + "_label", out], name=name, domain="ai.onnx.ml",
        classlabels_int64s=list(range(n_classes)), post_transform="NONE",
        nodes_treeids=cat(tree_ids).tolist(), nodes_nodeids=cat(node_ids).tolist(),
        nodes_featureids=cat(feat).tolist(), nodes_values=cat(vals).tolist(),
        nodes_modes=[str(s) for s in cat(modes)], nodes_truenodeids=cat(tru).tolist(),
        nodes_falsenodeids=cat(fal).tolist(), class_treeids=cat(c_tree).tolist(),
        class_nodeids=cat(c_node).tolist(), class_ids=cat(c_id).tolist(), class_weights=cat(c_w).tolist())


def blend_model(mlp: onnx.ModelProto, mw_forest, x_forest, n_xray: int, n_features: int, n_classes: int,
                doc: str, n_inputs: int | None = None) -> onnx.ModelProto:
    """One graph: inputs features/mask [N,F] -> probabilities [N,C] = (p_2.1.0 + p_forests) / 2, where p_forests is
    the X-ray+MW forest for rows with any MW feature present (mask[:, n_xray:n_features] sums > 0), else the
    X-ray-only forest on the first n_xray features; missing features (mask < 0.5) are set to MISSING as in training.
    n_inputs > n_features (protocol v7 B2: features + av_gal): the graph's inputs are n_inputs wide, 2.1.0 reads the
    first n_features, the X-ray+MW forest all of them and the X-ray-only forest the X-ray ones plus the trailing ones."""
    sight = n_inputs is not None and n_inputs > n_features
    g = onnx.GraphProto()
    g.CopyFrom(mlp.graph)
    rename = {"probabilities": "p_mlp"}  # 2.1.0's output becomes an intermediate
    if sight:
        rename.update({"features": "mlp_features", "mask": "mlp_mask"})
        for vi in g.input:
            vi.type.tensor_type.shape.dim[1].dim_value = n_inputs
    for node in g.node:
        node.input[:] = [rename.get(i, i) if i != "probabilities" else i for i in node.input]
        node.output[:] = [rename.get(o, o) for o in node.output]
    const = lambda name, arr: g.initializer.append(numpy_helper.from_array(np.asarray(arr), name))  # noqa: E731
    const("rf_half", np.float32(0.5))
    const("rf_missing", np.float32(MISSING))
    const("rf_zero", np.float32(0.0))
    const("rf_xray_start", np.array([0], dtype=np.int64))
    const("rf_xray_end", np.array([n_xray], dtype=np.int64))
    const("rf_mw_end", np.array([n_features], dtype=np.int64))
    const("rf_axis1", np.array([1], dtype=np.int64))
    N = helper.make_node
    x_in = "rf_x_xray"
    sight_nodes = []
    if sight:
        const("rf_end", np.array([n_inputs], dtype=np.int64))
        nodes = list(g.node)  # the slices 2.1.0 reads must come first (topological order)
        del g.node[:]
        g.node.extend([N("Slice", ["features", "rf_xray_start", "rf_mw_end", "rf_axis1"], ["mlp_features"]),
                       N("Slice", ["mask", "rf_xray_start", "rf_mw_end", "rf_axis1"], ["mlp_mask"])] + nodes)
        sight_nodes = [N("Slice", ["rf_x", "rf_mw_end", "rf_end", "rf_axis1"], ["rf_x_sight"]),
                       N("Concat", ["rf_x_xray", "rf_x_sight"], ["rf_x_xs"], axis=1)]
        x_in = "rf_x_xs"
    g.node.extend([
        N("Less", ["mask", "rf_half"], ["rf_is_missing"]),
        N("Where", ["rf_is_missing", "rf_missing", "features"], ["rf_x"]),
        N("Slice", ["rf_x", "rf_xray_start", "rf_xray_end", "rf_axis1"], ["rf_x_xray"]),
        *sight_nodes,
        N("Slice", ["mask", "rf_xray_end", "rf_mw_end", "rf_axis1"], ["rf_mask_mw"]),
        N("ReduceSum", ["rf_mask_mw", "rf_axis1"], ["rf_mw_sum"], keepdims=1),
        N("Greater", ["rf_mw_sum", "rf_zero"], ["rf_has_mw"]),
        forest_node(mw_forest, n_classes, "rf_x", "rf_p_mw", "forest_xray_mw"),
        forest_node(x_forest, n_classes, x_in, "rf_p_x", "forest_xray"),
        N("Where", ["rf_has_mw", "rf_p_mw", "rf_p_x"], ["p_t3"]),
        N("Add", ["p_mlp", "p_t3"], ["rf_sum"]),
        N("Mul", ["rf_sum", "rf_half"], ["probabilities"]),
    ])
    opsets = [o for o in mlp.opset_import if o.domain not in ("ai.onnx.ml",)]
    model = helper.make_model(g, opset_imports=opsets + [helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = mlp.ir_version
    model.doc_string = doc
    onnx.checker.check_model(model)
    return model


def with_calibration(model: onnx.ModelProto, a: np.ndarray, b: np.ndarray, eps: float, doc: str) -> onnx.ModelProto:
    """Appends per-class vector scaling to a probabilities graph (protocol v7 point 4):
    probabilities = softmax(a * log(clip(p, eps, 1)) + b)."""
    g = onnx.GraphProto()
    g.CopyFrom(model.graph)
    for node in g.node:
        node.output[:] = ["p_uncal" if o == "probabilities" else o for o in node.output]
    const = lambda name, arr: g.initializer.append(numpy_helper.from_array(np.asarray(arr), name))  # noqa: E731
    const("cal_eps", np.float32(eps))
    const("cal_one", np.float32(1.0))
    const("cal_a", np.asarray(a, dtype=np.float32).reshape(1, -1))
    const("cal_b", np.asarray(b, dtype=np.float32).reshape(1, -1))
    N = helper.make_node
    g.node.extend([
        N("Clip", ["p_uncal", "cal_eps", "cal_one"], ["cal_p"]),
        N("Log", ["cal_p"], ["cal_logp"]),
        N("Mul", ["cal_logp", "cal_a"], ["cal_scaled"]),
        N("Add", ["cal_scaled", "cal_b"], ["cal_z"]),
        N("Softmax", ["cal_z"], ["probabilities"], axis=1),
    ])
    out = helper.make_model(g, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    out.doc_string = doc
    onnx.checker.check_model(out)
    return out



def with_group_calibration(model: onnx.ModelProto, groups: dict, outside: np.ndarray, n_xray: int, n_features: int,
                           eps: float, doc: str) -> onnx.ModelProto:
    """Appends per-class vector scaling chosen by the row's photometry group (protocol v8 point 2):
    probabilities = softmax(a_g * log(clip(p, eps, 1)) + b_g). groups = {1: (a, b), 2: (a, b), 3: (a, b)}.
    Group of a row from its mask: 3 if no MW feature is present (mask > 0.5 in columns n_xray:n_features);
    else 2 if for some band set S every present MW feature only uses bands of S, else 1. outside [n_mw, n_sets]:
    outside[j, s] = 1 if MW feature j uses a band outside set s (so the row is within s iff mask_mw @ outside[:, s]
    is 0)."""
    g = onnx.GraphProto()
    g.CopyFrom(model.graph)
    for node in g.node:
        node.output[:] = ["p_uncal" if o == "probabilities" else o for o in node.output]
    const = lambda name, arr: g.initializer.append(numpy_helper.from_array(np.asarray(arr), name))  # noqa: E731
    const("gcal_eps", np.float32(eps))
    const("gcal_one", np.float32(1.0))
    const("gcal_half", np.float32(0.5))
    const("gcal_mw_start", np.array([n_xray], dtype=np.int64))
    const("gcal_mw_end", np.array([n_features], dtype=np.int64))
    const("gcal_axis1", np.array([1], dtype=np.int64))
    const("gcal_outside", np.asarray(outside, dtype=np.float32))
    for k in (1, 2, 3):
        const(f"gcal_a{k}", np.asarray(groups[k][0], dtype=np.float32).reshape(1, -1))
        const(f"gcal_b{k}", np.asarray(groups[k][1], dtype=np.float32).reshape(1, -1))
    N = helper.make_node
    g.node.extend([
        N("Slice", ["mask", "gcal_mw_start", "gcal_mw_end", "gcal_axis1"], ["gcal_mask_mw"]),
        N("Greater", ["gcal_mask_mw", "gcal_half"], ["gcal_present_b"]),
        N("Cast", ["gcal_present_b"], ["gcal_present"], to=TensorProto.FLOAT),
        N("ReduceMax", ["gcal_present"], ["gcal_any"], axes=[1], keepdims=1),
        N("Greater", ["gcal_any", "gcal_half"], ["gcal_has_mw"]),
        N("MatMul", ["gcal_present", "gcal_outside"], ["gcal_out_count"]),
        N("ReduceMin", ["gcal_out_count"], ["gcal_min_out"], axes=[1], keepdims=1),
        N("Less", ["gcal_min_out", "gcal_half"], ["gcal_partial"]),
        N("Where", ["gcal_partial", "gcal_a2", "gcal_a1"], ["gcal_a_mw"]),
        N("Where", ["gcal_partial", "gcal_b2", "gcal_b1"], ["gcal_b_mw"]),
        N("Where", ["gcal_has_mw", "gcal_a_mw", "gcal_a3"], ["gcal_a"]),
        N("Where", ["gcal_has_mw", "gcal_b_mw", "gcal_b3"], ["gcal_b"]),
        N("Clip", ["p_uncal", "gcal_eps", "gcal_one"], ["gcal_p"]),
        N("Log", ["gcal_p"], ["gcal_logp"]),
        N("Mul", ["gcal_logp", "gcal_a"], ["gcal_scaled"]),
        N("Add", ["gcal_scaled", "gcal_b"], ["gcal_z"]),
        N("Softmax", ["gcal_z"], ["probabilities"], axis=1),
    ])
    out = helper.make_model(g, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    out.doc_string = doc
    onnx.checker.check_model(out)
    return out


def routed_model(mlp: onnx.ModelProto, t3_mw, t3_x, route_forest, outside: np.ndarray, n_xray: int, n_features: int,
                 n_inputs: int, n_classes: int, route_mode: str, calibration: tuple | None, eps: float,
                 doc: str) -> onnx.ModelProto:
    """Protocol v9 routed graph. Inputs features/mask [N, n_inputs] (n_inputs = n_features + av_gal).
    Not routed rows: (p_2.1.0 + p_T3) / 2 exactly as 2.2.0 (2.1.0 and T3 read the first n_features; T3 routes rows with
    any MW feature to its X-ray+MW forest, others to its X-ray-only forest on the X-ray features).
    Routed rows (some MW feature present, and every present MW feature only uses bands of the route set:
    mask_mw @ outside == 0, outside[j] = 1 if MW feature j uses a band outside the set): p_r = (p_2.1.0 + p_route) / 2
    (route_mode "blend") or p_route ("forest"), p_route = route_forest on all n_inputs columns; then, if calibration
    = (a, b), p_r = softmax(a log(clip(p_r, eps, 1)) + b). Missing features (mask < 0.5) -> MISSING as in training."""
    g = onnx.GraphProto()
    g.CopyFrom(mlp.graph)
    rename = {"probabilities": "p_mlp", "features": "mlp_features", "mask": "mlp_mask"}
    for vi in g.input:
        vi.type.tensor_type.shape.dim[1].dim_value = n_inputs
    for node in g.node:
        node.input[:] = [rename.get(i, i) for i in node.input]
        node.output[:] = [rename.get(o, o) for o in node.output]
    const = lambda name, arr: g.initializer.append(numpy_helper.from_array(np.asarray(arr), name))  # noqa: E731
    const("rt_half", np.float32(0.5))
    const("rt_missing", np.float32(MISSING))
    const("rt_start", np.array([0], dtype=np.int64))
    const("rt_xray_end", np.array([n_xray], dtype=np.int64))
    const("rt_mw_end", np.array([n_features], dtype=np.int64))
    const("rt_axis1", np.array([1], dtype=np.int64))
    const("rt_outside", np.asarray(outside, dtype=np.float32).reshape(-1, 1))
    N = helper.make_node
    nodes = list(g.node)
    del g.node[:]
    g.node.extend([N("Slice", ["features", "rt_start", "rt_mw_end", "rt_axis1"], ["mlp_features"]),
                   N("Slice", ["mask", "rt_start", "rt_mw_end", "rt_axis1"], ["mlp_mask"])] + nodes)
    g.node.extend([
        N("Less", ["mask", "rt_half"], ["rt_is_missing"]),
        N("Where", ["rt_is_missing", "rt_missing", "features"], ["rt_x"]),
        N("Slice", ["rt_x", "rt_start", "rt_mw_end", "rt_axis1"], ["rt_x30"]),
        N("Slice", ["rt_x", "rt_start", "rt_xray_end", "rt_axis1"], ["rt_x_xray"]),
        N("Slice", ["mask", "rt_xray_end", "rt_mw_end", "rt_axis1"], ["rt_mask_mw"]),
        N("Greater", ["rt_mask_mw", "rt_half"], ["rt_present_b"]),
        N("Cast", ["rt_present_b"], ["rt_present"], to=TensorProto.FLOAT),
        N("ReduceSum", ["rt_present", "rt_axis1"], ["rt_mw_count"], keepdims=1),
        N("Greater", ["rt_mw_count", "rt_half"], ["rt_has_mw"]),
        N("MatMul", ["rt_present", "rt_outside"], ["rt_out_count"]),
        N("Less", ["rt_out_count", "rt_half"], ["rt_within"]),
        N("And", ["rt_has_mw", "rt_within"], ["rt_routed"]),
        forest_node(t3_mw, n_classes, "rt_x30", "rt_p_t3mw", "forest_t3_xray_mw"),
        forest_node(t3_x, n_classes, "rt_x_xray", "rt_p_t3x", "forest_t3_xray"),
        N("Where", ["rt_has_mw", "rt_p_t3mw", "rt_p_t3x"], ["rt_p_t3"]),
        N("Add", ["p_mlp", "rt_p_t3"], ["rt_sum_b1"]),
        N("Mul", ["rt_sum_b1", "rt_half"], ["rt_p_b1"]),
        forest_node(route_forest, n_classes, "rt_x", "rt_p_route_f", "forest_route"),
    ])
    if route_mode == "blend":
        g.node.extend([N("Add", ["p_mlp", "rt_p_route_f"], ["rt_sum_r"]), N("Mul", ["rt_sum_r", "rt_half"], ["rt_p_r0"])])
    elif route_mode == "forest":
        g.node.extend([N("Identity", ["rt_p_route_f"], ["rt_p_r0"])])
    else:
        raise ValueError(route_mode)
    if calibration is not None:
        const("rt_eps", np.float32(eps))
        const("rt_one", np.float32(1.0))
        const("rt_a", np.asarray(calibration[0], dtype=np.float32).reshape(1, -1))
        const("rt_b", np.asarray(calibration[1], dtype=np.float32).reshape(1, -1))
        g.node.extend([
            N("Clip", ["rt_p_r0", "rt_eps", "rt_one"], ["rt_pc"]),
            N("Log", ["rt_pc"], ["rt_logp"]),
            N("Mul", ["rt_logp", "rt_a"], ["rt_scaled"]),
            N("Add", ["rt_scaled", "rt_b"], ["rt_z"]),
            N("Softmax", ["rt_z"], ["rt_p_r"], axis=1),
        ])
    else:
        g.node.extend([N("Identity", ["rt_p_r0"], ["rt_p_r"])])
    g.node.extend([N("Where", ["rt_routed", "rt_p_r", "rt_p_b1"], ["probabilities"])])
    opsets = [o for o in mlp.opset_import if o.domain not in ("ai.onnx.ml",)]
    model = helper.make_model(g, opset_imports=opsets + [helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = mlp.ir_version
    model.doc_string = doc
    onnx.checker.check_model(model)
    return model
