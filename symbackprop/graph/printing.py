"""Printers in the project notation: LaTeX (a ``LatexPrinter`` subclass) and plain text.

Every formula the project shows goes through :func:`latex` or :func:`plain_text`; the
notation parser reads both back.  This module prints expressions; the chain rule's Leibniz
products are printed by :mod:`symbackprop.derive.latex`, factor by factor.

>>> import sympy as sp
>>> from symbackprop.graph.functions import relu
>>> z = sp.Symbol("z^{(1)}_{1}", real=True)
>>> latex(sp.diff(relu(z), z))
'H\\\\left(z^{(1)}_{1}\\\\right)'
>>> plain_text(sp.Symbol(r"\\delta^{(2)}_{1}") * sp.Symbol("x_{1}"))
'delta2_1*x1'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .notation import plain

__all__ = [
    "NotationLatexPrinter",
    "PlainPrinter",
    "latex",
    "plain_text",
    "latex_with_numbers",
    "partial_latex",
]


_DIGITS = re.compile(r"\d+")
_INDICES = re.compile(r"\d+(?:,\d+)*")  # w_{12} and w_{10,1} have the same shape


#: ``str`` of a term, kept: a sheet prints the same subexpressions in many formulas, and each
#: nested sum asks for the text of every term below it again.
_text = functools.lru_cache(maxsize=4096)(str)


def natural_index_order(terms: list[sp.Expr]) -> list[sp.Expr]:
    """SymPy's order of a sum's terms, with terms that differ only in their indices put in
    numeric order: SymPy compares names as text, so ``a_{10}`` came before ``a_{1}``.

    Terms of different shapes keep SymPy's places; only the places a shape holds are
    refilled, in order of its indices (``a_{1}, a_{2}, ..., a_{10}``).
    """
    if len(terms) < 2:
        return terms
    texts = [_text(t) for t in terms]
    shapes = [_INDICES.sub("#", t) for t in texts]
    groups: dict[str, list[int]] = {}
    for k, shape in enumerate(shapes):
        groups.setdefault(shape, []).append(k)
    out = list(terms)
    for places in groups.values():
        if len(places) > 1:
            ranked = sorted(places, key=lambda k: [int(d) for d in _DIGITS.findall(texts[k])])
            for place, k in zip(places, ranked):
                out[place] = terms[k]
    return out


class NotationLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the project's conventions.

    ``H(z)`` for the step ``Heaviside(z, 0)`` (``H(0) = 0`` is stated on every sheet that
    uses it) and ``\\delta_{kj}`` for Kronecker deltas.
    """

    printmethod = "_latex"
    # Natural logarithms as \ln, as the loss is stated (L = -Σ y ln a): SymPy's \log would
    # read as base 10 to many students, on the same sheet as the \ln of the definition.
    _default_settings = {**LatexPrinter._default_settings, "ln_notation": True}

    def _as_ordered_terms(self, expr: sp.Expr, order: Any = None) -> list[sp.Expr]:
        terms = natural_index_order(super()._as_ordered_terms(expr, order=order))
        # A sum starts with a positive term, as textbooks write a - y (SymPy's order put
        # -y_1 + \sigma(...) when the other term is a function).
        return [t for t in terms if not t.could_extract_minus_sign()] + \
            [t for t in terms if t.could_extract_minus_sign()]

    def _print_Heaviside(self, expr: sp.Heaviside, exp: Any = None) -> str:
        if len(expr.args) < 2 or expr.args[1] != 0:
            # Only the H(0) = 0 step is written H; SymPy's default (½ at 0) keeps its own form.
            return super()._print_Heaviside(expr, exp)
        text = r"H\left(%s\right)" % self._print(expr.args[0])
        return r"%s^{%s}" % (text, exp) if exp is not None else text

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: Any = None) -> str:
        i, j = (self._print(a) for a in expr.args)
        text = r"\delta_{%s%s}" % (i, j)
        return r"\left(%s\right)^{%s}" % (text, exp) if exp is not None else text

    def _print_tanh(self, expr: sp.tanh, exp: Any = None) -> str:
        text = r"\tanh\left(%s\right)" % self._print(expr.args[0])
        return r"%s^{%s}" % (text, exp) if exp is not None else text


class PlainPrinter(StrPrinter):
    """SymPy's ``str`` printer with plain network names (``w1_12``, ``delta2_1``)."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return plain(expr)

    def _as_ordered_terms(self, expr: sp.Expr, order: Any = None) -> list[sp.Expr]:
        terms = natural_index_order(super()._as_ordered_terms(expr, order=order))
        # A sum starts with a positive term, as textbooks write a - y (SymPy's order put
        # -y_1 + \sigma(...) when the other term is a function).
        return [t for t in terms if not t.could_extract_minus_sign()] + \
            [t for t in terms if t.could_extract_minus_sign()]

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        if len(expr.args) < 2 or expr.args[1] != 0:
            return super()._print_Heaviside(expr)  # type: ignore[misc]
        return "H(%s)" % self._print(expr.args[0])


def latex(expr: sp.Basic, **settings: Any) -> str:
    """LaTeX of a SymPy expression in the project notation.

    ``settings`` are those of SymPy's ``latex`` (unknown keys are refused by SymPy).
    """
    return NotationLatexPrinter(settings).doprint(expr)


class _NumbersPrinter(NotationLatexPrinter):
    """Prints an expression with some symbols shown as their numbers.

    The terms and factors are ordered by the symbolic expression, so the numbers line up
    with the formula printed above them (substituting first would let SymPy re-sort them:
    ``a - y`` would print as ``-0.01 + 0.75``).
    """

    def __init__(self, values: Mapping[sp.Symbol, object], digits: int) -> None:
        # Numbers side by side read as one number (0.5 0.4), and a bracketed negative one
        # beside another as a product only by convention: every product carries its dot.
        super().__init__({"mul_symbol": "dot"})
        self._values = values
        self._digits = digits
        self._within: list[sp.Basic] = []

    def _print(self, expr: Any, **kwargs: Any) -> str:
        self._within.append(expr)
        try:
            return super()._print(expr, **kwargs)
        finally:
            self._within.pop()

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr not in self._values:
            return super()._print_Symbol(expr, style)
        number = sp.Float(sp.sympify(self._values[expr], strict=True), self._digits)  # safe: strict refuses strings
        # A whole number is written whole: a target of 0 is "0", not "-0.0" or "0.0".
        text = self._print(sp.Integer(int(number)) if float(number).is_integer() else number)
        # A negative number inside a sum, a product or a power is bracketed: "a - y" must
        # not read "0.75 - -0.01"; as a function's argument or on its own it needs none.
        parent = self._within[-2] if len(self._within) > 1 else None
        if number < 0 and isinstance(parent, (sp.Add, sp.Mul, sp.Pow)):
            return r"\left(%s\right)" % text
        return text


def latex_with_numbers(expr: sp.Basic, values: Mapping[sp.Symbol, object], *, digits: int = 9) -> str:
    """LaTeX of ``expr`` with the symbols of ``values`` replaced by their numbers, in the
    order :func:`latex` prints ``expr`` (``a - y`` becomes ``0.75 - 0.01``)."""
    return _NumbersPrinter(values, digits).doprint(expr)


def plain_text(expr: sp.Basic) -> str:
    """Plain-text form of an expression (``(a2_1 - y1)*x1``), as the parser reads it."""
    return PlainPrinter().doprint(expr)


def partial_latex(of: sp.Symbol, wrt: sp.Symbol) -> str:
    """``\\frac{\\partial L}{\\partial w^{(1)}_{11}}``."""
    return r"\frac{\partial %s}{\partial %s}" % (latex(of), latex(wrt))
