"""Name the mistake in a wrong gradient formula, the way a tutor would.

The formula is compared, at the points where it was found wrong, with constant multiples of
the derivative, then with every mistaken variant of it (:mod:`symbackprop.verify.mistakes`) and
constant multiples of those.  The first match names the mistake in one sentence.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.verify.verifier import verify
>>> v = verify(mlp([1, 1, 1]), "w2_11", "(a2_1 - y1) * a1_1")
>>> v.diagnosis.kind
'missing_activation_derivative'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from symbackprop.derive import Backprop, Derivation
from symbackprop.derive.finite import finite_ratio
from symbackprop.errors import TooLargeError
from symbackprop.graph import plain_text

from .mistakes import MISTAKES, Show, variants
from .points import Point, as_float

__all__ = ["Diagnosis", "diagnose", "MISTAKES", "MAX_PATHS"]

#: Most chain-rule paths turned into path-level variants; beyond, δ-level variants are used.
MAX_PATHS = 400
#: Largest denominator of a diagnosed constant factor: a mean over a batch of 1,024 or over
#: MNIST's 60,000 images is a factor 1/1024 or 1/60000.  A ratio read from one point is only
#: believed when every point gives the same fraction.
_MAX_DENOMINATOR = 1_000_000
_UNKNOWN = (
    "The formula differs from the derivative and matches none of the usual mistakes "
    "(a constant factor, a missing activation derivative, a missing or extra path, "
    "swapped indices, a wrong layer)."
)


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a formula.

    Attributes:
        kind: one of :data:`~symbackprop.verify.mistakes.MISTAKES`, or ``"unknown"``.
        sentence: the explanation, one sentence.
        factor: the constant the formula is off by on top of the mistake (1 if none).
    """

    kind: str
    sentence: str
    factor: sp.Rational = sp.S.One


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= 1e-10 * max(1.0, abs(a), abs(b))


def _constant(formula: Sequence[float | None], truth: Sequence[float | None]) -> Fraction | None:
    """The constant ``c`` with ``formula = c · truth`` at every point, if there is one."""
    ratio: Fraction | None = None
    for f, t in zip(formula, truth):
        if f is None or t is None:
            return None
        if abs(t) < 1e-9:
            if abs(f) > 1e-9:
                return None
            continue
        quotient = finite_ratio(f, t)  # the one gate: 1e308 / 1e-3 is no constant factor
        if quotient is None:
            return None
        r = Fraction(quotient).limit_denominator(_MAX_DENOMINATOR)
        if abs(quotient - float(r)) > 1e-9 * max(1.0, abs(float(r))):
            return None
        if ratio is None:
            ratio = r
        elif r != ratio:
            return None
    return ratio


def _factor_sentence(c: Fraction, bp: Backprop) -> str:
    loss = getattr(getattr(bp.graph, "loss", None), "name", "")
    layers = getattr(bp.graph, "layers", (1,))
    if c == -1:
        return "The sign is flipped: the formula is −1 times the derivative (check the sign of a − y)."
    if c == 2 and loss == "squared":
        return ("Off by a factor 2: the squared loss is ½ Σ (a − y)², so its derivative is (a − y); "
                "the ½ cancels the 2.")
    if c == -2 and loss == "squared":
        return "Off by a factor −2: both the ½ of the squared loss and the sign of (a − y) are off."
    if loss == "mse" and c == layers[-1] and c != 1:
        return (f"Off by a factor {c}: the mean squared error divides by n = {layers[-1]}, "
                "so the 1/n stays in the derivative.")
    return f"Off by a constant factor {c}: the formula is {c} times the derivative."


def _as_rational(c: Fraction) -> sp.Rational:
    return sp.Rational(c.numerator, c.denominator)


def _floats(points: Sequence[Point], expr: sp.Expr) -> list[float | None]:
    # Values beyond float range count as undefined: no constant ratio can be read from them.
    return [as_float(pt.value(expr)) for pt in points]


def diagnose(d: Derivation, formula: sp.Expr, points: Sequence[Point], *, show: Show = plain_text) -> Diagnosis:
    """The most likely mistake in ``formula``, a wrong formula for ``d``'s derivative.

    Args:
        d: the true derivation.
        formula: the formula in node symbols (as parsed).
        points: the points it was checked at (node and δ values included).
        show: how the sentence writes names and expressions (the student's aliases).
    """
    values = _floats(points, formula)
    truth = _floats(points, d.delta_form)
    c = _constant(values, truth)
    if c is not None and c not in (0, 1):
        return Diagnosis("constant_factor", _factor_sentence(c, d.backprop), _as_rational(c))
    try:
        paths = d.path_list(max_paths=MAX_PATHS)
    except TooLargeError:
        paths = ()
    scaled = None
    for v in variants(d, paths, points, show=show):
        if v.transform is not None:
            changed = v.transform(formula)
            if changed != formula and all(_close(a, b) for a, b in zip(_floats(points, changed), truth)):
                return Diagnosis(v.kind, v.sentence)
            continue
        assert v.values is not None
        if all(_close(a, b) for a, b in zip(values, v.values)):
            return Diagnosis(v.kind, v.sentence)
        k = _constant(values, v.values)
        if scaled is None and k is not None and k not in (0, 1) and any(
            e is not None and abs(e) > 1e-9 for e in v.values
        ):
            scaled = (v, k)
    if scaled is not None:
        v, k = scaled
        return Diagnosis(v.kind, f"{v.sentence[:-1]}, and the result is off by a factor {k}.", _as_rational(k))
    return Diagnosis("unknown", _UNKNOWN)
