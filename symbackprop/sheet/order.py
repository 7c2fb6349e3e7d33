"""The order a sheet reads in, as textbooks teach it: the output layer first, and inside a
layer the weights, then the biases, in numeric index order.

Names that are not network names (the leaves of a custom graph) keep the order given.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 2])
>>> [str(p) for p in textbook_order(net.params)][:3]
['w^{(2)}_{11}', 'w^{(2)}_{12}', 'w^{(2)}_{21}']
>>> [str(p) for p in one_per_layer(net)]
['w^{(2)}_{11}', 'w^{(1)}_{11}']
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from symbackprop.graph import Network
from symbackprop.graph.notation import parse_name

__all__ = ["DETAILS", "one_per_layer", "sort_key", "textbook_order"]

#: The levels of detail of a sheet, least first.
DETAILS = ("summary", "worked", "full")

# Inside a layer: weights, then biases, then the error signals and anything else.
_KIND_RANK = {"w": 0, "b": 1}


def sort_key(symbol: sp.Symbol, position: int = 0) -> tuple[int, int, tuple[int, ...], int]:
    """Output layer first (higher layer first), then kind, then indices; others by position."""
    name = parse_name(symbol.name)
    if name is None or name.layer is None:
        return (1, 0, (), position)
    return (0, -name.layer * 10 + _KIND_RANK.get(name.kind, 2), name.indices, position)


def textbook_order(symbols: Iterable[sp.Symbol]) -> list[sp.Symbol]:
    """``symbols`` sorted by :func:`sort_key` (stable for names that are not network names)."""
    listed = list(symbols)
    return [s for _, s in sorted(((sort_key(s, k), s) for k, s in enumerate(listed)), key=lambda t: t[0])]


def one_per_layer(net: Network) -> list[sp.Symbol]:
    """The first weight of every layer, output layer first: the parameters a ``worked``
    sheet works in full."""
    return [net.W[l][0][0] for l in range(len(net.layers) - 1, 0, -1)]
