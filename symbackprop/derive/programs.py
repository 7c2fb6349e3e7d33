r"""A program as a value: the forward pass read from code, its derived backward pass, printed.

:func:`program` reads NumPy or PyTorch code (or takes a spec's program) and returns a
:class:`Program`; its backward pass is derived once, on first use.  Every line prints in
matrix calculus (:meth:`Program.latex_lines`) and as code (:meth:`Program.code_lines`);
:meth:`Program.notes` says where a sum in the forward pass becomes a broadcast in the
backward pass and a broadcast a sum, and :meth:`Program.paths` where a name reaches the
loss along several lines.

>>> p = program("h = np.tanh(x @ W + b)\nloss = (h ** 2).mean()",
...             shapes={"x": [4, 3], "W": [3, 2], "b": [2]})
>>> for line in p.code_lines():
...     print(line)
dh = h / 4
dx = (1 - h**2) * dh @ W.T
dW = x.T @ ((1 - h**2) * dh)
db = ((1 - h**2) * dh).sum(axis=0)
>>> [str(note) for note in p.notes("h")]
['b is broadcast over axis 0 here, so its gradient is summed over axis 0']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from symbackprop.errors import SpecError
from symbackprop.graph.array_code import CodePrinter
from symbackprop.graph.array_latex import LatexTermPrinter, latex_name
from symbackprop.graph.array_ops import normalize_axes, shape_text
from symbackprop.graph.array_program import ArrayProgram, Line
from symbackprop.graph.terms import Call, Ref, walk

from .array_backward import BackwardProgram, GradLine, backward_program
from .backward_code import grad_names, statement
from .fuse import Fused, fuse, fusions

__all__ = ["Program", "program", "Note"]


@dataclass(frozen=True, eq=False)
class Program:
    """An array program and its derived backward pass (built on first use).

    Attributes:
        forward: the program as read (:class:`~symbackprop.graph.array_program.ArrayProgram`).
    """

    forward: ArrayProgram

    @cached_property
    def backward(self) -> BackwardProgram:
        """The derived backward pass: one line per (forward line, float input), output first."""
        return backward_program(self.forward)

    # ----- what the forward program is
    @property
    def lines(self) -> tuple[Line, ...]:
        return self.forward.lines

    @property
    def loss(self) -> str:
        return self.forward.loss

    @property
    def title(self) -> str:
        return self.forward.title or "An array program"

    @property
    def values(self) -> Mapping[str, Any] | None:
        return self.forward.values

    @cached_property
    def counts(self) -> dict[int, str]:
        """Integers the printers write as the constant naming them (``32`` as ``n``)."""
        return self.forward.counts

    @cached_property
    def grad_names(self) -> dict[str, str]:
        """The variable holding each gradient: ``dX``, or ``d_X`` where ``dX`` is taken."""
        return grad_names(self.forward)

    # ----- printing
    def latex_printer(self) -> LatexTermPrinter:
        return LatexTermPrinter(counts=self.counts)

    def code_printer(self, dialect: str = "numpy") -> CodePrinter:
        if dialect not in ("numpy", "torch"):
            raise SpecError(f"code: expected the language numpy or torch, received {dialect!r}")
        return CodePrinter(dialect=dialect, counts=self.counts, grad_names=self.grad_names)

    def forward_latex(self, line: Line) -> tuple[str, str]:
        """``(left, right)`` of a forward line in LaTeX."""
        return latex_name(line.name), "= " + self.latex_printer().doprint(line.term)

    def backward_latex(self, gl: GradLine) -> tuple[str, str]:
        """``(left, right)`` of a backward line in LaTeX: ``\\overline{X} \\mathrel{+}= ...``."""
        left = r"\overline{%s}" % latex_name(gl.target)
        return left, (r"\mathrel{+}= " if gl.accumulate else "= ") + self.latex_printer().doprint(gl.term)

    def latex_lines(self) -> list[tuple[str, str]]:
        """The backward pass in matrix calculus, one ``(left, right)`` row per line."""
        return [self.backward_latex(gl) for gl in self.backward.lines]

    def code_lines(self, dialect: str = "numpy") -> list[str]:
        """The backward pass as code, one statement per line (two for a scatter into zeros)."""
        printer = self.code_printer(dialect)
        out: list[str] = []
        for gl in self.backward.lines:
            out.extend(statement(gl, printer, self.forward, self.backward))
        return out

    def latex(self) -> str:
        """The forward and backward passes in one ``aligned`` block."""
        rows = [self.forward_latex(line) for line in self.lines] + self.latex_lines()
        return "\\begin{aligned}\n" + " \\\\\n".join(f"{a} &{b}" for a, b in rows) + "\n\\end{aligned}"

    # ----- fused formulas
    def fuse(self, start: str, end: str) -> Fused:
        """The backward lines of the span ``start..end`` as one formula for ``d<start>``
        (:func:`~symbackprop.derive.fuse.fuse`): ``program.fuse("logits", "loss")``."""
        return fuse(self.forward, self.backward, start, end)

    @cached_property
    def fusions(self) -> tuple[Fused, ...]:
        """The spans that fuse into a named block (softmax with cross entropy, batch
        normalisation), found in the program (:func:`~symbackprop.derive.fuse.fusions`)."""
        return tuple(fusions(self.forward, self.backward))

    # ----- words
    def paths(self, name: str) -> str | None:
        """``"counts reaches the loss along two paths: ..."`` when ``name`` feeds several lines."""
        return self.backward.paths(name)

    def notes(self, line_name: str) -> list[Note]:
        """Where this forward line sums (its gradient is broadcast back), broadcasts an input
        (its gradient is summed) or gathers entries (its gradient is scattered back)."""
        line = self.forward.line(line_name)
        if line is None:
            raise SpecError(f"program: no line named {line_name!r}")
        out: list[Note] = []
        for node in walk(line.term):
            if not isinstance(node, Call):
                continue
            if node.op in ("sum", "mean") and node.args[0].dtype == "float":
                axes = normalize_axes(node.attr("axis"), node.args[0].ndim)
                out.append(Note("sum", node.op, axes, node.args[0].ndim))
            if node.op == "index" and isinstance(node.args[0], Ref) and node.args[0].dtype == "float" and any(
                    it[0] == "array" for it in node.attr("items")):
                out.append(Note("gather", node.args[0].name, (), node.args[0].ndim))
            if node.op in _BROADCASTING:
                for arg in node.args:
                    if isinstance(arg, Ref) and arg.dtype == "float" and arg.shape != node.shape and arg.shape:
                        out.append(Note("broadcast", arg.name, _broadcast_axes(arg.shape, node.shape), node.ndim))
        return list(dict.fromkeys(out))

    def describe(self) -> str:
        return self.forward.describe()

    def shape_text(self, name: str) -> str:
        return shape_text(self.forward.shape(name))

    def __repr__(self) -> str:
        return f"<Program: {self.describe()}>"


_BROADCASTING = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "where"}


@dataclass(frozen=True)
class Note:
    """What a forward line does that the backward pass undoes in another form.

    ``kind`` is ``"sum"`` (a sum or mean, named by ``name``, over ``axes``: broadcast back),
    ``"broadcast"`` (the array ``name`` stretched over ``axes``: its gradient is summed) or
    ``"gather"`` (entries of ``name`` picked by indices: its gradient is scattered back).
    """

    kind: str
    name: str
    axes: tuple[int, ...]
    ndim: int

    @property
    def axes_words(self) -> str:
        return _axes_words(self.axes, self.ndim)

    def __str__(self) -> str:
        what = self.axes_words
        if self.kind == "sum":
            return f"the {self.name} over {what} becomes a broadcast back over {what} in the gradient"
        if self.kind == "broadcast":
            return f"{self.name} is broadcast over {what} here, so its gradient is summed over {what}"
        return (f"this line picks entries of {self.name}; its gradient is scattered back into zeros of "
                f"{self.name}'s shape, adding up where an entry is picked more than once")


def _broadcast_axes(small: tuple[int, ...], big: tuple[int, ...]) -> tuple[int, ...]:
    lead = len(big) - len(small)
    return tuple(range(lead)) + tuple(lead + k for k, n in enumerate(small) if n == 1 and big[lead + k] != 1)


def _axes_words(axes: tuple[int, ...], ndim: int) -> str:
    if len(axes) == ndim and ndim > 1:
        return "every axis"
    if len(axes) == 1:
        return f"axis {axes[0]}"
    return "axes " + ", ".join(str(a) for a in axes)


def program(code: str | ArrayProgram | Program, shapes: Mapping[str, Any] | None = None,
            values: Mapping[str, Any] | None = None, *, loss: str | None = None, title: str = "") -> Program:
    """Read a forward pass written as NumPy or PyTorch code and derive its backward pass.

    Args:
        code: the code (one ``name = expression`` a line), or a program already read (a
            spec's, ``load_spec(...).network``).
        shapes: every name the code uses but does not assign: ``[30, 64]`` for a float
            array, ``{"shape": [32, 3], "integers": 27}`` for indices in ``[0, 27)``, a
            number for a constant.
        values: numbers by name (nested lists), optional.
        loss: the name of the loss (default: the last name assigned).
        title: a title for sheets.

    Returns:
        The :class:`Program`, the same value a spec with ``[program]`` gives.

    Raises:
        CodeError: code outside the subset read, or shapes that do not fit (line, column).
        SpecError: a malformed ``shapes`` or ``values`` entry, named by its field.
    """
    if isinstance(code, Program):
        return code
    if isinstance(code, ArrayProgram):
        return Program(code)
    if shapes is None:
        raise SpecError("shapes: missing; expected the shape of every name the code uses but does not assign")
    from symbackprop.read.code import read_program  # the code reader: not for a network's layered program

    return Program(read_program(code, shapes, loss=loss, values=values, title=title))
