r"""The one reader of names: whatever the formula parser reads as a name, and nothing else.

``--param``, :meth:`Graph.lookup <symbackprop.graph.graph.Graph.lookup>`, the left side of
an equation, ``sheet --params`` and the spec's ``[notation]`` table all take a name through
:func:`resolve_name`, which parses it with the formula grammar, so ``b^{(2)}_2``,
``b_2^{(2)}``, ``b^{(2)}_{2}`` and ``b2_2`` mean the same everywhere, aliases included.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 2])
>>> [resolve_name(net, t) for t in ("b^{(2)}_2", "b_2^{(2)}", "b2_2")]
[b^{(2)}_{2}, b^{(2)}_{2}, b^{(2)}_{2}]
>>> net.lookup("b_2^{(2)}")
b^{(2)}_{2}
"""

from __future__ import annotations

import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph
from symbackprop.graph.graph import register_name_reader
from symbackprop.graph.notation import plain

from .build import build, written_name
from .parser import alias_keys, parse_tree

__all__ = ["resolve_name", "is_name", "split_names"]


def is_name(text: str) -> bool:
    """Whether ``text`` is one name in the formula notation (``out_{o1}``, not ``2 w``)."""
    try:
        return written_name(parse_tree(text), text) is not None
    except FormulaError:
        return False


def resolve_name(graph: Graph | None, text: str, *, aliases: bool = True) -> sp.Symbol:
    """The symbol of ``graph`` (leaf, node or δ) that ``text`` names.

    Args:
        graph: the graph or network.
        text: a name as a formula would write it.
        aliases: whether the graph's ``[notation]`` aliases count.

    Raises:
        FormulaError: ``text`` is not one name, or names nothing in the graph; the
            message suggests the closest names.

    >>> from symbackprop.graph.network import mlp
    >>> try:
    ...     resolve_name(mlp([1, 1]), "w1_12")
    ... except FormulaError as exc:
    ...     print(exc.summary)
    unknown name 'w1_12' (w^{(1)}_{12}) (did you mean 'w1_11', 'z1_1', 'b1_1'?) at column 1
    """
    if not isinstance(text, str):
        raise FormulaError(f"name: expected text, received {type(text).__name__}")
    tree = parse_tree(text)
    if written_name(tree, text) is None:
        raise FormulaError(f"expected a name like w^{{(2)}}_{{11}}, received the formula {text!r}", text)
    expr, _ = build(tree, text, graph, alias_keys(graph) if aliases else None)
    if not isinstance(expr, sp.Symbol):
        raise FormulaError(f"expected a name of this graph, received {text!r} (a constant)", text)
    return expr


def split_names(text: str) -> list[str]:
    """A list of names separated by commas or spaces, keeping ``w^{(1)}_{1,2}`` whole.

    >>> split_names("w^{(1)}_{1,2}, b2_1 z_1^{(1)}")
    ['w^{(1)}_{1,2}', 'b2_1', 'z_1^{(1)}']
    """
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth <= 0 and (ch == "," or ch.isspace()):
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    return out + ([cur] if cur else [])


def _reader(graph: Graph, text: str) -> sp.Symbol | str | None:
    try:
        return resolve_name(graph, text)
    except FormulaError:
        pass
    try:  # not in this graph: the name in the project's spelling, to suggest the closest
        free = resolve_name(None, text)  # type: ignore[arg-type]
    except FormulaError:
        return None
    return plain(free)


register_name_reader(_reader)
