"""Numbers for one sample: forward values exact and float, δs, gradients, worked example."""

from __future__ import annotations

import gc
import math
import weakref
from fractions import Fraction

import pytest
import sympy as sp
from conftest import central_difference

import symbackprop as sbp
from symbackprop.derive import evaluate
from symbackprop.graph import notation as n


def _assignment(net, x, y, W, b):
    """``{symbol: value}`` from arrays indexed like the spec (``W[l][j][i]``)."""
    out = dict(zip(net.x, x))
    out.update(zip(net.y, y))
    for l in range(1, len(net.layers)):
        for j, row in enumerate(W[l]):
            out.update(zip(net.W[l][j], row))
        out.update(zip(net.b[l], b.get(l, ())))
    return out


def _fraction_forward(x, W, b, act):
    """An independent forward pass in Python fractions: lists of z and a per layer."""
    a, zs, acts = list(x), {}, {}
    for l in sorted(W):
        z = [sum((w * ai for w, ai in zip(row, a)), Fraction(0)) + (b[l][j] if l in b else 0)
             for j, row in enumerate(W[l])]
        a = [act(v) for v in z]
        zs[l], acts[l] = z, a
    return zs, acts


F = Fraction
W_ = {1: [[F(1, 2), F(-3, 4)], [F(2, 3), F(1, 5)], [F(-1), F(1, 7)]], 2: [[F(3, 2), F(-2, 3), F(1, 4)]]}
B_ = {1: [F(1, 10), F(-1, 3), F(0)], 2: [F(1, 6)]}
X_ = [F(2, 5), F(-7, 3)]
Y_ = [F(1, 9)]


@pytest.mark.parametrize(
    ("activation", "f"),
    [("identity", lambda v: v), ("relu", lambda v: max(v, Fraction(0)))],
)
def test_forward_is_exact_in_rationals(activation, f):
    net = sbp.mlp([2, 3, 1], activation=activation, loss="squared")
    env = sbp.forward(net, _assignment(net, X_, Y_, W_, B_))
    zs, acts = _fraction_forward(X_, W_, B_, f)
    for l in (1, 2):
        for j in range(len(zs[l])):
            assert env[net.z[l][j]] == sp.Rational(zs[l][j].numerator, zs[l][j].denominator)
            assert env[net.a[l][j]].is_Rational
            assert env[net.a[l][j]] == sp.Rational(acts[l][j].numerator, acts[l][j].denominator)
    loss = (acts[2][0] - Y_[0]) ** 2 / 2
    assert env[net.output] == sp.Rational(loss.numerator, loss.denominator)


def test_forward_in_float_matches_an_independent_float_pass():
    net = sbp.mlp([2, 3, 1], activation=["tanh", "sigmoid"], loss="binary_cross_entropy")
    env = sbp.forward(net, _assignment(net, X_, Y_, W_, B_), exact=False)
    h = [math.tanh(sum(float(w) * float(x) for w, x in zip(row, X_)) + float(B_[1][j]))
         for j, row in enumerate(W_[1])]
    o = 1 / (1 + math.exp(-(sum(float(w) * v for w, v in zip(W_[2][0], h)) + float(B_[2][0]))))
    y = float(Y_[0])
    loss = -(y * math.log(o) + (1 - y) * math.log(1 - o))
    for j in range(3):
        assert float(env[net.a[1][j]]) == pytest.approx(h[j], rel=1e-14)
        assert isinstance(env[net.a[1][j]], sp.Float)
    assert float(env[net.output]) == pytest.approx(loss, rel=1e-13)


def test_exact_sigmoid_forward_stays_exact():
    net = sbp.mlp([1, 1], activation="sigmoid", loss="squared", bias=False)
    env = sbp.forward(net, {"x1": 1, "y1": 0, "w1_11": sp.Rational(1, 2)})
    assert env[n.act(1, 1)] == sbp.sigmoid(sp.Rational(1, 2))
    assert env[n.pre(1, 1)] == sp.Rational(1, 2)


# ----- the worked example (numbers published independently: Mazur, "A Step by Step
# Backpropagation Example", 2015; his w1 is w^{(1)}_{11}, his w5 is w^{(2)}_{11})


def _example():
    spec = sbp.load_spec(sbp.EXAMPLE)
    return spec.network, spec.values.assignment(spec.network), spec.values.learning_rate


def test_worked_example_matches_published_values():
    net, values, rate = _example()
    env = sbp.forward(net, values, exact=False)
    assert float(env[net.output]) == pytest.approx(0.298371109, abs=5e-10)
    grads = sbp.gradients(net, values, exact=False)
    g5, g1 = float(grads[n.weight(2, 1, 1)]), float(grads[n.weight(1, 1, 1)])
    assert g5 == pytest.approx(0.082167041, abs=5e-10)
    assert g1 == pytest.approx(0.000438568, abs=5e-10)
    assert values[n.weight(2, 1, 1)] - rate * g5 == pytest.approx(0.35891648, abs=5e-9)


def test_worked_example_exact_agrees_with_float():
    net, values, _ = _example()
    exact = sbp.gradients(net, values, exact=True)
    floats = sbp.gradients(net, values, exact=False)
    for p in net.params:
        assert float(sp.N(exact[p], 30)) == pytest.approx(float(floats[p]), rel=1e-12, abs=1e-15)


def test_worked_example_gradients_match_finite_differences_of_forward():
    net, values, _ = _example()
    grads = sbp.gradients(net, values, exact=False)

    for p in net.params:
        def loss(v, p=p):
            moved = dict(values)
            moved[p] = v
            return float(sbp.forward(net, moved, exact=False)[net.output])

        fd = central_difference(loss, values[p], h=1e-5)
        assert float(grads[p]) == pytest.approx(fd, rel=1e-6, abs=1e-10), p


# ----- constraints, kinks, custom graphs


def test_softmax_cross_entropy_off_the_simplex_uses_the_unsimplified_chain():
    net = sbp.mlp([2, 3], activation="softmax", loss="cross_entropy")
    x, y = [0.3, -0.8], [0.2, 0.3, 0.9]  # targets sum to 1.4: a - y does not hold
    W = {1: [[0.5, -0.25], [0.125, 0.75], [-0.5, 0.375]]}
    values = _assignment(net, x, y, W, {1: [0.1, -0.2, 0.05]})
    numbers = sbp.backward(net, values, exact=False)
    a = [float(numbers.values[s]) for s in net.a[1]]
    for j in range(3):
        for i in range(2):
            p = net.W[1][j][i]

            def loss(v, p=p):
                moved = dict(values)
                moved[p] = v
                return float(sbp.forward(net, moved, exact=False)[net.output])

            fd = central_difference(loss, values[p], h=1e-6)
            assert float(numbers.gradients[p]) == pytest.approx(fd, rel=1e-7, abs=1e-9)
            # The simplified δ = a - y would be wrong here, so the test can fail.
            assert (a[j] - y[j]) * x[i] != pytest.approx(fd, rel=1e-3)


def test_softmax_cross_entropy_on_the_simplex_uses_a_minus_y():
    net = sbp.mlp([2, 3], activation="softmax", loss="cross_entropy")
    values = _assignment(net, [1, 2], [sp.Rational(1, 5), sp.Rational(3, 10), sp.Rational(1, 2)],
                         {1: [[1, 0], [0, 1], [1, 1]]}, {1: [0, 0, 0]})
    numbers = sbp.backward(net, values)
    for k in range(3):
        assert numbers.deltas[n.delta(1, k + 1)] == numbers.values[net.a[1][k]] - values[net.y[k]]


def test_relu_derivative_at_zero_is_zero_in_numbers():
    net = sbp.mlp([1, 1, 1], activation=["relu", "identity"], loss="squared")
    values = {"x1": 0, "w1_11": 3, "b1_1": 0, "w2_11": 2, "b2_1": 1, "y1": 5}
    for exact in (True, False):
        numbers = sbp.backward(net, values, exact=exact)
        # float(): SymPy's Float(0) is not == Integer(0).
        assert float(numbers.values[n.pre(1, 1)]) == 0
        assert float(numbers.deltas[n.delta(2, 1)]) == -4  # a - y = 1 - 5
        assert float(numbers.deltas[n.delta(1, 1)]) == 0
        assert float(numbers.gradients[n.bias(1, 1)]) == 0
        assert float(numbers.gradients[n.weight(2, 1, 1)]) == 0  # a^{(1)} = relu(0) = 0


def test_leaky_relu_derivative_at_zero_is_the_slope():
    net = sbp.mlp([1, 1], activation="leaky_relu", loss="output")
    grads = sbp.gradients(net, {"x1": 0, "w1_11": 3, "b1_1": 0})
    assert grads[n.bias(1, 1)] == sp.Rational(1, 100)


def test_issue_sketch_gradients_are_exact_numbers():
    g = sbp.Graph()
    x, y, z = g.inputs("x y z")
    q = g.node("q", x + y)
    f = g.node("f", q * z)
    g.set_output(f)
    assert sbp.gradients(g, {x: -2, y: 5, z: -4}) == {x: -4, y: -4, z: 3}
    assert sbp.gradients(g, {"x": -2, "y": 5, "z": -4}, wrt=["z"]) == {z: 3}
    numbers = sbp.backward(g, {x: -2, y: 5, z: -4})
    assert numbers[q] == 3 and numbers[f] == -12


# ----- bad values


@pytest.fixture
def small():
    return sbp.mlp([1, 1], activation="identity", loss="squared")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", "expected a number, received '0.5'"),
        (True, "expected a number, received True"),
        (None, "expected a number, received None"),
        (float("nan"), "expected a finite number, received nan"),
        (float("inf"), "expected a finite number, received inf"),
        (1j, "expected a real number, received 1j"),
        (sp.I, "expected a finite real number, received I"),
    ],
)
def test_values_that_are_not_finite_reals_are_refused(small, value, expected):
    values = {"x1": 1, "y1": 0, "w1_11": 1, "b1_1": 0}
    values["w1_11"] = value
    with pytest.raises(sbp.SpecError) as info:
        sbp.forward(small, values)
    assert str(info.value) == f"values.w1_11: {expected}"


def test_missing_values_are_named(small):
    with pytest.raises(sbp.SpecError, match=r"values: missing a value for y_\{1\}, w\^\{\(1\)\}_\{11\}"):
        sbp.forward(small, {"x1": 1, "b1_1": 0})


def test_a_node_value_is_refused(small):
    with pytest.raises(sbp.SpecError, match="'z\\^\\{\\(1\\)\\}_\\{1\\}' is a node"):
        sbp.forward(small, {"x1": 1, "y1": 0, "w1_11": 1, "b1_1": 0, "z1_1": 2})


def test_an_unknown_name_is_refused_with_a_suggestion(small):
    with pytest.raises(sbp.GraphError, match="'w1_12' is not in this graph.*did you mean 'w1_11'"):
        sbp.forward(small, {"x1": 1, "y1": 0, "w1_12": 1, "b1_1": 0})


def test_decimals_become_the_rationals_written():
    assert evaluate.to_number(0.05, exact=True, field="x") == sp.Rational(1, 20)
    assert evaluate.to_number(Fraction(1, 3), exact=True, field="x") == sp.Rational(1, 3)
    assert isinstance(evaluate.to_number(0.05, exact=False, field="x"), sp.Float)


def test_evaluated_graphs_can_be_collected():
    net = sbp.mlp([2, 2, 1])
    bp = evaluate.backprop_of(net)
    assert evaluate.backprop_of(net) is bp  # derived once
    sbp.gradients(net, dict.fromkeys(net.leaves(), 1))
    assert evaluate.backprop_of(net) is bp
    alive = weakref.ref(net)
    del net, bp
    gc.collect()
    assert alive() is None
