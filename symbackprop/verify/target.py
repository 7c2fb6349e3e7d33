r"""What a formula differentiates: from ``--param``, from the left side of an equation, or both.

Anything in the graph can be differentiated: a parameter, an input, and any node but the
output.  ``∂L/∂z`` is the node's δ, written as ``\delta^{(l)}_j`` or as ``∂L/∂z^{(l)}_j``;
``∂L/∂a`` is the adjoint of ``a``, what the chain rule carries back to it.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.read.equation import split_equation
>>> net = mlp([2, 2, 1])
>>> target_of(net, None, split_equation(r"\delta^{(1)}_2 = 0"))
Target(symbol=z^{(1)}_{2}, delta=True, layer=None)
>>> derivation_of(net, target_of(net, "a1_1", split_equation("x1"))).delta_form
\delta^{(2)}_{1}*w^{(2)}_{11}
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbackprop.derive import Derivation
from symbackprop.derive.evaluate import backprop_of
from symbackprop.errors import FormulaError, GraphError
from symbackprop.graph import Graph
from symbackprop.graph.notation import plain
from symbackprop.read.equation import LOSS_NAMES, Equation
from symbackprop.read.matrix import KIND_TEXT, layer_target
from symbackprop.read.resolve import resolve_name

__all__ = ["Target", "target_of", "derivation_of"]


@dataclass(frozen=True)
class Target:
    """The leaf or node differentiated, and whether it was written as its δ; or a whole
    layer quantity, ``layer = ("w", 2)`` for ``W^{(2)}`` (then ``symbol`` is ``None``)."""

    symbol: sp.Symbol | None
    delta: bool = False
    layer: tuple[str, int | None] | None = None


def _layer(graph: Graph, name: str) -> Target | None:
    if getattr(graph, "layers", None) is None:
        return None
    key = layer_target(name, graph)
    if key is None:
        return None
    return Target(None, delta=key[0] in ("delta", "D"), layer=key)


def _symbol(graph: Graph, name: str | sp.Symbol, field: str) -> Target:
    if isinstance(name, sp.Symbol):
        found = name
    else:
        layer = _layer(graph, name)  # first: a whole layer is no entry, and big layers are costly to miss
        if layer is not None:
            return layer
        try:
            found = resolve_name(graph, name)
        except FormulaError as exc:
            raise GraphError(f"{field}: {exc.message}") from None
    for nd in graph.nodes:
        if nd.delta == found:
            return Target(nd.symbol, delta=True)
    if found == graph.output:
        raise GraphError(f"{field}: {plain(found)!r} is the loss itself; expected what it is differentiated by")
    if not (graph.is_node(found) or found in graph.leaves()):
        raise GraphError(f"{field}: {plain(found)!r} is not part of this graph")
    return Target(found)


def _check_loss(graph: Graph, loss: str) -> None:
    try:
        found: sp.Symbol | None = resolve_name(graph, loss)
    except FormulaError:
        found = None
    if found == graph.output or (found is None and loss.strip() in LOSS_NAMES):
        return
    names = ", ".join(dict.fromkeys([*LOSS_NAMES[:4], plain(graph.output)]))
    raise GraphError(
        f"left side: expected the loss ({names} or an alias of it) "
        f"to be differentiated, received {loss.strip()!r}"
    )


def target_of(graph: Graph, param: str | sp.Symbol | None, equation: Equation) -> Target:
    """What is differentiated, from ``param`` and the equation's left side.

    Raises:
        GraphError: neither is given, one names nothing in the graph (the message
            suggests the closest names), the left side's loss is not the loss, a δ on the
            left side is not a δ, or ``param`` and the left side disagree.
    """
    left = None
    if equation.target is not None:
        if equation.loss is not None:
            _check_loss(graph, equation.loss)
        left = _symbol(graph, equation.target, "left side")
        if equation.is_delta and not left.delta and left.layer is None:
            raise GraphError(
                f"left side: {equation.target.strip()!r} is not a derivative; expected "
                r"\frac{\partial L}{\partial θ}, dL/dθ, \nabla_{θ} L or \delta^{(l)}_j"
            )
    if param is None:
        if left is None:
            raise GraphError(
                "param: missing; name what the formula differentiates, or write an equation "
                r"like \frac{\partial L}{\partial w^{(2)}_{11}} = ..."
            )
        return left
    given = _symbol(graph, param, "param")
    if left is not None and (left.symbol, _same(left.layer)) != (given.symbol, _same(given.layer)):
        raise GraphError(
            f"param: {_shown(given)!r} disagrees with the left side of the equation, which "
            f"differentiates {_shown(left)!r}; give one, or make them agree"
        )
    return left or given


def _same(layer: tuple[str, int | None] | None) -> tuple[str, int | None] | None:
    return ("z", layer[1]) if layer is not None and layer[0] == "delta" else layer


def _shown(t: Target) -> str:
    return plain(t.symbol) if t.symbol is not None else KIND_TEXT[t.layer[0]] + str(t.layer[1] or "")  # type: ignore[index]


def derivation_of(graph: Graph, target: Target) -> Derivation:
    """The :class:`~symbackprop.derive.Derivation` of ``∂L/∂target``, for a leaf or a node."""
    if target.symbol is None:
        raise GraphError("a whole layer has no scalar derivation; it is checked in vector form")
    bp = backprop_of(graph)
    if not graph.is_node(target.symbol):
        return bp[target.symbol]
    # A node's derivative is what reaches it from its consumers, as for a leaf.
    form = sp.Add(*[adj * local for _, adj, local in bp.terms(target.symbol)])
    return Derivation(wrt=target.symbol, delta_form=form, backprop=bp)
