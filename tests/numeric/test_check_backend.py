"""check_gradients(backend="vector") checks the vector backend with differences of its own
loss and compiles nothing else (counted: no scalar NumericNetwork is made, no scalar graph)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import count_calls

import symbackprop as sbp
from symbackprop.numeric import check_gradients, compile_vector, init_params
from symbackprop.numeric import scalar as scalar_backend


@pytest.mark.parametrize("activation", [["sigmoid", "sigmoid"], ["relu", "softmax"], ["leaky_relu", "identity"]])
def test_the_vector_backend_is_checked_alone(monkeypatch, activation: list[str]) -> None:
    loss = "cross_entropy" if activation[-1] == "softmax" else "squared"
    net = sbp.mlp([3, 4, 2], activation=activation, loss=loss)
    params = init_params(net, seed=2)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), np.eye(2)[rng.integers(0, 2, 5)]
    made = count_calls(monkeypatch, scalar_backend.NumericNetwork, "__init__")
    report = check_gradients(net, params, X, Y, backend="vector", inputs=True)
    assert made == [0] and not net.scalar_graph_built
    assert report.ok, report
    # The same rows, names and values as the scalar backend's check (made only now).
    reference = check_gradients(net, params, X, Y, backend="scalar", inputs=True)
    assert [r.name for r in report.rows] == [r.name for r in reference.rows]
    assert np.allclose([r.derived for r in report.rows], [r.derived for r in reference.rows], rtol=1e-9, atol=1e-12)
    assert made == [1]


def test_a_planted_vector_gradient_is_caught_without_the_scalar_backend(monkeypatch) -> None:
    net = sbp.mlp([2, 3, 1], activation="tanh")
    params = init_params(net, seed=1)
    X, Y = [[0.3, -0.2], [0.1, 0.5]], [[1.0], [0.0]]
    f = compile_vector(net)

    def wrong(p, x, y):
        loss, grads = f.loss_and_gradients(p, x, y)
        grads["W1"] = grads["W1"] * 2.001  # autograd's planted mistake
        return loss, grads

    made = count_calls(monkeypatch, scalar_backend.NumericNetwork, "__init__")
    report = check_gradients(f, params, X, Y, gradient=wrong, backend="vector")
    assert made == [0]
    assert not report.ok and {r.name for r in report.rows if not r.passed} == {"w1_11", "w1_12", "w1_21", "w1_22",
                                                                               "w1_31", "w1_32"}


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(sbp.DataError, match="backend"):
        check_gradients(sbp.mlp([1, 1]), {"W1": [[1.0]], "b1": [0.0]}, [[1.0]], [[0.0]], backend="gpu")
