"""The pieces a derivation is made of: Leibniz factors, paths, and δ definitions (plain values)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Factor", "Path", "Delta"]


@dataclass(frozen=True)
class Factor:
    """One factor ``∂of/∂wrt`` of a Leibniz product, with its worked-out ``value``."""

    of: sp.Symbol
    wrt: sp.Symbol
    value: sp.Expr


@dataclass(frozen=True)
class Path:
    """One path from a parameter to the output and the product of its partials.

    ``nodes`` runs from the parameter to the output; ``factors`` in Leibniz order, output
    first (``∂L/∂a · ∂a/∂z · ∂z/∂w``).
    """

    nodes: tuple[sp.Symbol, ...]
    factors: tuple[Factor, ...]

    @property
    def product(self) -> sp.Expr:
        return sp.Mul(*[f.value for f in self.factors])


@dataclass(frozen=True)
class Delta:
    """The error signal of one δ-node and its definition.

    Attributes:
        symbol: ``δ^{(l)}_j``.
        node: the node it belongs to, ``z^{(l)}_j``.
        chain: the chain rule as derived: ``Σ_c (adjoint of c)·∂c/∂node``.
        expr: the form used downstream: ``chain`` simplified when that is shorter
            (``a - y`` for sigmoid with binary cross entropy).
        constraint: the assumption ``expr`` relies on, if any (``Σ_k y_k = 1``).
    """

    symbol: sp.Symbol
    node: sp.Symbol
    chain: sp.Expr
    expr: sp.Expr
    constraint: str | None = None
