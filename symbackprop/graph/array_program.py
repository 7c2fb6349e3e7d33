"""An array program: named arrays with shapes, one operation a line, one scalar loss.

This is the forward pass as a student writes it in NumPy or PyTorch (``hprebn = embcat @ W1
+ b1``), read by :mod:`symbackprop.read.code` into :mod:`terms <symbackprop.graph.terms>`.
Leaves are float arrays (they get gradients), integer arrays (indices such as ``Xb``, with
their range) and plain numbers (``n = 32``).  Every name is assigned once, so ``dX``, the
gradient of ``X``, means one thing.  The program knows nothing of derivatives.

>>> from symbackprop.graph.terms import Ref
>>> x, w = Ref("x", (4, 3)), Ref("w", (3,))
>>> p = ArrayProgram(
...     leaves=(Leaf("x", (4, 3)), Leaf("w", (3,))),
...     lines=(Line("h", x @ w), Line("loss", (Ref("h", (4,)) ** 2).sum())),
... )
>>> p.loss, p.shape("h"), [ln.name for ln in p.consumers("x")]
('loss', (4,), ['h'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from math import prod
from typing import Any

from symbackprop.errors import GraphError

from .array_ops import Shape, shape_text
from .terms import Term, names_in

__all__ = ["ArrayProgram", "Leaf", "Line", "LEAF_KINDS"]

#: What a leaf holds: a float array (differentiated), an integer array, or one number.
LEAF_KINDS = ("float", "data", "int", "const")


@dataclass(frozen=True)
class Leaf:
    """A name the code uses without assigning it.

    Attributes:
        name: as written in the code.
        shape: its shape (``()`` for a number).
        kind: ``"float"`` (gets a gradient), ``"data"`` (a float array that gets none, such
            as targets), ``"int"`` (indices in ``[0, bound)``) or ``"const"`` (a plain number
            the code may use, such as the batch size ``n``).
        bound: for an integer array, the exclusive upper bound of its entries.
        value: for a constant, its number.
    """

    name: str
    shape: Shape
    kind: str = "float"
    bound: int | None = None
    value: float | int | None = None

    @property
    def dtype(self) -> str:
        if self.kind == "const":
            return "int" if isinstance(self.value, int) else "float"
        return "float" if self.kind == "data" else self.kind

    @property
    def size(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class Line:
    """``name = term``; ``text`` is the right side as written, at ``lineno``/``col`` (1-based)."""

    name: str
    term: Term
    text: str = ""
    lineno: int = 0
    col: int = 0

    @property
    def shape(self) -> Shape:
        return self.term.shape

    @property
    def source(self) -> str:
        return f"{self.name} = {self.text or self.term}"


@dataclass(frozen=True, eq=False)
class ArrayProgram:
    """The forward pass: leaves, then lines in order; the loss is a named scalar line.

    Attributes:
        leaves: every name used but not assigned.
        lines: the assignments, in order.
        loss: the line whose value is the loss (default: the last line).
        values: numbers by name (nested lists), when the spec gave them.
        title: a title for sheets.
        code: the source code as given.
    """

    leaves: tuple[Leaf, ...]
    lines: tuple[Line, ...]
    loss: str = ""
    values: Mapping[str, Any] | None = field(default=None, repr=False)
    title: str = ""
    code: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.lines:
            raise GraphError("program: expected at least one line of code, received none")
        if not self.loss:
            object.__setattr__(self, "loss", self.lines[-1].name)
        if self.loss not in self._lines:
            raise GraphError(f"program.loss: expected a name the code assigns, received {self.loss!r}")
        out = self._lines[self.loss]
        if out.shape != () or out.term.dtype != "float":
            raise GraphError(f"program.loss: {self.loss!r} must be a float scalar, and it is a "
                             f"{out.term.dtype} array of shape {shape_text(out.shape)}")

    @cached_property
    def _leaves(self) -> dict[str, Leaf]:
        return {leaf.name: leaf for leaf in self.leaves}

    @cached_property
    def _lines(self) -> dict[str, Line]:
        return {line.name: line for line in self.lines}

    @cached_property
    def _consumers(self) -> dict[str, tuple[Line, ...]]:
        users: dict[str, list[Line]] = {name: [] for name in [*self._leaves, *self._lines]}
        for line in self.lines:
            for name in names_in(line.term):
                users[name].append(line)
        return {k: tuple(v) for k, v in users.items()}

    def leaf(self, name: str) -> Leaf | None:
        return self._leaves.get(name)

    def line(self, name: str) -> Line | None:
        return self._lines.get(name)

    def shape(self, name: str) -> Shape:
        """The shape of a leaf or line by name."""
        if name in self._leaves:
            return self._leaves[name].shape
        if name in self._lines:
            return self._lines[name].shape
        raise GraphError(f"program: no array named {name!r}")

    def dtype(self, name: str) -> str:
        return self._leaves[name].dtype if name in self._leaves else self._lines[name].term.dtype

    @property
    def names(self) -> tuple[str, ...]:
        """Leaves, then lines, in order."""
        return (*self._leaves, *self._lines)

    @property
    def float_leaves(self) -> tuple[Leaf, ...]:
        """The leaves that get gradients."""
        return tuple(leaf for leaf in self.leaves if leaf.kind == "float")

    @property
    def parameter_count(self) -> int:
        return sum(leaf.size for leaf in self.float_leaves)

    @cached_property
    def counts(self) -> dict[int, str]:
        """Integers that printers write as the constant naming them (``32`` as ``n``).

        A number two constants share (``B = 2``, ``Cin = 2``) is written as the number:
        which one a size stands for is not known from the number alone.
        """
        names: dict[int, list[str]] = {}
        for leaf in self.leaves:
            if leaf.kind == "const" and isinstance(leaf.value, int) and not isinstance(leaf.value, bool):
                names.setdefault(leaf.value, []).append(leaf.name)
        return {n: found[0] for n, found in names.items() if len(found) == 1}

    def consumers(self, name: str) -> tuple[Line, ...]:
        """The lines that read ``name``, in order."""
        return self._consumers.get(name, ())

    def upto(self, name: str) -> tuple[Line, ...]:
        """The lines up to and including the one assigning ``name`` (the loss by default)."""
        k = [ln.name for ln in self.lines].index(name)
        return self.lines[: k + 1]

    def describe(self) -> str:
        floats = self.float_leaves
        return (f"program of {len(self.lines)} lines, {len(floats)} float leaves "
                f"({self.parameter_count:,} numbers), loss {self.loss!r}")

    def __repr__(self) -> str:
        return f"<ArrayProgram: {self.describe()}>"
