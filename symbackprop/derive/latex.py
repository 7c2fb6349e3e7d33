r"""The chain rule printed the way a textbook writes it: Leibniz factors one by one, in order.

SymPy sorts the factors of a product; a chain ``∂L/∂a · ∂a/∂z · ∂z/∂w`` must keep the order
it is read in, so each factor is printed on its own and the factors are joined.

>>> import sympy as sp
>>> from symbackprop.derive.paths import Factor, Path
>>> a, z = sp.symbols("a z")
>>> factor = Factor(a, z, a * (1 - a))
>>> leibniz_latex(Path((z, a), (factor,)))
'\\frac{\\partial a}{\\partial z}'
>>> factors_latex(Path((z, a), (factor,)))
'a \\left(1 - a\\right)'
"""

from __future__ import annotations

import sympy as sp

from symbackprop.graph.printing import latex, partial_latex

from .paths import Path

__all__ = ["leibniz_latex", "factors_latex"]


def _factor(expr: sp.Expr) -> str:
    text = latex(expr)
    # A factor with a leading minus gets brackets too: "x \cdot - a b" reads as a subtraction.
    if expr.is_Add or (expr.is_Number and expr.is_negative) or expr.could_extract_minus_sign():
        return r"\left(%s\right)" % text
    return text


def leibniz_latex(path: Path) -> str:
    """The path as a product of partials: ``∂L/∂a · ∂a/∂z · ∂z/∂w``."""
    return r" \, ".join(partial_latex(f.of, f.wrt) for f in path.factors)


def factors_latex(path: Path) -> str:
    """The path's factors worked out, in the same order: ``(a - y) · a(1 - a) · x``."""
    return r" \cdot ".join(_factor(f.value) for f in path.factors)
