"""Checking a fused-formula answer: the verdict a student sees, without the formula itself.

A question ``fuse:FROM..TO`` asks for ``dFROM`` in one line of code from ``dTO`` and the
forward values; :func:`check_fused` judges the answer with
:func:`~symbackprop.verify.fused_answer.verify_fused` and reports it as the other questions'
:class:`~symbackprop.exercise.check.Feedback` (status, why, no correct line).

>>> spec = {"program": {"code": "z = x @ W\\nloss = -torch.log_softmax(z, 1)[range(n), y].mean()",
...                     "shapes": {"x": [4, 3], "W": [3, 5], "y": {"shape": [4], "integers": 5}, "n": 4}}}
>>> check_fused(spec, "fuse:z..loss", "dz = (F.softmax(z, 1) - F.one_hot(y, 5)) / n").status
'correct'
>>> check_fused(spec, "fuse:z..loss", "dz = F.softmax(z, 1) - F.one_hot(y, 5)").status
'wrong'
"""

from __future__ import annotations

from symbackprop.derive.fuse import parse_span
from symbackprop.derive.programs import Program
from symbackprop.errors import SpecError
from symbackprop.read import load_spec
from symbackprop.verify.fused_answer import verify_fused

from .check import Feedback

__all__ = ["FUSE", "is_fused_question", "fused_span", "check_fused"]

#: The prefix of a fused-formula question: ``fuse:hprebn..hpreact``.
FUSE = "fuse:"


def is_fused_question(name: str) -> bool:
    return name.strip().startswith(FUSE)


def fused_span(name: str) -> tuple[str, str]:
    """``(FROM, TO)`` of ``fuse:FROM..TO``.

    Raises:
        SpecError: not that form.
    """
    if not is_fused_question(name):
        raise SpecError(f"--ask: expected fuse:FROM..TO (fuse:hprebn..hpreact), received {name!r}")
    return parse_span(name.strip()[len(FUSE):])


def program_of(spec: object) -> Program:
    """The program of a spec asked about fused formulas.

    Raises:
        SpecError: the spec is not a ``[program]``.
    """
    loaded = load_spec(spec)  # type: ignore[arg-type]
    if not loaded.is_program:
        raise SpecError("--ask: fuse:FROM..TO asks about a [program]; this spec is a network or a [graph]")
    return Program(loaded.network)


def check_fused(spec: object, question: str, answer: object, *, points: int = 3, seed: int = 0) -> Feedback:
    """Check ``answer`` (one line of code) to the question ``fuse:FROM..TO`` on ``spec``.

    Raises:
        SymbackpropError: the spec or the span is wrong: the teacher's mistake.
    """
    start, end = fused_span(question)
    program = program_of(spec)
    program.fuse(start, end)  # a bad span is the question's fault: raised here, not reported as the answer's
    name = question.strip()
    if not isinstance(answer, str):
        return Feedback(name, "unreadable", repr(answer), message="the answer must be a string")
    if not answer.strip():
        return Feedback(name, "unanswered", answer, message="no answer yet")
    verdict = verify_fused(program, f"{start}..{end}", answer.strip(), points=points, seed=seed)
    return Feedback(name, verdict.status, answer, message=verdict.message)
