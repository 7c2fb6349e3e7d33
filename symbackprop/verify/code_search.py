"""Comparing a cell's gradient with the derived one, and replaying one gradient's lines alone.

:func:`facts` gives what students check by hand (the exercise's ``cmp``: exact, approximately
equal, the largest difference) and whether the shape is right.  A shape that differs only
by leading axes of size 1 (``(64,)`` for a ``(1, 64)`` gradient) holds the same numbers and
broadcasts the same way, so the numbers are compared; the verdict notes the shape.

A :class:`Search` judges one gradient's own lines: it replays the cell with every *other*
gradient replaced by the correct one (:func:`~symbackprop.numeric.cell_run.run_cell` with
``only``), so a line is right or wrong by itself, whatever the lines above it did; the repairs
of :mod:`.code_mistakes` are tried the same way.

>>> import numpy as np
>>> f = facts(np.ones((64,)), np.ones((1, 64)), "seed 0")
>>> f.close, f.shape_right, f.exact
(True, False, True)
>>> facts(np.ones((32,)), np.ones((32, 1)), "seed 0").close
False
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symbackprop.errors import SymbackpropError
from symbackprop.graph.terms import Ref, Term
from symbackprop.read.cell import Cell, Step
from symbackprop.read.cell_terms import Bound, CellReader
from symbackprop.numeric.array_eval import evaluate
from symbackprop.numeric.cell_run import BudgetSpent, CellWorkError, Failure, Run, WorkBudget, run_cell
from symbackprop.read.code_values import Num

from .code_points import CodeSetting, Point

__all__ = ["RTOL", "ATOL", "Facts", "facts", "close", "Search"]

#: A gradient is right when every entry is within ``RTOL`` of the largest true entry (plus
#: ``ATOL``): float64 rounding, whatever order the student's operations take.  The exercise's
#: ``approximate`` (``torch.allclose``: 1e-5 relative, 1e-8 absolute) is reported beside it.
RTOL = 1e-9
ATOL = 1e-12


def _lead(shape: tuple[int, ...]) -> tuple[int, ...]:
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return tuple(shape[k:])


def aligned(student: Any, truth: np.ndarray) -> np.ndarray | None:
    """``student`` in ``truth``'s shape, when the shapes agree up to leading axes of size 1."""
    s = np.asarray(student)
    if s.dtype.kind not in "biuf":
        return None
    s = s.astype(np.float64)
    if s.shape == truth.shape:
        return s
    if _lead(s.shape) == _lead(truth.shape):
        return s.reshape(truth.shape)
    return None


def close(student: Any, truth: np.ndarray) -> bool:
    if student is None or isinstance(student, Failure):
        return False
    a = aligned(student, truth)
    if a is None or not np.all(np.isfinite(a)):
        return False
    return bool(np.max(np.abs(a - truth), initial=0.0) <= RTOL * np.max(np.abs(truth), initial=0.0) + ATOL)


@dataclass(frozen=True)
class Facts:
    """What a student's own check says of one gradient at one point.

    Attributes:
        at: where the numbers come from.
        shape, expected_shape: the student's shape (``None`` when the line failed) and the
            gradient's.
        close: equal up to rounding (the verdict's test).
        exact: every entry equal; approximate: ``torch.allclose``; maxdiff: the largest
            difference (``None`` where the shapes cannot be compared or a value is not finite).
        counterexample: ``(index, student's value, true value)`` of the entry farthest off.
    """

    at: str
    shape: tuple[int, ...] | None
    expected_shape: tuple[int, ...]
    close: bool
    exact: bool | None = None
    approximate: bool | None = None
    maxdiff: float | None = None
    counterexample: tuple[tuple[int, ...], float, float] | None = None
    not_finite: tuple[int, ...] | None = None

    @property
    def shape_right(self) -> bool:
        return self.shape == self.expected_shape


def facts(student: Any, truth: np.ndarray, at: str) -> Facts:
    """The facts of ``student`` (an array, or ``None``/a failure) against ``truth``."""
    truth = np.asarray(truth, dtype=np.float64)
    if student is None or isinstance(student, Failure):
        return Facts(at, None, truth.shape, False)
    shape = tuple(np.shape(student))
    a = aligned(student, truth)
    if a is None:
        return Facts(at, shape, truth.shape, False)
    bad = ~np.isfinite(a)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return Facts(at, shape, truth.shape, False, False, False, None, (where, float(a[where]), float(truth[where])),
                     where)
    diff = np.abs(a - truth)
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else ()
    ok = close(a, truth)
    return Facts(at, shape, truth.shape, ok, bool(np.array_equal(a, truth)),
                 bool(np.allclose(a, truth, rtol=1e-5, atol=1e-8)), float(diff.max(initial=0.0)),
                 None if ok or not diff.size else (where, float(a[where]), float(truth[where])))


class Search:
    """Replays of one gradient's own lines, with every other gradient correct.

    Args:
        cell: the cell as read; var: the variable judged (``dcounts``).
        setting: the program and its numbers; points: where to compare, the first first.
        reader, cache, budget: shared with every other run of the cell.
    """

    def __init__(self, cell: Cell, var: str, setting: CodeSetting, points: Sequence[Point], reader: CellReader,
                 cache: dict[Any, Any], budget: WorkBudget) -> None:
        self.cell, self.var, self.setting, self.points = cell, var, setting, list(points)
        self.reader, self.cache, self.budget = reader, cache, budget
        self.name = cell.targets[var]
        self.program = setting.program
        self.shape = self.program.forward.shape(self.name)
        self._supplied = [self.supplied(p) for p in self.points]
        self.base = self.replay(cell, 0)

    def supplied(self, point: Point) -> dict[str, np.ndarray]:
        """The correct value of every gradient the cell names."""
        out = {}
        for var, name in {**self.cell.targets, **self.cell.given}.items():
            out[var] = point.gradient(name, self.program.forward.shape(name))
        return out

    def truth(self, k: int = 0) -> np.ndarray:
        return np.asarray(self.points[k].gradient(self.name, self.shape), dtype=np.float64)

    def replay(self, cell: Cell, k: int = 0) -> Run:
        """The cell run at point ``k`` with only this gradient's own lines."""
        try:
            return run_cell(cell, self.program.forward, self.points[k].forward, self._supplied[k], only=self.var,
                            reader=self.reader, budget=self.budget, cache=self.cache)
        except CellWorkError as exc:  # a repair that runs past the budget ends the search, not the verdict
            raise BudgetSpent(str(exc)) from None

    def value(self, run: Run) -> Any:
        """The gradient after a run: its array, or the failure that left it undefined."""
        return run.values.get(self.var, run.failures.get(self.var))

    def right(self, cell: Cell) -> bool:
        """Whether ``cell`` gives this gradient right at every point."""
        for k in range(len(self.points)):
            run = self.base if cell is self.cell and k == 0 else self.replay(cell, k)
            if not close(self.value(run), self.truth(k)):
                return False
        return True

    def shape_of(self, step: Step, node: ast.expr) -> tuple[int, ...] | None:
        """The shape of a part of ``step`` with correct inputs (``None`` when it does not read)."""
        bound: dict[str, Bound] = {}
        for name in step.reads:
            value = self.base.values.get(name)
            if value is None and name in self._supplied[0]:
                value = self._supplied[0][name]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                bound[name] = Num(value, Ref(name, (), "int" if isinstance(value, int) else "float"))
            elif value is not None:
                kind = np.asarray(value).dtype.kind
                bound[name] = Ref(name, np.shape(value), "float" if kind == "f" else ("bool" if kind == "b" else "int"))
        try:
            term = self.reader.term(node, bound)
        except SymbackpropError:
            return None
        return term.shape if isinstance(term, Term) else None

    def contributions(self, k: int = 0) -> list[tuple[Any, np.ndarray]]:
        """``(backward line, its value)`` for each path of this name to the loss."""
        point = self.points[k]
        out = []
        for gl in self.program.backward.contributions(self.name):
            with np.errstate(all="ignore"):
                value = evaluate(gl.term, point.forward, point.truth)
            out.append((gl, np.broadcast_to(np.asarray(value, dtype=np.float64), self.shape)))
        return out
