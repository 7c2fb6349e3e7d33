"""``exercise --format nbgrader`` writes a source notebook that nbgrader itself processes:
``generate_assignment`` strips the solutions, ``autograde`` scores a planted class (one
student right, one with a planted mistake, one who answered nothing) by the test cells."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.exercise import exercise_files

MAZUR = str(Path(__file__).resolve().parents[2] / "examples" / "mazur.toml")
WRONG_W2_11 = r"(a^{(2)}_1 - y_1) a^{(1)}_1"  # the activation's derivative left out


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _cells(path: Path) -> dict[str, dict]:
    nb = json.loads(path.read_text())
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if "nbgrader" in c["metadata"]}


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    pytest.importorskip("nbgrader")
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "demo"\n')
    assert main(["exercise", MAZUR, "--ask", "w2_11,delta1,W2", "--format", "nbgrader",
                 "-o", str(course / "source" / "ps1")]) == 0
    _nbgrader(course, "generate_assignment", "ps1", "--force")
    return course


def test_the_source_notebook_carries_nbgrader_metadata(course):
    cells = _cells(course / "source" / "ps1" / "assignment.ipynb")
    assert list(cells) == ["setup", "spec", "answer_1", "check_1", "answer_2", "check_2", "answer_3", "check_3"]
    for k in (1, 2, 3):
        answer, test = cells[f"answer_{k}"]["metadata"]["nbgrader"], cells[f"check_{k}"]["metadata"]["nbgrader"]
        assert answer["solution"] and not answer["grade"] and answer["schema_version"] == 3
        assert test["grade"] and test["locked"] and not test["solution"] and test["points"] == 1
        assert "### BEGIN SOLUTION" in _source(cells[f"answer_{k}"])
    assert cells["spec"]["metadata"]["nbgrader"]["locked"]
    # Nothing beside the notebook: nbgrader releases the whole folder to the students.
    assert sorted(p.name for p in (course / "source" / "ps1").iterdir()) == ["assignment.ipynb"]


def test_generate_assignment_strips_the_solutions(course):
    released = course / "release" / "ps1" / "assignment.ipynb"
    cells = _cells(released)
    source = _cells(course / "source" / "ps1" / "assignment.ipynb")
    for k in (1, 2, 3):
        solution = [line for line in _source(source[f"answer_{k}"]).splitlines() if line.startswith(f"answer_{k} = r\"\\")]
        assert solution and solution[0] not in released.read_text().replace("\\\\", "\\")
        assert "raise NotImplementedError()" in _source(cells[f"answer_{k}"])
    assert sorted(p.name for p in (course / "release" / "ps1").iterdir()) == ["assignment.ipynb"]


def _submit(course: Path, student: str, answers: dict[str, str]) -> None:
    nb = json.loads((course / "release" / "ps1" / "assignment.ipynb").read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    folder = course / "submitted" / student / "ps1"
    folder.mkdir(parents=True)
    (folder / "assignment.ipynb").write_text(json.dumps(nb))
    _nbgrader(course, "db", "student", "add", student)


def test_autograde_scores_a_planted_class(course):
    source = _cells(course / "source" / "ps1" / "assignment.ipynb")
    right = {f"answer_{k}": [line for line in _source(source[f"answer_{k}"]).splitlines()
                             if line.startswith(f"answer_{k} = r\"\\")][0] for k in (1, 2, 3)}
    _submit(course, "alice", right)
    _submit(course, "bob", {**right, "answer_1": f'answer_1 = r"{WRONG_W2_11}"'})
    _submit(course, "carol", {})  # the stubs left as released: every answer cell raises
    _nbgrader(course, "autograde", "ps1", "--force")
    _nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as handle:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(handle)}
    assert scores == {"alice": (3.0, 3.0), "bob": (2.0, 3.0), "carol": (0.0, 3.0)}
    graded = _cells(course / "autograded" / "bob" / "ps1" / "assignment.ipynb")
    shown = "".join("".join(o.get("text", "")) for o in graded["check_1"]["outputs"])
    assert "w2_11: wrong (missing_activation_derivative)" in shown


def test_nbgrader_goes_alone_and_writes_no_key():
    with pytest.raises(SpecError, match="nbgrader .* goes alone"):
        exercise_files(MAZUR, "w2_11", formats=["nbgrader", "html"])
    pytest.importorskip("nbformat")
    assert sorted(exercise_files(MAZUR, "w2_11", formats=["nbgrader"], variants=2)) == [
        "assignment-v1.ipynb", "assignment-v2.ipynb"]


def test_the_command_counts_what_it_wrote_in_words(tmp_path, capsys):
    assert main(["exercise", MAZUR, "--ask", "w2_11", "--format", "nbgrader", "-o", str(tmp_path / "one")]) == 0
    assert "wrote 1 file to" in capsys.readouterr().err
    assert main(["exercise", MAZUR, "--ask", "w2_11", "-o", str(tmp_path / "many")]) == 0
    assert "files to" in capsys.readouterr().err
