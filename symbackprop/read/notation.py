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

from symbackprop.errors import FormulaError, SpecError, TooLargeError
from symbackprop.graph import Graph
from symbackprop.graph.notation import plain

from .budget import MAX_ALIASES
from .build import written_name
from .functions import FUNCTION_NAMES
from .parser import parse_tree
from .resolve import resolve_name

__all__ = ["apply_notation"]

_CONSTANTS = ("e", "pi")
#: Words the notation itself gives a meaning: the network's own letters (``x``, ``y``, ``W``,
#: ``\delta`` … as whole layers in vector formulas), the losses a left side may name, the
#: transpose ``T``, the differential ``d`` and a sum's bound ``n``.  An alias named so would
#: change what a formula already means (``y`` for ``a^{(2)}_1`` turns ``a - y`` into 0).
RESERVED = frozenset({"w", "W", "b", "z", "a", "x", "y", "L", "E", "C", "J", "ell", "mathcal{L}", "T", "d", "n",
                      "delta", "hat{y}", "nabla", "partial", "top", "intercal"})


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
    if key.lstrip("\\") in RESERVED or text.strip().lstrip("\\") in RESERVED:
        raise SpecError(f"{field}: {text!r} is a word of the notation itself (a layer's letter, the loss, the "
                        "transpose T, the differential d or a sum's bound n); choose another alias")
    return key


def _names_in(names: Mapping[str, sp.Symbol], alias: str) -> sp.Symbol | None:
    """The symbol among the network's ``names`` that ``alias`` already names, or None: read
    without the graph, so no closest-name suggestion is made and thrown away per alias."""
    try:
        free = resolve_name(None, alias, aliases=False)  # type: ignore[arg-type]
    except FormulaError:
        return None
    return names.get(free.name)


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
    if len(table) > MAX_ALIASES:
        raise TooLargeError(f"notation: {len(table):,} aliases; expected at most {MAX_ALIASES:,} (each is read "
                            "against the network)")
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
    names = {**graph.symbols(), **{nd.delta.name: nd.delta for nd in graph.nodes if nd.delta is not None}}
    for alias, value in table.items():
        field = f"notation.{alias}"
        taken = _names_in(names, str(alias))
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
