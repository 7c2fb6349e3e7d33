"""Proof that a derivation is right, by routes independent of the chain rule that built it.

* ``symbolic``: the expanded derivation minus ``sympy.diff`` of the fully composed output
  expands to zero.  For small graphs.
* ``point``: at random rational points, the δ-recursion value equals the derivative of a
  one-variable forward pass (every leaf a number except the parameter, ``θ₀ + t``,
  differentiated in ``t`` at 0): exact for rational functions, 60 digits for transcendental
  ones.  Graphs of more than 120 nodes use a central difference of step 1e-25 in 60-digit
  arithmetic instead (error about 1e-50), which costs two forward passes per parameter.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 1])
>>> prove(net, "w1_11").holds
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import sympy as sp

from symbackprop.errors import SpecError, TooLargeError
from symbackprop.graph import Graph, leaky_relu, relu

from .backprop import DEFAULT_MAX_SIZE
from .evaluate import backprop_of, backward
from .expansion import expression_size

__all__ = ["Proof", "prove", "prove_all", "random_point"]

_DIGITS = 50
_T = sp.Symbol("t", real=True)


@dataclass(frozen=True)
class Proof:
    """The outcome of checking one derivation.

    Attributes:
        wrt: the parameter.
        method: ``"symbolic"`` or ``"point"``.
        holds: whether the derivation was confirmed.
        detail: one sentence saying what was compared.
        max_error: the largest absolute difference at the points (``0`` when exact).
        reason: which comparison ``detail`` describes, for a sheet to say it in its own
            language: ``"symbolic"``, ``"rule"`` (an fdiff rule disagrees with a difference
            quotient), ``"points"`` (against a one-variable derivative and a difference
            quotient) or ``"points-fd"`` (against a difference quotient alone), each with
            ``"cancel-"`` in front when a symbolic expansion did not cancel first.
        points, exact: for the point routes, how many points, and whether in exact rationals.
    """

    wrt: sp.Symbol
    method: str
    holds: bool
    detail: str
    max_error: float = 0.0
    reason: str = ""
    points: int = 0
    exact: bool = False

    def _verdict(self) -> str:
        return ("proved" if self.holds else "REFUTED") + f" ({self.method})"

    def __str__(self) -> str:
        error = f"; largest difference {self.max_error:.2e}" if self.max_error else ""
        return f"∂/∂{self.wrt.name}: {self._verdict()}: {self.detail}{error}"

    def _repr_markdown_(self) -> str:
        error = f" (largest difference {self.max_error:.2e})" if self.max_error else ""
        mark = "✓" if self.holds else "✗"
        return f"{mark} **∂/∂`{self.wrt.name}`: {self._verdict()}**: {self.detail}{error}"

    def _repr_html_(self) -> str:
        import html

        color = "#1a7f37" if self.holds else "#cf222e"
        error = f" (largest difference {self.max_error:.2e})" if self.max_error else ""
        return (f'<p><b style="color:{color}">{"✓" if self.holds else "✗"} ∂/∂<code>{html.escape(self.wrt.name)}'
                f'</code>: {html.escape(self._verdict())}</b>: {html.escape(self.detail)}{html.escape(error)}</p>')


_KINKED = (relu, leaky_relu, sp.Heaviside, sp.Abs, sp.Max, sp.Min, sp.sign)


def _kinks(f: sp.Expr) -> list[sp.Expr]:
    """Expressions that are zero where ``f`` has its kink: ``Max``/``Min`` where two arguments
    tie (their first argument is just the one SymPy sorts first, often the constant 0)."""
    if isinstance(f, (sp.Max, sp.Min)):
        return [u - v for k, u in enumerate(f.args) for v in f.args[k + 1:]]
    return [f.args[0]]


def _forward(graph: Graph, point: dict[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr] | None:
    """Node values at ``point``, or ``None`` when a kinked function sits on its kink."""
    env: dict[sp.Symbol, sp.Expr] = dict(point)
    for node in graph.nodes:
        for f in node.expr.atoms(*_KINKED):
            if any(k.xreplace(env).is_zero for k in _kinks(f)):  # not == 0: SymPy has Float(0) != 0
                return None
        env[node.symbol] = node.expr.xreplace(env)
    return env


def random_point(graph: Graph, rng: random.Random) -> dict[sp.Symbol, sp.Expr]:
    """Random small rationals for every leaf, away from kinks (``relu`` at 0).

    Kept exact when every value of the graph stays rational there; otherwise turned into
    60-digit floats, since exact arithmetic through exp and log builds ever larger closed
    forms while 60 digits are far beyond any float64 discrepancy.
    """
    for _ in range(50):
        point: dict[sp.Symbol, sp.Expr] = {
            s: sp.Rational(rng.randint(-40, 40), rng.randint(8, 24)) for s in graph.leaves()
        }
        for y in graph.leaves("target"):
            point[y] = sp.Rational(rng.randint(1, 20), 24)
        rational = not any(
            nd.expr.atoms(sp.Function) - nd.expr.atoms(relu, leaky_relu, sp.Heaviside, sp.Max, sp.Min, sp.Abs)
            for nd in graph.nodes
        )
        if not rational:
            point = {s: sp.Float(v, _DIGITS + 10) for s, v in point.items()}
        if _forward(graph, point) is not None:
            return point
    raise SpecError("proof: could not find a point away from the kinks of this graph")


def _one_variable_derivative(graph: Graph, point: dict[sp.Symbol, sp.Expr], wrt: sp.Symbol) -> sp.Expr:
    """d(output)/dt at t = 0 with ``wrt = θ₀ + t``: exact, but its expression grows with size."""
    env: dict[sp.Symbol, sp.Expr] = dict(point)
    env[wrt] = point[wrt] + _T
    for node in graph.nodes:
        env[node.symbol] = node.expr.xreplace(env)
    return sp.diff(env[graph.output], _T).xreplace({_T: 0})


def _central_difference(graph: Graph, point: dict[sp.Symbol, sp.Expr], wrt: sp.Symbol) -> sp.Expr:
    """A central difference at step 1e-25 in 60-digit arithmetic: error about 1e-50."""
    h = sp.Float("1e-25", _DIGITS + 10)
    values = []
    for sign in (1, -1):
        moved = dict(point)
        moved[wrt] = point[wrt] + sign * h
        env = _forward(graph, moved)
        if env is None:
            raise SpecError(f"proof of {wrt.name}: the difference step crosses a kink")
        values.append(env[graph.output])
    return (values[0] - values[1]) / (2 * h)


#: Graphs up to this many nodes are proved by the exact one-variable derivative.
_SMALL = 120


def _difference(a: sp.Expr, b: sp.Expr) -> float:
    diff = a - b
    if diff.is_Rational:
        return float(abs(diff))
    scale = max(1.0, float(abs(sp.N(b, _DIGITS))))
    return float(abs(sp.N(diff, _DIGITS))) / scale


def prove(
    graph: Graph,
    wrt: sp.Symbol | str,
    *,
    method: str = "auto",
    points: int = 2,
    seed: int = 0,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Proof:
    """Check the derivation of ``∂output/∂wrt`` by an independent route.

    Args:
        graph: the graph or network.
        wrt: the parameter (or other leaf).
        method: ``"symbolic"``, ``"point"``, or ``"auto"`` (symbolic when the expanded
            forms are under ``max_size``, else points).
        points: how many random points for the ``point`` method.
        seed: the random seed (results are reproducible).
    """
    if method not in ("auto", "symbolic", "point"):
        raise SpecError(f"method: expected 'auto', 'symbolic' or 'point', received {method!r}")
    bp = backprop_of(graph)
    symbol = graph.lookup(wrt)
    d = bp[symbol]
    if method in ("auto", "symbolic"):
        definitions = {nd.symbol: nd.expr for nd in graph.nodes}
        small = d.expanded_size() <= max_size and expression_size(graph.output, definitions) <= max_size
        if small:
            ours = d.expanded(max_size=max_size)
            reference = sp.diff(graph.composed(), symbol)
            if sp.expand(ours - reference) == 0:
                # Both sides differentiate activations through the same fdiff rules; a
                # difference quotient uses only function values, so a wrong rule shows there.
                fd_error = _rule_check(graph, symbol, seed)
                if fd_error <= _FD_TOLERANCE:
                    return Proof(symbol, "symbolic", True,
                                 "the expanded chain rule equals sympy.diff of the composed output, "
                                 "and a 60-digit central difference at a random point", fd_error, reason="symbolic")
                return Proof(symbol, "symbolic", False,
                             "the expanded chain rule equals sympy.diff of the composed output, but a "
                             "60-digit central difference disagrees: a function's derivative rule "
                             "(fdiff) is wrong", fd_error, reason="rule")
            if method == "symbolic":
                # Not zero after expansion: let the points decide, but say so.
                point_proof = _by_points(graph, symbol, points, seed)
                return replace(point_proof, method="symbolic", detail="expansion did not cancel; " + point_proof.detail,
                               reason="cancel-" + point_proof.reason)
        elif method == "symbolic":
            raise TooLargeError(
                f"proof of {symbol.name}: the expanded forms exceed {max_size:,} terms; use method='point'"
            )
    return _by_points(graph, symbol, points, seed)


#: Agreement required of a 60-digit central difference of step 1e-25 (its error is ~1e-50).
_FD_TOLERANCE = 1e-30


def _rule_check(graph: Graph, symbol: sp.Symbol, seed: int) -> float:
    """Relative gap between the δ-recursion value and a central difference at one point."""
    point = random_point(graph, random.Random(seed))
    point = {s: sp.Float(v, _DIGITS + 10) for s, v in point.items()}
    ours = backward(graph, point, wrt=[symbol], exact=True).gradients[symbol]
    return _difference(ours, _central_difference(graph, point, symbol))


def _by_points(graph: Graph, symbol: sp.Symbol, points: int, seed: int) -> Proof:
    rng = random.Random(seed)
    worst = 0.0
    exact = True
    for _ in range(points):
        point = random_point(graph, rng)
        exact = exact and all(v.is_Rational for v in point.values())
        ours = backward(graph, point, wrt=[symbol], exact=True).gradients[symbol]
        if len(graph.nodes) <= _SMALL:
            reference = _one_variable_derivative(graph, point, symbol)
            fd_point = {s: sp.Float(v, _DIGITS + 10) for s, v in point.items()}
            fd_value = backward(graph, fd_point, wrt=[symbol], exact=True).gradients[symbol]
            worst_fd = _difference(fd_value, _central_difference(graph, fd_point, symbol))
            worst = max(worst, worst_fd if worst_fd > _FD_TOLERANCE else 0.0)
        else:
            exact = False
            reference = _central_difference(graph, point, symbol)
        worst = max(worst, _difference(ours, reference))
    holds = worst <= (10.0 ** (-(_DIGITS - 10)) if len(graph.nodes) <= _SMALL else _FD_TOLERANCE)
    return Proof(
        symbol, "point", holds,
        ("" if holds else "NOT: ") + "δ-recursion value equals the "
        + ("derivative of a one-variable forward pass, and a 60-digit central difference,"
           if len(graph.nodes) <= _SMALL else "central difference (step 1e-25)")
        + f" at {points} random rational point(s) "
        + ("(exact rational arithmetic)" if exact else f"({_DIGITS + 10}-digit arithmetic)"),
        worst, reason="points" if len(graph.nodes) <= _SMALL else "points-fd", points=points, exact=exact,
    )


def prove_all(graph: Graph, **options: object) -> list[Proof]:
    """:func:`prove` for every parameter of ``graph``."""
    return [prove(graph, p, **options) for p in graph.params]  # type: ignore[arg-type]
