"""Verdicts on a backward cell: each gradient the student wrote, right or wrong, and why.

:func:`verify_code` reads the cell (:func:`~symbackprop.read.cell.read_cell`), runs it at the
points of :mod:`.code_points` (:func:`~symbackprop.numeric.cell_run.run_cell`) and compares
every gradient it assigns with the derived one (:mod:`.code_search`).  A wrong gradient is
then judged on its own lines, with every other gradient correct:

* right on its own: it *follows from* an earlier wrong line, and the verdict names the root
  (followed back through every wrong gradient its lines read), or it was changed through an
  array it shares with another name (``dlogits = dnorm_logits`` then ``dlogits += ...``);
* wrong on its own: the first repair of :mod:`.code_mistakes` that makes it right names the
  mistake; without one, a line that fails its shapes says so in words, and anything else is
  ``unknown``, with the derived line to compare.

>>> code = "dA2 = (A2 - Y) / m\\ndZ2 = dA2 * A2 * (1 - A2)\\ndW2 = dZ2 @ A1\\ndb2 = dZ2.sum(axis=1)"
>>> v = verify_code("2-3-2", code)
>>> [(g.variable, g.status, g.diagnosis and g.diagnosis.kind) for g in v.verdicts]
[('dA2', 'correct', None), ('dZ2', 'correct', None), ('dW2', 'wrong', 'missing_transpose'), ('db2', 'wrong', 'wrong_axis')]
>>> v["dW2"].diagnosis.correct
('dW2 = dZ2.T @ A1',)
"""

from __future__ import annotations

import ast
from itertools import chain
from typing import Any

from symbackprop.derive.backward_code import statement
from symbackprop.errors import CodeError
from symbackprop.numeric.cell_run import BudgetSpent, Failure, Run, WorkBudget, run_cell
from symbackprop.read.cell import Cell, read_cell
from symbackprop.read.cell_terms import CellReader

from .code_mistakes import Repair, repairs, scaled
from .code_points import CodeSetting, Point, code_setting
from .code_report import FEEDBACK, CellVerdict, CodeDiagnosis, GradientVerdict
from .code_search import Facts, Search, close, facts

__all__ = ["verify_code", "MAX_SEARCH_WORK", "CHEAP_RUN"]

#: Work (array entries) spent searching for repairs, all gradients together; past it, the
#: remaining wrong gradients are ``unknown`` with a note.
MAX_SEARCH_WORK = 50_000_000
#: Extra points are taken when one run of the cell costs at most this much work.
CHEAP_RUN = 2_000_000


class _Judge:
    def __init__(self, cell: Cell, setting: CodeSetting, points: list[Point], runs: list[Run],
                 reader: CellReader, cache: dict[Any, Any]) -> None:
        self.cell, self.setting, self.points, self.runs = cell, setting, points, runs
        self.reader, self.cache = reader, cache
        self.program = setting.program
        self.budget = WorkBudget(MAX_SEARCH_WORK)
        self.status: dict[str, bool] = {}
        self.facts: dict[str, Facts] = {}
        self.own: dict[str, Repair | CodeDiagnosis | None] = {}
        self.roots: dict[str, tuple[int, str] | None] = {}
        self.spent = False

    # ----- numbers
    def judge(self, var: str) -> None:
        name = self.cell.targets[var]
        shape = self.program.forward.shape(name)
        shown = None
        for k, (point, run) in enumerate(zip(self.points, self.runs)):
            f = facts(run.values.get(var), point.gradient(name, shape), point.label)
            shown = shown or f
            if not f.close:
                self.status[var], self.facts[var] = False, f
                return
        self.status[var], self.facts[var] = True, shown  # type: ignore[assignment]

    def order(self, var: str) -> list[Point]:
        """The points with the first where ``var`` is wrong first."""
        first = next((k for k, (p, r) in enumerate(zip(self.points, self.runs))
                      if not close(r.values.get(var), p.gradient(self.cell.targets[var],
                                                                  self.program.forward.shape(self.cell.targets[var])))), 0)
        return [self.points[first], *self.points[:first], *self.points[first + 1:]]

    # ----- a gradient's own lines
    def search(self, var: str) -> Search:
        return Search(self.cell, var, self.setting, self.order(var), self.reader, self.cache, self.budget)

    def own_fault(self, var: str) -> Repair | CodeDiagnosis | None:
        """``None`` when ``var``'s lines are right with correct inputs; else what is wrong."""
        if var in self.own:
            return self.own[var]
        writes = self.cell.writes(var)
        fault: Repair | CodeDiagnosis | None = None
        try:
            search = self.search(var)
            value = search.value(search.base)
            if isinstance(value, Failure) and value.kind == "code":
                raise CodeError(value.message, value.step.lineno, value.column or value.step.col)
            if not search.right(self.cell):
                fault = self.diagnose(search, value)
        except BudgetSpent:
            self.spent = True
            fault = CodeDiagnosis("unknown", f"{var} is wrong, and the search for why stopped at its work budget",
                                  writes[0].lineno if writes else 0, "compare with the derived lines",
                                  self.derived(self.cell.targets[var]))
        self.own[var] = fault
        return fault

    def diagnose(self, search: Search, value: Any) -> Repair | CodeDiagnosis:
        writes = self.cell.writes(search.var)
        correct = self.derived(search.name)
        if not self.spent:
            try:
                for repair in chain(repairs(search), scaled(search)):  # lazily: the first that works
                    if repair.added or search.right(self.cell.replaced(repair.step, repair.new)):
                        return repair
            except BudgetSpent:
                self.spent = True
        if isinstance(value, Failure) and value.kind in ("shape", "numbers"):
            return CodeDiagnosis("shape", f"line {value.step.lineno} fails with correct inputs: {value.message}",
                                 value.step.lineno, "the correct lines", correct)
        hint = (f"{search.var} differs from the gradient, and no single change of the usual kinds (a missing path, "
                "= for +=, a sum or its axis, keepdim, a transpose, the order of @, a derivative at the wrong array, "
                "a constant factor or a sign) makes it right")
        return CodeDiagnosis("unknown", hint, writes[0].lineno if writes else 0, "compare with the derived lines",
                             correct)

    def derived(self, name: str) -> tuple[str, ...]:
        printer = self.program.code_printer("torch" if self.cell.dialect == "torch" else "numpy")
        out: list[str] = []
        for gl in self.program.backward.contributions(name):
            out += statement(gl, printer, self.program.forward, self.program.backward)
        return tuple(out)

    def shared(self, var: str) -> CodeDiagnosis | None:
        """A gradient right on its own but changed through an array another name shares."""
        for run in self.runs:
            if var in run.changed:
                step, other = run.changed[var]
                alias = next((s for s in self.cell.writes(other) if s.kind == "assign" and not s.copied
                              and s.lineno < step.lineno and var in s.reads), None)
                where = alias.lineno if alias is not None else step.lineno
                method = "clone()" if self.cell.dialect == "torch" else "copy()"
                said = f"line {alias.lineno} ({alias.code}) makes {other} another name for the array of {var}, so " \
                    if alias is not None else f"{other} shares its array with {var}, so "
                copied = ()
                if alias is not None and alias.value is not None:
                    value = ast.unparse(alias.value)
                    copied = (f"{other} = {value if isinstance(alias.value, ast.Name) else f'({value})'}.{method}",)
                return CodeDiagnosis(
                    "shared_array", said + f"line {step.lineno} ({step.code}) changes {var} too", where,
                    f"give {other} its own copy: {copied[0]}" if copied else f"give {other} its own copy ({method})",
                    copied)
        return None

    def root(self, var: str, seen: frozenset[str] = frozenset()) -> tuple[int, str] | None:
        """The line to start at for a wrong ``var``: its own fault, or the root of a wrong input."""
        if var in self.roots:
            return self.roots[var]
        fault = self.own_fault(var)
        found: tuple[int, str] | None = None
        if fault is not None:
            found = (fault.step.lineno if isinstance(fault, Repair) else fault.line, var)
        elif self.shared(var) is not None:
            found = (self.shared(var).line, var)  # type: ignore[union-attr]
        else:
            deps = {d for s in self.cell.writes(var) for d in s.grads} - {var} - seen
            candidates = [self.root(d, seen | {var}) for d in sorted(deps)
                          if d in self.cell.targets and not self.status.get(d, True)]
            found = min((c for c in candidates if c is not None), default=None)
        self.roots[var] = found
        return found

    # ----- the verdict
    def verdict(self, var: str) -> GradientVerdict:
        name = self.cell.targets[var]
        writes = self.cell.writes(var)
        lines = tuple(s.lineno for s in writes)
        code = tuple(s.text.splitlines()[0] for s in writes)
        f = self.facts[var]
        notes = []
        if f.close and not f.shape_right:
            notes.append(f"{var} has shape {f.shape} and {name} has {f.expected_shape}: the same numbers, and "
                         "broadcasting reads them the same way")
        points = len(self.points)
        failure = next((e for r in self.runs for e in r.errors if e.step.name == var), None)
        failure_text = failure.message if failure is not None else None
        if self.status[var]:
            return GradientVerdict(name, var, lines, code, "correct", f, points, notes=tuple(notes))
        fault = self.own_fault(var)
        if fault is None:
            shared = self.shared(var)
            if shared is not None:
                return GradientVerdict(name, var, lines, code, "wrong", f, points, shared, failure=failure_text,
                                       notes=tuple(notes))
            root = self.root(var)
            if root is not None and root[1] != var:
                return GradientVerdict(name, var, lines, code, "wrong", f, points, None, root, failure_text,
                                       tuple(notes))
            fault = CodeDiagnosis("unknown", f"{var} is right with correct inputs but wrong in the run, and no "
                                  "wrong line above it explains that", lines[0] if lines else 0)
        if isinstance(fault, Repair):
            fault = CodeDiagnosis(fault.kind, fault.hint, fault.step.lineno, fault.fix, fault.lines)
        if self.spent and fault.kind == "unknown":
            notes.append(f"the search for the mistake stopped at its work budget ({MAX_SEARCH_WORK:,} array entries)")
        return GradientVerdict(name, var, lines, code, "wrong", f, points, fault, None, failure_text, tuple(notes))


def verify_code(spec: object, code: str, *, seed: int = 0, points: int = 3, batch: int = 4,
                feedback: str = "full") -> CellVerdict:
    """Judge a backward cell for ``spec``: one verdict per gradient, in the order written.

    Args:
        spec: a ``[program]`` spec or a layered network (file, table, ``"2-3-2"``, a loaded
            spec, a :class:`~symbackprop.derive.programs.Program` or an array program).
        code: the cell: NumPy or PyTorch lines assigning ``dX`` for names ``X`` of the program.
        seed: where drawn numbers come from (the spec's ``[values]`` are the first point).
        points: how many points to compare at, when a run of the cell is cheap.
        batch: the examples of a layered network's batch (no batch in the spec).
        feedback: ``"verdict"``, ``"hint"`` or ``"full"``: what the verdict shows by default.

    Raises:
        CodeError: the cell is not Python, reads outside the subset, names nothing of the
            program, or runs past the work budget (the message names the line).
        SpecError: the spec is not a program or a layered network.
    """
    if feedback not in FEEDBACK:
        raise CodeError(f"feedback: expected one of {', '.join(FEEDBACK)}, received {feedback!r}")
    setting = code_setting(spec, batch=batch)  # type: ignore[arg-type]
    program = setting.program
    cell = read_cell(code, program.forward, program.grad_names)
    reader = CellReader(program.forward, cell.code, cell.dialect)
    cache: dict[Any, Any] = {}

    def main(point: Point) -> Run:
        given = {var: point.gradient(name, program.forward.shape(name)) for var, name in cell.given.items()}
        return run_cell(cell, program.forward, point.forward, given, reader=reader, cache=cache)

    chosen = setting.points(seed, 1)
    runs = [main(chosen[0])]
    if points > 1 and runs[0].work <= CHEAP_RUN:
        chosen = setting.points(seed, points)
        runs += [main(p) for p in chosen[1:]]
    judge = _Judge(cell, setting, chosen, runs, reader, cache)
    notes = list(setting.notes) + list(cell.notes)
    for var, name in cell.given.items():
        notes.append(f"{var} is read but not computed here; the correct {var} was used")
    judged = []
    for var, name in cell.targets.items():
        if name not in setting.differentiated and name != program.loss:
            notes.append(f"{var}: no gradient flows to {name} (it holds integers, data or a constant); not judged")
            continue
        judge.judge(var)
        judged.append(var)
    verdicts = tuple(judge.verdict(var) for var in judged)
    labels = sorted({p.label for p in chosen}, key=[p.label for p in chosen].index)
    notes.insert(0, f"checked at {', '.join(labels)}")
    return CellVerdict(program.title, verdicts, tuple(notes), feedback)
