"""The sheet section with the vector (matrix) form of a layered network.

The equations come from :func:`symbackprop.derive.vector.vector_form`, which derives them from the
same layer rules as the scalar derivation and is proved equal to it entry by entry.
"""

from __future__ import annotations

from symbackprop.derive import vector_form
from symbackprop.errors import GraphError
from symbackprop.graph import Network

from .lang import say, spans
from .model import Equation, Math, Paragraph, Section

__all__ = ["vector_section"]


def _rows(lines: list[str]) -> tuple[tuple[str, str], ...]:
    # Each line is "left = right"; split at the first relation so the rows align on it.
    rows = []
    for line in lines:
        left, _, right = line.partition(" = ")
        rows.append((left, "= " + right) if right else ("", line))
    return tuple(rows)


def vector_section(network: Network, lang: str = "en") -> Section | None:
    """The vector form for one sample and for a batch, or ``None`` for a non-layered graph."""
    try:
        form = vector_form(network)
    except GraphError:
        return None
    one = form.latex_lines(batch=False)
    batch = form.latex_lines(batch=True)[len(one):]
    reduce = say(lang, "mean" if form.reduction == "mean" else "sum")
    return Section(say(lang, "sec.vector"), (
        Paragraph(spans(lang, "vec.intro", W=Math(r"W^{(l)}"), odot=Math(r"\odot"))),
        Equation(_rows(one)),
        Paragraph(spans(lang, "vec.batch", X=Math("X"), Y=Math("Y"), reduce=reduce)),
        Equation(_rows(batch)),
    ), anchor="vector")
