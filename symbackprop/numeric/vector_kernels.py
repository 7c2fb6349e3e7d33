"""What SymPy expressions of the registry's functions are lambdified with (a user's own
activation, rules checked by the vector verdicts), and the checks on arrays coming in.

The primitives are a table (rules as data, like SymPy's own printer tables): sigmoid as
``½ + ½ tanh(t/2)``, softplus as ``max(t, 0) + log1p(e^{-|t|})``, so a saturated unit gives
an exact 0 or 1 and never a NaN.  The vector backend itself computes through the layered
program's kernels (:mod:`.array_kernels`).

>>> import numpy as np, sympy as sp
>>> from symbackprop.graph.functions import softplus
>>> t = sp.Symbol("t")
>>> f = lambdify_numpy([t], softplus(t))
>>> float(f(np.float64(1000.0)))
1000.0
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from symbackprop.errors import DataError, SpecError
from symbackprop.graph.functions import LEAKY_SLOPE

from .rules import user_implementations

__all__ = ["lambdify_numpy", "quiet", "as_float"]

Array = np.ndarray


def _leaky_relu(t: Array, alpha: float = float(LEAKY_SLOPE)) -> Array:
    # z above 0, αz below: the larger of the two for α < 1, the smaller for α > 1.
    return np.maximum(t, alpha * t) if alpha <= 1 else np.minimum(t, alpha * t)


#: Stable numpy versions of the registry's primitives (rules as data, like SymPy's tables),
#: each in its fastest stable form: σ through tanh, softplus through log1p.
_NUMPY: dict[str, Callable[..., Array]] = {
    "sigmoid": lambda t: 0.5 + 0.5 * np.tanh(0.5 * t),
    "relu": lambda t: np.maximum(t, 0.0),
    "leaky_relu": _leaky_relu,
    "softplus": lambda t: np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t))),
}


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


_F = TypeVar("_F", bound=Callable[..., Any])


def quiet(method: _F) -> _F:
    """Run ``method`` with numpy's floating-point warnings off: the stable primitives make
    overflow harmless, and what is left non-finite is reported by ``require_finite``."""
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


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
