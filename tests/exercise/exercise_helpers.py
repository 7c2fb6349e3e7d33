"""Shared helpers of the exercise tests: the Mazur answers, grad numbers, filled notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

MAZUR = "examples/mazur.toml"

#: Hand-written answers for the Mazur network (textbook δ forms), the planted mistake
#: (the activation derivative left out) and its kind.
RIGHT_W2_11 = r"\delta^{(2)}_1 a^{(1)}_1"
WRONG_W2_11 = "(a2_1 - y1) * a1_1"
WRONG_KIND = "missing_activation_derivative"
RIGHT_W2 = r"\delta^{(2)} (a^{(1)})^T"


def grad_json(capsys, spec: str | Path) -> dict:
    code, out, _ = run_cli(capsys, "grad", str(spec), "--json")
    assert code == 0
    return json.loads(out)


def fill(notebook: dict, answers: dict[str, str]) -> dict:
    """The notebook with each answer cell of ``answers`` holding ``answer_k = r"..."``."""
    for cell in notebook["cells"]:
        q = cell.get("metadata", {}).get("symbackprop", {}).get("question")
        if q in answers:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = source.split(" = ")[0] + ' = r"' + answers[q] + '"'
    return notebook


def mazur_exercise(tmp_path_factory) -> Path:
    """A folder with the Mazur exercise's notebooks and key: two variants, w2_11 and W2 asked."""
    pytest.importorskip("nbformat")
    from symbackprop.exercise import exercise_files

    folder = tmp_path_factory.mktemp("exercise")
    for name, text in exercise_files(MAZUR, "w2_11,W2", variants=2, seed=3, formats=["ipynb"]).items():
        (folder / name).write_text(text)
    return folder
