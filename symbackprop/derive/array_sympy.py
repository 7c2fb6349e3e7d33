"""Array operations over SymPy entries: every term evaluated on numpy arrays of expressions.

The scalar route of :mod:`.array_scalar` needs each operation of
:mod:`symbackprop.graph.array_ops` once more, written independently of the numpy kernels
and of the vector-Jacobian rules: here an array is a numpy ``object`` array whose entries
are SymPy expressions (floats), SymPy integers (indices) or SymPy conditions (masks).  Each
operation is its textbook definition, entry by entry: ``softmax`` is ``e^{x_k}/Σ_j e^{x_j}``
(no shift by the maximum), ``max`` is ``Max``, ``relu`` and ``sigmoid`` are the project's
own SymPy functions (``relu'(0) = 0``, ``leaky_relu`` of slope 1/100, ``softplus``), ``where`` is a ``Piecewise``.

What depends on numbers rather than symbols, an ``argmax`` or an index array computed from
floats, is decided at a point: :class:`SymbolicEvaluator` asks its ``numeric`` function for
the value of an entry there.

>>> import sympy as sp
>>> from symbackprop.graph.terms import Ref, call
>>> x = np.array([sp.Symbol("a"), sp.Symbol("b")], dtype=object)
>>> SymbolicEvaluator().evaluate(call("softmax", Ref("x", (2,)), axis=0), {"x": x})[0]
exp(a)/(exp(a) + exp(b))
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from math import isinf, isnan, prod
from typing import Any

import numpy as np
import sympy as sp
from sympy.logic.boolalg import Boolean, BooleanAtom

from symbackprop.errors import GraphError
from symbackprop.graph.activations import get_activation
from symbackprop.graph.array_ops import normalize_axes
from symbackprop.graph.functions import leaky_relu, relu, sigmoid, softplus
from symbackprop.graph.terms import Call, Const, Grad, Ref, Term

__all__ = ["SymbolicEvaluator", "SYMBOLIC_KERNELS", "number", "as_array", "as_number"]

Array = np.ndarray


def number(value: float | int | bool) -> sp.Basic:
    """A number of the code as SymPy: exact (``1e-5`` is ``1/100000``, the decimal written)."""
    if isinstance(value, (bool, np.bool_)):
        return sp.true if value else sp.false
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, sp.Basic):
        return value
    if isnan(value):
        raise GraphError("the scalar route takes no NaN")
    if isinf(value):
        return sp.oo if value > 0 else -sp.oo
    frac = Fraction(repr(float(value)))
    return sp.Rational(frac.numerator, frac.denominator)


def as_array(value: Any) -> Array:
    """``value`` as a numpy object array (a SymPy entry becomes a 0-d array)."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value
    if isinstance(value, np.ndarray):
        return np.vectorize(number, otypes=[object])(value) if value.size else value.astype(object)
    out = np.empty((), dtype=object)
    out[()] = number(value) if not isinstance(value, sp.Basic) else value
    return out


def as_number(v: sp.Basic) -> sp.Expr:
    """A mask entry used in arithmetic: ``1`` where its condition holds, else ``0``."""
    if isinstance(v, BooleanAtom):
        return sp.S.One if v else sp.S.Zero
    if isinstance(v, Boolean) and not isinstance(v, sp.Expr):  # a Symbol is a Boolean too
        return sp.Piecewise((sp.S.One, v), (sp.S.Zero, True))
    return v


def _map(fn: Callable[..., Any], *xs: Array) -> Array:
    return as_array(np.vectorize(fn, otypes=[object])(*xs))


def _arith(fn: Callable[[Any, Any], Any]) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, a: Array, b: Array) -> Array:
        return _map(lambda u, v: fn(as_number(u), as_number(v)), a, b)
    return kernel


def _unary(fn: Callable[[Any], Any]) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        return _map(lambda u: fn(as_number(u)), x)
    return kernel


def _compare(fn: Callable[[Any, Any], Any]) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, a: Array, b: Array) -> Array:
        return _map(lambda u, v: fn(as_number(u), as_number(v)), a, b)
    return kernel


def _activation(derivative: bool) -> Callable[..., Array]:
    """A registered activation by name (``act``), or its derivative (``act_grad``), from its
    SymPy function: the same function the scalar graph differentiates."""
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        u = sp.Dummy("u", real=True)
        f = get_activation(t.attr("name")).layer((u,))[0]
        f = sp.diff(f, u) if derivative else f
        return _map(lambda v: f.xreplace({u: as_number(v)}), x)
    return kernel


def _where(ev: SymbolicEvaluator, t: Call, c: Array, a: Array, b: Array) -> Array:
    return _map(lambda k, u, v: sp.Piecewise((as_number(u), k), (as_number(v), True)), c, a, b)


def _rows(x: Array, axes: tuple[int, ...]) -> tuple[Array, tuple[int, ...]]:
    """``x`` with ``axes`` moved last and flattened: one row per entry of the rest."""
    rest = tuple(n for k, n in enumerate(x.shape) if k not in axes)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    return moved.reshape(prod(rest), prod(x.shape[a] for a in axes)), rest


def _reduction(fn: Callable[[list[Any], Mapping[str, Any]], Any]) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        axes = normalize_axes(t.attr("axis"), x.ndim)
        rows, rest = _rows(x, axes)
        out = np.empty(len(rows), dtype=object)
        for k, row in enumerate(rows):
            out[k] = fn([as_number(v) for v in row], t.attributes)
        return out.reshape(t.shape)
    return kernel


def _pairwise(fn: Callable[..., Any], v: list[Any]) -> Any:
    """``Max(a, Max(b, c))`` kept nested: SymPy would merge it into one ``Max`` of k symbolic
    arguments, whose every derivative compares them pairwise (seconds for a dozen)."""
    out = v[-1]
    for u in reversed(v[:-1]):
        out = fn(u, out, evaluate=False)
    return out


def _mean(v: list[Any]) -> Any:
    return sp.Add(*v) / len(v)


def _var(v: list[Any], attrs: Mapping[str, Any]) -> Any:
    m = _mean(v)
    return sp.Add(*[(u - m) ** 2 for u in v]) / (len(v) - attrs.get("ddof", 0))


_REDUCE: dict[str, Callable[[list[Any], Mapping[str, Any]], Any]] = {
    "sum": lambda v, a: sp.Add(*v), "mean": lambda v, a: _mean(v),
    "max": lambda v, a: _pairwise(sp.Max, v), "min": lambda v, a: _pairwise(sp.Min, v),
    "var": _var, "std": lambda v, a: sp.sqrt(_var(v, a)),
    "logsumexp": lambda v, a: sp.log(sp.Add(*[sp.exp(u) for u in v])),
}


def _along(fn: Callable[[list[Any]], list[Any]]) -> Callable[..., Array]:
    """An operation that maps each row along ``axis`` to a row (softmax, log-softmax)."""
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        axis = t.attr("axis") % x.ndim
        moved = np.moveaxis(x, axis, -1)
        flat = moved.reshape(-1, x.shape[axis])
        out = np.empty(flat.shape, dtype=object)
        for k, row in enumerate(flat):
            out[k] = fn([as_number(v) for v in row])
        return np.moveaxis(out.reshape(moved.shape), -1, axis)
    return kernel


def _softmax_row(v: list[Any]) -> list[Any]:
    e = [sp.exp(u) for u in v]
    total = sp.Add(*e)
    return [u / total for u in e]


def _log_softmax_row(v: list[Any]) -> list[Any]:
    lse = sp.log(sp.Add(*[sp.exp(u) for u in v]))
    return [u - lse for u in v]


def _argreduce(pick: Callable[[list[Any]], int]) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        axis = t.attr("axis") % x.ndim
        rows, rest = _rows(x, (axis,))
        out = np.array([sp.Integer(pick([ev.numeric(v) for v in row])) for row in rows], dtype=object)
        return out.reshape(t.shape)
    return kernel


def _first_max(values: list[Any]) -> int:
    best = 0
    for k, v in enumerate(values):
        if v > values[best]:
            best = k
    return best


def _first_min(values: list[Any]) -> int:
    best = 0
    for k, v in enumerate(values):
        if v < values[best]:
            best = k
    return best


def _matmul(ev: SymbolicEvaluator, t: Call, a: Array, b: Array) -> Array:
    return as_array(np.matmul(_map(as_number, a), _map(as_number, b)))


def _cross_entropy(ev: SymbolicEvaluator, t: Call, logits: Array, target: Array) -> Array:
    picked = [row[int(k)] - sp.log(sp.Add(*[sp.exp(u) for u in row])) for row, k in zip(logits, ev.ints(target))]
    total = -sp.Add(*picked)
    return as_array(total / len(picked) if t.attr("reduction", "mean") == "mean" else total)


def _one_hot(ev: SymbolicEvaluator, t: Call, idx: Array) -> Array:
    hot = ev.ints(idx)[..., None] == np.arange(t.attr("classes"))
    return as_array(hot.astype(np.int64))


def _filled(value: int) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, *xs: Array) -> Array:
        return np.full(t.shape, sp.Integer(value), dtype=object)
    return kernel


def _triangle(lower: bool) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        ones = np.ones(x.shape[-2:], dtype=bool)
        keep = np.tril(ones) if lower else np.triu(ones)
        return as_array(np.where(keep, x, sp.S.Zero))
    return kernel


def _index_tuple(ev: SymbolicEvaluator, items: Any, arrays: tuple[Array, ...]) -> tuple[Any, ...]:
    out: list[Any] = []
    for it in items:
        if it[0] == "new":
            out.append(None)
        elif it[0] == "int":
            out.append(it[1])
        elif it[0] == "slice":
            out.append(slice(*it[1:]))
        else:
            out.append(ev.ints(arrays[it[1] - 1]))
    return tuple(out)


def _index(ev: SymbolicEvaluator, t: Call, x: Array, *arrays: Array) -> Array:
    return as_array(x[_index_tuple(ev, t.attr("items"), arrays)])


def _scatter_add(ev: SymbolicEvaluator, t: Call, values: Array, *arrays: Array) -> Array:
    out = np.full(t.shape, sp.S.Zero, dtype=object)
    where = _index_tuple(ev, t.attr("items"), arrays)
    picked = out[where]
    values = np.broadcast_to(_map(as_number, values), np.shape(picked))
    if t.attr("unique", False):
        out[where] = values
    else:
        np.add.at(out, where, values)
    return out


def _concat(ev: SymbolicEvaluator, t: Call, *parts: Array) -> Array:
    return np.concatenate(parts, axis=t.attr("axis"))


def _layout(fn: Callable[[Array, Call], Array]) -> Callable[..., Array]:
    def kernel(ev: SymbolicEvaluator, t: Call, x: Array) -> Array:
        return as_array(np.array(fn(x, t), dtype=object))
    return kernel


_OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
              "pow": operator.pow, "maximum": sp.Max, "minimum": sp.Min}
_COMPARISONS = {"eq": sp.Eq, "ne": sp.Ne, "lt": sp.Lt, "le": sp.Le, "gt": sp.Gt, "ge": sp.Ge}
_FUNCTIONS = {"neg": operator.neg, "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sigmoid": sigmoid,
              "relu": relu, "leaky_relu": leaky_relu, "softplus": softplus, "sqrt": sp.sqrt, "abs": sp.Abs, "sign": sp.sign, "float": lambda u: u}

Kernel = Callable[..., Array]
#: One kernel per operation: ``kernel(evaluator, term, *argument arrays)``.
SYMBOLIC_KERNELS: dict[str, Kernel] = {
    **{op: _arith(fn) for op, fn in _OPERATORS.items()},
    **{op: _compare(fn) for op, fn in _COMPARISONS.items()},
    **{op: _unary(fn) for op, fn in _FUNCTIONS.items()},
    **{op: _reduction(fn) for op, fn in _REDUCE.items()},
    "where": _where, "matmul": _matmul, "act": _activation(False), "act_grad": _activation(True),
    "permute": _layout(lambda x, t: np.transpose(x, t.attr("perm"))),
    "reshape": _layout(lambda x, t: np.reshape(x, t.shape)),
    "broadcast_to": _layout(lambda x, t: np.broadcast_to(x, t.shape)),
    "argmax": _argreduce(_first_max), "argmin": _argreduce(_first_min),
    "softmax": _along(_softmax_row), "log_softmax": _along(_log_softmax_row),
    "cross_entropy": _cross_entropy, "one_hot": _one_hot, "concat": _concat,
    "zeros_like": _filled(0), "ones_like": _filled(1), "zeros": _filled(0), "ones": _filled(1),
    "eye": lambda ev, t: as_array(np.eye(t.shape[0], dtype=np.int64)),
    "tril": _triangle(True), "triu": _triangle(False),
    "arange": lambda ev, t: as_array(np.arange(t.attr("start"), t.attr("stop"), t.attr("step"))),
    "index": _index, "scatter_add": _scatter_add,
}


class SymbolicEvaluator:
    """Evaluates terms over object arrays with :data:`SYMBOLIC_KERNELS`.

    Args:
        numeric: the value of an entry at the point, for what the numbers decide (an
            ``argmax``, an index array computed from floats); without it, those raise.
    """

    def __init__(self, numeric: Callable[[sp.Expr], Any] | None = None) -> None:
        self._numeric = numeric

    def numeric(self, entry: sp.Expr) -> Any:
        entry = as_number(entry)
        if entry.is_Number:
            return entry
        if self._numeric is None:
            raise GraphError(f"the entry {entry} depends on symbols, and no point was given to decide at")
        return self._numeric(entry)

    def ints(self, x: Array) -> np.ndarray:
        """Integer entries as a numpy integer array (decided at the point where symbolic)."""
        if x.dtype != object:
            return np.asarray(x, dtype=np.int64)
        return np.vectorize(lambda v: int(self.numeric(v)), otypes=[np.int64])(x) if x.size else \
            np.zeros(x.shape, dtype=np.int64)

    def evaluate(self, term: Term, env: Mapping[str, Array], grads: Mapping[str, Array] | None = None) -> Array:
        """The value of ``term``, names from ``env`` and gradients ``d<name>`` from ``grads``."""
        memo: dict[int, Array] = {}
        stack: list[tuple[Term, bool]] = [(term, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in memo:
                continue
            if isinstance(node, Ref):
                memo[id(node)] = as_array(env[node.name])
            elif isinstance(node, Grad):
                if grads is None or node.name not in grads:
                    raise GraphError(f"d{node.name} is used before the backward program gives it")
                memo[id(node)] = as_array(grads[node.name])
            elif isinstance(node, Const):
                memo[id(node)] = as_array(number(node.value))
            elif isinstance(node, Call):
                if ready:
                    memo[id(node)] = SYMBOLIC_KERNELS[node.op](self, node, *(memo[id(a)] for a in node.args))
                else:
                    stack.append((node, True))
                    stack.extend((a, False) for a in node.args if id(a) not in memo)
        return memo[id(term)]
