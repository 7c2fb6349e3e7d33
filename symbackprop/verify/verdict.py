"""The result of checking a formula: a value that prints itself as text, Markdown and HTML."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symbackprop.derive import Derivation
from symbackprop.graph import latex, plain_text
from symbackprop.graph.notation import plain

from .diagnose import Diagnosis

__all__ = ["Verdict", "Counterexample", "alias_renames"]

_HEADLINES = {
    "correct": "correct",
    "correct_almost_everywhere": "correct except on a set of measure zero",
    "correct_under_constraint": "correct under the constraint Σ_k y_k = 1",
    "wrong": "wrong",
}
_MAX_SHOWN = 12


def _number(v: sp.Expr | None) -> str:
    """Six significant digits; SymPy's form beyond float range (a float would print inf)."""
    if v is None:
        return "undefined"
    x = float(v)
    return f"{x:.6g}" if abs(x) != float("inf") else str(sp.N(v, 6))


def alias_renames(graph: object) -> dict[sp.Symbol, sp.Symbol]:
    """Each symbol of ``graph`` that has an alias, and a symbol printing as its first alias."""
    out: dict[sp.Symbol, sp.Symbol] = {}
    for alias, symbol in getattr(graph, "aliases", {}).items():
        out.setdefault(symbol, sp.Symbol(alias, real=True))
    return out


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


@dataclass(frozen=True)
class Verdict:
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

    @property
    def ok(self) -> bool:
        """True unless the formula is wrong (a formula right almost everywhere is fine)."""
        return self.status != "wrong"

    @property
    def headline(self) -> str:
        return _HEADLINES[self.status]

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

    def _formula_text(self) -> str:
        return self.text if self.text is not None else plain_text(self.formula)

    def _point_text(self, c: Counterexample) -> str:
        return c.point_text(self.renames)

    def lines(self) -> list[str]:
        """The verdict as short lines of plain text."""
        out = [f"{self.title}: {self.headline} ({self.method})"]
        if self.diagnosis is not None:
            out.append(f"  mistake: {self.diagnosis.sentence}")
        out.append(f"  formula:  {self._formula_text()}")
        if self.status != "correct":
            latex_typed = self.text is not None and "\\" in self.text  # answer as the student wrote
            shown = self.shown(self.expected)
            out.append(f"  correct:  {latex(shown) if latex_typed else plain_text(shown)}")
        if self.counterexample is not None:
            c = self.counterexample
            label = "counterexample" if self.status == "wrong" else "off the constraint"
            where = f" {c.where}" if c.where and self.status == "wrong" else ""
            out.append(f"  {label}{where}: at {self._point_text(c)}: {c.values_text()}")
        if self.kink is not None:
            k = self.kink
            out.append(f"  at the kink {k.where}: {k.values_text()} (at {self._point_text(k)})")
        out.extend(f"  note: {n}" for n in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict[str, Any]:
        """The verdict for autograders (``--json``): ``status``, ``method``, ``expected`` in
        LaTeX and the student's names, ``diagnosis`` (``kind``, ``message``) or ``None``,
        ``counterexample`` or ``None``, and the formula as typed.

        >>> from symbackprop.graph.mlp import mlp
        >>> from symbackprop.verify import verify
        >>> d = verify(mlp([1, 1, 1]), "w2_11", "(a2_1 - y1) * a1_1").as_dict()
        >>> d["status"], d["diagnosis"]["kind"], sorted(d["counterexample"])
        ('wrong', 'missing_activation_derivative', ['expected_value', 'formula_value', 'point', 'where'])
        """
        renames = self.renames
        return {
            "param": plain(self.shown(self.param)),
            "formula": self._formula_text(),
            "status": self.status,
            "method": self.method,
            "expected": latex(self.shown(self.expected)),
            "diagnosis": None if self.diagnosis is None else {
                "kind": self.diagnosis.kind, "message": self.diagnosis.sentence},
            "counterexample": None if self.counterexample is None else self.counterexample.as_dict(renames),
            "kink": None if self.kink is None else self.kink.as_dict(renames),
            "constraint": self.constraint,
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return f"<Verdict {self.title}: {self.status}>"

    # ----- Jupyter
    def _repr_markdown_(self) -> str:
        out = latex(self.shown(self.derivation.graph.output))
        wrt = latex(self.shown(self.param))
        lines = [f"**$\\partial {out}/\\partial {wrt}$: {self.headline}** ({self.method})", ""]
        if self.diagnosis is not None:
            lines += [f"*Mistake:* {self.diagnosis.sentence}", ""]
        lines += [f"- formula: $${latex(self.formula)}$$"]
        if self.status != "correct":
            lines += [f"- correct: $${latex(self.shown(self.expected))}$$"]
        if self.counterexample is not None:
            c = self.counterexample
            lines += [f"- {'counterexample' if self.status == 'wrong' else 'off the constraint'}: "
                      f"at {self._point_text(c)}, {c.values_text()}"]
        if self.kink is not None:
            lines += [f"- at the kink {self.kink.where}: {self.kink.values_text()}"]
        lines += [f"- note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def math(expr: sp.Expr) -> str:
            try:
                from latex2mathml.converter import convert

                return convert(latex(expr))
            except Exception:  # noqa: BLE001 - a display must never fail; fall back to text
                return f"<code>{html.escape(latex(expr))}</code>"

        colour = "#1a7f37" if self.ok else "#cf222e"
        rows = [f"<p><b style='color:{colour}'>{html.escape(self.title)}: "
                f"{html.escape(self.headline)}</b> ({html.escape(self.method)})</p>"]
        if self.diagnosis is not None:
            rows.append(f"<p><i>Mistake:</i> {html.escape(self.diagnosis.sentence)}</p>")
        rows.append("<table>")
        rows.append(f"<tr><th>formula</th><td>{math(self.formula)}</td></tr>")
        if self.status != "correct":
            rows.append(f"<tr><th>correct</th><td>{math(self.shown(self.expected))}</td></tr>")
        for label, c in (("counterexample", self.counterexample), ("at the kink", self.kink)):
            if c is not None:
                rows.append(f"<tr><th>{label}</th><td>{html.escape(c.where + ': ' if c.where else '')}"
                            f"at {html.escape(self._point_text(c))}: {html.escape(c.values_text())}</td></tr>")
        rows.append("</table>")
        rows += [f"<p>note: {html.escape(n)}</p>" for n in self.notes]
        return "\n".join(rows)
