r"""An exercise as files: per variant a problem sheet, a solution sheet and a notebook in the
formats asked, plus the teacher's key (``key.json``: each variant's spec, questions and
answers with their numbers), all from one spec.

>>> from symbackprop.read import EXAMPLE
>>> files = exercise_files(EXAMPLE, "w2_11", formats=["html"])
>>> sorted(files)
['key.json', 'problems.html', 'solutions.html']
>>> sorted(exercise_files("2-2-1", "W2", variants=2, seed=1, formats=["tex"]))
['key.json', 'problems-v1.tex', 'problems-v2.tex', 'solutions-v1.tex', 'solutions-v2.tex']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from symbackprop.errors import SpecError
from symbackprop.read import budget, load_spec
from symbackprop.sheet import Sheet
from symbackprop.sheet import formats as sheet_formats

from .code_exercise import code_asked, code_exercise_files
from .fuse_check import is_fused_question
from .fuse_exercise import fuse_exercise_files
from .nbgrader import nbgrader_text
from .notebook import notebook_text
from .questions import read_questions, solve
from .sheets import problem_sheet, solution_sheet
from .variants import read_table, variant_tables

__all__ = ["exercise_files", "exercise_formats"]


def exercise_formats() -> list[str]:
    """The formats an exercise is written in: the sheets' registered formats, ``ipynb``,
    and ``nbgrader`` (an nbgrader source notebook, ``assignment.ipynb``)."""
    return [f.name for f in sheet_formats()] + ["ipynb", "nbgrader"]


def _render(sheet: Sheet, fmt: str, name: str) -> dict[str, str]:
    found = next(f for f in sheet_formats() if f.name == fmt)
    if found.files is None:
        return {name: sheet.render(fmt)}
    text, beside = found.files(sheet, name)  # Markdown: pictures as files beside the document
    return {name: text, **beside}


def exercise_files(
    source: str | Path | Mapping[str, Any],
    ask: str,
    *,
    variants: int | None = None,
    seed: int = 0,
    sizes: Sequence[Sequence[int]] | None = None,
    activations: Sequence[str] | None = None,
    lang: str = "en",
    formats: Sequence[str] = ("html", "ipynb"),
    force: bool = False,
) -> dict[str, str]:
    """``{file name: text}`` of the exercise; variants are named ``-v1``, ``-v2``, ...

    Without ``variants``, the spec's own numbers are used (numbers drawn with ``seed`` when
    it has none).  Questions ``fuse:FROM..TO`` on a ``[program]`` ask for fused formulas
    (:mod:`.fuse_exercise`).

    Raises:
        SpecError: an unreadable spec, a question naming nothing in the network (of any
            variant), an unknown format, or sizes or activations without variants.
        TooLargeError: more work than :data:`~symbackprop.read.budget.MAX_EXERCISE_WORK`
            (files × questions × network size), unless ``force``.
        SymbackpropError: ``ipynb`` asked without ``nbformat`` installed.

    ``nbgrader`` is written alone and without the key: the folder is an nbgrader source
    folder, all of which nbgrader releases to the students.
    """
    if any(is_fused_question(name) for name in ask.split(",")):
        return fuse_exercise_files(source, ask, variants=variants, lang=lang, formats=formats, seed=seed)
    known = exercise_formats()
    for fmt in formats:
        if fmt not in known:
            raise SpecError(f"--format: expected some of {', '.join(known)}, received {fmt!r}")
    if "nbgrader" in formats and len(formats) > 1:
        # Everything in an nbgrader source folder is released to the students: the key
        # (and solution sheets) must never sit beside the notebook.
        raise SpecError(f"--format: nbgrader writes a folder to hand to nbgrader as it is (its answers are in "
                        f"solution cells), so it goes alone; received {','.join(formats)}")
    if code_asked(source, ask):
        if "nbgrader" in formats:
            raise SpecError("--format: nbgrader notebooks ask formulas; code questions (dW2, dZ1) are written "
                            "as ipynb only")
        return code_exercise_files(source, ask, variants=variants, seed=seed, sizes=sizes, activations=activations,
                                   lang=lang, formats=formats, render=_render)
    table = read_table(source)
    if variants is None:
        if sizes or activations:
            raise SpecError("--sizes and --activations draw variants; give --variants N with them")
        if "values" not in table:
            table = {**variant_tables(table, 1, seed=seed)[0], "title": table.get("title", load_spec(table).title)}
        tables, suffixes = [table], [""]
    else:
        tables = variant_tables(table, variants, seed=seed, sizes=sizes, activations=activations)
        suffixes = [f"-v{k}" for k in range(1, variants + 1)]
    files: dict[str, str] = {}
    key = []
    asked = []
    for k, t in enumerate(tables, start=1):  # every variant read and asked before any sheet is made
        spec = load_spec(t)
        try:
            asked.append((spec, read_questions(spec.network, ask)))
        except SpecError as exc:
            raise SpecError(f"variant {k} ({spec.title}): {exc}" if variants else str(exc)) from None
    per_variant = sum(1 if fmt in ("ipynb", "nbgrader") else 2 for fmt in formats)
    budget.check_exercise_work(budget.exercise_work(per_variant, [len(q) for _, q in asked],
                                                    [len(s.network.params) for s, _ in asked]), force)
    for k, (t, suffix, (spec, questions)) in enumerate(zip(tables, suffixes, asked), start=1):
        answers = {q.name: {"formula": a.formula, "value": a.value} for q in questions for a in [solve(spec, q)]}
        key.append({"variant": k if variants else None, "spec": t, "questions": [q.name for q in questions],
                    "answers": answers})
        for fmt in formats:
            if fmt == "ipynb":
                files[f"exercise{suffix}.ipynb"] = notebook_text(t, questions, variant=k if variants else None,
                                                                 title=spec.title, lang=lang)
                continue
            if fmt == "nbgrader":
                files[f"assignment{suffix}.ipynb"] = nbgrader_text(t, questions, title=spec.title, lang=lang)
                continue
            files.update(_render(problem_sheet(t, questions, lang=lang), fmt, f"problems{suffix}.{fmt}"))
            files.update(_render(solution_sheet(t, questions, lang=lang), fmt, f"solutions{suffix}.{fmt}"))
    if "nbgrader" not in formats:
        files["key.json"] = json.dumps(key, ensure_ascii=False, indent=1) + "\n"
    return files
