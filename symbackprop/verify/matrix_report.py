"""The verdict on a vector/matrix formula: a value that prints itself as text, JSON, Markdown, HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass

from symbackprop.graph import Network
from symbackprop.graph.notation import plain
from symbackprop.read.matrix import M, node_text

from .diagnose import Diagnosis
from .report import Report
from .verdict import Counterexample

__all__ = ["MatrixVerdict", "VECTOR_MISTAKES"]

#: The vector-form mistakes recognised, in the order they are tried.
VECTOR_MISTAKES = (
    "transposed_gradient", "missing_transpose", "extra_transpose", "hadamard_for_product",
    "product_for_hadamard", "factor_order", "missing_activation_derivative",
    "extra_activation_derivative", "wrong_layer", "constant_factor", "undefined_product", "wrong_shape",
)


@dataclass(frozen=True)
class MatrixVerdict(Report):
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
        batch: the examples of the batch it was checked on, for batch notation (else ``None``).
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
    kink: None = None  # a vector form is compared away from kinks
    constraint: str | None = None
    notes: tuple[str, ...] = ()
    feedback: str = "full"
    batch: int | None = None

    @property
    def title(self) -> str:
        """``∂L/∂W⁽²⁾``; ``δ⁽¹⁾`` for an error signal."""
        if self.key[0] in ("delta", "D", "dA"):  # δ⁽¹⁾, and a batch's dZ⁽¹⁾, dA⁽¹⁾: names of their own
            return node_text("leaf", self.key)
        loss = "J" if self.batch else plain(self.graph.output)  # the batch's mean loss
        for alias, symbol in self.graph.aliases.items():
            if symbol == self.graph.output:
                loss = alias
                break
        return f"∂{loss}/∂{node_text('leaf', self.key)}"

    def _param_text(self) -> str:
        return node_text("leaf", self.key)

    def _formula_text(self) -> str:
        return self.text

    def _formula_display(self, fmt: str) -> str:
        return f"<code>{html.escape(self.text)}</code>" if fmt == "html" else f"`{self.text}`"

    def _expected_text(self) -> str:
        return self.expected_latex if "\\" in self.text else self.expected_text  # as the student typed

    def _expected_latex(self) -> str:
        return self.expected_latex

    def __repr__(self) -> str:
        return f"<MatrixVerdict {self.title}: {self.status}>"
