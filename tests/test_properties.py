"""Property tests over random small architectures, activations and losses (hypothesis)."""

from __future__ import annotations

import random

import sympy as sp
from conftest import (
    ACTIVATIONS,
    DIGITS,
    LOSSES,
    assert_same_function,
    closed_form,
    on_a_kink,
    random_point,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import symbackprop as sbp
from symbackprop.derive.backprop import DEFAULT_MAX_SIZE
from symbackprop.graph import notation as n
from symbackprop.graph.network import _weighted_sum


@st.composite
def networks(draw):
    """A legal (layers, activations, loss, bias): every loss with outputs it accepts."""
    loss = draw(st.sampled_from(LOSSES))
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in range(depth)]
    if loss == "output":
        sizes[-1] = 1
    elif loss == "cross_entropy":
        acts[-1] = draw(st.sampled_from(["sigmoid", "softmax"]))
    elif loss == "binary_cross_entropy":
        acts[-1] = "sigmoid"
    bias = [draw(st.booleans()) for _ in range(depth)]
    return sizes, acts, loss, bias


@settings(max_examples=60)
@given(networks(), st.integers(0, 10**6))
def test_chain_rule_equals_sympy_diff_of_composed_loss(spec, seed):
    sizes, acts, loss, bias = spec
    net = sbp.mlp(sizes, activation=acts, loss=loss, bias=bias)
    bp = sbp.derive(net)
    rng = random.Random(seed)
    composed = net.composed()
    for p in rng.sample(list(net.params), min(3, len(net.params))):
        d = bp[p]
        reference = sp.diff(composed, p)
        if d.expanded_size() <= DEFAULT_MAX_SIZE:
            assert_same_function(d.expanded(), reference, net.leaves(), targets=net.y, seed=seed, points=1)
        # And the numbers of the δ recursion (evaluate.backward) at a random point, against
        # SymPy's own derivative of the closed form (independent of the registry's fdiff).
        reference = sp.diff(closed_form(composed), p)
        for _ in range(20):
            point = random_point([*net.x, *net.params], rng, net.y)
            point = {s: sp.Float(v, DIGITS + 10) for s, v in point.items()}
            if not on_a_kink(composed, point):
                break
        ours = sp.N(sbp.gradients(net, point, wrt=[p])[p], DIGITS)
        expected = sp.N(reference.xreplace(point), DIGITS)
        assert abs(ours - expected) <= sp.Float(10) ** (10 - DIGITS) * max(1, abs(expected)), p


@given(networks())
def test_leibniz_paths_equal_delta_recursion(spec):
    sizes, acts, loss, bias = spec
    net = sbp.mlp(sizes, activation=acts, loss=loss, bias=bias)
    bp = sbp.derive(net)
    table = {d.symbol: d.chain for d in bp.deltas.values()}
    for _ in range(len(table)):  # δs refer only to later δs: repeat until none is left
        table = {s: e.xreplace(table) for s, e in table.items()}
    for p, d in bp.items():
        assert sp.expand(d.chain - d.delta_form.xreplace(table)) == 0, p


@given(networks())
def test_delta_form_shape(spec):
    sizes, acts, loss, bias = spec
    net = sbp.mlp(sizes, activation=acts, loss=loss, bias=bias)
    bp = sbp.derive(net)
    for l in range(1, len(sizes)):
        for j in range(1, sizes[l] + 1):
            for i in range(1, sizes[l - 1] + 1):
                incoming = n.input_(i) if l == 1 else n.act(l - 1, i)
                assert bp[n.weight(l, j, i)].delta_form == n.delta(l, j) * incoming
            if bias[l - 1]:
                assert bp[n.bias(l, j)].delta_form == n.delta(l, j)


@given(st.sampled_from(["identity", "tanh", "relu", "leaky_relu", "softplus"]),
       st.sampled_from(["cross_entropy", "binary_cross_entropy"]), st.integers(1, 3))
def test_logarithmic_losses_refuse_outputs_that_are_not_probabilities(act, loss, size):
    try:
        sbp.mlp([2, size], activation=act, loss=loss)
    except sbp.SpecError as exc:
        assert "the logarithm is undefined" in str(exc) and repr(act) in str(exc)
    else:
        raise AssertionError(f"{act} outputs accepted by {loss}")


@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 40))
def test_names_round_trip(layer, j, i):
    for s in (n.weight(layer, j, i), n.bias(layer, j), n.pre(layer, j), n.act(layer, j), n.delta(layer, j)):
        assert n.symbol_for(n.parse_name(n.plain(s))) is s
        assert n.symbol_for(n.parse_name(s.name)) is s


@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 30), st.booleans())
def test_weighted_sum_is_canonical(layer, j, fan_in, with_bias):
    weights = [n.weight(layer, j, i) for i in range(1, fan_in + 1)]
    inputs = [n.input_(i) if layer == 1 else n.act(layer - 1, i) for i in range(1, fan_in + 1)]
    bias = n.bias(layer, j) if with_bias else None
    fast = _weighted_sum(weights, inputs, bias)
    slow = sp.Add(*[w * a for w, a in zip(weights, inputs)], *([bias] if bias else []))
    assert fast == slow and hash(fast) == hash(slow) and fast.args == slow.args
