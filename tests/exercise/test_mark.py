"""``symbackprop mark`` on a folder of planted answers: the right row per student and question,
the commonest mistakes per question, unreadable files and answers as rows, exit 2 only for
the teacher's own mistakes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run_cli
from exercise_helpers import RIGHT_W2, RIGHT_W2_11, WRONG_KIND, WRONG_W2_11, fill, mazur_exercise


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    return mazur_exercise(tmp_path_factory)


def _plant(exercise, folder):
    folder.mkdir()
    v1 = json.loads((exercise / "exercise-v1.ipynb").read_text())
    v2 = json.loads((exercise / "exercise-v2.ipynb").read_text())
    (folder / "ann.ipynb").write_text(json.dumps(fill(json.loads(json.dumps(v1)), {"w2_11": RIGHT_W2_11,
                                                                                  "W^{(2)}": RIGHT_W2})))
    (folder / "bob.ipynb").write_text(json.dumps(fill(json.loads(json.dumps(v2)), {"w2_11": WRONG_W2_11})))
    cat = fill(json.loads(json.dumps(v1)), {"w2_11": WRONG_W2_11})
    for cell in cat["cells"]:
        if cell.get("metadata", {}).get("symbackprop", {}).get("question") == "W^{(2)}":
            cell["source"] = 'answer = r"\\delta^{(2)} (a^{(1)})^T'  # the closing quote lost
    (folder / "cat.ipynb").write_text(json.dumps(cat))
    (folder / "dan.ipynb").write_text('{"cells": [')  # saved half-way
    eve = json.loads(json.dumps(v2))
    eve["metadata"]["symbackprop"]["variant"] = 9
    (folder / "eve.ipynb").write_text(json.dumps(eve))


def test_mark_a_folder_of_planted_answers(exercise, tmp_path, capsys):
    _plant(exercise, tmp_path / "answers")
    code, out, err = run_cli(capsys, "mark", str(tmp_path / "answers"), "--key", str(exercise / "key.json"),
                         "--summary", str(tmp_path / "summary.json"))
    assert code == 0, err
    rows = [(r["student"], r["variant"], r["question"], r["status"], r["mistake"])
            for r in csv.DictReader(io.StringIO(out))]
    assert rows == [
        ("ann", "1", "w2_11", "correct", ""), ("ann", "1", "W^{(2)}", "correct", ""),
        ("bob", "2", "w2_11", "wrong", WRONG_KIND), ("bob", "2", "W^{(2)}", "unanswered", ""),
        ("cat", "1", "w2_11", "wrong", WRONG_KIND), ("cat", "1", "W^{(2)}", "unreadable", ""),
        ("dan", "", "*", "unreadable", ""),
        ("eve", "9", "*", "unreadable", ""),
    ]
    messages = {r["student"]: r["message"] for r in csv.DictReader(io.StringIO(out)) if r["status"] == "unreadable"}
    assert "not Python" in messages["cat"] and "invalid JSON" in messages["dan"] and "variant 9" in messages["eve"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary[0] == {"question": "w2_11", "answers": 3, "correct": 1, "wrong": 2, "unanswered": 0,
                          "unreadable": 0, "mistakes": [[WRONG_KIND, 2]]}
    assert f"w2_11: 1 of 3 correct, 2 wrong, 0 unanswered, 0 unreadable; commonest mistakes: {WRONG_KIND} ×2" in err


def test_the_teachers_mistakes_exit_2(exercise, tmp_path, capsys):
    (tmp_path / "key.json").write_text("[1, 2")
    code, out, err = run_cli(capsys, "mark", str(exercise), "--key", str(tmp_path / "key.json"))
    assert code == 2 and out == "" and "--key" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "mark", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli(capsys, "mark", str(tmp_path))
    assert code == 2 and "no .ipynb" in err


def test_without_a_key_each_notebook_carries_its_exercise(exercise, tmp_path, capsys):
    nb = fill(json.loads((exercise / "exercise-v2.ipynb").read_text()), {"w2_11": RIGHT_W2_11, "W^{(2)}": "W^{(2)}"})
    (tmp_path / "fay.ipynb").write_text(json.dumps(nb))
    code, out, err = run_cli(capsys, "mark", str(tmp_path / "fay.ipynb"))
    assert code == 2 and out == "" and "--key" in err and "--trust-notebook-spec" in err  # not trusted unasked
    code, out, _ = run_cli(capsys, "mark", str(tmp_path / "fay.ipynb"), "--trust-notebook-spec")
    assert code == 0
    assert [r["status"] for r in csv.DictReader(io.StringIO(out))] == ["correct", "wrong"]


def test_homework_files_are_marked_beside_notebooks(exercise, tmp_path, capsys):
    (tmp_path / "gus.txt").write_text(f"# variant: 2\nw2_11: {WRONG_W2_11}\nW2: {RIGHT_W2}\nI don't know\n")
    (tmp_path / "hal.txt").write_text("# variant: 7\nw2_11: 0\n")
    code, out, err = run_cli(capsys, "mark", str(tmp_path), "--key", str(exercise / "key.json"))
    assert code == 0, err
    rows = [(r["student"], r["variant"], r["question"], r["status"], r["mistake"])
            for r in csv.DictReader(io.StringIO(out))]
    assert rows == [
        ("gus", "2", "w2_11", "wrong", WRONG_KIND), ("gus", "2", "W^{(2)}", "correct", ""),
        ("gus", "2", "line 4", "unreadable", ""),
        ("hal", "7", "*", "unreadable", ""),
    ]
    code, _, err = run_cli(capsys, "mark", str(tmp_path / "gus.txt"))
    assert code == 2 and "--key" in err  # a homework file names no exercise: the teacher must


@pytest.mark.parametrize(("meta", "cells", "says"), [
    ({"questions": ["w2_11"], "spec": "examples/mazur.toml"}, [], "not a table"),
    ({"questions": [3], "spec": {}}, [], "no symbackprop questions"),
    ({"questions": ["w2_11"], "spec": {"layers": [2, 2, 1]}}, 7, "the answer cell was deleted"),
])
def test_a_tampered_notebook_is_a_row_not_a_crash(tmp_path, capsys, meta, cells, says):
    (tmp_path / "ivy.ipynb").write_text(json.dumps({"metadata": {"symbackprop": meta}, "cells": cells}))
    code, out, _ = run_cli(capsys, "mark", str(tmp_path), "--trust-notebook-spec")
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["status"] == "unreadable" and says in row["message"]


def test_an_answer_without_r_is_read_with_its_backslashes():
    from symbackprop.exercise.notebook import answer_in

    assert answer_in({"source": 'answer = "\\\\delta^{(2)}_1"'}) == "\\delta^{(2)}_1"
    assert answer_in({"source": 'answer = "\\delta^{(2)}_1"'}) == "\\delta^{(2)}_1"  # kept, no warning raised
