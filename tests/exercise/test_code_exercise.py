"""Code questions: ``exercise --ask dW2,dhprebn`` on a program or a layered network, the notebook
that checks code with hint feedback, and ``mark`` reading code answers back."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import ROOT, run_cli

from symbackprop.errors import SpecError
from symbackprop.exercise import check_code, exercise_files
from symbackprop.exercise.table import unescape_cell

MAKEMORE = str(ROOT / "examples" / "makemore.toml")
LAYERED = {"layers": [2, 3, 2], "activation": ["sigmoid", "softmax"], "loss": "cross_entropy"}
RIGHT_DHPREBN = "dhprebn = dbndiff.clone()\ndhprebn += 1.0/n * (torch.ones_like(hprebn) * dbnmeani)"


def _fill(notebook: dict, answers: dict[str, str]) -> dict:
    for cell in notebook["cells"]:
        q = cell.get("metadata", {}).get("symbackprop", {}).get("question")
        if q in answers:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = source.split(" = ")[0] + f' = r"""\n{answers[q]}\n"""'
    return notebook


def test_a_program_s_code_exercise_asks_and_answers_in_its_own_library():
    files = exercise_files(MAKEMORE, "dW2,dhprebn", formats=["md"])
    assert sorted(files) == ["key.json", "problems.md", "solutions.md"]
    problems, solutions = files["problems.md"], files["solutions.md"]
    assert "Question 1. Write the code of `dW2`, the gradient of the loss with respect to `W2` (shape (64, 27))" \
        in problems
    assert "dW2 = h.T @ dlogits" not in problems and "dW2 = h.T @ dlogits" in solutions
    assert "dhprebn = dbndiff.clone()\ndhprebn += 1 / n * dbnmeani" in solutions  # PyTorch, as the program
    key = json.loads(files["key.json"])
    assert key[0]["questions"] == ["dW2", "dhprebn"] and key[0]["answers"]["dW2"]["code"] == ["dW2 = h.T @ dlogits"]
    # The key's answers are right by the checker itself.
    for q, answer in key[0]["answers"].items():
        assert check_code(MAKEMORE, q, "\n".join(answer["code"])).status == "correct"


def test_a_layered_network_s_code_exercise_with_variants():
    files = exercise_files(LAYERED, "dW2,dZ1", variants=2, seed=5, formats=["md"])
    assert sorted(files) == ["key.json", "problems-v1.md", "problems-v2.md", "solutions-v1.md", "solutions-v2.md"]
    assert "dW2 = dZ2.T @ A1" in files["solutions-v1.md"]


@pytest.mark.parametrize(("spec", "ask", "kwargs", "message"), [
    (MAKEMORE, "W2", {}, "--ask: 'W2' is not the gradient of a name of this [program]; ask for its code as dW2"),
    (MAKEMORE, "dXb", {}, "--ask: 'dXb' is not the gradient of a name of this [program]"),
    (MAKEMORE, "dW2", {"variants": 2}, "--variants: a [program]'s code exercise has one version"),
    (LAYERED, "W2,dW2", {}, "--ask: ask for formulas (W2, delta1, w2_11) or for code (dW2, dZ1)"),
])
def test_questions_that_cannot_be_asked_are_the_teacher_s_error(spec, ask, kwargs, message):
    with pytest.raises(SpecError) as info:
        exercise_files(spec, ask, formats=["md"], **kwargs)
    assert str(info.value).startswith(message), str(info.value)


def test_check_code_gives_hints_not_answers():
    wrong = check_code(MAKEMORE, "dW2", "dW2 = h @ dlogits")
    assert wrong.status == "wrong" and wrong.kind == "missing_transpose" and "h.T" not in wrong.message
    follows = check_code(MAKEMORE, "dhprebn", "dbndiff = bnvar_inv * dbnraw\n" + RIGHT_DHPREBN)
    assert follows.status == "wrong" and follows.kind == "follows_from" and "line 1" in follows.message
    assert check_code(MAKEMORE, "dhprebn", RIGHT_DHPREBN).status == "correct"
    assert check_code(MAKEMORE, "dW2", "# nothing yet\n").status == "unanswered"
    assert check_code(MAKEMORE, "dW2", "dh = dlogits @ W2.T").status == "unanswered"
    unreadable = check_code(MAKEMORE, "dW2", "dW2 = h.T @@ dlogits")
    assert unreadable.status == "unreadable" and unreadable.message.startswith("line 1, column")
    full = check_code(MAKEMORE, "dW2", "dW2 = h @ dlogits", feedback="full")
    assert "dW2 = h.T @ dlogits" in full.message


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    pytest.importorskip("nbformat")
    folder = tmp_path_factory.mktemp("code-exercise")
    for name, text in exercise_files(MAKEMORE, "dW2,dhprebn", formats=["ipynb"]).items():
        (folder / name).write_text(text)
    return folder


def test_the_notebook_checks_code_under_a_real_kernel(exercise, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.reads(json.dumps(_fill(json.loads((exercise / "exercise.ipynb").read_text()),
                                         {"dW2": "dW2 = h @ dlogits"})), as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                            ).execute()
    shown = [o for cell in nb.cells if cell.cell_type == "code" and cell.source.startswith("check_code")
             for o in cell.outputs if o.output_type == "execute_result"]
    first, second = (o["data"]["text/html"] for o in shown)
    assert "dW2: wrong" in first and "transpose" in first and "h.T" not in first
    assert "dhprebn: unanswered" in second


def test_mark_reads_code_answers_into_rows(exercise, tmp_path, capsys):
    notebook = json.loads((exercise / "exercise.ipynb").read_text())
    answers = tmp_path / "answers"
    answers.mkdir()
    plants = {"ann": {"dW2": "dW2 = h.T @ dlogits", "dhprebn": RIGHT_DHPREBN},
              "bob": {"dW2": "dW2 = h @ dlogits", "dhprebn": "dhprebn = dbndiff.clone()"},
              "cat": {"dW2": "dW2 = (h.T @ dlogits"}}
    for student, given in plants.items():
        (answers / f"{student}.ipynb").write_text(json.dumps(_fill(json.loads(json.dumps(notebook)), given)))
    code, out, err = run_cli(capsys, "mark", str(answers), "--key", str(exercise / "key.json"))
    rows = {(r["student"], r["question"]): r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0
    assert rows["ann", "dW2"]["status"] == "correct" and rows["ann", "dhprebn"]["status"] == "correct"
    assert rows["bob", "dW2"]["status"] == "wrong" and rows["bob", "dW2"]["mistake"] == "missing_transpose"
    assert rows["bob", "dhprebn"]["mistake"] == "missing_path" and "bnmeani" in rows["bob", "dhprebn"]["message"]
    assert rows["cat", "dW2"]["status"] == "unreadable" and rows["cat", "dhprebn"]["status"] == "unanswered"
    # The code, lines and all (a cell starting with a line break is neutralised for spreadsheets).
    assert unescape_cell(rows["ann", "dhprebn"]["answer"]).strip() == RIGHT_DHPREBN
    assert "dW2: 1 of 3 correct, 1 wrong, 0 unanswered, 1 unreadable; commonest mistakes: missing_transpose ×1" in err


def test_a_py_file_handed_in_answers_every_code_question(exercise, tmp_path, capsys):
    answers = tmp_path / "py"
    answers.mkdir()
    (answers / "dan.py").write_text((ROOT / "examples" / "makemore_backward.py").read_text())
    (answers / "eve.py").write_text((ROOT / "examples" / "makemore_backward_mistakes.py").read_text())
    code, out, _ = run_cli(capsys, "mark", str(answers), "--key", str(exercise / "key.json"))
    rows = {(r["student"], r["question"]): r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and rows["dan", "dW2"]["status"] == "correct" and rows["dan", "dhprebn"]["status"] == "correct"
    assert rows["eve", "dW2"]["mistake"] == "missing_transpose"
    assert rows["eve", "dhprebn"]["mistake"] == "follows_from" and "line 28" in rows["eve", "dhprebn"]["message"]
