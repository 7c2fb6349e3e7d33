"""``--feedback verdict|hint|full`` for formula verdicts: what each level shows, and hides."""

from __future__ import annotations

import json

import pytest

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.errors import SymbackpropError
from symbackprop.exercise import check
from symbackprop.verify import verify
from symbackprop.verify.report import HINTS

NET = sbp.mlp([2, 3, 2])
VECTOR_WRONG = r"\frac{\partial L}{\partial W^{(2)}} = \mathbf{a}^{(1)} (\boldsymbol{\delta}^{(2)})^T"
SCALAR_WRONG = "(a2_1 - y1) * a1_1"


def test_each_level_of_a_vector_verdict() -> None:
    full = verify(NET, None, VECTOR_WRONG)
    assert full.status == "wrong" and "write δ⁽²⁾(a⁽¹⁾)ᵀ" in full.diagnosis.sentence
    hint = full.with_feedback("hint")
    text = str(hint)
    assert HINTS[full.diagnosis.kind] in text
    # neither the corrected formula nor the expected one
    for leak in ("δ⁽²⁾(a⁽¹⁾)ᵀ", full.expected_latex, "correct:", "write"):
        assert leak not in text and leak not in json.dumps(hint.as_dict(), ensure_ascii=False), leak
    assert hint.as_dict()["expected"] is None and hint.as_dict()["feedback"] == "hint"
    verdict = full.with_feedback("verdict")
    assert str(verdict).splitlines()[0] == str(full).splitlines()[0]  # the status line, unchanged
    assert "mistake" not in str(verdict) and verdict.as_dict()["diagnosis"] is None


def test_a_hint_keeps_the_counterexample() -> None:
    full = verify(NET, "w2_11", SCALAR_WRONG)
    hint = full.with_feedback("hint")
    assert full.counterexample is not None and "counterexample" in str(hint)
    assert hint.as_dict()["counterexample"] == full.as_dict()["counterexample"]
    assert "∂a2_1/∂z2_1" in full.diagnosis.sentence and "∂a2_1/∂z2_1" not in str(hint)  # the missing factor
    assert "counterexample" not in str(full.with_feedback("verdict"))
    for fmt in ("_repr_markdown_", "_repr_html_"):
        shown = getattr(hint, fmt)()
        assert HINTS["missing_activation_derivative"] in shown and "a2_1*(1 - a2_1)" not in shown


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(SymbackpropError, match="feedback: expected one of verdict, hint, full"):
        verify(NET, "w2_11", SCALAR_WRONG).with_feedback("some")


@pytest.mark.parametrize("level, shows, hides", [
    ("full", ["mistake:", "correct:", "counterexample"], []),
    ("hint", ["mistake:", "counterexample", HINTS["missing_activation_derivative"]], ["correct:", "∂a2_1/∂z2_1"]),
    ("verdict", ["wrong"], ["mistake:", "correct:", "counterexample"]),
])
def test_the_command_line_levels(capsys, level, shows, hides) -> None:
    assert main(["verify", "2-3-2", "--param", "w2_11", "--formula", SCALAR_WRONG, "--feedback", level]) == 1
    out = capsys.readouterr().out
    for s in shows:
        assert s in out, (level, s)
    for s in hides:
        assert s not in out, (level, s)


def test_a_homework_file_and_json_take_the_level(tmp_path, capsys) -> None:
    homework = tmp_path / "hw.txt"
    homework.write_text(f"w2_11: {SCALAR_WRONG}\n{VECTOR_WRONG}\n", encoding="utf-8")
    assert main(["verify", "2-3-2", "--file", str(homework), "--feedback", "hint", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["diagnosis"]["message"] for r in rows] == [HINTS["missing_activation_derivative"],
                                                          HINTS["transposed_gradient"]]
    assert all(r["expected"] is None for r in rows)
    assert main(["verify", "2-3-2", "--file", str(homework), "--feedback", "hint"]) == 1
    out = capsys.readouterr().out
    assert "correct:" not in out and HINTS["transposed_gradient"] in out


def test_notebook_checks_default_to_hints() -> None:
    f = check("2-3-2", "W2", r"a^{(1)} (\delta^{(2)})^T")
    assert f.status == "wrong" and f.message == HINTS["transposed_gradient"]
    assert "δ⁽²⁾(a⁽¹⁾)ᵀ" not in str(f) and "δ⁽²⁾(a⁽¹⁾)ᵀ" not in f._repr_html_()
    assert "write δ⁽²⁾(a⁽¹⁾)ᵀ" in check("2-3-2", "W2", r"a^{(1)} (\delta^{(2)})^T", feedback="full").message
    assert f.question == "W⁽²⁾" and check("2-3-2", "z1_2", "1").question == "δ1_2"
