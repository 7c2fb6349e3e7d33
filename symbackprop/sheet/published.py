"""Worked examples published elsewhere, and what they print after one step.

A student who holds a sheet beside a well-known worked example compares the numbers; where
the published figure was computed under another convention or carries a slip, the sheet
says so with both numbers rather than leaving the reader to wonder.  Each entry is data:
the network and its numbers as plain names, and the published loss after one step.

>>> from symbackprop.read.spec import EXAMPLE, load_spec
>>> spec = load_spec(EXAMPLE)
>>> match = published_example(spec.network, spec.values.assignment(spec.network), 0.5)
>>> match.source["en"], match.after_weights_only
("Mazur's example (2015)", 0.291027924)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symbackprop.graph import Network
from symbackprop.graph.notation import plain

__all__ = ["Published", "PUBLISHED", "published_example"]


@dataclass(frozen=True)
class Published:
    """A published worked example: its name per language, its network (``describe()``
    text), every leaf's number by plain name, η, and the loss it reports after one step
    that updates only the weights."""

    source: dict[str, str]
    describe: str
    values: tuple[tuple[str, float], ...]
    eta: float
    after_weights_only: float


PUBLISHED: tuple[Published, ...] = (
    Published(
        source={"en": "Mazur's example (2015)", "ko": "Mazur의 예제(2015)"},
        describe="2-2-2 sigmoid network, squared loss",
        values=(("x1", 0.05), ("x2", 0.10), ("y1", 0.01), ("y2", 0.99),
                ("w1_11", 0.15), ("w1_12", 0.20), ("w1_21", 0.25), ("w1_22", 0.30), ("b1_1", 0.35), ("b1_2", 0.35),
                ("w2_11", 0.40), ("w2_12", 0.45), ("w2_21", 0.50), ("w2_22", 0.55), ("b2_1", 0.60), ("b2_2", 0.60)),
        eta=0.5,
        after_weights_only=0.291027924,
    ),
)


def published_example(graph: object, assignment: Mapping[sp.Symbol, object], eta: float | None) -> Published | None:
    """The published example these numbers reproduce exactly, or ``None``."""
    if not isinstance(graph, Network) or eta is None:
        return None
    given = {plain(s): float(v) for s, v in assignment.items()}  # type: ignore[arg-type]
    for entry in PUBLISHED:
        if entry.describe == graph.describe() and entry.eta == eta and given == dict(entry.values):
            return entry
    return None
