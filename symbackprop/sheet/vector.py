"""The sheet section with the vector (matrix) form of a layered network.

The equations come from :func:`symbackprop.derive.vector.vector_form`, which derives them from the
same layer rules as the scalar derivation and is proved equal to it entry by entry.
"""

from __future__ import annotations

from symbackprop.derive import vector_form
from symbackprop.derive.layered_code import vector_code_rows
from symbackprop.errors import GraphError
from symbackprop.graph import Network

from .lang import say, spans
from .model import Code, Equation, Math, Paragraph, Section, Table

__all__ = ["vector_section"]


def _rows(lines: list[str]) -> tuple[tuple[str, str], ...]:
    # Each line is "left = right"; split at the first relation so the rows align on it.
    rows = []
    for line in lines:
        left, _, right = line.partition(" = ")
        rows.append((left, "= " + right) if right else ("", line))
    return tuple(rows)


def _code_table(network: Network, lang: str, code: str) -> tuple[Paragraph, Table]:
    """The batch equations of the backward pass beside the code that computes them."""
    rows = []
    for equation, lines in vector_code_rows(network, code):
        shown = " = ".join(equation.split(" = ")[:2])  # the definition; the form worked out is above
        rows.append(((Math(shown),), (Code("; ".join(lines)),)))
    head = ((say(lang, "prog.head.math"),), (say(lang, "prog.head.code"),))
    intro = Paragraph(spans(lang, "vec.code", language="NumPy" if code == "numpy" else "PyTorch",
                            command=Code("symbackprop code"), dZ=Code("dZ"), dW=Code("dW"), db=Code("db"),
                            Delta=Math(r"\Delta"), m=Math("m")))
    return intro, Table(head, tuple(rows), (0.55, 0.45))


def vector_section(network: Network, lang: str = "en", code: str | None = None) -> Section | None:
    """The vector form for one sample and for a batch (with ``code``, ``"numpy"`` or
    ``"torch"``, the batch's backward pass in code beside it), or ``None`` for a non-layered
    graph."""
    try:
        form = vector_form(network)
    except GraphError:
        return None
    one = form.latex_lines(batch=False)
    batch = form.latex_lines(batch=True)[len(one):]
    reduce = say(lang, "mean" if form.reduction == "mean" else "sum")
    blocks = (
        Paragraph(spans(lang, "vec.intro", W=Math(r"W^{(l)}"), odot=Math(r"\odot"))),
        Equation(_rows(one)),
        Paragraph(spans(lang, "vec.batch", X=Math("X"), Y=Math("Y"), reduce=reduce)),
        Equation(_rows(batch)),
    )
    if code is not None:
        blocks += _code_table(network, lang, code)
    return Section(say(lang, "sec.vector"), blocks, anchor="vector")
