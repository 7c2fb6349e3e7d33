r"""Stable forms of logarithms: the one place that knows ``ln σ(u) = -softplus(-u)``.

A cross entropy takes the logarithm of a prediction; a prediction that rounds to exactly 0
or 1 (σ(40) in 15 digits, σ(800) in float64) makes that logarithm infinite although the loss
is a modest finite number.  Taken from the argument instead, it stays finite for every
input: ``ln σ(u) = -softplus(-u)``, ``ln(1 - σ(u)) = -softplus(u)``, and ``ln softmax_k(z) =
z_k - ln Σ_j e^{z_j}`` (with a numeric log-sum-exp supplied by the numpy backend).  The
sheet's and the exercise's numbers (SymPy floats) and the numpy backends (``grad``,
``check``, ``train``) use these same rewrites.

>>> import sympy as sp
>>> from symbackprop.graph import sigmoid
>>> z, a, y = sp.symbols("z a y")
>>> stable_logs(y * sp.log(a) + (1 - y) * sp.log(1 - a), {a: sigmoid(z)})
-y*softplus(-z) - (1 - y)*softplus(z)
>>> float(stable_logs(sp.log(1 - a), {a: sigmoid(z)}).subs(z, 800.0))
-800.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

from symbackprop.graph import sigmoid, softmax, softplus

__all__ = ["LogSumExp", "log_of", "stable_logs"]

#: ``(z_1, …, z_n) -> (m, s)`` with ``ln Σ_j e^{z_j} = m + ln s``: how a backend writes a
#: log-sum-exp (numpy shifts by the maximum; SymPy's arbitrary exponents need no shift).
LogSumExp = Callable[[tuple[sp.Expr, ...]], tuple[sp.Expr, sp.Expr]]


def _plain_log_sum_exp(zs: tuple[sp.Expr, ...]) -> tuple[sp.Expr, sp.Expr]:
    return sp.S.Zero, sp.Add(*[sp.exp(z) for z in zs])


def log_of(arg: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr],
           log_sum_exp: LogSumExp = _plain_log_sum_exp) -> sp.Expr | None:
    """A stable form of ``log(arg)`` when ``arg`` is a sigmoid or softmax output (the node
    symbol ``a`` with ``a = σ(z)`` in ``definitions``, or the function itself), else None."""
    body = definitions.get(arg) if isinstance(arg, sp.Symbol) else arg
    if isinstance(body, sigmoid):  # ln σ(u) = -softplus(-u)
        return -softplus(-body.args[0])
    if isinstance(body, softmax):  # ln softmax_k(z) = z_k - m - ln s
        zs = body.args[1:]
        m, s = log_sum_exp(zs)
        return zs[body.index - 1] - m - sp.log(s)
    rest = -(arg - 1)
    if isinstance(rest, (sp.Symbol, sigmoid)):  # arg = 1 - a
        body = definitions.get(rest) if isinstance(rest, sp.Symbol) else rest
        if isinstance(body, sigmoid):  # ln(1 - σ(u)) = -softplus(u)
            return -softplus(body.args[0])
    return None


def stable_logs(expr: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` with every logarithm of a sigmoid or softmax output in its stable form."""
    if not expr.has(sp.log):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.log) and log_of(e.args[0], definitions) is not None,
                        lambda e: log_of(e.args[0], definitions))
