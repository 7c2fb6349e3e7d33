"""verify(): verdicts that can fail, cross-checked against finite differences of the loss."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from symbackprop.errors import GraphError
from symbackprop.graph import mlp
from symbackprop.graph import notation as n
from symbackprop.read import FormulaError, graph_from_spec
from symbackprop.verify import verify

SIG = mlp([2, 2, 1])
SIG222 = mlp([2, 2, 2])
RELU = mlp([2, 2, 1], activation="relu")
SOFTMAX = mlp([2, 3, 3], activation=["tanh", "softmax"], loss="cross_entropy")


def finite_difference(graph, param: sp.Symbol, point: dict) -> float:
    """∂(output)/∂param at ``point`` by central differences of the composed loss (mpmath)."""
    # Rewritten to elementary functions, so the check never uses the project's own classes.
    loss = graph.composed().rewrite(sp.exp).rewrite(sp.Max)
    f = sp.lambdify([param], loss.xreplace({s: v for s, v in point.items() if s != param}), "mpmath")
    with mpmath.workdps(40):
        return float(mpmath.diff(f, mpmath.mpf(sp.Rational(point[param]).p) / sp.Rational(point[param]).q))


@pytest.mark.parametrize(
    "net, param, formula",
    [
        (SIG, "w^{(2)}_{11}", r"(a^{(2)}_1 - y_1)\, a^{(2)}_1 (1 - a^{(2)}_1)\, a^{(1)}_1"),
        (SIG, "w2_11", r"(\hat{y} - y_1) \hat{y} (1 - \hat{y}) a^{(1)}_1"),
        (SIG, "w1_12", r"\delta^{(1)}_1 x_2"),
        (SIG, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} \sigma'(z^{(1)}_1) x_2"),
        (SIG, "b1_1", r"\delta^{(2)}_1 w^{(2)}_{11} a^{(1)}_1 (1-a^{(1)}_1)"),
        (SIG222, "w1_12", r"\sum_{k=1}^{n} \delta^{(2)}_k w^{(2)}_{k1} a^{(1)}_1 (1-a^{(1)}_1) x_2"),
        (SIG, "w1_12", "delta2_1 * w2_11 * sigmoid(z1_1) * (1 - sigmoid(z1_1)) * x2"),
    ],
)
def test_correct_formulas_are_proved_symbolically(net, param, formula) -> None:
    v = verify(net, param, formula)
    assert v.status == "correct" and v.ok
    assert v.method == "symbolic"
    assert v.diagnosis is None and v.counterexample is None


def test_correct_in_another_form_is_confirmed_numerically() -> None:
    f = r"\frac{e^{-z^{(1)}_1}}{\left(1+e^{-z^{(1)}_1}\right)^2} \delta^{(2)}_1 w^{(2)}_{11} x_2"
    v = verify(SIG, "w1_12", f)
    assert v.status == "correct" and v.method.startswith(("numeric", "symbolic"))


def test_sympy_expression_is_accepted_and_checked() -> None:
    a2, y, a1 = n.act(2, 1), n.target(1), n.act(1, 1)
    assert verify(SIG, "w2_11", (a2 - y) * a2 * (1 - a2) * a1).status == "correct"
    assert verify(SIG, "w2_11", (a2 - y) * a1).status == "wrong"
    with pytest.raises(FormulaError, match="not in this graph"):
        verify(SIG, "w2_11", sp.Symbol("q") * a1)


def test_wrong_formula_has_a_true_counterexample() -> None:
    v = verify(SIG, "w2_11", "(a2_1 - y1) * a1_1")
    assert v.status == "wrong" and not v.ok
    c = v.counterexample
    assert c is not None
    # Independent route: the derivative of the composed loss by finite differences.
    fd = finite_difference(SIG, n.weight(2, 1, 1), c.point)
    assert abs(fd - float(c.expected_value)) < 1e-9 * max(1, abs(fd))
    # and the formula's value really is what the verdict says
    a2 = SIG.composed(n.act(2, 1)).xreplace(c.point)
    a1 = SIG.composed(n.act(1, 1)).xreplace(c.point)
    assert abs(float((a2 - c.point[n.target(1)]) * a1) - float(c.formula_value)) < 1e-12
    assert abs(fd - float(c.formula_value)) > 1e-3


def test_relu_kink_convention_is_measure_zero() -> None:
    # Heaviside(z) is ½ at 0 in SymPy; the project (and PyTorch) use relu'(0) = 0.
    v = verify(RELU, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} Heaviside(z^{(1)}_1) x_2")
    assert v.status == "correct_almost_everywhere" and v.ok
    assert v.kink is not None and "z1_1" in v.kink.where
    assert float(v.kink.expected_value) == 0.0
    assert float(v.kink.formula_value) != 0.0
    # the kink point really is on the kink
    assert RELU.composed(n.pre(1, 1)).xreplace(v.kink.point) == 0
    # with the project's H(z) the same formula is simply correct
    assert verify(RELU, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} H(z^{(1)}_1) x_2").status == "correct"


def test_missing_relu_step_is_caught_because_points_cover_both_sides_of_each_kink() -> None:
    for seed in range(5):
        v = verify(RELU, "w1_12", r"\delta^{(2)}_1 w^{(2)}_{11} x_2", seed=seed)
        assert v.status == "wrong", seed
        assert v.diagnosis.kind == "missing_activation_derivative"


def test_softmax_cross_entropy_holds_under_the_constraint_only() -> None:
    v = verify(SOFTMAX, "w2_12", r"(a^{(2)}_1 - y_1) a^{(1)}_2")
    assert v.status == "correct_under_constraint" and v.ok
    assert v.constraint == r"\sum_k y_k = 1"
    c = v.counterexample
    ys = [c.point[y] for y in SOFTMAX.leaves("target")]
    assert sum(ys) != 1  # shown off the constraint, where the formula fails
    fd = finite_difference(SOFTMAX, n.weight(2, 1, 2), c.point)
    assert abs(fd - float(c.expected_value)) < 1e-9 * max(1, abs(fd))
    # wrong even on the simplex: a wrong index
    w = verify(SOFTMAX, "w2_12", r"(a^{(2)}_1 - y_1) a^{(1)}_1")
    assert w.status == "wrong" and "summing to 1" in w.counterexample.where
    assert sum(w.counterexample.point[y] for y in SOFTMAX.leaves("target")) == 1
    # the chain-rule form that holds for any targets is plainly correct
    chain = r"\left(a^{(2)}_1 (y_1 + y_2 + y_3) - y_1\right) a^{(1)}_2"
    assert verify(SOFTMAX, "w2_12", chain).status == "correct"


def test_custom_graph_from_spec() -> None:
    g = graph_from_spec({"inputs": ["x"], "parameters": ["w", "b"], "targets": ["t"],
                         "nodes": {"h": r"\sigma(w x + b)", "L": r"\frac{1}{2}(h - t)^2"}})
    assert verify(g, "w", "(h - t) h (1 - h) x").status == "correct"
    assert verify(g, "w", r"\delta_{h} h (1-h) x").status == "correct"
    v = verify(g, "w", "(h - t) x")
    assert v.status == "wrong" and v.diagnosis.kind == "missing_activation_derivative"
    textbook = graph_from_spec({"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q z"}})
    assert verify(textbook, "x", "z").status == "correct"
    assert str(verify(textbook, "x", "q")).startswith("∂f/∂x: wrong")


def test_bad_parameter_and_graph() -> None:
    with pytest.raises(GraphError, match="did you mean"):
        verify(SIG, "w9_11", "x1")
    with pytest.raises(GraphError):
        verify("2-2-1", "w1_11", "x1")  # type: ignore[arg-type]


def test_verdict_displays() -> None:
    v = verify(SIG, "w2_11", "2*(a2_1 - y1)*a2_1*(1 - a2_1)*a1_1")
    text = str(v)
    assert text.splitlines()[0] == "∂L/∂w2_11: wrong (numeric, 6 random points)"
    assert "mistake: Off by a factor 2" in text
    assert "correct:  a1_1*a2_1*(1 - a2_1)*(a2_1 - y1)" in text
    assert "counterexample" in text
    md = v._repr_markdown_()
    assert "Off by a factor 2" in md and "$$" in md and "w^{(2)}_{11}" in md
    html = v._repr_html_()
    assert "<math" in html and "Off by a factor 2" in html and "#cf222e" in html
    ok = verify(SIG, "w2_11", "(a2_1 - y1)*a2_1*(1 - a2_1)*a1_1")
    assert "correct:" not in str(ok) and "#1a7f37" in ok._repr_html_()
    assert repr(ok) == "<Verdict ∂L/∂w2_11: correct>"


def test_verdicts_are_reproducible() -> None:
    a = verify(SIG, "w2_11", "(a2_1 - y1) * a1_1", seed=3)
    b = verify(SIG, "w2_11", "(a2_1 - y1) * a1_1", seed=3)
    assert a.counterexample.point == b.counterexample.point


def test_softmax_jacobian_written_out_with_kronecker_delta() -> None:
    net = mlp([2, 2, 3], activation=["sigmoid", "softmax"], loss="cross_entropy")
    f = r"\sum_{k=1}^{3} \left(-\frac{y_k}{a^{(2)}_k}\right) a^{(2)}_k (\delta_{k2} - a^{(2)}_2)"
    assert verify(net, "b2_2", f).status == "correct"


def test_points_where_the_derivative_is_undefined_are_skipped() -> None:
    g = graph_from_spec({"inputs": ["x"], "parameters": ["w"], "nodes": {"f": r"w \ln x + \sqrt{x}"}})
    assert verify(g, "w", r"\ln x").status == "correct"
    assert verify(g, "x", r"\frac{w}{x} + \frac{1}{2 \sqrt{x}}").status == "correct"
    v = verify(g, "x", r"\frac{w}{x}")
    assert v.status == "wrong" and v.counterexample.point[sp.Symbol("x", real=True)] > 0


def test_points_must_be_positive() -> None:
    from symbackprop.errors import SymbackpropError

    with pytest.raises(SymbackpropError, match="points: expected a positive integer, received 0"):
        verify(SIG, "w2_11", "x1", points=0)
    assert verify(SIG, "w2_11", "(a2_1 - y1) * a1_1", points=1).status == "wrong"


def test_sigma_prime_in_a_tanh_network_is_read_as_tanh_prime_with_a_note() -> None:
    net = mlp([2, 2, 1], activation="tanh")
    v = verify(net, "b1_1", r"\delta^{(2)}_1 w^{(2)}_{11} \sigma'(z^{(1)}_1)")
    assert v.status == "correct"
    assert v.notes and "tanh" in v.notes[0] and "note:" in str(v)


@pytest.mark.parametrize("formula", [r"10^{999}", r"-10^{999}", r"e^{1000000}", r"10^{400} a^{(1)}_1"])
def test_formulas_beyond_float_range_are_wrong_not_correct(formula) -> None:
    # The comparison went through float: inf <= 1e-12 * inf held, so 10^{999} was
    # "correct", and the diagnosis then crashed on Fraction(inf).
    v = verify(mlp([2, 2, 1]), "w2_11", formula)
    assert v.status == "wrong"
    assert "inf" not in str(v) and "e+" in v.counterexample.values_text()
