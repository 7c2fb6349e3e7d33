"""Bad input in the new notation: one line naming what and where, exit 2; wrong answers stay answers."""

from __future__ import annotations

import pytest

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.errors import FormulaError, SpecError
from symbackprop.verify import verify

NET = sbp.mlp([2, 3, 2])


@pytest.mark.parametrize("formula, words", [
    (r"dW^{[2]} = \frac{1}{m} dW^{[2]}", "dW is a gradient asked for"),
    (r"dW^{[2]} = \frac{1}{m} \sum_{i=1}^{5} dZ^{[2](i)}", r"runs over the m examples"),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]} \odot \mathbb{1}[Z^{[1]} > A^{[1]}]", "the vector, then a number"),
    (r"\frac{\partial L}{\partial Z^{[1]}} = dZ^{[1]}", "write dZ^{[l]}"),
    (r"dW^{[3]} = 1", "unknown name"),
    (r"\delta^{(2)}_1 = \mathbf{1}_m", "needs a whole layer"),
])
def test_unreadable_notation_is_one_line_and_exit_2(formula, words, capsys) -> None:
    assert main(["verify", "2-3-2", "--formula", formula]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err


def test_a_column_of_ones_where_a_matrix_belongs_is_a_wrong_answer() -> None:
    v = verify(NET, None, r"db^{[1]} = \mathbf{1}_m")
    assert v.status == "wrong" and v.method == "shapes"


def test_a_generic_line_with_too_many_instances_is_refused() -> None:
    with pytest.raises(FormulaError, match="instances here; at most 60 are checked"):
        verify(sbp.mlp([10, 10, 10]), None, r"\frac{\partial L}{\partial w^{(l)}_{ji}} = \delta^{(l)}_j a^{(l-1)}_i")


@pytest.mark.parametrize("spec, words", [
    ({"graph": {"inputs": ["x"], "nodes": {"f": "x^2"}, "output": "f"}, "notation": {"layout": "rows"}},
     "the row layout is for a layered network"),
    ({"layers": [2, 2], "notation": {"layout": 3}}, "notation.layout: expected"),
    ({"layers": [2, 2], "notation": {"a": "q"}}, "notation.a"),
    ({"layers": [2, 2], "notation": {"h": "x^{(1)}"}}, "notation.h"),
])
def test_bad_notation_tables_name_the_field(spec, words) -> None:
    with pytest.raises(SpecError, match=words.replace("(", r"\(").replace(")", r"\)")):
        sbp.load_spec(spec)
