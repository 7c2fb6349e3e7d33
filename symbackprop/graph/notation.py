"""The one naming scheme of symbackprop, used by every builder, printer and parser.

``w^{(l)}_{ji}`` is the weight from neuron ``i`` of layer ``l-1`` to neuron ``j`` of layer
``l``; ``b^{(l)}_j``, ``z^{(l)}_j``, ``a^{(l)}_j`` and ``\\delta^{(l)}_j = ∂L/∂z^{(l)}_j``
follow the same pattern.  Layer 0 is the input (``a^{(0)}_i = x_i``); targets are ``y_k``.
Indices are 1-based in names, as in lecture notes; arrays of values (``W1[j][i]``) are
0-based, as in numpy.

A SymPy symbol's *name* is its LaTeX form (``w^{(1)}_{12}``), so SymPy's own printers
render it correctly; :func:`plain` gives the ASCII form (``w1_12``) used in tables, JSON
and the command line, and :func:`parse_name` reads either back.

>>> weight(1, 1, 2)
w^{(1)}_{12}
>>> plain(weight(1, 3, 12))
'w1_3_12'
>>> parse_name("w1_12")
Name(kind='w', layer=1, indices=(1, 2))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .bulk import gc_paused
from .limits import MAX_INT_DIGITS

__all__ = [
    "Name",
    "MAX_INT_DIGITS",
    "weight",
    "weight_rows",
    "bias",
    "pre",
    "act",
    "delta",
    "input_",
    "target",
    "loss_symbol",
    "leaf",
    "parse_name",
    "plain",
    "symbol_for",
    "matrix_name",
    "KINDS",
]

#: Kinds of named quantities and what they mean, in the order a sheet introduces them.
KINDS = {
    "x": "input",
    "y": "target",
    "w": "weight",
    "b": "bias",
    "z": "pre-activation",
    "a": "activation",
    "delta": "error signal ∂L/∂z",
}

_LATEX_KIND = {"delta": r"\delta"}


@dataclass(frozen=True)
class Name:
    """A parsed network name: its kind (a key of :data:`KINDS`), layer and 1-based indices."""

    kind: str
    layer: int | None
    indices: tuple[int, ...]


def _index_text(indices: tuple[int, ...]) -> str:
    # Joined digits (w_{12}) read naturally while every index is one digit; beyond that a
    # comma keeps w_{1,12} and w_{11,2} apart.
    if all(0 <= k < 10 for k in indices):
        return "".join(str(k) for k in indices)
    return ",".join(str(k) for k in indices)


@lru_cache(maxsize=None)
def symbol_for(name: Name) -> sp.Symbol:
    """The SymPy symbol of a network name (all network symbols are real)."""
    head = _LATEX_KIND.get(name.kind, name.kind)
    text = head
    if name.layer is not None:
        text += "^{(%d)}" % name.layer
    if name.indices:
        text += "_{%s}" % _index_text(name.indices)
    return sp.Symbol(text, real=True)


def weight(layer: int, j: int, i: int) -> sp.Symbol:
    """``w^{(layer)}_{ji}``: from neuron ``i`` of layer ``layer-1`` to neuron ``j``."""
    return symbol_for(Name("w", layer, (j, i)))


def weight_rows(layer: int, rows: int, cols: int) -> tuple[tuple[sp.Symbol, ...], ...]:
    """``W^{(layer)}`` as rows of symbols, ``weight(layer, j, i)`` for every ``j ≤ rows``,
    ``i ≤ cols``: the same symbols, named in one pass (a [784, 128] layer has 100,352).

    >>> weight_rows(1, 2, 12)[1][10] == weight(1, 2, 11)
    True
    """
    head = "w^{(%d)}_{" % layer
    with gc_paused():
        return tuple(
            tuple(sp.Symbol(f"{head}{j}{i}}}" if j < 10 and i < 10 else f"{head}{j},{i}}}", real=True)
                  for i in range(1, cols + 1))
            for j in range(1, rows + 1)
        )


def bias(layer: int, j: int) -> sp.Symbol:
    """``b^{(layer)}_j``."""
    return symbol_for(Name("b", layer, (j,)))


def pre(layer: int, j: int) -> sp.Symbol:
    """``z^{(layer)}_j``, the weighted input of neuron ``j``."""
    return symbol_for(Name("z", layer, (j,)))


def act(layer: int, j: int) -> sp.Symbol:
    """``a^{(layer)}_j``, the activation of neuron ``j``."""
    return symbol_for(Name("a", layer, (j,)))


def delta(layer: int, j: int) -> sp.Symbol:
    """``\\delta^{(layer)}_j = ∂L/∂z^{(layer)}_j``."""
    return symbol_for(Name("delta", layer, (j,)))


def input_(i: int) -> sp.Symbol:
    """``x_i`` (the same quantity as ``a^{(0)}_i``)."""
    return symbol_for(Name("x", None, (i,)))


def target(k: int) -> sp.Symbol:
    """``y_k``, the target of output neuron ``k``."""
    return symbol_for(Name("y", None, (k,)))


def loss_symbol() -> sp.Symbol:
    """``L``, the loss."""
    return sp.Symbol("L", real=True)


def leaf(name: str) -> sp.Symbol:
    """A symbol for a user-named leaf or node of a custom graph (real, like all others)."""
    return sp.Symbol(name, real=True)


_IDX = r"(\d+)"
_LATEX_RE = re.compile(
    r"^(?P<kind>\\delta|[wbzaxy])"
    r"(?:\^\{\((?P<layer>\d+)\)\})?"
    r"(?:_\{(?P<idx>\d+(?:,\d+)*)\})?$"
)
# Lecture notes also put the subscript first: w_{11}^{(2)}.
_LATEX_SUB_FIRST_RE = re.compile(
    r"^(?P<kind>\\delta|[wbzaxy])"
    r"_\{(?P<idx>\d+(?:,\d+)*)\}"
    r"\^\{\((?P<layer>\d+)\)\}$"
)
_PLAIN_RE = re.compile(r"^(?P<kind>delta|[wbzaxy])(?P<layer>\d+)?(?:_(?P<idx>\d+(?:_\d+)*))?$")
_PLAIN_LEAF_RE = re.compile(r"^(?P<kind>[xy])(?P<idx>\d+)$")
_LONG_NUMBER = re.compile(rf"[0-9]{{{MAX_INT_DIGITS + 1}}}")

_ARITY = {"w": 2, "b": 1, "z": 1, "a": 1, "delta": 1, "x": 1, "y": 1}


def _split_indices(kind: str, text: str, separator: str) -> tuple[int, ...] | None:
    parts = text.split(separator) if separator in text else None
    arity = _ARITY[kind]
    if parts is None:
        if arity == 2:
            # Joined digits are only written when every index is a single digit.
            if len(text) != 2:
                return None
            return (int(text[0]), int(text[1]))
        return (int(text),)
    if len(parts) != arity:
        return None
    return tuple(int(p) for p in parts)


def parse_name(text: str) -> Name | None:
    """Read a network name in LaTeX (``w^{(1)}_{12}``) or plain (``w1_12``) form.

    Returns ``None`` when ``text`` is not a network name.

    >>> parse_name(r"\\delta^{(2)}_{1}")
    Name(kind='delta', layer=2, indices=(1,))
    >>> parse_name("x3")
    Name(kind='x', layer=None, indices=(3,))
    """
    text = text.strip()
    if _LONG_NUMBER.search(text):
        # Not a name this scheme reads; the reader of user text says why (read.limits).
        return None
    m = _LATEX_RE.match(text) or _LATEX_SUB_FIRST_RE.match(text)
    if m:
        kind = m["kind"].lstrip("\\")
        layer = int(m["layer"]) if m["layer"] else None
        idx = m["idx"]
    else:
        m = _PLAIN_LEAF_RE.match(text)
        if m:
            return Name(m["kind"], None, (int(m["idx"]),))
        m = _PLAIN_RE.match(text)
        if not m:
            return None
        kind = m["kind"]
        layer = int(m["layer"]) if m["layer"] else None
        idx = m["idx"].replace("_", ",") if m["idx"] else None
        if idx and "," not in idx and _ARITY[kind] == 2 and len(idx) != 2:
            return None
    if idx is None:
        return None
    indices = _split_indices(kind, idx, ",")
    if indices is None or any(k < 1 for k in indices):
        return None
    layered = kind not in ("x", "y")
    if layered != (layer is not None):
        return None
    return Name(kind, layer, indices)


def plain(symbol: sp.Symbol) -> str:
    """The ASCII name of a symbol: ``w1_12``, ``a2_1``, ``delta2_1``, ``x1``; others as is."""
    name = parse_name(symbol.name)
    if name is None:
        return symbol.name
    if name.layer is None:
        return f"{name.kind}{name.indices[0]}"
    if all(k < 10 for k in name.indices):
        idx = "".join(str(k) for k in name.indices)
    else:
        idx = "_".join(str(k) for k in name.indices)
    return f"{name.kind}{name.layer}_{idx}"


def matrix_name(kind: str, layer: int) -> str:
    """The name of a layer's parameter array in spec files and JSON: ``W1`` or ``b1``."""
    return {"w": "W", "b": "b"}[kind] + str(layer)
