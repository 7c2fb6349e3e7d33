"""The result of checking a scalar formula: a value that prints itself (:mod:`.report`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symbackprop.derive import Derivation
from symbackprop.graph import latex, plain_text
from symbackprop.graph.notation import plain

from .diagnose import Diagnosis
from .report import Counterexample, Report, mathml

__all__ = ["Verdict", "Counterexample", "alias_renames", "letters_note"]

_KIND = {"w": "W", "b": "b", "z": "z", "a": "a", "delta": "δ", "x": "x", "y": "y", "yhat": "ŷ",
         "f": "the activation function"}
_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def letters_note(graph: object) -> tuple[str, ...]:
    """The note a verdict carries when the spec renames the network's letters.

    >>> from symbackprop.graph.network import mlp
    >>> net = mlp([2, 2])
    >>> net.set_letters({"a": ("z", None), "o": ("z", 1)})
    >>> letters_note(net)
    ("read in the spec's letters (a as z, o as z⁽¹⁾); this verdict writes the network's own letters",)
    """
    letters = getattr(graph, "letters", None)
    if not letters:
        return ()
    read = ", ".join(f"{k} as {_KIND[h]}" + (f"⁽{layer}⁾".translate(_DIGITS) if layer is not None else "")
                     for k, (h, layer) in letters.items())
    return (f"read in the spec's letters ({read}); this verdict writes the network's own letters",)


def alias_renames(graph: object) -> dict[sp.Symbol, sp.Symbol]:
    """Each symbol of ``graph`` that has an alias, and a symbol printing as its first alias."""
    out: dict[sp.Symbol, sp.Symbol] = {}
    for alias, symbol in getattr(graph, "aliases", {}).items():
        out.setdefault(symbol, sp.Symbol(alias, real=True))
    return out


@dataclass(frozen=True)
class Verdict(Report):
    """Whether a formula for ``∂L/∂param`` is right, how that was established, and why not.

    Attributes:
        status: ``"correct"``, ``"correct_almost_everywhere"`` (differs only where a kink
            argument is zero), ``"correct_under_constraint"`` (right only when the targets
            sum to 1) or ``"wrong"``.
        param: the parameter.
        formula: the formula as parsed.
        text: the formula as typed, if it was text.
        expected: the correct formula (sum over paths in node symbols, or the δ form).
        method: how the verdict was reached (``"symbolic"``, ``"numeric, 6 random points"``).
        counterexample: for ``wrong`` (and off the constraint), a point where they differ.
        kink: for ``correct_almost_everywhere``, a point on a kink where they differ.
        constraint: the constraint a ``correct_under_constraint`` formula needs.
        diagnosis: for ``wrong``, what the mistake is.
        notes: how ambiguous notation in the formula was read.
        feedback: how much the verdict shows (``"full"``; ``"hint"`` hides the diagnosis's
            answer and the correct formula; ``"verdict"`` also the mistake and the numbers).
    """

    status: str
    param: sp.Symbol
    formula: sp.Expr
    expected: sp.Expr
    method: str
    derivation: Derivation = field(repr=False, compare=False)
    text: str | None = None
    counterexample: Counterexample | None = None
    kink: Counterexample | None = None
    constraint: str | None = None
    diagnosis: Diagnosis | None = None
    notes: tuple[str, ...] = ()
    feedback: str = "full"

    @property
    def renames(self) -> dict[sp.Symbol, sp.Symbol]:
        """The graph's symbols shown in the student's aliases (the spec's ``[notation]``)."""
        return alias_renames(self.derivation.graph)

    def shown(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` in the names the student uses."""
        renames = self.renames
        return expr.xreplace(renames) if renames else expr

    @property
    def title(self) -> str:
        """``∂L/∂w1_12`` (with the graph's own output name for custom graphs, or aliases)."""
        return f"∂{plain(self.shown(self.derivation.graph.output))}/∂{plain(self.shown(self.param))}"

    def _title_markdown(self) -> str:
        out, wrt = latex(self.shown(self.derivation.graph.output)), latex(self.shown(self.param))
        return f"$\\partial {out}/\\partial {wrt}$"

    def _param_text(self) -> str:
        return plain(self.shown(self.param))

    def _formula_text(self) -> str:
        return self.text if self.text is not None else plain_text(self.formula)

    def _formula_display(self, fmt: str) -> str:
        return mathml(latex(self.formula)) if fmt == "html" else f"$${latex(self.formula)}$$"

    def _expected_text(self) -> str:
        latex_typed = self.text is not None and "\\" in self.text  # answer as the student wrote
        shown = self.shown(self.expected)
        return latex(shown) if latex_typed else plain_text(shown)

    def _expected_latex(self) -> str:
        return latex(self.shown(self.expected))

    def _point_text(self, c: Counterexample) -> str:
        return c.point_text(self.renames)

    def _counterexample_dict(self, c: Counterexample | None) -> dict[str, Any] | None:
        return None if c is None else c.as_dict(self.renames)

    def __repr__(self) -> str:
        return f"<Verdict {self.title}: {self.status}>"
