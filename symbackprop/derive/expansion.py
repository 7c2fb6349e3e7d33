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

    def size(e: sp.Basic) -> int:
        got = memo.get(e)
        if got is not None:
            return got
        if e.is_Symbol and e in definitions:
            result = size(definitions[e])
        elif not e.args:
            result = 1
        else:
            result = 1 + sum(size(a) for a in e.args)
        memo[e] = result
        return result

    return size(expr)


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
        got = self._memo.get(s)
        if got is None:
            body = self.definitions[s]
            got = body.xreplace({t: self._full(t) for t in body.free_symbols if t in self.definitions})
            self._memo[s] = got
        return got

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace({s: self._full(s) for s in expr.free_symbols if s in self.definitions})
