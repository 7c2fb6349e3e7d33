"""Custom computation graphs: structure, sum over paths, shared weights, residuals, errors."""

from __future__ import annotations

import pytest
import sympy as sp
from conftest import assert_same_function, closed_diff

import symbackprop as sbp
from symbackprop.graph.notation import plain


def _check_all(g: sbp.Graph, wrt=None) -> sbp.Backprop:
    """Every requested leaf's expanded derivative equals SymPy's derivative of the composed
    output with every project function written out (never the registry's fdiff)."""
    bp = sbp.derive(g)
    composed = g.composed()
    for s in wrt if wrt is not None else g.params:
        assert_same_function(bp[s].expanded(), closed_diff(composed, s), g.leaves(),
                             targets=g.leaves("target"))
    return bp


def test_issue_sketch():
    g = sbp.Graph()
    x, y, z = g.inputs("x y z")
    q = g.node("q", x + y)
    f = g.node("f", q * z)
    g.set_output(f)
    assert g.output == f
    assert g.parents(f) == (q, z)
    assert g.consumers(x) == (q,) and g.consumers(q) == (f,)
    assert g.kind_of(x) == "input" and g.kind_of(q) == "node"
    assert sbp.gradients(g, {x: -2, y: 5, z: -4}) == {x: -4, y: -4, z: 3}
    assert g.composed() == (x + y) * z
    bp = _check_all(g, wrt=(x, y, z))
    assert bp[z].delta_form == q


def test_leaves_of_every_kind_and_lookup():
    g = sbp.Graph()
    (x,) = g.inputs(["x"])
    (t,) = g.targets("t")
    w, b = g.parameters("w b")
    g.set_output(g.node("L", (w * x + b - t) ** 2))
    assert g.leaves("parameter") == g.params == (w, b)
    assert g.leaves() == (x, t, w, b)
    assert g.lookup("w") is w
    assert all(s.is_real for s in g.leaves())
    bp = _check_all(g, wrt=(x, t, w, b))
    assert list(bp) == [w, b]


def test_shared_node_sums_over_paths():
    g = sbp.Graph()
    x, = g.inputs("x")
    w, = g.parameters("w")
    h = g.node("h", w * x)
    u = g.node("u", sbp.sigmoid(h))
    v = g.node("v", sp.tanh(h))
    g.set_output(g.node("f", u * v + h))
    assert g.consumers(h) == (u, v, sp.Symbol("f", real=True))
    bp = _check_all(g)
    assert len(bp[w].paths) == 3
    assert len(bp[w].terms) == 1  # one consumer of w; the paths share δ_h


def test_residual_connection():
    g = sbp.Graph()
    x, t = g.inputs("x t")
    w1, w2 = g.parameters("w1 w2")
    h1 = g.node("h1", sbp.relu(w1 * x))
    u = g.node("u", sp.tanh(w2 * h1))
    h2 = g.node("h2", u + h1)  # skip connection around the tanh block
    g.set_output(g.node("L", (h2 - t) ** 2 / 2))
    bp = _check_all(g)
    assert len(bp[w1].paths) == 2
    assert g.consumers(h1) == (u, h2)
    # Written inside one node instead, the skip is one edge whose partial carries the "+ 1".
    g2 = sbp.Graph()
    x, t = g2.inputs("x t")
    w1, w2 = g2.parameters("w1 w2")
    h1 = g2.node("h1", sbp.relu(w1 * x))
    h2 = g2.node("h2", sp.tanh(w2 * h1) + h1)
    g2.set_output(g2.node("L", (h2 - t) ** 2 / 2))
    bp2 = _check_all(g2)
    assert len(bp2[w1].paths) == 1
    assert sp.expand(bp2.partial(h2, h1) - (w2 * (1 - sp.tanh(w2 * h1) ** 2) + 1)) == 0


def test_shared_weights_sum_over_their_uses():
    g = sbp.Graph()
    x1, x2 = g.inputs("x1 x2")
    w, = g.parameters("w")
    a = g.node("a", sbp.sigmoid(w * x1))
    b = g.node("b", sbp.sigmoid(w * x2))
    g.set_output(g.node("f", a * b))
    bp = _check_all(g)
    d = bp[w]
    assert [c for c, _, _ in d.terms] == [g.lookup("a"), g.lookup("b")]
    assert len(d.paths) == 2


def test_activation_functions_are_usable_in_custom_graphs():
    g = sbp.Graph()
    x, = g.inputs("x")
    p = g.parameters("p1 p2 p3 p4 p5")
    e = g.node("e", sbp.softplus(p[0] * x) + sbp.leaky_relu(p[1] * x) + sbp.relu(p[2] + x))
    s = g.node("s", sbp.softmax(1, e, p[3] * x))
    g.set_output(g.node("f", s * sp.tanh(p[4])))
    _check_all(g, wrt=(x, *p))


def test_a_node_that_does_not_reach_the_output_gets_no_delta_and_zero_gradient():
    g = sbp.Graph()
    x, = g.inputs("x")
    w, v = g.parameters("w v")
    dead = g.node("dead", v * x)
    g.set_output(g.node("f", w * x))
    bp = sbp.derive(g)
    assert dead not in bp.deltas
    assert bp[v].delta_form == 0
    assert sbp.gradients(g, {x: 2, w: 3, v: 5}) == {w: 2, v: 0}


def test_named_deltas_and_pass_through_nodes():
    g = sbp.Graph()
    x, = g.inputs("x")
    w, = g.parameters("w")
    z = g.node("z", w * x, delta="delta_z")
    a = g.node("a", sbp.sigmoid(z), delta=None)
    g.set_output(g.node("L", a**2))
    bp = sbp.derive(g)
    assert set(bp.deltas) == {z}
    assert bp[w].delta_form == sp.Symbol("delta_z", real=True) * x
    assert sp.expand(bp.delta_of("z").expr - 2 * a * a * (1 - a)) == 0


def test_graph_version_changes_and_gradients_follow():
    g = sbp.Graph()
    x, = g.inputs("x")
    q = g.node("q", 2 * x)
    g.set_output(q)
    assert sbp.gradients(g, {x: 1}) == {x: 2}
    version = g.version
    g.set_output(g.node("r", q * q))
    assert g.version != version
    assert sbp.gradients(g, {x: 1}) == {x: 8}


# ----- errors


def test_unknown_symbol_in_a_node_is_named():
    g = sbp.Graph()
    x, = g.inputs("x")
    with pytest.raises(sbp.GraphError, match=r"node 'f': uses 'xx', which is neither a leaf nor an earlier node \(did you mean 'x'\?\)"):
        g.node("f", x * sp.Symbol("xx", real=True))


def test_a_same_named_symbol_with_other_assumptions_is_explained():
    """g.inputs("x") makes x real; sp.symbols("x") is another symbol.  The error said
    "uses 'x', which is neither a leaf nor an earlier node (did you mean 'x'?)"."""
    g = sbp.Graph()
    g.inputs("x y")
    x, y = sp.symbols("x y")
    with pytest.raises(sbp.GraphError, match=r"uses a symbol 'x' that is not this graph's 'x' \(same name, other "
                                         r"assumptions\); use the symbols the graph returns, or graph.lookup\('x'\)"):
        g.node("f", x * y)


def test_duplicate_names_are_refused():
    g = sbp.Graph()
    x, = g.inputs("x")
    with pytest.raises(sbp.GraphError, match="name 'x' is already defined"):
        g.node("x", x + 1)
    with pytest.raises(sbp.GraphError, match="name 'x' is already defined"):
        g.parameters("x")


def test_strings_are_not_sympified():
    g = sbp.Graph()
    g.inputs("x")
    with pytest.raises(sp.SympifyError):
        g.node("f", "x**2")


def test_output_must_be_a_node():
    g = sbp.Graph()
    x, = g.inputs("x")
    with pytest.raises(sbp.GraphError, match="output: expected a node of this graph, received 'x'"):
        g.set_output(x)
    with pytest.raises(sbp.GraphError, match="no output set"):
        g.output


def test_bad_leaf_kind_and_empty_names():
    g = sbp.Graph()
    with pytest.raises(sbp.GraphError, match="leaf kind: expected one of"):
        g.leaves("weights")
    with pytest.raises(sbp.GraphError, match="inputs: expected at least one name, received none"):
        g.inputs("")


def test_lookup_tables_are_built_once_per_graph_version(monkeypatch):
    net = sbp.mlp([8, 8, 2])
    calls = []
    original = sbp.Graph.symbols
    monkeypatch.setattr(sbp.Graph, "symbols", lambda self: calls.append(1) or original(self))
    names = [plain(s) for s in net.leaves()]
    values = dict.fromkeys(names, 0.5)
    sbp.forward(net, values)  # a lookup per name: quadratic if the tables were rebuilt
    assert len(calls) <= 1
    # ...and rebuilt when the graph changes.
    g = sbp.Graph()
    (x,) = g.inputs("x")
    g.set_output(g.node("q", 2 * x))
    assert g.lookup("q") == sp.Symbol("q", real=True)
    g.set_output(g.node("r", 3 * x))
    assert g.lookup("r") == sp.Symbol("r", real=True)
