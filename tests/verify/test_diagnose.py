"""Planted mistakes: each one must be found wrong and named."""

from __future__ import annotations

import pytest

from symbackprop.graph import mlp
from symbackprop.verify import MISTAKES, verify

SIG = mlp([2, 2, 1])
SIG222 = mlp([2, 2, 2])
MSE = mlp([2, 2, 3], loss="mse")
TANH = mlp([2, 3, 2], activation="tanh")
SIG3 = mlp([2, 2, 2, 1])

CASES = [
    # (network, parameter, planted wrong formula, expected kind, words the sentence must use)
    (SIG, "w2_11", "2 (a2_1 - y1) a2_1 (1 - a2_1) a1_1", "constant_factor", "½"),
    (SIG, "w2_11", "(y1 - a2_1) a2_1 (1 - a2_1) a1_1", "constant_factor", "sign"),
    (SIG, "w2_11", "3 (a2_1 - y1) a2_1 (1 - a2_1) a1_1", "constant_factor", "3"),
    (MSE, "w2_11", "2 (a2_1 - y1) a2_1 (1 - a2_1) a1_1", "constant_factor", "n = 3"),
    (SIG, "w2_11", "(a2_1 - y1) a1_1", "missing_activation_derivative", "∂a2_1/∂z2_1"),
    (SIG, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} x_2", "missing_activation_derivative", "∂a1_1/∂z1_1"),
    (TANH, "w1_12", r"\sum_k \delta^{(2)}_k w^{(2)}_{k1} x_2", "missing_activation_derivative", "1 - a1_1**2"),
    (SIG3, "w1_11", r"\delta^{(3)}_1 w^{(3)}_{11} w^{(2)}_{11} a^{(1)}_1 (1 - a^{(1)}_1) x_1 + \delta^{(3)}_1 w^{(3)}_{12} w^{(2)}_{21} a^{(1)}_1 (1 - a^{(1)}_1) x_1",
     "missing_activation_derivative", "layer 2"),
    (SIG3, "w1_11", r"\delta^{(3)}_1 \left(w^{(3)}_{11} w^{(2)}_{11} + w^{(3)}_{12} w^{(2)}_{21}\right) x_1",
     "missing_activation_derivative", "every"),
    (SIG, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} \sigma'(z^{(2)}_1) x_2", "activation_derivative_wrong_layer", "wrong layer"),
    (SIG, "w2_11", r"\delta^{(2)}_1 a^{(2)}_1", "input_wrong_layer", "a1_1"),
    (SIG222, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} a^{(1)}_1 (1-a^{(1)}_1) x_2", "missing_path", "z2_2"),
    (SIG222, "w1_12", r"\left(2 \delta^{(2)}_1 w^{(2)}_{11} + \delta^{(2)}_2 w^{(2)}_{21}\right) a^{(1)}_1 (1-a^{(1)}_1) x_2", "extra_path", "twice"),
    (SIG222, "w2_11", r"\delta^{(2)}_1 a^{(1)}_1 + \delta^{(2)}_2 a^{(1)}_1", "extra_path", "w2_21"),
    (SIG222, "w1_12", r"\delta^{(1)}_2 x_1", "swapped_indices", "swapped"),
    (SIG222, "w1_12", r"\sum_k \delta^{(2)}_k w^{(2)}_{1k} a^{(1)}_1 (1-a^{(1)}_1) x_2", "swapped_indices", "w^(2)_(ij)"),
    (SIG, "w1_12", r"\delta^{(1)}_1 x_1", "wrong_index", "input"),
    (SIG222, "w2_12", r"\delta^{(2)}_1 a^{(1)}_1", "wrong_index", "input 2"),
    (SIG222, "w1_11", r"\delta^{(2)}_1 a^{(1)}_1", "wrong_layer", "layer 2"),
    (SIG, "w2_11", r"\delta^{(2)}_1 a^{(1)}_1 x_1", "missing_factor", None),
]


@pytest.mark.parametrize("net, param, formula, kind, words", CASES)
def test_planted_mistake_is_named(net, param, formula, kind, words) -> None:
    v = verify(net, param, formula)
    assert v.status == "wrong"
    if kind == "missing_factor":
        # not a mistake of the list: the diagnosis must not pretend it is one
        assert v.diagnosis.kind in ("unknown", "missing_factor")
        return
    assert v.diagnosis.kind == kind, v.diagnosis.sentence
    assert words in v.diagnosis.sentence
    assert v.diagnosis.sentence.count(". ") <= 2  # a sentence or two, not an essay


def test_every_kind_is_planted_at_least_once() -> None:
    planted = {kind for *_, kind, _ in CASES}
    assert set(MISTAKES) - planted <= {"wrong_parameter", "missing_factor"}


def test_mistake_combined_with_a_factor() -> None:
    v = verify(SIG, "w2_11", "-(a2_1 - y1) a1_1")
    assert v.diagnosis.kind == "missing_activation_derivative"
    assert v.diagnosis.factor == -1 and "factor -1" in v.diagnosis.sentence


def test_correct_formula_gets_no_diagnosis_and_unrelated_one_gets_unknown() -> None:
    assert verify(SIG, "w2_11", "(a2_1 - y1) a2_1 (1 - a2_1) a1_1").diagnosis is None
    v = verify(SIG, "w2_11", "x1 + x2 + 7")
    assert v.diagnosis.kind == "unknown"


def test_many_paths_fall_back_to_the_delta_level() -> None:
    net = mlp([1, 1, 20, 20, 2], activation="tanh")  # 800 paths from w1_11 to the loss
    v = verify(net, "w1_11", r"\sum_k \delta^{(2)}_k w^{(2)}_{k1} x_1")
    assert v.status == "wrong"
    assert v.diagnosis.kind == "missing_activation_derivative"
    assert "1 - a1_1**2" in v.diagnosis.sentence
