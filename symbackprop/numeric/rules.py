"""How symbackprop's SymPy functions become numpy: stable implementations and rewrites, as data.

Two tables, written in one place:

* :data:`NUMPY_FUNCTIONS` maps the name of each registry function to a numpy
  implementation that never overflows (``sigmoid(±1000)`` is exact) and raises no warning.
  It is the ``modules`` dictionary given to :func:`sympy.lambdify`.
* :func:`stable_form` rewrites an expression before it is lambdified: a softmax becomes
  ``exp(z_k - max z) / Σ_j exp(z_j - max z)`` (so common-subexpression elimination shares
  the maximum and the sum across a layer), and the logarithm of a sigmoid or softmax
  output is taken from its argument (``ln σ(u) = -softplus(-u)``), so a cross entropy at a
  prediction that rounds to exactly 0 or 1 is still the correct finite number.

>>> from typing import Any

import numpy as np
>>> float(NUMPY_FUNCTIONS["sigmoid"](np.float64(-1000.0))), float(NUMPY_FUNCTIONS["sigmoid"](np.float64(1000.0)))
(0.0, 1.0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import NumPyPrinter

from symbackprop.derive.stable import log_of
from symbackprop.errors import NumericalError, SpecError
from symbackprop.graph import leaky_relu, relu, softmax

__all__ = ["require_finite", "NUMPY_FUNCTIONS", "stable_form", "kink_arguments", "batch_sum", "batch_dot", "heaviside0", "max_of",
           "user_implementations"]


class batch_sum(sp.Function):
    """``Σ_b u_b`` over the ``n`` samples of a batch (numpy: ``np.sum``); marks a reduction.

    Arguments ``(u, n)``: a quantity of every sample can still come out of the generated
    code as one number (a one-neuron softmax is 1 whatever its input), and then counts n times.
    """

    nargs = 2


class batch_dot(sp.Function):
    """``Σ_b u_b v_b`` over ``n`` samples (numpy: ``np.dot``), a product and a sum in one call."""

    nargs = 3


class heaviside0(sp.Function):
    """``H(u)`` with ``H(0) = 0``; lambdified to a comparison instead of ``numpy.select``."""

    nargs = 1


class max_of(sp.Function):
    """The elementwise maximum of its arguments; an unevaluated stand-in for ``Max``.

    ``Max`` would try to order its symbolic arguments (slow, and pointless here).
    """


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # One exp of -|z| never overflows, and either branch keeps full relative accuracy.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    return np.where(z > 0, z, alpha * z)


def _heaviside0(z: np.ndarray) -> np.ndarray:
    return (np.asarray(z) > 0).astype(np.float64)


def _batch_sum(u: np.ndarray, n: int) -> float:
    return float(np.sum(u)) if np.ndim(u) else float(u) * n


def _batch_dot(u: np.ndarray, v: np.ndarray, n: int) -> float:
    if np.ndim(u) and np.ndim(v):
        return float(np.dot(u, v))
    return _batch_sum(np.multiply(u, v), n)


def _max_of(*args: np.ndarray) -> np.ndarray:
    return functools.reduce(np.maximum, args)


#: numpy implementations by SymPy function name: the ``modules`` entry given to lambdify.
NUMPY_FUNCTIONS: Mapping[str, Callable[..., object]] = {
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "heaviside0": _heaviside0,
    "batch_sum": _batch_sum,
    "batch_dot": _batch_dot,
    "max_of": _max_of,
}


def user_implementations(exprs: Iterable[sp.Expr], known: Collection[str]) -> dict[str, Callable[..., object]]:
    """numpy implementations of the functions in ``exprs`` that neither ``known`` nor SymPy's
    NumPy printer covers: a user's registered activation or loss, from its ``_imp_``.

    lambdify finds ``_imp_`` only in the expressions it is handed, and the scalar backend
    hands it node symbols (the definitions arrive through ``cse``), so it is looked up here.

    Raises:
        SpecError: a function has no numpy implementation; the message names it and says how
            to give one.
    """
    instances: dict[type, sp.Expr] = {}
    for expr in exprs:
        if expr.is_Add and all(t.is_Symbol or (t.is_Mul and all(a.is_Symbol or a.is_Number for a in t.args))
                               for t in expr.args):
            continue  # a weighted sum Σ w·a, most of a large network: no function in it
        for e in expr.atoms(sp.Function):
            if e.func.__name__ not in known:
                instances.setdefault(e.func, e)
    found = {f.__name__: f._imp_ for f in instances if getattr(f, "_imp_", None) is not None}
    names = {*known, *found}
    for f, e in instances.items():
        if f.__name__ in found:
            continue
        printer = NumPyPrinter({"strict": True, "allow_unknown_functions": False,
                                "user_functions": {name: name for name in names}})
        try:
            printer.doprint(e)
        except PrintMethodNotImplementedError:
            raise SpecError(
                f"function {f.__name__!r}: expected a numpy implementation to compute it with, "
                f"received a SymPy function without one; give its class "
                f"`_imp_ = staticmethod(f)`, f taking and returning numpy arrays (what "
                f"sympy.implemented_function does)"
            ) from None
    return found


def _softmax_parts(args: tuple[sp.Expr, ...]) -> tuple[sp.Expr, sp.Expr]:
    """``(m, s)`` with ``m = max z`` and ``s = Σ_j exp(z_j - m)``."""
    m = max_of(*args)
    return m, sp.Add(*[sp.exp(z - m) for z in args])


def _log_of(arg: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr | None:
    """A stable form of ``log(arg)`` (:func:`symbackprop.derive.stable.log_of`), the
    log-sum-exp of a softmax shifted by its maximum."""
    return log_of(arg, definitions, _softmax_parts)


def stable_form(expr: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` rewritten for stable numpy evaluation.

    Args:
        expr: a node definition, δ or gradient, in node symbols.
        definitions: every node's defining expression (to see that ``a`` is ``σ(z)``).

    >>> from symbackprop.graph import sigmoid
    >>> z, a, y = sp.symbols("z a y")
    >>> stable_form(y * sp.log(a) + (1 - y) * sp.log(1 - a), {a: sigmoid(z)})
    -y*softplus(-z) - (1 - y)*softplus(z)
    """
    def rule(e: sp.Expr) -> sp.Expr | None:
        if isinstance(e, sp.log):
            return _log_of(e.args[0], definitions)
        if isinstance(e, sp.Heaviside):
            # SymPy's default H(0) is 1/2; the project's convention (PyTorch's) is 0.
            h0 = e.args[1] if len(e.args) > 1 else sp.S.Half
            if h0 == 0:
                return heaviside0(e.args[0])
            return None
        if isinstance(e, softmax):
            zs = e.args[1:]
            m, s = _softmax_parts(zs)
            return sp.exp(zs[e.index - 1] - m) / s
        return None

    return _rewrite(expr, rule)


def _rewrite(expr: sp.Expr, rule: Callable[[sp.Expr], sp.Expr | None]) -> sp.Expr:
    memo: dict[sp.Basic, sp.Basic] = {}

    def walk(e: sp.Basic) -> sp.Basic:
        if e in memo:
            return memo[e]
        if not e.args:
            out = e
        else:
            replaced = rule(e)
            if replaced is not None:
                out = replaced
            else:
                new_args = tuple(walk(a) for a in e.args)
                out = e.func(*new_args) if new_args != e.args else e
        memo[e] = out
        return out

    return walk(expr)  # type: ignore[return-value]


def kink_arguments(expr: sp.Expr) -> list[sp.Expr]:
    """Arguments of ``relu``/``leaky_relu``/``Heaviside`` in ``expr``: where it has a kink."""
    found = []
    for e in sp.preorder_traversal(expr):
        if isinstance(e, (relu, leaky_relu, sp.Heaviside, heaviside0)):
            found.append(e.args[0])
    return found


def require_finite(values: Mapping[str, Any]) -> None:
    """Raise :class:`NumericalError` naming the first quantity that is not finite.

    Both numeric backends evaluate with numpy's warnings off (the stable forms make
    overflow harmless), so whatever is still inf or NaN must be reported here instead.
    """
    for name, v in values.items():
        arr = np.asarray(v, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise NumericalError(
                f"{name}: expected a finite result, received {arr.flat[np.argmin(np.isfinite(arr))]}; "
                "a value overflowed float64, or a prediction reached exactly 0 or 1 inside a logarithm"
            )
