"""The form a δ is shown in: the shortest of its chain rule, that cancelled, and that under
the setting's constraint on the targets (``Σ_k y_k = 1`` for a distribution).

>>> import sympy as sp
>>> a, y = sp.symbols("a y")
>>> simplest((a - y) * a * (1 - a) / (a * (1 - a)), None)
(a - y, None)
"""

from __future__ import annotations

import sympy as sp

from symbackprop.graph import Graph

__all__ = ["simplest", "target_constraint"]


def target_constraint(graph: Graph, targets: tuple[sp.Symbol, ...]) -> tuple[str, tuple[sp.Symbol, ...]] | None:
    loss = getattr(graph, "loss", None)
    activations = getattr(graph, "activations", ())
    # Σ_k y_k = 1 is the setting of a distribution over the outputs (softmax); with sigmoid
    # outputs each target stands alone and the constraint would only obscure δ.
    if (loss is not None and loss.target_constraint == "distribution" and activations
            and activations[-1].output_range == "distribution"):
        return "distribution", tuple(targets)
    return None


def _ops(expr: sp.Expr) -> int:
    return sp.count_ops(expr, visual=False)


def simplest(
    chain: sp.Expr, constraint: tuple[str, tuple[sp.Symbol, ...]] | None
) -> tuple[sp.Expr, str | None]:
    """The shortest of ``chain``, its cancelled form and, under the target constraint, its
    form with one target eliminated through ``Σ_k y_k = 1``."""
    best, best_ops, note = chain, _ops(chain), None
    cancelled = sp.factor(sp.cancel(chain))
    if _ops(cancelled) < best_ops:
        best, best_ops = cancelled, _ops(cancelled)
    if constraint is not None:
        ys = constraint[1]
        for m in ys:
            if m not in chain.free_symbols:
                continue
            rest = sp.Add(*[y for y in ys if y != m])
            candidate = sp.expand(chain.xreplace({m: 1 - rest}))
            if m not in candidate.free_symbols and _ops(candidate) < best_ops:
                best, best_ops = candidate, _ops(candidate)
                note = r"\sum_k y_k = 1"
    return best, note
