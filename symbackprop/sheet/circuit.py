"""The circuit picture of a custom graph with numbers, in the style of CS231n's notes: each
leaf and node a box with its forward value, each wire labelled with the gradient that flows
back along it, ``adjoint(child) · ∂child/∂parent``.

Boxes stand in columns by depth (leaves first, the output last).  Graphs of more than
:data:`MAX_BOXES` leaves and nodes get no circuit: it would not be readable.

>>> import symbackprop as sbp
>>> g = sbp.Graph()
>>> x, y, z = g.inputs("x y z")
>>> q = g.node("q", x + y)
>>> g.set_output(g.node("f", q * z))
>>> from symbackprop.derive.evaluate import backward
>>> nums = backward(g, {"x": -2, "y": 5, "z": -4}, exact=True)
>>> c = circuit_picture(g, nums, [x, y, z])
>>> [(n.text, n.op, n.value, n.gradient) for n in c.nodes]
[('x', '', '-2', '-4'), ('y', '', '5', '-4'), ('z', '', '-4', '3'), ('q', '+', '3', '-4'), ('f', '×', '-12', '1')]
>>> [w for w in c.wires if w[1] == 4]
[(3, 4, '-4'), (2, 4, '3')]
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symbackprop.derive.evaluate import Numbers, backprop_of
from symbackprop.graph import Graph
from symbackprop.graph.notation import plain
from symbackprop.graph.printing import latex

from .lang import say
from .model import Circuit, CircuitNode
from .numbers import number_text

__all__ = ["MAX_BOXES", "circuit_picture", "gate_op"]

#: Most boxes (leaves and nodes) drawn in a circuit.
MAX_BOXES = 40

# How a gate names its operation, by the SymPy class of the node's expression.
_OPS = {"Add": "+", "Mul": "×", "exp": "exp", "log": "ln", "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU",
        "leaky_relu": "LReLU", "softplus": "softplus", "Max": "max", "Min": "min", "Abs": "|·|",
        "sin": "sin", "cos": "cos", "softmax": "softmax"}


def gate_op(expr: sp.Expr) -> str:
    """The operation a gate shows for a node's expression: ``+``, ``×``, ``exp``, ``σ``,
    ``1/x``, ``x²``; a copy of another node shows ``=``.

    >>> x, y = sp.symbols("x y")
    >>> [gate_op(e) for e in (x + y, 3 * x * y, sp.exp(x), 1 / x, x**2, x**3, sp.sqrt(x), x)]
    ['+', '×', 'exp', '1/x', 'x²', 'x^3', '√', '=']
    """
    if expr.is_Symbol:
        return "="
    if expr.is_Pow:
        base, power = expr.args
        return {-1: "1/x", 2: "x²", sp.Rational(1, 2): "√"}.get(power, f"x^{power}")
    name = type(expr).__name__
    return _OPS.get(name, name if len(name) <= 8 else "f")


def circuit_picture(graph: Graph, numbers: Numbers, wrt: Sequence[sp.Symbol], *, lang: str = "en") -> Circuit | None:
    """The circuit of ``graph`` at ``numbers``; ``None`` when it has too many boxes.

    ``wrt`` are the leaves whose gradients the sheet derives; other leaves (targets) are
    drawn with their value only.
    """
    leaves = [s for s in graph.leaves() if graph.consumers(s)]
    nodes = [nd.symbol for nd in graph.nodes]
    if len(leaves) + len(nodes) > MAX_BOXES:
        return None
    bp = backprop_of(graph)
    env = {**numbers.values, **numbers.deltas}
    depth: dict[sp.Symbol, int] = {s: 0 for s in leaves}
    for nd in graph.nodes:
        depth[nd.symbol] = 1 + max((depth[p] for p in nd.parents if p in depth), default=0)
    order = leaves + nodes
    index = {s: k for k, s in enumerate(order)}
    rows: dict[int, int] = {}
    boxes = []
    for s in order:
        column = depth[s]
        rows[column] = rows.get(column, -1) + 1
        adjoint = _adjoint_value(bp, s, env, graph.output)
        shown = adjoint is not None
        boxes.append(CircuitNode(latex(s), plain(s), number_text(numbers.values[s]),
                                 number_text(adjoint) if shown else "", column, rows[column],
                                 gate_op(graph.node_of(s).expr) if graph.is_node(s) else ""))
    wires = []
    for nd in graph.nodes:
        child_adjoint = _adjoint_value(bp, nd.symbol, env, graph.output)
        for parent in dict.fromkeys(nd.parents):
            if parent not in index:
                continue
            flow = None
            if child_adjoint is not None:
                flow = child_adjoint * bp.partial(nd.symbol, parent).xreplace(env)
            # Every wire carries its gradient, into a target as much as into a parameter.
            label = number_text(flow) if flow is not None and flow.is_number else ""
            wires.append((index[parent], index[nd.symbol], label))
    return Circuit(tuple(boxes), tuple(wires), say(lang, "pic.circuit"), say(lang, "pic.elsewhere_circuit"))


def _adjoint_value(bp, symbol: sp.Symbol, env: dict, output: sp.Symbol) -> sp.Expr | None:
    if symbol == output:
        return sp.S.One
    value = bp.adjoint(symbol).xreplace(env)
    return value if value.is_number else None
