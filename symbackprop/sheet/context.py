"""What every section builder of a sheet reads: the graph, its derivation, the numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symbackprop.derive import Backprop
from symbackprop.derive.evaluate import Numbers
from symbackprop.graph import Graph, Network

__all__ = ["Context", "SMALL_NODES"]

#: Graphs up to this many nodes list every node and every δ definition.
SMALL_NODES = 40


@dataclass(frozen=True)
class Context:
    """What every section builder reads."""

    graph: Graph
    bp: Backprop
    numbers: Numbers | None
    assignment: dict[sp.Symbol, Any] | None
    eta: float | None
    expand: bool

    @property
    def net(self) -> Network | None:
        return self.graph if isinstance(self.graph, Network) else None

    @property
    def output_word(self) -> str:
        """"loss" for a network or a graph with targets, else "output" (f = (x + y) z is no loss)."""
        return "loss" if self.net is not None or self.graph.leaves("target") else "output"

    @property
    def leaves_only(self) -> bool:
        """A graph without parameters: the sheet differentiates its leaves instead."""
        return not self.graph.params

    @property
    def small(self) -> bool:
        return len(self.graph.nodes) <= SMALL_NODES
