"""Build a derivation sheet: the network, forward pass, loss, δ recursion, every chosen
parameter's derivation with worked numbers and a verification stamp, and the cost of
backpropagation against differentiating each weight separately.

The result is a :class:`~symbackprop.sheet.model.Sheet` value; render it with
``sheet.render("tex" | "md" | "html")`` or display it in Jupyter.

>>> from symbackprop.read.spec import EXAMPLE
>>> sheet = build_sheet(EXAMPLE, params=["w2_11"])
>>> [s.anchor for s in sheet.sections]
['network', 'forward', 'loss', 'deltas', 'gradients', 'vector', 'cost']
>>> sheet.render("md").startswith("# A 2-2-2 sigmoid network")
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path as FilePath
from typing import Any

import sympy as sp

from symbackprop.derive.evaluate import Numbers, backprop_of, backward
from symbackprop.errors import GraphError, NumericalError, SpecError, closest
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import parse_name, plain, symbol_for
from symbackprop.graph.printing import latex, latex_with_numbers
from symbackprop.read import Spec, Values, load_spec

from .context import SMALL_NODES, Context
from .cost import count_costs
from .model import Equation, Math, Paragraph, Section, Sheet, Span, Table
from .numbers import DIGITS, number_latex
from .params import delta_rows, expr_rows, parameter_section
from .picture import network_picture
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


def _choose(graph: Graph, params: Iterable[str | sp.Symbol] | None) -> tuple[list[sp.Symbol], list[str]]:
    all_params = _differentiable(graph)
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


def _network_section(ctx: Context) -> Section:
    net = ctx.net
    if net is None:
        g = ctx.graph
        kinds = {k: len(g.leaves(k)) for k in ("input", "target", "parameter")}
        return Section("The graph", (Paragraph((
            f"A computation graph of {_count(len(g.nodes), 'node')} with {_count(kinds['input'], 'input')}, "
            f"{_count(kinds['target'], 'target')} and {_count(kinds['parameter'], 'parameter')}; its output is ",
            Math(latex(g.output)), ".",
        )),), anchor="network")
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


def _numbers_row(ctx: Context, symbol: sp.Symbol, expr: sp.Expr) -> tuple[str, str]:
    """``= (expr with every symbol replaced by its number) = value``."""
    env = ctx.numbers.values  # type: ignore[union-attr]
    return ("", "= " + latex_with_numbers(expr, env, digits=DIGITS) + " = " + number_latex(env[symbol]))


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
        for nd in nodes:
            rows = expr_rows(latex(nd.symbol), nd.expr)
            if ctx.numbers is not None:
                rows.append(_numbers_row(ctx, nd.symbol, nd.expr))
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
            rows.append(_numbers_row(ctx, out, nd.expr))
        blocks.append(Equation(tuple(rows)))
    return Section("Loss", tuple(blocks), anchor="loss")


def _delta_section(ctx: Context) -> Section:
    bp, net = ctx.bp, ctx.net
    blocks: list[Any] = [Paragraph((
        "The error signal of a node is the derivative of the loss with respect to it. Each is "
        "computed once, from the error signals after it, and shared by every parameter before it:",
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
        derivs = [Math(f"{a.latex}'(z) = {a.derivative_latex}") for a in dict.fromkeys(net.activations)]
        spans: list[Span] = ["with "]
        for k, m in enumerate(derivs):
            spans += ([", "] if k else []) + [m]
        blocks.append(Paragraph(tuple(spans) + (".",)))
    if ctx.small:
        blocks.append(Paragraph(("Every error signal of this network, output layer first:",)))
        for d in bp.deltas.values():
            rows = delta_rows(d)
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
            rows.append(("", "= " + latex(body)))
    rows.append(("", "= " + latex_with_numbers(body, env, digits=DIGITS) + " = " + number_latex(nums.deltas[d.symbol])))
    return rows


def _cost_section(ctx: Context) -> Section | None:
    c = count_costs(ctx.bp)
    if c.params == 0 or c.backprop_mults == 0:
        # Nothing to compare (a graph of inputs only, or no multiplication at all): a table
        # of zeros and "inf times fewer" would be noise.
        return None
    table = Table(
        (("Route",), ("Multiplications",)),
        (
            (("each parameter separately, every path product on its own",), (f"{c.separate_mults:,}",)),
            (("backpropagation, each ", Math(r"\delta"), " computed once and shared"), (f"{c.backprop_mults:,}",)),
        ),
    )
    return Section("Cost: why backpropagation", (
        Paragraph((
            f"The gradient of all {c.params:,} parameters of this network needs {c.paths:,} "
            "chain-rule paths. Written out path by path, each product is computed on its own; "
            "backpropagation computes each error signal once and reuses it for every weight "
            "that uses it. Counting every local partial as a number already known, a partial "
            "equal to 1 as free, and a product of k numbers as k - 1 multiplications:",
        )),
        table,
        Paragraph((f"Backpropagation needs {c.ratio:,.1f} times fewer multiplications here; "
                   "the gap grows with every layer, because the number of paths multiplies while "
                   "the number of connections only adds.",)),
    ), anchor="cost")


def _resolve(source: Spec | Graph | Mapping[str, Any] | str | FilePath) -> Spec:
    if isinstance(source, Spec):
        return source
    if isinstance(source, Graph):
        title = f"A {source.describe()}" if isinstance(source, Network) else "A computation graph"
        return Spec(source, None, title, "<graph>")
    return load_spec(source)


def _require_finite(numbers: Numbers, eta: float | None) -> None:
    """The sheet's numbers are finite in float64, as ``grad`` and ``check`` require, or the
    sheet is refused naming the first one that is not (the step ``η ∂L/∂θ`` included)."""
    for table in (numbers.values, numbers.deltas, numbers.gradients):
        for symbol, v in table.items():
            shown = [("", v)] + ([(" times η", v * eta)] if eta is not None and table is numbers.gradients else [])
            for what, x in shown:
                if not (x.is_number and x.is_finite and math.isfinite(float(x))):
                    raise NumericalError(
                        f"{plain(symbol)}{what}: expected a finite number within float64's range, "
                        f"received {sp.N(x, 6)}; a value overflowed, or a prediction reached "
                        "exactly 0 or 1 inside a logarithm")


def build_sheet(
    source: Spec | Graph | Mapping[str, Any] | str | FilePath,
    *,
    values: Values | Mapping[sp.Symbol | str, object] | None = None,
    params: Iterable[str | sp.Symbol] | None = None,
    expand: bool = True,
    title: str | None = None,
) -> Sheet:
    """Build the derivation sheet of a network or graph.

    Args:
        source: a :class:`Spec`, a network or graph, a spec dict, a spec file, or ``"2-2-2"``.
        values: numbers for the worked example: a spec's :class:`Values`, or ``{leaf:
            number}``; defaults to the spec's own values, if any.
        params: the parameters to derive (plain ``w1_12`` or LaTeX names); default: all of
            them for small networks, one weight per layer for large ones.
        expand: include the fully expanded formula where it is small enough.
        title: the sheet's title (default: the spec's).

    Returns:
        The :class:`Sheet`.

    Raises:
        SpecError: an unknown parameter name (the message lists the valid ones), or
            missing or invalid numbers.
    """
    spec = _resolve(source)
    graph = spec.network
    bp = backprop_of(graph)
    chosen, omitted = _choose(graph, params)
    vals = values if values is not None else spec.values
    assignment: dict[sp.Symbol, Any] | None = None
    eta = None
    if isinstance(vals, Values):
        if not isinstance(graph, Network):
            raise SpecError("values: spec Values need a layered network; pass {leaf: number} instead")
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
    if numbers is not None:
        _require_finite(numbers, eta)
    ctx = Context(graph, bp, numbers, assignment, eta, expand)
    heading = title or spec.title
    subsections = tuple(parameter_section(ctx, p) for p in chosen)
    gradients = Section("Gradients", (Paragraph((
        "For each parameter: the chain rule as a sum over paths, each factor worked out, the ",
        Math(r"\delta"), " form, the expanded formula"
        + (", the worked numbers" if numbers is not None else "") + ", and how it was verified.",
    )),), subsections, anchor="gradients")
    if not ctx.small:
        omitted.append(f"Node and error-signal definitions are listed only up to {SMALL_NODES} nodes "
                       f"(this graph has {len(graph.nodes):,}).")
    sections = [
        _network_section(ctx), _forward_section(ctx), _loss_section(ctx),
        _delta_section(ctx), gradients,
    ]
    cost = _cost_section(ctx)
    if cost is not None:
        sections.append(cost)
    if isinstance(graph, Network):
        vector = vector_section(graph)
        if vector is not None:
            sections.insert(5, vector)
    if omitted:
        sections.append(Section("Left out", tuple(Paragraph((o,)) for o in omitted), anchor="omitted"))
    return Sheet(heading, tuple(sections), tuple(omitted))
