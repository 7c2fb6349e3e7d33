"""What every section builder of a sheet reads: the graph, its derivation, the numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symbackprop.derive import Backprop
from symbackprop.derive.evaluate import Numbers
from symbackprop.graph import Graph, Network

from .lang import count, say, spans
from .model import Span

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
    lang: str = "en"

    def say(self, key: str, **fields: object) -> str:
        """A phrase of the sheet's language, as text (:func:`symbackprop.sheet.lang.say`)."""
        return say(self.lang, key, **fields)

    def spans(self, key: str, **fields: object) -> tuple[Span, ...]:
        """A phrase of the sheet's language, as spans with its math kept."""
        return spans(self.lang, key, **fields)

    def count(self, n: int, noun: str) -> str:
        """``2 paths`` in the sheet's language."""
        return count(self.lang, n, noun)

    @property
    def net(self) -> Network | None:
        return self.graph if isinstance(self.graph, Network) else None

    @property
    def is_loss(self) -> bool:
        """A network's output is its loss; a custom graph's only when it has targets
        (f = (x + y) z is no loss)."""
        return self.net is not None or bool(self.graph.leaves("target"))

    @property
    def output_word(self) -> str:
        """"loss" or "output", in the sheet's language."""
        return self.say("loss" if self.is_loss else "output")

    @property
    def leaves_only(self) -> bool:
        """A graph without parameters: the sheet differentiates its leaves instead."""
        return not self.graph.params

    @property
    def differentiated_plural(self) -> str:
        """"parameters", or "leaves" for a graph without any, in the sheet's language."""
        return self.say("n.leaf" if self.leaves_only else "n.parameter").split("|")[1]

    @property
    def leaf_kinds(self) -> str:
        """The kinds of leaf this graph has, plural and joined: "inputs and parameters"."""
        words = [self.say("n." + k).split("|")[1] for k in ("input", "target", "parameter") if self.graph.leaves(k)]
        if len(words) <= 1:
            return "".join(words)
        return ", ".join(words[:-1]) + self.say("and") + words[-1]

    @property
    def small(self) -> bool:
        return len(self.graph.nodes) <= SMALL_NODES
