"""SymPy expressions of a scalar graph printed as Python code on numbers: NumPy or PyTorch.

The scalar companion of :mod:`.array_code`: a SymPy printer (``_print_<Class>`` methods, as
SymPy's own) that writes a node's formula as a line of code, its symbols by the names the
code gives them.  The project's activations print as NumPy writes them (``np.maximum(s,
0)``) or through the helpers of :data:`~symbackprop.graph.array_code.NUMPY_HELPERS`
(``sigmoid``, ``softplus``); in PyTorch as ``torch.sigmoid``, ``F.softplus``.

>>> import sympy as sp
>>> from symbackprop.graph.functions import sigmoid, step
>>> s, w = sp.symbols("s w")
>>> print(scalar_code(sigmoid(s) * (1 - sigmoid(s)) * w + sp.exp(-s) / 2))
w*(1 - sigmoid(s))*sigmoid(s) + np.exp(-s)/2
>>> print(scalar_code(step(s) * w, dialect="torch", names={w: "dw"}))
dw*torch.heaviside(s, torch.tensor(0.0, dtype=torch.float64))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from symbackprop.errors import GraphError

__all__ = ["ScalarCodePrinter", "scalar_code", "scalar_helpers"]

# function class name -> (NumPy, PyTorch) spelling of a call with one argument
_CALLS = {
    "exp": ("np.exp", "torch.exp"), "log": ("np.log", "torch.log"), "tanh": ("np.tanh", "torch.tanh"),
    "sqrt": ("np.sqrt", "torch.sqrt"), "sign": ("np.sign", "torch.sign"),
    "sigmoid": ("sigmoid", "torch.sigmoid"), "softplus": ("softplus", "F.softplus"),
    "relu": (None, "torch.relu"), "Abs": ("abs", "abs"),
}
#: The NumPy helper each function needs (their text is array_code's NUMPY_HELPERS).
_NEEDS = {"sigmoid": "sigmoid", "softplus": "softplus"}


class ScalarCodePrinter(StrPrinter):
    """Prints SymPy expressions as Python code on numbers (0-d tensors for PyTorch).

    Settings:
        dialect: ``"numpy"`` or ``"torch"``.
        names: ``{symbol: variable}``; other symbols print by their own name.
    """

    _default_settings: dict[str, Any] = {**StrPrinter._default_settings, "dialect": "numpy", "names": None}

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self.torch = self._settings["dialect"] == "torch"
        self.names: Mapping[sp.Symbol, str] = self._settings["names"] or {}

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.names.get(expr, expr.name)

    def _call(self, name: str, *args: sp.Expr) -> str:
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _print_Function(self, expr: sp.Function) -> str:
        kind = type(expr).__name__
        if kind == "softmax":
            return self._print(expr.rewrite(sp.exp))
        if kind == "leaky_relu":
            x, slope = self._print(expr.args[0]), self._print(expr.slope)
            lib = "torch" if self.torch else "np"
            return f"{lib}.where({x} > 0, {x}, {slope}*{x})"
        if kind == "relu" and not self.torch:
            return f"np.maximum({self._print(expr.args[0])}, 0)"
        spelled = _CALLS.get(kind)
        if spelled is None or len(expr.args) != 1:
            raise GraphError(f"code: the function {kind} has no code form here; expected one of "
                             f"{', '.join(sorted(set(_CALLS) | {'leaky_relu', 'softmax', 'Heaviside', 'Max', 'Min'}))}")
        return self._call(spelled[1] if self.torch else spelled[0], *expr.args)  # type: ignore[arg-type]

    _print_exp = _print_Function
    _print_log = _print_Function
    _print_Abs = _print_Function
    _print_sign = _print_Function

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        x = self._print(expr.args[0])
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        if self.torch:
            return f"torch.heaviside({x}, torch.tensor({float(h0)!r}, dtype=torch.float64))"
        return f"np.heaviside({x}, {float(h0)!r})"

    def _print_Max(self, expr: sp.Max) -> str:
        return self._call("max", *expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._call("min", *expr.args)

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "math.e" if self.torch else "np.e"

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "math.pi" if self.torch else "np.pi"

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"{expr.p}/{expr.q}"


def scalar_code(expr: sp.Expr, **settings: Any) -> str:
    """``expr`` as one line of code (settings as :class:`ScalarCodePrinter`)."""
    return ScalarCodePrinter(settings).doprint(expr)


def scalar_helpers(exprs: list[sp.Expr], dialect: str = "numpy") -> tuple[list[str], list[str]]:
    """``(imports, helpers)`` that code printing ``exprs`` needs: import lines, and the names
    of the NumPy helpers it calls (none for PyTorch)."""
    # Derived expressions and numbers only: strict sympify refuses a string.
    functions = {type(f).__name__ for e in exprs for f in sp.sympify(e, strict=True).atoms(sp.Function)}  # safe: strict
    constants = any(e.has(sp.E, sp.pi) for e in exprs)
    if dialect == "torch":
        imports = ["import torch"] + (["import torch.nn.functional as F"] if "softplus" in functions else [])
        return (["import math"] if constants else []) + imports, []
    return ["import numpy as np"], [_NEEDS[f] for f in sorted(functions) if f in _NEEDS]
