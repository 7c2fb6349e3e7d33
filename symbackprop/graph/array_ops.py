"""The operations of array programs: what each takes and the shape and type it gives.

One table, :data:`OPS`, holds every operation a program line may use (after the code reader
has mapped NumPy and PyTorch spellings onto them) and every operation a backward program
needs (``broadcast_to``, ``scatter_add``, ``one_hot``...).  Each entry knows how many
arguments it takes, whether its result is an elementwise function of its arguments, and
its shape rule.  Shapes are concrete tuples of integers; types are ``"float"``, ``"int"``
or ``"bool"`` (only floats carry gradients).  How an operation is differentiated, printed
or computed lives in later stages, in tables keyed by the same names.

A shape rule raises :class:`ShapeError` with a message in which ``{0}``, ``{1}``... stand
for the arguments' source text, so the code reader can say
``embcat @ W1 is (32, 30) @ (10, 64): inner dimensions differ``.

>>> OPS["matmul"].infer([(32, 30), (30, 64)], ["float", "float"], {})
((32, 64), 'float')
>>> OPS["sum"].infer([(32, 64)], ["float"], {"axis": (0,), "keepdims": True})
((1, 64), 'float')
>>> broadcast_shapes((32, 64), (1, 64))
(32, 64)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

from symbackprop.errors import GraphError

__all__ = [
    "OPS", "OpSpec", "ShapeError", "Shape", "DTYPES", "broadcast_shapes", "normalize_axes",
    "ELEMENTWISE_UNARY", "ELEMENTWISE_BINARY", "COMPARISONS", "REDUCTIONS", "shape_text",
]

Shape = tuple[int, ...]
#: The element types of arrays: only ``float`` arrays carry gradients.
DTYPES = ("float", "int", "bool")


class ShapeError(GraphError):
    """An operation's arguments do not fit; ``{0}``, ``{1}``... in the message stand for them."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template

    def fill(self, texts: Sequence[str]) -> str:
        """The message with each argument's text in place of its ``{k}``."""
        return self.template.format(*texts, *["?"] * 8)


def shape_text(shape: Shape) -> str:
    """``(32, 64)``; ``(64,)`` for one axis and ``()`` for a scalar, as NumPy writes them."""
    return str(tuple(shape))


def broadcast_shapes(*shapes: Shape) -> Shape:
    """NumPy's broadcasting of ``shapes``, or :class:`ShapeError` naming the axis that clashes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(-ndim, 0):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:
            which = [k for k, s in enumerate(shapes) if len(s) >= -axis and s[axis] != 1]
            a, b = which[0], which[1]
            raise ShapeError(
                "{%d} and {%d} have shapes %s and %s, which do not broadcast: axis %d is %d versus %d"
                % (a, b, shape_text(shapes[a]), shape_text(shapes[b]), axis, shapes[a][axis], shapes[b][axis]))
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def normalize_axes(axis: Any, ndim: int, what: str = "{0}") -> tuple[int, ...]:
    """Axes as sorted non-negative integers; ``None`` is every axis."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, int) or isinstance(a, bool) or not -ndim <= a < ndim:
            raise ShapeError(f"axis {a!r} is out of range for {what}, which has {ndim} axes")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {axis!r} names an axis twice")
    return tuple(sorted(out))


def _promote(dtypes: Sequence[str]) -> str:
    if "float" in dtypes:
        return "float"
    return "int"


@dataclass(frozen=True)
class OpSpec:
    """One operation: its arity (``None`` for any number), whether it is elementwise, and
    its shape rule ``rule(shapes, dtypes, attrs) -> (shape, dtype)``."""

    name: str
    arity: int | None
    rule: Callable[[Sequence[Shape], Sequence[str], Mapping[str, Any]], tuple[Shape, str]]
    elementwise: bool = False

    def infer(self, shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
        if self.arity is not None and len(shapes) != self.arity:
            raise ShapeError(f"{self.name} takes {self.arity} arguments, received {len(shapes)}")
        return self.rule(shapes, dtypes, attrs)


# ----- elementwise
def _unary(result: str | None) -> Callable[..., tuple[Shape, str]]:
    def rule(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
        return tuple(shapes[0]), result or dtypes[0]
    return rule


def _float_unary(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    return tuple(shapes[0]), "float"


def _arith(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    return broadcast_shapes(*shapes), _promote(dtypes)


def _true_div(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    return broadcast_shapes(*shapes), "float"


def _compare(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    return broadcast_shapes(*shapes), "bool"


def _where(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    if dtypes[0] != "bool":
        raise ShapeError("the condition {0} must be a comparison (true or false entries), not %s" % dtypes[0])
    return broadcast_shapes(*shapes), _promote(dtypes[1:])


#: Elementwise functions of one argument (all give floats but ``neg``, ``abs``, ``sign``);
#: ``leaky_relu`` has slope 0.01 below 0, as in PyTorch and the activation registry.
ELEMENTWISE_UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "sqrt", "abs",
                     "sign", "float")
#: Elementwise arithmetic of two broadcast arguments.
ELEMENTWISE_BINARY = ("add", "sub", "mul", "div", "pow", "maximum", "minimum")
#: Comparisons, giving ``bool`` arrays (masks; no gradient flows through them).
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")


# ----- linear algebra and layout
def _matmul(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    a, b = shapes
    if not a or not b:
        raise ShapeError("{0} @ {1} is %s @ %s: a matrix product needs at least one axis on each side"
                         % (shape_text(a), shape_text(b)))
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ShapeError("{0} @ {1} is %s @ %s: inner dimensions differ (%d versus %d)"
                         % (shape_text(a), shape_text(b), a2[-1], b2[-2]))
    try:
        batch = broadcast_shapes(a2[:-2], b2[:-2])
    except ShapeError:
        raise ShapeError("{0} @ {1} is %s @ %s: the leading (batch) axes do not broadcast"
                         % (shape_text(a), shape_text(b))) from None
    out = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out, _promote(dtypes)


def _permute(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    (s,), perm = shapes, attrs["perm"]
    if sorted(perm) != list(range(len(s))):
        raise ShapeError("axes %s are not an ordering of the %d axes of {0}" % (tuple(perm), len(s)))
    return tuple(s[p] for p in perm), dtypes[0]


def _reshape(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    (s,), want = shapes, tuple(attrs["shape"])
    if prod(want) != prod(s):
        raise ShapeError("{0} has shape %s (%d entries), which cannot be viewed as %s (%d entries)"
                         % (shape_text(s), prod(s), shape_text(want), prod(want)))
    return want, dtypes[0]


def _broadcast_to(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    want = tuple(attrs["shape"])
    if broadcast_shapes(shapes[0], want) != want:
        raise ShapeError("{0} of shape %s does not broadcast to %s" % (shape_text(shapes[0]), shape_text(want)))
    return want, dtypes[0]


def _reduce(result: str | None) -> Callable[..., tuple[Shape, str]]:
    def rule(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
        s = shapes[0]
        axes = normalize_axes(attrs.get("axis"), len(s))
        if any(s[a] == 0 for a in axes):
            raise ShapeError("{0} has no entries along axis %s to reduce over" % (axes,))
        keep = attrs.get("keepdims", False)
        out = tuple(1 if k in axes else n for k, n in enumerate(s)) if keep else \
            tuple(n for k, n in enumerate(s) if k not in axes)
        ddof = attrs.get("ddof", 0)
        if ddof and prod(s[a] for a in axes) <= ddof:
            raise ShapeError("{0} has %d entries along axis %s; a correction of %d needs more"
                             % (prod(s[a] for a in axes), axes, ddof))
        return out, result or dtypes[0]
    return rule


#: Reductions over axes (``axis`` a tuple or ``None``, ``keepdims``; ``ddof`` for var and std).
REDUCTIONS = ("sum", "mean", "max", "min", "var", "std", "logsumexp")


def _argreduce(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    s = shapes[0]
    (axis,) = normalize_axes(attrs["axis"], len(s))
    keep = attrs.get("keepdims", False)
    return (tuple(1 if k == axis else n for k, n in enumerate(s)) if keep
            else tuple(n for k, n in enumerate(s) if k != axis)), "int"


def _along_axis(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    normalize_axes(attrs["axis"], len(shapes[0]))
    return tuple(shapes[0]), "float"


def _one_hot(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    if dtypes[0] == "float":
        raise ShapeError("one_hot needs integer class indices, and {0} holds floats")
    classes = attrs["classes"]
    if not isinstance(classes, int) or classes < 1:
        raise ShapeError("num_classes must be a positive integer, received %r" % (classes,))
    return (*shapes[0], classes), "int"


def _cross_entropy(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    logits, target = shapes
    if len(logits) != 2:
        raise ShapeError("cross_entropy takes logits of shape (batch, classes); {0} has shape %s"
                         % shape_text(logits))
    if dtypes[1] == "float" or target != logits[:1]:
        raise ShapeError("cross_entropy takes integer targets of shape (%d,), one class per row of {0}; "
                         "{1} is a %s array of shape %s" % (logits[0], dtypes[1], shape_text(target)))
    return (), "float"


def _concat(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    first = shapes[0]
    (axis,) = normalize_axes(attrs["axis"], len(first))
    for k, s in enumerate(shapes[1:], 1):
        if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first)) if i != axis):
            raise ShapeError("{0} and {%d} have shapes %s and %s: they must agree on every axis but %d to be joined"
                             % (k, shape_text(first), shape_text(s), axis))
    return tuple(sum(s[axis] for s in shapes) if i == axis else n for i, n in enumerate(first)), _promote(dtypes)


def _constant(dtype: str) -> Callable[..., tuple[Shape, str]]:
    def rule(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
        return (tuple(shapes[0]) if shapes else tuple(attrs["shape"])), attrs.get("dtype", dtype)
    return rule


def _triangle(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    if len(shapes[0]) < 2:
        raise ShapeError("{0} has shape %s; a triangle needs two axes" % shape_text(shapes[0]))
    return tuple(shapes[0]), dtypes[0]


# ----- indexing
def _index(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    """NumPy's indexing by ``attrs["items"]``: ``("slice", start, stop, step)``, ``("int", k)``,
    ``("new",)`` or ``("array", k)`` (integer array argument ``k``)."""
    base, items = shapes[0], attrs["items"]
    consumed = sum(1 for it in items if it[0] != "new")
    if consumed > len(base):
        raise ShapeError("{0} has %d axes, and %d are indexed" % (len(base), consumed))
    arrays = [shapes[it[1]] for it in items if it[0] == "array"]
    for it in items:
        if it[0] == "array" and dtypes[it[1]] == "float":
            raise ShapeError("{%d} holds floats and cannot index {0}: indices must be integers" % it[1])
    try:
        adv = broadcast_shapes(*arrays) if arrays else ()
    except ShapeError:
        raise ShapeError("the index arrays of {0} do not broadcast together: shapes %s"
                         % ", ".join(shape_text(s) for s in arrays)) from None
    out: list[int] = []
    placed = False
    positions = [k for k, it in enumerate(items) if it[0] in ("array", "int")]
    adjacent = not positions or positions == list(range(positions[0], positions[-1] + 1))
    axis = 0
    for it in items:
        if it[0] == "new":
            out.append(1)
            continue
        size = base[axis]
        if it[0] == "slice":
            out.append(len(range(*slice(it[1], it[2], it[3]).indices(size))))
        elif it[0] == "int":
            if not -size <= it[1] < size:
                raise ShapeError("index %d is out of range for axis %d of {0}, which has %d entries" % (it[1], axis, size))
        elif arrays and not placed and adjacent:
            out.extend(adv)
            placed = True
        axis += 1
    out.extend(base[axis:])
    if arrays and not adjacent:
        out = [*adv, *out]
    return tuple(out), dtypes[0]


def _scatter_add(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    """``zeros(shape)`` with ``values`` (argument 0) added at ``items`` (the index's items)."""
    target = tuple(attrs["shape"])
    got, _ = _index([target, *shapes[1:]], ["float", *dtypes[1:]], {"items": attrs["items"]})
    if broadcast_shapes(shapes[0], got) != got:
        raise ShapeError("values of shape %s do not fit the indexed shape %s" % (shape_text(shapes[0]), shape_text(got)))
    return target, "float"


def _arange(shapes: Sequence[Shape], dtypes: Sequence[str], attrs: Mapping[str, Any]) -> tuple[Shape, str]:
    return (len(range(attrs["start"], attrs["stop"], attrs["step"])),), "int"


def _spec(name: str, arity: int | None, rule: Callable[..., tuple[Shape, str]], elementwise: bool = False) -> OpSpec:
    return OpSpec(name, arity, rule, elementwise)


#: Every operation, by name.
OPS: dict[str, OpSpec] = {}
for _name in ELEMENTWISE_UNARY:
    OPS[_name] = _spec(_name, 1, _unary(None) if _name in ("neg", "abs", "sign") else _float_unary, True)
for _name in ELEMENTWISE_BINARY:
    OPS[_name] = _spec(_name, 2, _true_div if _name == "div" else _arith, True)
for _name in COMPARISONS:
    OPS[_name] = _spec(_name, 2, _compare, True)
for _name in ("sum", "max", "min"):
    OPS[_name] = _spec(_name, 1, _reduce(None))
for _name in ("mean", "var", "std", "logsumexp"):
    OPS[_name] = _spec(_name, 1, _reduce("float"))
OPS.update({
    "where": _spec("where", 3, _where, True),
    # A registered activation of one's own (attribute ``name``) and its derivative, computed
    # from the registry's SymPy function (``_imp_`` and ``fdiff``).
    "act": _spec("act", 1, _float_unary, True),
    "act_grad": _spec("act_grad", 1, _float_unary, True),
    "matmul": _spec("matmul", 2, _matmul),
    "permute": _spec("permute", 1, _permute),
    "reshape": _spec("reshape", 1, _reshape),
    "broadcast_to": _spec("broadcast_to", 1, _broadcast_to),
    "argmax": _spec("argmax", 1, _argreduce),
    "argmin": _spec("argmin", 1, _argreduce),
    "softmax": _spec("softmax", 1, _along_axis),
    "log_softmax": _spec("log_softmax", 1, _along_axis),
    "cross_entropy": _spec("cross_entropy", 2, _cross_entropy),
    "one_hot": _spec("one_hot", 1, _one_hot),
    "concat": _spec("concat", None, _concat),
    "zeros_like": _spec("zeros_like", 1, _constant("float")),
    "ones_like": _spec("ones_like", 1, _constant("float")),
    "zeros": _spec("zeros", 0, _constant("float")),
    "ones": _spec("ones", 0, _constant("float")),
    "eye": _spec("eye", 0, _constant("float")),
    "tril": _spec("tril", 1, _triangle),
    "triu": _spec("triu", 1, _triangle),
    "arange": _spec("arange", 0, _arange),
    "index": _spec("index", None, _index),
    "scatter_add": _spec("scatter_add", None, _scatter_add),
})
