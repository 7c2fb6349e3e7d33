"""The statements of a backward cell as values: what :func:`~symbackprop.read.cell.read_cell` gives.

A :class:`Step` is one statement (an assignment, an in-place change, a scatter, a loop) with
its syntax tree kept, so that it can be read against the shapes of the moment when the cell
runs and edited when a mistake is repaired; :attr:`Step.code` prints it back.  A
:class:`Cell` is the statements in order and the names they assign.

>>> import ast
>>> step = Step("update", "dX", 3, 1, "dX += v", ast.parse("v", mode="eval").body, op="add")
>>> step.code
'dX += v'
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

__all__ = ["Step", "Cell", "OPERATORS"]

#: In-place operators, by name: ``dX += v`` is ``add``.
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


@dataclass(frozen=True)
class Step:
    """One statement of the cell.

    Attributes:
        kind: ``"assign"`` (``name = value``), ``"update"`` (``name op= value``),
            ``"setitem"`` (``name[index] = value`` or ``op=``), ``"addat"`` (a scatter
            that adds at repeated positions) or ``"loop"``.
        name: the variable written (for a loop, its counter).
        lineno, col: where the statement starts (1-based).
        text: the statement as written (a loop's first line).
        value: the right side.
        index: the positions written (``setitem``, ``addat``), as ``name[index]`` reads them.
        op: ``add``, ``sub``, ``mul`` or ``div`` for an in-place operator; ``None`` for ``=``.
        copied: the value is a new array (``.clone()``), not a view of a variable.
        spelling: how an ``addat`` was written (``np.add.at``, ``index_put_``, ``index_add_``).
        dim: the axis of ``index_add_``.
        body, bounds: a loop's statements and ``range`` bounds.
        reads: the cell's variables the statement reads.
        grads: the gradients it depends on, directly or through helpers.
    """

    kind: str
    name: str
    lineno: int
    col: int
    text: str
    value: ast.expr | None = field(default=None, compare=False)
    index: ast.expr | None = field(default=None, compare=False)
    op: str | None = None
    copied: bool = False
    spelling: str = ""
    dim: int = 0
    body: tuple[Step, ...] = ()
    bounds: tuple[int, int, int] = (0, 0, 1)
    reads: frozenset[str] = frozenset()
    grads: frozenset[str] = frozenset()

    @property
    def code(self) -> str:
        """The statement as code (a repaired one prints its repair)."""
        value = ast.unparse(self.value) if self.value is not None else ""
        sym = OPERATORS.get(self.op or "", "")
        if self.kind == "assign":
            return f"{self.name} = {value}"
        if self.kind == "update":
            return f"{self.name} {sym}= {value}"
        if self.kind == "loop":
            return f"for {self.name} in range({', '.join(map(str, self.bounds))}):"
        where = _index_text(self.index)
        if self.kind == "setitem":
            return f"{self.name}[{where}] {sym}= {value}"
        if self.spelling == "index_put_":
            items = self.index.elts if isinstance(self.index, ast.Tuple) else [self.index]
            return f"{self.name}.index_put_(({', '.join(ast.unparse(e) for e in items)},), {value}, accumulate=True)"
        if self.spelling == "index_add_":
            last = self.index.elts[-1] if isinstance(self.index, ast.Tuple) else self.index
            return f"{self.name}.index_add_({self.dim}, {ast.unparse(last)}, {value})"
        return f"np.add.at({self.name}, {_positions_text(self.index)}, {value})"

    def walk(self) -> Iterator[Step]:
        """This step and, for a loop, every step inside it, in order."""
        yield self
        for s in self.body:
            yield from s.walk()


def _index_text(index: ast.expr | None) -> str:
    if isinstance(index, ast.Tuple):
        return ", ".join(ast.unparse(e) for e in index.elts)
    return ast.unparse(index) if index is not None else ""


@dataclass(frozen=True)
class Cell:
    """A backward cell as read: its statements and what they name.

    Attributes:
        code: the text.
        steps: the statements, in order.
        targets: ``{variable: forward name}`` for each gradient the cell assigns, in the
            order first written.
        given: gradients the cell reads but never assigns (the correct ones are supplied).
        helpers: the other variables it assigns.
        dialect: ``"torch"`` or ``"numpy"`` (the program's when the cell names neither).
        notes: what was read in a way worth saying (skipped lines, names that look like
            gradients but are not).
        executed: how many statements one run executes, loops unrolled.
    """

    code: str
    steps: tuple[Step, ...]
    targets: dict[str, str]
    given: dict[str, str]
    helpers: tuple[str, ...]
    dialect: str
    notes: tuple[str, ...] = ()
    executed: int = 0

    def walk(self) -> Iterator[Step]:
        for s in self.steps:
            yield from s.walk()

    def writes(self, variable: str) -> list[Step]:
        """The statements that write ``variable``, in order (inside loops too)."""
        return [s for s in self.walk() if s.kind != "loop" and s.name == variable]

    def replaced(self, old: Step, new: tuple[Step, ...]) -> Cell:
        """The cell with statement ``old`` (found by identity) replaced by ``new``."""
        return replace(self, steps=_replace(self.steps, old, new))


def _replace(steps: tuple[Step, ...], old: Step, new: tuple[Step, ...]) -> tuple[Step, ...]:
    out: list[Step] = []
    for s in steps:
        if s is old:
            out.extend(new)
        elif s.kind == "loop":
            out.append(replace(s, body=_replace(s.body, old, new)))
        else:
            out.append(s)
    return tuple(out)


def _positions_text(index: ast.expr | None) -> str:
    """``np.add.at``'s positions as Python: a slice in the tuple is ``slice(a, b)`` (a tuple
    outside brackets cannot hold ``:``)."""
    if index is None:
        return ""
    if not isinstance(index, ast.Tuple):
        return ast.unparse(index)

    def one(e: ast.expr) -> str:
        if not isinstance(e, ast.Slice):
            return ast.unparse(e)
        parts = [e.lower, e.upper, e.step]
        while len(parts) > 1 and parts[-1] is None:
            parts.pop()
        if len(parts) == 2 and parts[0] is None:
            parts = parts[1:]
        return f"slice({', '.join('None' if x is None else ast.unparse(x) for x in parts)})"

    items = [one(e) for e in index.elts]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
