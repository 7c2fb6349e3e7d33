"""One parameter's part of a sheet: Leibniz chain, factors, δ form, expansion, numbers, stamp.

Used by :func:`symbackprop.sheet.build.build_sheet`; the context it reads is
:class:`symbackprop.sheet.context.Context`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symbackprop.derive import Delta, Derivation, Factor, Path
from symbackprop.derive.finite import is_float64
from symbackprop.derive.latex import factors_latex, leibniz_latex
from symbackprop.errors import TooLargeError
from symbackprop.graph.notation import parse_name, plain
from symbackprop.graph.printing import latex, latex_with_numbers, partial_latex

from .context import Context
from .cost import path_count
from .lang import say
from .linebreak import ROW_WIDTH, break_rows, row_width, visual_width
from .model import Block, Code, Equation, Fold, Math, Paragraph, Section
from .numbers import DIGITS, number_latex, verification_stamp
from .order import sort_key
from .picture import network_picture

__all__ = ["parameter_section", "expr_rows", "delta_rows", "MAX_PATHS_LISTED", "MAX_EXPANDED", "MAX_DELTAS_LISTED",
           "MAX_UNFOLDED_ROWS"]

#: Most chain-rule paths written out one by one.
MAX_PATHS_LISTED = 8
#: Largest expanded formula (expression-tree nodes) printed on a sheet: beyond this a
#: formula runs over several pages and helps no one.
MAX_EXPANDED = 400
#: Longest expanded formula (rows) a ``worked`` sheet shows unfolded; a longer one is folded
#: away (HTML) or pointed to (LaTeX, Markdown), and shown in ``full``.
MAX_UNFOLDED_ROWS = 6
#: Most δ definitions listed under one parameter, and the longest one printed (characters).
MAX_DELTAS_LISTED = 6
_MAX_DELTA_CHARS = 700
#: Widest row of an expanded formula (:func:`visual_width`) that still fits the page.
_MAX_ROW = ROW_WIDTH + 4


def _role(ctx: Context, p: sp.Symbol, n_paths: int) -> Paragraph:
    name = parse_name(p.name)
    ways = ctx.count(n_paths, "path")
    if ctx.net is not None and name is not None and name.kind in ("w", "b"):
        l, j = name.layer, name.indices[0]
        if name.kind == "w":
            i = name.indices[1]
            src = ctx.say("par.from_input", i=i) if l == 1 else ctx.say("par.from_neuron", i=i, l=l - 1)
            source = ctx.spans("par.weight", name=Math(latex(p)), src=src, j=j, l=l)
        else:
            source = ctx.spans("par.bias", name=Math(latex(p)), j=j, l=l)
        return Paragraph(source + (ctx.say("par.reaches", ways=ways),))
    return Paragraph(ctx.spans("par.reaches_leaf", name=Math(latex(p)), word=ctx.output_word, ways=ways))


def _first_path(d: Derivation) -> Path:
    """One path to the output, found without listing them all."""
    bp, out = d.backprop, d.graph.output
    nodes = [d.wrt]
    while nodes[-1] != out:
        nodes.append(next(c for c in d.graph.consumers(nodes[-1]) if bp.adjoint(c) != 0 or c == out))
    factors = tuple(Factor(c, p, bp.partial(c, p)) for p, c in zip(reversed(nodes[:-1]), reversed(nodes[1:])))
    return Path(tuple(nodes), factors)


#: Factors of a Leibniz product per row, so a deep network's path fits the page.
_FACTORS_PER_ROW = 4


def _path_rows(path: Path) -> Equation:
    """One path: its partials, then their worked-out values, a few factors per row."""
    leib = [partial_latex(f.of, f.wrt) for f in path.factors]
    vals = [factors_latex(Path(path.nodes, (f,))) for f in path.factors]
    rows: list[tuple[str, str]] = []
    for k in range(0, len(leib), _FACTORS_PER_ROW):
        rows.append(("", (r"\, " if k else "") + r" \, ".join(leib[k:k + _FACTORS_PER_ROW])))
    for k in range(0, len(vals), _FACTORS_PER_ROW):
        rows.append(("", ("= " if k == 0 else r"\cdot ") + r" \cdot ".join(vals[k:k + _FACTORS_PER_ROW])))
    return Equation(tuple(rows))


def expr_rows(lhs: str, expr: sp.Expr, relation: str = "=") -> list[tuple[str, str]]:
    """``lhs = expr`` as aligned rows, broken at sums and products when long."""
    parts = break_rows(expr, width=row_width(lhs))
    return [(lhs, f"{relation} " + parts[0])] + [("", part) for part in parts[1:]]


def delta_rows(d: Delta, lang: str = "en") -> list[tuple[str, str]]:
    """``δ = definition``, with the assumption a simplified δ relies on, if any."""
    rows = expr_rows(latex(d.symbol), d.expr)
    if d.constraint:
        rows.append(("", r"\quad \text{" + say(lang, "delta.using") + "} " + d.constraint + r"\text{)}"))
    return rows


def _rows(lhs: str, items: list[str]) -> Equation:
    rows = [(lhs, "= " + items[0])] + [("", "+ " + item) for item in items[1:]]
    return Equation(tuple(rows))


def _chain_blocks(ctx: Context, d: Derivation, lhs: str, n_paths: int) -> tuple[list[Block], tuple[Path, ...]]:
    blocks: list[Block] = []
    if n_paths == 0:
        # A parameter no path connects to the output: its gradient is 0, with nothing to list.
        blocks.append(Paragraph(("No path leads from this parameter to the output, so its gradient is 0.",)))
        return blocks, ()
    if n_paths <= MAX_PATHS_LISTED:
        paths = d.path_list(max_paths=MAX_PATHS_LISTED)
        if len(paths) == 1 and len(paths[0].factors) == 1:
            # A leaf read directly by the output: "∂f/∂z = ∂f/∂z" would be a chain rule of
            # one factor, so the factor is the whole story.
            (f,) = paths[0].factors
            blocks.append(Paragraph(ctx.spans("par.direct", name=Math(latex(d.wrt)), out=Math(latex(f.of)))))
            blocks.append(Equation(((lhs, "= " + latex(f.value)),)))
            return blocks, paths
        blocks.append(Paragraph((ctx.say("par.chain"),)))
        blocks.append(_rows(lhs, [leibniz_latex(p) for p in paths]))
        seen: dict[tuple[sp.Symbol, sp.Symbol], Factor] = {}
        for p in paths:
            for f in p.factors:
                seen.setdefault((f.of, f.wrt), f)
        blocks.append(Paragraph((ctx.say("par.factors"),)))
        blocks.append(Equation(tuple((partial_latex(f.of, f.wrt), "= " + latex(f.value)) for f in seen.values())))
        blocks.append(Paragraph((ctx.say("par.so"),)))
        blocks.append(_rows(lhs, [factors_latex(p) for p in paths]))
        return blocks, paths
    one = _first_path(d)
    blocks.append(Paragraph(ctx.spans("par.many_paths", n=f"{n_paths:,}", name=Math(latex(d.wrt)),
                                      word=ctx.output_word, limit=MAX_PATHS_LISTED)))
    blocks.append(_path_rows(one))
    return blocks, ()


def _delta_blocks(ctx: Context, d: Derivation, lhs: str) -> list[Block]:
    if not d.deltas:
        # No error signal is involved (a leaf read only by the output itself): the δ form
        # is the single factor above again.
        return []
    blocks: list[Block] = [
        Paragraph(ctx.spans("par.with_deltas", delta=Math(r"\delta"), who=ctx.differentiated_plural)),
        Equation(tuple(expr_rows(lhs, d.delta_form))),
    ]
    # Output layer first, as the recursion runs and as every other list of the sheet reads.
    ordered = [dl for _, dl in sorted(enumerate(d.deltas), key=lambda t: sort_key(t[1].node, t[0]))]
    listed = [dl for dl in ordered[:MAX_DELTAS_LISTED] if len(latex(dl.expr)) <= _MAX_DELTA_CHARS]
    if listed:
        blocks.append(Equation(tuple(row for dl in listed for row in delta_rows(dl, ctx.lang))))
    rest = len(d.deltas) - len(listed)
    if rest:
        blocks.append(Paragraph((ctx.say("par.more_deltas", signals=ctx.count(rest, "signal")),)))
    return blocks


def _bounded_size(d: Derivation, limit: int) -> int:
    """The expanded formula's tree size, counted only up to ``10 * limit``.

    ``Derivation.expanded_size`` is exact but visits the whole graph behind the δ form
    (seconds for a [784, 128, 10] network); a sheet only needs to know "small or not".
    """
    bp = d.backprop
    definitions = {nd.symbol: nd.expr for nd in bp.graph.nodes}
    definitions.update({dl.symbol: dl.chain for dl in bp.deltas.values()})
    cap = 10 * limit
    count = 0
    stack = [d.delta_form]
    while stack:
        e = stack.pop()
        if e.is_Symbol and e in definitions:
            stack.append(definitions[e])
            continue
        count += 1
        if count > cap:
            return count
        stack.extend(e.args)
    return count


def _expanded_blocks(ctx: Context, d: Derivation, lhs: str, fold: bool = False) -> list[Block]:
    if not ctx.expand:
        return [Paragraph((ctx.say("par.no_expand"),))]
    size = _bounded_size(d, MAX_EXPANDED)
    if size > MAX_EXPANDED:
        about = (ctx.say("par.about", n=f"{size:,}") if size <= 10 * MAX_EXPANDED
                 else ctx.say("par.over", n=f"{10 * MAX_EXPANDED:,}"))
        return [Paragraph(ctx.spans("par.too_big", size=about, limit=f"{MAX_EXPANDED:,}", delta=Math(r"\delta"),
                                    leaves=ctx.leaf_kinds))]
    try:
        expr = d.expanded(max_size=MAX_EXPANDED)
    except TooLargeError as exc:  # pragma: no cover - guarded by expanded_size above
        return [Paragraph((str(exc),))]
    # Broken at sums and products, so the formula fits the page (and align* rows).
    rows = expr_rows(lhs, expr)
    widest = max(visual_width(right) for _, right in rows)
    if widest > _MAX_ROW:
        # A single function call (softmax of a whole layer) cannot be broken across lines.
        return [Paragraph(ctx.spans("par.too_wide", size=f"{size:,}", delta=Math(r"\delta")))]
    shown = [Paragraph((ctx.say("par.expanded", leaves=ctx.leaf_kinds),)), Equation(tuple(rows))]
    if fold and len(rows) > MAX_UNFOLDED_ROWS:
        return [Fold((ctx.say("par.expanded.folded", leaves=ctx.leaf_kinds, rows=len(rows)),), tuple(shown),
                     ctx.spans("par.expanded.pointer", leaves=ctx.leaf_kinds, rows=len(rows),
                               command=Code("symbackprop sheet --detail full")))]
    return shown


def _overflowing_factor(paths: tuple[Path, ...], env: dict[sp.Symbol, sp.Expr]) -> str | None:
    """The LaTeX of the first path factor whose value at these numbers is not a finite float64
    (``∂L/∂a = 1/(1 - a)`` once ``a`` rounds to 1), or None when every factor is."""
    for path in paths:
        for f in path.factors:
            if not is_float64(f.value.xreplace(env)):
                return partial_latex(f.of, f.wrt)
    return None


def _number_blocks(ctx: Context, d: Derivation, lhs: str, paths: tuple[Path, ...]) -> list[Block]:
    nums = ctx.numbers
    assert nums is not None
    env = {**nums.values, **nums.deltas}
    p = d.wrt
    g = nums.gradients[p]
    blocks: list[Block] = [Paragraph((ctx.say("par.numbers"),))]
    overflow = _overflowing_factor(paths, env)
    if overflow is not None:
        blocks.append(Paragraph(ctx.spans("par.path_overflow", factor=Math(overflow), delta=Math(r"\delta"))))
    elif paths and not (len(paths) == 1 and len(paths[0].factors) == 1):  # one factor: the row below says it
        rows = []
        products = []
        for k, path in enumerate(paths, 1):
            values = [f.value.xreplace(env) for f in path.factors]
            prod = sp.Mul(*values)
            products.append(prod)
            product = r" \cdot ".join(number_latex(v, factor=True) for v in values)
            rows.append((r"\text{" + ctx.say("par.path", k=k) + "}", "= " + product + (" = " + number_latex(prod) if len(values) > 1 else "")))
        total = " + ".join(number_latex(v, factor=True) for v in products)
        rows.append((lhs, "= " + (total + " = " if len(products) > 1 else "") + number_latex(sum(products))))
        blocks.append(Equation(tuple(rows)))
    steps = [latex(d.delta_form), latex_with_numbers(d.delta_form, env, digits=DIGITS), number_latex(g)]
    # ∂L/∂b = δ = 0.00995 needs no second "= 0.00995".
    steps = [x for k, x in enumerate(steps) if k == 0 or x != steps[k - 1]]
    blocks.append(Equation(((lhs, "= " + " = ".join(steps)),)))
    if ctx.eta is not None and p in ctx.assignment:  # type: ignore[operator]
        theta = ctx.assignment[p]  # type: ignore[index]
        new = float(theta) - ctx.eta * float(g)
        blocks.append(Paragraph(ctx.spans("par.step", eta=Math(rf"\eta = {number_latex(ctx.eta)}"))))
        blocks.append(Equation((
            (latex(p), r"\leftarrow " + latex(p) + r" - \eta\, " + lhs),
            ("", "= " + number_latex(theta) + " - " + number_latex(ctx.eta) + r" \cdot " + number_latex(g, factor=True)),
            ("", "= " + number_latex(new)),
        )))
    return blocks


def parameter_section(ctx: Context, p: sp.Symbol, *, fold: bool = False) -> Section:
    """The subsection of one parameter; with ``fold``, an expanded formula of more than
    :data:`MAX_UNFOLDED_ROWS` rows is folded away (a ``worked`` sheet's)."""
    d = ctx.bp[p]
    out = ctx.graph.output
    lhs = partial_latex(out, p)
    n_paths = path_count(ctx.bp, p)
    blocks: list[Any] = [_role(ctx, p, n_paths)]
    if ctx.net is not None:
        value = number_latex(ctx.assignment[p]) if ctx.assignment is not None and p in ctx.assignment else None
        blocks.append(network_picture(ctx.net, p, value, lang=ctx.lang))
    chain, paths = _chain_blocks(ctx, d, lhs, n_paths)
    blocks += chain
    blocks += _delta_blocks(ctx, d, lhs)
    blocks += _expanded_blocks(ctx, d, lhs, fold)
    gradient = None
    if ctx.numbers is not None:
        blocks += _number_blocks(ctx, d, lhs, paths)
        gradient = ctx.numbers.gradients[p]
    blocks.append(verification_stamp(ctx.graph, p, assignment=ctx.assignment, gradient=gradient, lang=ctx.lang))
    # A slash, not a fraction: a heading's math is set at text size.
    heading = rf"\partial {latex(out)} / \partial {latex(p)}"
    return Section((Math(heading, f"∂{plain(out)}/∂{plain(p)}"),), tuple(blocks), anchor=plain(p))
