"""Code questions: ``dW2``, ``dhprebn``... answered with lines of NumPy or PyTorch, and checked.

A code question names the variable of a gradient, ``d`` and a name of the forward pass: of a
``[program]`` (``dW2``, ``dhprebn``), or of a layered network read as a program (``dW2``,
``db1``, ``dZ1``, ``dA1``, ``dX``).  An answer is the lines that compute it; it may read every
forward name and any other gradient, which the check supplies correct.  :func:`check_code`
judges it with :func:`~symbackprop.verify.code_verdict.verify_code` and keeps what teaches:
with ``hint`` feedback (the notebooks' default) the status, the mistake in words and a
counterexample, never the correct line.  :func:`check_answer` sends a code question here and
a formula to :func:`~symbackprop.exercise.check.check`.

>>> spec = {"program": {"code": "h = np.tanh(x @ W)\\nloss = (h ** 2).sum()", "shapes": {"x": [4, 3], "W": [3, 2]}}}
>>> f = check_code(spec, "dW", "dW = x @ ((1 - h**2) * dh)")
>>> f.status, f.kind
('wrong', 'missing_transpose')
>>> "x.T" in f.message
False
>>> check_code(spec, "dW", "dW = x.T @ ((1 - h**2) * dh)").status
'correct'
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from symbackprop.errors import SpecError, SymbackpropError, closest
from symbackprop.graph import Network
from symbackprop.read import Spec, load_spec, split_names
from symbackprop.verify.code_points import CodeSetting, code_setting
from symbackprop.verify.code_verdict import verify_code

from .check import Feedback, check
from .fuse_check import check_fused, is_fused_question

__all__ = ["CodeQuestion", "CodeFeedback", "code_questions", "is_code_question", "check_code", "check_answer"]


@dataclass(frozen=True)
class CodeQuestion:
    """Write the code of ``name``, the gradient of the forward name ``target`` (of ``shape``)."""

    name: str
    target: str
    shape: tuple[int, ...]
    kind: str = "code"


@dataclass(frozen=True)
class CodeFeedback(Feedback):
    """A verdict on code as the student sees it: the answer shown as code, not as a formula."""

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#cf222e"
        rows = [f"<p><b style='color:{colour}'>{html.escape(self.question)}: "
                f"{html.escape(self.status.replace('_', ' '))}</b></p>"]
        if self.answer.strip():
            rows.append(f"<pre>{html.escape(self.answer.strip())}</pre>")
        for label, text in (("mistake" if self.kind else "why", self.message), ("counterexample", self.counterexample)):
            if text:
                rows.append(f"<p><i>{label}:</i> {html.escape(text)}</p>")
        return "\n".join(rows)


def _loaded(spec: object) -> Spec:
    return spec if isinstance(spec, Spec) else load_spec(spec)  # type: ignore[arg-type]


def _variables(setting: CodeSetting) -> dict[str, str]:
    """``{variable: forward name}`` of every gradient a question may ask for."""
    program = setting.program
    return {program.grad_names[name]: name for name in program.backward.differentiated if name != program.loss}


def code_questions(spec: object, text: str) -> list[CodeQuestion]:
    """The code questions ``text`` asks (comma-separated), in order, each once.

    Raises:
        SpecError: nothing asked, or a name that is not the variable of a gradient of the
            program (the message suggests the closest).
    """
    setting = code_setting(_loaded(spec))
    variables = _variables(setting)
    names = split_names(text)
    if not names:
        raise SpecError("--ask: expected gradients to write code for, like dW2,dhprebn, received none")
    out: list[CodeQuestion] = []
    for name in names:
        if name not in variables:
            hint = f"d{name}" if f"d{name}" in variables else None
            raise SpecError(f"--ask: {name!r} is not the gradient of a name of this [program]; "
                            + (f"ask for its code as {hint}" if hint else
                               f"expected one of {', '.join(list(variables)[:10])}{closest(name, variables)}"))
        q = CodeQuestion(name, variables[name], setting.program.forward.shape(variables[name]))
        if q not in out:
            out.append(q)
    return out


def is_code_question(spec: object, question: str) -> bool:
    """Whether ``question`` asks for code: every question of a ``[program]``, and the gradient
    variables (``dW2``, ``dZ1``) of a layered network's program."""
    loaded = _loaded(spec)
    if loaded.is_program:
        return True
    if not isinstance(loaded.network, Network) or not question.startswith("d"):
        return False
    return question in _variables(code_setting(loaded))


def check_code(spec: object, question: str, answer: object, *, feedback: str = "hint", seed: int = 0,
               batch: int = 4, points: int = 3) -> CodeFeedback:
    """Check ``answer``, lines of code, for the code question ``question`` on ``spec``.

    Raises:
        SymbackpropError: the spec or the question is wrong: the teacher's mistake.
    """
    loaded = _loaded(spec)
    q = code_questions(loaded, question)[0]
    if not isinstance(answer, str):
        return CodeFeedback(q.name, "unreadable", repr(answer), message="the answer must be a string of code")
    lines = [ln for ln in answer.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if not lines:
        return CodeFeedback(q.name, "unanswered", answer, message="no answer yet")
    try:
        verdict = verify_code(loaded, answer, seed=seed, points=points, batch=batch, feedback=feedback)
    except SymbackpropError as exc:
        return CodeFeedback(q.name, "unreadable", answer, message=str(exc).splitlines()[0])
    try:
        g = verdict[q.name]
    except KeyError:
        return CodeFeedback(q.name, "unanswered", answer, message=f"the answer does not assign {q.name}")
    d: dict[str, Any] = g.as_dict(feedback)
    diagnosis = d.get("diagnosis") or {}
    example = g.counterexample() if feedback != "verdict" and not g.ok else ""
    return CodeFeedback(q.name, g.status, answer, kind=diagnosis.get("kind"), message=diagnosis.get("message", ""),
                        counterexample=example)


def check_answer(spec: object, question: str, answer: object, *, points: int = 6, seed: int = 0) -> Feedback:
    """The feedback on one answer, of whichever kind the question asks for (for marking): a
    fused formula (``fuse:FROM..TO``), code (``dW2``), or a formula."""
    if is_fused_question(question):
        return check_fused(spec, question, answer, seed=seed)
    if is_code_question(spec, question):
        return check_code(spec, question, answer, seed=seed)
    return check(spec, question, answer, points=points, seed=seed, feedback="full")  # the teacher sees it all
