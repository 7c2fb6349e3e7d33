"""The summary of a sheet: every gradient in one table, and the loss after one step.

Each row names a parameter (linked to its worked derivation when the sheet has one), its
gradient in δ form, its value and, with a learning rate, the parameter after one step of
gradient descent.  Below the table the output is recomputed with every parameter updated,
so a reader sees the step lower the loss.

>>> from symbackprop.read.spec import EXAMPLE
>>> from symbackprop.sheet import build_sheet
>>> sheet = build_sheet(EXAMPLE, detail="summary")
>>> [s.anchor for s in sheet.sections]
['network', 'summary']
"""

from __future__ import annotations

import sympy as sp

from symbackprop.derive.evaluate import forward
from symbackprop.graph.notation import plain
from symbackprop.graph.printing import latex

from .context import Context
from .model import Block, Link, Math, Paragraph, Section, Span, Table
from .numbers import number_latex
from .order import textbook_order
from .published import published_example

__all__ = ["MAX_SUMMARY_ROWS", "summary_section", "updated_output"]

#: Most rows of the summary table; a larger network lists the worked parameters and the
#: first and last parameter of every layer.
MAX_SUMMARY_ROWS = 60


def updated_output(ctx: Context, params: list[sp.Symbol] | None = None) -> tuple[float, float] | None:
    """The output before and after one gradient-descent step on ``params`` (default: every
    parameter; the others keep their values), or ``None`` without numbers or a learning rate."""
    nums, eta, assignment = ctx.numbers, ctx.eta, ctx.assignment
    if nums is None or eta is None or assignment is None:
        return None
    moved = dict(assignment)
    for p in ctx.graph.params if params is None else params:
        moved[p] = float(assignment[p]) - eta * float(nums.gradients[p])
    out = ctx.graph.output
    return float(nums.values[out]), float(forward(ctx.graph, moved, exact=False)[out])


def _weights(ctx: Context) -> list[sp.Symbol] | None:
    """A network's weights when it also has biases (the two steps differ), else ``None``."""
    net = ctx.net
    if net is None or not any(net.bias):
        return None
    return [w for l in range(1, len(net.layers)) for row in net.W[l] for w in row]


def _after_step(ctx: Context) -> list[Block]:
    """The output after one step: every parameter updated and, for a network with biases,
    the weights alone (the step many worked examples print), each labelled."""
    moved = updated_output(ctx)
    if moved is None:
        return []
    out = ctx.graph.output
    before, after = moved
    falls = after < before
    fields = dict(word=ctx.output_word, before=Math(f"{latex(out)} = {number_latex(before)}"),
                  after=Math(number_latex(after)))
    weights = _weights(ctx)
    if weights is None:
        return [Paragraph(ctx.spans("sum.falls" if falls else "sum.not_falls", **fields))]
    _, only = updated_output(ctx, weights)  # type: ignore[misc]
    known = published_example(ctx.graph, ctx.assignment or {}, ctx.eta)
    published: tuple[Span, ...] | str = ""
    if known is not None and number_latex(known.after_weights_only) != number_latex(only):
        published = ctx.spans("sum.published", source=known.source[ctx.lang],
                              published=Math(number_latex(known.after_weights_only)))
    # One sentence: the figures belong together (and a handout keeps its page count).
    return [Paragraph(ctx.spans("sum.falls_both" if falls else "sum.not_falls_both", **fields,
                                only=Math(number_latex(only)), published=published))]


def _rows_shown(ctx: Context, params: list[sp.Symbol], worked: set[sp.Symbol]) -> list[sp.Symbol]:
    if len(params) <= MAX_SUMMARY_ROWS:
        return params
    keep = set(worked)
    net = ctx.net
    if net is not None:
        for l in range(1, len(net.layers)):
            keep |= {net.W[l][0][0], net.W[l][-1][-1]}
    else:
        keep |= set(params[:MAX_SUMMARY_ROWS // 2])
    return [p for p in params if p in keep]


def summary_section(ctx: Context, params: list[sp.Symbol], worked: set[sp.Symbol]) -> Section:
    """The table of every parameter in ``params`` (textbook order) and the updated output.

    ``worked`` are the parameters with a section of their own (their rows link to it).
    """
    out = ctx.graph.output
    nums, eta = ctx.numbers, ctx.eta
    header: list[tuple[Span, ...]] = [(Math(r"\theta"),), (Math(rf"\partial {latex(out)} / \partial \theta"),)]
    if nums is not None:
        header.append((ctx.say("sum.value"),))
        if eta is not None and ctx.assignment is not None:
            header.append((ctx.say("sum.after"),))
    ordered = textbook_order(params)
    shown = _rows_shown(ctx, ordered, worked)
    rows = []
    for p in shown:
        name: tuple[Span, ...] = (Math(latex(p)),)
        cell: tuple[Span, ...] = (Link(name, plain(p)),) if p in worked else name
        row: list[tuple[Span, ...]] = [cell, (Math(latex(ctx.bp[p].delta_form)),)]
        if nums is not None:
            g = nums.gradients[p]
            row.append((Math(number_latex(g)),))
            if len(header) == 4 and ctx.assignment is not None and p in ctx.assignment:
                row.append((Math(number_latex(float(ctx.assignment[p]) - eta * float(g))),))  # type: ignore[operator]
        rows.append(tuple(row))
    blocks: list[Block] = []
    if len(header) == 4:
        rule = Math(r"\theta \leftarrow \theta - \eta\, \partial " + latex(out) + r" / \partial \theta")
        blocks.append(Paragraph(ctx.spans("sum.intro.step", rule=rule, eta=Math(rf"\eta = {number_latex(eta)}"))))
    else:
        blocks.append(Paragraph((ctx.say("sum.intro.values" if nums is not None else "sum.intro"),)))
    blocks.append(Table(tuple(header), tuple(rows)))
    if len(shown) < len(ordered):
        blocks.append(Paragraph((ctx.say("sum.left_out", n=f"{len(ordered) - len(shown):,}", total=f"{len(ordered):,}"),)))
    blocks += _after_step(ctx)
    return Section(ctx.say("sec.summary"), tuple(blocks), anchor="summary")
