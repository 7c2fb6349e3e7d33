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

A key that is one letter and a value that is one of the network's letters renames the letter
for every layer, and all renamings are read at once (Bishop's table swaps ``a`` and ``z``);
a value that is a whole layer (``"z^{(2)}"``) makes the letter that layer (d2l's ``o``); the
value ``"f"`` makes the letter the layer's activation function.  ``layout = "rows"`` reads
vector formulas in the row layout (W is n_in × n_out, examples are rows).

.. code-block:: toml

    [notation]          # Bishop
    a = "z"             # a is the pre-activation
    z = "a"             # z the activation
    y = "\\hat{y}"       # y the output
    t = "y"             # t the target

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 2])
>>> apply_notation(net, {"w_5": "w^{(2)}_{11}", "E_{total}": "L"})
>>> net.lookup("w_{5}"), net.lookup("E_total")
(w^{(2)}_{11}, L)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from symbackprop.errors import FormulaError, SpecError, TooLargeError
from symbackprop.graph import Graph
from symbackprop.graph.notation import plain

from .budget import MAX_ALIASES
from .build import written_name
from .functions import FUNCTION_NAMES
from .matrix import layer_target
from .parser import parse_tree
from .resolve import resolve_name

__all__ = ["apply_notation", "LETTER_VALUES"]

#: The network's letters a renaming may point at, and the letter each reads as.
LETTER_VALUES = {"w": "w", "W": "w", "b": "b", "z": "z", "a": "a", "x": "x", "y": "y", "delta": "delta",
                 "\\delta": "delta", "\\hat{y}": "yhat", "yhat": "yhat", "f": "f"}
_LETTER_TEXT = {"w": "W", "b": "b", "z": "z (the pre-activation)", "a": "a (the activation)", "x": "x (the input)",
                "y": "y (the target)", "delta": "δ", "yhat": "ŷ (the output)", "f": "the activation function"}

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


_LAYER_KEY = re.compile(r"^\\?[A-Za-z]+\^\{\(\d+\)\}$")


def _is_letter(key: str) -> bool:
    return "_" not in key and "^" not in key and "{" not in key


def _letter(graph: Graph, key: str, value: str, field: str) -> tuple[str, int | None] | None:
    """What a letter renaming says (``("z", None)``, ``("z", 2)``), or ``None`` for an alias.

    A key with a layer (Goodfellow's ``h^{(1)}``) may name a whole layer only."""
    layered = _LAYER_KEY.match(key) is not None
    if not (_is_letter(key) or layered):
        return None
    if value.strip() in LETTER_VALUES and not layered:
        return LETTER_VALUES[value.strip()], None
    found = layer_target(value, graph)
    if found is None or found[0] not in ("w", "b", "z", "a", "delta", "x", "y"):
        return None
    head = found[0]
    if head == "x" and layered:  # h^{(0)} = "x": layer 0's activations are the inputs
        return "x", None
    if head in ("x", "y"):
        raise SpecError(f"{field}: {value!r} is a letter, not a layer; write {key} = \"{head}\"")
    return head, found[1]


def _meaning(target: tuple[str, int | None]) -> str:
    head, layer = target
    return _LETTER_TEXT[head] + (f" of layer {layer}" if layer is not None else "")


def _letters(graph: Graph, table: Mapping) -> dict[str, tuple[str, int | None]]:
    """The letter renamings of a table, checked for two meanings of one written name."""
    letters: dict[str, tuple[str, int | None]] = {}
    origin: dict[str, str] = {}
    for key, value in table.items():
        written = _written(key)
        if key == "layout" or not isinstance(value, str) or written is None:
            continue
        field = f"notation.{key}"
        target = _letter(graph, written, value, field)
        if target is None:
            continue
        bare = written.lstrip("\\")
        if bare in FUNCTION_NAMES and target[0] != "f":
            raise SpecError(f"{field}: two meanings collide: {key!r} is a function of the notation and would "
                            f"also be {_meaning(target)}")
        if bare in ("L", "E", "C", "J", "T", "d", "n", "m", "ell", "nabla", "partial", "top", "intercal"):
            raise SpecError(f"{field}: two meanings collide: {key!r} is a word of the notation itself (the loss, "
                            f"the transpose T, the differential d, a bound) and would also be {_meaning(target)}")
        letters[written], origin[written] = target, str(key)
    for written, target in letters.items():  # h = "a" and h^{(1)} = "z^{(1)}": h^{(1)} would mean both
        m = re.match(r"^(\\?[A-Za-z]+)\^\{\((\d+)\)\}$", written)
        if m and m[1] in letters:
            head, layer = letters[m[1]]
            implied = (head, int(m[2]) if layer is None else layer)
            if implied != target:
                raise SpecError(f"notation.{origin[written]}: two meanings collide: {written} would be both "
                                f"{_meaning(implied)} (by notation.{origin[m[1]]}) and {_meaning(target)}")
    for key in table:
        written = _written(key)
        if key == "layout" or written is None or written in letters:
            continue
        head = written.split("_", 1)[0].split("^", 1)[0]
        if head in letters:
            raise SpecError(f"notation.{key}: two meanings collide: {key!r} names {table[key]!r} here, but "
                            f"notation.{origin[head]} makes every {head} {_meaning(letters[head])}")
    return letters


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
    layout = table.get("layout", "columns")
    if layout not in ("columns", "rows"):
        raise SpecError(f"notation.layout: expected \"columns\" (W is n_out×n_in, examples as columns) or "
                        f"\"rows\" (W is n_in×n_out, examples as rows), received {layout!r}")
    if layout == "rows" and getattr(graph, "layers", None) is None:
        raise SpecError("notation.layout: the row layout is for a layered network (a spec with layers)")
    letters = _letters(graph, table) if getattr(graph, "layers", None) is not None else {}
    table = {k: v for k, v in table.items() if k != "layout" and _written(k) not in letters}
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
    graph.set_letters(letters, layout)


def _written(key: object) -> str | None:
    try:
        return written_name(parse_tree(str(key)), str(key))
    except FormulaError:
        return None
