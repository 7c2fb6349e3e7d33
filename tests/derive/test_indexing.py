"""Indexing a Backprop: a parameter's symbol is a dictionary lookup, a name is read once.

Counted, not timed: how often the name reader runs and how many symbols are made while
every parameter is read through ``bp[p]`` (the public way to read derivations).
"""

from __future__ import annotations

import pytest
from conftest import count_calls

import symbackprop as sbp
from symbackprop.derive import views
from symbackprop.errors import GraphError
from symbackprop.graph import notation as n


@pytest.mark.parametrize("lazy", [True, False])
def test_a_symbol_key_never_reaches_the_name_reader(monkeypatch, lazy: bool) -> None:
    net = sbp.mlp([3, 4, 2])
    if not lazy:
        net.nodes  # noqa: B018  (the scalar graph made: the graph's own view)
    bp = sbp.derive(net)
    calls = count_calls(monkeypatch, views.LayerView if lazy else views.GraphView, "resolve")
    parses = count_calls(monkeypatch, n, "parse_name")
    forms = {p: bp[p].delta_form for p in net.params}
    assert calls == [0] and parses == [0]
    # The same values as the bulk route, read independently of indexing.
    assert forms == {p: d.delta_form for p, d in sbp.derive(net).items()}


def test_a_name_is_read_once_however_often_it_is_asked() -> None:
    net = sbp.mlp([2, 2, 1])
    bp = sbp.derive(net)
    seen: list[object] = []
    real = bp._view.resolve
    bp._view.resolve = lambda key: (seen.append(key), real(key))[1]  # type: ignore[method-assign]
    first = [bp["w1_12"], bp["w^{(1)}_{12}"], bp["w1_12"], bp["w^{(1)}_{12}"]]
    assert all(d is first[0] for d in first)
    assert seen == ["w1_12", "w^{(1)}_{12}"]
    assert str(first[0].delta_form) == r"\delta^{(1)}_{1}*x_{2}"


def test_indexing_still_refuses_what_is_not_a_leaf_and_reads_inputs() -> None:
    net = sbp.mlp([2, 2, 1])
    bp = sbp.derive(net)
    with pytest.raises(GraphError, match="is a node, not a leaf"):
        bp["z1_1"]
    with pytest.raises(GraphError, match="node, not a leaf"):  # asked twice: the cache keeps no half answer
        bp["z1_1"]
    x1 = net.lookup("x1")
    assert bp[x1] is bp["x1"]
    assert bp[x1].delta_form != 0


@pytest.mark.parametrize("activation", ["sigmoid", ["relu", "softmax"]])
def test_paths_are_listed_and_counted_from_the_layers(activation) -> None:
    loss = "cross_entropy" if activation != "sigmoid" else "squared"
    net = sbp.mlp([3, 4, 3], activation=activation, loss=loss)
    d = sbp.derive(net)["w1_21"]
    paths, count = d.path_list(), d.path_count()
    assert not net.scalar_graph_built  # listing paths made no scalar graph
    # One path through each output neuron; softmax couples them, so through each pair.
    assert count == len(paths) == (3 if activation == "sigmoid" else 9)
    # The same paths and factors as on the scalar graph, derived there independently.
    made = sbp.mlp([3, 4, 3], activation=activation, loss=loss)
    made.nodes  # noqa: B018
    reference = sbp.derive(made)["w1_21"].path_list()
    assert [p.nodes for p in paths] == [p.nodes for p in reference]
    assert [[f.value for f in p.factors] for p in paths] == [[f.value for f in p.factors] for p in reference]


def test_a_derivation_keeps_little_for_the_garbage_collector_to_walk() -> None:
    """Counted objects, not time: every object a derivation keeps alive is walked by each full
    collection while a loop over ``bp[p]`` runs, which was most of that loop's time on
    [784, 128, 10].  A derivation keeps itself and its δ form (a product and its arguments);
    its terms are listed again when asked."""
    import gc

    net = sbp.mlp([8, 16, 4])
    bp = sbp.derive(net)
    bp[net.params[0]]  # one-time caches (the derivations table, SymPy's) made before counting
    gc.collect()
    before = len(gc.get_objects())
    forms = {p: bp[p].delta_form for p in net.params}
    gc.collect()
    kept = (len(gc.get_objects()) - before) / len(net.params)
    assert kept <= 3.2, f"{kept:.2f} tracked objects kept per parameter"
    # The terms, listed on request, still sum to the δ form, checked on every parameter.
    for p in net.params:
        d = bp[p]
        assert sum(adj * local for _, adj, local in d.terms) - forms[p] == 0
        assert all(c in net.consumers(p) for c, _, _ in d.terms)
