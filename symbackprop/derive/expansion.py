"""Expanding symbols into their definitions: the size first (cheap), then the expression.

A derivation keeps intermediates as symbols; its fully expanded formula is built only on
request, after :func:`expression_size` has said how large it would be.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

__all__ = ["expression_size", "Substitution"]


def expression_size(
    expr: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr], memo: dict[sp.Basic, int] | None = None
) -> int:
    """Tree size of ``expr`` once every defined symbol is replaced, without building it.

    Memoised over shared subexpressions, so it costs the size of the *unexpanded* DAG even
    when the expansion is exponentially large; pass the same ``memo`` for several
    expressions over the same definitions to share that work.
    """
    memo = {} if memo is None else memo

    def parts(e: sp.Basic) -> tuple[sp.Basic, ...]:
        return (definitions[e],) if e.is_Symbol and e in definitions else e.args

    # Children before parents with an explicit stack: a chain of definitions thousands
    # long is a long loop, not a deep recursion.
    stack = [expr]
    while stack:
        e = stack[-1]
        if e in memo:
            stack.pop()
            continue
        todo = [a for a in parts(e) if a not in memo]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        if e.is_Symbol and e in definitions:
            memo[e] = memo[definitions[e]]
        else:
            memo[e] = 1 + sum(memo[a] for a in e.args)
    return memo[expr]


class Substitution:
    """Replaces defined symbols by their definitions, recursively, until none is left.

    Each symbol is expanded once and kept, so many expressions over the same definitions
    (every entry of a matrix, every formula of a homework) share the work.

    >>> import sympy as sp
    >>> a, b, x = sp.symbols("a b x")
    >>> Substitution({a: b + 1, b: 2 * x})(a * b)
    2*x*(2*x + 1)
    """

    def __init__(self, definitions: Mapping[sp.Symbol, sp.Expr]) -> None:
        self.definitions = definitions
        self._memo: dict[sp.Symbol, sp.Expr] = {}

    def _full(self, s: sp.Symbol) -> sp.Expr:
        stack = [s]  # definitions before their users, without recursion
        while stack:
            t = stack[-1]
            if t in self._memo:
                stack.pop()
                continue
            body = self.definitions[t]
            inner = [u for u in body.free_symbols if u in self.definitions]
            todo = [u for u in inner if u not in self._memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            self._memo[t] = body.xreplace({u: self._memo[u] for u in inner})
        return self._memo[s]

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace({s: self._full(s) for s in expr.free_symbols if s in self.definitions})
