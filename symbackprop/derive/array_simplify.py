"""Tidying terms the rules build, so backward lines read as a person writes them.

The rules compose mechanically: ``1 * g``, ``-(-g)``, ``x ** 1``, a broadcast of an array that
already has the shape, a product with ``ones_like``.  :func:`simplify` rewrites them away,
bottom-up, with rewrites that are identities of arrays (same values, same shape), each a
small function in :data:`REWRITES`.  Nothing here changes what a term computes; the tests
evaluate terms before and after.

>>> from symbackprop.graph.terms import Const, Grad, Ref
>>> g = Grad("h", (4, 3))
>>> print(simplify(Const(1) * (-(-g))))
dh
>>> print(simplify(2 * Ref("x", (4, 3)) ** 1 * g))
((2 * x) * dh)
"""

from __future__ import annotations

import operator
from fractions import Fraction
from collections.abc import Callable, Mapping

from symbackprop.graph.array_ops import broadcast_shapes
from symbackprop.graph.terms import Call, Const, Ref, Term, call, const

__all__ = ["simplify", "REWRITES", "is_const", "reuse_names"]

_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "pow": operator.pow}


def is_const(t: Term, value: float | None = None) -> bool:
    """Whether ``t`` is a number (equal to ``value``, when given)."""
    return isinstance(t, Const) and t.shape == () and (value is None or t.value == value)


def _fold(t: Call) -> Term | None:
    if t.op in _FOLD and all(is_const(a) for a in t.args):
        a, b = (arg.value for arg in t.args)  # type: ignore[attr-defined]
        try:
            value = _FOLD[t.op](a, b)
        except (OverflowError, ZeroDivisionError):
            return None
        if isinstance(value, complex) or (isinstance(value, float) and value != value):
            return None
        return Const(value, (), "float" if isinstance(value, float) else "int")
    if t.op == "neg" and is_const(t.args[0]):
        v = t.args[0].value  # type: ignore[attr-defined]
        return Const(-v, (), t.args[0].dtype)
    return None


def _identity_factor(t: Call) -> Term | None:
    if t.op == "mul":
        x, y = t.args
        if is_const(x, 1):
            return y
        if is_const(y, 1):
            return x
        if is_const(x, -1):
            return call("neg", y)
        if is_const(y, -1):
            return call("neg", x)
    if t.op == "div" and is_const(t.args[1], 1):
        return t.args[0]
    if t.op == "add":
        x, y = t.args
        if is_const(x, 0):
            return y
        if is_const(y, 0):
            return x
    if t.op == "sub":
        x, y = t.args
        if is_const(y, 0):
            return x
        if is_const(x, 0):
            return call("neg", y)
    if t.op == "pow" and is_const(t.args[1], 1):
        return t.args[0]
    if t.op == "mul" and not is_const(t.args[0]):
        y = t.args[1]
        if isinstance(y, Call) and y.op == "div" and is_const(y.args[0], 1):
            return call("div", t.args[0], y.args[1])  # x * (1 / c) is x / c
    return None


def _signs(t: Call) -> Term | None:
    if t.op == "neg":
        inner = t.args[0]
        if isinstance(inner, Call) and inner.op == "neg":
            return inner.args[0]
        if isinstance(inner, Call) and inner.op == "broadcast_to":
            return call("broadcast_to", call("neg", inner.args[0]), shape=inner.attr("shape"))
    if t.op in ("mul", "div"):
        x, y = t.args
        if isinstance(x, Call) and x.op == "neg":
            return call("neg", call(t.op, x.args[0], y))
        if t.op == "mul" and isinstance(y, Call) and y.op == "neg":
            return call("neg", call(t.op, x, y.args[0]))
    if t.op == "add":
        x, y = t.args
        if isinstance(y, Call) and y.op == "neg":
            return call("sub", x, y.args[0])
    if t.op == "sub":
        x, y = t.args
        if isinstance(y, Call) and y.op == "neg":
            return call("add", x, y.args[0])
    return None


def _broadcasts(t: Call) -> Term | None:
    """A broadcast that arithmetic would do anyway is left implicit; ``ones_like(x) * g`` is one."""
    if t.op == "broadcast_to" and t.args[0].shape == t.shape:
        return t.args[0]
    if t.op == "broadcast_to" and isinstance(t.args[0], Call) and t.args[0].op == "broadcast_to":
        return call("broadcast_to", t.args[0].args[0], shape=t.shape)
    if t.op == "broadcast_to" and isinstance(t.args[0], Call) and t.args[0].op in ("add", "sub", "mul", "div", "neg"):
        # Arithmetic broadcasts by itself, and the outer broadcast fixes the shape: an inner
        # broadcast_to(1.0, (3,)) / 2 under it is 1.0 / 2.
        inner = t.args[0]
        bare = [a.args[0] if isinstance(a, Call) and a.op == "broadcast_to" else a for a in inner.args]
        if bare != list(inner.args):
            return call("broadcast_to", call(inner.op, *bare), **t.attributes)
    if t.op in ("mul", "add", "sub", "div") and t.op != "div":
        x, y = t.args
        for a, b, first in ((x, y, True), (y, x, False)):
            if isinstance(a, Call) and a.op == "ones_like" and t.op == "mul":
                return call("broadcast_to", b, shape=t.shape) if b.shape != t.shape else b
            if isinstance(a, Call) and a.op == "broadcast_to" and _fits(a.args[0], b, t):
                return call(t.op, a.args[0], b) if first else call(t.op, b, a.args[0])
    if t.op == "div":
        x, y = t.args
        if isinstance(x, Call) and x.op == "broadcast_to" and _fits(x.args[0], y, t):
            return call("div", x.args[0], y)
    if t.op == "reshape" and t.args[0].shape == t.shape:
        return t.args[0]
    if t.op == "reshape" and isinstance(t.args[0], Call) and t.args[0].op == "reshape":
        return call("reshape", t.args[0].args[0], shape=t.shape)
    if t.op == "permute" and tuple(t.attr("perm")) == tuple(range(t.ndim)):
        return t.args[0]
    if t.op == "sum" and t.attr("axis") == ():
        return t.args[0]
    return None


def _is_transpose(t: Term) -> bool:
    return isinstance(t, Call) and t.op == "permute" and t.ndim == 2 and tuple(t.attr("perm")) == (1, 0)


def _transposes(t: Call) -> Term | None:
    """``(Aᵀ)ᵀ = A``; ``(A B)ᵀ = Bᵀ Aᵀ`` when that leaves fewer transposes (``dW2 = dZ2ᵀ A1``)."""
    if t.op != "permute":
        return None
    inner = t.args[0]
    if isinstance(inner, Call) and inner.op == "permute":
        first, second = tuple(inner.attr("perm")), tuple(t.attr("perm"))
        return call("permute", inner.args[0], perm=tuple(first[k] for k in second))
    if _is_transpose(t) and isinstance(inner, Call) and inner.op == "matmul" and inner.args[0].ndim == 2 \
            and inner.args[1].ndim == 2 and (_is_transpose(inner.args[0]) or _is_transpose(inner.args[1])):
        a, b = inner.args
        return call("matmul", call("permute", b, perm=(1, 0)), call("permute", a, perm=(1, 0)))
    return None


def _exact(value: float | int) -> Fraction | None:
    """``value`` as a fraction when it is a short one (``0.5``, ``2``), else ``None``."""
    fraction = Fraction(value)
    return fraction if fraction.denominator <= 1000 else None


def _constants(t: Call) -> Term | None:
    """Numbers in a product gathered into one factor: ``2 * x * 0.5 * g`` is ``x * g`` and
    ``2 * h / 8`` is ``h / 4`` (as a fraction where every number is a short one)."""
    if t.op not in ("mul", "div"):
        return None
    factors: list[Term] = []
    numbers: list[tuple[float | int, bool]] = []
    stack: list[tuple[Term, bool]] = [(t, False)]
    while stack:
        node, inverted = stack.pop()
        # Products of broadcast factors are associative and commutative entry by entry, so
        # numbers may be gathered from factors of any shape that broadcasts into t's.
        if isinstance(node, Call) and node.op == "mul":
            stack.extend([(node.args[1], inverted), (node.args[0], inverted)])
        elif isinstance(node, Call) and node.op == "div" and not inverted:
            stack.append((node.args[1], True))
            if not is_const(node.args[0], 1):  # 1 / y is an inversion, not a number to gather
                stack.append((node.args[0], False))
        elif is_const(node) and not isinstance(node.value, bool):  # type: ignore[attr-defined]
            if inverted and node.value == 0:  # type: ignore[attr-defined]
                return None
            numbers.append((node.value, inverted))  # type: ignore[attr-defined]
        else:
            factors.append(call("div", Const(1, (), "int"), node) if inverted else node)
    if len(numbers) < 2 or not factors:  # the result holds at most one number: the rewrite terminates
        return None
    fractions = [_exact(v) for v, _ in numbers]
    if all(f is not None for f in fractions):
        total = Fraction(1)
        for f, (_, inverted) in zip(fractions, numbers):
            total = total / f if inverted else total * f  # type: ignore[operator]
        top, bottom = total.numerator, total.denominator
    else:
        value = 1.0
        for v, inverted in numbers:
            value = value / v if inverted else value * v
        top, bottom = value, 1  # type: ignore[assignment]
    body = factors[0]
    for f in factors[1:]:
        if isinstance(f, Call) and f.op == "div" and is_const(f.args[0], 1):
            body = call("div", body, f.args[1])
        else:
            body = call("mul", body, f)
    if top != 1:
        body = call("mul", const(top), body)
    if bottom != 1:
        body = call("div", body, const(bottom))
    return body


def _fits(a: Term, b: Term, t: Term) -> bool:
    try:
        return broadcast_shapes(a.shape, b.shape) == t.shape
    except ValueError:
        return False


def _scalar(t: Term) -> bool:
    return t.shape == ()


def _linear(t: Call) -> Term | None:
    """Signs and scalar divisors come out of sums and products and gather over a difference,
    so ``-Y/m - A * (-Y/m).sum(1)`` reads ``(A * Y.sum(1) - Y) / m``.  A sign on a bare
    name stays inside its sum, as the exercises write it: ``(-dnorm_logits).sum(1)``."""
    if t.op == "sum":
        x = t.args[0]
        if isinstance(x, Call) and x.op == "neg" and isinstance(x.args[0], Call):
            return call("neg", call("sum", x.args[0], **t.attributes))
        if isinstance(x, Call) and x.op == "div" and _scalar(x.args[1]):
            return call("div", call("sum", x.args[0], **t.attributes), x.args[1])
    if t.op == "mul":
        a, b = t.args
        # Numbers are _constants' to gather (two rules moving them would undo each other).
        if isinstance(b, Call) and b.op == "div" and _scalar(b.args[1]) and not is_const(b.args[0]) \
                and not is_const(a) and not is_const(b.args[1]):
            return call("div", call("mul", a, b.args[0]), b.args[1])
    if t.op == "add":
        a, b = t.args
        if isinstance(a, Call) and a.op == "neg":
            return call("sub", b, a.args[0])
        if a == b and a.shape == t.shape:
            return call("mul", Const(2, (), "int"), a)  # dz = 2 * z, not z + z
    if t.op in ("add", "sub"):
        a, b = t.args
        if isinstance(a, Call) and isinstance(b, Call) and a.op == b.op == "div" and _scalar(a.args[1]) \
                and a.args[1] == b.args[1]:
            return call("div", call(t.op, a.args[0], b.args[0]), a.args[1])
    return None


#: The rewrites, tried in order at every node until none applies.
REWRITES: tuple[Callable[[Call], Term | None], ...] = (_fold, _identity_factor, _signs, _broadcasts, _transposes,
                                                       _constants, _linear)


def reuse_names(term: Term, lines: Mapping[Term, str]) -> Term:
    """``term`` with every sub-term that a forward line computes replaced by that line's name
    (``softmax(Z2, axis=1)`` by ``A2``): the backward pass reads the forward values, as a
    person's does, instead of computing them again.  ``lines`` maps each line's term to its
    name."""
    if not isinstance(term, Call):
        return term
    name = lines.get(term)
    if name is not None:
        return Ref(name, term.shape, term.dtype)
    args = tuple(reuse_names(a, lines) for a in term.args)
    return term if args == term.args else call(term.op, *args, **term.attributes)


def simplify(term: Term) -> Term:
    """``term`` with the rewrites of :data:`REWRITES` applied bottom-up until none applies."""
    memo: dict[int, tuple[Term, Term]] = {}
    return _simplify(term, memo)


def _simplify(term: Term, memo: dict[int, tuple[Term, Term]]) -> Term:
    if not isinstance(term, Call):
        return term
    seen = memo.get(id(term))
    # The memo keeps each term alive beside its result: a rewrite's temporary terms die, and
    # a new term may be given a dead one's id.
    if seen is not None and seen[0] is term:
        return seen[1]
    args = tuple(_simplify(a, memo) for a in term.args)
    node: Term = term if args == term.args else call(term.op, *args, **term.attributes)
    forms = {node}  # a rewrite that leads back to a form already seen ends the search
    for _ in range(64):
        if not isinstance(node, Call):
            break
        for rewrite in REWRITES:
            got = rewrite(node)
            if got is not None and got not in forms:
                node = _simplify(got, memo)
                forms.add(node)
                break
        else:
            break
    if node.shape != term.shape:
        node = call("broadcast_to", node, shape=term.shape)
    memo[id(term)] = (term, node)
    return node
