"""numpy kernels of array operations: one function per operation, in its stable form.

:data:`KERNELS` maps each operation of :mod:`symbackprop.graph.array_ops` to a function
``kernel(term, *values)``; ``term`` gives the attributes and the shapes the reader checked.
Every kernel also takes arguments with extra *leading* axes (a stack of perturbed copies
of the program's arrays, which the checker evaluates in one pass): axes are counted from
the end, so ``sum(axis=0)`` of a ``(32, 64)`` array is ``axis=-2`` of a ``(P, 32, 64)`` stack.

Stable forms: sigmoid as 1/(1 + e^{-x}), with e^x where e^{-x} overflows (relative precision everywhere), softmax and log-softmax shifted by the row maximum,
logsumexp and cross entropy through log-sum-exp, so saturated inputs give exact 0 and 1.

>>> import numpy as np
>>> from symbackprop.graph.terms import Ref, call
>>> t = call("sum", Ref("x", (2, 3)), axis=(0,), keepdims=True)
>>> KERNELS["sum"](t, np.ones((5, 2, 3))).shape
(5, 1, 3)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from symbackprop.graph.array_ops import normalize_axes
from symbackprop.graph.terms import Call, Const, Term

if TYPE_CHECKING:
    from symbackprop.graph.activations import Activation


__all__ = ["KERNELS", "lead_of", "index_tuple", "activation_kernels"]

Array = np.ndarray
Kernel = Callable[..., Any]


def lead_of(value: Any, term: Term) -> int:
    """How many leading (stacked) axes ``value`` has beyond ``term``'s own shape."""
    return np.ndim(value) - term.ndim


def _axes(t: Call, x: Term) -> tuple[int, ...]:
    """The reduced axes of ``t``, counted from the end."""
    return tuple(a - x.ndim for a in normalize_axes(t.attr("axis"), x.ndim))


def _reduction(fn: Callable[..., Array]) -> Kernel:
    def kernel(t: Call, x: Array) -> Array:
        return fn(x, axis=_axes(t, t.args[0]), keepdims=bool(t.attr("keepdims", False)))
    return kernel


def _var(t: Call, x: Array) -> Array:
    return np.var(x, axis=_axes(t, t.args[0]), ddof=t.attr("ddof", 0), keepdims=bool(t.attr("keepdims", False)))


def _std(t: Call, x: Array) -> Array:
    return np.std(x, axis=_axes(t, t.args[0]), ddof=t.attr("ddof", 0), keepdims=bool(t.attr("keepdims", False)))


def _argreduce(fn: Callable[..., Array]) -> Kernel:
    def kernel(t: Call, x: Array) -> Array:
        axis = t.attr("axis") % t.args[0].ndim - t.args[0].ndim
        return fn(x, axis=axis, keepdims=bool(t.attr("keepdims", False)))
    return kernel


def _logsumexp(t: Call, x: Array) -> Array:
    axes = _axes(t, t.args[0])
    top = np.max(x, axis=axes, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = top + np.log(np.sum(np.exp(x - top), axis=axes, keepdims=True))
    return out if t.attr("keepdims", False) else np.squeeze(out, axis=axes)


def _softmax(t: Call, x: Array) -> Array:
    axis = t.attr("axis") % t.args[0].ndim - t.args[0].ndim
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax(t: Call, x: Array) -> Array:
    axis = t.attr("axis") % t.args[0].ndim - t.args[0].ndim
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _cross_entropy(t: Call, logits: Array, target: Array) -> Array:
    logp = _log_softmax(Call("log_softmax", t.args[:1], (("axis", 1),), t.args[0].shape), logits)
    # Either side may carry a stack (targets from an argmax of a perturbed leaf): pick per row.
    rows = np.broadcast_shapes(np.shape(logp)[:-1], np.shape(target))
    logp = np.broadcast_to(logp, (*rows, np.shape(logp)[-1]))
    picked = np.take_along_axis(logp, np.broadcast_to(target, rows)[..., None], axis=-1)[..., 0]
    return -(picked.mean(axis=-1) if t.attr("reduction", "mean") == "mean" else picked.sum(axis=-1))


def _matmul(t: Call, a: Array, b: Array) -> Array:
    ta, tb = t.args
    if tb.ndim == 1 and np.ndim(b) > 1:  # a stack of vectors on the right: make them columns
        a, b = _aligned(Call("matmul", (ta, tb)), (a, b), max(ta.ndim, 2))
        return np.matmul(a, b[..., None])[..., 0]
    if ta.ndim == 1 and np.ndim(a) > 1:
        a, b = _aligned(Call("matmul", (ta, tb)), (a, b), max(tb.ndim, 2))
        return np.matmul(a[..., None, :], b)[..., 0, :]
    a, b = _aligned(t, (a, b), max(ta.ndim, tb.ndim))
    return np.matmul(a, b)


def _permute(t: Call, x: Array) -> Array:
    lead = lead_of(x, t.args[0])
    return np.transpose(x, (*range(lead), *(lead + p for p in t.attr("perm"))))


def _reshape(t: Call, x: Array) -> Array:
    return np.reshape(x, (*np.shape(x)[: lead_of(x, t.args[0])], *t.shape))


def _broadcast_to(t: Call, x: Array) -> Array:
    return np.broadcast_to(x, (*np.shape(x)[: lead_of(x, t.args[0])], *t.shape))


def index_tuple(items: Any, arrays: tuple[Array, ...], lead: int) -> tuple[Any, ...]:
    """The numpy index of an ``index`` term's items, behind ``lead`` stacked axes."""
    out: list[Any] = [slice(None)] * lead
    for it in items:
        if it[0] == "new":
            out.append(None)
        elif it[0] == "int":
            out.append(it[1])
        elif it[0] == "slice":
            out.append(slice(*it[1:]))
        else:
            out.append(arrays[it[1] - 1])
    return tuple(out)


def _index(t: Call, x: Array, *arrays: Array) -> Array:
    lead = lead_of(x, t.args[0])
    leads = [lead_of(a, term) for a, term in zip(arrays, t.args[1:])]
    if any(leads):  # index arrays from an argmax of a perturbed leaf: one copy at a time
        top = max(lead, *leads)
        stack = next(np.shape(v)[:k] for v, k in zip((x, *arrays), (lead, *leads)) if k == top)
        xs = np.broadcast_to(x, (*stack, *t.args[0].shape))
        indices = [np.broadcast_to(a, (*stack, *term.shape)) for a, term in zip(arrays, t.args[1:])]
        out = np.empty((*stack, *t.shape), dtype=xs.dtype)
        for k in np.ndindex(*stack):
            out[k] = xs[k][index_tuple(t.attr("items"), tuple(a[k] for a in indices), 0)]
        return out
    if lead and _split_advanced(t.attr("items")):
        return np.stack([_index(t, xi, *arrays) for xi in x.reshape(-1, *t.args[0].shape)]).reshape(
            *np.shape(x)[:lead], *t.shape)
    return x[index_tuple(t.attr("items"), arrays, lead)]


def _split_advanced(items: Any) -> bool:
    """Whether numpy would move the gathered axes to the front (arrays not side by side)."""
    where = [k for k, it in enumerate(items) if it[0] in ("array", "int")]
    return bool(where) and where != list(range(where[0], where[-1] + 1))


def _scatter_add(t: Call, values: Array, *arrays: Array) -> Array:
    lead = lead_of(values, t.args[0])
    items = t.attr("items")
    if not lead and not t.attr("unique", False) and _rows_gathered(items):
        return _scatter_rows(t.shape, arrays[0], values)
    out = np.zeros((*np.shape(values)[:lead], *t.shape))
    where = index_tuple(items, arrays, lead)
    if t.attr("unique", False):
        out[where] = values
    else:
        np.add.at(out, where, values)
    return out


def _rows_gathered(items: Any) -> bool:
    """Whether the subscript is ``C[X]``: one integer array picking rows, every other axis whole."""
    return items[0] == ("array", 1) and all(it == ("slice", None, None, None) for it in items[1:])


def _scatter_rows(shape: tuple[int, ...], rows: Array, values: Array) -> Array:
    """The gradient of ``C[X]``: each row of ``values`` added into row ``X[...]`` of zeros.

    One ``bincount`` over flat positions (row × width + column); ``np.add.at`` took 11 ms
    for makemore's embedding at batch 10,000, a third of PyTorch's whole backward pass.
    """
    width = int(np.prod(shape[1:], dtype=np.int64))
    flat = np.asarray(rows, dtype=np.int64).reshape(-1, 1) * width + np.arange(width)
    summed = np.bincount(flat.reshape(-1), weights=np.reshape(values, -1), minlength=shape[0] * width)
    return summed.reshape(shape)


def _one_hot(t: Call, idx: Array) -> Array:
    return (np.asarray(idx)[..., None] == np.arange(t.attr("classes"))).astype(np.int64)


def _concat(t: Call, *parts: Array) -> Array:
    axis = t.attr("axis") - t.ndim
    leads = [lead_of(p, a) for p, a in zip(parts, t.args)]
    if len(set(leads)) > 1:
        top = max(leads)
        shape = next(np.shape(p)[:top] for p, k in zip(parts, leads) if k == top)
        parts = tuple(np.broadcast_to(p, (*shape, *a.shape)) for p, a in zip(parts, t.args))
    return np.concatenate(parts, axis=axis)


def _pow(t: Call, x: Any, p: Any) -> Any:
    """``x ** p``: squares, reciprocals and square roots by their own ufuncs, which are 2–10×
    faster than ``np.power`` (it calls the C library's pow for every entry)."""
    exponent = t.args[1].value if isinstance(t.args[1], Const) else None
    if t.dtype == "float" and exponent in _POWERS:
        return _POWERS[exponent](np.asarray(x, dtype=np.float64))
    return _elementwise(np.power)(t, x, p)


_POWERS: dict[float, Callable[[Array], Array]] = {
    2: np.square, -1: lambda x: 1.0 / x, 0.5: np.sqrt, -0.5: lambda x: 1.0 / np.sqrt(x),
}


def _sigmoid(t: Call, x: Array) -> Array:
    # 1 / (1 + e^{-x}) has relative precision wherever e^{-x} is finite: above 0 the sum is
    # in [1, 2], below it 1/(1 + big) is a quotient, not a difference (σ through tanh would
    # lose every digit of σ(-40) to cancellation).  Where e^{-x} overflows (below -708 in
    # float64, -87 in float32) σ is still a (subnormal) number: there σ(x) = e^x to every
    # digit the type holds.
    if np.ndim(x) == 0 or np.asarray(x).dtype.kind != "f":
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            return np.where(x < _overflow(x.dtype), np.exp(np.minimum(x, 0.0)), 1.0 / (1.0 + np.exp(-x)))
    # In place on our own array: four passes, one allocation, as few as the textbook form's.
    out = np.negative(x)
    low_end = _overflow(x.dtype)
    with np.errstate(over="ignore", under="ignore"):  # e^{-x} = inf gives σ = 0, fixed below
        np.exp(out, out=out)
        np.add(out, 1.0, out=out)
        np.divide(1.0, out, out=out)
        if x.size and x.min() < low_end:  # one read, no write, on the common path
            low = x < low_end
            out[low] = np.exp(x[low])
    return out


def _overflow(dtype: np.dtype) -> float:
    """Below this, e^{-x} overflows ``dtype`` (e^{709.78} is the largest finite float64)."""
    return 1.0 - float(np.log(np.finfo(dtype).max))


def _aligned(t: Call, xs: tuple[Any, ...], core: int) -> tuple[Any, ...]:
    """Stacked arguments with size-1 axes between the stack and their own axes, so that
    broadcasting pairs each argument's axes with the result's (``b`` of shape (P, 64)
    against ``x`` of shape (32, 64) is (P, 1, 64))."""
    out = []
    for x, term in zip(xs, t.args):
        lead = lead_of(x, term)
        if lead > 0 and term.ndim < core:
            shape = np.shape(x)
            x = np.reshape(x, (*shape[:lead], *(1,) * (core - term.ndim), *shape[lead:]))
        out.append(x)
    return tuple(out)


def activation_kernels(name: str) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """numpy forms of a registered activation of one's own and of its derivative (``fdiff``),
    lambdified from its SymPy function, once per registry entry (a name registered again
    with ``replace=True`` is a new entry).

    Raises:
        SpecError: the function has no numpy implementation (``_imp_``); the message says how.
    """
    from symbackprop.graph.activations import get_activation  # the registry is SymPy's

    return _kernels_of(get_activation(name))


@functools.lru_cache(maxsize=64)
def _kernels_of(activation: Activation) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    # SymPy and lambdify load here, for an activation of one's own only: a program's
    # numbers otherwise need numpy alone.
    import sympy as sp

    from .vector_kernels import lambdify_numpy

    t = sp.Symbol("t", real=True)
    value = activation.layer((t,))[0]
    return lambdify_numpy([t], value), lambdify_numpy([t], sp.diff(value, t))


def _activation(which: int) -> Kernel:
    def kernel(t: Call, x: Array) -> Array:
        return np.broadcast_to(activation_kernels(t.attr("name"))[which](x), np.shape(x))
    return kernel


def _elementwise(fn: Callable[..., Array]) -> Kernel:
    def kernel(t: Call, *xs: Any) -> Any:
        return fn(*_aligned(t, xs, t.ndim))
    return kernel


#: The kernels, by operation.
KERNELS: dict[str, Kernel] = {
    "add": _elementwise(np.add), "sub": _elementwise(np.subtract), "mul": _elementwise(np.multiply),
    "div": _elementwise(np.true_divide), "pow": _pow,
    "maximum": _elementwise(np.maximum), "minimum": _elementwise(np.minimum),
    "eq": _elementwise(np.equal), "ne": _elementwise(np.not_equal), "lt": _elementwise(np.less),
    "le": _elementwise(np.less_equal), "gt": _elementwise(np.greater), "ge": _elementwise(np.greater_equal),
    "neg": _elementwise(np.negative), "exp": _elementwise(np.exp), "log": _elementwise(np.log),
    "tanh": _elementwise(np.tanh), "sigmoid": _sigmoid, "relu": _elementwise(lambda x: np.maximum(x, 0.0)),
    "leaky_relu": _elementwise(lambda x: np.where(x > 0, x, 0.01 * x)),
    "softplus": _elementwise(lambda x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))),
    "sqrt": _elementwise(np.sqrt), "abs": _elementwise(np.abs), "sign": _elementwise(np.sign),
    "float": _elementwise(lambda x: np.asarray(x, dtype=np.float64)),
    "act": _activation(0), "act_grad": _activation(1),
    "where": _elementwise(np.where),
    "matmul": _matmul, "permute": _permute, "reshape": _reshape, "broadcast_to": _broadcast_to,
    "sum": _reduction(np.sum), "mean": _reduction(np.mean), "max": _reduction(np.max), "min": _reduction(np.min),
    "var": _var, "std": _std, "logsumexp": _logsumexp,
    "argmax": _argreduce(np.argmax), "argmin": _argreduce(np.argmin),
    "softmax": _softmax, "log_softmax": _log_softmax, "cross_entropy": _cross_entropy,
    "one_hot": _one_hot, "concat": _concat,
    "zeros_like": lambda t, x: np.zeros(t.shape), "ones_like": lambda t, x: np.ones(t.shape),
    "zeros": lambda t: np.zeros(t.shape), "ones": lambda t: np.ones(t.shape),
    "eye": lambda t: np.eye(t.shape[0]),
    "tril": _elementwise(np.tril), "triu": _elementwise(np.triu),
    "arange": lambda t: np.arange(t.attr("start"), t.attr("stop"), t.attr("step")),
    "index": _index, "scatter_add": _scatter_add,
}
