"""Round trip: every formula the project prints parses back to an equal expression."""

from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop.derive import derive
from symbackprop.derive.latex import factors_latex
from symbackprop.errors import TooLargeError
from symbackprop.graph import latex, mlp, plain_text
from symbackprop.read import parse_formula

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"]


@st.composite
def networks(draw: st.DrawFn):
    depth = draw(st.integers(1, 3))
    layers = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(ELEMENTWISE)) for _ in range(depth)]
    loss = draw(st.sampled_from(["squared", "sse", "mse", "cross_entropy", "binary_cross_entropy", "output"]))
    if loss == "cross_entropy":
        acts[-1] = "softmax" if layers[-1] > 1 else "sigmoid"
    elif loss == "binary_cross_entropy":
        acts[-1] = "sigmoid"
    elif loss == "output":
        layers[-1] = 1
    bias = draw(st.booleans())
    return mlp(layers, activation=acts, loss=loss, bias=bias)


def printed_expressions(net):
    bp = derive(net)
    for _, d in bp.items():
        yield d.delta_form
        for delta in d.deltas:
            yield delta.expr
            yield delta.chain
        for path in d.path_list(max_paths=50)[:4]:
            yield path.product
            for f in path.factors:
                yield f.value
        try:
            yield d.expanded(max_size=300)
        except TooLargeError:
            pass
    for nd in net.nodes:
        yield nd.expr


def assert_same(back: sp.Expr, expr: sp.Expr, text: str) -> None:
    assert back == expr or sp.expand(back - expr) == 0, (text, back, expr)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_everything_printed_parses_back(net) -> None:
    count = 0
    for expr in printed_expressions(net):
        for printer in (latex, sp.latex, plain_text):
            text = printer(expr)
            assert_same(parse_formula(text, net), expr, text)
            count += 1
    assert count > 0
    # the worked-out Leibniz factors of a sheet, joined with \cdot, read back as the product
    for _, d in derive(net).items():
        for path in d.path_list(max_paths=50)[:4]:
            text = factors_latex(path)
            assert_same(parse_formula(text, net), path.product, text)


def test_printed_sheet_pieces_of_the_classic_example() -> None:
    net = mlp([2, 2, 2])
    d = derive(net)["w1_12"]
    text = latex(d.expanded())
    assert "\\sigma" in text
    assert_same(parse_formula(text, net), d.expanded(), text)
    assert parse_formula(plain_text(d.delta_form), net) == d.delta_form
