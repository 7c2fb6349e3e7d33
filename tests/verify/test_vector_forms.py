"""Vector and matrix forms: what the project prints verifies, each planted mistake is named."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.derive.vector import vector_form
from symbackprop.errors import FormulaError, GraphError
from symbackprop.read import load_spec
from symbackprop.verify import verify

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"]


@st.composite
def networks(draw: st.DrawFn):
    depth = draw(st.integers(1, 3))
    layers = [draw(st.integers(2, 4)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(ELEMENTWISE)) for _ in range(depth)]
    loss = draw(st.sampled_from(["squared", "mse", "cross_entropy", "binary_cross_entropy"]))
    if loss == "cross_entropy":
        acts[-1] = "softmax"
    elif loss == "binary_cross_entropy":
        acts[-1] = "sigmoid"
    return sbp.mlp(layers, activation=acts, loss=loss, bias=draw(st.booleans()))


def sheet_equations(net):
    """The per-sample vector-form lines a sheet prints that state a derivative, as equations."""
    for line in vector_form(net).latex_lines(batch=False):
        if not line.startswith((r"\frac{\partial L}", r"\boldsymbol{\delta}")):
            continue
        left, *rights = line.split(r" \quad ")[0].split(" = ")
        for right in rights:
            if r"\nabla" not in right:
                # a line printed "(using Σ y = 1)" holds under that constraint, as its verdict says
                yield f"{left} = {right}", r"\text{(using" in line


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_the_printed_vector_form_reads_back_as_correct(net) -> None:
    equations = list(sheet_equations(net))
    assert len(equations) >= 2 * (len(net.layers) - 1)
    for eq, constrained in equations:
        v = verify(net, None, eq)
        assert v.status == ("correct_under_constraint" if constrained else "correct"), (eq, str(v))


def planted(l: int, L: int, f: str = r"\sigma'") -> list[tuple[str, str, str]]:
    """(quantity, wrong formula, the mistake's kind) for a hidden layer l of L."""
    good_rest = rf"\odot {f}(z^{{({l})}})"
    return [
        (rf"\delta^{{({l})}}", rf"W^{{({l + 1})}} \delta^{{({l + 1})}} {good_rest}", "missing_transpose"),
        (rf"\delta^{{({l})}}", rf"(W^{{({l + 1})}})^T \delta^{{({l + 1})}} {f}(z^{{({l})}})", "product_for_hadamard"),
        (rf"\delta^{{({l})}}", rf"(W^{{({l + 1})}})^T \odot \delta^{{({l + 1})}} {good_rest}", "hadamard_for_product"),
        (rf"\delta^{{({l})}}", rf"\delta^{{({l + 1})}} (W^{{({l + 1})}})^T {good_rest}", "factor_order"),
        # the row-vector form, (Wᵀδ)ᵀ: one transpose away from the column the layout needs
        (rf"\delta^{{({l})}}", rf"(\delta^{{({l + 1})}})^T W^{{({l + 1})}} {good_rest}", "missing_transpose"),
        (rf"\delta^{{({l})}}", rf"(W^{{({l + 1})}})^T \delta^{{({l + 1})}}", "missing_activation_derivative"),
        (rf"\delta^{{({l})}}", rf"(W^{{({l + 1})}})^T \delta^{{({l})}} {good_rest}", "wrong_layer"),
        (rf"W^{{({l + 1})}}", rf"\delta^{{({l + 1})}} a^{{({l})}}", "missing_transpose"),
        (rf"W^{{({l + 1})}}", rf"a^{{({l})}} (\delta^{{({l + 1})}})^T", "transposed_gradient"),
        (rf"W^{{({l + 1})}}", rf"\delta^{{({l + 1})}} (a^{{({l + 1})}})^T", "wrong_layer"),
        (rf"W^{{({l + 1})}}", rf"(\delta^{{({l + 1})}})^T (a^{{({l})}})^T", "extra_transpose"),
    ]


def test_each_planted_mistake_is_named() -> None:
    rng = random.Random(3)
    for _ in range(4):
        layers = [rng.randint(2, 4) for _ in range(rng.randint(3, 4))]
        if len(set(layers)) < len(layers):
            layers = [2 + k for k in range(len(layers))]  # distinct sizes: shapes cannot hide a mistake
        rng.shuffle(layers)
        act = rng.choice(["sigmoid", "tanh", "softplus"])
        net = sbp.mlp(layers, activation=act)
        f = {"sigmoid": r"\sigma'", "tanh": r"\tanh'", "softplus": "f'"}[act]
        L = len(layers) - 1
        for l in range(1, L):
            for target, formula, kind in planted(l, L, f):
                v = verify(net, target, formula)
                assert v.status == "wrong", (layers, target, formula)
                assert v.diagnosis is not None and v.diagnosis.kind == kind, (layers, formula, str(v))


def test_square_layers_still_get_the_mistake_by_value() -> None:
    net = sbp.mlp([3, 3, 3])
    v = verify(net, r"\delta^{(1)}", r"W^{(2)} \delta^{(2)} \odot \sigma'(z^{(1)})")
    assert v.status == "wrong" and v.diagnosis.kind == "missing_transpose"
    assert "counterexample at entry" in str(v)
    v = verify(net, "W^{(2)}", r"a^{(1)} (\delta^{(2)})^T")
    assert v.diagnosis.kind == "transposed_gradient" and "transpose" in v.diagnosis.sentence


def test_undefined_products_are_wrong_answers_in_words(capsys) -> None:
    net = sbp.mlp([2, 3, 2])
    v = verify(net, None, r"\delta^{(1)} = W^{(2)} \delta^{(2)} \odot \sigma'(z^{(1)})")
    assert v.status == "wrong" and v.method == "shapes"
    assert v.diagnosis.sentence.startswith("W⁽²⁾ is 2×3 and δ⁽²⁾ has 2 entries, so W⁽²⁾δ⁽²⁾ is not defined; "
                                           "(W⁽²⁾)ᵀδ⁽²⁾ is.")
    assert "A transpose is missing" in v.diagnosis.sentence
    code = main(["verify", "2-3-2", "--formula", r"\delta^{(1)} = W^{(2)} \delta^{(2)} \odot \sigma'(z^{(1)})"])
    assert code == 1 and "not defined" in capsys.readouterr().out
    v = verify(net, "b^{(2)}", r"\delta^{(2)}_1")
    assert v.status == "wrong" and "is a scalar" in v.diagnosis.sentence


def test_notation_of_every_kind() -> None:
    net = sbp.mlp([2, 3, 2], activation=["relu", "sigmoid"])
    right = [
        r"\boldsymbol{\delta}^{(1)} = \left(W^{(2)}\right)^{\intercal} \boldsymbol{\delta}^{(2)} \circ \operatorname{ReLU}'(\mathbf{z}^{(1)})",
        r"\delta^{(1)} = \operatorname{diag}(f'(z^{(1)})) (W^{(2)})^\top \delta^{(2)}",
        r"\vec{\delta}^{(1)} = H(z^{(1)}) \odot ((W^{(2)})^T \delta^{(2)})",  # left to right, so brackets
        r"\nabla_{W^{(1)}} L = \delta^{(1)} \cdot x^T",
        r"dL/dx = (W^{(1)})^T \delta^{(1)}",
        r"\frac{\partial L}{\partial a^{(1)}} = (W^{(2)})^{T} \delta^{(2)}",
        r"\frac{\partial L}{\partial z^{(2)}} = (a^{(2)} - y) \odot a^{(2)} \odot (1 - a^{(2)})",
    ]
    for eq in right:
        assert verify(net, None, eq).status == "correct", eq
    # products group left to right as written: (H ⊙ Wᵀ)δ is not defined
    v = verify(net, None, r"\delta^{(1)} = H(z^{(1)}) \odot (W^{(2)})^T \delta^{(2)}")
    assert v.status == "wrong" and "is not defined" in v.diagnosis.sentence


def test_spec_values_are_the_first_point() -> None:
    spec = load_spec("2-2-2")  # no values: natural ranges
    example = load_spec(sbp.read.EXAMPLE)
    v = verify(example, None, r"\delta^{(2)} = a^{(2)} - y")
    assert v.status == "wrong"
    point = v.counterexample.point
    assert float(point[example.network.lookup("x1")]) == pytest.approx(0.05, rel=1e-3)
    assert float(point[example.network.lookup("w1_11")]) == pytest.approx(0.15, rel=1e-3)
    v2 = verify(spec, None, r"\delta^{(2)} = a^{(2)} - y")
    assert 0 < float(v2.counterexample.point[spec.network.lookup("y1")]) < 1  # a sigmoid output's range


def test_bad_vector_input() -> None:
    net = sbp.mlp([2, 3, 2])
    with pytest.raises(FormulaError, match="needs a whole layer"):
        verify(net, "w2_11", r"\delta^{(2)} (a^{(1)})^T")
    # ∂L/∂a of the output layer is offered now (the sheet prints it as ∇_a L)
    assert verify(net, "a^{(2)}", r"a^{(2)} - y").status == "correct"
    assert verify(net, "a^{(2)}", r"y - a^{(2)}").status == "wrong"
    with pytest.raises(GraphError, match="disagrees"):
        verify(net, "W^{(1)}", r"\frac{\partial L}{\partial W^{(2)}} = \delta^{(2)} (a^{(1)})^T")


def test_big_networks_compare_every_entry() -> None:
    net = sbp.mlp([30, 20, 10])
    v = verify(net, None, r"\frac{\partial L}{\partial W^{(1)}} = \delta^{(1)} x^T")
    assert v.status == "correct" and "random points, all 600 entries" in v.method


def test_softmax_cross_entropy_output_delta_holds_under_the_constraint() -> None:
    net = sbp.mlp([2, 3, 3], activation=["tanh", "softmax"], loss="cross_entropy")
    v = verify(net, None, r"\delta^{(2)} = a^{(2)} - y")
    assert v.status == "correct_under_constraint" and v.constraint == r"\sum_k y_k = 1"
    assert "off the constraint" in str(v)
    # the general form, a Σy − y, holds everywhere; twice y is wrong even on the simplex
    assert verify(net, None, r"\delta^{(2)} = (y_1 + y_2 + y_3) a^{(2)} - y").status == "correct"
    assert verify(net, None, r"\delta^{(2)} = a^{(2)} - 2 y").status == "wrong"
    # and the scalar verifier agrees entry by entry
    assert verify(net, None, r"\delta^{(2)}_1 = a^{(2)}_1 - y_1").status == "correct_under_constraint"


@pytest.mark.parametrize(("transposed", "plain"), [
    (r"W^{(2)T}", r"W^{(2)}"), (r"W^{[2]T}", r"W^{[2]}"),
    (r"W^{(2)\top}", r"W^{(2)}"), (r"W^{[2]\intercal}", r"W^{[2]}"),
])
def test_a_transpose_written_in_the_layer_superscript_is_a_transpose(transposed: str, plain: str) -> None:
    # Ng's W^{[2]T} and the like: the layer and the transpose in one superscript.
    net = sbp.mlp([2, 3, 2])
    right = verify(net, None, rf"\delta^{{(1)}} = {transposed} \delta^{{(2)}} \odot \sigma'(z^{{(1)}})")
    assert right.status == "correct", str(right)
    # Without the T the same line is the classic missing transpose, so the T was read.
    wrong = verify(net, None, rf"\delta^{{(1)}} = {plain} \delta^{{(2)}} \odot \sigma'(z^{{(1)}})")
    assert wrong.status == "wrong" and wrong.diagnosis.kind == "missing_transpose", str(wrong)
    outer = verify(net, None, r"\frac{\partial L}{\partial W^{(2)}} = \delta^{(2)} a^{(1)T}")
    assert outer.status == "correct", str(outer)
