r"""Checking one answer in a notebook: the verdict a student sees, without the answer itself.

:func:`check` runs :func:`symbackprop.verify.verify` and keeps what teaches (the status, the
mistake named, a counterexample); the correct formula stays hidden, since the notebook is
homework.  An empty answer is ``"unanswered"``, one that cannot be read ``"unreadable"``.

>>> f = check("2-2-1", "w2_11", "(a2_1 - y1) * a1_1")
>>> f.status, f.kind
('wrong', 'missing_activation_derivative')
>>> check("2-2-1", "w2_11", "  ").status
'unanswered'
>>> check("2-2-1", "w2_11", "a2_1 +* 2").status
'unreadable'
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symbackprop.errors import FormulaError, SymbackpropError
from symbackprop.graph.printing import latex
from symbackprop.read import load_spec
from symbackprop.verify import verify
from symbackprop.verify.report import check_feedback

from .questions import read_questions

__all__ = ["ANSWER_STATUSES", "Feedback", "check"]

#: Besides the verdict's statuses: nothing written, or not a formula the notation reads.
ANSWER_STATUSES = ("unanswered", "unreadable")

# What Python makes of \frac, \beta, \theta, \rho, \nabla ... in a string without r: a control
# character; a tab or line break counts only right before a letter (\tau, not "a<tab>+ b").
_ESCAPED = re.compile(r"[\f\b\a\v]|[\t\r\n](?=[A-Za-z])")


@dataclass(frozen=True)
class Feedback:
    """What the student sees of a verdict.

    Attributes:
        question: the question's name as a sheet prints it (``w2_11``, ``W⁽²⁾``, ``δ⁽¹⁾``).
        status: a verdict status (``correct``, ``wrong``, ...) or one of :data:`ANSWER_STATUSES`.
        kind: the mistake's kind when it was named (``missing_activation_derivative``).
        message: the diagnosis, or why the answer could not be read.
        answer: the answer as typed.
        counterexample: where a wrong formula and the derivative differ, as text.
        latex: the answer as read, in LaTeX (shown as MathML), when it could be read.
    """

    question: str
    status: str
    answer: str
    kind: str | None = None
    message: str = ""
    counterexample: str = ""
    latex: str = ""

    @property
    def ok(self) -> bool:
        return self.status.startswith("correct")

    def __str__(self) -> str:
        lines = [f"{self.question}: {self.status}" + (f" ({self.kind})" if self.kind else "")]
        lines += [f"  {text}" for text in (self.message, self.counterexample) if text]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Feedback {self.question}: {self.status}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # What a notebook prints as text (a console, nbgrader's text view): the verdict in
        # words, not the object's repr.
        printer.text(str(self))

    def _repr_html_(self) -> str:
        from latex2mathml.converter import convert

        try:
            shown = convert(self.latex or self.answer) if self.answer.strip() else ""
        except Exception:  # noqa: BLE001 - a display must never fail; the text is shown instead
            shown = f"<code>{html.escape(self.answer)}</code>"
        colour = "#1a7f37" if self.ok else "#cf222e"
        status = html.escape(self.status.replace("_", " "))
        rows = [f"<p><b style='color:{colour}'>{html.escape(self.question)}: {status}</b></p>"]
        if shown:
            rows.append(f"<p>your answer: {shown}</p>")
        for label, text in (("mistake" if self.kind else "why", self.message), ("counterexample", self.counterexample)):
            if text:
                rows.append(f"<p><i>{label}:</i> {html.escape(text)}</p>")
        return "\n".join(rows)


def _counterexample(c: Mapping[str, Any] | None) -> str:
    if not c:
        return ""
    point = ", ".join(f"{k} = {v:.4g}" for k, v in (c.get("point") or {}).items())
    where = f" ({c['where']})" if c.get("where") else ""
    return (f"at {point}{where}: your formula gives {c['formula_value']:.6g}, "
            f"the derivative is {c['expected_value']:.6g}")


def check(spec: object, question: str, answer: object, *, points: int = 6, seed: int = 0,
          feedback: str = "hint") -> Feedback:
    """Check ``answer`` to ``question`` on the network of ``spec`` (a table, file or ``"2-2-1"``).

    ``feedback`` is how much the verdict gives away (``"hint"``, the notebooks' default: the
    mistake in words and a counterexample, never the formula; ``"full"`` or ``"verdict"``).

    Raises:
        SymbackpropError: the spec or the question is wrong: the teacher's mistake, not the
            student's.
    """
    check_feedback(feedback)
    loaded = load_spec(spec)  # type: ignore[arg-type]
    q = read_questions(loaded.network, question)[0]
    text = answer if isinstance(answer, str) else ""
    if not isinstance(answer, str):
        return Feedback(q.shown, "unreadable", repr(answer), message="the answer must be a string")
    if not text.strip():
        return Feedback(q.shown, "unanswered", text, message="no answer yet")
    control = sorted({repr(m.group()) for m in _ESCAPED.finditer(text)})
    if control:
        # "\frac" in a string without r becomes a form feed and "rac": say so, not "unreadable".
        return Feedback(q.shown, "unreadable", text, message=f"the answer holds {', '.join(control)}: write it "
                        'as r"..." so that backslashes stay (\\frac, \\theta, \\beta)')
    try:
        verdict = verify(loaded, q.name, text, points=points, seed=seed)
    except FormulaError as exc:
        return Feedback(q.shown, "unreadable", text, message=exc.summary)
    except SymbackpropError as exc:
        # The answer's own left side can name something else: still the student's answer.
        return Feedback(q.shown, "unreadable", text, message=str(exc).splitlines()[0])
    d = verdict.with_feedback(feedback).as_dict()
    diagnosis = d.get("diagnosis") or {}
    formula = getattr(verdict, "formula", None)
    shown = latex(formula) if isinstance(formula, sp.Basic) else ""
    return Feedback(q.shown, d["status"], text, kind=diagnosis.get("kind"), message=diagnosis.get("message", ""),
                    counterexample=_counterexample(d.get("counterexample")) if d["status"] == "wrong" else "",
                    latex=shown)
