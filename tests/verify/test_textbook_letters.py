"""Other books' letters: a [notation] table renames the network's letters all at once.

Each book's derivation of a 2-3-2 network is written as its students write it and must
verify; one planted mistake in each book's letters is caught.  Scalar lines are cross-checked
against sympy.diff of the composed loss, an independent route to the same derivative.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.read import load_spec, parse_formula
from symbackprop.verify import verify

BISHOP = {"layers": [2, 3, 2], "notation": {"a": "z", "z": "a", "y": "\\hat{y}", "t": "y"}}
GOODFELLOW = {"layers": [2, 3, 2], "activation": ["tanh", "sigmoid"], "notation": {"a": "z", "h": "a"}}
D2L = {"layers": [2, 3, 2], "activation": ["sigmoid", "softmax"], "loss": "cross_entropy",
       "notation": {"z": "z^{(1)}", "h": "a^{(1)}", "o": "z^{(2)}"}}

BOOKS = {
    "bishop": (BISHOP, [
        r"\delta^{(2)}_1 = (y_1 - t_1) y_1 (1 - y_1)",
        r"\delta^{(1)}_2 = h'(a^{(1)}_2) \sum_{k=1}^{2} w^{(2)}_{k2} \delta^{(2)}_k",
        r"\frac{\partial E}{\partial w^{(2)}_{12}} = \delta^{(2)}_1 z^{(1)}_2",
        r"\frac{\partial E}{\partial w^{(1)}_{31}} = \delta^{(1)}_3 x_1",
        r"\frac{\partial E}{\partial w^{(1)}_{31}} = \delta^{(1)}_3 z^{(0)}_1",
        r"\boldsymbol{\delta}^{(2)} = (\mathbf{y} - \mathbf{t}) \odot \mathbf{y} \odot (1 - \mathbf{y})",
        r"\boldsymbol{\delta}^{(1)} = (W^{(2)})^T \boldsymbol{\delta}^{(2)} \odot h'(\mathbf{a}^{(1)})",
        r"\frac{\partial E}{\partial W^{(2)}} = \boldsymbol{\delta}^{(2)} (\mathbf{z}^{(1)})^T",
    ], r"\frac{\partial E}{\partial w^{(2)}_{12}} = \delta^{(2)}_1 a^{(1)}_2"),  # a is the pre-activation here
    "goodfellow": (GOODFELLOW, [
        r"\nabla_{a^{(2)}} J = \nabla_{h^{(2)}} J \odot f'(a^{(2)})",
        r"\nabla_{b^{(2)}} J = \nabla_{a^{(2)}} J",
        r"\nabla_{W^{(2)}} J = \nabla_{a^{(2)}} J \, h^{(1)T}",
        r"\nabla_{h^{(1)}} J = W^{(2)T} \nabla_{a^{(2)}} J",
        r"\nabla_{a^{(1)}} J = \nabla_{h^{(1)}} J \odot f'(a^{(1)})",
        r"\nabla_{W^{(1)}} J = \nabla_{a^{(1)}} J \, h^{(0)T}",
        r"\frac{\partial J}{\partial w^{(1)}_{21}} = \delta^{(1)}_2 x_1",
    ], r"\nabla_{W^{(1)}} J = \nabla_{h^{(1)}} J \, x^{T}"),
    "d2l": (D2L, [
        r"\frac{\partial J}{\partial W^{(2)}} = \frac{\partial J}{\partial \mathbf{o}} \mathbf{h}^\top",
        r"\frac{\partial J}{\partial \mathbf{h}} = W^{(2)\top} \frac{\partial J}{\partial \mathbf{o}}",
        r"\frac{\partial J}{\partial \mathbf{z}} = \frac{\partial J}{\partial \mathbf{h}} \odot \phi'(\mathbf{z})",
        r"\frac{\partial J}{\partial W^{(1)}} = \frac{\partial J}{\partial \mathbf{z}} \mathbf{x}^\top",
    ], r"\frac{\partial J}{\partial W^{(1)}} = \frac{\partial J}{\partial \mathbf{h}} \mathbf{x}^\top"),
}


@pytest.mark.parametrize("book", sorted(BOOKS))
def test_each_books_derivation_reads_and_verifies(book) -> None:
    spec, right, wrong = BOOKS[book]
    spec = load_spec(spec)
    for line in right:
        v = verify(spec, None, line)
        assert v.status == "correct", (book, str(v))
        assert any("the spec's letters" in n for n in v.notes)
    v = verify(spec, None, wrong)
    assert v.status == "wrong", (book, str(v))


def test_the_planted_mistakes_are_named() -> None:
    v = verify(load_spec(GOODFELLOW), None, BOOKS["goodfellow"][2])
    assert v.diagnosis.kind == "missing_activation_derivative"
    v = verify(load_spec(D2L), None, BOOKS["d2l"][2])
    assert v.diagnosis.kind == "missing_activation_derivative"


def test_d2l_output_error_holds_for_one_hot_targets() -> None:
    v = verify(load_spec(D2L), None, r"\frac{\partial J}{\partial \mathbf{o}} = \hat{y} - y")
    assert v.status == "correct_under_constraint"


def test_bishops_letters_are_read_simultaneously() -> None:
    net = load_spec(BISHOP).network
    a, z = sp.Symbol("a^{(1)}_{2}", real=True), sp.Symbol("z^{(1)}_{2}", real=True)
    # Bishop's a is the project's z and his z the project's a: swapped, not chained into one
    assert parse_formula("a^{(1)}_2", net) == z and parse_formula("z^{(1)}_2", net) == a
    assert parse_formula("t_1", net) == net.lookup("y1")
    assert parse_formula("y_2", net) == net.lookup("a2_2")


def test_bishops_output_delta_is_sympys_derivative() -> None:
    # independent route: ∂E/∂(Bishop's a) by sympy.diff of the loss with the sigmoid written out
    net = load_spec(BISHOP).network
    written = parse_formula(r"(y_1 - t_1) y_1 (1 - y_1)", net)
    out = net.lookup("a2_1")
    u = sp.Symbol("u", real=True)
    sigmoid = 1 / (1 + sp.exp(-u))
    loss = net.node_of(net.output).expr.subs(out, sigmoid)
    assert sp.simplify(written.subs(out, sigmoid) - sp.diff(loss, u)) == 0
    # and a planted slip (Bishop's a for his z) is not the derivative
    slipped = parse_formula(r"(y_1 - t_1) a^{(2)}_1 (1 - a^{(2)}_1)", net)
    assert sp.simplify(slipped.subs(out, sigmoid) - sp.diff(loss, u)) != 0


def test_goodfellows_whole_layer_names() -> None:
    spec = load_spec({"layers": [2, 3, 2], "notation": {"a": "z", "h^{(0)}": "x", "h^{(1)}": "a^{(1)}",
                                                        "h^{(2)}": "a^{(2)}"}})
    for line in (r"\nabla_{W^{(2)}} J = \nabla_{a^{(2)}} J \, h^{(1)T}",
                 r"\nabla_{W^{(1)}} J = \nabla_{a^{(1)}} J \, h^{(0)T}",
                 r"\nabla_{a^{(1)}} J = \nabla_{h^{(1)}} J \odot f'(a^{(1)})"):
        assert verify(spec, None, line).status == "correct", line
    assert verify(spec, None, r"\nabla_{W^{(2)}} J = \nabla_{h^{(2)}} J \, h^{(1)T}").status == "wrong"


@pytest.mark.parametrize("table, words", [
    ({"h": "a", "h^{(1)}": "z^{(1)}"}, ["notation.h^{(1)}", "two meanings collide", "a (the activation) of layer 1",
                                        "z (the pre-activation) of layer 1"]),
    ({"h": "a", "h_1": "w^{(1)}_{11}"}, ["notation.h_1", "two meanings collide", "notation.h", "a (the activation)"]),
    ({"sigma": "a"}, ["notation.sigma", "two meanings collide", "function"]),
    ({"T": "z"}, ["notation.T", "two meanings collide", "transpose"]),
])
def test_an_ambiguous_table_says_which_meanings_collide(table, words) -> None:
    with pytest.raises(SpecError) as exc:
        load_spec({"layers": [2, 3, 2], "notation": table})
    for w in words:
        assert w in str(exc.value), str(exc.value)


def test_the_command_line_refuses_a_colliding_table_with_exit_2(tmp_path, capsys) -> None:
    spec = tmp_path / "net.toml"
    spec.write_text('layers = [2, 3, 2]\n[notation]\nh = "a"\nh_1 = "w^{(1)}_{11}"\n', encoding="utf-8")
    assert main(["verify", str(spec), "--formula", r"\delta^{(2)} = a^{(2)} - y"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "two meanings collide" in err[0]


def test_a_bishop_spec_file_on_the_command_line(tmp_path, capsys) -> None:
    spec = tmp_path / "bishop.toml"
    spec.write_text('layers = [2, 3, 2]\n[notation]\na = "z"\nz = "a"\ny = "\\\\hat{y}"\nt = "y"\n', encoding="utf-8")
    assert main(["verify", str(spec), "--formula", r"\delta^{(2)}_1 = (y_1 - t_1) y_1 (1 - y_1)"]) == 0
    assert main(["verify", str(spec), "--formula", r"\delta^{(2)}_1 = (y_1 - t_1) z^{(2)}_1 (1 - z^{(2)}_1)"]) == 0
    assert main(["verify", str(spec), "--formula", r"\delta^{(2)}_1 = (y_1 - t_1) a^{(2)}_1 (1 - a^{(2)}_1)"]) == 1
    capsys.readouterr()


def test_aliases_still_work_beside_letters() -> None:
    spec = load_spec({"layers": [2, 3, 2], "notation": {"a": "z", "z": "a", "w_5": "w^{(2)}_{11}"}})
    v = verify(spec, None, r"\frac{\partial L}{\partial w_5} = \delta^{(2)}_1 z^{(1)}_1")
    assert v.status == "correct"
    assert sbp.plain_text(spec.network.lookup("w_5")) == "w2_11"
