"""``symbackprop verify``: exit status 0 correct, 1 wrong, 2 bad input, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from symbackprop.cli.verify import read_homework
from symbackprop.read import FormulaError

RIGHT = "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1"


def test_correct_formula_exits_0(capsys) -> None:
    code, out, err = run_cli(capsys, "verify", "2-2-1", "--param", "w2_11", "--formula", RIGHT)
    assert code == 0 and err == ""
    assert out.startswith("∂L/∂w2_11: correct (symbolic)")


def test_latex_parameter_and_formula(capsys) -> None:
    code, out, _ = run_cli(capsys, "verify", "2-2-1", "--param", "w^{(1)}_{12}", "--formula",
                       r"\delta^{(2)}_1 w^{(2)}_{11} \sigma'(z^{(1)}_1) x_2")
    assert code == 0 and "correct" in out


def test_wrong_formula_exits_1_with_diagnosis(capsys) -> None:
    code, out, err = run_cli(capsys, "verify", "2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1) * a1_1")
    assert code == 1 and err == ""
    assert "wrong" in out and "mistake: Missing the activation-derivative factor" in out
    assert "correct:  a1_1*a2_1*(1 - a2_1)*(a2_1 - y1)" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1 *"], "formula: formula ends too early"),
        (["2-2-1", "--param", "w2_11", "--formula", "q * a1_1"], "unknown name 'q'"),
        (["2-2-1", "--param", "w9_11", "--formula", "a1_1"], "did you mean 'w2_11'"),
        (["2-x-1", "--param", "w2_11", "--formula", "a1_1"], "spec"),
        (["missing.toml", "--param", "w2_11", "--formula", "a1_1"], "not found"),
        (["2-2-1", "--formula", "a1_1"], "param: missing"),
        (["2-2-1", "--param", "w2_11"], "either"),
        (["2-2-1", "--file", "/nonexistent/hw.txt"], "not found"),
        (["2-2-1", "--file", "hw.txt", "--param", "w2_11"], "--param goes with --formula"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment) -> None:
    code, out, err = run_cli(capsys, "verify", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert "Traceback" not in err


def test_homework_file(capsys, tmp_path: Path) -> None:
    hw = tmp_path / "hw.txt"
    hw.write_text(
        "# homework 3\n\n"
        f"w2_11: {RIGHT}\n"
        "w2_11: (a2_1 - y1) * a1_1   # forgot sigma'\n"
        "w^{(1)}_{12}: \\delta^{(1)}_1 x_2\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "verify", "2-2-1", "--file", str(hw))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["line", "param", "verdict"]
    assert lines[1].split()[:3] == ["3", "w2_11", "correct:"]
    assert lines[2].split()[:3] == ["4", "w2_11", "wrong:"]
    assert "2 of 3 correct, 1 wrong, 0 unreadable" in out
    hw.write_text(f"w2_11: {RIGHT}\nw1_11: \\delta^{{(1)}}_1 x_1\n", encoding="utf-8")
    assert run_cli(capsys, "verify", "2-2-1", "--file", str(hw))[0] == 0
    hw.write_text(f"w2_11: {RIGHT}\nw1_11: (x_1\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "verify", "2-2-1", "--file", str(hw))
    assert code == 2 and "unreadable" in out


def test_homework_file_saved_with_a_bom_and_crlf(capsys, tmp_path: Path) -> None:
    # "UTF-8 with BOM" (Windows editors): the BOM was read as part of line 1, so its
    # parameter became '\ufeffw2_11' (unreadable) or its comment 'expected param: formula'.
    hw = tmp_path / "hw.txt"
    hw.write_bytes(f"# homework\r\nw2_11: {RIGHT}\r\n".encode("utf-8-sig"))
    code, out, err = run_cli(capsys, "verify", "2-2-1", "--file", str(hw))
    assert (code, err) == (0, "") and "1 of 1 correct" in out
    hw.write_bytes(f"w2_11: {RIGHT}\r\n".encode("utf-8-sig"))
    code, out, err = run_cli(capsys, "verify", "2-2-1", "--file", str(hw))
    assert (code, err) == (0, "") and "1 of 1 correct" in out


def test_read_homework_rejects_lines_without_a_colon() -> None:
    assert read_homework("a: b # c\n# x\n\n") == [(1, "a", "b")]
    with pytest.raises(FormulaError, match="line 2"):
        read_homework("a: b\nno colon here\n")


def test_spec_file_with_a_graph(capsys, tmp_path: Path) -> None:
    spec = tmp_path / "g.toml"
    spec.write_text('[graph]\ninputs = ["x", "y", "z"]\nnodes = { q = "x + y", f = "q * z" }\noutput = "f"\n')
    code, out, _ = run_cli(capsys, "verify", str(spec), "--param", "x", "--formula", "z")
    assert code == 0 and out.startswith("∂f/∂x: correct")
