"""Terms: the expressions of array programs, each with its shape and element type.

A term is a name (:class:`Ref`), the adjoint of a name (:class:`Grad`, ``∂L/∂name``), a
number (:class:`Const`) or an operation of :data:`~symbackprop.graph.array_ops.OPS` on
terms (:class:`Call`).  Terms are immutable and compared by structure; every :class:`Call`
checks its arguments' shapes when it is made, so a term that exists is well-shaped.
Python's operators build terms, which keeps the rules of later stages one line each::

    g * (1 - ans ** 2)          # the vector-Jacobian product of tanh

>>> x = Ref("x", (32, 64))
>>> b = Ref("b", (1, 64))
>>> t = (x + b).sum(axis=0, keepdims=True)
>>> t.shape, t.dtype
((1, 64), 'float')
>>> (x @ Ref("W", (10, 3))).shape
Traceback (most recent call last):
    ...
symbackprop.graph.array_ops.ShapeError: x @ W is (32, 64) @ (10, 3): inner dimensions differ (64 versus 10)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .array_ops import OPS, Shape, ShapeError

__all__ = ["Term", "Ref", "Grad", "Const", "Call", "call", "const", "walk", "names_in", "Attrs"]

#: An operation's attributes as sorted ``(key, value)`` pairs (hashable, so terms are).
Attrs = tuple[tuple[str, Any], ...]


class Term:
    """Base of every term; ``shape`` and ``dtype`` are set by each subclass."""

    shape: Shape
    dtype: str

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # Operators build terms (numbers become constants), so rules read like the math.
    def __add__(self, other: object) -> Term:
        return call("add", self, const(other))

    def __radd__(self, other: object) -> Term:
        return call("add", const(other), self)

    def __sub__(self, other: object) -> Term:
        return call("sub", self, const(other))

    def __rsub__(self, other: object) -> Term:
        return call("sub", const(other), self)

    def __mul__(self, other: object) -> Term:
        return call("mul", self, const(other))

    def __rmul__(self, other: object) -> Term:
        return call("mul", const(other), self)

    def __truediv__(self, other: object) -> Term:
        return call("div", self, const(other))

    def __rtruediv__(self, other: object) -> Term:
        return call("div", const(other), self)

    def __pow__(self, other: object) -> Term:
        return call("pow", self, const(other))

    def __neg__(self) -> Term:
        return call("neg", self)

    def __matmul__(self, other: Term) -> Term:
        return call("matmul", self, other)

    @property
    def T(self) -> Term:
        """The axes reversed (a matrix transposed)."""
        return call("permute", self, perm=tuple(reversed(range(self.ndim))))

    def sum(self, axis: Any = None, keepdims: bool = False) -> Term:
        return call("sum", self, axis=axis, keepdims=keepdims)

    def __str__(self) -> str:
        return _plain(self)

    def __repr__(self) -> str:
        return _plain(self)


@dataclass(frozen=True, eq=True, repr=False)
class Ref(Term):
    """A named array: a leaf of the program or the result of one of its lines."""

    name: str
    shape: Shape = ()
    dtype: str = "float"


@dataclass(frozen=True, eq=True, repr=False)
class Grad(Term):
    """The adjoint ``∂L/∂name`` of a named array, of that array's shape."""

    name: str
    shape: Shape = ()
    dtype: str = "float"


@dataclass(frozen=True, eq=True, repr=False)
class Const(Term):
    """A number written in the code (``1e-5``, ``0.5``, ``2``)."""

    value: float | int | bool
    shape: Shape = ()
    dtype: str = "float"


@dataclass(frozen=True, eq=True, repr=False)
class Call(Term):
    """``op(args..., **attrs)``; build with :func:`call`, which checks the shapes."""

    op: str
    args: tuple[Term, ...]
    attrs: Attrs = ()
    shape: Shape = field(default=(), compare=False)
    dtype: str = field(default="float", compare=False)

    def attr(self, key: str, default: Any = None) -> Any:
        for k, v in self.attrs:
            if k == key:
                return v
        return default

    @property
    def attributes(self) -> dict[str, Any]:
        return dict(self.attrs)


def const(value: object) -> Term:
    """``value`` as a term: terms pass through, Python numbers become :class:`Const`."""
    if isinstance(value, Term):
        return value
    if isinstance(value, bool):
        return Const(value, (), "bool")
    if isinstance(value, int):
        return Const(value, (), "int")
    if isinstance(value, float):
        return Const(value, (), "float")
    raise TypeError(f"expected a term or a number, received {type(value).__name__}")


def call(op: str, *args: Term, _texts: tuple[str, ...] | None = None, **attrs: Any) -> Call:
    """The term ``op(*args, **attrs)``, its shape and type inferred by the op's rule.

    Raises:
        ShapeError: the arguments do not fit; the message names them by ``_texts`` (their
            source text, from the code reader) or else by their plain text.
    """
    spec = OPS[op]
    attrs = {k: _frozen(v) for k, v in attrs.items() if v is not None or k == "axis"}
    try:
        shape, dtype = spec.infer([a.shape for a in args], [a.dtype for a in args], attrs)
    except ShapeError as exc:
        raise ShapeError(exc.fill(_texts or [_plain(a) for a in args])) from None
    return Call(op, tuple(args), tuple(sorted(attrs.items())), tuple(shape), dtype)


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_frozen(v) for v in value)
    return value


def walk(term: Term) -> Iterator[Term]:
    """Every sub-term of ``term``, each once, children before parents (iteratively)."""
    seen: set[int] = set()
    stack: list[tuple[Term, bool]] = [(term, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in seen:
            continue
        if done or not isinstance(node, Call):
            seen.add(id(node))
            yield node
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args))


def names_in(term: Term) -> list[str]:
    """The names a term reads (:class:`Ref`), in order of first use."""
    out: dict[str, None] = {}
    for node in walk(term):
        if isinstance(node, Ref):
            out.setdefault(node.name, None)
    return list(out)


_INFIX = {"add": " + ", "sub": " - ", "mul": " * ", "div": " / ", "pow": "**", "matmul": " @ "}


def _plain(term: Term) -> str:
    """A short code-like text of ``term``, for error messages (the printers live later)."""
    if isinstance(term, Ref):
        return term.name
    if isinstance(term, Grad):
        return "d" + term.name
    if isinstance(term, Const):
        return repr(term.value)
    assert isinstance(term, Call)
    args = [_plain(a) for a in term.args]
    if term.op in _INFIX and len(args) == 2:
        return "(" + _INFIX[term.op].join(args) + ")"
    if term.op == "neg":
        return "-" + args[0]
    return f"{term.op}({', '.join(args + [f'{k}={v!r}' for k, v in term.attrs])})"
