r"""Batch notation's two readings: the point of a batch, and Ng's ``*``.

A batch point holds its examples' own points; its true gradients of W and b are those of J,
the mean loss over the m examples, and its dZ, dA are each example's ∂L/∂z, ∂L/∂a stacked,
as Ng's course defines them.  ``*`` between two arrays of one shape is the elementwise
product there, elsewhere the matrix product.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.read.matrix import parse_matrix
>>> from symbackprop.verify.matrix import Frame
>>> net = mlp([2, 3, 2])
>>> m, elementwise = resolve_stars(parse_matrix(r"W^{[2]T} dZ^{[2]} * A^{[1]}", net), Frame((2, 3, 2), 4))
>>> m.op, elementwise
('hadamard', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from symbackprop.read.matrix import M

from .matrix import Frame, LayerValues, Undefined, shape

__all__ = ["resolve_stars", "batch_values"]


def resolve_stars(m: M, frame: Frame) -> tuple[M, bool]:
    """``m`` with each ``*`` read as ⊙ where both sides have one shape (as Ng writes it), else
    as the matrix product; and whether one was read as ⊙."""
    if not any(n.op == "star" for n in m.walk()):
        return m, False
    elementwise = False
    args = []
    for a in m.args:
        if isinstance(a, M):
            a, e = resolve_stars(a, frame)
            elementwise |= e
        args.append(a)
    if m.op != "star":
        return m.with_args(*args), elementwise
    a, b = args
    try:
        sa, sb = shape(a, frame, explain=False), shape(b, frame, explain=False)
    except Undefined:
        sa = sb = None
    if sa is not None and sa == sb:
        return M("hadamard", (a, b), f"{a.text} * {b.text}"), True
    return M("matmul", (a, b), f"{a.text} * {b.text}"), elementwise


def _in_rows(v: LayerValues) -> LayerValues:
    return LayerValues(v.net, {k: a.T for k, a in v.arrays.items()}, {k: a.T for k, a in v.truth.items()}, rows=True)


def batch_values(examples: Sequence[LayerValues], frame: Frame) -> LayerValues:
    """The point of a batch, from its examples' own points (one example each, column layout),
    in ``frame``'s layout; one example alone when ``frame`` has no batch.

    The true gradients of W and b are of J, the mean loss over the m examples; those of
    Z and A (dZ, dA) are each example's ∂L/∂z, ∂L/∂a stacked, as Ng's course defines them.
    """
    examples = [_in_rows(e) for e in examples] if frame.rows else list(examples)
    if not frame.batch:
        return examples[0]
    first = examples[0]
    stack = np.vstack if frame.rows else np.hstack
    arrays: dict[tuple[str, int | None], Any] = dict(first.arrays)  # a lone a⁽¹⁾ is the first example's
    arrays[("m", None)] = float(len(examples))
    arrays[("ones", None)] = np.ones((len(examples), 1))
    truth: dict[tuple[str, int | None], np.ndarray] = {}
    for key in first.truth:
        kind, layer = key
        parts = [e.truth[key] for e in examples]
        if kind in ("w", "b"):
            truth[key] = sum(parts) / len(parts)
        elif kind in ("z", "delta", "a", "x"):
            big = {"z": "Z", "delta": "D", "a": "dA", "x": "X"}[kind]
            truth[(big, layer)] = stack(parts)
    truth.update({("Z", k[1]): v for k, v in list(truth.items()) if k[0] == "D"})
    truth.update({("A", k[1]): v for k, v in list(truth.items()) if k[0] == "dA"})
    return LayerValues(first.net, arrays, truth, tuple(examples), frame.rows)
