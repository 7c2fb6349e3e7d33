"""prove(): confirms right derivations by both methods, and catches planted wrong ones."""

from __future__ import annotations

import importlib
import random

import pytest
import sympy as sp
from conftest import DIGITS

import symbackprop as sbp
from symbackprop.derive import proof as proof_module
from symbackprop.graph import leaky_relu, relu, sigmoid, softmax, softplus
from symbackprop.graph import notation as n

# The package's ``derive`` is the function; the module is reached by its full name.
derive_module = importlib.import_module("symbackprop.derive.backprop")


@pytest.mark.parametrize(
    ("sizes", "acts", "loss"),
    [
        ([2, 2, 2], "sigmoid", "squared"),
        ([2, 3, 2], ["relu", "softmax"], "cross_entropy"),
        ([2, 2, 1], ["leaky_relu", "identity"], "output"),
        ([2, 2, 2], ["softplus", "sigmoid"], "binary_cross_entropy"),
        ([3, 2, 2], ["tanh", "identity"], "mse"),
    ],
)
@pytest.mark.parametrize("method", ["auto", "symbolic", "point"])
def test_prove_confirms_every_parameter(sizes, acts, loss, method):
    net = sbp.mlp(sizes, activation=acts, loss=loss)
    proofs = sbp.prove_all(net, method=method)
    assert [p.wrt for p in proofs] == list(net.params)
    assert all(p.holds for p in proofs), [p for p in proofs if not p.holds]
    if method == "point":
        assert all(p.method == "point" and p.max_error < 1e-40 for p in proofs)


def test_prove_large_graph_uses_high_precision_central_differences():
    net = sbp.mlp([3, 30, 30, 1], activation=["tanh", "sigmoid", "identity"], loss="squared")
    assert len(net.nodes) > 120
    proof = sbp.prove(net, "w1_11", method="point", points=1)
    assert proof.holds and "central difference" in proof.detail and proof.max_error < 1e-30


@pytest.fixture
def planted(monkeypatch):
    """Corrupt one local partial (∂a/∂z of neuron 1 in layer 1) by a factor 1.001."""
    original = derive_module.local_partials

    def wrong(graph, node):
        table = original(graph, node)
        if node == n.act(1, 1):
            table = {p: v * sp.Rational(1001, 1000) for p, v in table.items()}
        return table

    monkeypatch.setattr(derive_module, "local_partials", wrong)


@pytest.mark.parametrize("method", ["symbolic", "point"])
@pytest.mark.parametrize("acts", ["sigmoid", "relu"])
def test_prove_catches_a_planted_wrong_partial(planted, method, acts):
    net = sbp.mlp([2, 2, 1], activation=acts)
    wrong = sbp.prove(net, "w1_11", method=method)
    assert not wrong.holds and wrong.max_error > 0
    # Parameters whose paths avoid the corrupted edge still prove.
    assert sbp.prove(net, "w1_21", method=method).holds


def test_prove_catches_a_planted_wrong_partial_in_a_large_graph(planted):
    net = sbp.mlp([3, 30, 30, 1], activation="tanh", loss="squared")
    assert not sbp.prove(net, "w1_12", method="point", points=1).holds


def test_prove_is_reproducible_and_reports_the_method():
    net = sbp.mlp([2, 2, 1], activation="sigmoid")
    a = sbp.prove(net, "w1_12", method="point", seed=5)
    b = sbp.prove(net, "w1_12", method="point", seed=5)
    assert a == b
    assert sbp.prove(net, "w1_12").method == "symbolic"


def test_prove_errors():
    net = sbp.mlp([2, 2, 1])
    with pytest.raises(sbp.SpecError, match="method: expected 'auto', 'symbolic' or 'point', received 'numeric'"):
        sbp.prove(net, "w1_11", method="numeric")
    with pytest.raises(sbp.TooLargeError, match="use method='point'"):
        sbp.prove(sbp.mlp([4, 8, 8, 8, 2]), "w1_11", method="symbolic")
    with pytest.raises(sbp.GraphError):
        sbp.prove(net, "w9_99")


def test_random_points_avoid_relu_kinks():
    net = sbp.mlp([1, 1], activation="relu", loss="output", bias=False)
    rng = random.Random(0)
    for _ in range(20):
        point = proof_module.random_point(net, rng)
        assert point[n.weight(1, 1, 1)] * point[n.input_(1)] != 0


# ----- the registry's derivatives against their closed forms (prove() relies on fdiff:
# sympy.diff of the composed loss uses the same fdiff, so these are checked separately)


def _close(a, b):
    return abs(sp.N(a - b, DIGITS)) < sp.Float(10) ** (10 - DIGITS)


@pytest.mark.parametrize("value", [sp.Rational(-7, 3), sp.Rational(-1, 5), sp.Rational(2, 9), sp.Rational(11, 4)])
def test_builtin_derivatives_equal_derivatives_of_closed_forms(value):
    z = sp.Symbol("z", real=True)
    closed = {
        sigmoid(z): 1 / (1 + sp.exp(-z)),
        softplus(z): sp.log(1 + sp.exp(z)),
        relu(z): sp.Piecewise((z, z > 0), (0, True)),
        leaky_relu(z): sp.Piecewise((z, z > 0), (z / 100, True)),
        sp.tanh(z): (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)),
    }
    for f, form in closed.items():
        assert _close(f.subs(z, value), form.subs(z, value)), f
        assert _close(sp.diff(f, z).subs(z, value), sp.diff(form, z).subs(z, value)), f


def test_softmax_derivative_equals_derivative_of_its_closed_form():
    zs = sp.symbols("z1:4", real=True)
    point = {zs[0]: sp.Rational(1, 3), zs[1]: sp.Rational(-2, 5), zs[2]: sp.Rational(7, 4)}
    for k in range(1, 4):
        f = softmax(k, *zs)
        form = sp.exp(zs[k - 1]) / sum(sp.exp(v) for v in zs)
        assert _close(f.subs(point), form.subs(point))
        for v in zs:
            assert _close(sp.diff(f, v).subs(point), sp.diff(form, v).subs(point))
    assert _close(sum(softmax(k, *zs) for k in (1, 2, 3)).subs(point), 1)


def test_kink_conventions():
    z = sp.Symbol("z", real=True)
    assert sp.diff(relu(z), z).subs(z, 0) == 0
    assert relu(sp.Integer(0)) == 0 and relu(sp.Rational(-1, 2)) == 0 and relu(sp.Rational(1, 2)) == sp.Rational(1, 2)
    assert sp.diff(leaky_relu(z), z).subs(z, 0) == sp.Rational(1, 100)
    assert sbp.heaviside(sp.Integer(0)) == 0 and sbp.heaviside(sp.Integer(1)) == 1
    assert sigmoid(sp.Integer(0)) == sp.Rational(1, 2)


def test_random_points_avoid_kinks_also_in_float_arithmetic():
    # sigmoid makes the points 60-digit floats; SymPy's Float(0) is not == 0.
    g = sbp.Graph()
    (x,) = g.inputs("x")
    (w,) = g.parameters("w")
    g.set_output(g.node("f", sbp.relu(x) * sbp.sigmoid(w)))
    for seed in range(300):
        point = proof_module.random_point(g, random.Random(seed))
        assert isinstance(point[x], sp.Float)
        assert not point[x].is_zero, seed


def test_max_and_min_nodes_can_be_proved():
    """Max(w x, 0) keeps its arguments sorted as (0, w x): _forward took args[0] = 0 for the
    kink argument, found every point "on the kink", and prove() always raised
    'could not find a point away from the kinks of this graph'."""
    g = sbp.Graph()
    x1, x2 = g.inputs("x1 x2")
    w, v = g.parameters("w v")
    g.set_output(g.node("f", sp.Max(w * x1, 0) + sp.Min(x2, 1, v) + sp.Abs(v * x2)))
    for p in (w, v, x1, x2):
        for method in ("symbolic", "point"):
            assert sbp.prove(g, p, method=method).holds


def test_a_wrong_derivative_rule_is_caught_by_function_values():
    """Both symbolic routes differentiate through the same fdiff, so plant a wrong one:
    only a difference quotient of function values can notice, and prove() must."""
    from sympy.core.function import ArgumentIndexError

    class twice_sigmoid_slope(sp.Function):
        nargs = 1

        def fdiff(self, argindex=1):
            if argindex != 1:
                raise ArgumentIndexError(self, argindex)
            s = sbp.sigmoid(self.args[0])
            return 2 * s * (1 - s)  # the true slope is s (1 - s)

        def _eval_evalf(self, prec):
            return sbp.sigmoid(self.args[0])._eval_evalf(prec)

    sbp.register_activation("planted_wrong_slope", twice_sigmoid_slope, latex=r"\beta",
                            derivative_latex="2a(1-a)", replace=True)
    net = sbp.mlp([2, 2, 1], activation="planted_wrong_slope")
    for method in ("symbolic", "point"):
        proof = sbp.prove(net, "w1_11", method=method)
        assert not proof.holds and proof.max_error > 1e-3, proof
    honest = sbp.mlp([2, 2, 1])
    assert all(sbp.prove(honest, "w1_11", method=m).holds for m in ("symbolic", "point"))
