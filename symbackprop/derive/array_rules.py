"""Vector-Jacobian products of array operations: one rule per operation, held as data.

As HIPS autograd's ``numpy_vjps.py`` does, each differentiable argument of an operation has
one line: given ``g`` (the gradient of the loss with respect to the operation's result, of
the result's shape), ``ans`` (the result) and the arguments, it returns the gradient with
respect to that argument, as a :mod:`term <symbackprop.graph.terms>`::

    defvjp("tanh", lambda c, g, ans, x: (1 - ans ** 2) * g)

Where the forward operation broadcast an argument, its gradient is summed back over the
broadcast axes by :func:`unbroadcast`, in this one place ("a broadcast in the forward pass is
a sum in the backward pass").  The rules are written local factor first (``y ⊙ g``), the way
textbooks and the backprop exercises write them.  Every rule is proven against the scalar
chain rule at small shapes (``tests/derive/test_array_rules.py``).

>>> from symbackprop.graph.terms import Grad, Ref
>>> x = Ref("x", (32, 64)); b = Ref("b", (64,))
>>> vjp_args(Ref("h", (32, 64)), Grad("h", (32, 64)), x + b)[1]
sum(dh, axis=(0,), keepdims=False)
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod
from typing import Any

from symbackprop.errors import GraphError
from symbackprop.graph.array_ops import normalize_axes
from symbackprop.graph.terms import Call, Const, Ref, Term, call, const

__all__ = ["VJPS", "defvjp", "unbroadcast", "vjp_args", "NONDIFFERENTIABLE", "Context", "expand_reduced"]


class Context:
    """What a rule may ask of the program: a count as the constant that names it (``n``)."""

    def __init__(self, counts: dict[int, Term] | None = None) -> None:
        self.counts = counts or {}

    def count(self, n: int) -> Term:
        return self.counts.get(n, Const(n, (), "int"))


Rule = Callable[..., "Term | None"]
#: The rules: operation → one function per argument (``None``: no gradient flows there).
VJPS: dict[str, tuple[Rule | None, ...]] = {}
#: Operations through which no gradient flows (their results are integers, masks or constants).
NONDIFFERENTIABLE = frozenset({
    "argmax", "argmin", "one_hot", "eq", "ne", "lt", "le", "gt", "ge", "zeros_like", "ones_like",
    "zeros", "ones", "eye", "arange", "sign",
})


def defvjp(op: str, *rules: Rule | None) -> None:
    """Register the vector-Jacobian product of ``op``, one rule per argument."""
    VJPS[op] = rules


def unbroadcast(g: Term, shape: tuple[int, ...]) -> Term:
    """``g`` summed over the axes along which an array of ``shape`` was broadcast to ``g``'s shape."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    ones = tuple(lead + k for k, n in enumerate(shape) if n == 1 and g.shape[lead + k] != 1)
    leading = tuple(range(lead))
    if not ones:
        return call("sum", g, axis=leading, keepdims=False)
    if not leading:
        return call("sum", g, axis=ones, keepdims=True)
    return call("reshape", call("sum", g, axis=leading + ones, keepdims=True), shape=tuple(shape))


def expand_reduced(g: Term, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Term:
    """``g``, the gradient of a reduction over ``axes``, with those axes back as size 1, so that it
    broadcasts against the reduced array (``g[:, None]``); unchanged when it already does."""
    if keepdims or all(a == k for k, a in enumerate(axes)):
        return g
    items = []
    for k in range(len(shape)):
        items.append(("new",) if k in axes else ("slice", None, None, None))
    return call("index", g, items=tuple(items))


def _like(x: Term) -> dict[str, str]:
    """``like=name`` when ``x`` is a named array, so printers write ``x.shape``, not sizes."""
    return {"like": x.name} if isinstance(x, Ref) else {}


def _reduce_axes(x: Term, attrs: dict[str, Any]) -> tuple[int, ...]:
    return normalize_axes(attrs.get("axis"), x.ndim)


def _sum_vjp(c: Context, g: Term, ans: Term, x: Term, **attrs: Any) -> Term:
    axes = _reduce_axes(x, attrs)
    return call("broadcast_to", expand_reduced(g, x.shape, axes, attrs.get("keepdims", False)), shape=x.shape,
                **_like(x))


def _mean_vjp(c: Context, g: Term, ans: Term, x: Term, **attrs: Any) -> Term:
    axes = _reduce_axes(x, attrs)
    scaled = expand_reduced(g, x.shape, axes, attrs.get("keepdims", False)) / c.count(prod(x.shape[a] for a in axes))
    return call("broadcast_to", scaled, shape=x.shape, **_like(x))


def _centred(x: Term, axes: tuple[int, ...]) -> Term:
    return x - call("mean", x, axis=axes, keepdims=True)


def _dof(c: Context, x: Term, axes: tuple[int, ...], ddof: int) -> Term:
    """The count a variance divides by, ``n - ddof``, in the program's name for ``n`` (``n - 1``)."""
    n = c.count(prod(x.shape[a] for a in axes))
    return n - ddof if ddof else n


def _var_vjp(c: Context, g: Term, ans: Term, x: Term, **attrs: Any) -> Term:
    axes = _reduce_axes(x, attrs)
    gx = expand_reduced(g, x.shape, axes, attrs.get("keepdims", False))
    return 2 * _centred(x, axes) / _dof(c, x, axes, attrs.get("ddof", 0)) * gx


def _std_vjp(c: Context, g: Term, ans: Term, x: Term, **attrs: Any) -> Term:
    axes = _reduce_axes(x, attrs)
    keep = attrs.get("keepdims", False)
    gx = expand_reduced(g, x.shape, axes, keep)
    return _centred(x, axes) / (_dof(c, x, axes, attrs.get("ddof", 0)) * expand_reduced(ans, x.shape, axes, keep)) * gx


def _extreme_vjp(arg: str) -> Rule:
    def rule(c: Context, g: Term, ans: Term, x: Term, **attrs: Any) -> Term:
        axes = _reduce_axes(x, attrs)
        keep = attrs.get("keepdims", False)
        gx = expand_reduced(g, x.shape, axes, keep)
        if len(axes) == 1:
            # PyTorch's x.max(dim): the whole gradient to the first extreme entry.
            (axis,) = axes
            hot = call("one_hot", call(arg, x, axis=axis, keepdims=False), classes=x.shape[axis])
            if axis != x.ndim - 1:
                perm = (*range(axis), x.ndim - 1, *range(axis, x.ndim - 1))
                hot = call("permute", hot, perm=perm)
            return hot * gx
        # Over several axes (x.max()): shared evenly by tied entries, as torch.amax does.
        hit = call("eq", x, expand_reduced(ans, x.shape, axes, keep))
        return hit * gx / call("sum", hit, axis=axes, keepdims=True)
    return rule


def _promoted(a: Term, b: Term, g: Term) -> tuple[Term, Term, Term]:
    """``a``, ``b`` and ``g`` with a vector operand made a matrix (a row on the left, a
    column on the right), as ``@`` treats it, so one rule serves every case."""
    A = a if a.ndim > 1 else call("index", a, items=(("new",), ("slice", None, None, None)))
    B = b if b.ndim > 1 else call("index", b, items=(("slice", None, None, None), ("new",)))
    out = call("matmul", A, B).shape
    G = g if g.shape == out else call("reshape", g, shape=out)
    return A, B, G


def _back(t: Term, promoted: Term, original: Term) -> Term:
    t = unbroadcast(t, promoted.shape)
    return t if t.shape == original.shape else call("reshape", t, shape=original.shape)


def _matmul_a(c: Context, g: Term, ans: Term, a: Term, b: Term) -> Term:
    A, B, G = _promoted(a, b, g)
    return _back(call("matmul", G, _swap(B)), A, a)


def _matmul_b(c: Context, g: Term, ans: Term, a: Term, b: Term) -> Term:
    A, B, G = _promoted(a, b, g)
    return _back(call("matmul", _swap(A), G), B, b)


def _swap(x: Term) -> Term:
    """The last two axes swapped (``x.T`` for a matrix)."""
    return call("permute", x, perm=(*range(x.ndim - 2), x.ndim - 1, x.ndim - 2))


def _index_vjp(c: Context, g: Term, ans: Term, x: Term, *arrays: Term, items: tuple[Any, ...]) -> Term:
    return call("scatter_add", g, *arrays, shape=x.shape, items=items, unique=_unique(items, arrays), **_like(x))


def _unique(items: tuple[Any, ...], arrays: tuple[Term, ...]) -> bool:
    """Whether no position is picked twice: basic indexing, or a ``range`` running along the
    whole gathered shape (``x[range(n), Y]``), so that gradients may be assigned, not added."""
    if not arrays:
        return True
    shape = max((a.shape for a in arrays), key=len)
    return any(isinstance(a, Call) and a.op == "arange" and a.shape == shape for a in arrays)


def _concat_vjp(k: int) -> Rule:
    def rule(c: Context, g: Term, ans: Term, *parts: Term, axis: int) -> Term:
        start = sum(p.shape[axis] for p in parts[:k])
        items = [("slice", None, None, None)] * g.ndim
        items[axis] = ("slice", start, start + parts[k].shape[axis], None)
        return call("index", g, items=tuple(items))
    return rule


def _softmax_vjp(c: Context, g: Term, ans: Term, x: Term, axis: int) -> Term:
    return ans * (g - call("sum", ans * g, axis=(axis,), keepdims=True))


def _log_softmax_vjp(c: Context, g: Term, ans: Term, x: Term, axis: int) -> Term:
    return g - call("softmax", x, axis=axis) * call("sum", g, axis=(axis,), keepdims=True)


def _logsumexp_vjp(c: Context, g: Term, ans: Term, x: Term, **attrs: Any) -> Term:
    axes = _reduce_axes(x, attrs)
    gx = expand_reduced(g, x.shape, axes, attrs.get("keepdims", False))
    if len(axes) == 1:
        return call("softmax", x, axis=axes[0]) * gx
    return call("exp", x - expand_reduced(ans, x.shape, axes, attrs.get("keepdims", False))) * gx


def _cross_entropy_vjp(c: Context, g: Term, ans: Term, logits: Term, target: Term, reduction: str) -> Term:
    diff = call("softmax", logits, axis=1) - call("one_hot", target, classes=logits.shape[1])
    if reduction == "mean":
        diff = diff / c.count(logits.shape[0])
    return diff * g


def _maximum(first: bool) -> Rule:
    # Ties share the gradient equally, as in PyTorch (a measure-zero event for real data).
    def rule(c: Context, g: Term, ans: Term, x: Term, y: Term) -> Term:
        mine, other = (x, y) if first else (y, x)
        return (call("gt", mine, other) + 0.5 * call("eq", mine, other)) * g
    return rule


def _minimum(first: bool) -> Rule:
    def rule(c: Context, g: Term, ans: Term, x: Term, y: Term) -> Term:
        mine, other = (x, y) if first else (y, x)
        return (call("lt", mine, other) + 0.5 * call("eq", mine, other)) * g
    return rule


def _where_vjp(first: bool) -> Rule:
    def rule(c: Context, g: Term, ans: Term, cond: Term, a: Term, b: Term) -> Term:
        zero = Const(0.0, (), "float")
        return call("where", cond, g, zero) if first else call("where", cond, zero, g)
    return rule


def _pow_base(c: Context, g: Term, ans: Term, x: Term, y: Term) -> Term:
    if isinstance(y, Const):
        return y.value * x ** (y.value - 1) * g
    return y * x ** (y - 1) * g


def _pow_exponent(c: Context, g: Term, ans: Term, x: Term, y: Term) -> Term:
    return ans * call("log", x) * g


# The table.  Each line: the operation, then one rule per argument.
defvjp("add", lambda c, g, ans, x, y: g, lambda c, g, ans, x, y: g)
defvjp("sub", lambda c, g, ans, x, y: g, lambda c, g, ans, x, y: -g)
defvjp("mul", lambda c, g, ans, x, y: y * g, lambda c, g, ans, x, y: x * g)
defvjp("div", lambda c, g, ans, x, y: g / y, lambda c, g, ans, x, y: -x / y ** 2 * g)
defvjp("pow", _pow_base, _pow_exponent)
defvjp("maximum", _maximum(True), _maximum(False))
defvjp("minimum", _minimum(True), _minimum(False))
defvjp("neg", lambda c, g, ans, x: -g)
defvjp("exp", lambda c, g, ans, x: ans * g)
defvjp("log", lambda c, g, ans, x: g / x)
defvjp("tanh", lambda c, g, ans, x: (1 - ans ** 2) * g)
defvjp("sigmoid", lambda c, g, ans, x: ans * (1 - ans) * g)
defvjp("relu", lambda c, g, ans, x: call("gt", x, const(0.0)) * g)
# g or its slope share, as PyTorch does (a where of two numbers would be float32 in PyTorch).
defvjp("leaky_relu", lambda c, g, ans, x: call("where", call("gt", x, const(0.0)), g, 0.01 * g))
defvjp("softplus", lambda c, g, ans, x: call("sigmoid", x) * g)
defvjp("act", lambda c, g, ans, x, name: call("act_grad", x, name=name) * g)
defvjp("sqrt", lambda c, g, ans, x: g / (2 * ans))
defvjp("abs", lambda c, g, ans, x: call("sign", x) * g)
defvjp("float", lambda c, g, ans, x: g if x.dtype == "float" else None)
defvjp("where", None, _where_vjp(True), _where_vjp(False))
defvjp("matmul", _matmul_a, _matmul_b)
defvjp("permute", lambda c, g, ans, x, perm: call("permute", g, perm=tuple(perm.index(k) for k in range(len(perm)))))
defvjp("reshape", lambda c, g, ans, x, shape, **_: call("reshape", g, shape=x.shape, **_like(x)))
defvjp("broadcast_to", lambda c, g, ans, x, shape, **_: unbroadcast(g, x.shape))
defvjp("sum", _sum_vjp)
defvjp("mean", _mean_vjp)
defvjp("var", _var_vjp)
defvjp("std", _std_vjp)
defvjp("max", _extreme_vjp("argmax"))
defvjp("min", _extreme_vjp("argmin"))
defvjp("logsumexp", _logsumexp_vjp)
defvjp("softmax", _softmax_vjp)
defvjp("log_softmax", _log_softmax_vjp)
defvjp("cross_entropy", _cross_entropy_vjp, None)
defvjp("index", _index_vjp)
defvjp("tril", lambda c, g, ans, x: call("tril", g))
defvjp("triu", lambda c, g, ans, x: call("triu", g))


def vjp_args(ans: Term, g: Term, node: Call, context: Context | None = None) -> list[Term | None]:
    """The gradient with respect to each argument of ``node`` (``None`` where none flows),
    each of its argument's shape (summed over broadcast axes).

    ``ans`` is the node's value (its name when the node is a whole line), ``g`` the gradient
    of the loss with respect to it.
    """
    c = context or Context()
    if node.op in NONDIFFERENTIABLE:
        return [None] * len(node.args)
    if node.op == "concat":
        rules: tuple[Rule | None, ...] = tuple(_concat_vjp(k) for k in range(len(node.args)))
    elif node.op == "scatter_add":
        rules = (lambda c_, g_, a_, v, *arrays, **kw: call("index", g_, *arrays, items=kw["items"]),)
    elif node.op in VJPS:
        rules = VJPS[node.op]
    else:
        raise GraphError(f"no vector-Jacobian rule for the operation {node.op!r}")
    attrs = node.attributes
    if node.op == "scatter_add":
        attrs = {"items": attrs["items"]}
    out: list[Term | None] = []
    for k, arg in enumerate(node.args):
        rule = rules[k] if k < len(rules) else None
        if rule is None or arg.dtype != "float":
            out.append(None)
            continue
        got = rule(c, g, ans, *node.args, **attrs)
        out.append(None if got is None else unbroadcast(got, arg.shape))
    return out
