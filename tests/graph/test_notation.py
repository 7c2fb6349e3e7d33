"""The naming scheme: LaTeX names, plain names, and reading either back; core doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.graph import notation as n
from symbackprop.graph.notation import Name, parse_name, plain


@pytest.mark.parametrize(
    ("symbol", "latex", "plain_name"),
    [
        (n.weight(1, 1, 2), "w^{(1)}_{12}", "w1_12"),
        (n.weight(2, 3, 12), "w^{(2)}_{3,12}", "w2_3_12"),
        (n.weight(12, 11, 2), "w^{(12)}_{11,2}", "w12_11_2"),
        (n.bias(2, 1), "b^{(2)}_{1}", "b2_1"),
        (n.bias(1, 15), "b^{(1)}_{15}", "b1_15"),
        (n.pre(3, 2), "z^{(3)}_{2}", "z3_2"),
        (n.act(0, 4), "a^{(0)}_{4}", "a0_4"),
        (n.delta(2, 1), r"\delta^{(2)}_{1}", "delta2_1"),
        (n.input_(3), "x_{3}", "x3"),
        (n.target(10), "y_{10}", "y10"),
    ],
)
def test_names_in_latex_and_plain(symbol, latex, plain_name):
    assert symbol.name == latex
    assert symbol.is_real
    assert plain(symbol) == plain_name
    assert parse_name(latex) == parse_name(plain_name)
    assert n.symbol_for(parse_name(plain_name)) is symbol
    assert sbp.latex(symbol) == latex


def test_every_symbol_of_a_wide_network_round_trips():
    net = sbp.mlp([3, 11, 12, 2])
    bp = sbp.derive(net)
    symbols = set(net.leaves()) | {nd.symbol for nd in net.nodes} | set(bp.delta_definitions())
    symbols.discard(net.output)
    plains = set()
    for s in symbols:
        name = parse_name(s.name)
        assert name is not None, s
        assert n.symbol_for(name) == s
        assert parse_name(plain(s)) == name
        if s not in bp.delta_definitions():  # δs are derived, not graph symbols
            assert net.lookup(plain(s)) == s
        plains.add(plain(s))
    assert len(plains) == len(symbols)  # no two symbols share a plain name


def test_plain_text_of_expressions_uses_plain_names():
    expr = (n.act(2, 1) - n.target(1)) * n.input_(1)
    assert sbp.plain_text(expr) == "x1*(a2_1 - y1)"
    assert sbp.plain_text(sp.Heaviside(n.pre(1, 1), 0)) == "H(z1_1)"
    assert sbp.plain_text(n.loss_symbol()) == "L"


@pytest.mark.parametrize(
    "text",
    ["w1_1", "w1_123", "x1_2", "x", "q3", "w^{(1)}_{1}", "x_{0}", "b1_0", "w_{12}", "a_{1}",
     "x^{(1)}_{1}", "delta_1", "w^{(1)}_{1,2,3}", "W1", ""],
)
def test_non_names_parse_to_none(text):
    assert parse_name(text) is None


def test_parse_tolerates_surrounding_space_and_reads_kinds():
    assert parse_name("  w1_12 ") == Name("w", 1, (1, 2))
    assert parse_name(r"\delta^{(3)}_{2}") == Name("delta", 3, (2,))
    assert n.matrix_name("w", 2) == "W2" and n.matrix_name("b", 1) == "b1"


# ----- the docstring examples of the core modules run (python -m pytest --doctest-modules)

CORE = ["graph.notation", "errors", "graph.functions", "graph.activations", "graph.losses", "graph.graph",
        "graph.network", "derive.backprop", "derive.evaluate", "derive.proof", "read.spec", "graph.printing",
        "cli.app", "cli.derive", "derive._fast", "graph.bulk", "derive.views"]


@pytest.mark.parametrize("name", CORE)
def test_core_docstring_examples(name, monkeypatch):
    # Some examples register entries; keep them out of the registries other tests see.
    for registry in ("activations", "losses"):
        module = importlib.import_module(f"symbackprop.graph.{registry}")
        monkeypatch.setattr(module, "_REGISTRY", dict(module._REGISTRY))
    module = importlib.import_module(f"symbackprop.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name in ("graph.notation", "graph.functions", "graph.graph", "graph.network", "derive.backprop", "read.spec",
                "graph.printing"):
        assert result.attempted > 0


def test_package_docstring_example():
    assert doctest.testmod(sbp).failed == 0


def test_leaky_relu_prints_a_slope_that_is_not_the_default():
    """leaky_relu(z, p) printed as LeakyReLU(z), the same as the default slope 1/100, so a
    sheet of a graph with a learnable slope showed another function; the parser reads the
    two-argument form back."""
    g = sbp.Graph()
    (x,) = g.inputs("x")
    w, p = g.parameters("w p")
    g.set_output(g.node("f", sbp.leaky_relu(w * x, p)))
    assert sbp.latex(sbp.leaky_relu(w * x)) == r"\operatorname{LeakyReLU}\left(w x\right)"
    for e in (sbp.leaky_relu(w * x, p), sbp.leaky_relu(w * x, sp.Rational(1, 5)) ** 2):
        assert sbp.latex(e) != sbp.latex(sbp.leaky_relu(w * x)) and sbp.parse_formula(sbp.latex(e), g) == e
    assert sbp.latex(sbp.leaky_relu(w * x, p)) == r"\operatorname{LeakyReLU}\left(w x, p\right)"


def test_subscript_before_layer_reads_as_the_same_name():
    from symbackprop.graph import notation as nt

    assert nt.parse_name("w_{12}^{(2)}") == nt.parse_name("w^{(2)}_{12}") == nt.Name("w", 2, (1, 2))
    assert nt.parse_name(r"\delta_{1}^{(3)}") == nt.Name("delta", 3, (1,))
