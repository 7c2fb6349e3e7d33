"""Build a derivation sheet: the network, forward pass, loss, δ recursion, every chosen
parameter's derivation with worked numbers and a verification stamp, and the cost of
backpropagation against differentiating each weight separately.

The result is a :class:`~symbackprop.sheet.model.Sheet` value; render it with
``sheet.render("tex" | "md" | "html")`` or display it in Jupyter.

>>> from symbackprop.read.spec import EXAMPLE
>>> sheet = build_sheet(EXAMPLE, params=["w2_11"])
>>> [s.anchor for s in sheet.sections]
['network', 'forward', 'loss', 'deltas', 'gradients', 'summary', 'vector', 'cost']
>>> sheet.render("md").startswith("# A 2-2-2 sigmoid network")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path as FilePath
from typing import Any

import sympy as sp

from symbackprop.derive.evaluate import backprop_of, backward
from symbackprop.errors import GraphError, SpecError, closest
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import parse_name, plain, symbol_for
from symbackprop.graph.printing import latex, latex_with_numbers
from symbackprop.read import Spec, Values, load_spec

from .circuit import circuit_picture
from .context import SMALL_NODES, Context
from .cost import cost_section
from .linebreak import break_rows, worked_rows
from .model import Equation, Math, Paragraph, Section, Sheet, Span, Table
from .numbers import DIGITS, number_latex
from .order import DETAILS, one_per_layer, sort_key, textbook_order
from .params import delta_rows, expr_rows, parameter_section
from .picture import network_picture
from .summary import summary_section
from .vector import vector_section

__all__ = ["build_sheet", "SMALL_NODES", "MAX_PARAMS_ALL", "valid_param_names"]

#: Without ``params``, every parameter gets a section up to this many; beyond, a sample.
MAX_PARAMS_ALL = 40


def valid_param_names(graph: Graph) -> str:
    """The parameter names, all of them for small graphs, else per layer as ranges."""
    names = [plain(p) for p in _differentiable(graph)]
    if len(names) <= 30:
        return ", ".join(names)
    if isinstance(graph, Network):
        parts = []
        for l in range(1, len(graph.layers)):
            w = graph.W[l]
            parts.append(f"{plain(w[0][0])} ... {plain(w[-1][-1])}")
            if graph.b[l]:
                parts.append(f"{plain(graph.b[l][0])} ... {plain(graph.b[l][-1])}")
        return ", ".join(parts)
    return ", ".join(names[:20]) + f", ... ({len(names)} in all)"


def _lookup(graph: Graph, name: str | sp.Symbol) -> sp.Symbol:
    """``graph.lookup``, also reading ``w1_1_1`` for ``w1_11`` (indices always separated)."""
    try:
        return graph.lookup(name)
    except GraphError:
        parsed = parse_name(name) if isinstance(name, str) else None
        if parsed is None:
            raise
        return graph.lookup(symbol_for(parsed))


def _differentiable(graph: Graph) -> list[sp.Symbol]:
    """The parameters; for a graph without any (x, y, z -> f), its inputs, as ``derive`` does."""
    return list(graph.params) or [s for s in graph.leaves() if graph.kind_of(s) != "target"]


def _choose(graph: Graph, params: Iterable[str | sp.Symbol] | None,
            detail: str = "full") -> tuple[list[sp.Symbol], list[str]]:
    all_params = _differentiable(graph)
    if params is None and detail == "summary":
        return [], []
    if params is None and detail == "worked" and isinstance(graph, Network):
        return one_per_layer(graph), []
    if params is None:
        if len(all_params) <= MAX_PARAMS_ALL:
            return all_params, []
        chosen = []
        if isinstance(graph, Network):
            for l in range(1, len(graph.layers)):
                chosen.append(graph.W[l][0][0])
        else:
            chosen = all_params[:5]
        note = (f"{len(all_params) - len(chosen):,} of the {len(all_params):,} parameters have no "
                "section of their own (choose them with params= or --params); every one follows "
                "the δ recursion shown.")
        return chosen, [note]
    chosen = []
    for name in params:
        try:
            symbol = _lookup(graph, name)
        except GraphError:
            text = getattr(name, "name", str(name))
            hint = closest(text, [plain(p) for p in all_params])
            raise SpecError(
                f"params: unknown parameter {text!r}{hint}; valid names: {valid_param_names(graph)}"
            ) from None
        if symbol not in all_params:
            raise SpecError(
                f"params: {plain(symbol)!r} is a {graph.kind_of(symbol)}, not a parameter; "
                f"valid names: {valid_param_names(graph)}"
            )
        if symbol not in chosen:
            chosen.append(symbol)
    if not chosen:
        raise SpecError(f"params: expected at least one name; valid names: {valid_param_names(graph)}")
    return chosen, []


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 bias``, ``2 biases``, ``5,898 parameters``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _listing(symbols: list[sp.Symbol]) -> list[Span]:
    """``x``, ``y`` and ``z`` as spans."""
    out: list[Span] = []
    for k, sym in enumerate(symbols):
        if k:
            out.append(" and " if k == len(symbols) - 1 else ", ")
        out.append(Math(latex(sym)))
    return out


def _network_section(ctx: Context) -> Section:
    net = ctx.net
    if net is None:
        g = ctx.graph
        kinds = [_count(len(g.leaves(k)), k) for k in ("input", "target", "parameter") if g.leaves(k)]
        spans: list[Span] = [
            f"A computation graph of {_count(len(g.nodes), 'node')} with {' and '.join(kinds) or 'no leaves'}; "
            "its output is ", Math(latex(g.output)), ".",
        ]
        if ctx.leaves_only:
            leaves = _differentiable(g)
            spans += [" It has no parameters, so the sheet differentiates ", Math(latex(g.output)),
                      " with respect to its leaves "] + _listing(leaves) + ["."]
        blocks: list[Any] = [Paragraph(tuple(spans))]
        circuit = circuit_picture(g, ctx.numbers, _differentiable(g)) if ctx.numbers is not None else None
        if circuit is not None:
            blocks.append(circuit)
        return Section("The graph", tuple(blocks), anchor="network")
    rows: list[tuple[tuple[Span, ...], ...]] = [(("0 (input)",), (str(net.layers[0]),), (Math("x_i"), " inputs"), ("none",))]
    for l in range(1, len(net.layers)):
        act = net.activations[l - 1]
        n, m = net.layers[l], net.layers[l - 1]
        params = _count(n * m, "weight") + (", " + _count(n, "bias", "biases") if net.bias[l - 1] else "")
        role = "output" if l == net.depth else "hidden"
        rows.append(((f"{l} ({role})",), (str(n),), (Math(act.latex), f" {act.name}"), (params,)))
    blocks = [
        Paragraph((f"The network is a {net.describe()}, with {_count(net.n_params, 'parameter')}.",)),
        Table((("Layer",), ("Neurons",), ("Activation",), ("Parameters",)), tuple(rows)),
        Paragraph(("Loss: ", Math(net.loss.latex), f" ({net.loss.name}).")),
        Paragraph((
            "Notation: ", Math(r"w^{(l)}_{ji}"), " is the weight from neuron ", Math("i"),
            " of layer ", Math("l-1"), " to neuron ", Math("j"), " of layer ", Math("l"), "; ",
            Math(r"z^{(l)}_j"), " is the weighted input, ", Math(r"a^{(l)}_j"),
            " the activation (", Math(r"a^{(0)}_i = x_i"), "), and ",
            Math(r"\delta^{(l)}_j = \frac{\partial L}{\partial z^{(l)}_j}"), " the error signal.",
        )),
        network_picture(net),
    ]
    return Section("The network", tuple(blocks), anchor="network")


def _numbers_rows(ctx: Context, symbol: sp.Symbol, expr: sp.Expr) -> list[tuple[str, str]]:
    """``= (expr with every symbol replaced by its number) = value``, broken to fit."""
    env = ctx.numbers.values  # type: ignore[union-attr]
    return worked_rows(expr, lambda e: latex_with_numbers(e, env, digits=DIGITS), number_latex(env[symbol]))


def _generic_forward(net: Network) -> Equation:
    rows = []
    for l in range(1, len(net.layers)):
        bias = f" + b^{{({l})}}_j" if net.bias[l - 1] else ""
        rows.append((f"z^{{({l})}}_j", rf"= \sum_{{i=1}}^{{{net.layers[l - 1]}}} w^{{({l})}}_{{ji}}\, a^{{({l - 1})}}_i{bias}"))
        act = net.activations[l - 1]
        if act.elementwise:
            rows.append((f"a^{{({l})}}_j", rf"= {act.latex}\left(z^{{({l})}}_j\right)"))
        else:
            rows.append((f"a^{{({l})}}_j", rf"= {act.latex}\left(z^{{({l})}}\right)_j"))
    return Equation(tuple(rows))


def _forward_section(ctx: Context) -> Section:
    blocks: list[Any] = []
    if ctx.net is not None:
        blocks.append(Paragraph(("Each layer, for every neuron ", Math("j"), ":")))
        blocks.append(_generic_forward(ctx.net))
    loss_node = ctx.graph.output
    nodes = [nd for nd in ctx.graph.nodes if nd.symbol != loss_node or ctx.net is None]
    if ctx.small:
        if ctx.numbers is not None:
            blocks.append(Paragraph(("Every node, and its value for the given numbers:",)))
        else:
            blocks.append(Paragraph(("Every node:",)))
        rows = []
        for nd in nodes:
            rows += expr_rows(latex(nd.symbol), nd.expr)
            if ctx.numbers is not None:
                rows += _numbers_rows(ctx, nd.symbol, nd.expr)
        blocks.append(Equation(tuple(rows)))
    else:
        blocks.append(Paragraph((f"The {len(ctx.graph.nodes):,} node definitions are not listed "
                                 f"(over {SMALL_NODES} nodes).",)))
    return Section("Forward pass", tuple(blocks), anchor="forward")


def _loss_section(ctx: Context) -> Section:
    out = ctx.graph.output
    blocks: list[Any] = []
    if ctx.net is not None:
        blocks.append(Equation(((ctx.net.loss.latex, ""),)))
    nd = ctx.graph.node_of(out)
    if ctx.small or len(nd.parents) <= 20:
        rows = expr_rows(latex(out), nd.expr)
        if ctx.numbers is not None:
            rows += _numbers_rows(ctx, out, nd.expr)
        blocks.append(Equation(tuple(rows)))
    return Section("Loss" if _is_loss(ctx.graph) else "Output", tuple(blocks), anchor="loss")


def _is_loss(graph: Graph) -> bool:
    """A network's output is its loss; a custom graph's only when it compares with targets."""
    return isinstance(graph, Network) or bool(graph.leaves("target"))


_IVERSON = r"\frac{\partial a_k}{\partial z_j} = a_k\left([k = j] - a_j\right)"


def _delta_section(ctx: Context) -> Section:
    bp, net = ctx.bp, ctx.net
    blocks: list[Any] = [Paragraph((
        f"The error signal of a node is the derivative of the {ctx.output_word} with respect to it. Each is "
        "computed once, from the error signals after it, and shared by every "
        + ("leaf" if ctx.leaves_only else "parameter") + " before it:",
    ))]
    if net is not None:
        last = net.depth
        first = bp.delta_of(net.z[last][0])
        blocks.append(Paragraph((
            "Output layer (neuron 1 shown, the others alike), then each hidden layer from the one "
            "after it, and the gradients of the weights and biases:",
        )))
        rows = delta_rows(first)
        for l in range(last - 1, 0, -1):
            act = net.activations[l - 1]
            if act.elementwise:
                rows.append((rf"\delta^{{({l})}}_j", rf"= {act.latex}'\left(z^{{({l})}}_j\right) "
                             rf"\sum_{{k=1}}^{{{net.layers[l + 1]}}} w^{{({l + 1})}}_{{kj}}\, \delta^{{({l + 1})}}_k"))
        rows.append((r"\frac{\partial L}{\partial w^{(l)}_{ji}}", r"= \delta^{(l)}_j\, a^{(l-1)}_i"))
        if any(net.bias):
            rows.append((r"\frac{\partial L}{\partial b^{(l)}_j}", r"= \delta^{(l)}_j"))
        blocks.append(Equation(tuple(rows)))
        acts = list(dict.fromkeys(net.activations))
        spans: list[Span] = ["with "]
        for k, a in enumerate(acts):
            # Softmax's Jacobian has a Kronecker delta, which beside the error signals δ
            # would read as one of them: an Iverson bracket says the same unmistakably.
            text = _IVERSON if a.name == "softmax" else f"{a.latex}'(z) = {a.derivative_latex}"
            spans += ([", "] if k else []) + [Math(text)]
        if any(a.name == "softmax" for a in acts):
            spans += [", where ", Math("[k = j]"), " is 1 when ", Math("k = j"), " and 0 otherwise"]
        blocks.append(Paragraph(tuple(spans) + (".",)))
    if ctx.small:
        blocks.append(Paragraph(("Every error signal of this network, output layer first:"
                                 if net is not None else "Every error signal, from the output back:",)))
        rows = []
        for k, d in sorted(enumerate(bp.deltas.values()), key=lambda t: sort_key(t[1].node, t[0])):
            rows += delta_rows(d)
            if ctx.numbers is not None:
                rows += _numbers_rows_delta(ctx, d)
        blocks.append(Equation(tuple(rows)))
    return Section(("The ", Math(r"\delta"), " recursion"), tuple(blocks), anchor="deltas")


def _numbers_rows_delta(ctx: Context, d: Any) -> list[tuple[str, str]]:
    nums = ctx.numbers
    assert nums is not None
    env = {**nums.values, **nums.deltas}
    body, rows = d.expr, []
    if d.constraint is not None:
        # The simplified δ assumes the constraint; with targets that break it the numbers
        # come from the unsimplified chain (as in evaluate.backward), so show that one.
        value = float(d.expr.xreplace(env))
        if abs(value - float(nums.deltas[d.symbol])) > 1e-9 * max(1.0, abs(value)):
            body = d.chain
            rows.append(("", r"\quad \text{the targets break this assumption, so the full chain rule:}"))
            rows += [("", "= " + r if k == 0 else r) for k, r in enumerate(break_rows(body))]
    rows += worked_rows(body, lambda e: latex_with_numbers(e, env, digits=DIGITS), number_latex(nums.deltas[d.symbol]))
    return rows


def _derivation_sections(ctx: Context, chosen: list[sp.Symbol], detail: str, summary: Section) -> list[Section]:
    subsections = tuple(parameter_section(ctx, p) for p in chosen)
    which = ("One parameter of every layer, output layer first" if detail == "worked" and ctx.net is not None
             else "For each leaf" if ctx.leaves_only else "For each parameter")
    gradients = Section("Gradients", (Paragraph((
        f"{which}: the chain rule as a sum over paths, each factor worked out, the ",
        Math(r"\delta"), " form, the expanded formula"
        + (", the worked numbers" if ctx.numbers is not None else "") + ", and how it was checked.",
    )),), subsections, anchor="gradients")
    sections = [
        _network_section(ctx), _forward_section(ctx), _loss_section(ctx),
        _delta_section(ctx), gradients, summary,
    ]
    if ctx.net is not None:
        vector = vector_section(ctx.net)
        if vector is not None:
            sections.append(vector)
    cost = cost_section(ctx)
    if cost is not None:
        sections.append(cost)
    return sections


def _resolve(source: Spec | Graph | Mapping[str, Any] | str | FilePath) -> Spec:
    if isinstance(source, Spec):
        return source
    if isinstance(source, Graph):
        title = f"A {source.describe()}" if isinstance(source, Network) else "A computation graph"
        return Spec(source, None, title, "<graph>")
    return load_spec(source)


def build_sheet(
    source: Spec | Graph | Mapping[str, Any] | str | FilePath,
    *,
    values: Values | Mapping[sp.Symbol | str, object] | None = None,
    params: Iterable[str | sp.Symbol] | None = None,
    expand: bool = True,
    title: str | None = None,
    detail: str = "worked",
) -> Sheet:
    """Build the derivation sheet of a network or graph.

    Args:
        source: a :class:`Spec`, a network or graph, a spec dict, a spec file, or ``"2-2-2"``.
        values: numbers for the worked example: a spec's :class:`Values`, or ``{leaf:
            number}``; defaults to the spec's own values, if any.
        params: the parameters worked in full (plain ``w1_12`` or LaTeX names); default:
            the first weight of every layer (``detail="worked"``), every parameter of a
            small network (``"full"``), none (``"summary"``).
        expand: include the fully expanded formula where it is small enough.
        title: the sheet's title (default: the spec's).
        detail: ``"summary"`` (the network and the table of every gradient), ``"worked"``
            (the derivation, one parameter per layer in full, then the table) or ``"full"``
            (every parameter in full).  Sections run output layer first.

    Returns:
        The :class:`Sheet`.

    Raises:
        SpecError: an unknown parameter name (the message lists the valid ones), an
            unknown level of detail, or missing or invalid numbers.
    """
    if detail not in DETAILS:
        raise SpecError(f"detail: expected {', '.join(map(repr, DETAILS))}, received {detail!r}")
    spec = _resolve(source)
    graph = spec.network
    bp = backprop_of(graph)
    chosen, omitted = _choose(graph, params, detail)
    chosen = textbook_order(chosen)
    vals = values if values is not None else spec.values
    assignment: dict[sp.Symbol, Any] | None = None
    eta = None
    if isinstance(vals, Values):
        assignment = vals.assignment(graph)
        eta = vals.learning_rate
        if vals.batch and vals.x is not None and len(vals.x) > 1:
            omitted.append(f"The numbers are those of the first of the {len(vals.x)} samples.")
            if eta is not None:
                # A step with one sample's gradient is not the step the spec describes (the
                # gradient of the loss reduced over the batch); showing it would mislead.
                eta = None
                omitted.append("The gradient-descent step is left out: it uses the gradient of the "
                               f"loss over all {len(vals.x)} samples (symbackprop grad prints it).")
    elif vals is not None:
        assignment = {graph.lookup(k): v for k, v in vals.items()}
    numbers = backward(graph, assignment, exact=False) if assignment is not None else None
    ctx = Context(graph, bp, numbers, assignment, eta, expand)
    heading = title or spec.title
    summary = summary_section(ctx, _differentiable(graph), set(chosen),
                              output_word="loss" if _is_loss(graph) else "output")
    if detail == "summary":
        sections = [_network_section(ctx), summary]
    else:
        sections = _derivation_sections(ctx, chosen, detail, summary)
    if not ctx.small and detail != "summary":
        omitted.append(f"Node and error-signal definitions are listed only up to {SMALL_NODES} nodes "
                       f"(this graph has {len(graph.nodes):,}).")
    if omitted:
        sections.append(Section("Left out", tuple(Paragraph((o,)) for o in omitted), anchor="omitted"))
    return Sheet(heading, tuple(sections), tuple(omitted))
