"""The verdict on a backward cell: one verdict per gradient, printed at three levels of feedback.

``feedback`` decides how much a verdict gives away: ``"verdict"`` the status and the numbers
(exact, approximately equal, the largest difference, the shape), ``"hint"`` also the kind of
mistake in words and a counterexample (one entry, the student's value and the true one) but
neither the corrected line nor the expected formula, ``"full"`` also the correct line as code.
Where a gradient is wrong only because an earlier line was, it says so and names that line,
whatever the level: the student starts at the root.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from .code_search import Facts

__all__ = ["FEEDBACK", "CodeDiagnosis", "GradientVerdict", "CellVerdict"]

#: The levels of feedback, least first.
FEEDBACK = ("verdict", "hint", "full")


def _number(x: float) -> str:
    return f"{x:.6g}"


@dataclass(frozen=True)
class CodeDiagnosis:
    """What is wrong with a gradient's lines.

    Attributes:
        kind: one of :data:`~symbackprop.verify.code_mistakes.CODE_MISTAKES`.
        hint: the mistake in words, without the answer.
        fix: the repair, with the corrected code (full feedback only).
        line: the line at fault.
        correct: the correct line(s) as code.
    """

    kind: str
    hint: str
    line: int
    fix: str = ""
    correct: tuple[str, ...] = ()

    def message(self, feedback: str) -> str:
        if feedback == "full" and self.fix:
            return f"{self.hint}; {self.fix}"
        return self.hint


@dataclass(frozen=True)
class GradientVerdict:
    """The verdict on one gradient of the cell.

    Attributes:
        target: the forward name (``counts``); variable: the student's name for its gradient.
        lines: the lines that write it; code: those statements as written.
        status: ``"correct"`` or ``"wrong"``.
        facts: the numbers at the point shown (the first where it is wrong).
        points: at how many points it was compared.
        diagnosis: for a wrong gradient, the mistake (or the line it follows from).
        follows_from: ``(line, variable)`` of the root when the gradient is wrong only
            because an earlier line is.
        failure: why a line of it could not run (shapes in words).
        notes: what else is worth saying (a shape with an extra axis of size 1).
    """

    target: str
    variable: str
    lines: tuple[int, ...]
    code: tuple[str, ...]
    status: str
    facts: Facts
    points: int
    diagnosis: CodeDiagnosis | None = None
    follows_from: tuple[int, str] | None = None
    failure: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    @property
    def line(self) -> int:
        return self.lines[0] if self.lines else 0

    def summary(self, feedback: str = "full") -> str:
        """``correct (exact)`` or ``wrong: dropped keepdim`` (only ``wrong`` with verdict feedback)."""
        f = self.facts
        if self.ok:
            detail = "exact" if f.exact else f"largest difference {_number(f.maxdiff or 0.0)}"
            shape = "" if f.shape_right else f"; shape {f.shape} for {f.expected_shape}, the same numbers"
            return f"correct ({detail}{shape})"
        if self.follows_from is not None:
            return f"wrong: follows from line {self.follows_from[0]} ({self.follows_from[1]})"
        if feedback == "verdict" or self.diagnosis is None:
            return "wrong"
        return f"wrong: {self.diagnosis.kind.replace('_', ' ')}"

    def counterexample(self) -> str:
        f = self.facts
        if f.counterexample is None:
            if f.shape is not None and not f.shape_right and f.maxdiff is None:
                return f"{self.variable} has shape {f.shape}, and {self.target} has {f.expected_shape}"
            return ""
        where, got, want = f.counterexample
        at = f"[{', '.join(map(str, where))}]" if where else ""
        return f"{self.variable}{at} is {_number(got)} where the gradient is {_number(want)} ({f.at})"

    def numbers(self) -> str:
        f = self.facts
        if f.shape is None:
            return f"no value: {self.failure}" if self.failure else "no value"
        if f.maxdiff is None:
            if f.not_finite is not None:
                return f"not finite at {list(f.not_finite)} ({f.at})"
            return f"shape {f.shape} where {self.target} is {f.expected_shape} ({f.at})"
        yes = {True: "yes", False: "no"}
        shape = "" if f.shape_right else f", shape {f.shape} for {f.expected_shape}"
        return (f"exact: {yes[bool(f.exact)]}, approximately equal: {yes[bool(f.approximate)]}, largest difference "
                f"{_number(f.maxdiff)}{shape} ({f.at}, {self.points} point{'s' if self.points != 1 else ''})")

    def text(self, feedback: str = "full") -> list[str]:
        """The verdict in lines of plain text (the table row is :meth:`summary`)."""
        out = [f"line {self.line}: {self.code[0] if self.code else self.variable}"]
        out += [f"  {c}" for c in self.code[1:3]]
        out.append(f"  {self.status}: {self.numbers()}")
        if self.follows_from is not None:
            out.append(f"  follows from line {self.follows_from[0]}: with the correct {self.follows_from[1]}, "
                       f"the lines of {self.variable} are right; start there")
        elif self.failure and self.diagnosis is None:
            out.append(f"  the line fails: {self.failure}")
        if feedback != "verdict" and self.diagnosis is not None and self.follows_from is None:
            out.append(f"  mistake (line {self.diagnosis.line}): {self.diagnosis.message(feedback)}")
            example = self.counterexample()
            if example:
                out.append(f"  counterexample: {example}")
        if feedback == "full" and self.diagnosis is not None and self.diagnosis.correct and self.follows_from is None:
            out += [f"  correct: {c}" for c in self.diagnosis.correct]
        out += [f"  note: {n}" for n in self.notes]
        return out

    def as_dict(self, feedback: str = "full") -> dict[str, Any]:
        """The verdict for autograders: ``target``, ``status``, ``diagnosis`` (``kind``,
        ``message``) or ``None``, the number facts, and, with full feedback, ``correct_line``."""
        f = self.facts
        out: dict[str, Any] = {
            "target": self.target, "variable": self.variable, "line": self.line, "lines": list(self.lines),
            "status": self.status,
            "exact": f.exact, "approximate": f.approximate, "maxdiff": f.maxdiff,
            "shape": list(f.shape) if f.shape is not None else None, "expected_shape": list(f.expected_shape),
            "shape_right": f.shape_right, "points": self.points, "at": f.at,
            "follows_from": None if self.follows_from is None else {"line": self.follows_from[0],
                                                                    "variable": self.follows_from[1]},
            "failure": self.failure,
            "diagnosis": None, "counterexample": None, "notes": list(self.notes),
        }
        if self.follows_from is not None:
            out["diagnosis"] = {"kind": "follows_from", "message": f"follows from line {self.follows_from[0]} "
                                f"({self.follows_from[1]}): with the correct {self.follows_from[1]} these lines are "
                                "right"}
        elif feedback != "verdict" and self.diagnosis is not None:
            out["diagnosis"] = {"kind": self.diagnosis.kind, "message": self.diagnosis.message(feedback),
                                "line": self.diagnosis.line}
        if feedback != "verdict" and f.counterexample is not None and not self.ok:
            where, got, want = f.counterexample
            # JSON has no inf or nan: a value that is not finite is null, and said so.
            out["counterexample"] = {"index": list(where), "value": got if math.isfinite(got) else None,
                                     "expected": want, "at": f.at,
                                     "not_finite": None if math.isfinite(got) else str(got)}
        if feedback == "full" and self.diagnosis is not None and not self.ok and self.follows_from is None:
            out["correct_line"] = "\n".join(self.diagnosis.correct) or None
        return out


@dataclass(frozen=True)
class CellVerdict:
    """One verdict per gradient the cell assigns, in the order written.

    Attributes:
        title: the program's title.
        verdicts: the gradients' verdicts.
        notes: how the cell was read and checked (lines skipped, gradients given, numbers).
        feedback: how much :meth:`__str__` and the notebook display give away.
    """

    title: str
    verdicts: tuple[GradientVerdict, ...]
    notes: tuple[str, ...] = ()
    feedback: str = "full"

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def roots(self) -> list[int]:
        """The lines to start at: wrong gradients that follow from no other line."""
        return sorted({v.diagnosis.line if v.diagnosis else v.line for v in self.verdicts
                       if not v.ok and v.follows_from is None})

    def __getitem__(self, variable: str) -> GradientVerdict:
        for v in self.verdicts:
            if v.variable == variable or v.target == variable:
                return v
        raise KeyError(variable)

    def as_list(self, feedback: str | None = None) -> list[dict[str, Any]]:
        return [v.as_dict(feedback or self.feedback) for v in self.verdicts]

    def text(self, feedback: str | None = None) -> str:
        level = feedback or self.feedback
        width = max([len(v.variable) for v in self.verdicts] + [8])
        out = [f"# {self.title}", f"{'line':>4}  {'gradient':<{width}}  verdict"]
        out += [f"{v.line:>4}  {v.variable:<{width}}  {v.summary(level)}" for v in self.verdicts]
        wrong = [v for v in self.verdicts if not v.ok]
        tail = f"; start at line {', '.join(map(str, self.roots))}" if self.roots else ""
        out.append(f"\n{len(self.verdicts) - len(wrong)} of {len(self.verdicts)} gradients correct, {len(wrong)} wrong"
                   + tail)
        out += [f"note: {n}" for n in self.notes]
        for v in wrong:
            if v.follows_from is None:  # the table says where the others follow from
                out.append("")
                out += v.text(level)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        wrong = sum(not v.ok for v in self.verdicts)
        return f"<CellVerdict: {len(self.verdicts)} gradients, {wrong} wrong>"

    def _repr_html_(self) -> str:
        rows = []
        for v in self.verdicts:
            colour = "#1a7f37" if v.ok else "#cf222e"
            rows.append(f"<tr><td>{v.line}</td><td><code>{html.escape(v.variable)}</code></td>"
                        f"<td style='color:{colour}'>{html.escape(v.summary(self.feedback))}</td></tr>")
        details = []
        for v in self.verdicts:
            if not v.ok:
                lines = v.text(self.feedback)
                details.append("<pre>" + html.escape("\n".join(lines)) + "</pre>")
        return (f"<p><b>{html.escape(self.title)}</b></p><table><tr><th>line</th><th>gradient</th><th>verdict</th>"
                f"</tr>{''.join(rows)}</table>{''.join(details)}")
