"""The notebook runs under a real Jupyter kernel and shows the right verdicts; it holds the
spec and the questions but never the answers; without nbformat the core still imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import run_cli
from exercise_helpers import MAZUR, RIGHT_W2_11, WRONG_KIND, WRONG_W2_11, fill

from symbackprop.errors import SymbackpropError


def test_the_executed_notebook_shows_correct_wrong_and_unanswered(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code, _, err = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11,W2,delta1", "-o", str(tmp_path),
                       "--format", "ipynb")
    assert code == 0, err
    text = (tmp_path / "exercise.ipynb").read_text()
    # The answers are derived when the notebook runs, not stored in it.
    key = json.loads((tmp_path / "key.json").read_text())[0]["answers"]
    assert "0.0821670" not in text and key["w2_11"]["formula"] not in text.replace("\\\\", "\\")
    filled = fill(json.loads(text), {"w2_11": WRONG_W2_11, "W^{(2)}": r"\delta^{(2)} (a^{(1)})^T"})
    nb = nbformat.reads(json.dumps(filled), as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("check("):
            (out,) = [o for o in cell.outputs if o.output_type == "execute_result"]
            shown[cell.source] = out["data"]
    plain = [d["text/plain"] for d in shown.values()]
    # Text output says the verdict in words (what a console or a grader's text view shows),
    # names as the sheet prints them, not raw LaTeX.
    assert [p.splitlines()[0] for p in plain] == ["w2_11: wrong (missing_activation_derivative)", "W⁽²⁾: correct",
                                                  "δ⁽¹⁾: unanswered"]
    assert not any(p.startswith("<Feedback") for p in plain)
    html = list(shown.values())
    assert "<math" in html[0]["text/html"] and "counterexample" in html[0]["text/html"]
    # the planted mistake named in words (hint feedback), not with its repair
    assert "passes through an activation" in html[0]["text/html"]
    assert "<math" in html[1]["text/html"] and "color:#1a7f37" in html[1]["text/html"]
    assert "no answer yet" in html[2]["text/html"]


def test_the_check_a_notebook_calls_names_the_mistake_and_hides_the_answer():
    from symbackprop.exercise import check

    right, wrong = check(MAZUR, "w2_11", RIGHT_W2_11), check(MAZUR, "w2_11", WRONG_W2_11)
    assert (right.status, wrong.status, wrong.kind) == ("correct", "wrong", WRONG_KIND)
    assert "0.4398" in wrong.counterexample  # what the planted formula gives at the spec's numbers
    # The verdict's correct formula is not shown to the student.
    assert r"\left(1 - a^{(2)}_{1}\right)" not in wrong._repr_html_() + str(wrong)
    assert check(MAZUR, "w2_11", "a2_1 +* 2").status == "unreadable"
    with pytest.raises(SymbackpropError, match="w3_11"):
        check(MAZUR, "w3_11", RIGHT_W2_11)  # the teacher's question, not the student's answer


def test_without_nbformat_the_core_imports_and_ipynb_is_one_line_error(tmp_path):
    script = (
        "import sys; sys.modules['nbformat'] = None\n"
        "import symbackprop.exercise, symbackprop.cli.exercise\n"
        "from symbackprop.cli import main\n"
        f"sys.exit(main(['exercise', {MAZUR!r}, '--ask', 'w2_11', '--format', 'ipynb', '-o', {str(tmp_path)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == ('symbackprop: error: notebook: writing .ipynb needs nbformat; install it with '
                                   'pip install "symbackprop[notebook]"')
    assert list(tmp_path.iterdir()) == []


def test_a_latex_answer_without_r_is_told_to_keep_its_backslashes():
    from symbackprop.exercise import check

    # What answer = "\frac{1}{2} ..." holds in Python: a form feed, then "rac".
    f = check(MAZUR, "w2_11", "\frac{1}{2} " + RIGHT_W2_11)
    assert f.status == "unreadable" and "'\\x0c'" in f.message and 'r"..."' in f.message
    assert check(MAZUR, "w2_11", r"\frac{1}{2} " + RIGHT_W2_11).kind == "constant_factor"
    assert check(MAZUR, "w2_11", RIGHT_W2_11.replace(" ", " \t ")).status == "correct"  # a tab between terms
