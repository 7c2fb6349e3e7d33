"""Check a hand-derived gradient formula against the derivation, and say what is wrong with it.

A formula is compared with ``∂L/∂θ`` in two ways.  Symbolically: node symbols (``a``,
``z``, ``δ``) are replaced by their definitions (δ through its chain, which holds without
constraints) and the difference with the expanded derivative is expanded to zero.
Numerically: at random points kept away from kinks, in 30-digit arithmetic.  Then, when the
formula agrees away from kinks, it is evaluated *on* each kink (where ``H(0)`` matters), and
for softmax with cross entropy both on and off the simplex ``Σ_k y_k = 1``.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 1])
>>> verify(net, "w^{(2)}_{11}", r"(a^{(2)}_1 - y_1)\\, a^{(2)}_1 (1 - a^{(2)}_1)\\, a^{(1)}_1").status
'correct'
>>> v = verify(net, "w2_11", "2*(a2_1 - y1)*a2_1*(1 - a2_1)*a1_1")
>>> v.status, v.diagnosis.kind
('wrong', 'constant_factor')
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import sympy as sp

from symbackprop.derive import Backprop, Derivation, Substitution, expression_size
from symbackprop.derive.evaluate import backprop_of
from symbackprop.errors import FormulaError, GraphError, SymbackpropError, TooLargeError
from symbackprop.graph import Graph, plain_text
from symbackprop.graph.notation import plain
from symbackprop.read import budget
from symbackprop.read.equation import Equation, split_chain, split_equation
from symbackprop.read.matrix import is_matrix_formula
from symbackprop.read.names import Scope
from symbackprop.read.parser import parse_formula_notes

from .diagnose import diagnose
from .matrix_report import MatrixVerdict
from .points import Point, Sampler, close, kink_arguments
from .target import Target, derivation_of, target_of
from .verdict import Counterexample, Verdict, alias_renames, letters_note

__all__ = ["verify", "Verdict", "Counterexample", "STATUSES"]

#: The possible verdicts.
STATUSES = ("correct", "correct_almost_everywhere", "correct_under_constraint", "wrong")
_SYMBOLIC_LIMIT = 3_000
#: A layer or subscript written with letters, as in w^{(l)}_{ji}: maybe a line for every l, j, i.
_LETTERS = re.compile(r"\(\s*[A-Za-z]\s*\)|_\{?\s*[A-Za-z]+\s*\}?")
_MAX_KINKS = 40


def _formula(graph: Graph, formula: str | sp.Expr | Equation) -> tuple[sp.Expr, str | None, tuple[str, ...]]:
    if isinstance(formula, Equation):
        try:
            expr, notes = parse_formula_notes(formula.rhs, graph)
        except FormulaError as exc:  # the column in the whole equation, as typed
            column = None if exc.column is None else exc.column + formula.offset
            raise FormulaError(exc.message, formula.text, column) from None
        return expr, formula.text, notes
    if not isinstance(formula, sp.Expr):
        raise FormulaError(f"formula: expected text or a SymPy expression, received {type(formula).__name__}")
    scope = Scope(graph)
    known = set(scope.table.values())
    unknown = sorted((s for s in formula.free_symbols if s not in known), key=lambda s: s.name)
    if unknown:
        raise FormulaError(
            f"formula: {', '.join(repr(s.name) for s in unknown)} not in this graph"
            f"{scope.suggestions(plain(unknown[0]))}"
        )
    return formula, None, ()


def _big_power(expr: sp.Expr) -> bool:
    # Expanding (x + y + z)^n costs about n^2/2 terms; keep the symbolic route cheap.
    return any(p.exp.is_Integer and abs(int(p.exp)) > 8 and p.base.is_Add for p in expr.atoms(sp.Pow))


def _symbolic_difference(d: Derivation, formula: sp.Expr) -> sp.Expr | None:
    """``formula − ∂L/∂θ`` in leaves only, expanded; ``None`` when too large to try."""
    bp = d.backprop
    defs = bp.expansion
    if expression_size(formula, defs) > _SYMBOLIC_LIMIT or _big_power(formula):
        return None
    if budget.expansion_terms(Substitution(defs)(formula)) > budget.MAX_EXPANSION_TERMS:
        return None  # a product of sums: millions of terms once expanded; numbers decide
    try:
        truth = d.expanded(max_size=_SYMBOLIC_LIMIT)
    except TooLargeError:
        return None
    diff = sp.expand(Substitution(defs)(formula) - truth)
    if diff != 0 and sp.count_ops(diff) < 200:
        # sigmoid written as 1/(1 + e^{-z}) and friends: compare in exponentials.
        diff = sp.expand(sp.cancel(sp.expand(diff.rewrite(sp.exp))))
    return diff


def _constraint_zero(bp: Backprop, diff: sp.Expr) -> bool:
    ys = bp.graph.leaves("target")
    if not ys:
        return False
    last = ys[-1]
    return sp.expand(diff.xreplace({last: 1 - sp.Add(*ys[:-1])})) == 0


def _expected(d: Derivation, formula: sp.Expr) -> sp.Expr:
    """The correct formula in the form the student used: δ form when they wrote δs."""
    deltas = {x.symbol for x in d.backprop.deltas.values()}
    if formula.free_symbols & deltas:
        return d.delta_form
    try:
        paths = d.path_list(max_paths=8)
    except TooLargeError:
        return d.delta_form
    return sp.Add(*[p.product for p in paths])


def _spec_point(sampler: Sampler, values: object, graph: Graph, kinks: list[sp.Expr]) -> Point | None:
    """The spec's own ``[values]`` (first sample) as a point, when they give every leaf."""
    if values is None:
        return None
    try:
        leaves = values.assignment(graph)  # type: ignore[attr-defined]
    except (SymbackpropError, AttributeError):
        return None
    return sampler.given(leaves, kinks)


def _shown_in(graph: Graph) -> Callable[[sp.Basic], str]:
    """Plain text in the student's aliases, for the sentence naming a mistake."""
    renames = alias_renames(graph)
    return lambda e: plain_text(e.xreplace(renames)) if renames else plain_text(e)


def _points_text(main: list[Point], own: Point | None) -> str:
    if own is not None and main and main[0] is own:
        return f"numeric, the spec's [values] and {len(main) - 1} random points"
    return f"numeric, {len(main)} random points"


def _counterexample(pt: Point, formula: sp.Expr, truth: sp.Expr, where: str = "") -> Counterexample:
    return Counterexample(dict(pt.leaves), pt.value(formula), pt.value(truth), where)


def _first_mismatch(points: list[Point], formula: sp.Expr, truth: sp.Expr) -> Point | None:
    for pt in points:
        if not close(pt.value(formula), pt.value(truth)):
            return pt
    return None


def _kink_mismatch(
    sampler: Sampler, base: list[Point], kinks: list[sp.Expr], formula: sp.Expr, truth: sp.Expr
) -> tuple[Counterexample | None, int]:
    """A point on a kink where formula and derivative differ, and how many kinks were tried."""
    tried = 0
    for g in kinks[:12]:
        for pt in base[:3]:
            on = sampler.kink_point(pt, g)
            if on is None:
                continue
            tried += 1
            f, t = on.value(formula), on.value(truth)
            if t is not None and not close(f, t):
                return Counterexample(dict(on.leaves), f, t, f"where {plain_text(g)} = 0"), tried
            break
    return None, tried


def _matrix(graph: Graph, target: Target, eq: Equation, **kw: object) -> MatrixVerdict:
    # numpy and the vector backend load only when a vector form is checked (a quick start).
    from .matrix_verdict import verify_matrix

    if target.layer is None:
        raise FormulaError("a formula in vector form needs a whole layer on the left side or in param "
                           r"(W^{(2)}, b^{(2)}, \delta^{(1)}, ...), not one entry", eq.text)
    try:
        return verify_matrix(graph, target.layer, eq.rhs, shown=eq.text, **kw)  # type: ignore[arg-type]
    except FormulaError as exc:  # the column in the whole equation, as typed
        column = None if exc.column is None else exc.column + eq.offset
        raise FormulaError(exc.message, eq.text, column) from None


def _verify_chain(graph: Graph, param: str | sp.Symbol | None, text: str, chain: list[tuple[str, int]],
                  **kw: object) -> Verdict | MatrixVerdict:
    """Each right side of ``left = A = B``; the first that is wrong, else the last verdict."""
    verdict: Verdict | MatrixVerdict | None = None
    for k, (eq, start) in enumerate(chain, start=1):
        try:
            verdict = verify(graph, param, eq, **kw)  # type: ignore[arg-type]
        except FormulaError as exc:
            lhs = eq.index("=") + 1
            column = None if exc.column is None else exc.column + (start - lhs if exc.column > lhs else 0)
            raise FormulaError(exc.message, text, column) from None
        if not verdict.ok:
            return dataclasses.replace(verdict, text=text, notes=verdict.notes + (
                f"right side {k} of {len(chain)} in the chain is the one that is wrong",))
    assert verdict is not None
    return dataclasses.replace(verdict, text=text, notes=verdict.notes + (
        f"each of the {len(chain)} right sides of the chain checked",))


def verify(
    graph: Graph,
    param: str | sp.Symbol | None,
    formula: str | sp.Expr,
    *,
    points: int = 6,
    seed: int = 0,
) -> Verdict | MatrixVerdict:
    """Check a formula for ``∂L/∂param`` and explain any mistake.

    Args:
        graph: the network or graph (a :class:`~symbackprop.read.spec.Spec` is accepted too).
        param: what is differentiated: a parameter, input or node (``z`` for its δ), by
            symbol or any name the formula parser reads (``w^{(1)}_{11}``, ``b_2^{(2)}``,
            ``w1_11``, an alias); ``None`` when ``formula`` is an equation that says it.
        formula: LaTeX or plain text in the network's names, or a SymPy expression; text
            may be a whole equation (``\\frac{\\partial L}{\\partial θ} = ...``, ``dL/dθ = ...``,
            ``\\nabla_{θ} L = ...``, ``\\delta^{(l)}_j = ...``).
        points: random points for the numeric check (more are added to see both sides of
            every kink).
        seed: the random seed, so verdicts are reproducible.

    Returns:
        A :class:`Verdict`: ``status`` is one of :data:`STATUSES`; a wrong formula comes
        with a counterexample and a :class:`~symbackprop.verify.diagnose.Diagnosis`.  A
        formula in vector form, or for a whole layer (``W^{(2)}``, ``\\delta^{(1)}``), gets
        a :class:`~symbackprop.verify.matrix_report.MatrixVerdict` with the same fields.

    Raises:
        FormulaError: the formula cannot be read.
        SymbackpropError: nothing says what is differentiated, it is not in the graph, or
            ``param`` and the equation's left side disagree.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise SymbackpropError(f"points: expected a positive integer, received {points!r}")
    chain = split_chain(formula) if isinstance(formula, str) else []
    if len(chain) > 1:
        return _verify_chain(graph, param, formula, chain, points=points, seed=seed)  # type: ignore[arg-type]
    values = getattr(graph, "values", None)
    graph = getattr(graph, "network", graph)
    if not isinstance(graph, Graph):
        raise GraphError(f"verify: expected a network or graph, received {type(graph).__name__}")
    if isinstance(formula, str):
        formula = split_equation(formula)
        if param is None and formula.target is not None and _LETTERS.search(formula.target):
            # a left side with letters for its layer or indices; loaded only then (a quick start)
            from .generic import free_letters, verify_generic

            if free_letters(graph, formula) is not None:
                return verify_generic(graph, formula, verify, points=points, seed=seed)
        target = target_of(graph, param, formula)
        if target.layer is not None or is_matrix_formula(formula.rhs, graph):
            return _matrix(graph, target, formula, points=points, seed=seed, values=values)
    bp = backprop_of(graph)
    if isinstance(formula, Equation):
        d = derivation_of(graph, target)
    else:
        if param is None:
            raise SymbackpropError("param: missing; a SymPy formula needs the name of what it differentiates")
        d = derivation_of(graph, target_of(graph, param, split_equation("0")))
    expr, text, notes = _formula(graph, formula)
    notes = notes + letters_note(graph)
    truth = d.delta_form
    kinks = kink_arguments([nd.expr for nd in graph.nodes] + [x.chain for x in bp.deltas.values()] + [truth, expr])
    kinks = kinks[:_MAX_KINKS]
    sampler = Sampler(graph, bp, seed=seed)
    constrained = sampler.distribution
    main = sampler.points(points, kinks, on_constraint=constrained, defined=(truth,))
    own = _spec_point(sampler, values, graph, kinks)
    if own is not None and not constrained:
        main = [own] + main
    if not main:
        raise GraphError(f"verify: no point away from the kinks of this graph was found for {plain(d.wrt)}")
    base = dict(param=d.wrt, formula=expr, text=text, expected=_expected(d, expr), derivation=d, notes=notes)
    bad = _first_mismatch(main, expr, truth)
    if bad is not None:
        where = "with targets summing to 1" if constrained else ""
        return Verdict(status="wrong", method=_points_text(main, own),
                       counterexample=_counterexample(bad, expr, truth, where),
                       diagnosis=diagnose(d, expr, main, show=_shown_in(graph)), **base)
    diff = _symbolic_difference(d, expr)
    if constrained:
        off = sampler.points(points, kinks, on_constraint=False, defined=(truth,))
        bad = _first_mismatch(off, expr, truth)
        if bad is not None:
            proved = diff is not None and _constraint_zero(bp, diff)
            return Verdict(
                status="correct_under_constraint",
                method="symbolic, using the constraint" if proved else f"numeric, {len(main)} points on the constraint",
                constraint=r"\sum_k y_k = 1",
                counterexample=_counterexample(bad, expr, truth, "off the constraint"),
                **base,
            )
    if diff == 0:
        return Verdict(status="correct", method="symbolic", **base)
    kink, tried = _kink_mismatch(sampler, main, kinks, expr, truth)
    method = _points_text(main, own) + (f" and {tried} kink{'s' * (tried != 1)}" if tried else "")
    if kink is not None:
        return Verdict(status="correct_almost_everywhere", method=method, kink=kink, **base)
    return Verdict(status="correct", method=method, **base)
