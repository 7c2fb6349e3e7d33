"""What a notebook shows for the values a user holds: each as a small sheet.

A network shows its description, its table of layers and its picture; a graph its
description and the definition of every node; a derivation its whole chain rule, each
factor, the δ form and how it was checked (the section a sheet gives one parameter); a
backpropagation every gradient in δ form, in a table.  The values themselves never import
this module (a value knows no format): the package registers these with Jupyter by type
name (:func:`symbackprop.load_ipython_extension`), and each display is a
:class:`~symbackprop.sheet.model.Sheet`, so HTML (MathML, SVG) and Markdown come from the
sheet's own renderers.

>>> import symbackprop as sbp
>>> net = sbp.mlp([2, 2, 1])
>>> [s.anchor for s in network_display(net).sections]
['network']
>>> "<math" in derivation_display(sbp.derive(net)["w2_11"])._repr_html_()
True
"""

from __future__ import annotations

from symbackprop.derive import Backprop, Derivation
from symbackprop.derive.evaluate import backprop_of
from symbackprop.graph import Graph, Network
from symbackprop.graph.printing import latex

from .build import build_sheet
from .context import SMALL_NODES, Context
from .lang import say
from .model import Equation, Paragraph, Section, Sheet
from .params import expr_rows, parameter_section
from .summary import summary_section

__all__ = ["network_display", "graph_display", "derivation_display", "backprop_display"]


def _title(graph: Graph) -> str:
    return graph.describe() if isinstance(graph, Network) else say("en", "title.graph")


def network_display(net: Network) -> Sheet:
    """The network's description, table of layers and picture."""
    section = build_sheet(net, detail="summary").section("network")
    return Sheet(_title(net), (section,))


def graph_display(graph: Graph) -> Sheet:
    """A custom graph: its description and, when small, every node's definition."""
    if isinstance(graph, Network):
        return network_display(graph)
    section = build_sheet(graph, detail="summary").section("network")
    blocks = list(section.blocks)
    if len(graph.nodes) <= SMALL_NODES:
        rows = [row for nd in graph.nodes for row in expr_rows(latex(nd.symbol), nd.expr)]
        blocks += [Paragraph((say("en", "fwd.every_node"),)), Equation(tuple(rows))]
    return Sheet(_title(graph), (Section(section.title, tuple(blocks), anchor="network"),))


def derivation_display(d: Derivation) -> Sheet:
    """One derivation as a sheet gives it: the chain rule, each factor, the δ form, the
    expanded formula where small, and how it was checked."""
    ctx = Context(d.graph, d.backprop, None, None, None, True)
    return Sheet(_title(d.graph), (parameter_section(ctx, d.wrt),))


def backprop_display(bp: Backprop) -> Sheet:
    """Every gradient of the graph in δ form, in one table."""
    ctx = Context(bp.graph, backprop_of(bp.graph), None, None, None, True)
    params = list(bp.graph.params) or [s for s in bp.graph.leaves() if bp.graph.kind_of(s) != "target"]
    return Sheet(_title(bp.graph), (summary_section(ctx, params, set()),))
