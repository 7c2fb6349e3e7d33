"""How a verdict shows itself (plain text, JSON, Markdown and HTML, the same for every kind),
and its counterexample.

A scalar :class:`~symbackprop.verify.verdict.Verdict` and a vector-form
:class:`~symbackprop.verify.matrix_report.MatrixVerdict` hold different things (SymPy
expressions, or formulas already printed), so each says how its parts read; the layout of
the report is written once, here.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.verify import verify
>>> v = verify(mlp([1, 1, 1]), "w2_11", "(a2_1 - y1) * a1_1")
>>> v.lines()[0]
'∂L/∂w2_11: wrong (numeric, 6 random points)'
>>> v.lines()[2]
'  formula:  (a2_1 - y1) * a1_1'
>>> v.as_dict()["diagnosis"]["kind"]
'missing_activation_derivative'
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from symbackprop.errors import SymbackpropError
from symbackprop.graph.notation import plain


if TYPE_CHECKING:
    from .diagnose import Diagnosis

__all__ = ["HEADLINES", "Counterexample", "Report", "FEEDBACK", "HINTS", "hint", "check_feedback"]

HEADLINES = {
    "correct": "correct",
    "correct_almost_everywhere": "correct except on a set of measure zero",
    "correct_under_constraint": "correct under the constraint Σ_k y_k = 1",
    "wrong": "wrong",
}


# ----- how much a verdict gives away, and each kind of mistake in words without its answer
#: How much a verdict gives away, least first: the status and the numbers; also the mistake in
#: words and a counterexample; also the full diagnosis and the correct formula.
FEEDBACK = ("verdict", "hint", "full")

HINTS = {
    # scalar formulas
    "constant_factor": "Off by a constant factor{factor}: the formula is right up to a number.",
    "missing_activation_derivative": "A factor is missing where the chain rule passes through an activation.",
    "activation_derivative_wrong_layer": "An activation derivative is taken at the wrong layer.",
    "input_wrong_layer": "The input to the weight comes from the wrong layer.",
    "missing_path": "A path from the parameter to the loss is missing: the parameter reaches the loss "
                    "through more than one neuron.",
    "extra_path": "The formula sums over a path that does not lead from the parameter to the loss.",
    "swapped_indices": "Two indices are swapped: check which neuron a weight leads to and which it comes from.",
    "wrong_index": "An index is wrong: one quantity belongs to another neuron.",
    "wrong_layer": "A quantity is taken from the wrong layer.",
    "wrong_parameter": "The formula is the derivative with respect to another parameter.",
    "missing_factor": "A factor of the chain rule is missing.",
    # vector and matrix formulas
    "transposed_gradient": "The result has the transposed shape: the gradient has the shape of what it "
                           "differentiates.",
    "missing_transpose": "A transpose is missing: check which way each matrix in a product must face.",
    "extra_transpose": "A transpose does not belong.",
    "hadamard_for_product": "An entry-by-entry product (⊙) stands where a matrix product belongs.",
    "product_for_hadamard": "A matrix product stands where the entry-by-entry product (⊙) belongs.",
    "factor_order": "The factors of a matrix product are in the wrong order.",
    "extra_activation_derivative": "The chain rule passes through an activation only once; one derivative "
                                   "does not belong.",
    "undefined_product": "A product or sum in the formula is not defined for these shapes.",
    "wrong_shape": "The result does not have the shape of what is differentiated.",
    "unknown": "The formula differs from the derivative and matches none of the usual mistakes.",
}
_DEFAULT = "The formula differs from the derivative."


def hint(kind: str, factor: object = None) -> str:
    """The sentence for mistakes of ``kind``; ``factor`` is said for a constant factor.  A kind
    missing from :data:`HINTS` says only that the formula differs, so no new kind leaks its answer.

    >>> hint("missing_transpose")
    'A transpose is missing: check which way each matrix in a product must face.'
    >>> hint("constant_factor", 2)
    'Off by a constant factor (2): the formula is right up to a number.'
    """
    shown = "" if factor in (None, 1, sp.S.One) else f" ({factor})"
    return HINTS.get(kind, _DEFAULT).replace("{factor}", shown)


def check_feedback(level: object) -> str:
    """``level`` when it is one of :data:`FEEDBACK`.

    Raises:
        SymbackpropError: another value, named with the ones expected.
    """
    if level not in FEEDBACK:
        raise SymbackpropError(f"feedback: expected one of {', '.join(FEEDBACK)}, received {level!r}")
    return level  # type: ignore[return-value]


_MAX_SHOWN = 12


def _number(v: sp.Expr | None) -> str:
    """Six significant digits; SymPy's form beyond float range (a float would print inf)."""
    if v is None:
        return "undefined"
    x = float(v)
    return f"{x:.6g}" if abs(x) != float("inf") else str(sp.N(v, 6))


def _finite(v: sp.Expr | None) -> float | None:
    """A float for JSON, or ``None`` when undefined or beyond float range (JSON has no inf)."""
    if v is None:
        return None
    x = float(v)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Counterexample:
    """A point (leaf values) with the formula's value and the derivative's value there."""

    point: dict[sp.Symbol, sp.Expr]
    formula_value: sp.Expr | None
    expected_value: sp.Expr | None
    where: str = ""

    def point_text(self, renames: Mapping[sp.Symbol, sp.Symbol] | None = None) -> str:
        renames = renames or {}
        items = [f"{plain(renames.get(s, s))} = {v}" for s, v in self.point.items()]
        more = len(items) - _MAX_SHOWN
        return ", ".join(items[:_MAX_SHOWN]) + (f", ... ({more} more)" if more > 0 else "")

    def as_dict(self, renames: Mapping[sp.Symbol, sp.Symbol] | None = None) -> dict[str, Any]:
        """The point and both values, for JSON (``None`` where a value is undefined)."""
        renames = renames or {}
        return {
            "point": {plain(renames.get(s, s)): _finite(v) for s, v in self.point.items()},
            "formula_value": _finite(self.formula_value),
            "expected_value": _finite(self.expected_value),
            "where": self.where or None,
        }

    def values_text(self) -> str:
        return (f"the formula gives {_number(self.formula_value)}, "
                f"the derivative is {_number(self.expected_value)}")


def mathml(tex: str) -> str:
    """MathML for a display; the LaTeX as code where it cannot be converted."""
    try:
        from latex2mathml.converter import convert

        return convert(tex)
    except Exception:  # noqa: BLE001 - a display must never fail; fall back to text
        return f"<code>{html.escape(tex)}</code>"


class Report:
    """The shared layout of a verdict.  A subclass is a dataclass with ``status``,
    ``method``, ``diagnosis``, ``counterexample``, ``kink``, ``constraint``, ``notes`` and
    ``feedback``, and says how its own parts read through the methods below.

    ``feedback`` (:data:`FEEDBACK`) decides what is shown: with
    ``"verdict"`` the status, the method and the notes; with ``"hint"`` also the kind of
    mistake in words (:data:`HINTS`) and a counterexample; with ``"full"`` also the whole
    diagnosis and the correct formula.  :meth:`with_feedback` gives a copy at another level.
    """

    status: str
    method: str
    diagnosis: Diagnosis | None
    counterexample: Counterexample | None
    kink: Counterexample | None
    constraint: str | None
    notes: tuple[str, ...]
    feedback: str

    def with_feedback(self, level: str) -> Report:
        """This verdict, shown at ``level`` (``"verdict"``, ``"hint"`` or ``"full"``)."""
        return dataclasses.replace(self, feedback=check_feedback(level))  # type: ignore[type-var]

    def _mistake(self) -> str | None:
        """The mistake as this level of feedback says it, or ``None``."""
        if self.diagnosis is None or self.feedback == "verdict":
            return None
        if self.feedback == "hint":
            return hint(self.diagnosis.kind, self.diagnosis.factor if self.diagnosis.kind == "constant_factor" else None)
        return self.diagnosis.sentence

    @property
    def _gives_answer(self) -> bool:
        return self.feedback == "full"

    @property
    def _gives_numbers(self) -> bool:
        return self.feedback != "verdict"

    # ----- what each kind of verdict says of itself
    @property
    def title(self) -> str:
        raise NotImplementedError

    def _title_markdown(self) -> str:
        return self.title

    def _param_text(self) -> str:
        raise NotImplementedError

    def _formula_text(self) -> str:
        raise NotImplementedError

    def _formula_display(self, fmt: str) -> str:
        """The formula in Markdown (``"md"``) or HTML (``"html"``)."""
        raise NotImplementedError

    def _expected_text(self) -> str:
        """The correct formula in the form the student typed (LaTeX if they typed LaTeX)."""
        raise NotImplementedError

    def _expected_latex(self) -> str:
        raise NotImplementedError

    def _point_text(self, c: Counterexample) -> str:
        return c.point_text()

    def _counterexample_dict(self, c: Counterexample | None) -> dict[str, Any] | None:
        return None if c is None else c.as_dict()

    # ----- the layout
    @property
    def ok(self) -> bool:
        """True unless the formula is wrong (a formula right almost everywhere is fine)."""
        return self.status != "wrong"

    @property
    def headline(self) -> str:
        return HEADLINES[self.status]

    def lines(self) -> list[str]:
        """The verdict as short lines of plain text."""
        out = [f"{self.title}: {self.headline} ({self.method})"]
        mistake = self._mistake()
        if mistake is not None:
            out.append(f"  mistake: {mistake}")
        out.append(f"  formula:  {self._formula_text()}")
        if self.status != "correct" and self._gives_answer:
            out.append(f"  correct:  {self._expected_text()}")
        c = self.counterexample if self._gives_numbers else None
        if c is not None:
            label = "counterexample" if self.status == "wrong" else "off the constraint"
            where = f" {c.where}" if c.where else ""
            out.append(f"  {label}{where}: at {self._point_text(c)}: {c.values_text()}")
        if self.kink is not None and self._gives_numbers:
            k = self.kink
            out.append(f"  at the kink {k.where}: {k.values_text()} (at {self._point_text(k)})")
        out.extend(f"  note: {n}" for n in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict[str, Any]:
        """The verdict for autograders (``--json``): ``status``, ``method``, ``expected`` in
        LaTeX and the student's names, ``diagnosis`` (``kind``, ``message``) or ``None``,
        ``counterexample`` or ``None``, and the formula as typed."""
        mistake = self._mistake()
        return {
            "param": self._param_text(),
            "formula": self._formula_text(),
            "status": self.status,
            "method": self.method,
            "expected": self._expected_latex() if self._gives_answer else None,
            "diagnosis": None if mistake is None else {
                "kind": self.diagnosis.kind, "message": mistake},  # type: ignore[union-attr]
            "counterexample": self._counterexample_dict(self.counterexample if self._gives_numbers else None),
            "kink": self._counterexample_dict(self.kink if self._gives_numbers else None),
            "constraint": self.constraint,
            "notes": list(self.notes),
            "feedback": self.feedback,
        }

    # ----- Jupyter
    def _repr_markdown_(self) -> str:
        lines = [f"**{self._title_markdown()}: {self.headline}** ({self.method})", ""]
        mistake = self._mistake()
        if mistake is not None:
            lines += [f"*Mistake:* {mistake}", ""]
        lines += [f"- formula: {self._formula_display('md')}"]
        if self.status != "correct" and self._gives_answer:
            lines += [f"- correct: $${self._expected_latex()}$$"]
        if self.counterexample is not None and self._gives_numbers:
            c = self.counterexample
            lines += [f"- {'counterexample' if self.status == 'wrong' else 'off the constraint'}: "
                      f"at {self._point_text(c)}, {c.values_text()}"]
        if self.kink is not None and self._gives_numbers:
            lines += [f"- at the kink {self.kink.where}: {self.kink.values_text()}"]
        lines += [f"- note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#cf222e"
        rows = [f"<p><b style='color:{colour}'>{html.escape(self.title)}: "
                f"{html.escape(self.headline)}</b> ({html.escape(self.method)})</p>"]
        mistake = self._mistake()
        if mistake is not None:
            rows.append(f"<p><i>Mistake:</i> {html.escape(mistake)}</p>")
        rows.append("<table>")
        rows.append(f"<tr><th>formula</th><td>{self._formula_display('html')}</td></tr>")
        if self.status != "correct" and self._gives_answer:
            rows.append(f"<tr><th>correct</th><td>{mathml(self._expected_latex())}</td></tr>")
        for label, c in (("counterexample", self.counterexample), ("at the kink", self.kink)):
            if c is not None and self._gives_numbers:
                where = html.escape(c.where + ": " if c.where else "")
                rows.append(f"<tr><th>{label}</th><td>{where}at {html.escape(self._point_text(c))}: "
                            f"{html.escape(c.values_text())}</td></tr>")
        rows.append("</table>")
        rows += [f"<p>note: {html.escape(n)}</p>" for n in self.notes]
        return "\n".join(rows)
