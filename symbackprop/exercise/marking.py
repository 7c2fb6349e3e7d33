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
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbackprop.errors import SpecError, SymbackpropError
from symbackprop.read import load_spec

from .code_check import check_answer
from .notebook import NotebookError, read_notebook
from .questions import read_questions

__all__ = ["CSV_FIELDS", "Mark", "mark", "mark_texts", "read_key", "summary"]

_VARIANT = re.compile(r"^#\s*variant\s*:?\s*(\d+)\s*$", re.IGNORECASE)

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
        if not isinstance(spec, dict):
            # A path here would make the marker read files the student chose.
            return [Mark(student, variant, "*", "unreadable", message="the notebook's spec is not a table")]
    out = []
    for question, answer in answers:
        if isinstance(answer, SymbackpropError):
            out.append(Mark(student, variant, question, "unreadable", message=str(answer)))
            continue
        try:
            f = check_answer(spec, question, answer, points=points)
        except SymbackpropError as exc:
            if key is not None:
                raise  # the key's own spec or question is wrong: the teacher's mistake
            out.append(Mark(student, variant, question, "unreadable", message=f"the notebook's exercise: {exc}"))
            continue
        out.append(Mark(student, variant, question, f.status, f.kind or "", f.message, answer))
    return out


def _homework_lines(text: str) -> tuple[int | None, list[tuple[int, str, str]], list[Mark]]:
    """``(variant, [(line, question, answer)], rows for lines that are not 'question: answer')``."""
    variant, items, bad = None, [], []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.strip()
        tag = _VARIANT.match(body)
        if tag:
            variant = int(tag.group(1))
            continue
        body = body.split("#", 1)[0].strip()
        if not body:
            continue
        question, sep, answer = body.partition(":")
        if sep and question.strip() and answer.strip():
            items.append((number, question.strip(), answer.strip()))
        else:
            bad.append(Mark("", None, f"line {number}", "unreadable",
                            message=f"expected 'question: formula', received {body[:60]!r}"))
    return variant, items, bad


def _homework(student: str, text: str, key: Mapping[int | None, Mapping[str, Any]] | None, points: int) -> list[Mark]:
    if key is None:
        raise SpecError(f"answers: the homework file of {student!r} names no exercise; give --key KEY.json")
    variant, items, bad = _homework_lines(text)
    if variant is None and len(key) == 1:
        variant = next(iter(key))
    if variant not in key:
        return [Mark(student, variant, "*", "unreadable",
                     message=f"variant {variant!r} is not in the key; write '# variant: N' on a line of its own")]
    spec, questions = key[variant]["spec"], list(key[variant]["questions"])
    net = load_spec(spec).network
    given: dict[str, str] = {}
    for number, written, answer in items:
        try:
            name = read_questions(net, written)[0].name
        except SymbackpropError as exc:
            bad.append(Mark("", None, f"line {number}", "unreadable", message=str(exc).splitlines()[0]))
            continue
        if name not in questions:
            bad.append(Mark("", None, f"line {number}", "unreadable", message=f"{written!r} is not asked"))
        given.setdefault(name, answer)
    out = []
    for question in questions:
        f = check_answer(spec, question, given.get(question, ""), points=points)
        out.append(Mark(student, variant, question, f.status, f.kind or "", f.message, f.answer))
    return out + [Mark(student, variant, m.question, m.status, message=m.message) for m in bad]


def _code_file(student: str, text: str, key: Mapping[int | None, Mapping[str, Any]] | None, points: int) -> list[Mark]:
    """A ``.py`` file handed in: one backward cell answering every code question of its variant."""
    if key is None:
        raise SpecError(f"answers: the code file of {student!r} names no exercise; give --key KEY.json")
    found = [int(m.group(1)) for m in map(_VARIANT.match, (ln.strip() for ln in text.splitlines())) if m]
    variant = found[0] if found else (next(iter(key)) if len(key) == 1 else None)
    if variant not in key:
        return [Mark(student, variant, "*", "unreadable",
                     message=f"variant {variant!r} is not in the key; write '# variant: N' on a line of its own")]
    spec, questions = key[variant]["spec"], list(key[variant]["questions"])
    return [Mark(student, variant, q, f.status, f.kind or "", f.message, f.answer)
            for q in questions for f in [check_answer(spec, q, text, points=points)]]


def mark_texts(texts: Mapping[str, str], key: Mapping[int | None, Mapping[str, Any]] | None = None,
               *, points: int = 6, homework: Sequence[str] = (), code: Sequence[str] = ()) -> list[Mark]:
    """The rows of ``{student: notebook text}``, students in the order given; the students
    named in ``homework`` handed in a text file of ``question: formula`` lines instead
    (``# variant: N`` says which variant; it needs the key), those in ``code`` a ``.py``
    backward cell answering the code questions."""
    return [m for student, text in texts.items()
            for m in (_homework if student in homework else _code_file if student in code else _one)(
                student, text, key, points)]


def mark(paths: Sequence[str | Path], key: str | Path | None = None, *, points: int = 6) -> list[Mark]:
    """Rows for the notebooks (and ``.txt`` homework files, ``.py`` backward cells) at ``paths``;
    folders give their ``*.ipynb``, ``*.txt`` and ``*.py``, sorted; the student is the file
    name without its suffix.

    Raises:
        SpecError: a path does not exist, no notebook was found, or the key is unreadable.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted([*p.glob("*.ipynb"), *p.glob("*.txt"), *p.glob("*.py")])
        elif p.exists():
            files.append(p)
        else:
            raise SpecError(f"answers: {str(p)!r} does not exist")
    if not files:
        raise SpecError("answers: no .ipynb notebooks or .txt homework files found in " + ", ".join(map(str, paths)))
    texts: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for f in files:
        name = f.stem if f.stem not in texts else str(f)
        try:
            texts[name] = f.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            unreadable[name] = f"cannot read {str(f)!r}: {getattr(exc, 'strerror', None) or exc}"
            texts[name] = ""
    homework = [f.stem if f.stem in texts else str(f) for f in files if f.suffix.lower() == ".txt"]
    code = [f.stem if f.stem in texts else str(f) for f in files if f.suffix.lower() == ".py"]
    rows = mark_texts(texts, read_key(key) if key is not None else None, points=points, homework=homework, code=code)
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
