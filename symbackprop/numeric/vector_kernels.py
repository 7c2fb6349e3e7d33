"""What the vector backend lambdifies with: stable numpy primitives, a numpy printer, and
the checks on arrays coming in.

The primitives are a table (rules as data, like SymPy's own printer tables): sigmoid by
the sign of ``t`` (``1/(1 + e^{-|t|})`` or ``e^{-|t|}/(1 + e^{-|t|})``), softplus as
``max(t, 0) + log1p(e^{-|t|})``, ``log Σ e^u`` as a log-sum-exp, so a saturated unit gives an exact 0 or 1 and never a NaN.  A hidden layer's
hot path uses the in-place kernels of :mod:`symbackprop.numeric.vector_fused` instead.

>>> import numpy as np, sympy as sp
>>> t = sp.Symbol("t")
>>> f = lambdify_numpy([t], stable_log(1 + sp.exp(t)))
>>> float(f(np.float64(1000.0)))
1000.0
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from symbackprop.derive.layer_rules import ALPHA, T
from symbackprop.errors import DataError, SpecError
from symbackprop.graph import Activation
from symbackprop.graph.functions import LEAKY_SLOPE, softmax

from .rules import user_implementations

__all__ = ["logsumexp", "lambdify_numpy", "stable_log", "quiet", "coupled_layer", "full", "as_float"]

Array = np.ndarray


class logsumexp(sp.Function):
    """``log Σ_k e^{u_k}``: the stable form every ``log`` of a sum of exponentials is rewritten to."""


def _lse(*args: Any) -> Array:
    cols = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args])
    if len(cols) == 2 and not any(np.isinf(c).any() for c in cols):
        # log(e^u + e^v) = max + log1p(e^{-|u - v|}): 20× faster than np.logaddexp, as exact.
        return np.maximum(cols[0], cols[1]) + np.log1p(np.exp(-np.abs(cols[0] - cols[1])))
    if len(cols) == 2:
        return np.logaddexp(cols[0], cols[1])
    stacked = np.stack(cols)
    top = stacked.max(axis=0)
    return top + np.log(np.exp(stacked - top).sum(axis=0))


def _softmax_rows(Z: Array) -> Array:
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    E /= E.sum(axis=1, keepdims=True)
    return E


def _sigmoid(t: Array) -> Array:
    # By the sign of t, so that a tiny σ keeps its relative precision (not ½ + ½ tanh(t/2)).
    e = np.exp(-np.abs(t))
    return np.where(t >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _leaky_relu(t: Array, alpha: float = float(LEAKY_SLOPE)) -> Array:
    # z above 0, αz below: the larger of the two for α < 1, the smaller for α > 1.
    return np.maximum(t, alpha * t) if alpha <= 1 else np.minimum(t, alpha * t)


#: Stable numpy versions of the registry's primitives (rules as data, like SymPy's tables),
#: each in its fastest stable form: σ by the sign of t, softplus through log1p.
_NUMPY: dict[str, Callable[..., Array]] = {
    "sigmoid": _sigmoid,
    "relu": lambda t: np.maximum(t, 0.0),
    "leaky_relu": _leaky_relu,
    "softplus": lambda t: np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t))),
    "logsumexp": _lse,
}
#: Layer functions of coupled activations, applied to rows.
_COUPLED: dict[type, Callable[[Array], Array]] = {softmax: _softmax_rows}


class _Printer(NumPyPrinter):
    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        x = self._print(expr.args[0])
        if h0 == 0:
            # H(z) with H(0) = 0 is exactly z > 0; a boolean mask multiplies 6× faster than
            # the float array numpy.heaviside builds, which matters for every ReLU layer.
            return "%s(%s, 0)" % (self._module_format("numpy.greater"), x)
        return "%s(%s, %s)" % (self._module_format("numpy.heaviside"), x, self._print(sp.Float(h0)))


def lambdify_numpy(args: Any, expr: Any, cse: bool = False) -> Callable[..., Any]:
    printer = _Printer({"fully_qualified_modules": False, "inline": True,
                        "allow_unknown_functions": True})
    exprs = expr if isinstance(expr, (list, tuple)) else [expr]
    modules = {**_NUMPY, **user_implementations([sp.sympify(e, strict=True) for e in exprs], _NUMPY)}  # safe: strict refuses strings
    return sp.lambdify(args, expr, modules=[modules, "numpy"], printer=printer, cse=cse)


def stable_log(arg: sp.Expr) -> sp.Expr:
    """``log(arg)`` with ``arg`` in exponentials, every ``log Σ e^u`` turned into logsumexp."""
    out = sp.expand_log(sp.log(sp.together(arg.rewrite(sp.exp))), force=True)

    def is_sum_of_exps(e: sp.Basic) -> bool:
        return isinstance(e, sp.log) and e.args[0].is_Add and all(
            isinstance(u, sp.exp) or u == 1 for u in e.args[0].args)

    return out.replace(is_sum_of_exps, lambda e: logsumexp(
        *[u.args[0] if isinstance(u, sp.exp) else sp.S.Zero for u in e.args[0].args]))


_F = TypeVar("_F", bound=Callable[..., Any])


def quiet(method: _F) -> _F:
    """Run ``method`` with numpy's floating-point warnings off: the stable primitives make
    overflow harmless, and what is left non-finite is reported by ``require_finite``."""
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def coupled_layer(act: Activation) -> Callable[[Array], Array]:
    kind = type(act.layer((T, ALPHA))[0])
    if kind not in _COUPLED:
        raise SpecError(f"activation {act.name!r}: no numpy layer function is registered for "
                        f"{kind.__name__}; the vector backend knows {[k.__name__ for k in _COUPLED]}")
    return _COUPLED[kind]


def full(value: Any, shape: tuple[int, ...]) -> Array:
    """``value`` as an array of ``shape``: a rule such as ``f' = 1`` lambdifies to a scalar."""
    arr = np.asarray(value, dtype=np.float64)
    return arr if arr.shape == shape else np.broadcast_to(arr, shape).copy()


def as_float(value: Any, field: str) -> Array:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpecError(f"{field}: expected an array of numbers, received {type(value).__name__}") from None
    with np.errstate(over="ignore"):
        suspect = not np.isfinite(arr.sum())  # one pass, no mask: a sum of finite numbers rarely overflows
    bad = np.argwhere(~np.isfinite(arr)) if suspect else ()
    if len(bad):
        where = "".join(f"[{k}]" for k in bad[0])
        raise DataError(f"{field}{where}: expected a finite number, received {arr[tuple(bad[0])]}")
    return arr
