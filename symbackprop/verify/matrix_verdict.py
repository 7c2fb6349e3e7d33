r"""Verdicts on vector and matrix formulas: shapes first, then every entry, then the mistake.

A formula for ``∂L/∂W^{(l)}``, ``∂L/∂b^{(l)}``, ``δ^{(l)}`` (= ``∂L/∂z^{(l)}``),
``∂L/∂a^{(l)}`` or ``∂L/∂x`` must have the shape of what is differentiated; a product that
is not defined, or a wrong shape, is a wrong answer explained in words.  Otherwise it is
compared entry by entry with the true gradient (vector backend) at the spec's own
``[values]`` when it has them and at points from the quantities' natural ranges.  A wrong
formula is diagnosed by repairing it: the first single repair (a transpose dropped or
added, ⊙ and the matrix product exchanged, factors reordered, f′ added or removed, a δ or
activation from the neighbouring layer) that makes it right names the mistake.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([3, 2, 2])
>>> v = verify_matrix(net, ("delta", 1), r"W^{(2)} \delta^{(2)} \odot \sigma'(z^{(1)})")
>>> v.status, v.diagnosis.kind
('wrong', 'missing_transpose')
>>> verify_matrix(net, ("w", 2), r"\delta^{(2)} (a^{(1)})^T").status
'correct'
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import numpy as np
import sympy as sp

from symbackprop.derive.finite import finite_ratio
from symbackprop.errors import GraphError
from symbackprop.graph import Network
from symbackprop.numeric.vector import compile_vector
from symbackprop.read.budget import MAX_VECTOR_SEARCH
from symbackprop.read.matrix import BATCH_KINDS, M, activation_derivative, node_text, parse_matrix

from .diagnose import Diagnosis
from .matrix import Frame, LayerValues, Undefined, describe, evaluate, layer_values, natural_point, shape, transposed
from .matrix_batch import batch_values, resolve_stars
from .matrix_expected import expected_latex
from .matrix_report import VECTOR_MISTAKES, MatrixVerdict
from .target import Target, derivation_of
from .verdict import Counterexample, letters_note

__all__ = ["verify_matrix", "VECTOR_MISTAKES"]

_RTOL = 1e-9
#: What a gradient's name asks for: dW is ∂/∂W, da is ∂L/∂a (the leaf kinds of read.matrix).
_GRADIENT_KEYS = {"dw": "w", "db": "b", "da": "a"}


def _target_text(key: tuple[str, int | None]) -> str:
    return node_text("leaf", key)


def _dims(frame: Frame, key: tuple[str, int | None]) -> str:
    rows, cols = shape(M("leaf", key, ""), frame)  # type: ignore[misc]
    return f"{rows}×{cols}" if cols > 1 else f"a column of {rows}"


def _close(a: np.ndarray | float, b: np.ndarray) -> bool:
    a = np.broadcast_to(np.asarray(a, dtype=float), b.shape) if np.ndim(a) == 0 else np.asarray(a, dtype=float)
    if a.shape != b.shape or not np.all(np.isfinite(a)):
        return False
    return bool(np.all(np.abs(a - b) <= _RTOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))))


def _paths(m: M, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], M]]:
    yield path, m
    for k, a in enumerate(m.args):
        if isinstance(a, M):
            yield from _paths(a, path + (k,))


def _rebuild(m: M, path: tuple[int, ...], new: M) -> M:
    if not path:
        return new
    args = list(m.args)
    args[path[0]] = _rebuild(args[path[0]], path[1:], new)
    return m.with_args(*args)


def _repairs(m: M, net: Network, key: tuple[str, int | None], expected: str,
             frame: Frame) -> Iterator[tuple[M, str, str]]:
    """Single repairs of ``m``: the repaired formula, the mistake's kind, its sentence."""
    t = _target_text(key)
    per = "one column per neuron of its layer" if frame.rows else "one row per neuron of its layer"
    yield transposed(m), "transposed_gradient", (
        f"{m.text} is the transpose of ∂L/∂{t} (the other layout convention): ∂L/∂{t} has the "
        f"shape of {t}, {_dims(frame, key)}, {per}; write {expected}")
    L = len(net.layers) - 1
    for path, node in _paths(m):
        def fix(new: M, path: tuple[int, ...] = path) -> M:
            return _rebuild(m, path, new)

        if node.op == "T":
            yield fix(node.args[0]), "extra_transpose", (
                f"The transpose in {node.text} does not belong: write {node.args[0].text}")
        if node.op in ("leaf", "matmul", "apply") and (node.op != "leaf" or node.args[1] is not None
                                                         or node.args[0] in ("x", "y")):
            yield fix(transposed(node)), "missing_transpose", (
                f"A transpose is missing: {node.text} should be {transposed(node).text}")
        if node.op == "hadamard":
            new = M("matmul", node.args, node_text("matmul", node.args))
            yield fix(new), "hadamard_for_product", (
                f"{node.text} multiplies entry by entry (⊙) where the matrix product belongs: {new.text}")
            for k in (0, 1):
                f = node.args[k]
                if f.op == "apply" and f.prime:
                    yield fix(node.args[1 - k]), "extra_activation_derivative", (
                        f"{f.text} does not belong in {node.text}: the chain rule passes through that "
                        "activation only once")
        if node.op == "matmul" and all(a.op != "scalar" for a in node.args):
            new = M("hadamard", node.args, node_text("hadamard", node.args))
            yield fix(new), "product_for_hadamard", (
                f"{node.text} is a matrix product where the entry-by-entry product ⊙ belongs: {new.text}")
            swapped = node.with_args(node.args[1], node.args[0])
            yield fix(swapped), "factor_order", (
                f"The factors of {node.text} are in the wrong order: {swapped.text}")
        if node.op == "leaf" and node.args[0] in ("da", "dA") and node.args[1] is not None:
            fp = activation_derivative(net, node.args[1], batch=node.args[0] == "dA")
            new = M("hadamard", (node, fp), node_text("hadamard", (node, fp)))
            yield fix(new), "missing_activation_derivative", (
                f"Missing the factor {fp.text} after {node.text}: the chain rule passes through the activation "
                f"of layer {node.args[1]} before it reaches the layer's weights, so {new.text}")
        if node.op == "leaf" and node.args[0] in ("delta", "a", "z", "D", "A", "Z") and node.args[1] is not None:
            kind, layer = node.args
            for other in (layer + 1, layer - 1):
                if 1 <= other <= L or (kind in ("a", "A") and other == 0):
                    first = ("x" if kind == "a" else "X", None)
                    new = M("leaf", first if other == 0 else (kind, other),
                            node_text("leaf", first if other == 0 else (kind, other)))
                    yield fix(new), "wrong_layer", (
                        f"{node.text} is from the wrong layer: the chain rule needs {new.text} here")
    if key[0] in ("delta", "z", "D"):
        fp = activation_derivative(net, key[1], batch=key[0] == "D")  # type: ignore[arg-type]
        new = M("hadamard", (m, fp), node_text("hadamard", (m, fp)))
        yield new, "missing_activation_derivative", (
            f"Missing the factor {fp.text}: the chain rule passes through the activation of layer "
            f"{key[1]}, so {new.text}")


def _diagnose(m: M, net: Network, key: tuple[str, int | None], target: tuple[int, int],
              points: Sequence[LayerValues], expected: str, frame: Frame) -> Diagnosis | None:
    # Each repair is rebuilt and evaluated whole, so the search costs about (size)² node
    # visits: counted against the budget, past which the verdict names no mistake.
    size = sum(1 for _ in _paths(m))
    work = 0
    for repaired, kind, sentence in _repairs(m, net, key, expected, frame):
        work += size
        if work > MAX_VECTOR_SEARCH:
            return None
        try:
            if shape(repaired, frame) != target:
                continue
            if all(_close(evaluate(repaired, p), p.gradient(key)) for p in points[:2]):
                return Diagnosis(kind, sentence + ".")
        except (Undefined, ArithmeticError, ValueError, KeyError):
            continue
    return None


def _constant(m: M, key: tuple[str, int | None], points: Sequence[LayerValues]) -> Diagnosis | None:
    ratios = []
    for p in points[:2]:
        f, t = np.asarray(evaluate(m, p), dtype=float), p.gradient(key)
        if f.shape != t.shape or not np.any(np.abs(t) > 1e-12):
            return None
        k = int(np.argmax(np.abs(t)))
        ratio = finite_ratio(float(f.flat[k]), float(t.flat[k]))  # the one gate: e^{800}·… is no factor
        if ratio is None:
            return None
        ratios.append(ratio)
    c = sp.nsimplify(ratios[0], rational=True, tolerance=1e-9)
    if c.q > 12 or abs(c.p) > 24 or c == 1:
        return None
    if all(_close(np.asarray(evaluate(m, p), dtype=float), float(c) * p.gradient(key)) for p in points[:2]):
        m_ = len(points[0].examples)
        if m_ and c in (m_, sp.Rational(1, m_)):  # the batch's size: a mean taken twice, or not at all
            why = ("the mean over the m examples needs the factor 1/m" if c == m_
                   else "dZ already holds each example's own gradient, so divide by m once")
            return Diagnosis("constant_factor", f"Off by a factor {'m' if c == m_ else '1/m'} (m = {m_} examples "
                             f"here): {why}.", sp.Rational(c))
        return Diagnosis("constant_factor", f"Off by a factor {c}: every entry is {c} times the derivative.",
                         sp.Rational(c))
    return None


def _points(net: Network, count: int, seed: int, values: object, frame: Frame) -> list[LayerValues]:
    rng = random.Random(seed)
    out = []
    compiled = compile_vector(net)
    given = _spec_point(net, values) if not frame.batch else None
    if given is not None:
        out.append(batch_values([layer_values(net, *given, compiled)], frame))
    while len(out) < count:
        params, x, y = natural_point(net, rng)
        examples = [layer_values(net, params, x, y, compiled)]
        for _ in range((frame.batch or 1) - 1):  # the same weights, more examples
            _, x, y = natural_point(net, rng)
            examples.append(layer_values(net, params, x, y, compiled))
        out.append(batch_values(examples, frame))
    return out


def batch_size(layers: Sequence[int]) -> int:
    """The examples in a checked batch: 4 or more, and no layer's size, so that a product
    taken the wrong way round cannot come out with the right shape by chance."""
    m = 4
    while m in layers:
        m += 1
    return m


def _frame(net: Network, key: tuple[str, int | None], m: M) -> Frame:
    batch = key[0] in ("D", "dA") or any(
        (n.op == "leaf" and n.args[0] in BATCH_KINDS) or n.op == "esum" for n in m.walk())
    rows = getattr(net, "layout", "columns") == "rows"
    return Frame(tuple(net.layers), batch_size(net.layers) if batch else None, rows)


def _notes(frame: Frame, key: tuple[str, int | None], star: bool, graph: object) -> tuple[str, ...]:
    notes = []
    notes.extend(letters_note(graph))
    if star:
        notes.append("'*' between two arrays of the same shape was read as the elementwise product ⊙, as in "
                     "Ng's course (elsewhere as the matrix product)")
    if frame.batch and key[0] in ("w", "b"):
        notes.append(f"in batch notation dW, db are ∂J/∂W, ∂J/∂b with J the mean loss over the m examples; dZ is "
                     f"each example's ∂L/∂z stacked as {'rows' if frame.rows else 'columns'} (not ∂J/∂Z), so "
                     f"dW = {'(1/m) Aᵀ dZ' if frame.rows else '(1/m) dZ Aᵀ'}")
    if frame.rows:
        notes.append("read in the row layout the spec declares: W is n_in×n_out and examples are rows (X W + b)")
    return tuple(notes)


def _spec_point(net: Network, values: object) -> tuple | None:
    """The spec's own ``[values]`` (first sample), when they give every number."""
    if values is None or getattr(values, "x", None) is None:
        return None
    params = getattr(values, "params", {})
    needed = [f"W{l}" for l in range(1, len(net.layers))]
    needed += [f"b{l}" for l in range(1, len(net.layers)) if net.bias[l - 1]]
    if any(n not in params for n in needed) or (net.y and values.y is None):  # type: ignore[attr-defined]
        return None
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    y = np.asarray(values.y[0], dtype=float) if net.y else None  # type: ignore[attr-defined]
    return p, np.asarray(values.x[0], dtype=float), y  # type: ignore[attr-defined]


def verify_matrix(graph: object, key: tuple[str, int | None], text: str, *, points: int = 3,
                  seed: int = 0, values: object = None, shown: str | None = None) -> MatrixVerdict:
    """Check a vector/matrix formula for ``∂L/∂key`` (``("w", 2)`` is ``W^{(2)}``).

    Raises:
        FormulaError: the formula cannot be read.
        GraphError: not a layered network, or ``∂L/∂a^{(L)}`` (not offered in vector form).
    """
    net = getattr(graph, "network", graph)
    values = values if values is not None else getattr(graph, "values", None)
    if not isinstance(net, Network):
        raise GraphError("vector notation needs a layered network (a spec with layers)")
    key = _GRADIENT_KEYS.get(key[0], key[0]), key[1]
    if key[0] in ("Z", "A", "X", "Y", "m", "ones"):
        raise GraphError(f"∂/∂{_target_text(key)}: write dZ^{{[l]}} or \\Delta^{{(l)}} for the examples' error "
                         "signals, dA^{[l]} for their ∂L/∂a, dW^{[l]} or db^{[l]} for the gradients")
    m = parse_matrix(text, net)
    frame = _frame(net, key, m)
    m, star = resolve_stars(m, frame)
    tshape = shape(M("leaf", key, ""), frame)
    assert tshape is not None
    latex = expected_latex(net, key, frame)
    base = {"graph": net, "key": key, "formula": m, "text": shown or text, "expected_latex": latex,
            "expected_text": parse_matrix(latex, net, native=True).text,
            "notes": _notes(frame, key, star, net), "batch": frame.batch}
    pts = _points(net, max(2, min(points, 4)), seed, values, frame)
    own = "the spec's [values] and " if not frame.batch and _spec_point(net, values) is not None else ""
    try:
        s = shape(m, frame)
    except Undefined as exc:
        d = _diagnose(m, net, key, tshape, pts, base["expected_text"], frame)
        sentence = str(exc) + "." + (f" {d.sentence}" if d else "")
        return MatrixVerdict(status="wrong", method="shapes", diagnosis=Diagnosis(
            d.kind if d else "undefined_product", sentence), **base)
    if s != tshape:
        d = _diagnose(m, net, key, tshape, pts, base["expected_text"], frame)
        t = _target_text(key)
        sentence = f"{m.text} {describe(s)}, but ∂L/∂{t} has the shape of {t}: it {describe(tshape)}."
        if d is not None and d.kind == "transposed_gradient":  # its sentence says it all
            return MatrixVerdict(status="wrong", method="shapes", diagnosis=d, **base)
        return MatrixVerdict(status="wrong", method="shapes", diagnosis=Diagnosis(
            d.kind if d else "wrong_shape", sentence + (f" {d.sentence}" if d else "")), **base)
    entries = tshape[0] * tshape[1]
    method = f"numeric, {own}{len(pts) - bool(own)} random points, all {entries:,} entries"
    if frame.batch or frame.rows:
        method += f"; {frame.describe()}"
    for p in pts:
        got = np.broadcast_to(np.asarray(evaluate(m, p), dtype=float), tshape)
        truth = p.gradient(key)
        if not _close(got, truth):
            bad = np.abs(got - truth) > _RTOL * np.maximum(1.0, np.abs(truth))
            bad |= ~np.isfinite(got)
            j, i = (int(v) for v in np.argwhere(bad)[0])
            where = f"at entry ({j + 1}, {i + 1})" if tshape[1] > 1 else f"at entry {j + 1}"
            if frame.batch:
                where += f", on a batch of {frame.batch} examples (the first example's inputs and targets shown)"
            ce = Counterexample(p.point(), sp.Float(got[j, i], 10), sp.Float(truth[j, i], 10), where)
            d = _diagnose(m, net, key, tshape, pts, base["expected_text"], frame) or _constant(m, key, pts)
            return MatrixVerdict(status="wrong", method=method, counterexample=ce, diagnosis=d, **base)
    off = _off_constraint(net, key, m, seed)
    if off is not None:
        return MatrixVerdict(status="correct_under_constraint", method=method + ", targets one-hot",
                             counterexample=off, constraint=r"\sum_k y_k = 1", **base)
    return MatrixVerdict(status="correct", method=method, **base)


def _off_constraint(net: Network, key: tuple[str, int | None], m: M, seed: int) -> Counterexample | None:
    """For softmax with cross entropy, the output δ off the simplex Σ y = 1, where ``a − y``
    no longer holds: the entry where the formula and the scalar derivation differ there.

    Only the output layer's δ is written with ``y``; the scalar derivation is small enough to
    evaluate only for networks of a few thousand parameters, so larger ones are not tried.
    """
    L = len(net.layers) - 1
    if getattr(net.loss, "target_constraint", None) != "distribution" or key not in (("delta", L), ("z", L)):
        return None
    if not any(n.op == "leaf" and n.args[0] == "y" for n in m.walk()) or net.n_params > 5_000:
        return None
    rng = random.Random(seed + 1)
    params, x, _ = natural_point(net, rng)
    y = np.array([rng.uniform(0.05, 0.95) for _ in range(net.layers[-1])])
    p = layer_values(net, params, x, y)
    got = np.asarray(evaluate(m, p), dtype=float).reshape(-1)
    for k, z in enumerate(net.z[L]):
        expr = derivation_of(net, Target(z)).delta_form
        truth = float(expr.xreplace({s: p.scalar(s) for s in expr.free_symbols}))
        if not abs(got[k] - truth) <= _RTOL * max(1.0, abs(truth)):
            return Counterexample(p.point(), sp.Float(got[k], 10), sp.Float(truth, 10), f"at entry {k + 1}")
    return None
