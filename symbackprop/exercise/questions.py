r"""The questions of an exercise, read from ``--ask`` with the one name resolver, and their answers.

A question is a scalar gradient (``w2_11``, ``b^{(1)}_2``), one δ (``z1_1`` or
``\delta^{(1)}_1``) or a whole layer in vector form (``W2``, ``b2``, ``delta1`` or
``W^{(2)}``, ``\delta^{(1)}``); ``layer`` asks for one weight per layer.

>>> from symbackprop.read import load_spec
>>> net = load_spec("2-2-1").network
>>> [q.name for q in read_questions(net, "w2_11, delta1, layer")]
['w2_11', '\\delta^{(1)}', 'w1_11']
>>> read_questions(net, "z1_2")[0].kind
'delta'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symbackprop.derive import backward, derive, vector_form
from symbackprop.errors import FormulaError, SpecError
from symbackprop.graph import Network
from symbackprop.graph.notation import plain
from symbackprop.graph.printing import latex
from symbackprop.read import Spec, split_names
from symbackprop.read.matrix import node_text, parse_matrix
from symbackprop.read.resolve import resolve_name

__all__ = ["KINDS", "Question", "read_questions", "solve"]

#: What a question asks for: one gradient entry, one δ, or a whole layer in vector form.
KINDS = ("scalar", "delta", "layer")

# The plain spellings of whole layers that the formula notation writes with a superscript.
_PLAIN_LAYER = re.compile(r"^(W|b|delta|δ)(\d+)$")
_LAYER_LATEX = {"W": "W^{{({l})}}", "b": "b^{{({l})}}", "delta": r"\delta^{{({l})}}", "δ": r"\delta^{{({l})}}"}
_LAYER_LABEL = {"w": r"\frac{{\partial L}}{{\partial W^{{({l})}}}}", "b": r"\frac{{\partial L}}{{\partial \mathbf{{b}}^{{({l})}}}}",
                "delta": r"\boldsymbol{{\delta}}^{{({l})}}"}


@dataclass(frozen=True)
class Question:
    """One question: ``name`` is what :func:`symbackprop.verify.verify` differentiates,
    ``label`` the LaTeX of what is asked (``\\frac{\\partial L}{\\partial w^{(2)}_{11}}``)."""

    name: str
    kind: str
    label: str
    symbol: sp.Symbol | None = None
    layer: tuple[str, int] | None = None

    @property
    def shown(self) -> str:
        """The name as a sheet prints it in text: ``w2_11``, ``δ1_2``, ``W⁽²⁾``, ``δ⁽¹⁾``."""
        if self.layer is not None:
            return node_text("leaf", self.layer)
        if self.symbol is not None:
            return ("δ" if self.kind == "delta" else "") + plain(self.symbol).removeprefix("z" if self.kind == "delta" else "")
        return self.name


def _one(net: Network, text: str) -> Question:
    m = _PLAIN_LAYER.match(text)
    written = _LAYER_LATEX[m.group(1)].format(l=m.group(2)) if m else text
    try:
        tree = parse_matrix(written, net)
    except FormulaError as exc:
        raise SpecError(f"--ask: {text!r}: {exc.summary}") from None
    if tree.op == "leaf":
        kind, l = tree.args
        if kind not in _LAYER_LABEL or not (1 <= int(l or 0) < len(net.layers)):
            raise SpecError(f"--ask: {text!r}: expected W, b or δ of a layer 1 to {net.depth}")
        return Question(written, "layer", _LAYER_LABEL[kind].format(l=l), layer=(kind, int(l)))
    if tree.op != "scalar":
        raise SpecError(f"--ask: {text!r}: expected one name, received a formula")
    symbol = tree.args[0]
    for nd in net.nodes:
        if symbol in (nd.delta, nd.symbol) and nd.delta is not None:
            return Question(plain(nd.symbol), "delta", latex(nd.delta), symbol=nd.symbol)
    try:
        symbol = resolve_name(net, written)
    except FormulaError as exc:
        raise SpecError(f"--ask: {text!r}: {exc.summary}") from None
    if symbol not in net.params:
        what = "a node" if net.is_node(symbol) else f"an {net.kind_of(symbol)}"
        raise SpecError(f"--ask: {text!r} is {what}; "
                        "expected a parameter (w2_11), a δ (z1_1) or a layer (W2, b2, delta1)")
    return Question(plain(symbol), "scalar", rf"\frac{{\partial L}}{{\partial {latex(symbol)}}}", symbol=symbol)


def read_questions(net: object, text: str) -> list[Question]:
    """The questions ``text`` asks (comma-separated), in order, each once.

    Raises:
        SpecError: the network is not a layered one, nothing is asked, or a name is in no
            layer of it (the message suggests the closest names).
    """
    if not isinstance(net, Network):
        raise SpecError("spec: exercises need a layered network (layers = [...]), not a custom [graph]")
    names = split_names(text)
    if not names:
        raise SpecError("--ask: expected names like w2_11,delta1,W2 or 'layer', received none")
    out: list[Question] = []
    for name in names:
        expanded = [f"w{l}_11" for l in range(net.depth, 0, -1)] if name == "layer" else [name]
        for one in expanded:
            q = _one(net, one)
            if q not in out:
                out.append(q)
    return out


def _number(value: sp.Expr) -> float:
    return float(value)


@dataclass(frozen=True)
class Answer:
    """The answer to a question: its formula in LaTeX (the vector form for a layer), for a
    layer also the same entry by entry, and its value (nested lists for a layer)."""

    formula: str
    value: Any
    entries: str = ""


def _vector_line(net: Network, label: str) -> str:
    # The vector form prints one line per layer quantity; the question's label is its left side.
    for line in vector_form(net).latex_lines(batch=False):
        if line.startswith(label + " = "):
            return line[len(label) + 3:]
    return ""


def solve(spec: Spec, q: Question) -> Answer:
    r"""The answer to ``q`` at the spec's numbers, through the symbolic δ recursion.

    Raises:
        SpecError: the spec has no numbers, or a batch of samples.

    >>> from symbackprop.read import EXAMPLE, load_spec
    >>> spec = load_spec(EXAMPLE)
    >>> print(solve(spec, read_questions(spec.network, "W2")[0]).formula)
    \boldsymbol{\delta}^{(2)} \left(\mathbf{a}^{(1)}\right)^{\top}
    """
    net = spec.network
    if spec.values is None:
        raise SpecError("values: missing; an exercise needs the numbers of one sample")
    if spec.values.batch and spec.values.x is not None and len(spec.values.x) > 1:
        raise SpecError(f"values.x: expected one sample, received {len(spec.values.x)}")
    numbers = backward(net, spec.values.assignment(net), exact=False)
    bp = derive(net)
    if q.kind == "scalar":
        return Answer(latex(bp[q.symbol].delta_form), _number(numbers.gradients[q.symbol]))
    if q.kind == "delta":
        d = bp.deltas[q.symbol]
        return Answer(latex(d.expr), _number(numbers.deltas[d.symbol]))
    kind, l = q.layer  # type: ignore[misc]
    vf = vector_form(net)
    if kind == "w":
        value: Any = [[_number(numbers.gradients[w]) for w in row] for row in net.W[l]]
        entries = vf.weight_gradient(l)
    elif kind == "b":
        value = [_number(numbers.gradients[b]) for b in net.b[l]]
        entries = vf.bias_gradient(l)
    else:
        value = [_number(numbers.deltas[bp.deltas[z].symbol]) for z in net.z[l]]
        entries = vf.delta_rule(l)
    return Answer(_vector_line(net, q.label) or latex(entries), value, latex(entries))
