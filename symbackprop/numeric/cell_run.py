"""Running a backward cell over numbers, with NumPy's own meaning of assignment.

Each statement's expressions are read against the shapes the cell's names have at that
moment (:class:`~symbackprop.read.cell_terms.CellReader`) and evaluated by the kernels of
:mod:`.array_kernels`; what NumPy and PyTorch do on assignment is done here, on the arrays:
``dX = dY`` makes two names for one array and ``.clone()`` a new one; ``dX += v`` changes
the array in place (so a name sharing it changes too, which is recorded); ``dX[idx] += v``
reads, adds and writes back (a position picked twice gets one addition, as in NumPy);
``np.add.at`` adds at every position.  A statement that cannot run is a :class:`Failure`
(its shapes do not fit, an index is out of range at these numbers, or it reads a name that
a failed line left undefined), and the cell goes on.

Work is counted, never timed, and before it is done: every statement costs
:data:`STATEMENT_COST` plus the entries of every array it computes and writes.  A run past :data:`MAX_RUN_WORK` stops with :class:`CellWorkError`;
a :class:`WorkBudget` shared by several runs stops a search with :class:`BudgetSpent`.

>>> import numpy as np
>>> from symbackprop.read.code import read_program
>>> from symbackprop.read.cell import read_cell
>>> p = read_program("h = x * w\\nloss = h.sum()", {"x": [3], "w": [3]})
>>> cell = read_cell("dh = np.ones_like(h)\\ndw = dh\\ndw *= x", p, {"h": "dh", "w": "dw", "x": "dx"})
>>> run = run_cell(cell, p, {"x": np.arange(3.0), "w": np.ones(3), "h": np.arange(3.0)})
>>> run.values["dw"].tolist(), run.values["dh"].tolist()
([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
>>> run.changed["dh"][1]
'dw'
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import prod
from typing import Any

import numpy as np

from symbackprop.errors import CodeError, SymbackpropError
from symbackprop.graph.array_ops import ShapeError, broadcast_shapes, shape_text
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Ref, Term, walk
from symbackprop.read.cell import Cell, Step
from symbackprop.read.cell_terms import Bound, CellReader, CellShapeError
from symbackprop.read.code_values import Num, bound_of

from .array_eval import evaluate
from .array_kernels import index_tuple

__all__ = ["Failure", "Run", "run_cell", "WorkBudget", "CellWorkError", "BudgetSpent", "MAX_RUN_WORK", "STATEMENT_COST"]

#: What a statement costs besides its arrays: reading and running it is worth about this many
#: array entries of NumPy's arithmetic.
STATEMENT_COST = 1_000
#: The most work one run of a cell may do: every statement executed costs
#: :data:`STATEMENT_COST` plus the entries of the arrays it computes and writes (the makemore
#: cell: about 330,000), counted before it is done.
MAX_RUN_WORK = 20_000_000
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


class CellWorkError(CodeError):
    """One run of the cell does more work than :data:`MAX_RUN_WORK` (bad input)."""


class BudgetSpent(SymbackpropError):
    """A :class:`WorkBudget` shared by several runs is spent (a search stops here)."""


@dataclass
class WorkBudget:
    """Work allowed to a series of runs (``total``); each run also stops at :data:`MAX_RUN_WORK`."""

    total: int | None = None
    spent: int = 0

    def charge(self, work: int) -> None:
        self.spent += work
        if self.total is not None and self.spent > self.total:
            raise BudgetSpent(f"the work budget of {self.total:,} array entries is spent")


@dataclass(frozen=True)
class Failure:
    """A statement that could not run.

    Attributes:
        step: the statement.
        kind: ``"shape"`` (its shapes do not fit), ``"numbers"`` (it fails at these numbers:
            an index out of range), ``"code"`` (outside what is read) or ``"upstream"`` (it
            reads ``cause``, which a failed line left undefined).
        message: what went wrong, in words.
        cause: for ``upstream``, the variable read.
        column: where in the line, when known.
    """

    step: Step
    kind: str
    message: str
    cause: str = ""
    column: int | None = None


@dataclass
class Run:
    """The outcome of one run: every variable's value at the end, and what failed."""

    values: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    errors: list[Failure] = field(default_factory=list)
    changed: dict[str, tuple[Step, str]] = field(default_factory=dict)
    work: int = 0


class _Runner:
    def __init__(self, cell: Cell, reader: CellReader, forward: Mapping[str, Any], supplied: Mapping[str, Any],
                 only: str | None, budget: WorkBudget | None, cache: dict[Any, Any]) -> None:
        self.cell, self.reader, self.forward = cell, reader, forward
        self.supplied, self.only, self.budget, self.cache = supplied, only, budget, cache
        self.run = Run()
        self.numbers: dict[str, Num] = {}
        self.bounds: dict[str, int] = {}
        self.targets = set(cell.targets) | set(cell.given)
        self.own = self.targets | set(cell.helpers)

    # ----- values
    def lookup(self, name: str) -> Any:
        values = self.run.values
        if name in values:
            return values[name]
        if name in self.targets and (self.only is not None or name in self.cell.given):
            values[name] = np.array(self.supplied[name], dtype=np.float64)  # a copy: the run may change it
            return values[name]
        return None

    def bind(self, step: Step) -> tuple[dict[str, Bound], tuple[Any, ...]]:
        """The step's variables as the reader needs them, and a key for the reading cache."""
        bound: dict[str, Bound] = {}
        key = []
        for name in sorted(step.reads & self.own):
            if name in self.run.failures:
                raise _Upstream(name)
            if name in self.numbers:
                bound[name] = self.numbers[name]
                key.append((name, self.numbers[name].value))
                continue
            value = self.lookup(name)
            if value is None:
                raise _Upstream(name)
            dtype = _dtype(value)
            bound[name] = Ref(name, np.shape(value), dtype)
            key.append((name, np.shape(value), dtype, self.bounds.get(name)))
        return bound, tuple(key)

    def read(self, step: Step, part: str, bound: dict[str, Bound], key: tuple[Any, ...], base: Term | None = None) -> Any:
        cache_key = (id(step), part, key)
        if cache_key not in self.cache:
            bounds = {k: v for k, v in self.bounds.items() if k in bound}
            if part == "index":
                value: Any = self.reader.positions(base, step.index, bound, bounds, step.name)  # type: ignore[arg-type]
            else:
                value = self.reader.value(step.value, bound, bounds)  # type: ignore[arg-type]
                term = value.term if isinstance(value, Num) else value
                if not isinstance(term, Term):
                    raise CodeError(f"{ast_text(step)} is not an array or a number", step.lineno, step.col)
            # The step is kept with its reading, so that its id is not reused by another step.
            self.cache[cache_key] = (value, _work(value.term if isinstance(value, Num) else value), step)
        return self.cache[cache_key][:2]

    def charge(self, step: Step, work: int) -> None:
        self.run.work += work
        if self.run.work > MAX_RUN_WORK:
            raise CellWorkError(f"the cell passes the work budget of {MAX_RUN_WORK:,} array entries (statements "
                                "executed × entries); a loop this long is not checked", step.lineno, step.col)
        if self.budget is not None:
            self.budget.charge(work)

    def env(self) -> ChainMap[str, Any]:
        return ChainMap(self.run.values, self.forward)  # type: ignore[arg-type]

    # ----- statements
    def block(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            if step.kind == "loop":
                if self.only is not None and not any(s.name == self.only or s.name not in self.targets
                                                     for s in step.walk() if s.kind != "loop"):
                    continue
                for k in range(*step.bounds):
                    self.run.values[step.name] = np.int64(k)
                    self.bounds[step.name] = max(step.bounds[0], step.bounds[1] - 1) + 1
                    self.charge(step, 1)
                    self.block(step.body)
                continue
            if self.only is not None and step.name in self.targets and step.name != self.only:
                continue
            try:
                self.statement(step)
            except _Upstream as up:
                self.fail(Failure(step, "upstream", f"it reads {up.name}, which line "
                                  f"{self.run.failures[up.name].step.lineno} left undefined"
                                  if up.name in self.run.failures else f"it reads {up.name}, which is undefined",
                                  up.name))
            except CellShapeError as exc:
                self.fail(Failure(step, "shape", exc.message))
            except CodeError as exc:
                if isinstance(exc, CellWorkError):
                    raise
                self.fail(Failure(step, "code", exc.message, column=exc.column if exc.line == step.lineno else None))
            except (IndexError, ValueError, TypeError, FloatingPointError) as exc:
                self.fail(Failure(step, "numbers", f"it fails at these numbers ({str(exc).splitlines()[0][:120]})"))

    def fail(self, failure: Failure) -> None:
        self.run.errors.append(failure)
        self.run.failures.setdefault(failure.step.name, failure)
        self.run.values.pop(failure.step.name, None)
        self.numbers.pop(failure.step.name, None)

    def statement(self, step: Step) -> None:
        bound, key = self.bind(step)
        value, work = self.read(step, "value", bound, key)
        env = self.env()
        term = value.term if isinstance(value, Num) else value
        if step.kind == "assign":
            if isinstance(value, Num):
                self.charge(step, STATEMENT_COST)
                self.numbers[step.name] = value
                self.run.values.pop(step.name, None)
                self.run.failures.pop(step.name, None)
                return
            self.charge(step, STATEMENT_COST + work + int(prod(term.shape)))  # counted before it is done
            with np.errstate(all="ignore"):
                result = evaluate(value, env)
            out = np.array(result, copy=True) if step.copied else np.asarray(result)
            self.run.values[step.name] = out
            self.run.failures.pop(step.name, None)
            self.numbers.pop(step.name, None)
            bound_ = bound_of(value, {**self.reader.bounds})
            if bound_ is not None:
                self.bounds[step.name] = bound_
            else:
                self.bounds.pop(step.name, None)
            return
        target = self.run.values[step.name]
        if step.kind == "update":
            self.fits(step, term.shape, target.shape, target.dtype)
            self.charge(step, STATEMENT_COST + work + target.size)
            with np.errstate(all="ignore"):
                v = evaluate(term, env)
            _UFUNCS[step.op](target, v, out=target, casting="same_kind")  # type: ignore[index]
        else:
            base = Ref(step.name, target.shape, _dtype(target))
            positions, index_work = self.read(step, "index", bound, key, base)
            self.fits(step, term.shape, positions.shape, target.dtype, indexed=True)
            self.charge(step, STATEMENT_COST + work + index_work + int(prod(positions.shape)))
            with np.errstate(all="ignore"):
                v = evaluate(term, env)
                arrays = tuple(evaluate(a, env) for a in positions.args[1:]) if isinstance(positions, Call) else ()
                where = index_tuple(positions.attr("items"), arrays, 0) if isinstance(positions, Call) else ()
                if step.kind == "addat":
                    np.add.at(target, where, v)
                elif step.op is None:
                    target[where] = v
                else:
                    target[where] = _UFUNCS[step.op](target[where], v)
        self.shared(step, target)

    def fits(self, step: Step, shape: tuple[int, ...], written: tuple[int, ...], dtype: np.dtype,
             indexed: bool = False) -> None:
        """The value's shape must broadcast to the written entries, and floats need a float array."""
        if tuple(shape) != tuple(written):
            try:
                ok = broadcast_shapes(tuple(shape), tuple(written)) == tuple(written)
            except ShapeError:
                ok = False
            if not ok:
                what = f"{step.name}[{ast_index(step)}]" if indexed else step.name
                raise CellShapeError(f"the right side has shape {shape_text(tuple(shape))}, which does not fit "
                                     f"{what}, of shape {shape_text(tuple(written))}", step.lineno, step.col)
        if dtype.kind in "biu":
            raise CellShapeError(f"{step.name} holds {'integers' if dtype.kind != 'b' else 'booleans'}, so it "
                                 "cannot take float gradients in place; make it with zeros_like of a float array",
                                 step.lineno, step.col)

    def shared(self, step: Step, array: np.ndarray) -> None:
        """Record every other gradient whose array this in-place statement changed too."""
        for name, value in self.run.values.items():
            if name != step.name and name in self.targets and isinstance(value, np.ndarray) \
                    and np.may_share_memory(value, array):
                self.run.changed.setdefault(name, (step, step.name))


class _Upstream(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _dtype(value: Any) -> str:
    kind = np.asarray(value).dtype.kind
    return "float" if kind in "fc" else ("bool" if kind == "b" else "int")


def _work(term: Any) -> int:
    if not isinstance(term, Term):
        return 0
    return sum(int(prod(t.shape)) for t in walk(term) if isinstance(t, Call))


def ast_text(step: Step) -> str:
    return step.text.splitlines()[0][:60]


def ast_index(step: Step) -> str:
    text = step.code
    return text[text.index("[") + 1: text.index("]")] if "[" in text and "]" in text else "..."


def run_cell(cell: Cell, program: ArrayProgram, forward: Mapping[str, Any], supplied: Mapping[str, Any] | None = None,
             *, only: str | None = None, reader: CellReader | None = None, budget: WorkBudget | None = None,
             cache: dict[Any, Any] | None = None) -> Run:
    """Run ``cell``, read for ``program``, over the forward values ``forward`` (every name of
    the program, constants included).

    Args:
        supplied: values of gradient variables the cell reads but does not compute (its
            ``given``), and, with ``only``, of every gradient but ``only``.
        only: run as if every other gradient were ``supplied``: the statements writing them
            are skipped and reading them gives the supplied value (how a line is judged on its
            own, with correct inputs).
        reader: the reader of the cell's expressions (one is made when missing).
        budget: work shared with other runs; ``cache``: readings shared with other runs of
            the same cell.

    Raises:
        CellWorkError: the run passes :data:`MAX_RUN_WORK`.
        BudgetSpent: ``budget`` is spent.
    """
    reader = reader or CellReader(program, cell.code, cell.dialect)
    runner = _Runner(cell, reader, forward, supplied or {}, only, budget, cache if cache is not None else {})
    runner.block(cell.steps)
    for name, number in runner.numbers.items():
        runner.run.values.setdefault(name, number.value)
    return runner.run
