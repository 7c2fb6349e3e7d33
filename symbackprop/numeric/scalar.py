"""The scalar backend: numpy functions for a graph's loss, forward pass, δs and gradients.

:class:`NumericNetwork` lambdifies the derived formulas once (see
:mod:`symbackprop.numeric.program`), one formula per neuron and weight.  Each call evaluates
a whole batch (one row per sample) and reduces loss and gradients as the network says (mean
or sum).  Results are checked: a NaN or infinity raises
:class:`~symbackprop.errors.NumericalError` naming the quantity, and numpy's floating-point
warnings never reach the caller.

>>> import numpy as np
>>> from symbackprop import mlp
>>> nn = NumericNetwork(mlp([2, 2, 1]))
>>> params = {"W1": [[0.1, 0.2], [0.3, 0.4]], "b1": [0.0, 0.0], "W2": [[0.5, 0.6]], "b2": [0.0]}
>>> loss, grads = nn.loss_and_gradients(params, [[1.0, 2.0]], [[1.0]])
>>> round(loss, 6), grads["W2"].shape
(0.050672, (1, 2))
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symbackprop.derive.evaluate import backprop_of
from symbackprop.errors import DataError, closest
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import matrix_name, plain

from .program import Program, reduced
from .rules import kink_arguments, require_finite

__all__ = ["compiled", "NumericNetwork", "Entry"]

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    """One scalar parameter: its plain name, the array it lives in and its index there."""

    name: str
    key: str
    index: tuple[int, ...]
    symbol: sp.Symbol


_COMPILED: weakref.WeakKeyDictionary[Graph, tuple[int, "NumericNetwork"]] = weakref.WeakKeyDictionary()


def compiled(graph: "Graph | NumericNetwork") -> "NumericNetwork":
    """The graph's scalar :class:`NumericNetwork`, compiled once per graph version and
    kept while the graph lives; a compiled network is returned as it is."""
    if not isinstance(graph, Graph):
        return graph
    hit = _COMPILED.get(graph)
    if hit is None or hit[0] != graph.version:
        hit = (graph.version, NumericNetwork(graph))
        _COMPILED[graph] = hit
    return hit[1]


class NumericNetwork:
    """A graph's loss, forward pass, δs and gradients as numpy functions over a batch.

    Parameters are ``{"W1": (n1, n0) array, "b1": (n1,), ...}`` for a network (``W{l}[j][i]``,
    as in spec files) and ``{plain name: number}`` for a custom graph.  ``X`` has one row
    per sample (or is one sample, 1-D); ``Y`` likewise for targets.
    """

    backend = "scalar"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.bp = backprop_of(graph)
        self.program = Program(graph, self.bp)
        self.reduction: str = getattr(graph, "reduction", "mean")
        self.inputs = graph.leaves("input")
        self.targets = graph.leaves("target")
        self.entries = _entries(graph)
        #: The shape of every parameter array by name: ``(n_l, n_{l-1})``, ``(n_l,)`` or ``()``.
        self.shapes: dict[str, tuple[int, ...]] = {}
        for e in self.entries:  # the last entry of an array holds its largest index
            self.shapes[e.key] = tuple(i + 1 for i in e.index)
        self._fns: dict[tuple, Any] = {}
        self._has_kinks = any(kink_arguments(nd.expr) for nd in graph.nodes)

    def __repr__(self) -> str:
        return (f"<NumericNetwork ({self.backend}) of {self.graph!r}: {len(self.entries)} parameters, "
                f"reduction {self.reduction}>")

    # ----- compiled functions, built on first use
    def _delta_variant(self, args: list) -> str:
        """``"expr"``, or ``"chain"`` when a δ simplified under ``Σ_k y_k = 1`` may not be used.

        The simplified form is valid only when every row's targets satisfy the constraint.
        """
        if not self.targets or not any(d.constraint for d in self.bp.deltas.values()):
            return "expr"
        first = len(self.inputs)
        total = np.sum(args[first:first + len(self.targets)], axis=0)
        return "expr" if np.all(np.abs(total - 1.0) <= 1e-12) else "chain"

    def _fn(self, what: str, variant: str = "expr") -> Any:
        key = (what, variant)
        if key not in self._fns:
            p = self.program
            out = self.graph.output
            if what == "loss":
                outputs = [reduced(p.safe(out), p.per_sample)]
            elif what == "grad":
                outputs = [reduced(p.safe(out), p.per_sample)] + [
                    reduced(p.output(self.bp[e.symbol].delta_form), p.per_sample) for e in self.entries
                ]
            elif what == "xgrad":
                outputs = [p.output(self.bp[x].delta_form) for x in self.inputs]
            elif what == "forward":
                outputs = [p.rename[nd.symbol] for nd in self.graph.nodes]
            elif what == "delta":
                outputs = [p.rename[d.symbol] for d in self.bp.deltas.values()]
            else:  # "kinks"
                found: dict[sp.Expr, None] = {}
                for nd in self.graph.nodes:
                    found.update(dict.fromkeys(p.output(k) for k in kink_arguments(nd.expr)))
                outputs = list(found) or [sp.S.Zero]
            self._fns[key] = p.compile(outputs, variant=variant)
        return self._fns[key]

    # ----- argument handling
    def _args(self, params: Params, X: Any, Y: Any, *, need_targets: bool) -> tuple[list, int, bool]:
        theta = self.flatten(params)
        Xa, single = _matrix(X, len(self.inputs), "X")
        batch = Xa.shape[0] if self.inputs else 1
        cols: list[Any] = list(np.ascontiguousarray(Xa.T)) if self.inputs else []
        if self.targets and need_targets:
            if Y is None:
                raise DataError(f"Y: missing; the loss needs targets ({len(self.targets)} per sample)")
            Ya, _ = _matrix(Y, len(self.targets), "Y")
            if Ya.shape[0] != batch:
                raise DataError(f"Y: expected {batch} row(s) like X, received {Ya.shape[0]}")
            cols += list(np.ascontiguousarray(Ya.T))
        elif self.targets:
            cols += [np.zeros(batch)] * len(self.targets)
        return cols + list(theta) + [batch], batch, single

    def flatten(self, params: Params) -> np.ndarray:
        """The parameter values as one float64 vector, in the order of :attr:`entries`.

        Raises:
            DataError: a parameter array is missing, unknown, of the wrong shape or not finite.
        """
        if not isinstance(params, Mapping):
            raise DataError(f"params: expected a dict of arrays by name, received {type(params).__name__}")
        unknown = [k for k in params if k not in self.shapes]
        if unknown:
            raise DataError(
                f"params.{unknown[0]}: unknown parameter{closest(str(unknown[0]), self.shapes)}; "
                f"expected {', '.join(self.shapes)}"
            )
        arrays = {}
        for key, shape in self.shapes.items():
            if key not in params:
                raise DataError(f"params.{key}: missing; expected {_shape_text(shape)}")
            arrays[key] = _array(params[key], shape, f"params.{key}")
        return np.array([arrays[e.key][e.index] for e in self.entries], dtype=np.float64)

    def unflatten(self, theta: np.ndarray) -> dict[str, Any]:
        """The inverse of :meth:`flatten`: arrays by name (floats for a custom graph)."""
        out = {key: np.zeros(shape) for key, shape in self.shapes.items()}
        for e, v in zip(self.entries, theta):
            out[e.key][e.index] = v
        return {k: (float(v) if v.shape == () else v) for k, v in out.items()}

    # ----- the public functions
    def loss(self, params: Params, X: Any, Y: Any = None) -> float:
        """The reduced (mean or sum) loss of the batch."""
        args, batch, _ = self._args(params, X, Y, need_targets=True)
        value = self._call(self._fn("loss"), args, reduce=True)[0] * self._scale(batch)
        require_finite({"loss": value})
        return float(value)

    def loss_and_gradients(
        self, params: Params, X: Any, Y: Any = None, *, wrt_inputs: bool = False
    ) -> tuple[float, dict[str, Any]]:
        """The reduced loss and its gradient for every parameter array (and ``"x"``).

        ``"x"`` (with ``wrt_inputs=True``) is ``∂(reduced loss)/∂X``, shaped like ``X``.
        """
        args, batch, single = self._args(params, X, Y, need_targets=True)
        scale = self._scale(batch)
        values = np.asarray(self._call(self._fn("grad", self._delta_variant(args)), args, reduce=True)) * scale
        grads: dict[str, Any] = self.unflatten(values[1:])
        if wrt_inputs:
            cols = self._call(self._fn("xgrad", self._delta_variant(args)), args, reduce=False)
            gx = np.stack([np.broadcast_to(c, (batch,)) for c in cols], axis=1) * scale
            grads["x"] = gx[0] if single else gx
        require_finite({"loss": values[0], **grads})
        return float(values[0]), grads

    def forward(self, params: Params, X: Any) -> dict[str, np.ndarray]:
        """Every node's value per sample: ``"z1", "a1", ..., "aL"`` as ``(batch, n_l)`` arrays
        for a network (1-D for a 1-D ``X``); ``{plain node name: (batch,)}`` for a graph."""
        args, batch, single = self._args(params, X, None, need_targets=False)
        cols = self._call(self._fn("forward"), args, reduce=False)
        names = [nd.symbol for nd in self.graph.nodes]
        return self._group(dict(zip(names, cols)), batch, single, skip=self._loss_symbol())

    def deltas(self, params: Params, X: Any, Y: Any = None) -> dict[str, np.ndarray]:
        """Every δ per sample (``∂L_b/∂z`` of each sample's own loss): ``"delta1".."deltaL"``."""
        args, batch, single = self._args(params, X, Y, need_targets=True)
        cols = self._call(self._fn("delta", self._delta_variant(args)), args, reduce=False)
        names = [d.node for d in self.bp.deltas.values()]
        return self._group(dict(zip(names, cols)), batch, single, prefix_of={"z": "delta"})

    def loss_function(self, X: Any, Y: Any = None) -> Callable[[np.ndarray], float]:
        """The reduced loss as a function of the flat parameter vector (see :meth:`flatten`),
        with the data fixed: what a finite-difference checker or an optimizer calls."""
        theta0 = np.zeros(len(self.entries))
        args, batch, _ = self._args(self.unflatten(theta0), X, Y, need_targets=True)
        fn, scale, first = self._fn("loss"), self._scale(batch), len(args) - 1 - len(theta0)

        def loss(theta: np.ndarray) -> float:
            return float(self._call(fn, args[:first] + list(np.asarray(theta, dtype=np.float64)) + [batch], reduce=True)[0] * scale)

        return loss

    def kink_function(self, X: Any) -> Callable[[np.ndarray], np.ndarray]:
        """:meth:`kinks` as a function of the flat parameter vector, with ``X`` fixed."""
        theta0 = np.zeros(len(self.entries))
        args, batch, _ = self._args(self.unflatten(theta0), X, None, need_targets=False)
        fn, first = self._fn("kinks"), len(args) - 1 - len(theta0)
        if not self._has_kinks:
            return lambda theta: np.zeros((batch, 0))

        def kinks(theta: np.ndarray) -> np.ndarray:
            cols = self._call(fn, args[:first] + list(np.asarray(theta, dtype=np.float64)) + [batch], reduce=False)
            return np.stack([np.broadcast_to(c, (batch,)) for c in cols], axis=1)

        return kinks

    def kinks(self, params: Params, X: Any) -> np.ndarray:
        """Arguments of every ReLU-like kink per sample, ``(batch, k)`` (``k = 0`` if none)."""
        args, batch, _ = self._args(params, X, None, need_targets=False)
        if not self._has_kinks:
            return np.zeros((batch, 0))
        cols = self._call(self._fn("kinks"), args, reduce=False)
        return np.stack([np.broadcast_to(c, (batch,)) for c in cols], axis=1)

    # ----- helpers
    def _call(self, fn: Any, args: list, *, reduce: bool) -> list:
        return _call(fn, args, len(self.inputs) + len(self.targets), reduce=reduce)

    def _scale(self, batch: int) -> float:
        return 1.0 / batch if self.reduction == "mean" else 1.0

    def _loss_symbol(self) -> sp.Symbol | None:
        return self.graph.output if getattr(self.graph.node_of(self.graph.output), "role", "") == "loss" else None

    def _group(self, values: dict, batch: int, single: bool, *,
               skip: sp.Symbol | None = None, prefix_of: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
        columns = {s: np.broadcast_to(np.asarray(v, dtype=np.float64), (batch,)) for s, v in values.items() if s != skip}
        if not isinstance(self.graph, Network):
            out = {plain(s): c for s, c in columns.items()}
            return {k: (v[0] if single else np.array(v)) for k, v in out.items()}
        net = self.graph
        table = {"z": net.z, "a": net.a}
        out: dict[str, np.ndarray] = {}
        for l in range(1, net.depth + 1):
            for kind in ("z", "a") if prefix_of is None else ("z",):
                name = (prefix_of or {}).get(kind, kind) + str(l)
                if all(s in columns for s in table[kind][l]):
                    block = np.stack([columns[s] for s in table[kind][l]], axis=1)
                    out[name] = block[0] if single else block
        return out


def _entries(graph: Graph) -> tuple[Entry, ...]:
    if not isinstance(graph, Network):
        return tuple(Entry(plain(p), plain(p), (), p) for p in graph.params)
    out = []
    for l in range(1, graph.depth + 1):
        for j, row in enumerate(graph.W[l]):
            out.extend(Entry(plain(w), matrix_name("w", l), (j, i), w) for i, w in enumerate(row))
        out.extend(Entry(plain(b), matrix_name("b", l), (j,), b) for j, b in enumerate(graph.b[l]))
    return tuple(out)


def _shape_text(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]} numbers"
    return f"a {shape[0]}×{shape[1]} array"


def _array(value: Any, shape: tuple[int, ...], field: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{field}: expected {_shape_text(shape)}, received {value!r:.80}") from None
    if arr.shape != shape:
        raise DataError(f"{field}: expected {_shape_text(shape)} (shape {shape}), received shape {arr.shape}")
    _check_finite(arr, field)
    return arr


def _matrix(value: Any, width: int, field: str) -> tuple[np.ndarray, bool]:
    """``value`` as a ``(batch, width)`` float64 array, and whether it was one 1-D sample."""
    if value is None:
        if width == 0:
            return np.zeros((1, 0)), True
        raise DataError(f"{field}: missing; expected rows of {width} numbers")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{field}: expected numbers in rows of {width}, received {value!r:.80}") from None
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width or arr.shape[0] == 0:
        raise DataError(f"{field}: expected rows of {width} numbers (shape (batch, {width})), received shape {np.shape(value)}")
    _check_finite(arr, field)
    return arr, single


def _check_finite(arr: np.ndarray, field: str) -> None:
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        where = "".join(f"[{k}]" for k in bad[0])
        raise DataError(f"{field}{where}: expected a finite number, received {arr[tuple(bad[0])]}")


#: Rows per call of a lambdified function.  Every quantity is one array of the block's rows,
#: so a block of 8192 keeps the temporaries in the CPU cache: on a [4, 8, 3] network a batch
#: of 100,000 runs about twice as fast in such blocks as in one call.
BLOCK_ROWS = 8192


def _call(fn: Any, args: list, n_cols: int, *, reduce: bool) -> list:
    """``fn(*args)`` in blocks of :data:`BLOCK_ROWS` rows of the first ``n_cols`` columns.

    ``reduce`` outputs (sums over the batch) are added up across blocks; per-sample
    outputs are concatenated.
    """
    batch = args[-1]
    # Stable implementations make overflow harmless; any NaN/inf left is caught by _finite.
    with np.errstate(all="ignore"):
        if batch <= BLOCK_ROWS or n_cols == 0:
            return fn(*args)
        sizes, parts = [], []
        for start in range(0, batch, BLOCK_ROWS):
            rows = min(BLOCK_ROWS, batch - start)
            sizes.append(rows)
            parts.append(fn(*[c[start:start + rows] for c in args[:n_cols]], *args[n_cols:-1], rows))
    if reduce:
        return list(np.sum(np.asarray(parts, dtype=np.float64), axis=0))
    return [
        np.concatenate([np.broadcast_to(np.asarray(part[k], dtype=np.float64), (rows,)) for part, rows in zip(parts, sizes)])
        for k in range(len(parts[0]))
    ]


