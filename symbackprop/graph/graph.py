"""A computation graph: ordered named nodes, each a SymPy expression of earlier nodes and leaves.

Leaves are inputs, targets and parameters.  A node may feed several others; the chain rule
(:mod:`symbackprop.derive.backprop`) then sums over every path.  The graph knows nothing of
derivatives: it only records what is defined from what.

>>> g = Graph()
>>> x, y, z = g.inputs("x y z")
>>> q = g.node("q", x + y)
>>> f = g.node("f", q * z)
>>> g.set_output(f)
>>> g.parents(f)
(q, z)
>>> g.consumers(x)
(q,)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy as sp

from symbackprop.errors import GraphError, closest

from .notation import leaf, parse_name, plain, symbol_for

__all__ = ["Graph", "Node", "LEAF_KINDS", "register_name_reader"]

#: The kinds of leaves; gradients are derived for parameters and, on request, any leaf.
LEAF_KINDS = ("input", "target", "parameter")

#: Readers of names in the notation of formulas (``b_2^{(2)}``, an alias), consulted by
#: :meth:`Graph.lookup` after its own tables.  The formula parser lives in a later stage
#: and registers itself here, so every place that takes a name reads it the same way.
_NAME_READERS: list[Callable[[Graph, str], sp.Symbol | str | None]] = []


def register_name_reader(reader: Callable[[Graph, str], sp.Symbol | str | None]) -> None:
    """Let :meth:`Graph.lookup` read names with ``reader(graph, text)``.

    The reader returns the symbol, or when the graph has none, the name's plain spelling
    (``b2_3``) to suggest the closest names from, or ``None`` for text that is no name.
    """
    if reader not in _NAME_READERS:
        _NAME_READERS.append(reader)


@dataclass(frozen=True)
class Node:
    """A named intermediate quantity ``symbol := expr``.

    Attributes:
        symbol: the node's SymPy symbol.
        expr: its definition in terms of earlier nodes and leaves.
        parents: the nodes and leaves ``expr`` uses, in order of first use.
        delta: the symbol naming ``∂(output)/∂symbol`` in the δ recursion, or ``None`` when
            the recursion passes through this node without naming it (an MLP's ``a``).
        role: a free label builders use (``"z"``, ``"a"``, ``"loss"``).
        layer: the layer index for layered networks, else ``None``.
        index: the 1-based neuron index within the layer, else ``None``.
    """

    symbol: sp.Symbol
    expr: sp.Expr
    parents: tuple[sp.Symbol, ...]
    delta: sp.Symbol | None = None
    role: str = ""
    layer: int | None = None
    index: int | None = None


@dataclass
class _Index:
    consumers: dict[sp.Symbol, list[sp.Symbol]] = field(default_factory=dict)


class Graph:
    """An ordered computation graph with one scalar output.

    Build it with :meth:`inputs`, :meth:`targets`, :meth:`parameters` and :meth:`node`,
    then name the quantity to differentiate with :meth:`set_output`.
    """

    def __init__(self) -> None:
        self._leaves: dict[sp.Symbol, str] = {}
        self._nodes: dict[sp.Symbol, Node] = {}
        self._consumers: dict[sp.Symbol, list[sp.Symbol]] = {}
        self._output: sp.Symbol | None = None
        self._version = 0
        self._names: tuple[int, dict[str, sp.Symbol], dict[str, sp.Symbol]] | None = None
        self._aliases: dict[str, sp.Symbol] = {}
        self._letters: dict[str, tuple[str, int | None]] = {}
        self._layout = "columns"

    # ----- building
    def _add_leaves(self, names: str | Iterable[str | sp.Symbol], kind: str) -> tuple[sp.Symbol, ...]:
        items = names.split() if isinstance(names, str) else list(names)
        if not items:
            raise GraphError(f"{kind}s: expected at least one name, received none")
        out = []
        for item in items:
            symbol = item if isinstance(item, sp.Symbol) else leaf(str(item))
            self._check_new(symbol)
            self._leaves[symbol] = kind
            self._consumers[symbol] = []
            out.append(symbol)
        self._version += 1
        return tuple(out)

    def _check_new(self, symbol: sp.Symbol) -> None:
        if symbol in self._leaves or symbol in self._nodes:
            raise GraphError(f"name {symbol.name!r} is already defined in this graph")

    def inputs(self, names: str | Iterable[str | sp.Symbol]) -> tuple[sp.Symbol, ...]:
        """Declare input leaves (space-separated names or symbols) and return their symbols."""
        return self._add_leaves(names, "input")

    def targets(self, names: str | Iterable[str | sp.Symbol]) -> tuple[sp.Symbol, ...]:
        """Declare target leaves (the ``y`` a loss compares against)."""
        return self._add_leaves(names, "target")

    def parameters(self, names: str | Iterable[str | sp.Symbol]) -> tuple[sp.Symbol, ...]:
        """Declare parameter leaves (weights, biases: what gradient descent updates)."""
        return self._add_leaves(names, "parameter")

    def node(
        self,
        name: str | sp.Symbol,
        expr: sp.Expr,
        *,
        delta: sp.Symbol | str | None | bool = True,
        role: str = "",
        layer: int | None = None,
        index: int | None = None,
    ) -> sp.Symbol:
        """Define ``name := expr`` and return the node's symbol.

        ``expr`` may use only leaves and nodes defined before.  ``delta`` names the node's
        error signal in the δ recursion: ``True`` for ``\\delta_{name}``, a symbol or name
        of your own, or ``None``/``False`` to pass through the node without naming it.

        Raises:
            GraphError: the name is taken, or ``expr`` uses an unknown symbol.
        """
        symbol = name if isinstance(name, sp.Symbol) else leaf(str(name))
        self._check_new(symbol)
        expr = sp.sympify(expr, strict=True)  # safe: strict mode refuses strings
        if not isinstance(expr, sp.Expr):
            raise GraphError(f"node {symbol.name!r}: expected a SymPy expression, received {type(expr).__name__}")
        parents = []
        for s in _symbols_in_order(expr):
            if s not in self._leaves and s not in self._nodes:
                known = [k.name for k in (*self._leaves, *self._nodes)]
                if s.name in known:  # sp.Symbol("x") is not the graph's x, made with real=True
                    raise GraphError(
                        f"node {symbol.name!r}: uses a symbol {s.name!r} that is not this graph's "
                        f"{s.name!r} (same name, other assumptions); use the symbols the graph "
                        f"returns, or graph.lookup({s.name!r})"
                    )
                raise GraphError(
                    f"node {symbol.name!r}: uses {s.name!r}, which is neither a leaf nor an "
                    f"earlier node{closest(s.name, known)}"
                )
            parents.append(s)
        if delta is True:
            delta_symbol: sp.Symbol | None = sp.Symbol(r"\delta_{%s}" % symbol.name, real=True)
        elif delta is False or delta is None:
            delta_symbol = None
        elif isinstance(delta, str):
            delta_symbol = leaf(delta)
        else:
            delta_symbol = delta
        node = Node(symbol, expr, tuple(parents), delta_symbol, role, layer, index)
        self._nodes[symbol] = node
        self._consumers[symbol] = []
        for p in parents:
            self._consumers[p].append(symbol)
        self._version += 1
        return symbol

    def set_output(self, symbol: sp.Symbol) -> None:
        """Name the scalar to differentiate: a loss, or any node."""
        if symbol not in self._nodes:
            raise GraphError(
                f"output: expected a node of this graph, received {getattr(symbol, 'name', symbol)!r}"
            )
        self._output = symbol
        self._version += 1

    # ----- reading
    @property
    def output(self) -> sp.Symbol:
        """The node being differentiated."""
        if self._output is None:
            raise GraphError("output: no output set; call set_output(node) first")
        return self._output

    @property
    def version(self) -> int:
        """Changes whenever the graph changes, so cached derivations know they are stale."""
        return self._version

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The nodes in definition order."""
        return tuple(self._nodes.values())

    def node_of(self, symbol: sp.Symbol) -> Node:
        """The :class:`Node` defining ``symbol``."""
        try:
            return self._nodes[symbol]
        except KeyError:
            raise GraphError(f"{getattr(symbol, 'name', symbol)!r} is not a node of this graph") from None

    def is_node(self, symbol: sp.Symbol) -> bool:
        return symbol in self._nodes

    def leaves(self, kind: str | None = None) -> tuple[sp.Symbol, ...]:
        """Leaves in declaration order, all or of one kind (``"parameter"``...)."""
        if kind is not None and kind not in LEAF_KINDS:
            raise GraphError(f"leaf kind: expected one of {LEAF_KINDS}, received {kind!r}")
        return tuple(s for s, k in self._leaves.items() if kind is None or k == kind)

    def kind_of(self, symbol: sp.Symbol) -> str:
        """``"input"``, ``"target"``, ``"parameter"`` or ``"node"``."""
        if symbol in self._nodes:
            return "node"
        try:
            return self._leaves[symbol]
        except KeyError:
            raise GraphError(f"{getattr(symbol, 'name', symbol)!r} is not part of this graph") from None

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        """The parameter leaves."""
        return self.leaves("parameter")

    def parents(self, symbol: sp.Symbol) -> tuple[sp.Symbol, ...]:
        return self.node_of(symbol).parents

    def consumers(self, symbol: sp.Symbol) -> tuple[sp.Symbol, ...]:
        """The nodes whose definition uses ``symbol`` directly, in definition order."""
        try:
            return tuple(self._consumers[symbol])
        except KeyError:
            raise GraphError(f"{getattr(symbol, 'name', symbol)!r} is not part of this graph") from None

    def symbols(self) -> dict[str, sp.Symbol]:
        """Every leaf and node by name (the names a formula parser resolves against)."""
        out = {s.name: s for s in self._leaves}
        out.update({s.name: s for s in self._nodes})
        return out

    def lookup(self, name: str | sp.Symbol) -> sp.Symbol:
        """The symbol called ``name`` (its LaTeX or plain form).

        Raises:
            GraphError: no such symbol; the message names the closest ones.
        """
        if isinstance(name, sp.Symbol):
            if name in self._leaves or name in self._nodes:
                return name
            name = name.name
        # Built once per graph version: values are looked up name by name, and rebuilding
        # the tables each time made a forward pass quadratic in the number of leaves.
        if self._names is None or self._names[0] != self._version:
            table = self.symbols()
            self._names = (self._version, table, {plain(s): s for s in table.values()})
        _, table, by_plain = self._names
        if name in table:
            return table[name]
        if name in by_plain:
            return by_plain[name]
        parsed = parse_name(name)  # other spellings of a network name: w1_1_2, w^{(1)}_{1,2}
        if parsed is not None and symbol_for(parsed).name in table:
            return table[symbol_for(parsed).name]
        spelling = name
        for reader in _NAME_READERS:
            found = reader(self, name)
            if isinstance(found, sp.Symbol) and (found in self._leaves or found in self._nodes):
                return found
            if isinstance(found, str):
                spelling = found
        hint = closest(spelling, list(by_plain))
        if not hint:
            names = list(by_plain)
            more = f", ... ({len(names) - 8} more)" if len(names) > 8 else ""
            hint = f"; names here are {', '.join(names[:8])}{more}"
        raise GraphError(f"name {name!r} is not in this graph{hint}")

    # ----- other textbooks' names
    @property
    def aliases(self) -> Mapping[str, sp.Symbol]:
        """Names as another text writes them (``"w_5"``) and the symbols they stand for."""
        return MappingProxyType(self._aliases)

    def set_aliases(self, aliases: Mapping[str, sp.Symbol]) -> None:
        """Replace the aliases; each must stand for a leaf, a node or a node's δ symbol.

        Readers of formulas decide which spellings of an alias match (``w_5``, ``w_{5}``).

        >>> g = Graph()
        >>> (x,) = g.inputs("x")
        >>> g.set_aliases({"i_1": x})
        >>> dict(g.aliases)
        {'i_1': x}
        """
        deltas = {nd.delta for nd in self._nodes.values() if nd.delta is not None}
        for text, symbol in aliases.items():
            if not isinstance(symbol, sp.Symbol) or not (
                symbol in self._leaves or symbol in self._nodes or symbol in deltas
            ):
                raise GraphError(f"alias {text!r}: expected a symbol of this graph, received {symbol!r}")
        self._aliases = dict(aliases)

    @property
    def letters(self) -> Mapping[str, tuple[str, int | None]]:
        """Letters another text uses for the network's own (Bishop's ``a`` for ``z``): each
        written letter and the project's letter it reads as, with a layer when it names a
        whole layer (d2l's ``o`` for ``z^{(2)}``).  Formulas read them all at once."""
        return MappingProxyType(self._letters)

    @property
    def layout(self) -> str:
        """``"columns"`` (W is n_out × n_in, examples are columns) or ``"rows"`` (W is
        n_in × n_out, examples are rows, as ``X W + b`` in d2l and PyTorch)."""
        return self._layout

    def set_letters(self, letters: Mapping[str, tuple[str, int | None]], layout: str = "columns") -> None:
        """Replace the renamed letters and the layout formulas are read in.

        >>> g = Graph()
        >>> g.set_letters({"h": ("a", None)}, "rows")
        >>> dict(g.letters), g.layout
        ({'h': ('a', None)}, 'rows')
        """
        if layout not in ("columns", "rows"):
            raise GraphError(f"layout: expected 'columns' or 'rows', received {layout!r}")
        self._letters = dict(letters)
        self._layout = layout

    def composed(self, symbol: sp.Symbol | None = None) -> sp.Expr:
        """``symbol`` (default: the output) with every node replaced by its definition.

        The result is an expression in leaves only; it grows quickly with depth, so use it
        for small graphs (proofs, expanded forms).
        """
        target = self.output if symbol is None else symbol
        full: dict[sp.Symbol, sp.Expr] = {}
        for node in self._nodes.values():
            full[node.symbol] = node.expr.xreplace(full)
            if node.symbol == target:
                break
        return full.get(target, target)

    def substitutions(self, values: Mapping[sp.Symbol, object]) -> dict[sp.Symbol, sp.Expr]:
        """Every node's value given values for the leaves (exact SymPy arithmetic)."""
        env: dict[sp.Symbol, sp.Expr] = {k: sp.sympify(v, strict=True) for k, v in values.items()}  # safe: strict
        for node in self._nodes.values():
            env[node.symbol] = node.expr.xreplace(env)
        return env

    def __repr__(self) -> str:
        return f"<Graph: {len(self._leaves)} leaves, {len(self._nodes)} nodes>"


def _symbols_in_order(expr: sp.Expr) -> list[sp.Symbol]:
    """Free symbols of ``expr`` in order of first appearance (stable, unlike a set)."""
    seen: dict[sp.Symbol, None] = {}
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.is_Symbol:
            seen.setdefault(e, None)
        elif e.args:
            stack.extend(reversed(e.args))
    return list(seen)
