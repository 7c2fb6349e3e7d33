"""The gradient of a canonical term with respect to one name, blocks differentiated whole.

:func:`fused_gradient` runs reverse accumulation over a term in the canonical form of
:mod:`.fuse_canon`, as :func:`~symbackprop.derive.array_backward.line_gradients` does over a
line, with one difference: a sub-term that a rule of :data:`BLOCKS` recognises is
differentiated as a whole.  Named operations need no rule of their own: ``cross_entropy``'s
vector-Jacobian product in :data:`~symbackprop.derive.array_rules.VJPS` is already
``(softmax(x) − onehot(y))/n``.  Batch normalisation's standardisation
``(x − mean(x)) · (var(x) + ε)^{-1/2}`` has no operation of its own, so :func:`_standardize`
gives its gradient in the three-term form, ``n − ddof`` where the variance has Bessel's
correction, a factor constant along the reduced axes taken out of the sums.

>>> from symbackprop.graph.terms import Const, Ref, call
>>> x, Y = Ref("x", (4, 3)), Ref("Y", (4,), "int")
>>> g, used = fused_gradient(call("cross_entropy", x, Y, reduction="mean"), "x", Const(1.0))
>>> print(g, used)
((softmax(x, axis=1) - one_hot(Y, classes=3)) / 4) ['cross_entropy']
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

from symbackprop.graph.array_ops import normalize_axes
from symbackprop.graph.terms import Call, Const, Ref, Term, call, names_in

from .array_rules import Context, vjp_args
from .array_simplify import is_const, simplify

__all__ = ["fused_gradient", "BLOCKS", "standardized"]

#: A block rule: ``(node, g, wrt, context) -> (the input it differentiates, its gradient, what
#: the block is, in words) | None``.
Block = Callable[[Call, Term, str, Context], "tuple[Term, Term, str] | None"]

#: The operations a fused formula names when its span contains them (for the words).
NAMED = frozenset({"cross_entropy", "softmax", "log_softmax", "logsumexp", "var", "std", "mean"})


def standardized(t: Term) -> tuple[Term, tuple[int, ...], int, Term] | None:
    """``(x, axes, ddof, rsqrt)`` when ``t`` is ``(x - x.mean(axes)) * (x.var(axes, ddof) + ε)^{-1/2}``."""
    if not isinstance(t, Call) or t.op != "mul":
        return None
    for d, r in (t.args, reversed(t.args)):
        if not (isinstance(d, Call) and d.op == "sub" and isinstance(r, Call) and r.op == "pow"):
            continue
        m = d.args[1]
        if not (isinstance(m, Call) and m.op == "mean" and m.args[0] == d.args[0]):
            continue
        x, axes = d.args[0], normalize_axes(m.attr("axis"), d.args[0].ndim)
        if not (is_const(r.args[1], -0.5) and isinstance(r.args[0], Call) and r.args[0].op == "add"):
            continue
        for v, eps in (r.args[0].args, reversed(r.args[0].args)):
            if isinstance(v, Call) and v.op == "var" and v.args[0] == x and v.attr("keepdims", False) and \
                    normalize_axes(v.attr("axis"), x.ndim) == axes and not names_in(eps) and eps.shape == ():
                return x, axes, v.attr("ddof", 0), r
    return None


def _constant_along(a: Term, axes: tuple[int, ...], ndim: int) -> bool:
    """Whether ``a`` broadcast to ``ndim`` axes has one entry along every axis of ``axes``."""
    lead = ndim - a.ndim
    return all(k < lead or a.shape[k - lead] == 1 for k in axes)


def _standardize(node: Call, g: Term, wrt: str, c: Context) -> tuple[Term, Term, str] | None:
    found = standardized(node)
    if found is None or wrt not in names_in(found[0]):
        return None
    x, axes, ddof, rsqrt = found
    factor: Term | None = None
    if isinstance(g, Call) and g.op == "mul":  # gain * dout: the gain comes out of the sums
        a, b = g.args
        if b.shape == node.shape and _constant_along(a, axes, node.ndim):
            factor, g = a, b
    n = prod(x.shape[a] for a in axes)
    count = c.count(n)
    keep = any(a != k for k, a in enumerate(axes))  # keepdims only where broadcasting needs it
    total = call("sum", g, axis=axes, keepdims=keep)
    spread = call("sum", g * node, axis=axes, keepdims=keep)
    bessel = count if ddof == 0 else call("div", count, call("sub", count, Const(ddof, (), "int")))
    inner = count * g - total - (node * spread if ddof == 0 else bessel * node * spread)
    scale = rsqrt / count if factor is None else factor * rsqrt / count
    if axes == (0,) and x.ndim > 1:
        words = "batch normalisation"
    elif axes == (x.ndim - 1,):
        words = "layer normalisation"
    else:
        words = "standardisation over axes " + ", ".join(map(str, axes))
    return x, scale * inner, words


#: Sub-terms differentiated whole, each with its rule.
BLOCKS: dict[str, Block] = {"standardize": _standardize}


def fused_gradient(term: Term, wrt: str, seed: Term, context: Context | None = None) -> tuple[Term, list[str]]:
    """The gradient of ``term`` with respect to the name ``wrt``, given ``seed`` (the gradient
    with respect to ``term``), tidied; and the blocks (in words) and named operations it went
    through.
    Zero (``Const(0)``) when ``term`` does not read ``wrt``."""
    c = context or Context()
    found: list[Term] = []
    used: list[str] = []
    stack: list[tuple[Term, Term]] = [(term, seed)]
    while stack:
        node, g = stack.pop()
        if isinstance(node, Ref):
            if node.name == wrt:
                found.append(g)
            continue
        if not isinstance(node, Call) or wrt not in names_in(node):
            continue
        for rule in BLOCKS.values():
            got = rule(node, g, wrt, c)
            if got is not None:
                used.append(got[2])
                stack.append(got[:2])
                break
        else:
            if node.op in NAMED:
                used.append(node.op)
            for arg, grad in zip(node.args, vjp_args(node, g, node, c)):
                if grad is not None:
                    stack.append((arg, grad))
    if not found:
        return Const(0.0, (), "float"), used
    total = found[0]
    for extra in found[1:]:
        total = call("add", total, extra)
    return simplify(total), list(dict.fromkeys(used))

