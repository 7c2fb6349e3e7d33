"""Numbers for one sample from the symbolic derivation: forward values, δs and gradients.

Arithmetic is SymPy's: exact (integers and decimals become rationals) or in floats.  This
is the reference route for small networks and worked examples; the numpy backends are
built for speed and are checked against it.

>>> from symbackprop.graph.graph import Graph
>>> g = Graph()
>>> x, y, z = g.inputs("x y z")
>>> g.set_output(g.node("f", g.node("q", x + y) * z))
>>> gradients(g, {x: -2, y: 5, z: -4})
{x: -4, y: -4, z: 3}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from numbers import Number

import sympy as sp

from symbackprop.errors import SpecError
from symbackprop.graph import Graph

from .backprop import Backprop, derive
from .finite import is_float64
from .stable import stable_logs

__all__ = ["Numbers", "to_number", "forward", "backward", "gradients", "backprop_of"]

#: Attribute under which a graph keeps its derivation.  Not a WeakKeyDictionary: the
#: Backprop refers to its graph, so such a cache would keep every graph alive forever.
_CACHE_ATTRIBUTE = "_symbackprop_backprop"


def backprop_of(graph: Graph) -> Backprop:
    """The graph's :class:`~symbackprop.derive.backprop.Backprop`, derived once per graph version."""
    bp = graph.__dict__.get(_CACHE_ATTRIBUTE)
    if bp is None or bp.version != graph.version:
        bp = derive(graph)
        setattr(graph, _CACHE_ATTRIBUTE, bp)
    return bp


def to_number(value: object, *, exact: bool, field: str) -> sp.Expr:
    """A SymPy number from a user value: exact decimals become rationals (0.05 → 1/20).

    Raises:
        SpecError: not a finite real number.
    """
    if isinstance(value, bool) or value is None:
        raise SpecError(f"{field}: expected a number, received {value!r}")
    if isinstance(value, sp.Expr) and value.is_number:
        number = value
    elif isinstance(value, (int, Fraction)):
        number = sp.Rational(Fraction(value).numerator, Fraction(value).denominator)
    elif isinstance(value, (float, Number)) or type(value).__module__ == "numpy":
        try:
            f = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise SpecError(f"{field}: expected a real number, received {value!r}") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise SpecError(f"{field}: expected a finite number, received {value!r}")
        frac = Fraction(repr(f))  # the decimal the user wrote, not the binary float
        number = sp.Rational(frac.numerator, frac.denominator)
    else:
        raise SpecError(f"{field}: expected a number, received {value!r}")
    if not number.is_real or not number.is_finite:
        raise SpecError(f"{field}: expected a finite real number, received {value!r}")
    return number if exact else sp.Float(number, 30)


@dataclass(frozen=True)
class Numbers:
    """Every quantity of one sample: leaves, nodes, δs and gradients, keyed by symbol."""

    values: dict[sp.Symbol, sp.Expr]
    deltas: dict[sp.Symbol, sp.Expr]
    gradients: dict[sp.Symbol, sp.Expr]

    def __getitem__(self, symbol: sp.Symbol) -> sp.Expr:
        for table in (self.values, self.deltas, self.gradients):
            if symbol in table:
                return table[symbol]
        raise KeyError(symbol)


def _leaf_values(graph: Graph, values: Mapping[sp.Symbol | str, object], exact: bool) -> dict[sp.Symbol, sp.Expr]:
    env: dict[sp.Symbol, sp.Expr] = {}
    for key, value in values.items():
        symbol = graph.lookup(key)
        if graph.is_node(symbol):
            raise SpecError(f"values: {symbol.name!r} is a node, computed from the leaves; do not give it")
        env[symbol] = to_number(value, exact=exact, field=f"values.{getattr(key, 'name', key)}")
    needed = [s for s in graph.leaves() if graph.consumers(s)]
    missing = [s.name for s in needed if s not in env]
    if missing:
        raise SpecError(f"values: missing a value for {', '.join(missing)}")
    return env


def _finish(value: sp.Expr, exact: bool) -> sp.Expr:
    if exact:
        return value
    number = value.evalf(20)
    # An undefined or infinite value (x/0, ln 0, √−1) stays what it is, for the caller's
    # finite-or-refused gate to name, instead of failing inside mpmath; a value beyond
    # float64's range is ±∞, so the nodes after it (e^{e^{…}}) cost nothing to evaluate.
    if number.is_Float and not is_float64(number):
        return sp.oo if number > 0 else -sp.oo
    return sp.Float(number, 15) if number.is_Float else number


def forward(
    graph: Graph, values: Mapping[sp.Symbol | str, object], *, exact: bool = True
) -> dict[sp.Symbol, sp.Expr]:
    """Every leaf and node value of one sample, in definition order.

    Args:
        graph: the graph or network.
        values: a number for every leaf that is used (symbols or their names as keys).
        exact: exact SymPy arithmetic (``sigmoid(1/2)`` stays exact) or 15-digit floats.

    Raises:
        SpecError: a value is missing or not a finite number.
    """
    env = _leaf_values(graph, values, exact)
    # In floats, a logarithm of a prediction is taken from its argument (log-sigmoid,
    # softplus, log-sum-exp: the numpy backends' forms), so a saturated prediction that
    # rounds to 0 or 1 still gives the finite loss; exact arithmetic needs no such care.
    definitions = {} if exact else {nd.symbol: nd.expr for nd in graph.nodes}
    for node in graph.nodes:
        expr = node.expr if exact else stable_logs(node.expr, definitions)
        env[node.symbol] = _finish(expr.xreplace(env), exact)
    return env


def _targets_sum_to_one(graph: Graph, env: Mapping[sp.Symbol, sp.Expr]) -> bool:
    total = sum(env.get(y, sp.S.Zero) for y in graph.leaves("target"))
    return abs(float(total) - 1) <= 1e-12


def backward(
    graph: Graph,
    values: Mapping[sp.Symbol | str, object],
    *,
    wrt: list[sp.Symbol | str] | None = None,
    exact: bool = True,
) -> Numbers:
    """Forward values, every δ and the gradients of one sample, through the δ recursion.

    ``wrt`` defaults to the parameters, or every non-target leaf of a graph without
    parameters.  A δ simplified under a constraint on the targets (``Σ_k y_k = 1``) is
    used only when the targets satisfy it; otherwise its unsimplified chain is.
    """
    bp = backprop_of(graph)
    env = forward(graph, values, exact=exact)
    holds = _targets_sum_to_one(graph, env)
    deltas: dict[sp.Symbol, sp.Expr] = {}
    # Backprop.deltas runs from the output backwards, so each δ's inputs are ready.
    for d in bp.deltas.values():
        body = d.expr if (d.constraint is None or holds) else d.chain
        deltas[d.symbol] = _finish(body.xreplace(env).xreplace(deltas), exact)
    if wrt is None:
        targets = graph.params or tuple(s for s in graph.leaves() if graph.kind_of(s) != "target")
    else:
        targets = tuple(graph.lookup(s) for s in wrt)
    scope = {**env, **deltas}
    grads = {s: _finish(bp[s].delta_form.xreplace(scope), exact) for s in targets}
    return Numbers(env, deltas, grads)


def gradients(
    graph: Graph,
    values: Mapping[sp.Symbol | str, object],
    *,
    wrt: list[sp.Symbol | str] | None = None,
    exact: bool = True,
) -> dict[sp.Symbol, sp.Expr]:
    """``{leaf: ∂output/∂leaf}`` at one point; see :func:`backward`.

    ``wrt`` defaults to the parameters, or to every non-target leaf when there are none.
    """
    return backward(graph, values, wrt=wrt, exact=exact).gradients
