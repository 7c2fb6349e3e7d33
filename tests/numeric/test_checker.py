"""The gradient checker catches planted wrong gradients and names the right parameter."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symbackprop as sbp
from symbackprop.derive import array_rules
from symbackprop.errors import DataError
from symbackprop.graph import Graph
from symbackprop.numeric import GradcheckError, check_gradients
from symbackprop.numeric.scalar import compiled

EXAMPLE = sbp.load_spec(sbp.EXAMPLE)
PARAMS = {k: np.array(v) for k, v in EXAMPLE.values.params.items()}
# A batch of three samples around the textbook one, so every gradient is well away from 0.
X = np.array([[0.05, 0.10], [0.9, -0.4], [-0.3, 0.7]])
Y = np.array([[0.01, 0.99], [0.8, 0.1], [0.3, 0.6]])


def test_the_derived_gradient_passes_for_every_parameter_and_input():
    report = check_gradients(EXAMPLE.network, PARAMS, X, Y, inputs=True)
    assert report.ok, str(report)
    assert [r.name for r in report.rows][:3] == ["w1_11", "w1_12", "w1_21"]
    assert [r.name for r in report.rows][-2:] == ["x1[2]", "x2[2]"]
    assert len(report.rows) == 12 + 6
    assert max(r.rel_err for r in report.rows) < 1e-6


@pytest.mark.parametrize("key,index,name", [("W1", (0, 1), "w1_12"), ("b2", (1,), "b2_2"), ("W2", (1, 0), "w2_21")])
def test_a_gradient_scaled_by_1_001_is_caught_and_named(key, index, name):
    nn = compiled(EXAMPLE.network)

    def planted(params, X, Y):
        loss, grads = nn.loss_and_gradients(params, X, Y)
        grads[key] = grads[key].copy()
        grads[key][index] *= 1.001
        return loss, grads

    report = check_gradients(EXAMPLE.network, PARAMS, X, Y, gradient=planted)
    assert not report.ok
    assert [r.name for r in report.failures] == [name]
    assert report.worst.name == name
    with pytest.raises(GradcheckError) as info:
        check_gradients(nn, PARAMS, X, Y, gradient=planted, raise_on_failure=True)
    row = info.value.report.worst
    assert row.derived == pytest.approx(row.numeric * 1.001, rel=1e-6)
    message = str(info.value)
    assert f"worst {name}: derived {row.derived:.9g}, numeric {row.numeric:.9g}" in message
    assert "1 FAIL" in message


def test_a_dropped_path_is_caught_and_named():
    """∂L/∂w1_11 written with only the path through output neuron 1 (a classic slip)."""
    nn = compiled(EXAMPLE.network)

    def planted(params, X, Y):
        loss, grads = nn.loss_and_gradients(params, X, Y)
        a1, d2 = nn.forward(params, X)["a1"], nn.deltas(params, X, Y)["delta2"]
        one_path = a1[:, 0] * (1 - a1[:, 0]) * d2[:, 0] * params["W2"][0, 0] * X[:, 0]
        grads["W1"] = grads["W1"].copy()
        grads["W1"][0, 0] = one_path.mean()
        return grads  # a bare dict is accepted too

    report = check_gradients(EXAMPLE.network, PARAMS, X, Y, gradient=planted)
    assert [r.name for r in report.failures] == ["w1_11"]
    text = str(report)
    assert "w1_11" in text.splitlines()[0] and "FAIL" in text


def test_a_wrong_input_gradient_is_caught_when_inputs_are_checked():
    nn = compiled(EXAMPLE.network)

    def planted(params, X, Y):
        loss, grads = nn.loss_and_gradients(params, X, Y, wrt_inputs=True)
        grads["x"] = grads["x"] * np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 0.99]])
        return loss, grads

    report = check_gradients(EXAMPLE.network, PARAMS, X, Y, gradient=planted, inputs=True)
    assert [r.name for r in report.failures] == ["x2[2]"]


def test_relu_kinks_are_stepped_around_and_reported():
    net = sbp.mlp([2, 3, 1], activation=["relu", "identity"])
    params = {"W1": [[1.0, -1.0], [0.5, 0.5], [2.0, 1.0]], "b1": [0.0, 0.0, -3.0 + 3e-7],
              "W2": [[1.0, 2.0, 3.0]], "b2": [0.0]}
    report = check_gradients(net, params, [[1.0, 1.0]], [[0.3]])
    assert report.ok, str(report)
    notes = {r.name: r.note for r in report.rows}
    # z1_1 = 0 exactly: the H(0) = 0 side is taken; z1_3 = 3e-7: the step (eps·|w| = 2e-6) is shrunk.
    assert "on a ReLU kink: backward difference" in notes["w1_11"]
    assert notes["w1_31"].startswith("step shrunk to 2e-07")
    assert notes["w1_21"] == ""


def test_plain_central_difference_straddling_a_kink_would_fail():
    """The kink handling matters: with z = 3e-7 and eps = 1e-6 a plain central
    difference gives half the slope."""
    nn = compiled(sbp.mlp([1, 1, 1], activation=["relu", "identity"], loss="output"))
    f = nn.loss_function([[1.0]])
    theta = nn.flatten({"W1": [[1.0]], "b1": [-1.0 + 3e-7], "W2": [[1.0]], "b2": [0.0]})
    unit = np.array([1.0, 0, 0, 0])
    naive = (f(theta + 1e-6 * unit) - f(theta - 1e-6 * unit)) / 2e-6
    assert naive == pytest.approx(0.65, rel=1e-6)
    report = check_gradients(nn, {"W1": [[1.0]], "b1": [-1.0 + 3e-7], "W2": [[1.0]], "b2": [0.0]}, [[1.0]])
    assert report.rows[0].numeric == pytest.approx(1.0, rel=1e-6) and report.ok


def test_custom_graph_and_user_callable():
    g = Graph()
    (x,) = g.inputs("x")
    w, c = g.parameters("w c")
    g.set_output(g.node("f", sp.sin(w * x) + c * x**2))

    def by_hand(params, X, Y):
        xs = np.asarray(X)[:, 0]
        return {"w": float(np.mean(xs * np.cos(params["w"] * xs))), "c": float(np.mean(xs**2)) * 1.01}

    report = check_gradients(g, {"w": 0.4, "c": -1.0}, [[1.0], [2.0]], gradient=by_hand)
    assert [r.name for r in report.failures] == ["c"]
    assert check_gradients(g, {"w": 0.4, "c": -1.0}, [[1.0], [2.0]]).ok


def test_report_renders_as_text_html_and_dict():
    report = check_gradients(EXAMPLE.network, PARAMS, X, Y)
    text = str(report)
    assert text.splitlines()[1].split() == ["parameter", "derived", "numeric", "abs", "err", "rel", "err", "pass"]
    assert "<table>" in report._repr_html_() and "<code>w1_11</code>" in report._repr_html_()
    assert report.to_dict()["ok"] is True and len(report.to_dict()["rows"]) == 12


def test_bad_arguments():
    with pytest.raises(DataError, match="eps: expected a positive number, received 0"):
        check_gradients(EXAMPLE.network, PARAMS, X, Y, eps=0)
    with pytest.raises(DataError, match=r"gradient.b1: missing from the gradients; expected an array of shape \(2,\)"):
        check_gradients(EXAMPLE.network, PARAMS, X, Y, gradient=lambda p, X, Y: {"W1": np.zeros((2, 2))})
    with pytest.raises(DataError, match=r"gradient.W1: expected shape \(2, 2\), received \(2,\)"):
        check_gradients(EXAMPLE.network, PARAMS, X, Y,
                        gradient=lambda p, X, Y: {**{k: np.zeros_like(v) for k, v in PARAMS.items()}, "W1": np.zeros(2)})

HIDDEN = ["sigmoid", "tanh", "softplus", "identity", "relu", "leaky_relu"]
HEADS = [("identity", "squared"), ("tanh", "mse"), ("sigmoid", "binary_cross_entropy"),
         ("softmax", "cross_entropy"), ("softplus", "sse")]


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    sizes=st.lists(st.integers(1, 3), min_size=2, max_size=3),
    hidden=st.sampled_from(HIDDEN),
    head=st.sampled_from(HEADS),
    seed=st.integers(0, 2**16),
)
def test_derived_gradients_of_random_networks_pass_finite_differences(sizes, hidden, head, seed):
    out_act, loss = head
    n_out = 1 if loss == "binary_cross_entropy" else 2
    layers = [*sizes, n_out]
    net = sbp.mlp(layers, activation=[hidden] * (len(layers) - 2) + [out_act], loss=loss)
    rng = np.random.default_rng(seed)
    nn = compiled(net)
    params = {k: rng.normal(size=s) for k, s in nn.shapes.items()}
    X = rng.normal(size=(3, layers[0]))
    Y = rng.dirichlet(np.ones(n_out), size=3) if loss == "cross_entropy" else rng.uniform(size=(3, n_out))
    report = check_gradients(nn, params, X, Y, inputs=True)
    assert report.ok, str(report)


def test_the_default_compile_network_result_can_be_checked(monkeypatch):
    """check_gradients documents "its compile_network result", but compile_network's default
    ("auto") gives the vector backend for every layered network, and the checker died with
    AttributeError: 'VectorFunctions' object has no attribute 'flatten'.  Now the vector
    backend's own gradients are checked, so a planted wrong f' in it is caught."""
    net = sbp.mlp([2, 3, 1], activation=["tanh", "sigmoid"])
    params = {"W1": [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]], "b1": [0.1, 0.0, -0.1],
              "W2": [[0.5, -0.6, 0.3]], "b2": [0.2]}
    X, Y = [[1.0, 2.0], [0.5, -1.0]], [[1.0], [0.0]]
    fast = sbp.compile_network(net)
    assert fast.backend == "vector"
    report = check_gradients(fast, params, X, Y, inputs=True)
    assert report.ok and len(report.rows) == 13 + 4
    # tanh's rule in the table the vector backend derives from, doubled (layer 1 is the
    # only tanh layer); a backend compiled afterwards computes with it.
    (honest,) = array_rules.VJPS["tanh"]
    monkeypatch.setitem(array_rules.VJPS, "tanh", (lambda c, g, ans, x: 2 * honest(c, g, ans, x),))
    report = check_gradients(sbp.compile_network(net), params, X, Y)
    assert {row.name for row in report.failures} == {"w1_11", "w1_12", "w1_21", "w1_22", "w1_31", "w1_32",
                                                      "b1_1", "b1_2", "b1_3"}
