"""Numbers on a sheet: how they are printed, and the verification stamp of each gradient.

>>> number_latex(0.000438567734474347), number_latex(-0.0380982365165562, factor=True)
('0.000438567734', '\\\\left(-0.0380982365\\\\right)')
>>> number_latex(1.0), number_latex(-0.0), number_latex(-2.0)
('1', '0', '-2')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import sympy as sp

from symbackprop.derive import forward, prove
from symbackprop.derive.finite import finite_float
from symbackprop.graph import Graph, latex
from symbackprop.graph.notation import plain

from .lang import say, spans
from .model import Math, Span, Stamp

if TYPE_CHECKING:
    from symbackprop.derive.proof import Proof

__all__ = [
    "DIGITS",
    "PROOF_MAX_NODES",
    "number_latex",
    "number_text",
    "finite_difference",
    "verification_stamp",
    "proof_detail",
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
    # The one gate: a number that is not a finite float64 is refused, never printed.
    number = sp.Float(finite_float(sp.sympify(value, strict=True), "a number on the sheet"), DIGITS)  # safe: strict refuses strings
    # Whole numbers are written whole (a bias factor is 1, not 1.0; never -0.0).
    whole = float(f"{float(number):.{DIGITS}g}")  # as printed: -4.0000000001 is -4
    text = latex(sp.Integer(int(whole)) if whole.is_integer() else number)
    if factor and number < 0:
        return r"\left(%s\right)" % text
    return text


def number_text(value: object) -> str:
    """A number as plain text to :data:`DIGITS` significant digits, whole numbers whole
    (for pictures, which set no math): ``-2``, ``0.593269992``."""
    text = f"{finite_float(value, 'a number on the sheet'):.{DIGITS}g}"
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


def proof_detail(proof: Proof, lang: str) -> str:
    """What a proof compared, in the sheet's language (``proof.detail`` is English)."""
    reason = proof.reason.removeprefix("cancel-")
    if not reason:
        return proof.detail
    arithmetic = say(lang, "proof.exact") if proof.exact else say(lang, "proof.digits", digits=60)
    text = say(lang, "proof." + reason, n=proof.points, arithmetic=arithmetic,
               negation="" if proof.holds else say(lang, "proof.not"))
    return say(lang, "proof.cancel", rest=text) if proof.reason.startswith("cancel-") else text


def verification_stamp(
    graph: Graph,
    param: sp.Symbol,
    *,
    assignment: Mapping[sp.Symbol, object] | None = None,
    gradient: object | None = None,
    lang: str = "en",
) -> Stamp:
    """The stamp of one parameter: the symbolic proof and, with numbers, finite differences,
    said in plain words (``lang``), the technical detail kept apart.

    Graphs of more than :data:`PROOF_MAX_NODES` nodes get a stamp saying they were not
    checked here, rather than a sheet that takes minutes.
    """
    n_nodes = len(graph.nodes)
    if n_nodes > PROOF_MAX_NODES:
        return Stamp(None, ((say(lang, "stamp.too_big", n=n_nodes, limit=PROOF_MAX_NODES, name=repr(plain(param))),),),
                     mark=say(lang, "mark.none"))
    proof = prove(graph, param)
    name = Math(latex(param))
    out = Math(latex(graph.output))
    first = spans(lang, "stamp.symbolic" if proof.method == "symbolic" else "stamp.point", out=out, name=name)
    route = say(lang, "stamp.route.symbolic" if proof.method == "symbolic" else "stamp.route.point")
    detail: list[tuple[Span, ...]] = [
        (say(lang, "stamp.proved" if proof.holds else "stamp.refuted_detail", route=route,
             detail=proof_detail(proof, lang)),),
    ]
    ok = proof.holds
    if assignment is not None and gradient is not None:
        fd = finite_difference(graph, assignment, param)
        g = float(gradient)  # type: ignore[arg-type]
        err = _relative_error(fd, g)
        # float64 differences lose about 1e-16·|L|/h absolutely, which is large relative
        # to a tiny gradient; so an absolute floor as well as a relative tolerance.
        passed = err < _FD_RTOL or abs(fd - g) < _FD_ATOL
        ok = ok and passed
        lines = spans(lang, "stamp.two_ways", first=first, name=name, out=out, rate=Math(number_latex(fd)),
                      verdict=say(lang, "stamp.agrees" if passed else "stamp.disagrees"))
        detail.append(spans(lang, "stamp.fd", step=Math(r"10^{-6}"), fd=Math(number_latex(fd)),
                            err=Math(latex(sp.Float(err, 2))), within=say(lang, "stamp.within" if passed else "stamp.outside"),
                            rtol=Math(r"10^{-5}"), atol=Math(r"10^{-8}")))
    else:
        lines = spans(lang, "stamp.one_way", first=first)
    if not proof.holds:
        lines = spans(lang, "stamp.refuted", out=out)
    return Stamp(ok, (lines,), tuple(detail), say(lang, "mark.ok" if ok else "mark.bad"), say(lang, "stamp.more"))
