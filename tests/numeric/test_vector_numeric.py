"""The numpy vector backend against the scalar derivation evaluated by SymPy (evaluate.backward)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from symbackprop import GraphError, SpecError, backward, mlp
from symbackprop.numeric import compile_vector

CONFIGS = [
    ([2, 2, 2], "sigmoid", "squared"),
    ([3, 4, 3], ["relu", "softmax"], "cross_entropy"),
    ([2, 3, 3], ["tanh", "softmax"], "squared"),
    ([3, 3, 1], ["leaky_relu", "sigmoid"], "binary_cross_entropy"),
    ([3, 2, 2], ["softplus", "identity"], "mse"),
    ([2, 3, 1], "sigmoid", "output"),
    ([2, 3, 3], ["sigmoid", "sigmoid"], "cross_entropy"),
    ([2, 3, 2], ["identity", "softmax"], "sse"),
    ([2, 3, 3, 2], ["relu", "softmax", "softmax"], "cross_entropy"),
    ([3, 4, 2], ["leaky_relu", "identity"], "squared"),
]
IDS = ["-".join(map(str, c[0])) + f"-{c[1]}-{c[2]}" for c in CONFIGS]


def random_problem(net, batch, seed=0):
    """Parameters, inputs and targets on a 1/64 grid, so the exact route sees the same numbers."""
    rng = np.random.default_rng(seed)
    grid = lambda *shape: rng.integers(-64, 65, shape) / 64  # noqa: E731
    params = {}
    for l in range(1, net.depth + 1):
        params[f"W{l}"] = grid(net.layers[l], net.layers[l - 1])
        if net.b[l]:
            params[f"b{l}"] = grid(net.layers[l])
    X = grid(batch, net.layers[0])
    Y = None
    if net.y:
        k = net.layers[-1]
        if net.loss.target_constraint == "distribution":
            Y = rng.integers(1, 9, (batch, k)).astype(float)
            Y /= Y.sum(axis=1, keepdims=True)
        else:
            Y = rng.integers(1, 16, (batch, k)) / 16
    return params, X, Y


def scalar_route(net, params, x, y):
    """evaluate.backward: exact rationals where every function is piecewise linear, else 30 digits."""
    rational = {a.name for a in net.activations} <= {"relu", "leaky_relu", "identity"}
    values = {s: Fraction(float(v)) for s, v in zip(net.x, x)}
    if y is not None:
        values.update({s: Fraction(float(v)) for s, v in zip(net.y, y)})
    for l in range(1, net.depth + 1):
        for j, row in enumerate(net.W[l]):
            values.update({s: Fraction(float(v)) for s, v in zip(row, params[f"W{l}"][j])})
        if net.b[l]:
            values.update({s: Fraction(float(v)) for s, v in zip(net.b[l], params[f"b{l}"])})
    return backward(net, values, exact=rational)


def as_arrays(net, numbers):
    grads, deltas = {}, {}
    for l in range(1, net.depth + 1):
        grads[f"W{l}"] = np.array([[float(numbers.gradients[s]) for s in row] for row in net.W[l]])
        if net.b[l]:
            grads[f"b{l}"] = np.array([float(numbers.gradients[s]) for s in net.b[l]])
        deltas[f"delta{l}"] = np.array([float(numbers.deltas[net.node_of(z).delta]) for z in net.z[l]])
    return grads, deltas


@pytest.mark.parametrize("cfg, reduction", [(c, "mean") for c in CONFIGS] + [(CONFIGS[1], "sum"), (CONFIGS[-1], "sum")],
                         ids=[i + "-mean" for i in IDS] + [IDS[1] + "-sum", IDS[-1] + "-sum"])
def test_batch_gradients_equal_the_scalar_route(cfg, reduction):
    net = mlp(cfg[0], activation=cfg[1], loss=cfg[2], reduction=reduction)
    f = compile_vector(net)
    params, X, Y = random_problem(net, batch=3)
    loss, grads = f.loss_and_gradients(params, X, Y)
    deltas = f.deltas(params, X, Y)
    per_sample = [scalar_route(net, params, X[s], None if Y is None else Y[s]) for s in range(3)]
    arrays = [as_arrays(net, r) for r in per_sample]
    scale = 1 / 3 if reduction == "mean" else 1
    for name, g in grads.items():
        want = scale * sum(a[0][name] for a in arrays)
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14, err_msg=name)
    for s in range(3):
        for name, d in deltas.items():
            np.testing.assert_allclose(d[s], arrays[s][1][name], rtol=1e-12, atol=1e-14, err_msg=name)
    want_loss = scale * sum(float(r.values[net.output]) for r in per_sample)
    assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-14)
    assert f.loss(params, X, Y) == loss


def test_forward_and_single_sample_shapes():
    net = mlp([3, 4, 2], activation=["relu", "softmax"], loss="cross_entropy")
    f = compile_vector(net)
    params, X, Y = random_problem(net, batch=5)
    out = f.forward(params, X)
    assert {k: v.shape for k, v in out.items()} == {"z1": (5, 4), "a1": (5, 4), "z2": (5, 2), "a2": (5, 2)}
    np.testing.assert_allclose(out["a2"].sum(axis=1), 1.0)
    one = f.forward(params, X[0])
    assert one["a1"].shape == (4,)
    np.testing.assert_array_equal(one["z2"], out["z2"][0])
    assert f.deltas(params, X[0], Y[0])["delta1"].shape == (4,)
    loss1, g1 = f.loss_and_gradients(params, X[:1], Y[:1])
    loss2, g2 = f.loss_and_gradients(params, X[0], Y[0])
    assert loss1 == loss2 and all(np.array_equal(g1[k], g2[k]) for k in g1)
    assert list(g1) == ["W1", "b1", "W2", "b2"]


def test_the_worked_2_2_2_example():
    f = compile_vector(mlp([2, 2, 2], activation="sigmoid", loss="squared"))
    p = {"W1": [[.15, .2], [.25, .3]], "b1": [.35, .35], "W2": [[.4, .45], [.5, .55]], "b2": [.6, .6]}
    loss, g = f.loss_and_gradients(p, [.05, .1], [.01, .99])
    assert loss == pytest.approx(0.298371108760003, abs=1e-14)
    assert g["W2"][0, 0] == pytest.approx(0.082167040564, abs=1e-11)
    assert g["W1"][0, 0] == pytest.approx(0.000438568, abs=1e-9)


@pytest.mark.parametrize("act, loss, Y", [
    ("sigmoid", "binary_cross_entropy", [[1.0, 0.0, 1.0, 0.0]]),
    ("sigmoid", "cross_entropy", [[1.0, 0.0, 1.0, 0.0]]),
    ("softmax", "cross_entropy", [[0.0, 0.0, 1.0, 0.0]]),
    ("softmax", "squared", [[0.0, 0.0, 1.0, 0.0]]),
    ("tanh", "squared", [[0.0, 0.0, 1.0, 0.0]]),
    ("softplus", "mse", [[0.0, 0.0, 1.0, 0.0]]),
])
def test_saturated_outputs_stay_finite_without_warnings(act, loss, Y):
    # z = ±1000 at the output: sigmoid at 0 and 1 exactly, softmax of huge scores, log at 0/1.
    net = mlp([1, 4], activation=act, loss=loss, bias=False)
    f = compile_vector(net)
    params = {"W1": np.array([[1000.0], [-1000.0], [-1000.0], [1000.0]])}
    value, grads = f.loss_and_gradients(params, [[1.0]], Y)
    assert np.isfinite(value)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert np.all(np.isfinite(f.forward(params, [1.0])["a1"]))


def test_saturated_binary_cross_entropy_has_the_right_value():
    f = compile_vector(mlp([1, 1], activation="sigmoid", loss="binary_cross_entropy", bias=False))
    # Wrong with certainty: the loss is the score itself (log σ(-1000) = -1000), not inf or nan.
    assert f.loss({"W1": [[1000.0]]}, [1.0], [0.0]) == pytest.approx(1000.0)
    assert f.loss({"W1": [[-1000.0]]}, [1.0], [0.0]) == pytest.approx(0.0, abs=1e-300)


def test_softmax_of_huge_scores_gives_the_exact_distribution():
    f = compile_vector(mlp([1, 3], activation="softmax", loss="cross_entropy", bias=False))
    out = f.forward({"W1": [[1e4], [1e4], [-1e4]]}, [1.0])
    np.testing.assert_allclose(out["a1"], [0.5, 0.5, 0.0])
    assert f.loss({"W1": [[1e4], [1e4], [-1e4]]}, [1.0], [0, 0, 1.0]) == pytest.approx(2e4 + np.log(2))


@pytest.mark.parametrize("call, args, message", [
    ("loss", ({"W1": np.zeros((4, 3))}, np.zeros((2, 3)), np.zeros((2, 2))),
     r"params: missing 'b1' of shape \(4,\)"),
    ("loss", ({"W1": np.zeros((3, 4)), "b1": 0, "W2": 0, "b2": 0}, np.zeros((2, 3)), np.zeros((2, 2))),
     r"params\['W1'\]: expected shape \(4, 3\), received \(3, 4\)"),
    ("loss", ({"W1": 0, "b1": 0, "W2": 0, "b2": 0, "W3": 0}, 0, 0), r"params: unexpected \['W3'\]"),
    ("loss_and_gradients", (None, np.zeros((5, 2)), np.zeros((5, 2))),
     r"X: expected shape \(batch, 3\) or \(3,\), received \(5, 2\)"),
    ("loss_and_gradients", (None, np.zeros((5, 3)), np.zeros((4, 2))),
     r"Y: expected shape \(5, 2\) to match X of shape \(5, 3\), received \(4, 2\)"),
    ("deltas", (None, np.zeros(3), np.zeros((1, 2))),
     r"Y: expected shape \(2,\) to match X of shape \(3,\), received \(1, 2\)"),
    ("loss", (None, np.zeros((5, 3)), None), r"Y: missing; the 'cross_entropy' loss needs targets of shape \(5, 2\)"),
    ("loss", (None, [["a", "b", "c"]], None), r"X: expected an array of numbers, received list"),
])
def test_bad_shapes_are_named(call, args, message):
    net = mlp([3, 4, 2], activation=["relu", "softmax"], loss="cross_entropy")
    f = compile_vector(net)
    good, _, _ = random_problem(net, 1)
    params = good if args[0] is None else args[0]
    with pytest.raises(SpecError, match=message):
        getattr(f, call)(params, *args[1:])


def test_output_loss_takes_no_targets():
    f = compile_vector(mlp([2, 2, 1], loss="output"))
    params, X, _ = random_problem(f.form.network, 2)
    assert np.isfinite(f.loss(params, X))
    with pytest.raises(SpecError, match="'output' loss takes no targets"):
        f.loss(params, X, np.zeros((2, 1)))


def test_custom_graph_is_refused_with_the_node_named():
    from symbackprop import Graph

    g = Graph()
    (x,) = g.inputs("x")
    (w,) = g.parameters("w")
    g.set_output(g.node("h", w * x**2))
    with pytest.raises(GraphError, match="node 'h'"):
        compile_vector(g)


def test_prepared_entry_loss_equals_a_full_forward_pass():
    net = mlp([4, 5, 3], activation=["tanh", "softmax"], loss="cross_entropy")
    f = compile_vector(net)
    params, X, Y = random_problem(net, 6)
    prepared = f.prepare(params, X, Y)
    for name, index in [("W1", (2, 3)), ("b1", (4,)), ("W2", (0, 1)), ("b2", (2,))]:
        moved = {k: v.copy() for k, v in params.items()}
        moved[name][index] += 0.25
        assert prepared.entry_loss(name, index, 0.25) == pytest.approx(f.loss(moved, X, Y), rel=1e-13)


def test_non_finite_numbers_are_errors_as_in_the_scalar_backend():
    """The vector backend (what "auto" and fit() use) returned inf and NaN losses, let
    numpy's overflow warnings through and accepted NaN inputs, where the scalar backend and
    the README promise an error naming the quantity."""
    from symbackprop import DataError, NumericalError, fit

    net = mlp([1, 1], activation="identity", loss="squared")
    f = compile_vector(net)
    huge = {"W1": [[1e200]], "b1": [0.0]}
    with pytest.raises(NumericalError, match="loss: expected a finite result, received inf"):
        f.loss_and_gradients(huge, [[1e200]], [[0.0]])
    with pytest.raises(NumericalError, match="loss: expected a finite result"):
        f.loss(huge, [[1e200]], [[0.0]])
    with pytest.raises(DataError, match=r"X\[1\]\[0\]: expected a finite number, received nan"):
        f.loss_and_gradients({"W1": [[1.0]], "b1": [0.0]}, [[1.0], [np.nan]], [[0.0], [0.0]])
    with pytest.raises(NumericalError, match="expected a finite result"):  # diverging descent
        fit(net, {"W1": [[1.0]], "b1": [0.0]}, [[10.0], [20.0]], [[1.0], [2.0]],
            epochs=200, learning_rate=10.0, progress=False)


@pytest.mark.parametrize("layers, activation", [([2, 3], "softmax"), ([2, 1], "sigmoid"),
                                                ([2, 3, 4], ["tanh", "softmax"])])
def test_targets_off_the_simplex_use_the_chain_rule_delta(layers, activation):
    """δ = a − y holds only under Σ_k y_k = 1.  The vector backend (compile_network's "auto"
    default and fit()'s) refused every other target with a SpecError, though the README
    says numeric routes use the unsimplified chain, and the scalar backend does: a single
    sigmoid output with cross entropy and y = 0.5 could not be evaluated at all."""
    from symbackprop.numeric import compile_network

    net = mlp(layers, activation=activation, loss="cross_entropy")
    rng = np.random.default_rng(3)
    scalar, vector = compile_network(net, backend="scalar"), compile_vector(net)
    params = {k: rng.normal(size=shape) * (200.0 if k == "W1" else 1.0) for k, shape in scalar.shapes.items()}
    X, Y = rng.normal(size=(4, layers[0])), rng.uniform(size=(4, layers[-1]))  # saturated outputs too
    Y[0] = np.eye(layers[-1])[0]  # one row on the simplex among rows off it
    want_loss, want = scalar.loss_and_gradients(params, X, Y)
    got_loss, got = vector.loss_and_gradients(params, X, Y)
    assert got_loss == pytest.approx(want_loss, rel=1e-12)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-12)
    for key, value in scalar.deltas(params, X, Y).items():
        np.testing.assert_allclose(vector.deltas(params, X, Y)[key], value, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_gradient_with_respect_to_inputs_matches_the_scalar_backend(reduction):
    """compile_network(net) gives the vector backend for a layered network, whose
    loss_and_gradients lacked the scalar backend's wrt_inputs=True (TypeError)."""
    from symbackprop.numeric import compile_network

    net = mlp([3, 4, 2], activation=["tanh", "softmax"], loss="cross_entropy", reduction=reduction)
    params, X, Y = random_problem(net, 5)
    scalar, vector = compile_network(net, backend="scalar"), compile_network(net)
    for x, y in ((X, Y), (X[0], Y[0])):
        want = scalar.loss_and_gradients(params, x, y, wrt_inputs=True)[1]["x"]
        got = vector.loss_and_gradients(params, x, y, wrt_inputs=True)[1]["x"]
        assert got.shape == np.shape(x)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
