"""Scalar feedback: the missing transpose in a δ sum, the spec's own numbers, natural ranges."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.read import EXAMPLE, load_spec
from symbackprop.verify import verify

SIGMA = "\\sigma'"


@pytest.mark.parametrize("sizes", [[2, 2, 2], [2, 3, 3], [3, 3, 2]])
def test_missing_transpose_in_a_delta_sum_is_named(sizes) -> None:
    net = sbp.mlp(sizes)
    n = sizes[2]
    right = rf"\delta^{{(1)}}_2 = \sum_{{k=1}}^{{{n}}} w^{{(2)}}_{{k2}} \delta^{{(2)}}_k {SIGMA}(z^{{(1)}}_2)"
    assert verify(net, None, right).status == "correct"
    wrong = right.replace("w^{(2)}_{k2}", "w^{(2)}_{2k}")
    v = verify(net, None, wrong)
    assert v.status == "wrong" and v.diagnosis.kind == "swapped_indices"
    assert "missing transpose" in v.diagnosis.sentence and "(W^(2))ᵀδ" in v.diagnosis.sentence


def test_counterexample_at_the_specs_own_values(capsys) -> None:
    v = verify(load_spec(EXAMPLE), "w2_11", "(a2_1 - y1) * a1_1")
    assert v.status == "wrong" and v.method.startswith("numeric, the spec's [values] and")
    point = {sbp.plain_text(s): Fraction(str(x)) for s, x in v.counterexample.point.items()}
    assert point["x1"] == Fraction(1, 20) and point["w2_11"] == Fraction(2, 5) and point["y2"] == Fraction(99, 100)
    # the derivative there is the classic worked example's 0.0821670...
    assert float(v.counterexample.expected_value) == pytest.approx(0.08216704056, rel=1e-9)
    # a correct formula is still proved
    assert verify(load_spec(EXAMPLE), "w2_11", "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1").status == "correct"


def test_targets_from_the_outputs_natural_range() -> None:
    for act, low, high in (("sigmoid", 0, 1), ("tanh", -1, 1)):
        net = sbp.mlp([2, 2, 2], activation=act)
        v = verify(net, "w2_11", "(a2_1 - y1) * a1_1")
        y = [float(x) for s, x in v.counterexample.point.items() if sbp.plain_text(s).startswith("y")]
        assert y and all(low < t < high for t in y), (act, y)
    net = sbp.mlp([2, 2, 2], activation="identity")  # any real output: any real target
    assert verify(net, "w2_11", "2 * (a2_1 - y1) * a1_1").status == "wrong"


def test_counterexample_values_have_a_few_digits(capsys) -> None:
    assert main(["verify", "2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1) * a1_1"]) == 1
    out = capsys.readouterr().out
    (pair,) = re.findall(r"the formula gives (\S+), the derivative is (\S+)", out)
    for text in pair:
        digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
        assert 0 < len(digits) <= 6, text
