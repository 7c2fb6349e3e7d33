"""The one finite-or-refused gate for numbers a user is shown.

Every number a verdict, a sheet or a table computes passes :func:`is_float64` or
:func:`finite_float` before it is printed: a value that is infinite, undefined (``zoo``,
``nan``), complex, or beyond float64's range (``10^{400}``) is refused with
:class:`~symbackprop.errors.NumericalError` naming the quantity, one line on the command
line, never ``Infinity`` in JSON or a traceback from a printer.

>>> import sympy as sp
>>> is_float64(sp.Float("1e300")), is_float64(sp.Float("1e400")), is_float64(sp.zoo), is_float64(2.5)
(True, False, False, True)
>>> finite_float(sp.Rational(1, 4), "loss")
0.25
>>> finite_float(sp.log(0), "loss")
Traceback (most recent call last):
    ...
symbackprop.errors.NumericalError: loss: expected a finite number within float64's range, received zoo; a value overflowed, is undefined (a division by 0, ln 0, the root of a negative number), or a prediction reached exactly 0 or 1 inside a logarithm
"""

from __future__ import annotations

import math
import sys
from numbers import Real

from symbackprop.errors import NumericalError

__all__ = ["finite_float", "finite_ratio", "finite_tree", "is_float64", "refuse"]



def _sympy_value(value: object) -> bool:
    # A SymPy value means SymPy is loaded already; the program commands, which hold only
    # floats and arrays, then never import it (0.2 s of their start-up).
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(value, sp.Basic)


def is_float64(value: object) -> bool:
    """Whether ``value`` is a real number that float64 holds as a finite number."""
    if isinstance(value, bool):
        return False
    if not _sympy_value(value):
        if not isinstance(value, Real):
            return False
        try:
            return math.isfinite(float(value))
        except (OverflowError, ValueError):
            return False
    import sympy as sp
    if not value.is_number or value.is_real is False or value.is_finite is False or value.has(sp.zoo, sp.nan):
        return False
    try:
        number = value if value.is_Float or value.is_Rational else value.evalf(20)
        if not (number.is_Float or number.is_Rational):
            return False
        return bool(abs(number) <= sp.Float(1.7976931348623157e308))
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return False


def refuse(what: str, received: object) -> NumericalError:
    """The error for a quantity that is not a finite float64 (raise it)."""
    try:
        shown = received.evalf(6) if _sympy_value(received) else received  # type: ignore[attr-defined]
    except (TypeError, ValueError, ArithmeticError):
        shown = received
    return NumericalError(f"{what}: expected a finite number within float64's range, received {shown}; "
                          "a value overflowed, is undefined (a division by 0, ln 0, the root of a negative "
                          "number), or a prediction reached exactly 0 or 1 inside a logarithm")


def finite_float(value: object, what: str) -> float:
    """``float(value)``, or :class:`NumericalError` naming ``what`` when it is not a finite float64."""
    if not is_float64(value):
        raise refuse(what, value)
    return float(value)  # type: ignore[arg-type]


def finite_ratio(a: float, b: float) -> float | None:
    """``a / b`` when it is a finite float64, else None (``1e308 / 1e-3`` overflows to inf).

    >>> finite_ratio(3.0, 4.0), finite_ratio(1e308, 1e-3), finite_ratio(1.0, 0.0)
    (0.75, None, None)
    """
    try:
        r = a / b
    except (ZeroDivisionError, OverflowError):
        return None
    return r if math.isfinite(r) else None


def finite_tree(value: object, path: str = "") -> None:
    """Refuse the first number in nested dicts and lists (a ``--json`` result) that is not a
    finite float64, naming its path (``updated.w``): what is printed is valid JSON.

    >>> finite_tree({"loss": 0.5, "updated": {"W1": [[1.0, float("-inf")]]}})
    Traceback (most recent call last):
        ...
    symbackprop.errors.NumericalError: updated.W1[0][1]: expected a finite number within float64's range, received -inf; a value overflowed, is undefined (a division by 0, ln 0, the root of a negative number), or a prediction reached exactly 0 or 1 inside a logarithm
    """
    stack: list[tuple[str, object]] = [(path, value)]
    while stack:  # iterative: a deep result is no recursion limit
        where, v = stack.pop()
        if isinstance(v, dict):
            stack.extend((f"{where}.{k}" if where else str(k), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, (list, tuple)):
            stack.extend((f"{where}[{k}]", x) for k, x in reversed(list(enumerate(v))))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            finite_float(v, where or "value")
