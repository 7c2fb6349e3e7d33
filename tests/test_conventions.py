"""Every convention, pinned on every route that computes with it.

H(0) = 0 (ReLU′ at its kink, and the Heaviside step) in symbols, exact numbers, the scalar and
the vector numpy backends, the command line, sheets and verify; the mean and sum reductions
of a batch on both numpy backends; verify's numeric tolerance (a formula 10⁻⁶ off is wrong);
and the constant factors verify diagnoses, denominators as large as 784 included.  Each test
here fails when its convention is changed in one place only (planting them is how each was
checked).
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.graph import notation as n
from symbackprop.numeric import compile_network
from symbackprop.verify import verify

# ---- H(0) = 0 -------------------------------------------------------------------------------
#
# One ReLU neuron exactly on its kink: z1 = w·x + b = 1·1 − 1 = 0, then an identity output
# a2 = 2·ReLU(0) + ½ with target 0 under the squared loss.  δ2 = a2 − y = ½, and
# δ1 = δ2 · w2 · H(0): every gradient through the hidden neuron is 0 with H(0) = 0 and
# 1 (or ½) under the other conventions.
KINK = sbp.mlp([1, 1, 1], activation=["relu", "identity"], loss="squared")
KINK_PARAMS = {"W1": [[1.0]], "b1": [-1.0], "W2": [[2.0]], "b2": [0.5]}
KINK_X, KINK_Y = [[1.0]], [[0.0]]
#: With H(0) = 0: {"W1": 0, "b1": 0, "W2": a1 δ2 = 0, "b2": δ2 = ½}.
KINK_GRADIENTS = {"W1": 0.0, "b1": 0.0, "W2": 0.0, "b2": 0.5}
KINK_TOML = """layers = [1, 1, 1]
activation = ["relu", "identity"]
loss = "squared"
[values]
x = [1.0]
y = [0.0]
W1 = [[1.0]]
b1 = [-1.0]
W2 = [[2.0]]
b2 = [0.5]
"""


def test_symbols_relu_derivative_and_heaviside_are_zero_at_zero() -> None:
    z = sp.Symbol("z", real=True)
    assert sp.diff(sbp.relu(z), z).subs(z, 0) == 0
    assert sbp.heaviside(sp.Integer(0)) == 0
    assert sp.diff(sbp.leaky_relu(z), z).subs(z, 0) == sp.Rational(1, 100)  # the left slope


def test_exact_numbers_of_one_sample_take_h_of_zero_as_zero() -> None:
    values = {"x1": 1, "y1": 0, "w1_11": 1, "b1_1": -1, "w2_11": 2, "b2_1": sp.Rational(1, 2)}
    numbers = sbp.backward(KINK, values)
    assert numbers[n.delta(1, 1)] == 0 and numbers[n.delta(2, 1)] == sp.Rational(1, 2)
    assert numbers.gradients == {KINK.W[1][0][0]: 0, KINK.b[1][0]: 0, KINK.W[2][0][0]: 0, KINK.b[2][0]: sp.Rational(1, 2)}


@pytest.mark.parametrize("backend", ["scalar", "vector", "auto"])
def test_numpy_backends_take_h_of_zero_as_zero(backend: str) -> None:
    nn = compile_network(KINK, backend=backend)
    loss, grads = nn.loss_and_gradients(KINK_PARAMS, KINK_X, KINK_Y)
    assert loss == 0.125
    assert {k: float(np.ravel(v)[0]) for k, v in grads.items()} == KINK_GRADIENTS


def test_a_custom_graph_on_the_scalar_backend_takes_h_of_zero_as_zero() -> None:
    # Not layered, so the scalar backend: ReLU and the Heaviside step written in the graph
    # (the step of a target, so that no derivative of the step itself is needed).
    g = sbp.Graph()
    (x,) = g.inputs("x")
    (y,) = g.targets("y")
    w, v = g.parameters("w v")
    q = g.node("q", w * x)
    f = g.node("f", sbp.relu(q) + v * sbp.heaviside(y))
    g.set_output(f)
    # q = 0·2 = 0 and y = 0: ∂f/∂w = H(0)·x and ∂f/∂v = H(0), both 0.
    assert sbp.gradients(g, {x: 2, y: 0, w: 0, v: 5}) == {w: 0, v: 0}
    nn = compile_network(g)
    _, grads = nn.loss_and_gradients({"w": 0.0, "v": 5.0}, [[2.0]], [[0.0]])
    assert (float(np.ravel(grads["w"])[0]), float(np.ravel(grads["v"])[0])) == (0.0, 0.0)


def test_the_command_line_prints_h_of_zero_as_zero(tmp_path, capsys) -> None:
    spec = tmp_path / "kink.toml"
    spec.write_text(KINK_TOML)
    assert main(["grad", str(spec), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["delta"]["delta1"] == [0.0] and out["delta"]["delta2"] == [0.5]
    assert out["gradients"] == {"W1": [[0.0]], "b1": [0.0], "W2": [[0.0]], "b2": [0.5], "x": [0.0]}


def test_a_sheet_states_and_uses_h_of_zero_as_zero(tmp_path) -> None:
    spec = tmp_path / "kink.toml"
    spec.write_text(KINK_TOML)
    tex = sbp.build_sheet(sbp.load_spec(spec), params=["w1_11"]).render("tex")
    assert r"H(0) = 0" in tex
    # Whole numbers print whole (0, not 0.0).
    assert r"0.5 \cdot 2 \cdot H\left(0\right) = 0" in tex  # δ1 worked out, every product with its dot
    assert r"\delta^{(1)}_{1} x_{1} = 0 \cdot 1 = 0" in tex  # the gradient worked out


@pytest.mark.parametrize(
    ("formula", "status"),
    [
        (r"\delta^{(2)}_1 w^{(2)}_{11} H(z^{(1)}_1) x_1", "correct"),  # H(0) = 0, the convention
        (r"\delta^{(2)}_1 w^{(2)}_{11} H(z^{(1)}_1, 1) x_1", "correct_almost_everywhere"),
        (r"\delta^{(2)}_1 w^{(2)}_{11} \theta(z^{(1)}_1) x_1", "correct_almost_everywhere"),  # ½ at 0
    ],
)
def test_verify_takes_h_of_zero_as_zero(formula: str, status: str) -> None:
    v = verify(KINK, "w1_11", formula)
    assert v.status == status, v
    if status != "correct":
        assert v.kink is not None and float(v.kink.expected_value) == 0.0


# ---- mean and sum over a batch ----------------------------------------------------------------

BATCH_X = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]
BATCH_Y = [[0.2, 0.7], [0.9, 0.1], [0.4, 0.6]]
BATCH_PARAMS = {"W1": [[0.3, -0.2], [0.1, 0.4]], "b1": [0.05, -0.1], "W2": [[0.6, -0.5], [0.2, 0.3]], "b2": [0.0, 0.1]}


@functools.cache
def _per_sample_references(loss: str) -> list[tuple[float, dict[str, np.ndarray]]]:
    """Each sample's own loss and gradients (the reduction plays no part in one sample)."""
    net = sbp.mlp([2, 2, 2], activation=["tanh", "sigmoid"], loss=loss)
    return [_one_sample_reference(net, x, y) for x, y in zip(BATCH_X, BATCH_Y)]


def _one_sample_reference(net: sbp.Network, x: list[float], y: list[float]) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of one sample in exact arithmetic (evaluated at 30 digits)."""
    values = {**dict(zip(net.x, map(sp.nsimplify, x))), **dict(zip(net.y, map(sp.nsimplify, y)))}
    where = {}  # parameter symbol -> (array name, index)
    for name, array in BATCH_PARAMS.items():
        symbols = np.asarray(net.W[int(name[1])] if name[0] == "W" else net.b[int(name[1])], dtype=object)
        for index, v in np.ndenumerate(np.asarray(array)):
            values[symbols[index]] = sp.nsimplify(v)
            where[symbols[index]] = (name, index)
    numbers = sbp.backward(net, values)
    loss = float(sp.N(numbers[net.output], 30))
    grads = {name: np.zeros(np.shape(array)) for name, array in BATCH_PARAMS.items()}
    for symbol, value in numbers.gradients.items():
        name, index = where[symbol]
        grads[name][index] = float(sp.N(value, 30))
    return loss, grads


@pytest.mark.parametrize("loss", ["squared", "mse"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("backend", ["scalar", "vector"])
def test_a_batch_is_reduced_by_mean_or_sum(backend: str, reduction: str, loss: str) -> None:
    net = sbp.mlp([2, 2, 2], activation=["tanh", "sigmoid"], loss=loss, reduction=reduction)
    samples = _per_sample_references(loss)
    scale = 1 / len(samples) if reduction == "mean" else 1.0
    want_loss = scale * sum(s[0] for s in samples)
    got_loss, got = compile_network(net, backend=backend).loss_and_gradients(BATCH_PARAMS, BATCH_X, BATCH_Y)
    assert got_loss == pytest.approx(want_loss, rel=1e-12)
    for name in BATCH_PARAMS:
        want = scale * sum(s[1][name] for s in samples)
        np.testing.assert_allclose(got[name], want, rtol=1e-12, atol=1e-15)


def test_mse_divides_by_the_outputs_and_mean_by_the_batch() -> None:
    # The two divisions are different conventions: n outputs inside a sample's loss, m samples
    # across the batch.  One output error of 1 in a batch of 2: mse = 1/3 per sample.
    net = sbp.mlp([1, 3], activation="identity", loss="mse", reduction="mean")
    params = {"W1": [[0.0], [0.0], [0.0]], "b1": [1.0, 0.0, 0.0]}
    loss, _ = compile_network(net, backend="vector").loss_and_gradients(params, [[0.0], [0.0]], [[0.0] * 3] * 2)
    assert loss == pytest.approx(1 / 3, rel=1e-15)
    summed = sbp.mlp([1, 3], activation="identity", loss="mse", reduction="sum")
    loss, _ = compile_network(summed, backend="vector").loss_and_gradients(params, [[0.0], [0.0]], [[0.0] * 3] * 2)
    assert loss == pytest.approx(2 / 3, rel=1e-15)


# ---- verify: how close is correct, and which constant factors it names ------------------------

SIG = sbp.mlp([2, 2, 1])
RIGHT = "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1"


@pytest.mark.parametrize("off", ["1/1000000", "-1/1000000", "1/1000000000"])
def test_verify_calls_a_formula_slightly_off_wrong(off: str) -> None:
    # 10⁻⁶ (and 10⁻⁹) relative: far above 30-digit rounding, far below what a 10⁻³
    # tolerance would notice.
    v = verify(SIG, "w2_11", f"(1 + {off}) * {RIGHT}")
    assert v.status == "wrong" and not v.ok, v
    assert v.counterexample is not None


def test_verify_calls_the_same_formula_written_differently_correct() -> None:
    v = verify(SIG, "w2_11", f"(1000000 + 1) / 1000001 * {RIGHT}")
    assert v.status == "correct"


@pytest.mark.parametrize("factor", ["1/784", "3/784", "1/60", "-1/128", "784", "1/1024", "1/60000"])
def test_verify_names_constant_factors_with_large_denominators(factor: str) -> None:
    # 1/784: a mean over 28×28 inputs taken once too often; 1/128 and 1/1024: over a batch;
    # 1/60000: over MNIST's training set.
    v = verify(SIG, "w2_11", f"({factor}) * {RIGHT}")
    assert v.status == "wrong" and v.diagnosis is not None, v
    assert v.diagnosis.kind == "constant_factor", v.diagnosis
    assert v.diagnosis.factor == sp.Rational(factor), v.diagnosis
