"""Numbers on a sheet: how they are printed, and the verification stamp of each gradient.

>>> number_latex(0.000438567734474347), number_latex(-0.0380982365165562, factor=True)
('0.000438567734', '\\\\left(-0.0380982365\\\\right)')
>>> number_latex(1.0), number_latex(-0.0), number_latex(-2.0)
('1', '0', '-2')
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symbackprop.derive import forward, prove
from symbackprop.graph import Graph, latex
from symbackprop.graph.notation import plain

from .model import Math, Span, Stamp

__all__ = [
    "DIGITS",
    "PROOF_MAX_NODES",
    "number_latex",
    "number_text",
    "finite_difference",
    "verification_stamp",
]

#: Significant digits of the numbers on a sheet (enough to compare with a hand calculation).
DIGITS = 9
#: Graphs with more nodes get no proof on the sheet: the exact routes of
#: :func:`symbackprop.derive.proof.prove` take seconds per parameter beyond this size.
PROOF_MAX_NODES = 120
_FD_STEP = 1e-6
_FD_RTOL = 1e-5
_FD_ATOL = 1e-8


def number_latex(value: object, *, factor: bool = False) -> str:
    """A number in LaTeX to :data:`DIGITS` significant digits; with ``factor``, a negative
    number is parenthesised so it can stand in a product."""
    number = sp.Float(sp.sympify(value, strict=True), DIGITS)  # safe: strict refuses strings
    # Whole numbers are written whole (a bias factor is 1, not 1.0; never -0.0).
    whole = float(f"{float(number):.{DIGITS}g}")  # as printed: -4.0000000001 is -4
    text = latex(sp.Integer(int(whole)) if whole.is_integer() else number)
    if factor and number < 0:
        return r"\left(%s\right)" % text
    return text


def number_text(value: object) -> str:
    """A number as plain text to :data:`DIGITS` significant digits, whole numbers whole
    (for pictures, which set no math): ``-2``, ``0.593269992``."""
    text = f"{float(value):.{DIGITS}g}"  # type: ignore[arg-type]
    return "0" if text == "-0" else text


def finite_difference(
    graph: Graph, assignment: Mapping[sp.Symbol, object], param: sp.Symbol
) -> float:
    """Central difference of the output in float64-like arithmetic, step 1e-6·max(1, |θ|).

    Kept in one function so the numeric checker (lambdified numpy) can replace it.
    """
    theta = float(assignment[param])  # type: ignore[arg-type]
    h = _FD_STEP * max(1.0, abs(theta))
    out = graph.output
    values = []
    for sign in (1, -1):
        moved = dict(assignment)
        moved[param] = theta + sign * h
        values.append(float(forward(graph, moved, exact=False)[out]))
    return (values[0] - values[1]) / (2 * h)


def _relative_error(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0.0


def verification_stamp(
    graph: Graph,
    param: sp.Symbol,
    *,
    assignment: Mapping[sp.Symbol, object] | None = None,
    gradient: object | None = None,
) -> Stamp:
    """The stamp of one parameter: the symbolic proof and, with numbers, finite differences.

    Graphs of more than :data:`PROOF_MAX_NODES` nodes get a stamp saying they were not
    checked here, rather than a sheet that takes minutes.
    """
    n_nodes = len(graph.nodes)
    if n_nodes > PROOF_MAX_NODES:
        return Stamp(None, ((
            f"Not verified on this sheet: the graph has {n_nodes} nodes (proofs are run "
            f"here up to {PROOF_MAX_NODES}); use symbackprop.prove(graph, {plain(param)!r}) in Python.",
        ),))
    proof = prove(graph, param)
    name = Math(latex(param))
    out = Math(latex(graph.output))
    if proof.method == "symbolic":
        first: tuple[Span, ...] = ("the formula above is exactly what SymPy gets by differentiating the whole ",
                                   out, " with respect to ", name, " in one go")
    else:
        first = ("the formula above gives the same number as differentiating the whole ", out,
                 " directly, computed exactly at random points")
    detail: list[tuple[Span, ...]] = [(
        ("Proved" if proof.holds else "REFUTED")
        + f" ({'symbolic' if proof.method == 'symbolic' else 'exact point evaluation'}): {proof.detail}.",
    )]
    ok = proof.holds
    if assignment is not None and gradient is not None:
        fd = finite_difference(graph, assignment, param)
        g = float(gradient)  # type: ignore[arg-type]
        err = _relative_error(fd, g)
        # float64 differences lose about 1e-16·|L|/h absolutely, which is large relative
        # to a tiny gradient; so an absolute floor as well as a relative tolerance.
        passed = err < _FD_RTOL or abs(fd - g) < _FD_ATOL
        ok = ok and passed
        second: tuple[Span, ...] = (
            "; and nudging ", name, " a millionth up and down changes ", out, " at the rate ",
            Math(number_latex(fd)), (", as the gradient says" if passed else ", NOT the rate the gradient says"),
        )
        lines: tuple[Span, ...] = ("Checked two ways: ",) + first + second + (".",)
        detail.append((
            "Finite differences (central, float64, step ",
            Math(r"10^{-6}"),
            "): ",
            Math(number_latex(fd)),
            ", relative error ",
            Math(latex(sp.Float(err, 2))),
            " (" + ("within" if passed else "OUTSIDE") + " the tolerance: relative ",
            Math(r"10^{-5}"), " or absolute ", Math(r"10^{-8}"), ").",
        ))
    else:
        lines = ("Checked: ",) + first + (".",)
    if not proof.holds:
        lines = ("The formula above does NOT match differentiating the whole ", out, " directly.")
    return Stamp(ok, (lines,), tuple(detail))
