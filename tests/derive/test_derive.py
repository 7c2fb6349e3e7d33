"""The chain rule: factors, δ form, δ recursion, paths, expanded form, size guard, LaTeX.

The proof of issue 2 item 6 lives here: every parameter of networks covering every
activation and loss, bias on and off, against ``sympy.diff`` of the composed loss.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
import sympy as sp
from conftest import (
    ACTIVATIONS,
    LOSSES,
    assert_same_function,
    closed_diff,
    closed_form,
    count_calls,
    output_activation_for,
    random_point,
    value_at,
)

import symbackprop as sbp
from symbackprop.derive.backprop import DEFAULT_MAX_SIZE, expression_size
from symbackprop.derive.expansion import Substitution
from symbackprop.graph import notation as n
from symbackprop.graph import sigmoid


def _networks():
    for act in ACTIVATIONS:
        for loss in LOSSES:
            for bias in (True, False):
                sizes = [2, 2, 1] if loss == "output" else [2, 2, 2]
                out = output_activation_for(loss, act)
                yield pytest.param(sizes, [act, out], loss, bias, id=f"{act}-{out}-{loss}-bias{int(bias)}")


def _delta_chains(bp: sbp.Backprop) -> dict[sp.Symbol, sp.Expr]:
    """Each δ symbol replaced by its unsimplified chain, recursively (in node symbols)."""
    table = {d.symbol: d.chain for d in bp.deltas.values()}
    memo: dict[sp.Symbol, sp.Expr] = {}

    def full(s):
        if s not in memo:
            body = table[s]
            memo[s] = body.xreplace({t: full(t) for t in body.free_symbols if t in table})
        return memo[s]

    return {s: full(s) for s in table}


# ----- the proof: every parameter equals sympy.diff of the composed loss


@pytest.mark.parametrize(("sizes", "acts", "loss", "bias"), list(_networks()))
def test_every_parameter_equals_sympy_diff_of_composed_loss(sizes, acts, loss, bias):
    net = sbp.mlp(sizes, activation=acts, loss=loss, bias=bias)
    bp = sbp.derive(net)
    composed = net.composed()
    assert not any(net.is_node(s) for s in composed.free_symbols)
    assert len(bp) == len(net.params) > 0
    for p, d in bp.items():
        # SymPy's rules on the closed forms: independent of the registry's fdiff.
        assert_same_function(d.expanded(), closed_diff(composed, p), net.leaves(), targets=net.y)


@pytest.mark.parametrize(("sizes", "acts", "loss", "bias"), list(_networks()))
def test_leibniz_sum_over_paths_equals_delta_form(sizes, acts, loss, bias):
    net = sbp.mlp(sizes, activation=acts, loss=loss, bias=bias)
    bp = sbp.derive(net)
    chains = _delta_chains(bp)
    for p, d in bp.items():
        via_deltas = d.delta_form.xreplace(chains)
        assert not (via_deltas.free_symbols & set(chains))
        # Both are in node symbols (a, z) treated as independent: distributivity only.
        assert sp.expand(d.chain - via_deltas) == 0, p


def test_a_planted_wrong_partial_is_caught_by_the_check():
    net = sbp.mlp([2, 2, 2])
    bp = sbp.derive(net)
    p = n.weight(1, 2, 1)
    d = bp[p]
    wrong = d.expanded() * sp.Rational(2001, 2000)
    with pytest.raises(AssertionError):
        assert_same_function(wrong, closed_diff(net.composed(), p), net.leaves(), targets=net.y)


@pytest.mark.parametrize(
    ("sizes", "acts", "loss"),
    [
        ([5, 6, 4, 3], "sigmoid", "squared"),
        ([5, 6, 4, 3], ["tanh", "relu", "softmax"], "cross_entropy"),
        ([4, 5, 5, 2], ["softplus", "leaky_relu", "sigmoid"], "binary_cross_entropy"),
        ([3, 4, 4, 1], ["identity", "relu", "identity"], "output"),
        ([5, 6, 4, 3], ["relu", "leaky_relu", "identity"], "mse"),
    ],
)
def test_larger_networks_by_high_precision_evaluation(sizes, acts, loss):
    net = sbp.mlp(sizes, activation=acts, loss=loss)
    bp = sbp.derive(net)
    rng = random.Random(7)
    sample = rng.sample(list(net.params), 6)
    point = random_point([*net.x, *net.params], rng, net.y)
    exact = set(net.activations) <= {sbp.get_activation(a) for a in ("identity", "relu", "leaky_relu")}
    if not exact:
        # 60-digit floats: exact arithmetic through exp and log would build huge closed forms.
        point = {s: sp.Float(v, 60) for s, v in point.items()}
    composed = closed_form(net.composed())  # differentiated by SymPy's rules, not our fdiff
    # δ form evaluated through our own forward values and δ chains (no evaluate module).
    env = dict(point)
    for nd in net.nodes:
        env[nd.symbol] = nd.expr.xreplace(env)
    chains = _delta_chains(bp)
    for p in sample:
        ours = bp[p].delta_form.xreplace(chains).xreplace(env)
        reference = sp.diff(composed, p).xreplace(point)
        by_evaluate = sbp.gradients(net, point, wrt=[p])[p]
        if exact:
            assert ours.is_Rational and ours == reference == by_evaluate, p
            continue
        ours, reference, by_evaluate = (value_at(v, {}) for v in (ours, reference, by_evaluate))
        assert abs(ours - reference) <= 1e-40 * max(1, abs(reference)), p
        assert abs(by_evaluate - reference) <= 1e-40 * max(1, abs(reference)), p


# ----- factors worked out in node symbols


def _factor(net, bp, layer, j):
    a, z = net.a[layer][j - 1], net.z[layer][j - 1]
    return bp.partial(a, z)


def test_factor_sigmoid_is_a_times_one_minus_a():
    net = sbp.mlp([2, 2, 1])
    bp = sbp.derive(net)
    a = n.act(1, 2)
    assert sp.expand(_factor(net, bp, 1, 2) - a * (1 - a)) == 0


def test_factor_tanh_is_one_minus_a_squared():
    net = sbp.mlp([2, 2, 1], activation="tanh", loss="squared")
    bp = sbp.derive(net)
    a = n.act(1, 1)
    assert sp.expand(_factor(net, bp, 1, 1) - (1 - a**2)) == 0


def test_factor_relu_is_step_with_zero_at_zero():
    net = sbp.mlp([2, 2, 1], activation="relu")
    bp = sbp.derive(net)
    z = n.pre(1, 1)
    factor = _factor(net, bp, 1, 1)
    assert factor == sp.Heaviside(z, 0)
    assert factor.subs(z, 0) == 0
    assert factor.subs(z, sp.Rational(1, 3)) == 1
    assert factor.subs(z, -sp.Rational(1, 3)) == 0


def test_factor_leaky_relu_has_slope_below_and_at_zero():
    net = sbp.mlp([1, 1], activation="leaky_relu", loss="squared")
    bp = sbp.derive(net)
    z = n.pre(1, 1)
    factor = _factor(net, bp, 1, 1)
    assert factor.subs(z, 0) == sp.Rational(1, 100)
    assert factor.subs(z, -2) == sp.Rational(1, 100)
    assert factor.subs(z, 2) == 1


def test_factor_softmax_couples_the_layer():
    net = sbp.mlp([2, 3], activation="softmax", loss="squared")
    bp = sbp.derive(net)
    a = net.a[1]
    zs = net.z[1]
    for k in range(3):
        for j in range(3):
            kron = 1 if k == j else 0
            assert sp.expand(bp.partial(a[k], zs[j]) - a[k] * (kron - a[j])) == 0


def test_factor_of_weighted_sum_is_the_incoming_activation():
    net = sbp.mlp([3, 2, 2])
    bp = sbp.derive(net)
    assert bp.partial(n.pre(2, 1), n.weight(2, 1, 2)) == n.act(1, 2)
    assert bp.partial(n.pre(2, 1), n.act(1, 2)) == n.weight(2, 1, 2)
    assert bp.partial(n.pre(1, 2), n.weight(1, 2, 3)) == n.input_(3)
    assert bp.partial(n.pre(1, 2), n.bias(1, 2)) == 1


# ----- δ form and δ recursion


@pytest.mark.parametrize("bias", [True, False])
def test_delta_form_is_delta_times_incoming_activation(bias):
    net = sbp.mlp([3, 4, 2, 2], activation=["relu", "tanh", "sigmoid"], bias=bias)
    bp = sbp.derive(net)
    for l in range(1, 4):
        for j in range(1, net.layers[l] + 1):
            for i in range(1, net.layers[l - 1] + 1):
                incoming = n.input_(i) if l == 1 else n.act(l - 1, i)
                assert bp[n.weight(l, j, i)].delta_form == n.delta(l, j) * incoming
            if bias:
                assert bp[n.bias(l, j)].delta_form == n.delta(l, j)


def test_delta_recursion_for_sigmoid_squared():
    net = sbp.mlp([2, 3, 2])
    bp = sbp.derive(net)
    for k in (1, 2):
        a, y = n.act(2, k), n.target(k)
        assert sp.expand(bp.delta_of(n.pre(2, k)).expr - (a - y) * a * (1 - a)) == 0
    for j in (1, 2, 3):
        a = n.act(1, j)
        expected = a * (1 - a) * sum(n.weight(2, k, j) * n.delta(2, k) for k in (1, 2))
        assert sp.expand(bp.delta_of(n.pre(1, j)).expr - expected) == 0
        assert bp.delta_of(f"z1_{j}").constraint is None


def test_derivation_lists_the_deltas_it_uses_nearest_first():
    net = sbp.mlp([2, 2, 2, 1])
    d = sbp.derive(net)["w1_21"]
    assert [x.symbol for x in d.deltas] == [n.delta(1, 2), n.delta(2, 1), n.delta(2, 2), n.delta(3, 1)]


def test_softmax_cross_entropy_delta_is_a_minus_y_under_recorded_constraint():
    net = sbp.mlp([2, 3, 3], activation=["tanh", "softmax"], loss="cross_entropy")
    bp = sbp.derive(net)
    ys = net.y
    for k in range(1, 4):
        d = bp.delta_of(n.pre(2, k))
        assert d.expr == n.act(2, k) - n.target(k)
        assert d.constraint is not None and "y_k = 1" in d.constraint
        # The chain is the real derivative: it equals a - y only on the simplex.
        assert sp.expand(d.chain - d.expr) != 0
        on_simplex = {ys[-1]: 1 - sum(ys[:-1])}
        assert sp.expand(d.chain.xreplace(on_simplex) - d.expr.xreplace(on_simplex)) == 0


def test_sigmoid_binary_cross_entropy_delta_is_a_minus_y_without_constraint():
    net = sbp.mlp([2, 2, 2], loss="binary_cross_entropy")
    bp = sbp.derive(net)
    for k in (1, 2):
        d = bp.delta_of(n.pre(2, k))
        assert d.expr == n.act(2, k) - n.target(k)
        assert d.constraint is None
        assert sp.cancel(d.chain - d.expr) == 0


def test_output_loss_differentiates_the_output_neuron():
    net = sbp.mlp([2, 2, 1], activation=["relu", "sigmoid"], loss="output")
    assert net.output == n.act(2, 1)
    assert net.y == ()
    bp = sbp.derive(net)
    a = n.act(2, 1)
    assert sp.expand(bp.delta_of("z2_1").expr - a * (1 - a)) == 0


# ----- paths, expanded form and the size guard


def test_paths_run_from_parameter_to_loss_with_factors_in_leibniz_order():
    net = sbp.mlp([2, 3, 2])
    d = sbp.derive(net)["w1_21"]
    assert len(d.paths) == 2  # through z2_1 and z2_2
    for path in d.paths:
        assert path.nodes[0] == n.weight(1, 2, 1)
        assert path.nodes[-1] == net.output
        assert path.factors[0].of == net.output
        assert path.factors[-1].wrt == n.weight(1, 2, 1)
        assert [f.of for f in path.factors] == list(reversed(path.nodes[1:]))


def test_softmax_multiplies_the_paths():
    net = sbp.mlp([2, 2, 3], activation=["sigmoid", "softmax"], loss="squared")
    assert len(sbp.derive(net)["w1_11"].paths) == 3 * 3


def test_path_limit_raises_too_large():
    net = sbp.mlp([2, 4, 4, 4, 1])
    d = sbp.derive(net)["w1_11"]
    assert len(d.path_list()) == 16
    with pytest.raises(sbp.TooLargeError, match="more than 10 chain-rule paths"):
        d.path_list(max_paths=10)


def test_expanded_form_on_a_deep_wide_net_refuses_before_expanding(monkeypatch):
    net = sbp.mlp([8, 16, 16, 16, 4])
    bp = sbp.derive(net)
    d = bp["w1_11"]
    expanded = count_calls(monkeypatch, Substitution, "_full")
    with pytest.raises(sbp.TooLargeError) as info:
        d.expanded()
    assert expanded[0] == 0
    # The estimate visits each subexpression of the unexpanded DAG once (2,208 here), not the
    # expansion's 373 million terms.
    assert len(bp._sizes) < 10 * (net.n_params + len(net.nodes))
    assert d.expanded_size() > 10_000 * DEFAULT_MAX_SIZE
    message = str(info.value)
    assert "w^{(1)}_{11}" in message and f"{DEFAULT_MAX_SIZE:,}" in message
    assert d.expanded_size() > DEFAULT_MAX_SIZE


def test_expression_size_counts_the_tree_without_building_it():
    x, y, s = sp.symbols("x y s")
    # Pow(Add(x, y), 2): the power, the sum, x, y and the exponent.
    assert expression_size(s**2, {s: x + y}) == 5
    # Shared subexpressions are counted once per use, as the expanded tree would hold them.
    assert expression_size(s * sp.sin(s), {s: x + y}) == len(list(sp.preorder_traversal((x + y) * sp.sin(x + y))))
    e = (x + y) * sp.sin(x)
    assert expression_size(e, {}) == len(list(sp.preorder_traversal(e)))


def test_expanded_respects_max_size_argument():
    net = sbp.mlp([2, 2, 2])
    d = sbp.derive(net)["w1_11"]
    size = d.expanded_size()
    assert d.expanded(max_size=size) is not None
    with pytest.raises(sbp.TooLargeError):
        d.expanded(max_size=size - 1)


# ----- the value and its errors


def test_derivation_is_frozen():
    d = sbp.derive(sbp.mlp([1, 1]))["w1_11"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.delta_form = sp.S.Zero  # type: ignore[misc]


def test_derive_refuses_a_graph_without_output():
    g = sbp.Graph()
    (x,) = g.inputs("x")
    g.node("f", x**2)
    with pytest.raises(sbp.GraphError, match="no output set"):
        sbp.derive(g)


def test_indexing_by_node_or_unknown_name():
    bp = sbp.derive(sbp.mlp([2, 2, 1]))
    with pytest.raises(sbp.GraphError, match="is a node"):
        bp["z1_1"]
    with pytest.raises(sbp.GraphError, match="'W1_11' is not in this graph.*did you mean 'w1_11'"):
        bp["W1_11"]
    assert bp["w1_12"] is bp[r"w^{(1)}_{12}"] is bp[n.weight(1, 1, 2)]


def test_derivation_of_an_input_leaf():
    net = sbp.mlp([2, 2, 1], activation="tanh")
    bp = sbp.derive(net)
    x1 = n.input_(1)
    assert x1 not in list(bp)
    assert_same_function(bp[x1].expanded(), closed_diff(net.composed(), x1), net.leaves(), targets=net.y)


# ----- LaTeX of a derivation (golden strings)


def test_inline_latex_golden():
    bp = sbp.derive(sbp.mlp([2, 2, 2]))
    assert bp["w1_12"].latex(style="inline") == (
        r"\frac{\partial L}{\partial w^{(1)}_{12}} = \delta^{(1)}_{1} x_{2}"
    )
    assert bp["b2_1"].latex(style="inline") == r"\frac{\partial L}{\partial b^{(2)}_{1}} = \delta^{(2)}_{1}"


def test_full_latex_golden_for_an_output_weight():
    bp = sbp.derive(sbp.mlp([2, 2, 2]))
    assert bp["w2_12"].latex() == (
        "\\begin{aligned}\n"
        r"\frac{\partial L}{\partial w^{(2)}_{12}} &= \frac{\partial L}{\partial a^{(2)}_{1}} \, "
        r"\frac{\partial a^{(2)}_{1}}{\partial z^{(2)}_{1}} \, "
        r"\frac{\partial z^{(2)}_{1}}{\partial w^{(2)}_{12}} \\" "\n"
        r"&= \left(a^{(2)}_{1} - y_{1}\right) \cdot a^{(2)}_{1} \left(1 - a^{(2)}_{1}\right) "
        r"\cdot a^{(1)}_{2} \\" "\n"
        r"&= \delta^{(2)}_{1} a^{(1)}_{2} \\" "\n"
        r"\delta^{(2)}_{1} &= a^{(2)}_{1} \left(1 - a^{(2)}_{1}\right) \left(a^{(2)}_{1} - y_{1}\right)"
        "\n\\end{aligned}"
    )


def test_latex_of_functions_golden():
    z = n.pre(1, 1)
    assert sbp.latex(sigmoid(z)) == r"\sigma\left(z^{(1)}_{1}\right)"
    assert sbp.latex(sbp.relu(z)) == r"\operatorname{ReLU}\left(z^{(1)}_{1}\right)"
    assert sbp.latex(sp.diff(sbp.relu(z), z)) == r"H\left(z^{(1)}_{1}\right)"
    assert sbp.latex(sbp.softmax(2, z, n.pre(1, 2))) == (
        r"\operatorname{softmax}_{2}\left(z^{(1)}_{1}, z^{(1)}_{2}\right)"
    )
    assert sbp.latex(sp.KroneckerDelta(sp.Symbol("i"), sp.Symbol("j"))) == r"\delta_{ij}"


def test_softmax_cross_entropy_latex_states_the_constraint():
    bp = sbp.derive(sbp.mlp([2, 2], activation="softmax", loss="cross_entropy"))
    text = bp["w1_11"].latex()
    assert r"\delta^{(1)}_{1} &= a^{(1)}_{1} - y_{1} \quad \text{(using } \sum_k y_k = 1\text{)}" in text


def test_negative_factors_are_bracketed():
    bp = sbp.derive(sbp.mlp([2, 2], activation="softmax", loss="squared"))
    line = bp["w1_11"].latex().splitlines()[2]
    assert line == (
        r"&= \left(a^{(1)}_{1} - y_{1}\right) \cdot a^{(1)}_{1} \left(1 - a^{(1)}_{1}\right) \cdot x_{1} + "
        r"\left(a^{(1)}_{2} - y_{2}\right) \cdot \left(- a^{(1)}_{1} a^{(1)}_{2}\right) \cdot x_{1} \\"
    )


def test_latex_of_powers_of_the_project_functions():
    z = n.pre(1, 1)
    assert sbp.latex(sigmoid(z) ** 2) == r"\sigma\left(z^{(1)}_{1}\right)^{2}"
    assert sbp.latex(sbp.relu(z) ** 3) == r"\operatorname{ReLU}\left(z^{(1)}_{1}\right)^{3}"
    for f in (sbp.softplus(z), sbp.leaky_relu(z), sbp.softmax(1, z, 2 * z)):
        assert sbp.latex(f**2).endswith(r"\right)^{2}")
    # Expanded forms are where powers come from: L = a^2 with a = sigmoid(w x).
    g = sbp.Graph()
    (x,) = g.inputs("x")
    (w,) = g.parameters("w")
    a = g.node("a", sigmoid(w * x))
    g.set_output(g.node("L", a**2))
    text = sbp.latex(sp.expand(sbp.derive(g)[w].expanded()))
    assert r"\sigma\left(w x\right)^{2}" in text


def test_the_sum_to_one_constraint_belongs_to_softmax_outputs_only():
    import symbackprop as sbp

    sig = sbp.derive(sbp.mlp([2, 1], activation="sigmoid", loss="cross_entropy"))
    assert all(d.constraint is None for d in sig.deltas.values())
    soft = sbp.derive(sbp.mlp([2, 3], activation="softmax", loss="cross_entropy"))
    assert all(d.constraint is not None for d in soft.deltas.values())


def test_other_spellings_of_a_network_name_resolve():
    import symbackprop as sbp

    net = sbp.mlp([2, 2])
    w = net.lookup("w1_12")
    assert net.lookup("w1_1_2") == w and net.lookup("w^{(1)}_{1,2}") == w
    with pytest.raises(sbp.GraphError, match="not in this graph"):
        net.lookup("w1_3_1")
