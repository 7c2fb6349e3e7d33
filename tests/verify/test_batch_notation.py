"""Ng's batch notation (dW, dZ, A^{[l]}, X, Y, 1/m, Σ over examples, * as ⊙) and the row layout."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.numeric.vector import compile_vector
from symbackprop.read import load_spec, parse_formula
from symbackprop.verify import verify
from symbackprop.verify.matrix import Frame, layer_values, natural_point
from symbackprop.verify.matrix_batch import batch_values

# Ng's course, week 3: a tanh hidden layer, a sigmoid output with the cross entropy.
NG = {"layers": [2, 3, 2], "activation": ["tanh", "sigmoid"], "loss": "binary_cross_entropy"}

NG_RIGHT = [
    r"dZ^{[2]} = A^{[2]} - Y",
    r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}",
    r"db^{[2]} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[2](i)}",
    r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]'}(Z^{[1]})",
    r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - (A^{[1]})^2)",
    r"dA^{[1]} = W^{[2]T} dZ^{[2]}",
    r"dZ^{[1]} = dA^{[1]} * g^{[1]'}(Z^{[1]})",
    r"dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T",
    r"db^{[1]} = \frac{1}{m} dZ^{[1]} \mathbf{1}_m",
    r"dW^{[2]} = \frac{1}{m} \sum_{i=1}^{m} dz^{[2](i)} a^{[1](i)T}",
    # one example: d means ∂L/∂ of that example
    r"dz^{[2]} = a^{[2]} - y",
    r"dW^{[2]} = dz^{[2]} a^{[1]T}",
    r"db^{[2]} = dz^{[2]}",
    r"dz^{[1]} = W^{[2]T} dz^{[2]} * g^{[1]'}(z^{[1]})",
]

NG_WRONG = [  # (the line, the mistake's kind, words its sentence has)
    (r"dW^{[2]} = dZ^{[2]} A^{[1]T}", "constant_factor", "1/m"),
    (r"db^{[2]} = \sum_{i=1}^{m} dZ^{[2](i)}", "constant_factor", "1/m"),
    (r"dW^{[2]} = \frac{1}{m} A^{[1]} dZ^{[2]T}", "transposed_gradient", "transpose"),
    (r"dZ^{[1]} = W^{[2]} dZ^{[2]} * g^{[1]'}(Z^{[1]})", "undefined_product", "not defined"),
    (r"dZ^{[1]} = W^{[2]T} dZ^{[2]}", "missing_activation_derivative", "f′(Z⁽¹⁾)"),
    (r"dW^{[1]} = \frac{1}{m} dZ^{[1]} A^{[1]T}", "wrong_layer", "needs X here"),
]


@pytest.fixture(scope="module")
def ng():
    return load_spec(NG)


@pytest.mark.parametrize("line", NG_RIGHT)
def test_ngs_derivation_reads_and_verifies(ng, line) -> None:
    v = verify(ng, None, line)
    assert v.status == "correct", str(v)
    batch = any(c in line for c in ("Z^{", "A^{", "X", "Y", "m}"))
    assert ("a batch of m = " in v.method) == batch, v.method


@pytest.mark.parametrize("line, kind, words", NG_WRONG)
def test_planted_mistakes_in_ngs_notation_are_named(ng, line, kind, words) -> None:
    v = verify(ng, None, line)
    assert v.status == "wrong" and v.diagnosis is not None, str(v)
    assert v.diagnosis.kind == kind and words in v.diagnosis.sentence, v.diagnosis


def test_the_batch_notes_say_what_d_means_and_how_star_was_read(ng) -> None:
    v = verify(ng, None, NG_RIGHT[1])
    assert any("dZ is each example's ∂L/∂z stacked as columns" in n for n in v.notes)
    v = verify(ng, None, NG_RIGHT[3])
    assert any("'*'" in n and "elementwise" in n for n in v.notes)
    # * between arrays of other shapes is the matrix product, and no note says otherwise
    v = verify(ng, None, r"dA^{[1]} = W^{[2]T} * dZ^{[2]}")
    assert v.status == "correct" and not any("'*'" in n for n in v.notes)


def test_ngs_star_once_judged_a_matrix_product_is_right() -> None:
    v = verify(sbp.mlp([2, 3, 2]), None, r"\delta^{(1)} = (W^{(2)})^T \delta^{(2)} * \sigma'(z^{(1)})")
    assert v.status == "correct" and any("elementwise" in n for n in v.notes)


def test_the_batch_truth_is_the_gradient_of_the_mean_loss() -> None:
    # independent route: central differences of the vector backend's batch loss (a mean)
    net = sbp.mlp([2, 3, 2], activation=["tanh", "sigmoid"], loss="binary_cross_entropy")
    rng = random.Random(3)
    params, _, _ = natural_point(net, rng)
    samples = [natural_point(net, rng)[1:] for _ in range(4)]
    compiled = compile_vector(net)
    values = batch_values([layer_values(net, params, x, y, compiled) for x, y in samples], Frame((2, 3, 2), 4))
    X = np.array([x for x, _ in samples])
    Y = np.array([y for _, y in samples])
    h = 1e-6
    for name, key in (("W1", ("w", 1)), ("W2", ("w", 2)), ("b2", ("b", 2))):
        grad = np.zeros_like(params[name], dtype=float)
        for idx in np.ndindex(params[name].shape):
            up = {k: np.array(v, dtype=float) for k, v in params.items()}
            down = {k: np.array(v, dtype=float) for k, v in params.items()}
            up[name][idx] += h
            down[name][idx] -= h
            grad[idx] = (compiled.loss(up, X, Y) - compiled.loss(down, X, Y)) / (2 * h)
        assert np.allclose(values.truth[key].reshape(grad.shape), grad, atol=1e-7), name
    # and dZ is each example's own δ, m times ∂J/∂Z
    assert values.truth[("D", 2)].shape == (2, 4)


@pytest.mark.parametrize("sign, right", [(">", True), (r"\geq", True), ("<", False)])
def test_relu_derivative_as_an_indicator(sign, right) -> None:
    net = sbp.mlp([2, 3, 2], activation=["relu", "sigmoid"])
    for form in (rf"\mathbb{{1}}[Z^{{[1]}} {sign} 0]", rf"\mathbf{{1}}\{{Z^{{[1]}} {sign} 0\}}", rf"[Z^{{[1]}} {sign} 0]"):
        v = verify(net, None, rf"dZ^{{[1]}} = W^{{[2]T}} dZ^{{[2]}} \odot {form}")
        assert (v.status == "correct") == right, (form, str(v))
    # one entry: the indicator is the step with H(0) = 0, as ReLU′(0) = 0
    z = net.lookup("z1_1")
    assert parse_formula(r"\mathbb{1}[z^{(1)}_1 > 0]", net).subs(z, 0) == 0
    assert parse_formula(r"\mathbb{1}[z^{(1)}_1 > 0]", net).subs(z, sp.Rational(1, 3)) == 1


def test_bishops_h_prime_and_ngs_layer_prime_are_the_layer_derivative() -> None:
    net = sbp.mlp([2, 3, 2], activation=["tanh", "sigmoid"])
    z = net.lookup("z1_2")
    want = sp.diff(sp.tanh(z), z)
    for text in (r"h'(z^{(1)}_2)", r"g^{[1]'}(z^{(1)}_2)", r"\phi'(z^{(1)}_2)", r"g^{(1)\prime}(z^{(1)}_2)"):
        assert sp.simplify(parse_formula(text, net) - want) == 0, text


ROWS = {"layers": [2, 3, 2], "notation": {"layout": "rows"}}

ROWS_RIGHT = [
    r"\frac{\partial J}{\partial W^{(1)}} = \frac{1}{m} X^T \Delta^{(1)}",
    r"\frac{\partial J}{\partial W^{(2)}} = \frac{1}{m} (A^{(1)})^T \Delta^{(2)}",
    r"\frac{\partial J}{\partial b^{(2)}} = \frac{1}{m} \mathbf{1}_m^T \Delta^{(2)}",
    r"\Delta^{(1)} = \Delta^{(2)} (W^{(2)})^T \odot \sigma'(Z^{(1)})",
    r"\Delta^{(2)} = (A^{(2)} - Y) \odot A^{(2)} \odot (1 - A^{(2)})",
    r"\frac{\partial L}{\partial W^{(2)}} = (a^{(1)})^T \delta^{(2)}",
    r"\frac{\partial L}{\partial x} = \delta^{(1)} (W^{(1)})^T",
]


@pytest.mark.parametrize("line", ROWS_RIGHT)
def test_the_row_layout_reads_x_w_plus_b(line) -> None:
    v = verify(load_spec(ROWS), None, line)
    assert v.status == "correct", str(v)
    assert "row layout" in v.method and any("row layout" in n for n in v.notes)


def test_the_column_layouts_formula_is_wrong_in_the_row_layout() -> None:
    spec = load_spec(ROWS)
    v = verify(spec, None, r"\frac{\partial J}{\partial W^{(2)}} = \frac{1}{m} \Delta^{(2)} (A^{(1)})^T")
    assert v.status == "wrong" and v.diagnosis.kind == "factor_order"
    # and the other way round: X^T Δ is wrong in the column layout
    v = verify(sbp.mlp([2, 3, 2]), None, r"\frac{\partial J}{\partial W^{(1)}} = \frac{1}{m} X^T \Delta^{(1)}")
    assert v.status == "wrong" and "column layout" in v.method or v.method == "shapes"


def test_bad_layouts_are_refused() -> None:
    with pytest.raises(sbp.SymbackpropError, match="notation.layout: expected"):
        load_spec({"layers": [2, 2], "notation": {"layout": "sideways"}})
