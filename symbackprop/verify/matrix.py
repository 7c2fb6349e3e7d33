r"""Shapes and numbers of a vector/matrix formula (:mod:`symbackprop.read.matrix`).

:func:`shape` works out what a formula is (a 2×3 matrix, a column of 2 entries) and, for a
product that is not defined, says so in words with the product that is; :func:`evaluate`
computes it with numpy at a point of the network (:class:`LayerValues`, from the vector
backend: forward values, δs and the true gradients).

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.read.matrix import parse_matrix
>>> net = mlp([3, 2, 1])
>>> shape(parse_matrix(r"(W^{(1)})^T \delta^{(1)}", net), net.layers)
(3, 1)
>>> try:
...     shape(parse_matrix(r"W^{(1)} \delta^{(1)}", net), net.layers)
... except Undefined as exc:
...     print(exc)
W⁽¹⁾ is 2×3 and δ⁽¹⁾ has 2 entries, so W⁽¹⁾δ⁽¹⁾ is not defined; (W⁽¹⁾)ᵀδ⁽¹⁾ is
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symbackprop.derive.finite import is_float64
from symbackprop.errors import FormulaError, SymbackpropError
from symbackprop.graph import Network
from symbackprop.graph.notation import parse_name
from symbackprop.numeric.vector import VectorFunctions, compile_vector
from symbackprop.numeric.vector_kernels import lambdify_numpy
from symbackprop.read.matrix import M

__all__ = ["Undefined", "Frame", "shape", "describe", "evaluate", "LayerValues", "layer_values", "transposed",
           "ONE_OF"]

Shape = tuple[int, int] | None  # None: a scalar, which scales or broadcasts
_U = sp.Symbol("u", real=True)


class Undefined(SymbackpropError):
    """A product or sum whose shapes do not fit: a wrong answer, explained in words."""


def describe(s: Shape) -> str:
    """``"is 2×3"``, ``"has 2 entries"`` (a column), ``"is a row of 2 entries"``."""
    if s is None:
        return "is a scalar"
    if s[1] == 1:
        return f"has {s[0]} entr{'y' if s[0] == 1 else 'ies'}"
    if s[0] == 1:
        return f"is a row of {s[1]} entries"
    return f"is {s[0]}×{s[1]}"


def transposed(m: M) -> M:
    """``m`` with a transpose (or without the one it has)."""
    if m.op == "T":
        return m.args[0]
    return M("T", (m,), (m.text if m.op == "leaf" and m.args[1] is None else f"({m.text})") + "ᵀ")


def _scalar_like(s: Shape) -> bool:
    return s is None or s == (1, 1)


@dataclass(frozen=True)
class Frame:
    """What a formula is read in: the layer sizes, the number of examples of a batch
    (``None``: one example) and the layout (``rows``: W is n_in × n_out, examples are rows,
    so every quantity is the transpose of its column-layout self)."""

    layers: tuple[int, ...]
    batch: int | None = None
    rows: bool = False

    def describe(self) -> str:
        """The frame in words, for a verdict's method."""
        where = ("row layout (W is n_in×n_out, examples as rows)" if self.rows
                 else "column layout (W is n_out×n_in, examples as columns)")
        return f"{where}, a batch of m = {self.batch} examples" if self.batch else where


def _frame(layers: Sequence[int] | Frame) -> Frame:
    return layers if isinstance(layers, Frame) else Frame(tuple(layers))


def _leaf_shape(kind: str, layer: int | None, frame: Frame) -> Shape:
    layers, m = frame.layers, frame.batch or 1
    if kind == "m":
        return None
    if kind == "ones":
        return (m, 1)  # a column in either layout: 1ₘᵀΔ sums the rows of the row layout
    if kind in ("x", "X"):
        s = (layers[0], m if kind == "X" else 1)
    elif kind in ("y", "Y"):
        s = (layers[-1], m if kind == "Y" else 1)
    else:
        assert layer is not None
        cols = layers[layer - 1] if kind in ("w", "dw") else (m if kind in ("Z", "A", "D", "dA") else 1)
        s = (layers[layer], cols)
    return (s[1], s[0]) if frame.rows else s


def _fix(m: M, a: M, b: M, layers: Sequence[int]) -> str:
    """``"; (W⁽²⁾)ᵀδ⁽²⁾ is"``: the nearest defined product, if one transpose or ⊙ makes one."""
    tries = [m.with_args(transposed(a), b), m.with_args(a, transposed(b))]
    if m.op == "matmul":  # same shapes: ⊙ is meant, not an inner product of a row and a column
        tries.insert(0, M("hadamard", (a, b), f"{a.text} ⊙ {b.text}"))
    for t in tries:
        try:
            shape(t, layers, explain=False)
        except Undefined:
            continue
        return f"; {t.text} is"
    return ""


def shape(m: M, layers: Sequence[int] | Frame, *, explain: bool = True) -> Shape:
    """The shape of ``m``, ``None`` for a scalar, in a :class:`Frame` (or one example's columns).

    Raises:
        Undefined: a product, sum or ⊙ of shapes that do not fit; the message says which
            shapes, and the nearest product that is defined.
    """
    op = m.op
    layers = _frame(layers)
    if op == "leaf":
        return _leaf_shape(m.args[0], m.args[1], layers)
    if op == "scalar":
        return None
    if op == "esum":  # its body is one example's
        return shape(m.args[0], Frame(layers.layers, None, layers.rows), explain=explain)
    if op == "star":  # pragma: no cover - resolve_stars replaces it before shapes are asked
        raise Undefined(f"{m.text}: '*' not resolved")
    if op in ("neg", "pow", "apply"):
        return shape(m.args[0], layers, explain=explain)
    if op == "T":
        s = shape(m.args[0], layers, explain=explain)
        return None if s is None else (s[1], s[0])
    if op == "diag":
        s = shape(m.args[0], layers, explain=explain)
        if s is None or (s[0] != 1 and s[1] != 1):
            raise Undefined(f"{m.args[0].text} {describe(s)}, so {m.text} is not defined: diag takes a vector")
        n = max(s)
        return (n, n)
    a, b = m.args
    sa, sb = shape(a, layers, explain=explain), shape(b, layers, explain=explain)
    if op == "matmul":
        if _scalar_like(sa) or _scalar_like(sb):
            return sb if _scalar_like(sa) else sa
        if sa[1] == sb[0]:  # type: ignore[index]
            return (sa[0], sb[1])  # type: ignore[index]
    elif sa is None or sb is None or sa == sb:
        return sb if sa is None else sa
    what = {"matmul": "", "hadamard": " (entry by entry)", "add": "", "div": " (entry by entry)"}[op]
    raise Undefined(f"{a.text} {describe(sa)} and {b.text} {describe(sb)}, so {m.text}{what} "
                    f"is not defined{_fix(m, a, b, layers) if explain else ''}")


@dataclass
class LayerValues:
    """One point of a layered network: every layer quantity and the true gradients, as numpy
    columns (``W`` as n_l × n_{l−1}), and the scalar symbols' values on request.  A batch
    keeps its examples' own values, for sums over the examples."""

    net: Network
    arrays: dict[tuple[str, int | None], np.ndarray]
    truth: dict[tuple[str, int | None], np.ndarray]
    examples: tuple[LayerValues, ...] = ()
    rows: bool = False

    def scalar(self, symbol: sp.Symbol) -> float:
        name = parse_name(symbol.name)
        if name is None:
            raise FormulaError(f"{symbol.name!r} has no value in the vector check")
        key = (name.kind, name.layer)
        if name.kind in ("x", "y"):
            key = (name.kind, None)
        arr = self.arrays[key].T if self.rows else self.arrays[key]
        return float(arr[name.indices[0] - 1, name.indices[1] - 1] if name.kind == "w"
                     else arr[name.indices[0] - 1, 0])

    def point(self, limit: int = 40) -> dict[sp.Symbol, sp.Expr]:
        """Inputs, targets and parameters, four significant digits, at most ``limit`` of them."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for s in self.net.leaves():
            if len(out) >= limit:
                break
            out[s] = sp.Float(f"{self.scalar(s):.4g}", 4)
        return out


    def gradient(self, key: tuple[str, int | None]) -> np.ndarray:
        """The true gradient for ``key``; ∂L/∂a of the output layer is worked out on request."""
        if key in self.truth:
            return self.truth[key]
        if key[0] in ("a", "dA"):
            return self.array(("da" if key[0] == "a" else "dA", key[1]))
        raise KeyError(key)

    def array(self, key: tuple[str, int | None]) -> np.ndarray:
        """A layer quantity; ∂L/∂a of the output layer is worked out when first asked for."""
        if key in self.arrays:
            return self.arrays[key]
        if key[0] in ONE_OF and self.examples:
            parts = [e.array((ONE_OF[key[0]], key[1])) for e in self.examples]
            self.arrays[key] = np.vstack(parts) if self.rows else np.hstack(parts)
        elif key[0] == "da":
            entries = []
            loss = self.net.node_of(self.net.output).expr
            for a in self.net.a[key[1]]:  # type: ignore[index]
                d = sp.diff(loss, a)
                entries.append(float(d.xreplace({s: self.scalar(s) for s in d.free_symbols})))
            self.arrays[key] = _column(np.array(entries)).T if self.rows else _column(np.array(entries))
        return self.arrays[key]


def _column(v: np.ndarray) -> np.ndarray:
    return np.asarray(v, dtype=float).reshape(-1, 1)


def layer_values(net: Network, params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray | None,
                 compiled: VectorFunctions | None = None) -> LayerValues:
    """Forward values, δs and true gradients of ``net`` at one sample (vector backend;
    pass ``compiled`` to reuse one :func:`~symbackprop.numeric.vector.compile_vector`)."""
    f = compiled or compile_vector(net)
    fwd = f.forward(params, x)
    deltas = f.deltas(params, x, y)
    _, grads = f.loss_and_gradients(params, x, y, wrt_inputs=True)
    L = len(net.layers) - 1
    arrays: dict[tuple[str, int | None], np.ndarray] = {("x", None): _column(x)}
    if y is not None:
        arrays[("y", None)] = _column(y)
    truth: dict[tuple[str, int | None], np.ndarray] = {("x", None): _column(grads["x"])}
    for l in range(1, L + 1):
        W = np.asarray(params[f"W{l}"], dtype=float)
        arrays[("w", l)] = W
        arrays[("b", l)] = _column(params.get(f"b{l}", np.zeros(net.layers[l])))
        arrays[("z", l)], arrays[("a", l)] = _column(fwd[f"z{l}"]), _column(fwd[f"a{l}"])
        arrays[("delta", l)] = _column(deltas[f"delta{l}"])
        truth[("w", l)] = np.asarray(grads[f"W{l}"], dtype=float)
        if f"b{l}" in grads:
            truth[("b", l)] = _column(grads[f"b{l}"])
        truth[("z", l)] = truth[("delta", l)] = arrays[("delta", l)]
        if l > 1:
            truth[("a", l - 1)] = arrays[("da", l - 1)] = W.T @ arrays[("delta", l)]
    return LayerValues(net, arrays, truth)


#: The batch kinds and the quantity of one example each stacks.
ONE_OF = {"Z": "z", "A": "a", "D": "delta", "dA": "da", "X": "x", "Y": "y"}


def natural_point(net: Network, rng: random.Random) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | None]:
    """Parameters and a sample from the quantities' natural ranges: weights of size about
    1/√fan-in, inputs in (−1, 1), targets where the outputs live (in (0, 1) for sigmoid
    outputs, one-hot for softmax)."""
    params: dict[str, np.ndarray] = {}
    for l in range(1, len(net.layers)):
        n_out, n_in = net.layers[l], net.layers[l - 1]
        scale = 1.5 / np.sqrt(n_in)
        params[f"W{l}"] = np.array([[rng.uniform(-scale, scale) for _ in range(n_in)] for _ in range(n_out)])
        if net.bias[l - 1]:
            params[f"b{l}"] = np.array([rng.uniform(-0.5, 0.5) for _ in range(n_out)])
    x = np.array([rng.uniform(-1, 1) for _ in range(net.layers[0])])
    if not net.y:
        return params, x, None
    n = net.layers[-1]
    kind = net.activations[-1].output_range
    if kind == "distribution" or getattr(net.loss, "target_constraint", None) == "distribution":
        y = np.zeros(n)
        y[rng.randrange(n)] = 1.0
    elif kind == "probability":
        y = np.array([rng.uniform(0.05, 0.95) for _ in range(n)])
    elif kind == "bounded":
        y = np.array([rng.uniform(-0.9, 0.9) for _ in range(n)])
    else:
        y = np.array([rng.uniform(-1, 1) for _ in range(n)])
    return params, x, y


def _apply(m: M, values: LayerValues) -> np.ndarray | float:
    arg = m.args[0]
    inner = evaluate(arg, values)
    assert m.fn is not None
    symbols = _entry_symbols(arg, values.net)
    if symbols is not None:
        first = m.fn(symbols[0])
        g = first.xreplace({symbols[0]: _U})
        if g.free_symbols <= {_U}:
            return np.asarray(lambdify_numpy(_U, g)(inner), dtype=float) * np.ones_like(inner)
        return np.array([[_scalar(m.fn(s), values)] for s in symbols])
    g = m.fn(_U)
    return np.asarray(lambdify_numpy(_U, g)(inner), dtype=float) * np.ones_like(inner)


def _entry_symbols(m: M, net: Network) -> list[sp.Symbol] | None:
    if m.op != "leaf":
        return None
    kind, layer = m.args
    kind = ONE_OF.get(kind, kind)  # a batch's rows are its neurons, as one example's entries are
    if kind == "x":
        return list(net.x)
    if kind == "y":
        return list(net.y)
    if kind == "delta":
        return [net.node_of(z).delta for z in net.z[layer]]
    if kind in ("z", "a", "b"):
        return list(getattr(net, kind)[layer])
    return None


def _is_scalar(v: np.ndarray | float) -> bool:
    return not isinstance(v, np.ndarray) or v.shape == (1, 1)


def _item(v: np.ndarray | float) -> float:
    return float(v.item()) if isinstance(v, np.ndarray) else v


def _scalar(expr: sp.Expr, values: LayerValues) -> float:
    value = expr.xreplace({s: values.scalar(s) for s in expr.free_symbols})
    # A constant that is no finite real number (1/0, ln 0, 10^{400}) is NaN here, as numpy's
    # own x/0 is inf: the verdict, not a conversion error, says what is wrong with it.
    return float(value) if is_float64(value) else math.nan


@np.errstate(all="ignore")  # x/0 and e^{800} are inf or NaN, judged by the verdict: no warning printed
def evaluate(m: M, values: LayerValues) -> np.ndarray | float:
    """``m`` at the point ``values`` (a float for a scalar, else a 2-D array)."""
    op = m.op
    if op == "leaf":
        return values.array(m.args)
    if op == "scalar":
        return _scalar(m.args[0], values)
    if op == "esum":
        return sum(np.asarray(evaluate(m.args[0], e), dtype=float) for e in values.examples)
    if op == "apply":
        return _apply(m, values)
    if op == "neg":
        return -evaluate(m.args[0], values)
    if op == "T":
        v = evaluate(m.args[0], values)
        return v.T if isinstance(v, np.ndarray) else v
    if op == "pow":
        return evaluate(m.args[0], values) ** float(m.args[1])
    if op == "diag":
        return np.diag(np.ravel(evaluate(m.args[0], values)))
    a, b = (evaluate(x, values) for x in m.args)
    if op == "matmul":
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape[1] == b.shape[0]:
            return a @ b
        return _item(a) * b if _is_scalar(a) else a * _item(b)
    if op == "hadamard":
        return a * b
    if op == "add":
        return a + b
    return a / b
