"""A layered network as an array program: the same numbers as the vector backend, every
activation and loss of the registry, and the textbook backward lines."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ACTIVATIONS, LOSSES, output_activation_for

from symbackprop.derive.programs import Program
from symbackprop.errors import GraphError
from symbackprop.graph import activations, mlp, register_activation
from symbackprop.graph.functions import sigmoid
from symbackprop.graph.layered_program import layered_program
from symbackprop.numeric import compile_network, compile_vector
from symbackprop.numeric.array_eval import compile_program


def _targets(loss: str, rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    if loss == "cross_entropy":
        return rng.dirichlet(np.ones(n), m)
    return rng.uniform(0.05, 0.95, (m, n))


@pytest.mark.parametrize("hidden", [a for a in ACTIVATIONS if a != "softmax"])
@pytest.mark.parametrize("loss", LOSSES)
def test_the_program_gives_the_vector_backends_loss_and_gradients(hidden, loss):
    n_out = 1 if loss == "output" else 3
    net = mlp([4, 5, n_out], activation=[hidden, output_activation_for(loss, "sigmoid")], loss=loss)
    rng = np.random.default_rng(7)
    numbers = compile_program(layered_program(net, batch=6))
    arrays = numbers.draw(11)
    if net.y:
        arrays["Y"] = _targets(loss, rng, 6, n_out)
    loss_p, grads = numbers.loss_and_gradients(arrays)
    params = {k: v for k, v in arrays.items() if k[0] in "Wb"}
    loss_v, grads_v = compile_vector(net).loss_and_gradients(params, arrays["X"], arrays.get("Y"), wrt_inputs=True)
    assert loss_p == pytest.approx(loss_v, rel=1e-13, abs=1e-15)
    for k in params:
        assert np.allclose(grads[k], grads_v[k], rtol=1e-11, atol=1e-14), k
    assert np.allclose(grads["X"], grads_v["x"], rtol=1e-11, atol=1e-14)


def test_saturated_outputs_stay_finite_through_the_stable_loss():
    net = mlp([2, 2], activation="sigmoid", loss="binary_cross_entropy")
    numbers = compile_program(layered_program(net, batch=2))
    arrays = {"X": np.array([[1000.0, 0.0], [-1000.0, 0.0]]), "Y": np.array([[0.0, 1.0], [1.0, 0.0]]),
              "W1": np.eye(2), "b1": np.zeros(2)}
    loss, grads = numbers.loss_and_gradients(arrays)
    assert np.isfinite(loss) and loss == pytest.approx((1000 + np.log(2) + 1000 + np.log(2)) / 2)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_the_backward_lines_are_the_textbooks():
    p = Program(layered_program(mlp([2, 3, 2], activation=["tanh", "sigmoid"]), inputs=False))
    assert p.code_lines() == [
        "dA2 = (A2 - Y) / m",
        "dZ2 = A2 * (1 - A2) * dA2",
        "dA1 = dZ2 @ W2",
        "dW2 = dZ2.T @ A1",
        "db2 = dZ2.sum(axis=0)",
        "dZ1 = (1 - A1**2) * dA1",
        "dW1 = dZ1.T @ X",
        "db1 = dZ1.sum(axis=0)",
    ]


def test_an_activation_of_ones_own_computes_from_its_sympy_function(monkeypatch):
    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))  # undone after the test
    register_activation("mine", lambda z: sigmoid(2 * z), latex="m", derivative_latex="2m(1-m)")
    net = mlp([2, 3, 1], activation=["mine", "sigmoid"])
    program = layered_program(net, batch=3)
    assert program.lines[1].text == "mine(Z1)"
    assert "dZ1 = mine_prime(Z1) * dA1" in Program(program).code_lines()
    numbers = compile_program(program)
    arrays = numbers.draw(2)
    arrays["Y"] = np.full((3, 1), 0.3)
    loss, grads = numbers.loss_and_gradients(arrays)
    scalar = compile_network(net, backend="scalar").loss_and_gradients(
        {k: v for k, v in arrays.items() if k[0] in "Wb"}, arrays["X"], arrays["Y"])
    assert loss == pytest.approx(scalar[0], rel=1e-12)
    assert all(np.allclose(grads[k], scalar[1][k], rtol=1e-10, atol=1e-14) for k in scalar[1])


def test_an_activation_that_couples_its_layer_has_no_array_form(monkeypatch):
    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))
    register_activation("rowmean", layer=lambda zs: tuple(z - sum(zs) / len(zs) for z in zs), latex="r",
                        derivative_latex="...")
    with pytest.raises(GraphError, match="layer 1: the activation 'rowmean' couples its layer"):
        layered_program(mlp([2, 2, 1], activation=["rowmean", "sigmoid"]))
