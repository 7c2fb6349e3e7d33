r"""A spec's ``[notation]`` table: another textbook's names for the network's quantities.

.. code-block:: toml

    layers = [2, 2, 2]
    [notation]
    w_5 = "w^{(2)}_{11}"
    "out_{o1}" = "a^{(2)}_1"
    "E_{total}" = "L"

Each key is a name as the student writes it, each value a name in the project's notation
(any spelling the formula parser reads).  Aliases then work wherever a name is taken:
formulas, the left side of an equation, ``--param``, homework files, and the names a
verdict prints.  An alias may not redefine a name of the network, stand for a function or
constant, or refer to another alias.

>>> from symbackprop.graph.mlp import mlp
>>> net = mlp([2, 2, 2])
>>> apply_notation(net, {"w_5": "w^{(2)}_{11}", "E_{total}": "L"})
>>> net.lookup("w_{5}"), net.lookup("E_total")
(w^{(2)}_{11}, L)
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symbackprop.errors import FormulaError, SpecError
from symbackprop.graph import Graph
from symbackprop.graph.notation import plain

from .build import written_name
from .functions import FUNCTION_NAMES
from .parser import parse_tree
from .resolve import resolve_name

__all__ = ["apply_notation"]

_CONSTANTS = ("e", "pi")


def _key(text: str, field: str) -> str:
    try:
        key = written_name(parse_tree(text), text)
    except FormulaError as exc:
        raise SpecError(f"{field}: expected a name like w_5 or out_{{o1}}, received {text!r} ({exc.summary})") from None
    if key is None:
        raise SpecError(f"{field}: expected a name like w_5 or out_{{o1}}, received the formula {text!r}")
    head = key.split("_", 1)[0].split("^", 1)[0].lstrip("\\")
    if head in FUNCTION_NAMES or key.lstrip("\\") in _CONSTANTS:
        raise SpecError(f"{field}: {text!r} is a function or constant of the notation, not a free name")
    return key


def apply_notation(graph: Graph, table: object) -> None:
    """Check a ``[notation]`` table against ``graph`` and set the graph's aliases.

    Raises:
        SpecError: not a table of names; an alias that is already a name of the network, a
            function or a constant; an unknown name as a value (the closest suggested);
            aliases that refer to each other; two spellings of one alias.  The message
            names the field (``notation.w_5``).
    """
    if not isinstance(table, Mapping):
        raise SpecError(f"notation: expected a table of aliases like {{ w_5 = \"w^{{(2)}}_{{11}}\" }}, received {table!r}")
    keys: dict[str, str] = {}
    for alias, value in table.items():
        field = f"notation.{alias}"
        key = _key(str(alias), field)
        if key in keys:
            raise SpecError(f"{field}: the same name as notation.{keys[key]}; give each alias once")
        keys[key] = str(alias)
        if not isinstance(value, str):
            raise SpecError(f"{field}: expected a name of the network as text, received {value!r}")
    aliases: dict[str, sp.Symbol] = {}
    for alias, value in table.items():
        field = f"notation.{alias}"
        try:
            taken = resolve_name(graph, str(alias), aliases=False)
        except FormulaError:
            taken = None
        if taken is not None:
            raise SpecError(f"{field}: {alias!r} already names {plain(taken)!r} in this network; "
                            "an alias may not redefine a name of the network")
        try:
            value_key = written_name(parse_tree(value), value)
        except FormulaError:
            value_key = None
        if value_key in keys:
            raise SpecError(f"{field}: {value!r} is itself an alias (notation.{keys[value_key]}); "
                            "expected a name in the network's own notation, as aliases may not refer to each other")
        try:
            aliases[str(alias)] = resolve_name(graph, value, aliases=False)
        except FormulaError as exc:
            raise SpecError(f"{field}: expected a name of this network, received {value!r}: {exc.summary}") from None
    graph.set_aliases(aliases)
