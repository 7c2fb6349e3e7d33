"""The verdict on a vector/matrix formula: a value that prints itself as text, JSON, Markdown, HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from symbackprop.graph import Network
from symbackprop.graph.notation import plain
from symbackprop.read.matrix import M, node_text

from .diagnose import Diagnosis
from .verdict import _HEADLINES, Counterexample

__all__ = ["MatrixVerdict", "VECTOR_MISTAKES"]

#: The vector-form mistakes recognised, in the order they are tried.
VECTOR_MISTAKES = (
    "transposed_gradient", "missing_transpose", "extra_transpose", "hadamard_for_product",
    "product_for_hadamard", "factor_order", "missing_activation_derivative",
    "extra_activation_derivative", "wrong_layer", "constant_factor", "undefined_product", "wrong_shape",
)


@dataclass(frozen=True)
class MatrixVerdict:
    """Whether a vector/matrix formula for ``∂L/∂key`` is right, and why not.

    Attributes:
        status: ``"correct"``, ``"correct_under_constraint"`` (softmax with cross entropy:
            right only when the targets sum to 1) or ``"wrong"``.
        key: what is differentiated: ``("w", 2)`` for ``W⁽²⁾``, ``("delta", 1)`` for ``δ⁽¹⁾``.
        formula: the formula as read (a :class:`~symbackprop.read.matrix.M` tree).
        text: the formula as typed.
        expected_latex, expected_text: the correct formula in vector form.
        method: ``"shapes"`` (the shapes settled it) or the numeric comparison made.
        diagnosis: for ``wrong``, the mistake; counterexample: an entry where they differ.
    """

    status: str
    graph: Network
    key: tuple[str, int | None]
    formula: M
    text: str
    expected_latex: str
    expected_text: str
    method: str
    diagnosis: Diagnosis | None = None
    counterexample: Counterexample | None = None
    constraint: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status != "wrong"

    @property
    def headline(self) -> str:
        return _HEADLINES[self.status]

    @property
    def title(self) -> str:
        """``∂L/∂W⁽²⁾``; ``δ⁽¹⁾`` for an error signal."""
        if self.key[0] == "delta":
            return node_text("leaf", self.key)
        loss = plain(self.graph.output)
        for alias, symbol in self.graph.aliases.items():
            if symbol == self.graph.output:
                loss = alias
                break
        return f"∂{loss}/∂{node_text('leaf', self.key)}"

    def lines(self) -> list[str]:
        out = [f"{self.title}: {self.headline} ({self.method})"]
        if self.diagnosis is not None:
            out.append(f"  mistake: {self.diagnosis.sentence}")
        out.append(f"  formula:  {self.text}")
        if self.status != "correct":  # in LaTeX when the student typed LaTeX
            out.append(f"  correct:  {self.expected_latex if chr(92) in self.text else self.expected_text}")
        c = self.counterexample
        if c is not None:
            label = "counterexample" if self.status == "wrong" else "off the constraint"
            out.append(f"  {label} {c.where}: at {c.point_text()}: {c.values_text()}")
        out.extend(f"  note: {n}" for n in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"<MatrixVerdict {self.title}: {self.status}>"

    def as_dict(self) -> dict[str, Any]:
        """As :meth:`Verdict.as_dict <symbackprop.verify.verdict.Verdict.as_dict>`."""
        c = self.counterexample
        return {
            "param": node_text("leaf", self.key),
            "formula": self.text,
            "status": self.status,
            "method": self.method,
            "expected": self.expected_latex,
            "diagnosis": None if self.diagnosis is None else {
                "kind": self.diagnosis.kind, "message": self.diagnosis.sentence},
            "counterexample": None if c is None else c.as_dict(),
            "kink": None,
            "constraint": self.constraint,
            "notes": list(self.notes),
        }

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.title}: {self.headline}** ({self.method})", ""]
        if self.diagnosis is not None:
            lines += [f"*Mistake:* {self.diagnosis.sentence}", ""]
        lines += [f"- formula: `{self.text}`"]
        if self.status != "correct":
            lines += [f"- correct: $${self.expected_latex}$$"]
        if self.counterexample is not None:
            c = self.counterexample
            lines += [f"- counterexample {c.where}: at {c.point_text()}, {c.values_text()}"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        try:
            from latex2mathml.converter import convert

            correct = convert(self.expected_latex)
        except Exception:  # noqa: BLE001 - a display must never fail; fall back to text
            correct = f"<code>{html.escape(self.expected_latex)}</code>"
        colour = "#1a7f37" if self.ok else "#cf222e"
        rows = [(f"<p><b style='color:{colour}'>{html.escape(self.title)}: {html.escape(self.headline)}</b> "
                 f"({html.escape(self.method)})</p>")]
        if self.diagnosis is not None:
            rows.append(f"<p><i>Mistake:</i> {html.escape(self.diagnosis.sentence)}</p>")
        rows.append(f"<table><tr><th>formula</th><td><code>{html.escape(self.text)}</code></td></tr>")
        if self.status != "correct":
            rows.append(f"<tr><th>correct</th><td>{correct}</td></tr>")
        rows.append("</table>")
        return "\n".join(rows)
