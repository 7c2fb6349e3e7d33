"""Break a long formula into display rows at its sums and products.

Each part is printed by :func:`symbackprop.graph.printing.latex`; only the joins between parts
are written here.  A parenthesised sum broken across rows is closed with ``\\right.`` and
reopened with ``\\left.``, so every row is valid LaTeX on its own (``align*`` needs that,
and so does latex2mathml).

>>> import sympy as sp
>>> a, b = sp.symbols("a b")
>>> break_rows(a + b, width=100)
['a + b']
>>> break_rows(a * (a + b) ** 2 * sp.sin(a + b), width=5)
['a', '\\\\cdot \\\\left(a + b\\\\right)^{2}', '\\\\cdot \\\\sin{\\\\left(a + b \\\\right)}']
"""

from __future__ import annotations

import sympy as sp

from symbackprop.graph.printing import latex, natural_index_order

__all__ = ["break_rows", "ROW_WIDTH"]

#: Characters of LaTeX source per row: about one line of an A4 page at 11pt.
ROW_WIDTH = 180


def _pack(pieces: list[str], width: int) -> list[str]:
    """Greedily join pieces (each already starting with its operator) into rows."""
    rows: list[str] = []
    for piece in pieces:
        if rows and len(rows[-1]) + len(piece) + 1 <= width:
            rows[-1] += " " + piece
        else:
            rows.append(piece)
    return rows


def _wrap(rows: list[str]) -> list[str]:
    """``\\left( rows \\right)`` spread over several rows."""
    if len(rows) == 1:
        return [r"\left(" + rows[0] + r"\right)"]
    return ([r"\left(" + rows[0] + r"\right."]
            + [r"\quad \left." + r + r"\right." for r in rows[1:-1]]
            + [r"\quad \left." + rows[-1] + r"\right)"])


def _term_rows(term: sp.Expr, width: int, first: bool) -> list[str]:
    if term.could_extract_minus_sign():
        sign, body = "- ", -term
    else:
        sign, body = ("" if first else "+ "), term
    inner = break_rows(body, width=width)
    inner[0] = sign + inner[0]
    return inner


def _factor_rows(factor: sp.Expr, width: int) -> list[str]:
    if factor.is_Add:
        return _wrap(break_rows(factor, width=width))
    return break_rows(factor, width=width)


def break_rows(expr: sp.Expr, *, width: int = ROW_WIDTH) -> list[str]:
    """LaTeX rows of ``expr``, each about ``width`` characters or less where the formula
    allows (a single function call is never split).  Rows after the first start with
    their operator (``+``, ``-``, ``\\cdot``)."""
    text = latex(expr)
    if len(text) <= width:
        return [text]
    if expr.is_Add:
        pieces: list[str] = []
        for k, term in enumerate(natural_index_order(expr.as_ordered_terms())):
            rows = _term_rows(term, width, first=(k == 0))
            pieces.extend(rows)
        return _pack(pieces, width)
    if expr.is_Mul:
        coeff, factors = expr.as_coeff_mul()
        pieces = []
        for k, f in enumerate(factors):
            rows = _factor_rows(f, width)
            if k:
                rows[0] = r"\cdot " + rows[0]
            pieces.extend(rows)
        # The coefficient is written before the first factor, not folded into it: a
        # Mul(coeff, factor) would come back here unchanged and recurse without end.
        if coeff == -1:
            pieces[0] = "- " + pieces[0]
        elif coeff != 1:
            pieces[0] = latex(coeff) + " " + pieces[0]
        return _pack(pieces, width)
    return [text]
