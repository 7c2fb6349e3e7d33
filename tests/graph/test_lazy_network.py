"""A layered network builds only what is asked for: the vector route never makes the scalar
graph, the first scalar read makes all of it, and what it makes is what was made eagerly.
Work is counted (symbols made, nodes), not timed."""

from __future__ import annotations

import copy
import gc
import types

import numpy as np
import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.graph import Graph
from symbackprop.graph import notation as n
from symbackprop.graph.network import _weighted_sum
from symbackprop.numeric import compile_vector, directional_check, fit, init_params


def _symbols_held(network: object) -> int:
    """How many SymPy symbols the network holds, directly or through anything it keeps."""
    seen, stack, count = set(), [network], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue  # classes, modules and functions belong to the library, not to this network
        seen.add(id(obj))
        if type(obj) is sp.Symbol:
            count += 1
        else:
            stack.extend(gc.get_referents(obj))
    return count


def test_the_vector_route_on_784_128_10_never_builds_the_scalar_graph() -> None:
    net = sbp.mlp([784, 128, 10], activation=["relu", "softmax"], loss="cross_entropy")
    assert net.n_params == 101_770 and repr(net).endswith("101770 parameters>")
    form = sbp.vector_form(net)
    f = compile_vector(form)
    params = init_params(net, seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.random((8, 784)), np.eye(10)[rng.integers(0, 10, 8)]
    f.loss_and_gradients(params, X, Y)
    fit(net, params, X, Y, epochs=2, learning_rate=0.1)
    assert directional_check(f, params, X, Y, samples=5).ok
    assert not net.scalar_graph_built
    # x, y and the output layer's z and a: 784 + 10 + 20 symbols, not one per weight.
    assert _symbols_held(net) < 1_000


def test_the_symbol_count_sees_a_scalar_graph_being_built() -> None:
    net = sbp.mlp([64, 32, 10])
    compile_vector(net)
    assert _symbols_held(net) < 200
    assert len(net.nodes) == 2 * (32 + 10) + 1  # the first scalar read makes the whole graph
    assert net.scalar_graph_built and _symbols_held(net) >= net.n_params


def _eager(layers, activation, loss, bias=True):
    """The network built node by node through the public Graph API, as mlp() did eagerly."""
    net = sbp.mlp(layers, activation=activation, loss=loss, bias=bias)
    g = Graph()
    g.inputs(net.x)
    if net.y:
        g.targets(net.y)
    for l in range(1, net.depth + 1):
        for row in net.W[l]:
            g.parameters(row)
        if net.b[l]:
            g.parameters(net.b[l])
        for j, zj in enumerate(net.z[l]):
            expr = sp.Add(*[w * a for w, a in zip(net.W[l][j], net.a[l - 1])], *net.b[l][j:j + 1])
            g.node(zj, expr, delta=n.delta(l, j + 1), role="z", layer=l, index=j + 1)
        for j, (aj, expr) in enumerate(zip(net.a[l], net.activations[l - 1].layer(net.z[l]))):
            g.node(aj, expr, delta=None, role="a", layer=l, index=j + 1)
    out = net.loss.build(net.a[net.depth], net.y)
    g.set_output(out if g.is_node(out) else g.node(n.loss_symbol(), out, delta=None, role="loss"))
    return net, g


@pytest.mark.parametrize(
    ("layers", "activation", "loss", "bias"),
    [([2, 3, 2], ["tanh", "softmax"], "cross_entropy", True), ([3, 2, 1], "sigmoid", "output", [True, False]),
     ([1, 1], "relu", "squared", False), ([2, 4, 3, 2], ["leaky_relu", "softplus", "sigmoid"], "mse", True)],
)
def test_the_lazily_built_graph_is_the_eager_one(layers, activation, loss, bias) -> None:
    net, eager = _eager(layers, activation, loss, bias)
    before = (net.params, net.n_params, net.x, net.y)
    assert not net.scalar_graph_built  # reading symbols and counts made no graph
    assert net.nodes == eager.nodes and net.output == eager.output
    assert [net.kind_of(s) for s in eager.leaves()] == [eager.kind_of(s) for s in eager.leaves()]
    assert (net.params, net.n_params, net.x, net.y) == before == (eager.params, len(eager.params), net.x, net.y)
    assert sbp.derive(net)[net.params[0]].delta_form == sbp.derive(eager)[net.params[0]].delta_form


def test_the_weighted_sums_it_builds_are_sympys_own() -> None:
    net = sbp.mlp([3, 2])
    for j, zj in enumerate(net.z[1]):
        assert net.node_of(zj).expr == _weighted_sum(net.W[1][j], net.x, net.b[1][j])


def test_any_scalar_read_builds_it_once_and_additions_follow() -> None:
    for read in (lambda g: g.nodes, lambda g: g.lookup("x1"), lambda g: g.leaves(), lambda g: g.output,
                 lambda g: g.composed()):
        net = sbp.mlp([2, 2, 1])
        read(net)
        assert net.scalar_graph_built
    net = sbp.mlp([2, 2, 1])
    version = net.version
    # Neither deriving the δ forms, listing paths nor a version read needs it (paths read the
    # layers: tests/derive/test_indexing.py); making it changes no version.
    assert sbp.derive(net)["w1_11"].delta_form == n.delta(1, 1) * n.input_(1)
    assert len(sbp.derive(net)["w1_11"].paths) == 1
    assert not net.scalar_graph_built
    net.nodes  # noqa: B018
    assert net.version == version
    net = sbp.mlp([2, 2, 1])
    extra = net.parameters("c")[0]  # a user's addition lands in the built graph
    assert net.scalar_graph_built and extra in net.params and net.n_params == 10
    net.set_output(net.node("q", extra * net.output))
    with pytest.raises(sbp.GraphError, match="was added to the network after it was built"):
        sbp.vector_form(net)


def test_a_failed_build_leaves_nothing_half_made(monkeypatch) -> None:
    net = sbp.mlp([2, 2, 1])

    def broken(*args):
        raise RuntimeError("planted")

    monkeypatch.setattr(type(net), "_add_layer", lambda self, l: broken())
    with pytest.raises(RuntimeError, match="planted"):
        net.nodes  # noqa: B018
    assert not net.scalar_graph_built
    monkeypatch.undo()
    assert len(net.nodes) == 2 * 3 + 1 and net.scalar_graph_built


def test_a_copy_is_lazy_and_independent() -> None:
    net = sbp.mlp([2, 2, 1])
    twin = copy.deepcopy(net)
    assert not twin.scalar_graph_built
    assert twin.nodes == net.nodes and twin.scalar_graph_built
    twin.node("extra", twin.output * 2)
    assert len(twin.nodes) == len(net.nodes) + 1
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        net.nonexistent  # noqa: B018
