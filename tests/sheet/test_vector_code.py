"""``sheet --code``: a layered network's batch equations beside the code that computes them."""

from __future__ import annotations

import pytest
from conftest import run_cli

import symbackprop as sbp
from symbackprop.derive.layered_code import layered_module, vector_code_rows
from symbackprop.sheet.model import Code, Math, Table


def _table(sheet: sbp.Sheet) -> Table | None:
    vector = sheet.section("vector")
    tables = [b for b in vector.blocks if isinstance(b, Table)]
    return tables[0] if tables else None


def test_the_vector_section_pairs_each_equation_with_its_code():
    net = sbp.mlp([2, 3, 2], activation=["tanh", "softmax"], loss="cross_entropy")
    table = _table(sbp.build_sheet(net, detail="worked", code="numpy"))
    rows = [(math.latex, code.text) for ((math,), (code,)) in table.rows]  # type: ignore[misc]
    assert rows[0][0].startswith(r"\Delta^{(2)} = A^{(2)} - Y")
    assert rows[0][1] == "dZ2 = (A2 * Y.sum(axis=1, keepdims=True) - Y) / m"
    assert rows[1] == (r"\Delta^{(1)} = \left(W^{(2)}\right)^{\top} \Delta^{(2)} \odot \tanh'\left(Z^{(1)}\right)",
                       "dA1 = dZ2 @ W2; dZ1 = (1 - A1**2) * dA1")
    assert [r[1] for r in rows[2:]] == ["dW1 = dZ1.T @ X", "db1 = dZ1.sum(axis=0)", "dW2 = dZ2.T @ A1",
                                        "db2 = dZ2.sum(axis=0)", "dX = dZ1 @ W1"]


@pytest.mark.parametrize("language", ["numpy", "torch"])
def test_every_line_of_the_table_is_a_line_of_the_generated_module(language):
    net = sbp.mlp([3, 4, 4, 2], activation=["relu", "sigmoid", "sigmoid"], loss="mse")
    module = layered_module(net, language)
    statements = [line.split("  #")[0].strip() for line in module.splitlines()]
    for _, lines in vector_code_rows(net, language):
        for line in lines:
            assert line in statements, line


def test_code_is_shown_only_when_asked_and_programs_keep_theirs(capsys):
    assert _table(sbp.build_sheet(sbp.mlp([2, 2, 1]))) is None
    status, out, _ = run_cli(capsys, "sheet", "2-3-2", "--code", "torch", "--detail", "summary")
    assert status == 0 and "dW2" not in out  # a summary has no vector section
    status, out, _ = run_cli(capsys, "sheet", "2-3-2", "--code", "torch")
    assert status == 0 and "`dW2 = dZ2.T @ A1`" in out and "db2 = dZ2.sum(0)" in out


def test_the_korean_sheet_says_it_in_korean():
    table_sheet = sbp.build_sheet(sbp.mlp([2, 2, 1]), code="numpy", lang="ko")
    intro = [b for b in table_sheet.section("vector").blocks if not isinstance(b, Table)][-1]
    text = "".join(s if isinstance(s, str) else "" for s in intro.spans)
    assert "코드" in text and any(isinstance(s, Code) for s in intro.spans) and any(isinstance(s, Math) for s in intro.spans)
