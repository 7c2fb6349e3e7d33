r"""Marking a class: every answer of every filled-in notebook checked, one row each, and what
went wrong most often per question.

The spec and questions come from the teacher's key (``key.json`` written with the exercise),
matched by the notebook's variant; a notebook's own copy of its spec, which the student can
edit, is used only when asked for (``trust_notebook_spec=True``) and within a work budget.
The key is checked whole before any student is marked, so what fails afterwards is the
student's: a file that cannot be read, is not JSON, holds no exercise or cannot be marked
for any reason is that student's one ``unreadable`` row, an answer cell that is not
``answer = "..."`` that question's; the class is marked whatever one student handed in.

>>> rows = mark_texts({"ann": "{not json"}, trust_notebook_spec=True)
>>> rows[0].student, rows[0].status
('ann', 'unreadable')
>>> natural_key("student10") > natural_key("student9")
True
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symbackprop.errors import SpecError, SymbackpropError
from symbackprop.read import budget, load_spec
from symbackprop.read.files import read_text
from symbackprop.read.limits import MAX_HOMEWORK_BYTES, MAX_HOMEWORK_LINES, MAX_NOTEBOOK_BYTES, check_text

from .code_check import check_answer
from .key import read_key
from .notebook import NotebookError, read_notebook
from .questions import read_questions

__all__ = ["CSV_FIELDS", "Mark", "class_files", "mark", "mark_texts", "natural_key", "read_key", "summary"]

_VARIANT = re.compile(r"^#\s*variant\s*:?\s*(\d{1,6})\s*$", re.IGNORECASE)

#: The columns of the class table, in order; ``total`` is the student's ``correct/asked``,
#: the same on each of their rows.
CSV_FIELDS = ("student", "variant", "question", "status", "mistake", "message", "answer", "total")

#: Suffixes of the files a class folder holds: notebooks, and homework as plain text.
SUFFIXES = (".ipynb", ".txt", ".py")


@dataclass(frozen=True)
class Mark:
    """One student's verdict on one question (``question`` is ``"*"`` for a whole file that
    could not be read, ``"line N"`` for a homework line that is not ``question: formula``)."""

    student: str
    variant: int | None
    question: str
    status: str
    mistake: str = ""
    message: str = ""
    answer: str = ""

    @property
    def is_question(self) -> bool:
        """Whether the row answers a question (not a whole file or a stray homework line)."""
        return self.question != "*" and not self.question.startswith("line ")

    def row(self) -> dict[str, str]:
        return {f: "" if getattr(self, f, None) is None else str(getattr(self, f, "")) for f in CSV_FIELDS}


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``student2`` before ``student10`` (digit runs compare as numbers)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in re.split(r"(\d{1,30})", name) if part)


# ----- one student

def _notebook(student: str, text: str, key: Mapping[int | None, Mapping[str, Any]] | None, points: int) -> list[Mark]:
    try:
        check_text(text, student, ".json", what="notebook")
        meta, answers = read_notebook(text)
    except (NotebookError, SpecError) as exc:
        return [Mark(student, None, "*", "unreadable", message=str(exc))]
    variant = meta.get("variant")
    if isinstance(variant, bool) or not isinstance(variant, (int, type(None))):
        return [Mark(student, None, "*", "unreadable", message="the notebook's variant is not a number")]
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
        refused = _over_budget(spec, [q for q, _ in answers])
        if refused:
            return [Mark(student, variant, "*", "unreadable", message=f"the notebook's exercise: {refused}")]
    out = []
    for question, answer in answers:
        if isinstance(answer, SymbackpropError):
            out.append(Mark(student, variant, question, "unreadable", message=str(answer)))
            continue
        try:
            f = check_answer(spec, question, answer, points=points)
        except SymbackpropError as exc:
            out.append(Mark(student, variant, question, "unreadable", message=f"the notebook's exercise: {exc}"))
            continue
        out.append(Mark(student, variant, question, f.status, f.kind or "", f.message, answer))
    return out


def _over_budget(spec: Mapping[str, Any], questions: Sequence[str]) -> str:
    """Why a notebook's own exercise is more work than marking one student may take, or ''."""
    if len(questions) > budget.MAX_QUESTIONS:
        return f"{len(questions):,} questions; a notebook asks at most {budget.MAX_QUESTIONS}"
    try:
        net = load_spec(dict(spec)).network
    except SymbackpropError as exc:
        return str(exc).splitlines()[0]
    count = len(net.params)
    limit = budget.COMMAND_PARAMETERS["verify"]
    if count > limit:
        return f"a network of {count:,} parameters; marking checks at most {limit:,}"
    return ""


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
    lines = len(text.splitlines())
    if lines > MAX_HOMEWORK_LINES:
        return [Mark(student, None, "*", "unreadable",
                     message=f"{lines:,} lines; a homework file has at most {MAX_HOMEWORK_LINES:,}")]
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


#: How each kind of hand-in is read: a notebook, a text file of formulas, a backward cell.
_READERS = {"notebook": _notebook, "homework": _homework, "code": _code_file}


def _isolated(student: str, text: str | Exception, kind: str,
              key: Mapping[int | None, Mapping[str, Any]] | None, points: int) -> list[Mark]:
    """The student's rows; whatever goes wrong with their file is their ``unreadable`` row."""
    if isinstance(text, Exception):
        return [Mark(student, None, "*", "unreadable", message=str(text).splitlines()[0])]
    try:
        return _READERS[kind](student, text, key, points)
    except SpecError as exc:
        if kind != "notebook" and key is None:
            raise  # no key for a homework or code file: the teacher's mistake
        return [Mark(student, None, "*", "unreadable", message=str(exc).splitlines()[0])]
    except SymbackpropError as exc:
        return [Mark(student, None, "*", "unreadable", message=str(exc).splitlines()[0])]
    except (RecursionError, MemoryError):
        return [Mark(student, None, "*", "unreadable", message="the file is nested too deeply or too large to mark")]
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError, ZeroDivisionError) as exc:
        # A file built to break the marker: still one student's row, never the class's failure.
        return [Mark(student, None, "*", "unreadable", message=f"cannot be marked ({type(exc).__name__})")]


def mark_texts(texts: Mapping[str, str | Exception], key: Mapping[int | None, Mapping[str, Any]] | None = None,
               *, points: int = 6, homework: Sequence[str] = (), code: Sequence[str] = (),
               trust_notebook_spec: bool = False) -> list[Mark]:
    """The rows of ``{student: notebook text}``, students in the order given; the students
    named in ``homework`` handed in a text file of ``question: formula`` lines instead
    (``# variant: N`` says which variant; it needs the key), those in ``code`` a ``.py``
    backward cell answering the code questions (it needs the key).  A text may be the
    exception that reading the student's file raised: it becomes their row.

    Raises:
        SpecError: no key, unless ``trust_notebook_spec`` (each notebook's own copy of its
            exercise, which the student can edit, is then checked within a budget).
    """
    if key is None and not trust_notebook_spec:
        _no_key()
    return [m for student, text in texts.items()
            for m in _isolated(student, text, "homework" if student in homework else "code" if student in code
                               else "notebook", key, points)]


def _no_key() -> None:
    raise SpecError("--key: expected the key.json written with the exercise; a notebook's own copy of "
                    "its spec can be edited by the student (give --trust-notebook-spec to use it anyway)")


# ----- the class folder

def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def class_files(paths: Sequence[str | Path]) -> list[tuple[str, Path, str | None]]:
    """``[(student, file, why it is refused or None)]`` for the answers at ``paths``.

    A folder gives its ``*.ipynb``, ``*.txt`` and ``*.py`` files in natural order (``s2`` before
    ``s10``); a link that leads out of the folder is refused, not followed.  The student is
    the file name without its suffix, or with it when two files share a name
    (``alice.ipynb`` and ``alice.txt`` are two hand-ins, each read as itself).

    Raises:
        SpecError: a path does not exist, or no notebook or homework file was found.
    """
    found: list[tuple[Path, str | None]] = []
    for p in map(Path, paths):
        if p.is_dir():
            entries = sorted((e for e in p.iterdir() if e.suffix.lower() in SUFFIXES), key=lambda e: natural_key(e.name))
            found += [(e, None if _inside(e, p) else "a link out of the class folder; not followed") for e in entries]
        elif p.exists() or p.is_symlink():
            found.append((p, None))
        else:
            raise SpecError(f"answers: {str(p)!r} does not exist")
    if not found:
        raise SpecError("answers: no .ipynb notebooks, .txt homework or .py backward cells found in "
                        + ", ".join(map(str, paths)))
    stems = Counter(f.stem for f, _ in found)
    names = Counter(f.name for f, _ in found)
    out = []
    for f, why in found:
        student = f.stem if stems[f.stem] == 1 else f.name if names[f.name] == 1 else str(f)
        out.append((student, f, why))
    return out


def mark(paths: Sequence[str | Path], key: str | Path | None = None, *, points: int = 6,
         trust_notebook_spec: bool = False) -> list[Mark]:
    """Rows for the notebooks (and ``.txt`` homework files, ``.py`` backward cells) at ``paths``
    (see :func:`class_files`).

    Raises:
        SpecError: a path does not exist, no notebook was found, the key is unreadable or
            wrong, or no key without ``trust_notebook_spec``.
    """
    files = class_files(paths)
    read_key_ = read_key(key) if key is not None else None
    if read_key_ is None and not trust_notebook_spec:
        _no_key()
    texts: dict[str, str | Exception] = {}
    for student, f, why in files:
        homework = f.suffix.lower() == ".txt"
        if why is not None:
            texts[student] = SpecError(f"{str(f)!r}: {why}")
            continue
        try:
            texts[student] = read_text(f, limit=MAX_HOMEWORK_BYTES if homework else MAX_NOTEBOOK_BYTES,
                                       field=student)
        except SymbackpropError as exc:
            texts[student] = exc
    homework = [s for s, f, _ in files if f.suffix.lower() == ".txt"]
    code = [s for s, f, _ in files if f.suffix.lower() == ".py"]
    return mark_texts(texts, read_key_, points=points, homework=homework, code=code,
                      trust_notebook_spec=trust_notebook_spec)


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
