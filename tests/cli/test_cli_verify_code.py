"""``symbackprop verify SPEC --file BACKWARD.py``: exit codes, JSON, feedback, one-line bad input."""

from __future__ import annotations

import json
import shlex

import pytest
from conftest import ROOT, run_cli

MAKEMORE = str(ROOT / "examples" / "makemore.toml")
CELL = ROOT / "examples" / "makemore_backward.py"
MISTAKES = ROOT / "examples" / "makemore_backward_mistakes.py"


def _file(tmp_path, text, name="cell.py"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_right_cell_exits_0_with_a_table(capsys):
    code, out, err = run_cli(capsys, "verify", MAKEMORE, "--file", str(CELL))
    assert code == 0 and err == ""
    assert "26 of 26 gradients correct, 0 wrong" in out and "  37  dC               correct (exact)" in out


def test_the_planted_mistakes_exit_1_each_named_on_its_line(capsys):
    code, out, _ = run_cli(capsys, "verify", MAKEMORE, "--file", str(MISTAKES))
    assert code == 1
    assert "start at line 19, 24, 28, 41" in out
    for row in ("  19  dW2              wrong: missing transpose", "  24  dbnbias          wrong: missing sum",
                "  28  dbndiff2         wrong: constant factor", "  37  dC               wrong: overwrite",
                "  30  dhprebn          wrong: follows from line 28 (dbndiff2)"):
        assert row in out
    assert "  correct: dW2 = h.T @ dlogits" in out


def test_json_is_a_list_of_objects_and_hint_feedback_hides_the_answer(capsys):
    code, out, _ = run_cli(capsys, "verify", MAKEMORE, "--file", str(MISTAKES), "--json", "--feedback", "hint")
    objects = json.loads(out)
    assert code == 1 and len(objects) == 26 and all("correct_line" not in o for o in objects)
    dw2 = next(o for o in objects if o["target"] == "W2")
    assert dw2["status"] == "wrong" and dw2["diagnosis"]["kind"] == "missing_transpose"
    assert "h.T" not in dw2["diagnosis"]["message"]
    code, out, _ = run_cli(capsys, "verify", MAKEMORE, "--file", str(MISTAKES), "--feedback", "hint")
    assert "correct:" not in out and "h.T @ dlogits" not in out and "mistake (line 19)" in out
    code, out, _ = run_cli(capsys, "verify", MAKEMORE, "--file", str(MISTAKES), "--feedback", "verdict")
    assert "mistake" not in out and "missing transpose" not in out and "  19  dW2              wrong\n" in out


@pytest.mark.parametrize(("text", "message"), [
    ("dW2 = h.T @\n", "cell.py: line 1, column 12: not Python: invalid syntax"),
    ("x = 1\n", "cell.py: the cell assigns no gradient"),
    ("dfoo = 1\n", "cell.py: the cell names nothing in the program: dfoo is not the gradient of its arrays"),
    ("dC = 0 * C\nfor k in range(1000):\n  for j in range(1000):\n    dC += 1\n",
     "cell.py: line 4, column 5: the cell runs more than 20,000 statements"),
    ("dh = dlogits.foo()\n", "cell.py: line 1, column 6: dlogits.foo: arrays have no attribute 'foo' here"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, text, message):
    code, out, err = run_cli(capsys, "verify", MAKEMORE, "--file", _file(tmp_path, text))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("symbackprop: error: ") and message in err, err


def test_a_layered_spec_takes_a_py_file_and_still_reads_homework(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "verify", str(ROOT / "examples" / "mazur.toml"), "--file",
                           str(ROOT / "examples" / "mazur_backward.py"), "--batch", "6")
    assert code == 0 and "9 of 9 gradients correct" in out and "a batch of 6 was drawn" in out
    code, out, _ = run_cli(capsys, "verify", str(ROOT / "examples" / "mazur.toml"), "--file",
                           str(ROOT / "examples" / "homework.txt"))
    assert code == 1 and "4 of 5 correct" in out
    code, _, err = run_cli(capsys, "verify", "2-2-1", "--file", _file(tmp_path, "dW2 = dZ2.T @ A1"), "--batch", "0")
    assert code == 2 and "--batch: expected a number of examples from 1" in err


def test_formulas_on_a_program_point_to_the_code(capsys):
    code, _, err = run_cli(capsys, "verify", MAKEMORE, "--param", "W2", "--formula", "x")
    assert code == 2 and "give its backward code with --file BACKWARD.py" in err


@pytest.mark.parametrize("name", ["makemore_backward.py", "makemore_backward_mistakes.py", "mazur_backward.py"])
def test_the_example_cells_run_as_their_headers_say(name, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    lines = [line.lstrip("# ").strip() for line in (ROOT / "examples" / name).read_text().splitlines()
             if line.lstrip("# ").startswith("symbackprop ")]
    assert lines
    from symbackprop.cli import main

    for line in lines:
        status = main(shlex.split(line)[1:])
        assert status == (1 if "mistakes" in name else 0), (line, capsys.readouterr())
