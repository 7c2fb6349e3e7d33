"""Deriving a network from its layers gives what deriving its scalar graph gives: every δ,
every parameter's and leaf's derivation, and the same name resolution, on every activation
and loss; and deriving [784, 128, 10] that way makes no scalar graph."""

from __future__ import annotations

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.derive import views
from symbackprop.derive.partials import _diff
from symbackprop.graph import notation as n
from symbackprop.graph.notation import plain

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity", "softmax"]
LOSSES = ["squared", "sse", "mse", "cross_entropy", "binary_cross_entropy", "output"]


def _pair(layers, activation, loss, bias=True):
    """The same network derived from its layers and from its scalar graph."""
    lazy = sbp.mlp(layers, activation=activation, loss=loss, bias=bias)
    built = sbp.mlp(layers, activation=activation, loss=loss, bias=bias)
    built.nodes  # noqa: B018 - made, so derive reads the nodes
    by_layers, by_graph = sbp.derive(lazy), sbp.derive(built)
    assert isinstance(by_layers._view, views.LayerView) and isinstance(by_graph._view, views.GraphView)
    return lazy, by_layers, by_graph


def _differences(by_layers, by_graph) -> list[str]:
    out = []
    if list(by_layers.deltas) != list(by_graph.deltas):
        out.append("δ order")
    for node, d in by_graph.deltas.items():
        if by_layers.deltas.get(node) != d:
            out.append(f"δ of {node}")
    graph = by_graph.graph
    for p in (*graph.params, *graph.leaves("input"), *graph.leaves("target")):
        mine, theirs = by_layers[p], by_graph[p]
        if mine.terms != theirs.terms or mine.delta_form != theirs.delta_form:
            out.append(f"∂/∂{p}")
    return out


def _output(loss: str) -> str:
    return {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(loss, "sigmoid")


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_and_loss_derives_alike(hidden: str, loss: str) -> None:
    layers = [2, 3, 1 if loss == "output" else 2]
    _, by_layers, by_graph = _pair(layers, [hidden, _output(loss)], loss)
    assert _differences(by_layers, by_graph) == []


@pytest.mark.parametrize(
    ("layers", "activation", "loss", "bias"),
    [
        ([1, 1], "relu", "squared", False),  # z = w x is a product, not a sum
        ([1, 2, 1], ["tanh", "identity"], "output", [False, True]),
        ([2, 1], "softmax", "cross_entropy", True),  # a one-neuron softmax is 1: no δ reaches L
        ([3, 2, 2, 3], ["softplus", "softmax", "softmax"], "cross_entropy", True),
        ([2, 3, 3, 2], ["leaky_relu", "sigmoid", "identity"], "mse", [True, False, True]),
        ([2, 2, 2], "sigmoid", "squared", True),
    ],
)
def test_edge_cases_derive_alike(layers, activation, loss, bias) -> None:
    _, by_layers, by_graph = _pair(layers, activation, loss, bias)
    assert _differences(by_layers, by_graph) == []
    assert by_layers.delta_definitions() == by_graph.delta_definitions()


def test_names_resolve_alike_and_others_fall_back_to_the_graph() -> None:
    lazy, by_layers, by_graph = _pair([3, 12, 2], "sigmoid", "squared")
    for p in lazy.params[::7]:
        assert by_layers[plain(p)] is by_layers[p.name] is by_layers[p]
        assert by_layers[p].wrt == by_graph[plain(p)].wrt == p
    assert by_layers["w^{(1)}_{1,2}"].wrt == n.weight(1, 1, 2)
    assert not lazy.scalar_graph_built
    # A node, an input by name, and a name of neither: as the graph's own lookup says.
    for bad in ("z1_1", "w1_9_9", "b3_1", "nonsense"):
        with pytest.raises(sbp.GraphError) as mine:
            by_layers[bad]
        with pytest.raises(sbp.GraphError) as theirs:
            by_graph[bad]
        assert str(mine.value) == str(theirs.value)
    assert by_layers["x2"].delta_form == by_graph["x2"].delta_form


def test_a_wrong_layer_partial_is_caught_by_the_comparison(monkeypatch) -> None:
    honest = views.LayerView.weighted_sum_partials

    def swapped(self, node):  # planted: ∂z/∂w_ji read as a_j instead of a_i
        table = honest(self, node)
        if table is not None and node == n.pre(1, 1):
            table = dict(table)
            table[n.weight(1, 1, 2)] = n.input_(1)
        return table

    monkeypatch.setattr(views.LayerView, "weighted_sum_partials", swapped)
    _, by_layers, by_graph = _pair([2, 2, 1], "sigmoid", "squared")
    assert _differences(by_layers, by_graph) == ["∂/∂w^{(1)}_{12}"]


def test_every_delta_form_of_a_wide_network_without_a_scalar_graph() -> None:
    net = sbp.mlp([300, 40, 10], activation=["tanh", "softmax"], loss="cross_entropy")
    bp = sbp.derive(net)
    forms = {p: d.delta_form for p, d in bp.items()}
    assert len(forms) == net.n_params == 12_450 and not net.scalar_graph_built
    w, b = n.weight(1, 40, 300), n.bias(2, 10)
    assert forms[w] == n.delta(1, 40) * n.input_(300) and forms[b] == n.delta(2, 10)
    assert bp.delta_of(n.pre(2, 3)).expr == n.act(2, 3) - n.target(3)
    assert bp.delta_of(n.pre(1, 5)).expr == sp.Add(*[n.delta(2, k) * n.weight(2, k, 5) for k in range(1, 11)]) \
        * (1 - n.act(1, 5) ** 2)


@pytest.mark.parametrize("function", [sbp.sigmoid, sbp.relu, sbp.leaky_relu, sbp.softplus, sbp.tanh, sp.exp, sp.Abs])
def test_an_activations_derivative_is_derived_once_and_substituted_identically(function) -> None:
    for z in (n.pre(1, 1), n.pre(3, 12), sp.Symbol("q"), sp.Symbol("u", positive=True)):
        fast, slow = _diff(function(z), z), sp.diff(function(z), z)
        assert fast == slow and fast.args == slow.args and hash(fast) == hash(slow)
