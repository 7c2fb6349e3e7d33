"""Break a long formula into display rows at its sums and products.

Each part is printed by :func:`symbackprop.graph.printing.latex`; only the joins between parts
are written here.  A parenthesised sum broken across rows is closed with ``\\right.`` and
reopened with ``\\left.``, so every row is valid LaTeX on its own (``align*`` needs that,
and so does latex2mathml).

Widths are measured as the formula is set, not as its source is spelled
(:func:`visual_width`): ``w^{(1)}_{11}`` is one letter and small indices, not 12 characters.

>>> import sympy as sp
>>> a, b = sp.symbols("a b")
>>> break_rows(a + b, width=100)
['a + b']
>>> break_rows(a * (a + b) ** 2 * sp.sin(a + b), width=5)
['a', '\\\\cdot \\\\left(a + b\\\\right)^{2}', '\\\\cdot \\\\sin{\\\\left(a + b \\\\right)}']
>>> visual_width(r"w^{(1)}_{11}") < len(r"w^{(1)}_{11}") / 2
True
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from symbackprop.graph.printing import latex, natural_index_order

__all__ = ["break_rows", "ROW_WIDTH", "visual_width", "worked_rows"]

#: Prints one expression as LaTeX (``latex``, or a printer that shows numbers for symbols).
Printer = Callable[[sp.Expr], str]

#: Width of a row in :func:`visual_width` units (about one digit each): a line of the
#: sheet's A4 page at 11pt, less the left-hand side of the equation.
ROW_WIDTH = 66

# Source that takes no width of its own, or the width of one symbol.
_SILENT = re.compile(r"\\(left|right)(?![A-Za-z])|\\[,;:! ]|\\(frac|operatorname|mathbf|boldsymbol|text)(?![A-Za-z])")
_SYMBOL = re.compile(r"\\[A-Za-z]+")
_OPERATORS = {"+": 2.2, "-": 2.2, "=": 2.4, "\x00": 2.0}
_SCRIPT = 0.7


def visual_width(latex_text: str) -> float:
    """About how wide ``latex_text`` is set, in digit widths: sub- and superscripts count
    0.7, binary operators with their spacing about 2, ``\\left``/``\\right`` nothing."""
    text = _SILENT.sub("", latex_text).replace("\\cdot", "\x00").replace("\\quad", "MM")
    text = _SYMBOL.sub("x", text)
    width, scales, pending = 0.0, [1.0], False
    for ch in text:
        if ch in "^_":
            pending = True
            continue
        if ch == "{":
            scales.append(scales[-1] * (_SCRIPT if pending else 1.0))
            pending = False
            continue
        if ch == "}":
            if len(scales) > 1:
                scales.pop()
            continue
        if ch == " ":
            continue
        scale = scales[-1] * (_SCRIPT if pending else 1.0)
        pending = False
        width += scale * _OPERATORS.get(ch, 1.0)
    return width


def _pack(pieces: list[str], width: int) -> list[str]:
    """Greedily join pieces (each already starting with its operator) into rows."""
    rows: list[str] = []
    for piece in pieces:
        if rows and visual_width(rows[-1]) + visual_width(piece) <= width:
            rows[-1] += " " + piece
        else:
            rows.append(piece)
    return rows


def _wrap(rows: list[str], opening: str = r"\left(", closing: str = r"\right)") -> list[str]:
    """``opening rows closing`` spread over several rows, each row closed with ``\\right.``."""
    if len(rows) == 1:
        return [opening + rows[0] + closing]
    return ([opening + rows[0] + r"\right."]
            + [r"\quad \left." + r + r"\right." for r in rows[1:-1]]
            + [r"\quad \left." + rows[-1] + closing])


def _call_rows(expr: sp.Expr, width: float, show: Printer) -> list[str] | None:
    """A function of one long argument, ``\\sigma\\left(`` ... ``\\right)``, broken inside its
    parentheses; ``None`` when the function is not printed as a name and parentheses."""
    marker = sp.Symbol("MARKER")
    opening, found, closing = show(expr.func(marker)).partition("MARKER")
    if not found or not opening.endswith(r"\left(") or closing.strip() != r"\right)":
        return None
    inner = break_rows(expr.args[0], width=width - visual_width(opening), show=show)
    return _wrap(inner, opening, closing) if len(inner) > 1 else None


def _term_rows(term: sp.Expr, width: float, first: bool, show: Printer) -> list[str]:
    if term.could_extract_minus_sign():
        sign, body = "- ", -term
    else:
        sign, body = ("" if first else "+ "), term
    inner = break_rows(body, width=width, show=show)
    inner[0] = sign + inner[0]
    return inner


def _factor_rows(factor: sp.Expr, width: float, show: Printer) -> list[str]:
    if factor.is_Add:
        return _wrap(break_rows(factor, width=width, show=show))
    return break_rows(factor, width=width, show=show)


def break_rows(expr: sp.Expr, *, width: float = ROW_WIDTH, show: Printer = latex) -> list[str]:
    """LaTeX rows of ``expr``, each about ``width`` (:func:`visual_width`) or less where the formula
    allows (a call of a one-argument function is split inside its parentheses; a call with
    several arguments never is).  Rows after the first start with
    their operator (``+``, ``-``, ``\\cdot``).  ``show`` prints each part (default
    :func:`~symbackprop.graph.printing.latex`)."""
    text = show(expr)
    if visual_width(text) <= width:
        return [text]
    if expr.is_Add:
        pieces: list[str] = []
        terms = natural_index_order(expr.as_ordered_terms())
        # Positive terms first, as the printer writes a sum (a - y, not -y + a).
        terms = [t for t in terms if not t.could_extract_minus_sign()] + \
            [t for t in terms if t.could_extract_minus_sign()]
        for k, term in enumerate(terms):
            rows = _term_rows(term, width, (k == 0), show)
            pieces.extend(rows)
        return _pack(pieces, width)
    if expr.is_Mul:
        coeff, factors = expr.as_coeff_mul()
        pieces = []
        for k, f in enumerate(factors):
            rows = _factor_rows(f, width, show)
            if k:
                rows[0] = r"\cdot " + rows[0]
            pieces.extend(rows)
        # The coefficient is written before the first factor, not folded into it: a
        # Mul(coeff, factor) would come back here unchanged and recurse without end.
        if coeff == -1:
            pieces[0] = "- " + pieces[0]
        elif coeff != 1:
            pieces[0] = show(coeff) + " " + pieces[0]
        return _pack(pieces, width)
    if isinstance(expr, sp.Function) and len(expr.args) == 1 and (expr.args[0].is_Add or expr.args[0].is_Mul):
        rows = _call_rows(expr, width, show)
        if rows is not None:
            return rows
    return [text]


def worked_rows(expr: sp.Expr, show: Printer, value: str, *, width: float = ROW_WIDTH) -> list[tuple[str, str]]:
    """Continuation rows ``= (expr printed by show) = value``, broken like :func:`break_rows`
    (the value on a row of its own when the last row has no room for it)."""
    parts = break_rows(expr, width=width, show=show)
    rows = [("", "= " + parts[0])] + [("", part) for part in parts[1:]]
    if len(parts) == 1 and parts[0] == value:
        return rows  # "δ = z = -4", not "= -4 = -4"
    tail = " = " + value
    if visual_width(rows[-1][1] + tail) <= width or len(parts) == 1 and visual_width(parts[0]) <= width:
        rows[-1] = ("", rows[-1][1] + tail)
    else:
        rows.append(("", "= " + value))
    return rows
