"""What the gradient checker needs of the vector backend, without the scalar one.

:func:`~symbackprop.numeric.checker.check_gradients` walks parameters one by one: their
names and places (``entries``), the parameters as one flat vector, the batch loss and the
arguments of every kink as functions of that vector.  :class:`VectorTarget` answers these
from :class:`~symbackprop.numeric.vector.VectorFunctions` alone, so checking the vector
backend compiles only the vector backend (the scalar one lambdifies a formula per weight).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from symbackprop.graph.notation import matrix_name, plain

from .rules import kink_arguments
from .scalar import Entry
from .vector import VectorFunctions

__all__ = ["VectorTarget"]


class VectorTarget:
    """A layered network's parameters and loss as the checker walks them, from the vector
    backend: entries in the scalar backend's order (``W1`` row by row, ``b1``, ``W2``, …)."""

    def __init__(self, fn: VectorFunctions) -> None:
        self.fn = fn
        net = fn.graph
        self.graph = net
        self.inputs = net.x
        self.shapes = dict(fn.shapes)
        entries: list[Entry] = []
        for rule in fn.form.rules:
            l = rule.layer
            for j, row in enumerate(net.W[l]):
                entries += [Entry(plain(s), matrix_name("w", l), (j, i), s) for i, s in enumerate(row)]
            if rule.bias:
                entries += [Entry(plain(s), matrix_name("b", l), (j,), s) for j, s in enumerate(net.b[l])]
        self.entries = tuple(entries)
        # Layers whose activation has a kink (ReLU, leaky ReLU): their z are the kinks' arguments.
        self._kinked = [r.layer for r in fn.form.rules if r.value is not None and kink_arguments(r.value)]

    def flatten(self, params: Mapping[str, Any]) -> np.ndarray:
        p = self.fn.check(params, np.zeros((1, self.fn.layers[0])), targets=False)[0]
        return np.array([p[e.key][e.index] for e in self.entries], dtype=np.float64)

    def unflatten(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        out = {key: np.zeros(shape) for key, shape in self.shapes.items()}
        for e, v in zip(self.entries, theta):
            out[e.key][e.index] = v
        return out

    def loss(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> float:
        return self.fn.loss(params, X, Y)

    def kinks(self, params: Mapping[str, Any], X: Any) -> np.ndarray:
        batch = np.atleast_2d(np.asarray(X, dtype=np.float64)).shape[0]
        if not self._kinked:
            return np.zeros((batch, 0))
        forward = self.fn.forward(params, X)
        return np.concatenate([np.atleast_2d(forward[f"z{l}"]) for l in self._kinked], axis=1)

    def loss_function(self, X: Any, Y: Any = None) -> Callable[[np.ndarray], float]:
        return lambda theta: self.loss(self.unflatten(theta), X, Y)

    def kink_function(self, X: Any) -> Callable[[np.ndarray], np.ndarray]:
        return lambda theta: self.kinks(self.unflatten(theta), X)
