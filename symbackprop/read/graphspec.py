"""Custom computation graphs from spec files: a ``[graph]`` table with formulas for its nodes.

.. code-block:: toml

    [graph]
    inputs = ["x", "y", "z"]
    nodes = { q = "x + y", f = "q * z" }
    output = "f"

Node formulas are read by the notation parser (plain text or LaTeX), each against the
graph built so far, so a node may use the leaves and the nodes written before it.

A ``[values]`` table gives a number to every leaf by name (and optionally a
``learning_rate``), as in CS231n's circuit f = (x + y) z at x = -2, y = 5, z = -4:

.. code-block:: toml

    [values]
    x = -2
    y = 5
    z = -4

>>> g = graph_from_spec({"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q * z"}, "output": "f"})
>>> [nd.expr for nd in g.nodes]
[x + y, q*z]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from symbackprop.errors import FormulaError, GraphError, SpecError, closest
from symbackprop.graph import Graph

from .parser import parse_formula

__all__ = ["graph_from_spec", "graph_values", "GRAPH_KEYS"]

#: Keys of a ``[graph]`` table.
GRAPH_KEYS = ("inputs", "parameters", "targets", "nodes", "output")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")


def _names(table: Mapping[str, Any], key: str, required: bool) -> list[str]:
    field = f"graph.{key}"
    if key not in table:
        if required:
            raise SpecError(f"{field}: missing; expected a list of names like [\"x\", \"y\"]")
        return []
    value = table[key]
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{field}: expected a list of names, received {value!r}")
    for v in value:
        if not _NAME.match(v):
            raise SpecError(f"{field}: {v!r} is not a name; expected letters, digits and '_' (like x, w1, h_out)")
    return list(value)


def graph_from_spec(table: Mapping[str, Any]) -> Graph:
    """Build a :class:`~symbackprop.graph.graph.Graph` from the ``[graph]`` table of a spec.

    Args:
        table: ``inputs`` (required), ``parameters``, ``targets`` (lists of names),
            ``nodes`` (a table ``name = "formula"``, in the order written) and ``output``
            (a node name; default the last node).

    Returns:
        The graph, with its output set.  ``derive`` derives the ``parameters`` eagerly;
        any other leaf (``bp["x"]`` for ``∂f/∂x``) on request.

    Raises:
        SpecError: a missing or malformed field; the message names it
            (``graph.nodes.q: unknown name 'w' ...``).
    """
    if not isinstance(table, Mapping):
        raise SpecError(f"graph: expected a table, received {type(table).__name__}")
    for key in table:
        if key not in GRAPH_KEYS:
            raise SpecError(f"graph.{key}: unknown key{closest(str(key), GRAPH_KEYS)}; expected one of {', '.join(GRAPH_KEYS)}")
    inputs = _names(table, "inputs", required=True)
    params = _names(table, "parameters", required=False)
    targets = _names(table, "targets", required=False)
    nodes = table.get("nodes")
    if not isinstance(nodes, Mapping) or not nodes:
        raise SpecError("graph.nodes: expected a table of formulas like { q = \"x + y\" }, received "
                        f"{nodes!r}")
    g = Graph()
    seen: set[str] = set()
    for field, names in (("inputs", inputs), ("parameters", params), ("targets", targets)):
        for n in names:
            if n in seen:
                raise SpecError(f"graph.{field}: {n!r} is declared twice")
            seen.add(n)
    try:
        g.inputs(inputs)
        if params:
            g.parameters(params)
        if targets:
            g.targets(targets)
    except GraphError as exc:
        raise SpecError(f"graph: {exc}") from None
    last = None
    for name, formula in nodes.items():
        field = f"graph.nodes.{name}"
        if not _NAME.match(str(name)):
            raise SpecError(f"{field}: not a name; expected letters, digits and '_'")
        if name in seen:
            raise SpecError(f"{field}: {name!r} is already a leaf or an earlier node")
        if not isinstance(formula, str):
            raise SpecError(f"{field}: expected a formula as text, received {formula!r}")
        try:
            expr = parse_formula(formula, g)
        except FormulaError as exc:
            raise SpecError(f"{field}: {exc.summary} in '{formula}'") from None
        try:
            last = g.node(name, expr)
        except GraphError as exc:
            raise SpecError(f"{field}: {exc}") from None
        seen.add(name)
    output = table.get("output")
    if output is None:
        target = last
    else:
        if not isinstance(output, str) or not g.is_node(g.symbols().get(output)):  # type: ignore[arg-type]
            node_names = [nd.symbol.name for nd in g.nodes]
            raise SpecError(f"graph.output: expected one of the nodes {node_names}, received {output!r}"
                            f"{closest(str(output), node_names)}")
        target = g.symbols()[output]
    g.set_output(target)  # type: ignore[arg-type]
    return g


def graph_values(
    table: Mapping[str, Any], graph: Graph, number: Callable[[object, str], float | int]
) -> tuple[dict[str, float | int], float | None]:
    """The ``[values]`` of a ``[graph]`` spec: a number for every leaf, by name.

    Args:
        table: the ``[values]`` table.
        graph: the graph its names refer to.
        number: checks one value and returns it (``field`` names it in the error).

    Returns:
        ``({leaf name: number}, learning rate or None)``.

    Raises:
        SpecError: an unknown name, a node given a number, a leaf without one, or a value
            that is not a finite number; the message names the field.

    >>> g = graph_from_spec({"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q * z"}})
    >>> graph_values({"x": -2, "y": 5, "z": -4}, g, lambda v, field: v)
    ({'x': -2, 'y': 5, 'z': -4}, None)
    """
    leaves = [s.name for s in graph.leaves()]
    nodes = [nd.symbol.name for nd in graph.nodes]
    out: dict[str, float | int] = {}
    rate = None
    for key, value in table.items():
        field = f"values.{key}"
        if key == "learning_rate":
            rate = float(number(value, field))
            if rate <= 0:
                raise SpecError(f"{field}: expected a positive number, received {rate!r}")
            continue
        if key in nodes:
            raise SpecError(f"{field}: {key!r} is a node, computed from the leaves; give numbers for the "
                            f"leaves {', '.join(leaves)}")
        if key not in leaves:
            raise SpecError(f"{field}: unknown name{closest(str(key), leaves)}; expected one of "
                            f"{', '.join(leaves + ['learning_rate'])}")
        out[key] = number(value, field)
    missing = [name for name in leaves if name not in out]
    if missing:
        raise SpecError(f"values.{missing[0]}: missing; every leaf needs a number "
                        f"(missing: {', '.join(missing)})")
    return {name: out[name] for name in leaves}, rate
