"""The notation parser: what it accepts, what it builds, and how it refuses."""

from __future__ import annotations

import re

import pytest
import sympy as sp
from conftest import ROOT

from symbackprop.graph import leaky_relu, mlp, relu, sigmoid, softmax, softplus
from symbackprop.graph import notation as n
from symbackprop.read.parser import MAX_DEPTH, MAX_LENGTH, FormulaError, parse_formula, parse_formula_notes

NET = mlp([2, 2, 1])
NET3 = mlp([2, 3, 2], activation=["tanh", "softmax"], loss="cross_entropy")
a21, a11, a12, y1, x1, x2 = n.act(2, 1), n.act(1, 1), n.act(1, 2), n.target(1), n.input_(1), n.input_(2)
z11, z21, d21, d11 = n.pre(1, 1), n.pre(2, 1), n.delta(2, 1), n.delta(1, 1)


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"a^{(2)}_1 (1 - a^{(2)}_1)", a21 * (1 - a21)),
        (r"(a^{(2)}_1-y_1) a^{(2)}_1 (1-a^{(2)}_1) x_1", (a21 - y1) * a21 * (1 - a21) * x1),
        (r"w^{(2)}_{11}", n.weight(2, 1, 1)),
        (r"w_{12}^{(1)}", n.weight(1, 1, 2)),
        (r"w^{(1)}_{1,2}", n.weight(1, 1, 2)),
        (r"\hat{y} - y_1", a21 - y1),
        (r"\hat y_1 - y_1", a21 - y1),
        (r"\frac{1}{2}\left(\hat{y}-y_1\right)^{2}", (a21 - y1) ** 2 / 2),
        (r"\delta^{(2)}_{1} \cdot w^{(2)}_{11} \times x_2", d21 * n.weight(2, 1, 1) * x2),
        (r"\sigma(z^{(1)}_1)", sigmoid(z11)),
        (r"\sigma\left(z^{(1)}_{1}\right)", sigmoid(z11)),
        ("\\sigma'(z^{(1)}_1)", sigmoid(z11) * (1 - sigmoid(z11))),
        ("f'(z^{(1)}_1)", sigmoid(z11) * (1 - sigmoid(z11))),
        (r"e^{-z^{(1)}_1}", sp.exp(-z11)),
        (r"\exp(z^{(1)}_1) + \tanh(z^{(1)}_1)", sp.exp(z11) + sp.tanh(z11)),
        (r"\ln a^{(2)}_1 + \log{\left(a^{(1)}_{1} \right)}", sp.log(a21) + sp.log(a11)),
        (r"\max(0, z^{(1)}_1)", relu(z11)),
        (r"\operatorname{ReLU}\left(z^{(1)}_1\right)", relu(z11)),
        (r"H\left(z^{(1)}_{1}\right)", sp.Heaviside(z11, 0)),
        (r"\theta\left(z^{(1)}_{1}, 0\right)", sp.Heaviside(z11, 0)),
        ("Heaviside(z1_1)", sp.Heaviside(z11)),
        (r"\operatorname{softplus}(z^{(1)}_1) + \operatorname{LeakyReLU}(z^{(1)}_1)", softplus(z11) + leaky_relu(z11)),
        (r"\sum_{k=1}^{2} w^{(1)}_{k1}", n.weight(1, 1, 1) + n.weight(1, 2, 1)),
        (r"\sum_{j=1}^{n} x_j", x1 + x2),
        (r"\sum_k w^{(1)}_{1k} x_k + b^{(1)}_1", n.weight(1, 1, 1) * x1 + n.weight(1, 1, 2) * x2 + n.bias(1, 1)),
        ("0.25 x_1 + 1.5", x1 / 4 + sp.Rational(3, 2)),
        ("sigmoid(z1_1)*(1-sigmoid(z1_1))*x1", sigmoid(z11) * (1 - sigmoid(z11)) * x1),
        ("(a2_1 - y1) * a2_1 * (1 - a2_1)", (a21 - y1) * a21 * (1 - a21)),
        ("delta2_1 * w2_11 + x1**2 + x2^3", d21 * n.weight(2, 1, 1) + x1**2 + x2**3),
        ("-a2_1 x1 - -x2", -a21 * x1 + x2),
        (r"\sqrt{x_1} + \sqrt[3]{x_2}", sp.sqrt(x1) + x2 ** sp.Rational(1, 3)),
        (r"\frac{\delta^{(1)}_1}{2} x_1 \, x_2", d11 * x1 * x2 / 2),
        (r"\left[ x_1 + x_2 \right] \{ x_1 \}", (x1 + x2) * x1),
        ("L", n.loss_symbol()),
    ],
)
def test_accepted_notation(text: str, expected: sp.Expr) -> None:
    got = parse_formula(text, NET)
    assert sp.expand(got - expected) == 0, (got, expected)


def test_softmax_layer_and_sum_to_layer_size() -> None:
    zs = (n.pre(2, 1), n.pre(2, 2))
    got = parse_formula(r"\operatorname{softmax}_{2}\left(z^{(2)}_1, z^{(2)}_2\right)", NET3)
    assert got == softmax(2, *zs)
    assert parse_formula("softmax(1, z2_1, z2_2)", NET3) == softmax(1, *zs)
    # n is the size of the layer the summed index runs over: layer 2 has 2 neurons
    got = parse_formula(r"\sum_{k=1}^{n} \delta^{(2)}_k w^{(2)}_{k3}", NET3)
    assert got == n.delta(2, 1) * n.weight(2, 1, 3) + n.delta(2, 2) * n.weight(2, 2, 3)
    assert parse_formula(r"\sum_k \hat{y}_k", NET3) == n.act(2, 1) + n.act(2, 2)


def test_sigma_prime_reads_the_layer_activation_and_says_so() -> None:
    expr, notes = parse_formula_notes("\\sigma'(z^{(1)}_1)", NET3)
    assert expr == 1 - sp.tanh(n.pre(1, 1)) ** 2
    assert "tanh" in notes[0]
    assert parse_formula("\\sigma(z^{(1)}_1)", NET3) == sigmoid(n.pre(1, 1))


def test_free_mode_builds_symbols_in_the_naming_scheme() -> None:
    assert parse_formula(r"w^{(3)}_{12} a_{(1)}") != 0
    assert parse_formula(r"w^{(3)}_{12}") == n.weight(3, 1, 2)
    assert parse_formula("w3_1_12 + x12") == n.weight(3, 1, 12) + n.input_(12)
    assert parse_formula(r"\frac{1}{2} (\hat{y} - y)^2").free_symbols == {sp.Symbol(r"\hat{y}", real=True), sp.Symbol("y", real=True)}


def _error(text: str, graph=NET) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse_formula(text, graph)
    return info.value


def test_unknown_name_lists_closest_and_points_at_it() -> None:
    e = _error("x_1 + w^{(1)}_{31}")
    assert e.column == 7
    assert "w1_31" in e.message and "did you mean" in e.message and "w1_21" in e.message
    lines = str(e).splitlines()
    assert lines[1].strip() == "x_1 + w^{(1)}_{31}"
    assert lines[2].index("^") == lines[1].index("w")


@pytest.mark.parametrize(
    "text, fragment, column",
    [
        ("x_1 +", "ends too early", 6),
        ("x_1 @ x_2", "unexpected character '@'", 5),
        ("a_1", "needs a layer", 1),
        ("w^{(1)}_{kj}", "index 'k' is not bound", 1),
        (r"\frac{1}{0}", "division by zero", 10),
        ("f(x_1)", "pre-activation", 1),
        ("q + 1", "unknown name 'q'", 1),
        ("x_1(1, 2)", "not a function", 1),
        ("sigmoid(x1, x2)", "takes 1 argument", 1),
        (r"\ln", "needs an argument", 1),
        (r"\sum_{k=1}^{5000} x_1", "at most", 1),
        (r"\sum_k q_k", "cannot tell how far", 1),
        ("x1^{2000}", "exponent too large", 1),
        ("x_1^{2}^{3}", "double superscript", 1),
        ("9^{2}^{3}", "unexpected '^'", 6),
        ("1" * 50, "number too long", 1),
        ("(2^{900})^{900}", "number too large", 1),
        (r"\hat{y}", None, None),
    ],
)
def test_errors_name_the_problem_and_the_column(text: str, fragment: str | None, column: int | None) -> None:
    if fragment is None:  # a control: the same graph accepts it
        parse_formula(text, NET)
        return
    e = _error(text)
    assert fragment in e.message
    assert e.column == column


def test_hat_y_is_ambiguous_with_several_outputs() -> None:
    assert "ambiguous" in _error(r"\hat{y}", NET3).message


def test_bare_y_is_the_single_target_like_hat_y() -> None:
    # Lecture notes with one output write (\hat{y} - y); \hat{y} was read as a^{(L)}_1 but
    # the y beside it was refused as "unknown name 'y'".
    assert parse_formula(r"(\hat{y} - y) \hat{y}", NET) == (a21 - y1) * a21
    assert "ambiguous" in _error(r"a^{(2)}_1 - y", NET3).message


def test_prime_as_latex_writes_it() -> None:
    # LaTeX expands f' to f^{\prime}; notes typed that way were refused ("unknown name \prime").
    expected = parse_formula("\\sigma'(z^{(1)}_1)", NET)
    for text in (r"\sigma^{\prime}(z^{(1)}_1)", r"\sigma^\prime(z^{(1)}_1)", r"f^{\prime}(z^{(1)}_1)"):
        assert parse_formula(text, NET) == expected, text


def test_sum_with_limits() -> None:
    # \sum\limits_{k=1}^{n} (display-style limits) was refused as a malformed sum.
    assert parse_formula(r"\sum\limits_{k=1}^{n} \hat{y}_k", NET3) == parse_formula(r"\sum_{k=1}^{n} \hat{y}_k", NET3)
    assert parse_formula(r"\sum\nolimits_k \hat{y}_k", NET3) == parse_formula(r"\sum_k \hat{y}_k", NET3)


def test_typeset_minus_and_product_signs() -> None:
    # Copied from a PDF (or from verify's own "a − y"): U+2212 and · were "unexpected character".
    assert parse_formula("(a2_1 \u2212 y1)\u00b7a2_1\u00d7x1", NET) == (a21 - y1) * a21 * x1
    assert _error("x1 \u2212 )", NET).column == 6


def test_limits_on_length_and_depth() -> None:
    assert "too long" in _error("x_1+" * (MAX_LENGTH // 4) + "x_1").message
    assert "nested deeper" in _error("(" * (MAX_DEPTH + 1) + "x_1" + ")" * (MAX_DEPTH + 1)).message
    assert "nested deeper" in _error("-" * 400 + "x_1").message
    parse_formula("(" * 50 + "x_1" + ")" * 50, NET)
    with pytest.raises(FormulaError):
        parse_formula(123)  # type: ignore[arg-type]


def test_formula_error_is_a_symbackprop_error() -> None:
    from symbackprop.errors import SymbackpropError

    assert issubclass(FormulaError, SymbackpropError)
    assert _error("x_1 +").summary == "formula ends too early; expected a term (a number, a name, '(' or a command) at column 6"


def test_user_text_never_reaches_string_evaluation() -> None:
    root = ROOT / "symbackprop"
    # Every module that reads formulas, specs of graphs, or verifies what a user wrote.
    files = sorted((root / "read").glob("*.py")) + sorted((root / "verify").glob("*.py")) + [root / "cli" / "verify.py"]
    assert len(files) >= 9
    for path in files:
        source = path.read_text()
        for banned in ("sympify(", "parse_expr(", "eval(", "exec(", "parse_latex("):
            assert not re.search(r"(?<![\w.])" + re.escape(banned), source), (path.name, banned)


def test_kronecker_delta_without_a_layer() -> None:
    net = mlp([2, 2, 3], activation=["sigmoid", "softmax"], loss="cross_entropy")
    assert parse_formula(r"\sum_{k=1}^{3} \delta_{k2}\, a^{(2)}_k", net) == n.act(2, 2)
    assert parse_formula(r"\delta_{12} + \delta_{22}", net) == 1
    # a custom graph's own δ names win over the Kronecker reading
    from symbackprop.read.graphspec import graph_from_spec

    g = graph_from_spec({"inputs": ["x"], "nodes": {"q": "x^2", "f": "q + x"}})
    assert parse_formula(r"\delta_{q}", g).name == r"\delta_{q}"


def test_messages_show_latex_names_as_typed() -> None:
    # repr() doubled every backslash: "'\\\\delta_{1}' needs a layer", "unknown name '\\\\foo'",
    # which a student then copies with two backslashes.
    assert _error(r"\delta_1 x_1").message.startswith("'\\delta_{1}' needs a layer")
    assert "unknown name '\\foo'" in _error(r"\foo x_1").message
