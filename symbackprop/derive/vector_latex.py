"""LaTeX of a :class:`~symbackprop.derive.vector.VectorForm`: per sample and for a batch.

Vectors are bold (``\\mathbf{z}^{(l)}``, ``\\boldsymbol{\\delta}^{(l)}``), matrices capital
(``W^{(l)}``; ``Z^{(l)}``, ``A^{(l)}``, ``\\Delta^{(l)}`` hold one column per sample), and a
product of two vectors is the elementwise (Hadamard) product ``\\odot``.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.derive.vector import vector_form
>>> lines = vector_form(mlp([2, 2, 2])).latex_lines(batch=False)
>>> print(lines[0])
\\mathbf{z}^{(1)} = W^{(1)} \\mathbf{x} + \\mathbf{b}^{(1)}
>>> print(lines[6])
\\boldsymbol{\\delta}^{(1)} = \\left(W^{(2)}\\right)^{\\top} \\boldsymbol{\\delta}^{(2)} \\odot \\sigma'\\left(\\mathbf{z}^{(1)}\\right) = \\left(W^{(2)}\\right)^{\\top} \\boldsymbol{\\delta}^{(2)} \\odot \\mathbf{a}^{(1)} \\odot \\left(1 - \\mathbf{a}^{(1)}\\right)
"""

from __future__ import annotations

from typing import Any, Protocol

import sympy as sp

from symbackprop.graph import Network
from symbackprop.graph.printing import NotationLatexPrinter

from .layer_rules import ALPHA, ETA, LayerRule, T

__all__ = ["vector_latex_lines", "aligned", "ElementwiseLatexPrinter"]


class VectorFormLike(Protocol):
    """What the printer reads of a :class:`symbackprop.derive.vector.VectorForm` (read-only)."""

    @property
    def network(self) -> Network: ...

    @property
    def rules(self) -> tuple[LayerRule, ...]: ...

    @property
    def output_rule(self) -> str: ...

    @property
    def constraint(self) -> str | None: ...

    @property
    def gradient_entry(self) -> sp.Expr | None: ...

    @property
    def output_entry(self) -> sp.Expr | None: ...

    @property
    def depth(self) -> int: ...

    @property
    def reduction(self) -> str: ...


class ElementwiseLatexPrinter(NotationLatexPrinter):
    """The project printer, with products of several vectors written with ``\\odot``."""

    def _print_Mul(self, expr: sp.Mul, **kwargs: Any) -> str:
        coeff, factors = expr.as_coeff_mul()
        if any(f.is_Pow and f.exp.is_negative for f in factors) or len(factors) < 2:
            return super()._print_Mul(expr, **kwargs)
        parts = [r"\left(%s\right)" % self._print(f) if f.is_Add else self._print(f) for f in factors]
        body = r" \odot ".join(parts)
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return self._print(coeff) + " " + body


def _print(expr: sp.Expr) -> str:
    return ElementwiseLatexPrinter().doprint(expr)


def aligned(lines: list[str]) -> str:
    """Equations ``lhs = rhs`` in one ``aligned`` block, aligned at their first ``=``."""
    body = " \\\\\n".join(line.replace(" = ", " &= ", 1) for line in lines)
    return "\\begin{aligned}\n" + body + "\n\\end{aligned}"


class _Names:
    """The LaTeX names of one form: per sample (bold vectors) or batch (capital matrices)."""

    def __init__(self, batch: bool) -> None:
        self.batch = batch

    def z(self, l: int) -> str:
        return "Z^{(%d)}" % l if self.batch else r"\mathbf{z}^{(%d)}" % l

    def a(self, l: int) -> str:
        if l == 0:
            return "X" if self.batch else r"\mathbf{x}"
        return "A^{(%d)}" % l if self.batch else r"\mathbf{a}^{(%d)}" % l

    def delta(self, l: int) -> str:
        return r"\Delta^{(%d)}" % l if self.batch else r"\boldsymbol{\delta}^{(%d)}" % l

    @property
    def y(self) -> str:
        return "Y" if self.batch else r"\mathbf{y}"

    def loss(self) -> str:
        return r"\bar{L}" if self.batch else "L"


def _rule_expr(expr: sp.Expr, names: _Names, l: int) -> str:
    sub = {T: sp.Symbol(names.z(l), real=True), ALPHA: sp.Symbol(names.a(l), real=True),
           ETA: sp.Symbol(names.y, real=True)}
    return _print(expr.xreplace(sub))


def _f(rule: LayerRule, arg: str, prime: bool = False) -> str:
    name = rule.activation.latex
    if prime and "^" in name:
        name = "{%s}" % name  # (\cdot)^3' would be a double superscript
    return r"%s%s\left(%s\right)" % (name, "'" if prime else "", arg)


def _forward(vf: VectorFormLike, names: _Names) -> list[str]:
    lines = []
    for rule in vf.rules:
        l = rule.layer
        rhs = f"W^{{({l})}} {names.a(l - 1)}"
        if rule.bias:
            rhs += r" + \mathbf{b}^{(%d)}" % l + (r" \mathbf{1}_m^{\top}" if names.batch else "")
        lines.append(f"{names.z(l)} = {rhs}")
        lines.append(f"{names.a(l)} = {_f(rule, names.z(l))}")
    return lines


def _output_delta(vf: VectorFormLike, names: _Names) -> list[str]:
    L, rule = vf.depth, vf.rules[-1]
    lhs, a, y = names.delta(L), names.a(L), names.y
    grad = r"\nabla_{%s} L" % a
    lines = []
    if vf.output_rule == "a - y":
        note = r" \quad \text{(using } %s\text{)}" % vf.constraint if vf.constraint else ""
        return [f"{lhs} = {a} - {y}{note}"]
    if vf.gradient_entry is not None and not names.batch:
        lines.append(f"{grad} = {_rule_expr(vf.gradient_entry, names, L)}")
    if vf.output_rule == "hadamard":
        text = f"{lhs} = {grad} \\odot {_f(rule, names.z(L), prime=True)}"
        if vf.output_entry is not None:
            text += f" = {_rule_expr(vf.output_entry, names, L)}"
        lines.append(text)
    else:
        g = r"\nabla_{%s} L" % a
        ones = r"\mathbf{1}\mathbf{1}^{\top}" if names.batch else r"\mathbf{1}"
        inner = r"%s \odot %s" % (a, g) if names.batch else r"\left(%s\right)^{\top} %s" % (a, g)
        head = f"{lhs} = " + ("" if names.batch else
                              f"J_{{{rule.activation.latex}}}\\left({names.z(L)}\\right)^{{\\top}} {g} = ")
        lines.append(head + f"{a} \\odot \\left({g} - {ones} \\left({inner}\\right)\\right)")
    return lines


def _hidden_deltas(vf: VectorFormLike, names: _Names) -> list[str]:
    lines = []
    for rule in reversed(vf.rules[:-1]):
        l = rule.layer
        back = r"\left(W^{(%d)}\right)^{\top} %s" % (l + 1, names.delta(l + 1))
        if rule.coupled:
            lines.append(f"{names.delta(l)} = {names.a(l)} \\odot \\left({back} - \\mathbf{{1}}"
                         f"\\left(\\left({names.a(l)}\\right)^{{\\top}} {back}\\right)\\right)")
            continue
        text = f"{names.delta(l)} = {back} \\odot {_f(rule, names.z(l), prime=True)}"
        if rule.derivative is not None and not rule.derivative.is_Atom:
            text += f" = {back} \\odot " + _wrap(_rule_expr(rule.derivative, names, l), rule.derivative)
        elif rule.derivative == 1:
            text = f"{names.delta(l)} = {back}"
        lines.append(text)
    return lines


def _transposed(name: str) -> str:
    return name + r"^{\top}" if "^" not in name else r"\left(%s\right)^{\top}" % name


def _wrap(text: str, expr: sp.Expr) -> str:
    return r"\left(%s\right)" % text if expr.is_Add else text


def _gradients(vf: VectorFormLike, names: _Names) -> list[str]:
    lines = []
    scale = r"\frac{1}{m} " if names.batch and vf.reduction == "mean" else ""
    loss = names.loss()
    for rule in vf.rules:
        l = rule.layer
        lines.append(r"\frac{\partial %s}{\partial W^{(%d)}} = %s%s %s"
                     % (loss, l, scale, names.delta(l), _transposed(names.a(l - 1))))
        if rule.bias:
            ones = r" \mathbf{1}_m" if names.batch else ""
            lines.append(r"\frac{\partial %s}{\partial \mathbf{b}^{(%d)}} = %s%s%s"
                         % (loss, l, scale, names.delta(l), ones))
    return lines


def vector_latex_lines(vf: VectorFormLike, *, batch: bool = True) -> list[str]:
    """The form's equations in LaTeX, one string per equation, in the order of a sheet.

    Per sample: the forward pass, the output δ, the δ recursion, the gradients.  With
    ``batch``, the same for a matrix of ``m`` samples (one column each), preceded by the
    definition of the batch loss ``\\bar{L}`` (mean or sum over samples, per reduction).
    """
    one = _Names(batch=False)
    lines = _forward(vf, one) + _output_delta(vf, one) + _hidden_deltas(vf, one) + _gradients(vf, one)
    if batch:
        many = _Names(batch=True)
        mean = r"\frac{1}{m} " if vf.reduction == "mean" else ""
        args = r"\mathbf{x}_s, \mathbf{y}_s" if vf.network.y else r"\mathbf{x}_s"
        lines.append(r"\bar{L} = %s\sum_{s=1}^{m} L\left(%s\right)" % (mean, args))
        lines += _forward(vf, many) + _output_delta(vf, many) + _hidden_deltas(vf, many)
        lines += _gradients(vf, many)
    return lines
