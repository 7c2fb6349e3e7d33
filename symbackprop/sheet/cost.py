"""What backpropagation saves, counted for one network: multiplications with and without δ.

Counting rule, stated on the sheet: every local partial ``∂child/∂parent`` is a number
already computed (both routes need the same ones); a partial equal to 1 (``∂z/∂b``) costs
nothing; multiplying ``k`` numbers costs ``k - 1`` multiplications.

* *Each weight separately*: every path from the parameter to the loss is a product of its
  partials, computed on its own (the Leibniz sum written out), for every parameter.
* *Backpropagation*: each node's adjoint ``Σ_c adjoint(c)·∂c/∂node`` is computed once and
  shared, so there is one multiplication per connection of the graph.

Both counts are computed without listing paths (a dynamic program over the graph), so the
count for a [784, 128, 10] network is as fast as its derivation.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.derive.backprop import derive
>>> c = count_costs(derive(mlp([2, 2, 2])))
>>> c.separate_mults, c.backprop_mults, c.paths
(54, 16, 18)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbackprop.derive import Backprop

from .context import Context
from .model import Math, Paragraph, Section, Table

__all__ = ["Cost", "count_costs", "path_count", "cost_section"]


@dataclass(frozen=True)
class Cost:
    """Multiplication counts for the gradient of every parameter of one graph.

    Attributes:
        params: how many parameters were counted.
        paths: total number of parameter-to-loss paths (Leibniz terms).
        separate_mults: multiplications when each path product is computed on its own.
        backprop_mults: multiplications of reverse accumulation (δs shared).
    """

    params: int
    paths: int
    separate_mults: int
    backprop_mults: int

    @property
    def ratio(self) -> float:
        """How many times more multiplications the separate route needs."""
        return self.separate_mults / self.backprop_mults if self.backprop_mults else float("inf")


def _nontrivial(bp: Backprop, child: sp.Symbol, parent: sp.Symbol) -> int:
    # SymPy's 1 is a singleton, and an identity test is much cheaper than == on 10^5 edges.
    return 0 if bp.partial(child, parent) is sp.S.One else 1


def _tables(bp: Backprop) -> tuple[dict[sp.Symbol, int], dict[sp.Symbol, int]]:
    """Per node: the number of paths to the output, and the total nontrivial factors on them."""
    graph, out = bp.graph, bp.graph.output
    paths: dict[sp.Symbol, int] = {out: 1}
    factors: dict[sp.Symbol, int] = {out: 0}
    for nd in reversed(graph.nodes):
        s = nd.symbol
        if s == out:
            continue
        p = f = 0
        for c in graph.consumers(s):
            if c in paths:
                p += paths[c]
                f += factors[c] + paths[c] * _nontrivial(bp, c, s)
        if p:
            paths[s], factors[s] = p, f
    return paths, factors


def path_count(bp: Backprop, param: sp.Symbol) -> int:
    """The number of chain-rule paths from ``param`` to the output, without listing them."""
    paths, _ = _tables(bp)
    return sum(paths[c] for c in bp.graph.consumers(param) if c in paths)


def count_costs(bp: Backprop) -> Cost:
    """Count both routes for every parameter of ``bp.graph`` (see the module docstring)."""
    graph, out = bp.graph, bp.graph.output
    paths, factors = _tables(bp)
    total_paths = separate = 0
    for prm in graph.params:
        p = f = 0
        for c in graph.consumers(prm):
            if c in paths:
                p += paths[c]
                f += factors[c] + paths[c] * _nontrivial(bp, c, prm)
        total_paths += p
        separate += f - p  # a path of k nontrivial factors: k - 1 multiplications
    shared = 0
    params = set(graph.params)
    for nd in graph.nodes:
        if nd.symbol == out or nd.symbol not in paths:
            continue
        # The loss itself is skipped above: its adjoint is 1, so passing ∂L/∂a on is free.
        for parent in set(nd.parents):
            if graph.is_node(parent) or parent in params:
                shared += _nontrivial(bp, nd.symbol, parent)
    return Cost(len(graph.params), total_paths, separate, shared)


def cost_section(ctx: Context) -> Section | None:
    """The section comparing both routes, or ``None`` when there is nothing to compare."""
    c = count_costs(ctx.bp)
    if c.params == 0 or c.backprop_mults == 0:
        # Nothing to compare (a graph of inputs only, or no multiplication at all): a table
        # of zeros and "inf times fewer" would be noise.
        return None
    table = Table(
        ((ctx.say("cost.route"),), (ctx.say("cost.mults"),)),
        (
            ((ctx.say("cost.separate"),), (f"{c.separate_mults:,}",)),
            (ctx.spans("cost.backprop", delta=Math(r"\delta")), (f"{c.backprop_mults:,}",)),
        ),
    )
    return Section(ctx.say("sec.cost"), (
        Paragraph((ctx.say("cost.intro", params=f"{c.params:,}", paths=f"{c.paths:,}"),)),
        table,
        Paragraph((ctx.say("cost.ratio", ratio=f"{c.ratio:,.1f}"),)),
    ), anchor="cost")
