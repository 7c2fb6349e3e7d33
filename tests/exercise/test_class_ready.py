"""Exercises a class can use: the notebook says in one line how to install symbackprop when
it is missing, reminds the notation (every example in it is read by the parser), asks only
for what is checked, shows the numbers with the problem's picture, and prints verdicts as
words."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from exercise_helpers import MAZUR

import symbackprop as sbp
from symbackprop.exercise import check
from symbackprop.exercise.notebook import setup_cell
from symbackprop.exercise.questions import read_questions
from symbackprop.exercise.sheets import problem_sheet, solution_sheet


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    pytest.importorskip("nbformat")
    out = tmp_path_factory.mktemp("nb")
    assert sbp.__name__  # the package imports in this process
    from symbackprop.cli import main

    assert main(["exercise", MAZUR, "--ask", "w2_11,delta1", "-o", str(out), "--format", "ipynb"]) == 0
    return json.loads((out / "exercise.ipynb").read_text())


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_setup_cell_says_in_one_line_how_to_install_when_the_package_is_missing(lang):
    # -I -S: no site-packages, so symbackprop cannot be found, as on a fresh machine.
    missing = subprocess.run([sys.executable, "-I", "-S", "-c", setup_cell(lang)], capture_output=True, text=True)
    assert missing.returncode == 0 and missing.stderr == ""
    (line,) = missing.stdout.strip().splitlines()
    assert "%pip install symbackprop" in line
    present = subprocess.run([sys.executable, "-c", setup_cell(lang)], capture_output=True, text=True)
    assert sbp.__version__ in present.stdout and "pip install" not in present.stdout


def test_the_notebook_starts_with_the_setup_cell_and_the_notation(notebook):
    cells = notebook["cells"]
    assert _source(cells[1]) == setup_cell("en")
    assert cells[2]["cell_type"] == "markdown" and _source(cells[2]).startswith("**Notation.**")
    # The check cells come after the setup: nothing imports symbackprop before it.
    assert not any("symbackprop" in _source(c) for c in cells[:1] if c["cell_type"] == "code")


def test_every_name_in_the_notation_reminder_is_read_by_the_parser(notebook):
    text = _source(notebook["cells"][2])
    net = sbp.load_spec(MAZUR).network
    examples = [e for row in text.splitlines() if row.startswith("|") and "`" in row
                for e in re.findall(r"`([^`]+)`", row)]
    assert len(examples) >= 12
    vector = [e for e in examples if "^T" in e]
    for e in examples:
        if e not in vector:
            sbp.parse_formula(e, net)  # raises on a name the reader does not know
    assert vector and check(MAZUR, "delta1", vector[0]).status == "correct"
    product = re.search(r"\(`([^`]+\*[^`]+)`\)", text).group(1)
    assert check(MAZUR, "w2_11", product).status == "correct"


def test_a_network_without_sigmoid_gets_no_sigma_in_its_reminder(tmp_path):
    from symbackprop.cli import main

    pytest.importorskip("nbformat")
    assert main(["exercise", "2-2-1", "--ask", "w2_11", "-o", str(tmp_path), "--format", "ipynb",
                 "--activations", "tanh", "--variants", "1"]) == 0
    (path,) = tmp_path.glob("*.ipynb")
    text = _source(json.loads(path.read_text())["cells"][2])
    assert "sigma" not in text and "delta2_1" in text


def test_problems_ask_only_for_the_formula_which_is_what_is_checked():
    qs = read_questions(sbp.load_spec(sbp.EXAMPLE).network, "w2_11,delta1_1,W2")
    asked = problem_sheet(sbp.EXAMPLE, qs).section("questions")
    text = " ".join(s for b in asked.blocks for s in b.spans if isinstance(s, str)).lower()
    assert "and its value" not in text and "value:" not in text and text.count("formula:") == 3
    solved = solution_sheet(sbp.EXAMPLE, qs).section("answers")
    assert any("0.082167" in row[1] for b in solved.blocks if hasattr(b, "rows") for row in b.rows)


def test_the_problem_sheet_shows_every_weight_with_the_picture():
    qs = read_questions(sbp.load_spec(sbp.EXAMPLE).network, "w2_11")
    network = problem_sheet(sbp.EXAMPLE, qs).section("network")
    kinds = [type(b).__name__ for b in network.blocks]
    assert kinds.index("Picture") < len(kinds) - 1
    rows = dict(network.blocks[-1].rows)
    assert "0.15 & 0.2" in rows["W^{(1)}"] and "0.4 & 0.45" in rows["W^{(2)}"] and "0.01" in rows[r"\mathbf{y}"]


def test_feedback_prints_as_words(capsys):
    from IPython.lib.pretty import pretty

    f = check("2-2-1", "w2_11", "(a2_1 - y1) * a1_1")
    assert pretty(f) == str(f) and str(f).startswith("w2_11: wrong (missing_activation_derivative)")
    assert "<Feedback" not in pretty(f)


def test_the_class_table_has_a_total_per_student():
    from symbackprop.exercise.marking import CSV_FIELDS

    assert CSV_FIELDS[-1] == "total"
