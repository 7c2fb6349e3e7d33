r"""Marking a class: every answer of every filled-in notebook checked, one row each, and what
went wrong most often per question.

The spec and questions come from the teacher's key (``key.json`` written with the exercise),
matched by the notebook's variant; without a key, from the notebook itself.  A file that
cannot be read, is not JSON or holds no exercise is that student's one ``unreadable`` row;
an answer cell that is not ``answer = "..."`` is that question's ``unreadable`` row.

>>> rows = mark_texts({"ann": "{not json"})
>>> rows[0].student, rows[0].status
('ann', 'unreadable')
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbackprop.errors import SpecError, SymbackpropError

from .check import check
from .notebook import NotebookError, read_notebook

__all__ = ["CSV_FIELDS", "Mark", "mark", "mark_texts", "read_key", "summary"]

#: The columns of the class table, in order.
CSV_FIELDS = ("student", "variant", "question", "status", "mistake", "message", "answer")


@dataclass(frozen=True)
class Mark:
    """One student's verdict on one question (``question`` is ``"*"`` for a whole file that
    could not be read)."""

    student: str
    variant: int | None
    question: str
    status: str
    mistake: str = ""
    message: str = ""
    answer: str = ""

    def row(self) -> dict[str, str]:
        return {f: "" if getattr(self, f) is None else str(getattr(self, f)) for f in CSV_FIELDS}


def read_key(path: str | Path) -> dict[int | None, dict[str, Any]]:
    """The teacher's key by variant.

    Raises:
        SpecError: the key cannot be read or is not a key written by ``exercise``.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"--key: cannot read {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"--key: {str(path)!r} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, list) or not all(isinstance(v, dict) and {"spec", "questions"} <= set(v) for v in data):
        raise SpecError(f"--key: {str(path)!r} is not the key.json an exercise writes")
    return {v.get("variant"): v for v in data}


def _one(student: str, text: str, key: Mapping[int | None, Mapping[str, Any]] | None, points: int) -> list[Mark]:
    try:
        meta, answers = read_notebook(text)
    except NotebookError as exc:
        return [Mark(student, None, "*", "unreadable", message=str(exc))]
    variant = meta.get("variant")
    if key is not None:
        if variant not in key:
            return [Mark(student, variant, "*", "unreadable", message=f"variant {variant!r} is not in the key")]
        spec, questions = key[variant]["spec"], list(key[variant]["questions"])
        given = dict(answers)
        answers = [(q, given.get(q, SymbackpropError("the question is missing from the notebook"))) for q in questions]
    else:
        spec = meta.get("spec")
    out = []
    for question, answer in answers:
        if isinstance(answer, SymbackpropError):
            out.append(Mark(student, variant, question, "unreadable", message=str(answer)))
            continue
        try:
            f = check(spec, question, answer, points=points)
        except SymbackpropError as exc:
            if key is not None:
                raise  # the key's own spec or question is wrong: the teacher's mistake
            out.append(Mark(student, variant, question, "unreadable", message=f"the notebook's exercise: {exc}"))
            continue
        out.append(Mark(student, variant, question, f.status, f.kind or "", f.message, answer))
    return out


def mark_texts(texts: Mapping[str, str], key: Mapping[int | None, Mapping[str, Any]] | None = None,
               *, points: int = 6) -> list[Mark]:
    """The rows of ``{student: notebook text}``, students in the order given."""
    return [m for student, text in texts.items() for m in _one(student, text, key, points)]


def mark(paths: Sequence[str | Path], key: str | Path | None = None, *, points: int = 6) -> list[Mark]:
    """Rows for the notebooks at ``paths`` (folders give their ``*.ipynb``, sorted); the
    student is the file name without ``.ipynb``.

    Raises:
        SpecError: a path does not exist, no notebook was found, or the key is unreadable.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(p.glob("*.ipynb"))
        elif p.exists():
            files.append(p)
        else:
            raise SpecError(f"answers: {str(p)!r} does not exist")
    if not files:
        raise SpecError("answers: no .ipynb notebooks found in " + ", ".join(map(str, paths)))
    texts: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for f in files:
        name = f.stem if f.stem not in texts else str(f)
        try:
            texts[name] = f.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            unreadable[name] = f"cannot read {str(f)!r}: {getattr(exc, 'strerror', None) or exc}"
            texts[name] = ""
    rows = mark_texts(texts, read_key(key) if key is not None else None, points=points)
    return [Mark(r.student, None, "*", "unreadable", message=unreadable[r.student])
            if r.student in unreadable else r for r in rows]


def summary(rows: Sequence[Mark], *, top: int = 3) -> list[dict[str, Any]]:
    """Per question: how many answered it right, wrong, not at all or unreadably, and the
    commonest mistakes (``[(kind, count)]``, most first)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.question == "*":
            continue
        s = out.setdefault(r.question, {"question": r.question, "answers": 0, "correct": 0, "wrong": 0,
                                        "unanswered": 0, "unreadable": 0, "mistakes": Counter()})
        s["answers"] += 1
        s["correct" if r.status.startswith("correct") else r.status] += 1
        if r.status == "wrong":
            s["mistakes"][r.mistake or "unnamed"] += 1
    for s in out.values():
        s["mistakes"] = s["mistakes"].most_common(top)
    return list(out.values())
