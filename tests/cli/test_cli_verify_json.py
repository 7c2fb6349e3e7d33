"""``verify --json``: one object per verdict, a list for a homework file, exit codes unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from symbackprop.verify import STATUSES

RIGHT = r"\delta^{(2)}_1 a^{(1)}_1"
WRONG = "(a2_1 - y1) * a1_1"


def test_one_verdict_is_one_object(capsys) -> None:
    code, out, err = run_cli(capsys, "verify", "2-2-1", "--json", "--param", "w2_11", "--formula", WRONG)
    obj = json.loads(out)
    assert code == 1 and err == ""
    assert obj["status"] == "wrong" and obj["status"] in STATUSES
    assert obj["method"].startswith("numeric")
    assert obj["diagnosis"]["kind"] == "missing_activation_derivative" and obj["diagnosis"]["message"]
    assert obj["expected"] == r"a^{(1)}_{1} a^{(2)}_{1} \left(1 - a^{(2)}_{1}\right) \left(a^{(2)}_{1} - y_{1}\right)"
    ce = obj["counterexample"]
    assert ce["formula_value"] != ce["expected_value"] and "w2_11" in ce["point"]
    code, out, _ = run_cli(capsys, "verify", "2-2-1", "--json", "--formula", f"dL/dw2_11 = {RIGHT}")
    obj = json.loads(out)
    assert code == 0 and obj["status"] == "correct" and obj["diagnosis"] is None and obj["counterexample"] is None


def test_homework_is_a_list(tmp_path, capsys) -> None:
    hw = tmp_path / "hw.txt"
    hw.write_text(f"w2_11: {RIGHT}\ndL/dw2_11 = {WRONG}\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "verify", "2-2-1", "--json", "--file", str(hw))
    items = json.loads(out)
    assert code == 1 and [i["status"] for i in items] == ["correct", "wrong"] and [i["line"] for i in items] == [1, 2]
    hw.write_text(f"w2_11: {RIGHT}\ndL/dw2_19 = {WRONG}\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "verify", "2-2-1", "--json", "--file", str(hw))
    items = json.loads(out)
    assert code == 2 and items[1]["status"] == "unreadable" and "did you mean" in items[1]["error"]


def test_bad_input_prints_no_json(capsys) -> None:
    code, out, err = run_cli(capsys, "verify", "2-2-1", "--json", "--formula", "dL/dw2_11 = a1_1 +")
    assert code == 2 and out == "" and err.count("\n") == 1


def test_the_worked_example_in_its_own_names(capsys) -> None:
    """examples/: a spec with [notation] and a homework of whole equations, one planted mistake."""
    root = Path(__file__).resolve().parents[2] / "examples"
    code, out, _ = run_cli(capsys, "verify", str(root / "mazur_notation.toml"), "--json",
                       "--file", str(root / "homework_mazur.txt"))
    items = json.loads(out)
    assert code == 1 and [i["status"] for i in items].count("correct") == len(items) - 1
    (wrong,) = [i for i in items if i["status"] == "wrong"]
    assert wrong["param"] == "out_{h1}" and wrong["diagnosis"]["kind"] == "swapped_indices"
    assert "transpose" in wrong["diagnosis"]["message"]
    assert wrong["counterexample"]["point"]["i_1"] == 0.05  # the spec's own numbers, in its names
