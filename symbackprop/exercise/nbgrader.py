r"""The exercise notebook as an nbgrader source notebook.

nbgrader (the grading tool many courses run on JupyterHub) reads its own cell metadata:
each answer cell becomes a *solution* cell holding the teacher's answer between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (``nbgrader generate_assignment`` replaces
it with a stub for the students), and each check cell an *autograded test* cell worth
``points``, which fails (an ``AssertionError``) unless the answer is right, so that
``nbgrader autograde`` scores it.  The opening cells are locked, so that a student's copy
cannot change the network the answers are checked against.

>>> import json
>>> from symbackprop.read import EXAMPLE, load_spec
>>> from symbackprop.exercise.questions import read_questions
>>> qs = read_questions(load_spec(EXAMPLE).network, "w2_11")
>>> cells = json.loads(nbgrader_text(EXAMPLE, qs))["cells"]
>>> [c["metadata"]["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c["metadata"]]
['setup', 'spec', 'answer_1', 'check_1']
>>> cells[-1]["metadata"]["nbgrader"]["points"]
1
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from symbackprop.read import load_spec

from .notebook import _nbformat, new_notebook
from .questions import Question, solve

__all__ = ["nbgrader_text", "SCHEMA_VERSION"]

#: The version of nbgrader's cell metadata written here (nbgrader 0.6 and later read it).
SCHEMA_VERSION = 3

_STUB = {"en": "Replace the two lines under the first one with your answer, as answer_{k} = r\"...\".",
         "ko": "첫 줄 아래 두 줄을 answer_{k} = r\"...\" 꼴의 답으로 바꾸세요."}


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
          points: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                            "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def nbgrader_text(table: Mapping[str, Any], questions: Sequence[Question], *, title: str = "Exercise",
                  lang: str = "en", points: int = 1) -> str:
    """The nbgrader source notebook: the exercise notebook with the answers as solution
    cells and the checks as autograded test cells of ``points`` each.

    Raises:
        SymbackpropError: ``nbformat`` is not installed.
    """
    nbf = _nbformat()
    nb = new_notebook(table, questions, title=title, lang=lang)
    spec = load_spec(table)  # type: ignore[arg-type]
    opening = [c for c in nb.cells if c.cell_type == "code"][:2]
    for cell, grade_id in zip(opening, ("setup", "spec")):
        cell.metadata["nbgrader"] = _meta(grade_id, locked=True)
    k = 0
    for cell in nb.cells:
        if "answer" in cell.metadata.get("tags", []):
            k += 1
            q = questions[k - 1]
            # One form of the answer: a vector answer's key may give two, joined by "=".
            formula = solve(spec, q).formula.split(" = ")[0]
            cell.source = (f"{cell.source}\n# {_STUB.get(lang, _STUB['en']).format(k=k)}\n"
                           f"### BEGIN SOLUTION\nanswer_{k} = r\"{formula}\"\n### END SOLUTION")
            cell.metadata["nbgrader"] = _meta(f"answer_{k}", solution=True)
        elif cell.cell_type == "code" and cell.source.startswith("check("):
            cell.source = (f"feedback_{k} = {cell.source}\nprint(feedback_{k})\n"
                           f"assert feedback_{k}.ok, \"question {k} is not right yet\"")
            cell.metadata["nbgrader"] = _meta(f"check_{k}", grade=True, locked=True, points=points)
    nbf.validate(nb)
    return nbf.writes(nb)
