"""The pieces a derivation is made of: Leibniz factors, paths, and δ definitions (plain values)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symbackprop.errors import TooLargeError

__all__ = ["Factor", "Path", "Delta", "count_paths", "list_paths"]

Consumers = Callable[[sp.Symbol], tuple[sp.Symbol, ...]]


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


def list_paths(wrt: sp.Symbol, output: sp.Symbol, consumers: Consumers, adjoint: Callable[[sp.Symbol], sp.Expr],
               partial: Callable[[sp.Symbol, sp.Symbol], sp.Expr], max_paths: int) -> tuple[Path, ...]:
    """Every path from ``wrt`` to ``output`` through live consumers, with its factors.

    ``consumers`` is the backprop's view (a network's layers, never its scalar graph).

    Raises:
        TooLargeError: more than ``max_paths`` paths.
    """
    found: list[Path] = []
    stack: list[list[sp.Symbol]] = [[wrt]]  # depth first without recursion
    while stack:
        nodes = stack.pop()
        here = nodes[-1]
        if here == output:
            factors = tuple(Factor(child, parent, partial(child, parent))
                            for parent, child in zip(reversed(nodes[:-1]), reversed(nodes[1:])))
            if len(found) >= max_paths:
                raise TooLargeError(f"paths of {wrt.name}: more than {max_paths} chain-rule paths lead "
                                    "to the output; read the δ form instead, or raise max_paths")
            found.append(Path(tuple(nodes), factors))
            continue
        stack.extend(nodes + [c] for c in reversed(consumers(here)) if adjoint(c) != 0)
    return tuple(found)


def count_paths(wrt: sp.Symbol, output: sp.Symbol, consumers: Consumers,
                adjoint: Callable[[sp.Symbol], sp.Expr]) -> int:
    """How many paths :func:`list_paths` would list, counted without listing them."""
    memo: dict[sp.Symbol, int] = {output: 1}
    stack = [wrt]
    while stack:  # consumers first, without recursion: a graph's depth is no recursion limit
        s = stack.pop()
        live = [c for c in consumers(s) if adjoint(c) != 0]
        if s not in memo and all(c in memo for c in live):
            memo[s] = sum(memo[c] for c in live)
        elif s not in memo:
            stack += [s, *(c for c in live if c not in memo)]
    return memo[wrt]
