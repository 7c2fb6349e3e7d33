"""Local partials of one node with respect to its parents, in time linear in the node's size."""

from __future__ import annotations

import sympy as sp

from symbackprop.graph import Graph

__all__ = ["local_partials"]


def local_partials(graph: Graph, node: sp.Symbol) -> dict[sp.Symbol, sp.Expr]:
    """``∂node/∂p`` for every parent ``p``, in time linear in the size of the definition.

    For a sum, only the terms containing ``p`` are differentiated, and a product in which
    ``p`` is a plain factor is differentiated by dropping it; calling ``sympy.diff`` on the
    whole sum once per parent would be quadratic in the fan-in.
    """
    n = graph.node_of(node)
    expr = n.expr
    if not expr.is_Add:
        return {p: _diff(expr, p) for p in n.parents}
    containing: dict[sp.Symbol, list[sp.Expr]] = {p: [] for p in n.parents}
    for term in expr.args:
        for s in _term_symbols(term):
            if s in containing:
                containing[s].append(term)
    return {
        p: _term_partial(terms[0], p) if len(terms) == 1 else sp.Add(*[_term_partial(t, p) for t in terms])
        for p, terms in containing.items()
    }


def _term_symbols(term: sp.Expr) -> set[sp.Symbol]:
    if term.is_Symbol:
        return {term}
    if term.is_Mul and all(a.is_Symbol or a.is_Number for a in term.args):
        return {a for a in term.args if a.is_Symbol}
    return term.free_symbols  # type: ignore[return-value]


def _term_partial(term: sp.Expr, p: sp.Symbol) -> sp.Expr:
    if term is p or term == p:
        return sp.S.One
    if term.is_Mul:
        args = term.args
        if len(args) == 2 and args[0].is_Symbol and args[1].is_Symbol and args[0] != args[1]:
            return args[1] if args[0] == p else args[0]
        hits = [k for k, a in enumerate(args) if a == p]
        if len(hits) == 1:
            rest = args[: hits[0]] + args[hits[0] + 1 :]
            if not any(p in a.free_symbols for a in rest):
                return rest[0] if len(rest) == 1 else sp.Mul(*rest)
    return sp.diff(term, p)


#: ``d f(t)/dt`` per one-argument function class and argument assumptions.
_TEMPLATES: dict[tuple[type, frozenset], tuple[sp.Dummy, sp.Expr]] = {}


def _diff(expr: sp.Expr, p: sp.Symbol) -> sp.Expr:
    """``sympy.diff(expr, p)``; for ``f(p)`` (an activation of one neuron), ``f'`` is derived
    once per function and substituted: SymPy's ``diff`` costs milliseconds a call, and a layer
    has one such node per neuron."""
    if not (expr.is_Function and expr.args == (p,) and p.is_Symbol):
        return sp.diff(expr, p)
    key = (type(expr), frozenset(p.assumptions0.items()))
    if key not in _TEMPLATES:
        t = sp.Dummy("t", **p.assumptions0)
        _TEMPLATES[key] = (t, sp.diff(expr.func(t), t))
    t, derivative = _TEMPLATES[key]
    return derivative.xreplace({t: p})

