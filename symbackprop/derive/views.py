"""What the chain rule reads of a graph, from the graph itself or from a network's layers.

:class:`~symbackprop.derive.backprop.Backprop` asks for the output, each symbol's consumers,
the definitions of the nodes it differentiates, the δ-nodes from the output back, and the
parameter a name means.  :class:`GraphView` answers from the graph's nodes.  A network built
by ``mlp()`` whose scalar graph has not been made answers from its layers
(:class:`LayerView`): the partials of ``z = W a + b`` are read off the layer
(``∂z_j/∂w_ji = a_i``, ``∂z_j/∂a_i = w_ji``, ``∂z_j/∂b_j = 1``) and only the activations and
the loss are differentiated, so deriving [784, 128, 10] makes no weighted sum of 784
products.  Both give the same answers; ``tests/derive/test_views.py`` compares every
:class:`~symbackprop.derive.paths.Delta` and every derivation on each activation and loss.

>>> from symbackprop.graph.network import mlp
>>> view = LayerView(mlp([3, 2, 1]))
>>> view.output, view.consumers(view.net.W[1][1][2]), view.weighted_sum_partials(view.net.z[1][1])[view.net.x[2]]
(L, (z^{(1)}_{2},), w^{(1)}_{23})
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import sympy as sp

from symbackprop.errors import GraphError
from symbackprop.graph import Graph, Network, Node
from symbackprop.graph import notation as n

from ._fast import product

__all__ = ["GraphView", "LayerView", "view_of"]


class GraphView:
    """The chain rule's questions, answered by the graph's own nodes."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.output = graph.output
        self.consumers = graph.consumers
        self.is_node = graph.is_node
        self.node_of = graph.node_of

    def delta_nodes(self) -> list[tuple[sp.Symbol, sp.Symbol]]:
        """``(node, δ symbol)`` of every δ-node, the output's side first."""
        return [(nd.symbol, nd.delta) for nd in reversed(self.graph.nodes) if nd.delta is not None]

    def nodes_output_first(self) -> list[sp.Symbol]:
        """Every node, the output's side first: a [graph] chain may be hundreds of nodes long,
        and caching each adjoint in this order keeps the chain rule from recursing down it."""
        return [nd.symbol for nd in reversed(self.graph.nodes)]

    def definitions(self) -> dict[sp.Expr, sp.Symbol]:
        """``{definition: node}`` for nodes defined by more than a sum or a symbol."""
        return {nd.expr: nd.symbol for nd in self.graph.nodes if not nd.expr.is_Atom and not nd.expr.is_Add}

    def targets(self) -> tuple[sp.Symbol, ...]:
        return self.graph.leaves("target")

    def weighted_sum_partials(self, node: sp.Symbol) -> Mapping[sp.Symbol, sp.Expr] | None:
        return None  # a general graph's sums are differentiated term by term

    def resolve(self, key: sp.Symbol | str) -> sp.Symbol:
        return self.graph.lookup(key)


class LayerView:
    """The chain rule's questions about a layered network, answered from its layers."""

    def __init__(self, net: Network) -> None:
        self.graph = self.net = net
        depth = net.depth
        self._loss = net.loss.build(net.a[depth], net.y)
        self._loss_node = not (isinstance(self._loss, sp.Symbol) and self._loss in net.a[depth])
        self.output = n.loss_symbol() if self._loss_node else self._loss

    @cached_property
    def _where(self) -> dict[sp.Symbol, tuple[str, int, int]]:
        """Every neuron's ``z`` and ``a`` node: ``(role, layer, 0-based index)``."""
        out = {}
        for l in range(1, self.net.depth + 1):
            out.update({s: ("z", l, j) for j, s in enumerate(self.net.z[l])})
            out.update({s: ("a", l, j) for j, s in enumerate(self.net.a[l])})
        return out

    @cached_property
    def _activations(self) -> dict[int, tuple[sp.Expr, ...]]:
        return {l: tuple(self.net.activations[l - 1].layer(self.net.z[l])) for l in range(1, self.net.depth + 1)}

    @cached_property
    def _activation_of(self) -> dict[sp.Symbol, tuple[sp.Symbol, ...]]:
        """``{z: the a nodes using it}``, in order (one for an elementwise layer, all for softmax)."""
        out: dict[sp.Symbol, list[sp.Symbol]] = {}
        for l in range(1, self.net.depth + 1):
            out.update({z: [] for z in self.net.z[l]})
            for a, expr in zip(self.net.a[l], self._activations[l]):
                for z in dict.fromkeys(s for s in sp.preorder_traversal(expr) if s in out):
                    out[z].append(a)
        return {z: tuple(a) for z, a in out.items()}

    @cached_property
    def _parameter_of(self) -> dict[sp.Symbol, sp.Symbol]:
        """``{weight or bias: the z node it feeds}``, for every parameter."""
        out = {}
        for l in range(1, self.net.depth + 1):
            for zj, row, b in zip(self.net.z[l], self.net.W[l], self.net.b[l] or [None] * len(self.net.z[l])):
                out.update(dict.fromkeys(row, zj))
                if b is not None:
                    out[b] = zj
        return out

    @cached_property
    def _nodes(self) -> frozenset[sp.Symbol]:
        return frozenset(self._where) | ({self.output} if self._loss_node else set())

    def is_node(self, symbol: sp.Symbol) -> bool:
        return symbol in self._nodes

    def delta_nodes(self) -> list[tuple[sp.Symbol, sp.Symbol]]:
        return [(z, n.delta(l, j)) for l in range(self.net.depth, 0, -1)
                for j, z in reversed(list(enumerate(self.net.z[l], start=1)))]

    def nodes_output_first(self) -> list[sp.Symbol]:
        # A network is a few layers deep, so only its δ-nodes need visiting up front.
        return [z for z, _ in self.delta_nodes()]

    @cached_property
    def _leaves(self) -> tuple[frozenset[sp.Symbol], frozenset[sp.Symbol]]:
        return frozenset(self.net.x), frozenset(self.net.y)

    def consumers(self, symbol: sp.Symbol) -> tuple[sp.Symbol, ...]:
        net = self.net
        fed = self._parameter_of.get(symbol)  # first: asked once for each of 101,770 weights
        if fed is not None:
            return (fed,)
        role, l, j = self._where.get(symbol, ("", 0, 0))
        if role == "z":
            return self._activation_of[symbol]
        if role == "a" and l < net.depth:
            return net.z[l + 1]
        if role == "a" or symbol in self._leaves[1]:
            return (self.output,) if self._loss_node and symbol in self._loss.free_symbols else ()
        if symbol in self._leaves[0]:
            return net.z[1]
        if symbol == self.output:
            return ()
        raise GraphError(f"{getattr(symbol, 'name', symbol)!r} is not part of this graph")

    def node_of(self, symbol: sp.Symbol) -> Node:
        """The node of an activation or of the loss (weighted sums: :meth:`weighted_sum_partials`)."""
        role, l, j = self._where.get(symbol, ("", 0, 0))
        if role == "a":
            expr = self._activations[l][j]
        elif self._loss_node and symbol == self.output:
            expr = self._loss
        else:
            raise GraphError(f"{getattr(symbol, 'name', symbol)!r} is not an activation or loss node of this view")
        parents = tuple(dict.fromkeys(s for s in sp.preorder_traversal(expr) if s.is_Symbol))
        return Node(symbol, expr, parents)

    def definitions(self) -> dict[sp.Expr, sp.Symbol]:
        out = {}
        for l in range(1, self.net.depth + 1):
            if self.net.layers[l - 1] == 1 and not self.net.b[l]:  # z = w a is a product, not a sum
                out.update({product(row[0], self.net.a[l - 1][0]): z for row, z in zip(self.net.W[l], self.net.z[l])})
            out.update({e: a for e, a in zip(self._activations[l], self.net.a[l]) if not e.is_Atom and not e.is_Add})
        if self._loss_node and not self._loss.is_Atom and not self._loss.is_Add:
            out[self._loss] = self.output
        return out

    def targets(self) -> tuple[sp.Symbol, ...]:
        return self.net.y

    def weighted_sum_partials(self, node: sp.Symbol) -> Mapping[sp.Symbol, sp.Expr] | None:
        """``∂z_j/∂p`` for every parent ``p`` of a layer's weighted sum ``z_j``; else ``None``."""
        role, l, j = self._where.get(node, ("", 0, 0))
        if role != "z":
            return None
        row, prev = self.net.W[l][j], self.net.a[l - 1]
        table: dict[sp.Symbol, sp.Expr] = dict(zip(row, prev))
        table.update(zip(prev, row))
        if self.net.b[l]:
            table[self.net.b[l][j]] = sp.S.One
        return table

    def resolve(self, key: sp.Symbol | str) -> sp.Symbol:
        """The parameter ``key`` names (symbol, LaTeX or plain name); any other name is
        looked up in the scalar graph, which is then made."""
        parsed = n.parse_name(key.name if isinstance(key, sp.Symbol) else str(key))
        if parsed is not None and parsed.kind in ("w", "b") and self._is_parameter(parsed):
            return n.symbol_for(parsed)
        return self.net.lookup(key)

    def _is_parameter(self, name: n.Name) -> bool:
        layers, l = self.net.layers, name.layer or 0
        if not 1 <= l < len(layers) or name.indices[0] > layers[l]:
            return False
        return name.indices[1] <= layers[l - 1] if name.kind == "w" else self.net.bias[l - 1]


def view_of(graph: Graph) -> GraphView | LayerView:
    """A network whose scalar graph is not made yet is read from its layers; anything else
    (a custom graph, a network already made, perhaps with nodes added) from its nodes."""
    if isinstance(graph, Network) and not graph.scalar_graph_built:
        return LayerView(graph)
    return GraphView(graph)
