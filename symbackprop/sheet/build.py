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
from dataclasses import replace
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

import sympy as sp

from symbackprop.derive.evaluate import Numbers, backprop_of, backward
from symbackprop.derive.finite import is_float64, refuse
from symbackprop.errors import SpecError
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import plain
from symbackprop.graph.printing import latex, latex_with_numbers
from symbackprop.read import Spec, Values

from .choose import MAX_PARAMS_ALL, choose_params, differentiable, valid_param_names
from .circuit import circuit_picture
from .context import SMALL_NODES, Context
from .cost import cost_section
from .lang import check_lang, listing, say, term
from .linebreak import break_rows, row_width, worked_rows
from .model import Equation, Math, Paragraph, Section, Sheet, Span, Table
from .notes import derivative_note
from .numbers import DIGITS, number_latex
from .order import DETAILS, sort_key, textbook_order
from .params import delta_rows, expr_rows, parameter_section
from .picture import network_picture
from .source import network_words, resolve_spec, sheet_title
from .summary import summary_section
from .vector import vector_section

if TYPE_CHECKING:
    from symbackprop.derive.programs import Program
    from symbackprop.graph.array_program import ArrayProgram

__all__ = ["build_sheet", "SMALL_NODES", "MAX_PARAMS_ALL", "valid_param_names"]


def _listing(ctx: Context, symbols: list[sp.Symbol]) -> list[Span]:
    """``x``, ``y`` and ``z`` as spans."""
    return list(listing(ctx.lang, [Math(latex(sym)) for sym in symbols]))


def _network_section(ctx: Context) -> Section:
    net = ctx.net
    if net is None:
        g = ctx.graph
        kinds = [ctx.count(len(g.leaves(k)), k) for k in ("input", "target", "parameter") if g.leaves(k)]
        spans: list[Span] = list(ctx.spans(
            "graph.about", nodes=ctx.count(len(g.nodes), "node"),
            leaves=ctx.say("and").join(kinds) or ctx.say("graph.no_leaves"), out=Math(latex(g.output))))
        if ctx.leaves_only:
            leaves = differentiable(g)
            spans += list(ctx.spans("graph.leaves_only", out=Math(latex(g.output)))) + _listing(ctx, leaves)
            spans.append(ctx.say("graph.leaves_end"))
        blocks: list[Any] = [Paragraph(tuple(spans))]
        circuit = circuit_picture(g, ctx.numbers, differentiable(g), lang=ctx.lang) if ctx.numbers is not None else None
        if circuit is not None:
            blocks.append(circuit)
        return Section(ctx.say("sec.graph"), tuple(blocks), anchor="network")
    rows: list[tuple[tuple[Span, ...], ...]] = [((ctx.say("net.input"),), (str(net.layers[0]),),
                                                 (Math("x_i"), ctx.say("net.inputs")), (ctx.say("net.none"),))]
    for l in range(1, len(net.layers)):
        act = net.activations[l - 1]
        n, m = net.layers[l], net.layers[l - 1]
        params = ctx.count(n * m, "weight") + (", " + ctx.count(n, "bias") if net.bias[l - 1] else "")
        role = ctx.say("net.output" if l == net.depth else "net.hidden", l=l)
        rows.append(((role,), (str(n),), (Math(act.latex), " " + term(ctx.lang, "act", act.name)), (params,)))
    head = tuple((ctx.say(f"net.head.{k}"),) for k in ("layer", "neurons", "activation", "parameters"))
    blocks = [
        Paragraph((ctx.say("net.about", describe=network_words(net, ctx.lang),
                           params=ctx.count(net.n_params, "parameter")),)),
        Table(head, tuple(rows)),
        Paragraph(ctx.spans("net.loss", loss=Math(net.loss.latex), name=term(ctx.lang, "loss", net.loss.name))),
        Paragraph(ctx.spans(
            "net.notation", w=Math(r"w^{(l)}_{ji}"), i=Math("i"), lm1=Math("l-1"), j=Math("j"), l=Math("l"),
            z=Math(r"z^{(l)}_j"), a=Math(r"a^{(l)}_j"), a0=Math(r"a^{(0)}_i = x_i"),
            delta=Math(r"\delta^{(l)}_j = \frac{\partial L}{\partial z^{(l)}_j}"))),
        network_picture(net, lang=ctx.lang, numbers=ctx.numbers.values if ctx.numbers is not None else None),
    ]
    return Section(ctx.say("sec.network"), tuple(blocks), anchor="network")


def _numbers_rows(ctx: Context, symbol: sp.Symbol, expr: sp.Expr) -> list[tuple[str, str]]:
    """``= (expr with every symbol replaced by its number) = value``, broken to fit."""
    env = ctx.numbers.values  # type: ignore[union-attr]
    return worked_rows(expr, lambda e: latex_with_numbers(e, env, digits=DIGITS), number_latex(env[symbol]),
                       width=row_width(latex(symbol)))


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
        blocks.append(Paragraph(ctx.spans("fwd.each_layer", j=Math("j"))))
        blocks.append(_generic_forward(ctx.net))
    loss_node = ctx.graph.output
    nodes = [nd for nd in ctx.graph.nodes if nd.symbol != loss_node or ctx.net is None]
    if ctx.small:
        blocks.append(Paragraph((ctx.say("fwd.every_node_numbers" if ctx.numbers is not None else "fwd.every_node"),)))
        rows = []
        for nd in nodes:
            rows += expr_rows(latex(nd.symbol), nd.expr)
            if ctx.numbers is not None:
                rows += _numbers_rows(ctx, nd.symbol, nd.expr)
        blocks.append(Equation(tuple(rows)))
    else:
        blocks.append(Paragraph((ctx.say("fwd.not_listed", n=f"{len(ctx.graph.nodes):,}", limit=SMALL_NODES),)))
    return Section(ctx.say("sec.forward"), tuple(blocks), anchor="forward")


def _loss_section(ctx: Context) -> Section:
    out = ctx.graph.output
    blocks: list[Any] = []
    if ctx.net is not None:
        # The loss's definition names the output layer "out"; here, its number.
        last = rf"a^{{(\mathrm{{out}})}}_k = a^{{({ctx.net.depth})}}_k"
        blocks.append(Equation(((ctx.net.loss.latex + r",\qquad " + last, ""),)))
    nd = ctx.graph.node_of(out)
    if ctx.small or len(nd.parents) <= 20:
        rows = expr_rows(latex(out), nd.expr)
        if ctx.numbers is not None:
            rows += _numbers_rows(ctx, out, nd.expr)
        blocks.append(Equation(tuple(rows)))
    return Section(ctx.say("sec.loss" if ctx.is_loss else "sec.output"), tuple(blocks), anchor="loss")


def _delta_section(ctx: Context) -> Section:
    bp, net = ctx.bp, ctx.net
    who = ctx.say("delta.who.leaf" if ctx.leaves_only else "delta.who.parameter")
    blocks: list[Any] = [Paragraph((ctx.say("delta.intro", word=ctx.output_word, who=who),))]
    if net is not None:
        last = net.depth
        first = bp.delta_of(net.z[last][0])
        blocks.append(Paragraph((ctx.say("delta.layers"),)))
        rows = delta_rows(first, ctx.lang)
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
        spans: list[Span] = [ctx.say("delta.with")]
        for k, a in enumerate(acts):
            spans += ([", "] if k else []) + [Math(derivative_note(a))]
        if any(a.name == "softmax" for a in acts):
            spans += ctx.spans("delta.iverson", bracket=Math("[k = j]"), kj=Math("k = j"))
        blocks.append(Paragraph(tuple(spans) + (".",)))
    if ctx.small:
        blocks.append(Paragraph((ctx.say("delta.every_network" if net is not None else "delta.every_graph"),)))
        rows = []
        for k, d in sorted(enumerate(bp.deltas.values()), key=lambda t: sort_key(t[1].node, t[0])):
            rows += delta_rows(d, ctx.lang)
            if ctx.numbers is not None:
                rows += _numbers_rows_delta(ctx, d)
        blocks.append(Equation(tuple(rows)))
    return Section(ctx.spans("sec.deltas", delta=Math(r"\delta", "δ")), tuple(blocks), anchor="deltas")


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
            rows.append(("", r"\quad \text{" + ctx.say("delta.broken") + "}"))
            rows += [("", "= " + r if k == 0 else r) for k, r in enumerate(break_rows(body))]
    rows += worked_rows(body, lambda e: latex_with_numbers(e, env, digits=DIGITS), number_latex(nums.deltas[d.symbol]),
                        width=row_width(latex(d.symbol)))
    return rows


def _derivation_sections(ctx: Context, chosen: list[sp.Symbol], detail: str, summary: Section, code: str | None):
    subsections = tuple(parameter_section(ctx, p, fold=detail == "worked") for p in chosen)
    which = ctx.say("grad.which.worked" if detail == "worked" and ctx.net is not None
                    else "grad.which.leaf" if ctx.leaves_only else "grad.which.parameter")
    numbers = ctx.say("grad.intro.numbers") if ctx.numbers is not None else ""
    gradients = Section(ctx.say("sec.gradients"), (Paragraph(
        ctx.spans("grad.intro", which=which, delta=Math(r"\delta"), numbers=numbers)),), subsections, anchor="gradients")
    sections = [
        _network_section(ctx), _forward_section(ctx), _loss_section(ctx),
        _delta_section(ctx), gradients, summary,
    ]
    if ctx.net is not None:
        vector = vector_section(ctx.net, ctx.lang, code)
        if vector is not None:
            sections.append(vector)
    cost = cost_section(ctx)
    if cost is not None:
        sections.append(cost)
    return sections


def _require_finite(numbers: Numbers, eta: float | None) -> None:
    """The sheet's numbers are finite in float64, as ``grad`` and ``check`` require, or the
    sheet is refused naming the first one that is not (the step ``η ∂L/∂θ`` included)."""
    for table in (numbers.values, numbers.deltas, numbers.gradients):
        for symbol, v in table.items():
            shown = [("", v)] + ([(" times η", v * eta)] if eta is not None and table is numbers.gradients else [])
            for what, x in shown:
                if not is_float64(x):
                    raise refuse(f"{plain(symbol)}{what}", x)


def build_sheet(
    source: Spec | Graph | Program | ArrayProgram | Mapping[str, Any] | str | FilePath,
    *,
    values: Values | Mapping[sp.Symbol | str, object] | None = None,
    params: Iterable[str | sp.Symbol] | None = None,
    expand: bool = True,
    title: str | None = None,
    detail: str = "worked",
    lang: str = "en",
    seed: int = 0,
    code: str | None = None,
    author: str = "",
) -> Sheet:
    """Build the derivation sheet of a network, graph or array program.

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
        lang: the language of the prose, ``"en"`` or ``"ko"`` (Korean).
        seed, code: a program's seed without ``[values]``; the code beside the backward pass, if any.
        author: a line under the title (a name, a course); none by default.

    Returns:
        The :class:`Sheet` (a program's is :func:`~symbackprop.sheet.program.program_sheet`'s).

    Raises:
        SpecError: an unknown parameter name (the message lists the valid ones), an
            unknown level of detail or language, or missing or invalid numbers.
    """
    if detail not in DETAILS:
        raise SpecError(f"detail: expected {', '.join(map(repr, DETAILS))}, received {detail!r}")
    check_lang(lang)
    spec = resolve_spec(source)
    if spec.is_program:
        if params is not None or values is not None:
            raise SpecError("params/values: a program's sheet shows every line at its [values] or seed; remove them")
        from symbackprop.derive.programs import Program

        from .program import program_sheet  # loads numpy: only a program's sheet computes arrays
        sheet = program_sheet(Program(spec.network), lang=lang, seed=seed, code=code or "numpy", title=title)
        return replace(sheet, author=author)
    graph = spec.network
    bp = backprop_of(graph)
    chosen, omitted = choose_params(graph, params, detail, lang)
    chosen = textbook_order(chosen)
    vals = values if values is not None else spec.values
    assignment: dict[sp.Symbol, Any] | None = None
    eta = None
    if isinstance(vals, Values):
        assignment = vals.assignment(graph)
        eta = vals.learning_rate
        if vals.batch and vals.x is not None and len(vals.x) > 1:
            omitted.append(say(lang, "omit.first_sample", n=len(vals.x)))
            if eta is not None:
                # A step with one sample's gradient is not the step the spec describes (the
                # gradient of the loss reduced over the batch); showing it would mislead.
                eta = None
                omitted.append(say(lang, "omit.step", n=len(vals.x)))
    elif vals is not None:
        assignment = {graph.lookup(k): v for k, v in vals.items()}
    numbers = backward(graph, assignment, exact=False) if assignment is not None else None
    if numbers is not None:
        _require_finite(numbers, eta)
    ctx = Context(graph, bp, numbers, assignment, eta, expand, lang)
    heading = title or sheet_title(spec, lang)
    summary = summary_section(ctx, differentiable(graph), set(chosen))
    if detail == "summary":
        sections = [_network_section(ctx), summary]
    else:
        sections = _derivation_sections(ctx, chosen, detail, summary, code)
    if not ctx.small and detail != "summary":
        omitted.append(say(lang, "omit.small", limit=SMALL_NODES, n=f"{len(graph.nodes):,}"))
    if omitted:
        sections.append(Section(say(lang, "sec.omitted"), tuple(Paragraph((o,)) for o in omitted), anchor="omitted"))
    return Sheet(heading, tuple(sections), tuple(omitted), lang, author)
