"""Whole equations: every left-side spelling, δs and node derivatives, and what is bad input."""

from __future__ import annotations

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.cli.verify import read_homework
from symbackprop.errors import FormulaError, GraphError
from symbackprop.verify import verify

NET = sbp.mlp([2, 2, 1])
RIGHT = r"\delta^{(2)}_1 a^{(1)}_1"
WRONG = r"(a^{(2)}_1 - y_1) a^{(1)}_1"  # σ′ missing

LEFT_SIDES = [
    r"\frac{\partial L}{\partial w^{(2)}_{11}}",
    r"\dfrac{\partial E}{\partial w_{11}^{(2)}}",
    r"\frac{dC}{d w2_11}",
    r"\partial L/\partial w^{(2)}_{11}",
    r"\partial J / \partial w^{(2)}_{1,1}",
    "dL/dw2_11",
    "d L / d w2_11",
    "∂L/∂w2_11",
    r"\nabla_{w^{(2)}_{11}} L",
]


@pytest.mark.parametrize("left", LEFT_SIDES)
def test_every_left_side_spelling(left: str) -> None:
    good = verify(NET, None, f"{left} = {RIGHT}")
    assert good.status == "correct" and good.param == NET.lookup("w2_11")
    bad = verify(NET, None, f"{left} = {WRONG}")
    assert bad.status == "wrong" and bad.diagnosis.kind == "missing_activation_derivative"


def test_node_derivatives_agree_with_sympy() -> None:
    """δ and adjoints checked against sympy.diff of the loss composed in leaves and nodes."""
    net = sbp.mlp([2, 2, 2])
    z11, a12 = net.lookup("z1_1"), net.lookup("a1_2")
    # ∂L/∂z1_1 by differentiating the loss after replacing z1_1 with a fresh variable
    t = sp.Symbol("t", real=True)
    defs = {nd.symbol: nd.expr for nd in net.nodes}

    def loss_with(node: sp.Symbol) -> sp.Expr:
        out = net.output
        expr = defs[out]
        for _ in range(len(defs)):
            expr = expr.xreplace({s: (t if s == node else defs[s]) for s in expr.free_symbols if s in defs})
        return expr

    for node in (z11, a12):
        truth = sp.diff(loss_with(node), t).xreplace({t: net.composed(node)})
        v = verify(net, node, truth)
        assert v.status == "correct", node
        assert verify(net, node, 2 * truth).status == "wrong"


def test_delta_written_as_itself() -> None:
    ok = verify(NET, None, r"\delta^{(1)}_1 = \delta^{(2)}_1 w^{(2)}_{11} \sigma'(z^{(1)}_1)")
    assert ok.status == "correct" and ok.param == NET.lookup("z1_1")
    bad = verify(NET, None, r"\delta^{(1)}_1 = \delta^{(2)}_1 w^{(2)}_{11}")
    assert bad.status == "wrong"
    assert verify(NET, "delta1_1", r"\delta^{(2)}_1 w^{(2)}_{11} a^{(1)}_1 (1 - a^{(1)}_1)").ok
    assert verify(NET, "z_1^{(1)}", r"\delta^{(2)}_1 w^{(2)}_{11} a^{(1)}_1 (1 - a^{(1)}_1)").ok


def test_inputs_and_activations() -> None:
    assert verify(NET, None, r"dL/dx_1 = \delta^{(1)}_1 w^{(1)}_{11} + \delta^{(1)}_2 w^{(1)}_{21}").ok
    assert not verify(NET, None, r"dL/dx_1 = \delta^{(1)}_1 w^{(1)}_{11} + \delta^{(1)}_2 w^{(1)}_{12}").ok
    assert verify(NET, None, r"\frac{\partial L}{\partial a^{(1)}_2} = \delta^{(2)}_1 w^{(2)}_{12}").ok


@pytest.mark.parametrize("text, message", [
    ("dQ/dw2_11 = 1", "expected the loss"),
    ("dL/dw2_13 = 1", "did you mean"),
    ("x1 = 1", "is not a derivative"),
    ("dL/dL = 1", "the loss itself"),
    (r"\nabla_{w2_11} = 1", "the loss is missing"),
])
def test_bad_left_sides(text: str, message: str) -> None:
    with pytest.raises((GraphError, FormulaError), match=message):
        verify(NET, None, text)


def test_param_and_left_side_must_agree() -> None:
    assert verify(NET, "w^{(2)}_{11}", f"dL/dw2_11 = {RIGHT}").ok
    with pytest.raises(GraphError, match="disagrees with the left side"):
        verify(NET, "w2_12", f"dL/dw2_11 = {RIGHT}")
    with pytest.raises(GraphError, match="param: missing"):
        verify(NET, None, RIGHT)


def test_right_side_errors_point_into_the_whole_equation() -> None:
    with pytest.raises(FormulaError) as info:
        verify(NET, None, "dL/dw2_11 = a1_1 * q")
    assert info.value.column == len("dL/dw2_11 = a1_1 * ") + 1
    # a chain left = A = B, as sheets print them: each right side is judged
    v = verify(NET, None, "dL/dw2_11 = a1_1 = 2")
    assert v.status == "wrong" and "right side 1 of 2" in v.notes[-1]
    v = verify(NET, None, f"dL/dw2_11 = {RIGHT} = 2*{RIGHT}")
    assert v.status == "wrong" and "right side 2 of 2" in v.notes[-1]
    assert verify(NET, None, f"dL/dw2_11 = {RIGHT} = {RIGHT}").notes[-1] == "each of the 2 right sides of the chain checked"
    with pytest.raises(FormulaError, match="right side of '=' is empty"):
        verify(NET, None, "dL/dw2_11 = a1_1 =  = 2")


def test_cli_equations_and_exit_codes(capsys) -> None:
    assert main(["verify", "2-2-1", "--formula", f"dL/dw2_11 = {RIGHT}"]) == 0
    assert capsys.readouterr().out.startswith("∂L/∂w2_11: correct")
    assert main(["verify", "2-2-1", "--formula", f"dL/dw2_11 = {WRONG}"]) == 1
    capsys.readouterr()
    assert main(["verify", "2-2-1", "--param", "w2_12", "--formula", f"dL/dw2_11 = {RIGHT}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "disagrees" in err
    assert main(["verify", "2-2-1", "--formula", RIGHT]) == 2
    assert "param: missing" in capsys.readouterr().err


def test_homework_lines_may_be_equations(tmp_path, capsys) -> None:
    text = f"w2_11: {RIGHT}\n\\frac{{\\partial L}}{{\\partial b^{{(2)}}_1}} = \\delta^{{(2)}}_1\ndL/dw2_12 = {WRONG}\n"
    items = read_homework(text)
    assert [p for _, p, _ in items] == ["w2_11", None, None]
    path = tmp_path / "hw.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["verify", "2-2-1", "--file", str(path)]) == 1
    out = capsys.readouterr().out
    assert "2 of 3 correct, 1 wrong" in out
    with pytest.raises(FormulaError, match="line 1"):
        read_homework("just a formula\n")
