r"""The self-checking Jupyter notebook of an exercise, and reading a filled-in one back.

Per question: a Markdown cell asking it, an answer cell (``answer = r""``, tagged
``answer``) and a check cell showing the verdict.  The notebook stores the spec and the
questions in its metadata and its first code cell, never the answers: checking derives them
when it runs.  Writing needs ``nbformat`` (``pip install "symbackprop[notebook]"``);
reading answers back needs only the standard library, and never runs the student's code.

>>> cell = {"cell_type": "code", "source": 'answer = r"\\delta^{(2)}_1 a^{(1)}_1"  # your formula'}
>>> answer_in(cell)
'\\delta^{(2)}_1 a^{(1)}_1'
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from symbackprop.errors import SymbackpropError

from .questions import Question

__all__ = ["METADATA_KEY", "NotebookError", "answer_in", "notebook_text", "read_notebook"]

#: Where a notebook keeps the exercise: ``{"spec": table, "questions": [names], "variant": k}``.
METADATA_KEY = "symbackprop"


class NotebookError(SymbackpropError):
    """A file that is not a notebook of this tool (not JSON, no exercise in it)."""


def _nbformat() -> Any:
    try:
        import nbformat
    except ImportError:
        raise SymbackpropError(
            'notebook: writing .ipynb needs nbformat; install it with pip install "symbackprop[notebook]"'
        ) from None
    return nbformat


def notebook_text(table: Mapping[str, Any], questions: Sequence[Question], *, variant: int | None = None,
                  title: str = "Exercise") -> str:
    """The notebook as ``.ipynb`` text.

    Raises:
        SymbackpropError: ``nbformat`` is not installed.
    """
    nbf = _nbformat()
    nb = nbf.v4.new_notebook()
    nb.metadata[METADATA_KEY] = {"spec": dict(table), "questions": [q.name for q in questions], "variant": variant}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    spec_literal = json.dumps(dict(table), ensure_ascii=False)
    cells = [
        nbf.v4.new_markdown_cell(f"# {title}\n\nWrite each answer as a string in the network's names "
                                 "(LaTeX or plain text), then run the check cell below it."),
        nbf.v4.new_code_cell("import json\nfrom symbackprop.exercise import check\n\n"
                             f"SPEC = json.loads({spec_literal!r})"),
    ]
    for k, q in enumerate(questions, start=1):
        what = {"scalar": "the formula for", "delta": "the error signal", "layer": "in vector form"}[q.kind]
        cells.append(nbf.v4.new_markdown_cell(f"**Question {k}.** Find {what} ${q.label}$."))
        answer = nbf.v4.new_code_cell('answer = r""  # your formula, between the quotes')
        answer.metadata.update({"tags": ["answer"], METADATA_KEY: {"question": q.name}})
        cells.append(answer)
        cells.append(nbf.v4.new_code_cell(f"check(SPEC, {q.name!r}, answer)"))
    nb.cells = cells
    nbf.validate(nb)
    return nbf.writes(nb)


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def answer_in(cell: Mapping[str, Any]) -> str:
    """The string an answer cell assigns to ``answer``, read without running it.

    Raises:
        SymbackpropError: the cell is not one assignment of a string (the student's
            "unreadable" row, not a crash).
    """
    text = _source(cell)
    try:
        with warnings.catch_warnings():
            # answer = "\delta" without r: Python warns of the escape and keeps the backslash.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        raise SymbackpropError(f"the answer cell is not Python: {exc.msg} on line {exc.lineno}") from None
    found = [node.value for node in tree.body if isinstance(node, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == "answer" for t in node.targets)]
    if len(found) != 1 or not isinstance(found[0], ast.Constant) or not isinstance(found[0].value, str):
        raise SymbackpropError("the answer cell must be one line answer = r\"...\" with the formula as a string")
    return found[0].value


def read_notebook(text: str) -> tuple[dict[str, Any], list[tuple[str, str | SymbackpropError]]]:
    """``(exercise metadata, [(question, answer or why it is unreadable)])`` of a notebook.

    Raises:
        NotebookError: not JSON, or no exercise of this tool in it.
    """
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not a notebook: invalid JSON at line {exc.lineno} column {exc.colno}") from None
    meta = nb.get("metadata", {}).get(METADATA_KEY) if isinstance(nb, dict) else None
    questions = meta.get("questions") if isinstance(meta, dict) else None
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise NotebookError("not an exercise notebook: its metadata has no symbackprop questions")
    cells = nb.get("cells")
    answers: dict[str, str | SymbackpropError] = {}
    for cell in cells if isinstance(cells, list) else []:
        own = cell.get("metadata", {}).get(METADATA_KEY, {}) if isinstance(cell, dict) else {}
        question = own.get("question") if isinstance(own, dict) else None
        if question in meta["questions"] and question not in answers:
            try:
                answers[question] = answer_in(cell)
            except SymbackpropError as exc:
                answers[question] = exc
    return meta, [(q, answers.get(q, SymbackpropError("the answer cell was deleted"))) for q in meta["questions"]]
