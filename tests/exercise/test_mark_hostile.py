"""``mark`` against what a class can hand in: spreadsheet formulas as answers, files built to
break the marker, clashing names, planted links; and the key required, names in natural
order, a total per student.  One student's file never stops the class."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import run_cli
from exercise_helpers import RIGHT_W2, RIGHT_W2_11, WRONG_W2_11, fill, mazur_exercise

from symbackprop.exercise.marking import natural_key
from symbackprop.exercise.table import spreadsheet_safe, unescape_cell

INJECTION = "=HYPERLINK(CONCATENATE(A1,B1))+cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    return mazur_exercise(tmp_path_factory)


def _notebook(exercise: Path, variant: int, answers: dict[str, str]) -> dict:
    return fill(json.loads((exercise / f"exercise-v{variant}.ipynb").read_text()), answers)


def _mark(capsys, folder: Path, exercise: Path, *more: str) -> tuple[int, list[dict[str, str]], str]:
    code, out, err = run_cli(capsys, "mark", str(folder), "--key", str(exercise / "key.json"), *more)
    return code, list(csv.DictReader(io.StringIO(out))), err


def test_a_formula_as_an_answer_is_written_so_no_spreadsheet_runs_it(exercise, tmp_path, capsys) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    nb = _notebook(exercise, 1, {"w2_11": INJECTION, "W^{(2)}": "-" + RIGHT_W2})
    (folder / "mal.ipynb").write_text(json.dumps(nb))
    code, rows, err = _mark(capsys, folder, exercise)
    assert code == 0, err
    cells = [v for r in rows for v in r.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    # Python's csv module reads the table back, and one leading quote off gives the answer.
    assert [unescape_cell(r["answer"]) for r in rows] == [INJECTION, "-" + RIGHT_W2]
    assert rows[0]["answer"] == "'" + INJECTION


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "'already", "\uff1d1", "plain", ""])
def test_escaping_a_cell_is_undone_by_removing_one_quote(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert unescape_cell(safe) == text
    assert safe[:1] not in ("=", "+", "-", "@", "\t", "\r", "\uff1d")


def test_the_key_is_required_unless_the_notebooks_are_trusted(exercise, tmp_path, capsys) -> None:
    (tmp_path / "ann.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    code, out, err = run_cli(capsys, "mark", str(tmp_path))
    assert code == 2 and out == "" and "--trust-notebook-spec" in err and len(err.splitlines()) == 1
    code, out, _ = run_cli(capsys, "mark", str(tmp_path), "--trust-notebook-spec")
    assert code == 0 and "correct" in out


def test_students_are_in_natural_order_with_a_total_each(exercise, tmp_path, capsys) -> None:
    right = _notebook(exercise, 1, {"w2_11": RIGHT_W2_11, "W^{(2)}": RIGHT_W2})
    half = _notebook(exercise, 1, {"w2_11": RIGHT_W2_11, "W^{(2)}": "W^{(2)}"})
    for name, nb in (("student10", right), ("student9", half), ("Student1", right)):
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(nb))
    (tmp_path / "student2.ipynb").write_text("{broken")
    code, rows, err = _mark(capsys, tmp_path, exercise)
    assert code == 0, err
    order = list(dict.fromkeys(r["student"] for r in rows))
    assert order == ["Student1", "student2", "student9", "student10"]
    assert {r["student"]: r["total"] for r in rows} == {"Student1": "2/2", "student2": "0/0", "student9": "1/2",
                                                         "student10": "2/2"}
    assert sorted(["s10", "s9", "s1"], key=natural_key) == ["s1", "s9", "s10"]


def test_a_notebook_and_a_homework_file_of_one_name_are_each_read_as_themselves(exercise, tmp_path, capsys) -> None:
    (tmp_path / "alice.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    (tmp_path / "alice.txt").write_text(f"# variant: 2\nw2_11: {WRONG_W2_11}\n")
    code, rows, err = _mark(capsys, tmp_path, exercise)
    assert code == 0, err
    got = {(r["student"], r["variant"], r["question"]): r["status"] for r in rows}
    assert got == {("alice.ipynb", "1", "w2_11"): "correct", ("alice.ipynb", "1", "W^{(2)}"): "unanswered",
                   ("alice.txt", "2", "w2_11"): "wrong", ("alice.txt", "2", "W^{(2)}"): "unanswered"}


def _tampered(exercise: Path) -> dict[str, str]:
    v1 = _notebook(exercise, 1, {"w2_11": RIGHT_W2_11})
    meta_list = json.loads(json.dumps(v1))
    meta_list["metadata"] = ["not", "a", "table"]
    variant_list = json.loads(json.dumps(v1))
    variant_list["metadata"]["symbackprop"]["variant"] = [1]
    questions_str = json.loads(json.dumps(v1))
    questions_str["metadata"]["symbackprop"]["questions"] = "w2_11"
    cell_meta = json.loads(json.dumps(v1))
    for cell in cell_meta["cells"]:
        cell["metadata"] = ["x"]
    huge = _notebook(exercise, 1, {"w2_11": " + ".join(["a1_1"] * 200_000)})
    return {
        "meta_list": json.dumps(meta_list),
        "variant_list": json.dumps(variant_list),
        "questions_str": json.dumps(questions_str),
        "cell_meta": json.dumps(cell_meta),
        "digits": json.dumps(v1).replace('"variant": 1', '"variant": ' + "9" * 5000),
        "deep": "[" * 100_000 + "]" * 100_000,
        "huge_answer": json.dumps(huge),
    }


def test_one_students_file_never_stops_the_class(exercise, tmp_path, capsys) -> None:
    for name, text in _tampered(exercise).items():
        (tmp_path / f"{name}.ipynb").write_text(text)
    (tmp_path / "zoe.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    code, rows, err = _mark(capsys, tmp_path, exercise)
    assert code == 0, err
    assert "Traceback" not in err
    by = {}
    for r in rows:
        by.setdefault(r["student"], []).append(r)
    assert by["zoe"][0]["status"] == "correct"  # the class is marked
    for name in ("meta_list", "variant_list", "questions_str", "digits", "deep"):
        assert [r["status"] for r in by[name]] == ["unreadable"], (name, by[name])
    assert by["huge_answer"][0]["status"] == "unreadable" and "characters" in by["huge_answer"][0]["message"]
    assert [r["status"] for r in by["cell_meta"]] == ["unreadable", "unreadable"]  # answer cells not found


@pytest.mark.parametrize(("key", "says"), [
    ('[{"variant": 1, "spec": {"layers": [2, 2, 1]}, "questions": ["w9_99"]}]', "--key[0]"),
    ('[{"variant": [1], "spec": {"layers": [2, 2, 1]}, "questions": ["w2_11"]}]', "variant"),
    ('[{"variant": 1, "spec": {"layers": [2, 2, 1]}, "questions": "w2_11"}]', "questions"),
    ('[{"variant": ' + "9" * 5000 + ', "spec": {"layers": [2, 2, 1]}, "questions": ["w2_11"]}]', "digits"),
    ('{"metadata": []}', "list of variants"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper"),
])
def test_a_bad_key_is_the_teachers_one_line(exercise, tmp_path, capsys, key: str, says: str) -> None:
    (tmp_path / "key.json").write_text(key)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ann.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    code, out, err = run_cli(capsys, "mark", str(tmp_path / "class"), "--key", str(tmp_path / "key.json"))
    assert code == 2 and out == "" and says in err and len(err.splitlines()) == 1, err


def test_a_link_planted_as_the_table_is_not_written_through(exercise, tmp_path, capsys) -> None:
    folder, precious = tmp_path / "class", tmp_path / "precious.txt"
    folder.mkdir()
    precious.write_text("the teacher's file\n")
    (folder / "marks.csv").symlink_to(precious)
    (folder / "ann.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    code, _, err = run_cli(capsys, "mark", str(folder), "--key", str(exercise / "key.json"),
                           "-o", str(folder / "marks.csv"))
    assert code == 2 and "link inside the class folder" in err
    assert precious.read_text() == "the teacher's file\n"
    (folder / "marks.csv").unlink()  # a plain file there is fine
    code, _, err = run_cli(capsys, "mark", str(folder), "--key", str(exercise / "key.json"),
                           "-o", str(folder / "marks.csv"))
    assert code == 0 and "ann," in (folder / "marks.csv").read_text()


def test_a_link_out_of_the_class_folder_is_not_followed(exercise, tmp_path, capsys) -> None:
    folder, outside = tmp_path / "class", tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    (outside / "secret.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    (folder / "bob.ipynb").symlink_to(outside / "secret.ipynb")
    (folder / "dev.txt").symlink_to("/dev/zero")
    (folder / "ann.ipynb").write_text(json.dumps(_notebook(exercise, 1, {"w2_11": RIGHT_W2_11})))
    code, rows, err = _mark(capsys, folder, exercise)
    assert code == 0, err
    statuses = {r["student"]: (r["status"], r["message"]) for r in rows if r["question"] in ("*", "w2_11")}
    assert statuses["bob"][0] == "unreadable" and "link out of the class folder" in statuses["bob"][1]
    assert statuses["dev"][0] == "unreadable"
    assert statuses["ann"][0] == "correct"


def test_trusted_notebooks_are_marked_within_a_budget(exercise, tmp_path, capsys) -> None:
    big = _notebook(exercise, 1, {"w2_11": RIGHT_W2_11})
    big["metadata"]["symbackprop"]["spec"] = {"layers": [10, 100, 6]}
    repeated = _notebook(exercise, 1, {"w2_11": RIGHT_W2_11})
    repeated["metadata"]["symbackprop"]["questions"] = ["w2_11"] * 5000
    (tmp_path / "big.ipynb").write_text(json.dumps(big))
    (tmp_path / "rep.ipynb").write_text(json.dumps(repeated))
    code, out, err = run_cli(capsys, "mark", str(tmp_path), "--trust-notebook-spec")
    assert code == 0, err
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["big"]["status"] == "unreadable" and "1,706 parameters" in rows["big"]["message"]
    assert rows["rep"]["status"] == "unreadable" and "5,000 questions" in rows["rep"]["message"]
