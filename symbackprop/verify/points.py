"""Numbers for checking a formula: random points away from kinks, and every value at them.

A point gives every leaf a small non-zero rational (zero inputs would hide a wrong input
factor).  Node values, then δ values (through their chains, which hold without
constraints), follow in 30-digit arithmetic, so a formula costs one substitution per point
however deep the network.  Points avoid kinks (|argument| ≥ 1/20) yet cover both sides of
every kink, so a missing ReLU step cannot pass by luck.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from symbackprop.derive import Backprop, expression_size
from symbackprop.graph import Graph, leaky_relu, relu

__all__ = ["Point", "Sampler", "kink_arguments", "close", "as_float", "DIGITS"]

#: Working precision of numeric checks, in decimal digits.
DIGITS = 30
_KINK_GAP = sp.Rational(1, 20)
_PAIRED_KINKS = 10
_MAX_TRIES = 200
_MAX_KINK_SIZE = 2_000
_KINKED = (relu, leaky_relu, sp.Heaviside, sp.Abs, sp.sign, sp.Max, sp.Min)


def kink_arguments(exprs: Iterable[sp.Expr]) -> list[sp.Expr]:
    """Expressions that are zero exactly where a function of ``exprs`` has a kink."""
    found: dict[sp.Expr, None] = {}
    for e in exprs:
        for f in e.atoms(*_KINKED):
            if isinstance(f, (sp.Max, sp.Min)):
                args = f.args
                for k in range(len(args) - 1):
                    found.setdefault(args[k] - args[k + 1], None)
            elif not f.args[0].is_Number:
                found.setdefault(f.args[0], None)
    return list(found)


def as_float(v: sp.Expr | None) -> float | None:
    """``v`` as a float, or ``None`` when it is undefined or beyond float range (10^999)."""
    if v is None:
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def close(a: sp.Expr | None, b: sp.Expr | None, rtol: float = 1e-12) -> bool:
    """Equal up to ``rtol`` relative to the larger magnitude (and absolutely near zero)."""
    if a is None or b is None:
        return False
    # In SymPy numbers, not floats: e^{1000000} or 10^{999} overflow a float to inf, and
    # inf <= rtol * inf would call any formula that large correct.
    a, b = sp.sympify(a, strict=True), sp.sympify(b, strict=True)  # safe: strict refuses strings
    return bool(abs(a - b) <= rtol * max(sp.Integer(1), abs(a), abs(b)))


@dataclass(frozen=True)
class Point:
    """Leaf values (exact rationals) and every value derived from them (30 digits)."""

    leaves: dict[sp.Symbol, sp.Expr]
    env: dict[sp.Symbol, sp.Expr]
    on_constraint: bool

    def value(self, expr: sp.Expr) -> sp.Expr | None:
        """``expr`` at this point, or ``None`` where it is undefined or not real."""
        try:
            v = sp.N(expr.xreplace(self.env), DIGITS)
        except (TypeError, ValueError, ArithmeticError):
            return None
        if not v.is_Number or v.has(sp.zoo, sp.nan) or not v.is_finite:
            return None
        if not v.is_real:
            return None
        return v


class Sampler:
    """Draws points for one graph and computes node and δ values there."""

    def __init__(self, graph: Graph, bp: Backprop, *, seed: int = 0) -> None:
        self.graph = graph
        self.bp = bp
        self.rng = random.Random(seed)
        self.distribution = getattr(getattr(graph, "loss", None), "target_constraint", None) == "distribution"

    def evaluate(self, leaves: Mapping[sp.Symbol, sp.Expr], *, exact: bool = False) -> dict[sp.Symbol, sp.Expr]:
        """Every node and δ value at ``leaves`` (exact when asked: kink points need H(0))."""
        env: dict[sp.Symbol, sp.Expr] = dict(leaves)
        for nd in self.graph.nodes:
            v = nd.expr.xreplace(env)
            env[nd.symbol] = v if exact else sp.N(v, DIGITS)
        # bp.deltas runs from the output backwards, so every chain's δs are known already.
        for d in self.bp.deltas.values():
            v = d.chain.xreplace(env)
            env[d.symbol] = v if exact else sp.N(v, DIGITS)
        return env

    def _leaves(self, on_constraint: bool, one_hot: bool = False) -> dict[sp.Symbol, sp.Expr]:
        rng = self.rng
        point = {
            s: sp.Rational(rng.choice((-1, 1)) * rng.randint(3, 24), 12) for s in self.graph.leaves()
        }
        targets = self.graph.leaves("target")
        acts = getattr(self.graph, "activations", None)
        out_range = acts[-1].output_range if acts else None
        if out_range in ("probability", "bounded", "distribution"):
            # targets where the outputs live: y1 = 5/4 for a sigmoid output teaches nothing
            low = 1 if out_range != "bounded" else -11
            point.update({y: sp.Rational(rng.randint(low, 11), 12) for y in targets})
        if on_constraint and targets:
            if one_hot:
                hot = rng.randrange(len(targets))
                point.update({y: sp.Integer(int(k == hot)) for k, y in enumerate(targets)})
            else:
                weights = [rng.randint(1, 9) for _ in targets]
                point.update({y: sp.Rational(w, sum(weights)) for y, w in zip(targets, weights)})
        return point

    def points(
        self, count: int, kinks: Sequence[sp.Expr], *, on_constraint: bool, defined: Sequence[sp.Expr] = ()
    ) -> list[Point]:
        """``count`` points away from ``kinks``, plus more until every pair of kinks has been
        seen with every combination of signs (as far as a bounded search finds them).

        Pairs matter: a missing ``H(z^{(1)})`` shows only where ``z^{(1)} < 0`` while the
        output ReLU is active, ``z^{(2)} > 0``; each sign alone is not enough.  Points where
        an expression of ``defined`` (the derivative) is undefined, such as ``ln x`` at
        ``x < 0`` in a custom graph, are skipped.
        """
        found: list[Point] = []
        watched = range(min(len(kinks), _PAIRED_KINKS))
        seen: set[tuple[int, int, bool, bool]] = set()
        wanted = 4 * len(watched) * (len(watched) - 1) // 2 + 2 * len(watched)
        tries = 0
        while tries < _MAX_TRIES and (len(found) < count or len(seen) < wanted):
            tries += 1
            one_hot = on_constraint and len(found) == 1
            leaves = self._leaves(on_constraint, one_hot)
            env = self.evaluate(leaves)
            point = Point(leaves, env, on_constraint)
            values = [point.value(g) for g in kinks]
            if any(v is None or abs(v) < _KINK_GAP for v in values):
                continue
            if any(point.value(e) is None for e in defined):
                continue
            signs = [bool(values[k] > 0) for k in watched]  # type: ignore[operator]
            combos = {(i, j, signs[i], signs[j]) for i in watched for j in watched if i <= j}
            if len(found) >= count and combos <= seen:
                continue
            seen |= combos
            found.append(point)
        return found

    def given(self, leaves: Mapping[sp.Symbol, sp.Expr], kinks: Sequence[sp.Expr]) -> Point | None:
        """The point ``leaves`` (a spec's own ``[values]``), unless it sits on a kink."""
        leaves = {s: sp.Rational(str(v)) for s, v in leaves.items()}
        point = Point(dict(leaves), self.evaluate(leaves), False)
        values = [point.value(g) for g in kinks]
        if any(v is None or abs(v) < _KINK_GAP for v in values):
            return None
        return point

    def kink_point(self, base: Point, g: sp.Expr) -> Point | None:
        """A point on the kink ``g = 0``, moving one leaf of ``base`` that ``g`` is linear in."""
        defs = {nd.symbol: nd.expr for nd in self.graph.nodes}
        if expression_size(g, defs) > _MAX_KINK_SIZE:
            return None  # deep kinks: checked at random points only; composing them is costly
        full = g.xreplace({nd.symbol: nd.expr for nd in reversed(self.graph.nodes)})
        for _ in range(len(self.graph.nodes)):
            nodes = [s for s in full.free_symbols if self.graph.is_node(s)]  # type: ignore[union-attr]
            if not nodes:
                break
            full = full.xreplace({s: self.graph.node_of(s).expr for s in nodes})
        params = [s for s in self.graph.leaves() if s in full.free_symbols]
        for s in sorted(params, key=lambda t: (self.graph.kind_of(t) != "parameter", t.name)):
            slope = sp.diff(full, s)
            if slope.has(s):
                continue
            rest = (full - slope * s).xreplace(base.leaves)
            c = slope.xreplace(base.leaves)
            if c == 0:
                continue
            leaves = dict(base.leaves)
            leaves[s] = -rest / c
            env = self.evaluate(leaves, exact=True)
            if g.xreplace(env) != 0:  # exact zero, so H(0) and friends take their value at 0
                continue
            return Point(leaves, env, base.on_constraint)
        return None
