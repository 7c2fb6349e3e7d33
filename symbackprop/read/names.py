"""Resolve the names of a formula (``w^{(2)}_{kj}``, ``a2_1``, ``\\hat{y}``, ``\\delta_{q}``).

Every name is read into parts (kind, layer, indices) and turned into a symbol through
:mod:`symbackprop.graph.notation`, the one naming scheme, then checked against the graph; names of
custom graphs are looked up literally.  Bound summation indices are substituted here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph
from symbackprop.graph.notation import Name, parse_name, plain, symbol_for

from .limits import checked_int

__all__ = ["Scope", "NameParts", "ARITY", "NETWORK_KINDS", "alias_key", "split_name"]

#: Indices each kind of network name takes.
ARITY = {"w": 2, "b": 1, "z": 1, "a": 1, "delta": 1, "x": 1, "y": 1, "yhat": 1}
NETWORK_KINDS = frozenset(ARITY)
_LAYERED = frozenset({"w", "b", "z", "a", "delta"})
_PLAIN_LAYERED = re.compile(r"(delta|[wbza])(\d+)")
_PLAIN_LEAF = re.compile(r"([xy])(\d+)")


@dataclass(frozen=True)
class NameParts:
    """A name as written: its base (``w``, ``delta``, ``yhat``, ``q``), whether it was a
    LaTeX command, its layer and its raw index pieces (``("1", "2")`` or ``("12",)``)."""

    base: str
    command: bool
    layer: int | None
    pieces: tuple[str, ...]
    raw_sub: str | None

    @property
    def kind(self) -> str | None:
        return self.base if self.base in NETWORK_KINDS else None


def split_name(
    base: str, command: bool, layer: int | None, subs: list[str], *, whole: bool = False
) -> NameParts:
    """Normalise a written name: ``w1_12`` → base ``w``, layer 1, pieces ``("12",)``.

    ``whole`` keeps ``base`` as written: a function (``leaky_relu``) or a name of the graph
    (``h_out``, or ``w1`` in a custom graph, which is not ``w^{(1)}`` there).
    """
    pieces: list[str] = []
    raw = [s.strip() for s in subs]
    if not command and "_" in base and not whole:
        base, _, rest = base.partition("_")
        raw.insert(0, rest)
    if not command and layer is None and not whole:
        m = _PLAIN_LAYERED.fullmatch(base)
        if m:
            base, layer = m[1], checked_int(m[2], f"layer of {base!r}", FormulaError)
        else:
            m = _PLAIN_LEAF.fullmatch(base)
            if m and not raw:
                base, raw = m[1], [m[2]]
    if len(raw) == 1:
        pieces = [p.strip() for p in re.split(r"[,_]", raw[0])]
    else:
        pieces = [p.strip() for r in raw for p in re.split(r"[,_]", r)]
    return NameParts(base, command, layer, tuple(p for p in pieces if p), ",".join(raw) or None)


def alias_key(parts: NameParts, env: Mapping[str, int] | None = None) -> str:
    """One spelling for every way of writing a name: ``w_5``, ``w_{5}`` → ``w_{5}``.

    >>> alias_key(split_name("E_total", False, None, []))
    'E_{total}'
    """
    env = env or {}
    head = ("\\" if parts.command else "") + parts.base
    layer = "^{(%d)}" % parts.layer if parts.layer is not None else ""
    pieces = [str(env.get(p, p)) for p in parts.pieces]
    return head + layer + ("_{%s}" % ",".join(pieces) if pieces else "")


class Scope:
    """The names a formula may use: a graph's leaves, nodes and δ symbols, by LaTeX and
    plain name.  With no graph, every name becomes a fresh real symbol."""

    def __init__(self, graph: Graph | None) -> None:
        self.graph = graph
        # By LaTeX name only: plain names (w1_12) are read back through the naming scheme on
        # request, so a network of 100,000 weights is not printed in plain text per formula.
        self.table: dict[str, sp.Symbol] = {}
        if graph is not None:
            self.table = dict(graph.symbols())
            for nd in graph.nodes:
                if nd.delta is not None:
                    self.table.setdefault(nd.delta.name, nd.delta)
        self.layers: tuple[int, ...] | None = getattr(graph, "layers", None)

    @property
    def free(self) -> bool:
        return self.graph is None

    def get(self, name: str) -> sp.Symbol | None:
        """The symbol called ``name`` (LaTeX or plain), or ``None``."""
        found = self.table.get(name)
        if found is None:
            parsed = parse_name(name)
            if parsed is not None:
                found = self.table.get(symbol_for(parsed).name)
        return found

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def suggestions(self, word: str) -> str:
        """``" (did you mean 'a', 'b'?)"`` or a list of a few known names."""
        names = sorted({plain(s) for s in self.table.values()})
        close = difflib.get_close_matches(word, names, n=3, cutoff=0.5)
        if close:
            return " (did you mean " + ", ".join(repr(c) for c in close) + "?)"
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        return f"; known names: {shown}" if names else ""

    # ----- sizes, for summation ranges
    def index_range(self, parts: NameParts, position: int) -> int | None:
        """How many values index ``position`` of a name of this kind takes, if known."""
        if self.layers is None:
            return None
        layers, kind = self.layers, parts.kind
        if kind in ("x",):
            return layers[0]
        if kind in ("y", "yhat"):
            return layers[-1]
        if kind in _LAYERED and parts.layer is not None and 0 <= parts.layer < len(layers):
            if kind == "w":
                return layers[parts.layer] if position == 0 else layers[parts.layer - 1]
            return layers[parts.layer]
        return None

    # ----- resolution
    def indices(self, parts: NameParts, env: Mapping[str, int]) -> tuple[int, ...] | str:
        """The integer indices of a network name, or a message saying what is wrong."""
        arity = ARITY[parts.kind or "x"]
        pieces = list(parts.pieces)
        if len(pieces) == 1 and arity > 1 and len(pieces[0]) == arity:
            pieces = list(pieces[0])  # w_{12}, w_{kj}: one character per index
        if len(pieces) != arity:
            return f"expected {arity} index{'es' if arity > 1 else ''}, received {len(pieces)}"
        out = []
        for p in pieces:
            if p.isdigit():
                out.append(checked_int(p, "index", FormulaError))
            elif p in env:
                out.append(env[p])
            elif len(p) == 1 and p.isalpha():
                return (
                    f"index {p!r} is not bound; write a number, or sum over it with "
                    f"\\sum_{{{p}=1}}^{{n}}"
                )
            else:
                return f"cannot read index {p!r}"
        return tuple(out)

    def kronecker(self, parts: NameParts, env: Mapping[str, int]) -> sp.Expr | None:
        """``\\delta_{kj}`` without a layer, two indices, and no graph name of that form:
        the Kronecker delta (1 when the indices agree), as in softmax's derivative."""
        if parts.base != "delta" or parts.layer is not None or self.free:
            return None
        if any(self.has(n) for n in self.literal_names(parts, env)):
            return None
        idx = self.indices(NameParts("w", False, None, parts.pieces, parts.raw_sub), env)
        if isinstance(idx, str):
            return None
        return sp.KroneckerDelta(*idx)

    def resolve(self, parts: NameParts, env: Mapping[str, int]) -> sp.Symbol | str:
        """The symbol a name denotes, or an error message (the caller adds the position)."""
        kind = parts.kind
        if kind is not None and (parts.pieces or kind == "yhat"):
            found = self._network_name(parts, env)
            if isinstance(found, sp.Symbol) or self.layers is not None:
                return found
        for candidate in self.literal_names(parts, env):
            found = self.get(candidate)
            if found is not None:
                return found
        if kind == "y" and not parts.pieces and not parts.command and self.layers is not None:
            # (\hat{y} - y) with one output, as \hat{y} itself: the single target y_1.
            if self.layers[-1] != 1:
                return f"'y' is ambiguous: the output layer has {self.layers[-1]} neurons; write y_k"
            return self._network_name(NameParts("y", False, None, ("1",), "1"), env)
        if self.free:
            return self._free_symbol(parts, env)
        written = self._written(parts)
        if kind in _LAYERED and parts.layer is None and self.layers is not None:
            return f"'{written}' needs a layer: write it as {parts.base}^{{(l)}}_{{...}}"
        return f"unknown name '{written}'{self.suggestions(self._plain_guess(parts))}"

    def _network_name(self, parts: NameParts, env: Mapping[str, int]) -> sp.Symbol | str:
        kind, layer = parts.kind, parts.layer
        assert kind is not None
        if kind == "yhat":
            if self.layers is None:
                if self.free:
                    idx = self.indices(parts, env) if parts.pieces else ()
                    sub = "_{%s}" % ",".join(map(str, idx)) if isinstance(idx, tuple) and idx else ""
                    return sp.Symbol(r"\hat{y}" + sub, real=True)
                return "\\hat{y} stands for the output activation, but this graph has no layers"
            kind, layer = "a", len(self.layers) - 1
            if not parts.pieces:
                if self.layers[-1] != 1:
                    return f"\\hat{{y}} is ambiguous: the output layer has {self.layers[-1]} neurons; write \\hat{{y}}_k"
                parts = NameParts("a", False, layer, ("1",), "1")
        if kind == "a" and layer == 0:  # the input layer's activations are the inputs
            kind, layer = "x", None
        if (kind in _LAYERED) != (layer is not None):
            if layer is None:
                return f"'{self._written(parts)}' needs a layer: write {parts.base}^{{(l)}}_{{...}}"
            return f"'{self._written(parts)}': {kind} takes no layer"
        idx = self.indices(NameParts(kind, False, layer, parts.pieces, parts.raw_sub), env)
        if isinstance(idx, str):
            return f"'{self._written(parts)}': {idx}"
        symbol = symbol_for(Name(kind, layer, idx))
        if self.free or symbol.name in self.table:
            return symbol
        return f"unknown name {plain(symbol)!r} ({symbol.name}){self.suggestions(plain(symbol))}"

    def literal_names(self, parts: NameParts, env: Mapping[str, int]) -> list[str]:
        head = ("\\" if parts.command else "") + parts.base
        layer = "^{(%d)}" % parts.layer if parts.layer is not None else ""
        names = [head + layer]
        if parts.raw_sub is not None:
            sub = "".join(str(env.get(p, p)) for p in re.split(r"([A-Za-z]+)", parts.raw_sub))
            names = [f"{head}{layer}_{{{sub}}}", f"{head}{layer}_{sub}", f"{parts.base}_{sub}"]
        return names

    def _free_symbol(self, parts: NameParts, env: Mapping[str, int]) -> sp.Symbol:
        return sp.Symbol(self.literal_names(parts, env)[0], real=True)

    @staticmethod
    def _written(parts: NameParts) -> str:
        head = ("\\" if parts.command else "") + parts.base
        layer = "^{(%d)}" % parts.layer if parts.layer is not None else ""
        sub = "_{%s}" % parts.raw_sub if parts.raw_sub else ""
        return head + layer + sub

    @staticmethod
    def _plain_guess(parts: NameParts) -> str:
        layer = str(parts.layer) if parts.layer is not None else ""
        sub = "_" + "".join(parts.pieces) if parts.pieces else ""
        return parts.base + layer + sub
