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

__all__ = ["break_rows", "LINE_WIDTH", "ROW_WIDTH", "row_width", "visual_width", "worked_rows"]

#: Prints one expression as LaTeX (``latex``, or a printer that shows numbers for symbols).
Printer = Callable[[sp.Expr], str]

#: The LaTeX sheet's line in :func:`visual_width` units (one digit each, 5pt at the sheet's
#: 10pt): 458pt is 91 digits, less a margin for the estimate's error.
LINE_WIDTH = 88
#: Width of a row after a left-hand side of usual size (about 8): rows are broken only when
#: wider than the line leaves them (:func:`row_width`).
ROW_WIDTH = 80


def row_width(lhs: str) -> float:
    """The width left for a row beside the left-hand side ``lhs`` of its equation."""
    return LINE_WIDTH - max(visual_width(lhs), 2.0)

# Source that takes no width of its own, or the width of one symbol.
_SILENT = re.compile(r"\\(left|right)(?![A-Za-z])|\\[,;:! ]|\\(frac|operatorname|mathbf|boldsymbol|text)(?![A-Za-z])")
_SYMBOL = re.compile(r"\\[A-Za-z]+")
_FUNCTION = re.compile(r"\\(tanh|ln|log|exp|sin|cos|max|min)(?![A-Za-z])")
_SIGN = re.compile(r"(^|[(=+\x00]\s*)-")
# Widths in digits as Computer Modern sets them at 10pt (a digit is 5pt): a binary + or -
# with its spaces 12.2pt, a relation 13.3pt, a \cdot 7.2pt, a bracket 3.9pt, a point 2.8pt.
_OPERATORS = {"+": 2.44, "-": 2.44, "=": 2.67, "\x00": 1.44, "\x01": 1.56, "(": 0.78, ")": 0.78, "[": 0.56, "]": 0.56,
              ".": 0.56, ",": 0.56}
_SCRIPT = 0.7


def visual_width(latex_text: str) -> float:
    """About how wide ``latex_text`` is set, in digit widths: sub- and superscripts count
    0.7, binary operators with their spacing about 2.4, brackets and points less than a
    digit, ``\\left``/``\\right`` nothing (calibrated against pdflatex's own widths)."""
    text = _SILENT.sub("", latex_text).replace("\\cdot", "\x00").replace("\\quad", "MM")
    text = _FUNCTION.sub(lambda m: m.group(1), text)  # \tanh is set as its four letters
    text = _SIGN.sub(lambda m: m.group(1) + "\x01", text)  # a sign, not a binary minus
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
    if sign == "+ " and len(inner) == 1 and inner[0].startswith("-"):
        # A term shown as a negative number (a symbol whose value is negative) is bracketed
        # after its plus, as the printer does inside a sum: "+ (-0.12)", not "+ -0.12".
        return [sign + r"\left(" + inner[0] + r"\right)"]
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
    if visual_width(rows[-1][1] + tail) <= width:
        rows[-1] = ("", rows[-1][1] + tail)
    else:
        rows.append(("", "= " + value))
    return rows
