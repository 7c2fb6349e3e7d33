"""Every derived gradient of an array program checked by central differences, entry by entry.

For each entry θ of each float leaf, ``(L(θ + h) − L(θ − h)) / 2h`` with ``h = eps·max(1, |θ|)``,
compared with the derived gradient: ``|numeric − derived| ≤ atol + rtol·|numeric|``.  The
perturbed copies are evaluated many at a time, as a stack along a new leading axis that
every kernel carries (:mod:`.array_kernels`), and only the lines downstream of the leaf are
recomputed.  An entry that fails is tried again with smaller steps and one-sided differences
(a kink of ``relu``, ``abs`` or ``max`` within the step); it passes only if one of them
agrees, and the report says which.

>>> from symbackprop.derive.programs import program
>>> p = program("h = np.tanh(x @ W)\\nloss = (h ** 2).sum()", shapes={"x": [4, 3], "W": [3, 2]})
>>> report = check_program(p, seed=0)
>>> report.ok, [(row.name, row.entries) for row in report.rows]
(True, [('x', 12), ('W', 6)])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import prod
from typing import Any

import numpy as np

from symbackprop.derive.programs import Program
from symbackprop.errors import DataError
from symbackprop.graph.array_program import Line
from symbackprop.graph.terms import Call, Const, names_in

from .array_eval import ProgramNumbers, compile_program, evaluate
from .array_kernels import KERNELS

__all__ = ["check_program", "ProgramCheck", "LeafCheck", "MAX_STACK_ENTRIES"]

#: Elementwise functions the checker recomputes only where their argument moved: a
#: perturbation of ``W1[i, j]`` moves one column of ``hpreact``, and tanh costs 20–60 ns an
#: entry where finding the moved entries costs a few (measured on the makemore program;
#: squares and square roots cost less than the search, so they are computed everywhere).
SPARSE_OPS = frozenset({"tanh", "exp", "log", "sigmoid", "softplus"})
#: Past this share of moved entries the function is computed everywhere instead.
SPARSE_SHARE = 0.25

#: The most array entries one stacked evaluation may hold (perturbations × entries of the
#: largest line): a work bound that keeps each array near 512 kB, within the processor's
#: cache (measured on the makemore program: 2¹⁶ ran 1.8× faster than 2²²).
MAX_STACK_ENTRIES = 1 << 16


@dataclass(frozen=True)
class LeafCheck:
    """The check of one float leaf: every entry, summarised by the worst one.

    Attributes:
        name, shape: the leaf.
        entries: how many entries were checked.
        failures: the indices of entries outside the tolerance.
        worst: the index furthest outside (or closest to) its tolerance.
        derived, numeric: the two values at ``worst``.
        abs_err, rel_err: their differences at ``worst``.
        notes: entries passed only by a smaller or one-sided step, by index.
    """

    name: str
    shape: tuple[int, ...]
    entries: int
    failures: tuple[tuple[int, ...], ...]
    worst: tuple[int, ...]
    derived: float
    numeric: float
    abs_err: float
    rel_err: float
    notes: dict[tuple[int, ...], str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ProgramCheck:
    """The result of :func:`check_program`: one :class:`LeafCheck` per float leaf."""

    rows: tuple[LeafCheck, ...]
    eps: float
    atol: float
    rtol: float
    source: str = ""

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def entries(self) -> int:
        return sum(row.entries for row in self.rows)

    def summary(self) -> str:
        head = (f"central differences on all {self.entries:,} entries of {len(self.rows)} leaves "
                f"(eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}): ")
        bad = [row for row in self.rows if not row.ok]
        if not bad:
            return head + "all pass"
        w = max(bad, key=lambda r: r.abs_err / (self.atol + self.rtol * abs(r.numeric)))
        return head + (f"{sum(len(r.failures) for r in bad):,} FAIL; worst {w.name}{list(w.worst)}: derived "
                       f"{w.derived:.9g}, numeric {w.numeric:.9g} (abs err {w.abs_err:.2e}, rel err {w.rel_err:.2e})")

    def __str__(self) -> str:
        rows = [["leaf", "shape", "entries", "worst entry", "derived", "numeric", "abs err", "rel err", "pass"]]
        for r in self.rows:
            rows.append([r.name, str(r.shape), f"{r.entries:,}", str(list(r.worst)), f"{r.derived:.9e}",
                         f"{r.numeric:.9e}", f"{r.abs_err:.1e}", f"{r.rel_err:.1e}",
                         "ok" if r.ok else f"FAIL ({len(r.failures)})"])
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
        lines = [self.summary()] + ["  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in
                                              enumerate(zip(row, widths))).rstrip() for row in rows]
        for r in self.rows:
            for index, note in list(r.notes.items())[:5]:
                lines.append(f"note: {r.name}{list(index)}: {note}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "ok": self.ok, "eps": self.eps, "atol": self.atol, "rtol": self.rtol, "entries": self.entries,
            "source": self.source,
            "rows": [{"leaf": r.name, "shape": list(r.shape), "entries": r.entries, "passed": r.ok,
                      "failures": [list(i) for i in r.failures[:100]], "worst": list(r.worst),
                      "derived": r.derived, "numeric": r.numeric, "abs_err": r.abs_err, "rel_err": r.rel_err,
                      "notes": {str(list(k)): v for k, v in r.notes.items()}} for r in self.rows],
        }


class _Perturbed:
    """Loss at stacks of perturbed copies of one leaf, recomputing only what depends on it."""

    def __init__(self, numbers: ProgramNumbers, env: Mapping[str, Any], leaf: str) -> None:
        self.numbers, self.env, self.leaf = numbers, env, leaf
        program = numbers.program
        touched = {leaf}
        self.lines = []
        for line in program.upto(program.loss):
            if touched & set(names_in(line.term)):
                touched.add(line.name)
                self.lines.append(line)
        self.widest = max([prod(line.shape) for line in self.lines] + [prod(program.shape(leaf))])
        # Lines f(x, constants) of an expensive f, with x's unperturbed value.
        self.sparse = {line.name: evaluate(line.term.args[0], env) for line in self.lines
                       if isinstance(line.term, Call) and line.term.op in SPARSE_OPS and line.term.dtype == "float"
                       and all(isinstance(a, Const) for a in line.term.args[1:])}

    def _line(self, line: Line, env: Mapping[str, Any]) -> Any:
        """A line's value for the stack: where ``f(x)``'s argument did not move, its old value."""
        base = self.sparse.get(line.name)
        if base is None:
            return evaluate(line.term, env)
        term = line.term
        assert isinstance(term, Call)
        x = evaluate(term.args[0], env)
        constants = [a.value for a in term.args[1:]]  # type: ignore[attr-defined]
        moved = x != base
        if np.count_nonzero(moved) > SPARSE_SHARE * moved.size:
            return KERNELS[term.op](term, x, *constants)
        out = np.array(np.broadcast_to(self.env[line.name], np.shape(x)), dtype=np.float64)
        out[moved] = KERNELS[term.op](term, x[moved], *constants)
        return out

    def losses(self, flat: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """The loss with entry ``flat[k]`` of the leaf moved by ``steps[k]``, for every ``k``."""
        base = np.asarray(self.env[self.leaf], dtype=np.float64)
        out = np.empty(len(flat))
        chunk = max(1, MAX_STACK_ENTRIES // max(self.widest, 1))
        for start in range(0, len(flat), chunk):
            idx, step = flat[start:start + chunk], steps[start:start + chunk]
            stack = np.repeat(base.reshape(1, -1), len(idx), axis=0)
            stack[np.arange(len(idx)), idx] += step
            env = dict(self.env)
            env[self.leaf] = stack.reshape(len(idx), *base.shape)
            with np.errstate(all="ignore"):
                for line in self.lines:
                    env[line.name] = self._line(line, env)
            out[start:start + len(idx)] = np.broadcast_to(env[self.numbers.program.loss], (len(idx),))
        return out


def check_program(program: Program, arrays: Mapping[str, Any] | None = None, *, seed: int = 0,
                  eps: float = 1e-6, atol: float = 1e-7, rtol: float = 1e-5) -> ProgramCheck:
    """Check every derived gradient of ``program`` against central differences.

    Args:
        program: the program (:func:`~symbackprop.derive.programs.program`).
        arrays: numbers for the leaves; default the program's ``[values]``, else drawn
            from ``seed``.
        eps, atol, rtol: the step and the tolerances.

    Raises:
        DataError: ``eps`` or a tolerance that is not a positive finite number.
        NumericalError: the loss is not finite at these numbers (the line is named).
    """
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise DataError(f"{name}: expected a positive finite number, received {value!r}")
    numbers = compile_program(program.forward, program.backward)
    if arrays is None:
        arrays, source = ((numbers.arrays_from(), "the spec's values") if program.values is not None
                          else (numbers.draw(seed), f"numbers drawn with seed {seed}"))
    else:
        arrays, source = numbers.arrays_from(arrays), "the given numbers"
    env = numbers.forward(arrays)
    grads = numbers.gradients(env)
    rows = []
    for leaf in program.forward.float_leaves:
        derived = np.asarray(grads.get(leaf.name, np.zeros(leaf.shape)), dtype=np.float64).reshape(-1)
        rows.append(_check_leaf(numbers, env, leaf.name, leaf.shape, derived, eps, atol, rtol))
    return ProgramCheck(tuple(rows), eps, atol, rtol, source)


def _check_leaf(numbers: ProgramNumbers, env: Mapping[str, Any], name: str, shape: tuple[int, ...],
                derived: np.ndarray, eps: float, atol: float, rtol: float) -> LeafCheck:
    values = np.asarray(env[name], dtype=np.float64).reshape(-1)
    flat = np.arange(values.size)
    h = eps * np.maximum(1.0, np.abs(values))
    run = _Perturbed(numbers, env, name)
    numeric = (run.losses(flat, h) - run.losses(flat, -h)) / (2 * h)
    notes: dict[tuple[int, ...], str] = {}
    bad = ~(np.abs(numeric - derived) <= atol + rtol * np.abs(numeric))
    if bad.any():
        numeric, bad, notes = _retry(run, flat[bad], values, derived, numeric, bad, h, atol, rtol, shape)
    err = np.abs(numeric - derived)
    badness = err / (atol + rtol * np.abs(numeric))
    badness[~np.isfinite(badness)] = np.inf
    k = int(np.argmax(badness)) if values.size else 0
    failures = tuple(tuple(int(i) for i in np.unravel_index(j, shape)) for j in np.flatnonzero(bad))
    worst = tuple(int(i) for i in np.unravel_index(k, shape)) if values.size else ()
    return LeafCheck(name, shape, int(values.size), failures, worst, float(derived[k]) if values.size else 0.0,
                     float(numeric[k]) if values.size else 0.0, float(err[k]) if values.size else 0.0,
                     _relative(float(err[k]), float(numeric[k]), float(derived[k])) if values.size else 0.0, notes)


def _relative(err: float, numeric: float, derived: float) -> float:
    scale = max(abs(numeric), abs(derived))
    return err / scale if scale > 0 else 0.0


def _retry(run: _Perturbed, which: np.ndarray, values: np.ndarray, derived: np.ndarray, numeric: np.ndarray,
           bad: np.ndarray, h: np.ndarray, atol: float, rtol: float, shape: tuple[int, ...]
           ) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, ...], str]]:
    """Entries that failed, again: steps 10×, 100× and 1000× smaller, then one-sided."""
    numeric, bad = numeric.copy(), bad.copy()
    notes: dict[tuple[int, ...], str] = {}
    base = run.losses(which, np.zeros(len(which)))
    todo = which
    for factor in (10.0, 100.0, 1000.0):
        if not len(todo):
            break
        step = h[todo] / factor
        up, down = run.losses(todo, step), run.losses(todo, -step)
        candidates = {"central": (up - down) / (2 * step)}
        sided = {"forward": (up - base[np.searchsorted(which, todo)]) / step,
                 "backward": (base[np.searchsorted(which, todo)] - down) / step}
        candidates.update(sided)
        still = []
        for k, j in enumerate(todo):
            for how, got in candidates.items():
                if abs(got[k] - derived[j]) <= atol + rtol * abs(got[k]):
                    numeric[j], bad[j] = got[k], False
                    index = tuple(int(i) for i in np.unravel_index(j, shape))
                    notes[index] = (f"step shrunk to {step[k]:.0e}" if how == "central" else
                                    f"{how} difference of step {step[k]:.0e} (a kink within the step)")
                    break
            else:
                still.append(j)
        todo = np.asarray(still, dtype=np.int64)
    return numeric, bad, notes
