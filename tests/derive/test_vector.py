"""The vector form: its rules, its LaTeX, its errors, and its proof against the scalar derivation."""

from __future__ import annotations

import dataclasses
import re

import pytest
import sympy as sp

from symbackprop import Graph, GraphError, mlp
from symbackprop.derive.vector import ALPHA, ETA, T, vector_form
from symbackprop.numeric import prove_vector_form

CONFIGS = [
    ([2, 2, 2], "sigmoid", "squared"),
    ([2, 3, 2], ["relu", "softmax"], "cross_entropy"),
    ([2, 3, 2], ["tanh", "softmax"], "squared"),
    ([2, 3, 1], ["leaky_relu", "sigmoid"], "binary_cross_entropy"),
    ([3, 2, 2], ["softplus", "identity"], "mse"),
    ([2, 2, 1], "sigmoid", "output"),
    ([2, 3, 3], ["sigmoid", "sigmoid"], "cross_entropy"),
    ([2, 2, 3, 2], ["relu", "softmax", "softmax"], "cross_entropy"),
]
IDS = ["-".join(map(str, c[0])) + f"-{c[1]}-{c[2]}" for c in CONFIGS]


def net(cfg, **kw):
    return mlp(cfg[0], activation=cfg[1], loss=cfg[2], **kw)


def test_derivatives_come_from_fdiff_written_in_a():
    vf = vector_form(mlp([2, 2, 2, 2, 2], activation=["sigmoid", "tanh", "relu", "identity"]))
    assert [r.derivative for r in vf.rules] == [
        ALPHA * (1 - ALPHA), 1 - ALPHA**2, sp.Heaviside(T, 0), sp.S.One]


@pytest.mark.parametrize("cfg, rule, constraint", [
    (CONFIGS[0], "hadamard", None),
    (CONFIGS[1], "a - y", r"\sum_k y_k = 1"),
    (CONFIGS[2], "jacobian", None),
    (CONFIGS[3], "a - y", None),  # sigmoid + binary cross entropy: exact, no constraint
    (CONFIGS[6], "hadamard", None),  # sigmoid + categorical cross entropy is NOT a − y
])
def test_output_rule_is_chosen_by_proof_not_by_name(cfg, rule, constraint):
    vf = vector_form(net(cfg))
    assert (vf.output_rule, vf.constraint) == (rule, constraint)


def test_squared_sigmoid_output_delta_entry():
    vf = vector_form(net(CONFIGS[0]))
    assert vf.output_entry == ALPHA * (1 - ALPHA) * (ALPHA - ETA)
    assert vf.gradient_entry == ALPHA - ETA


def test_explicit_matrices_use_the_network_symbols():
    n = net(CONFIGS[0])
    vf = vector_form(n)
    assert vf.W(2).shape == (2, 2) and vf.W(2)[0, 1] == n.W[2][0][1]
    assert vf.weight_gradient(1)[1, 0] == sp.Symbol(r"\delta^{(1)}_{2}", real=True) * n.x[0]
    assert list(vf.pre_activation(1)) == [n.node_of(z).expr for z in n.z[1]]
    with pytest.raises(GraphError, match=r"layer: expected an integer in 1\.\.2, received 3"):
        vf.W(3)


def test_latex_lines_pinned_for_2_2_2_sigmoid_squared():
    lines = vector_form(net(CONFIGS[0])).latex_lines()
    assert lines[:7] == [
        r"\mathbf{z}^{(1)} = W^{(1)} \mathbf{x} + \mathbf{b}^{(1)}",
        r"\mathbf{a}^{(1)} = \sigma\left(\mathbf{z}^{(1)}\right)",
        r"\mathbf{z}^{(2)} = W^{(2)} \mathbf{a}^{(1)} + \mathbf{b}^{(2)}",
        r"\mathbf{a}^{(2)} = \sigma\left(\mathbf{z}^{(2)}\right)",
        r"\nabla_{\mathbf{a}^{(2)}} L = \mathbf{a}^{(2)} - \mathbf{y}",
        r"\boldsymbol{\delta}^{(2)} = \nabla_{\mathbf{a}^{(2)}} L \odot \sigma'\left(\mathbf{z}^{(2)}\right)"
        r" = \mathbf{a}^{(2)} \odot \left(1 - \mathbf{a}^{(2)}\right) \odot \left(\mathbf{a}^{(2)} - \mathbf{y}\right)",
        r"\boldsymbol{\delta}^{(1)} = \left(W^{(2)}\right)^{\top} \boldsymbol{\delta}^{(2)} \odot \sigma'\left(\mathbf{z}^{(1)}\right)"
        r" = \left(W^{(2)}\right)^{\top} \boldsymbol{\delta}^{(2)} \odot \mathbf{a}^{(1)} \odot \left(1 - \mathbf{a}^{(1)}\right)",
    ]
    assert r"\frac{\partial L}{\partial W^{(1)}} = \boldsymbol{\delta}^{(1)} \mathbf{x}^{\top}" in lines
    assert r"\frac{\partial \bar{L}}{\partial W^{(2)}} = \frac{1}{m} \Delta^{(2)} \left(A^{(1)}\right)^{\top}" in lines
    assert r"\frac{\partial \bar{L}}{\partial \mathbf{b}^{(1)}} = \frac{1}{m} \Delta^{(1)} \mathbf{1}_m" in lines


def test_latex_softmax_cross_entropy_sum_reduction_and_no_bias():
    vf = vector_form(mlp([2, 3, 2], activation=["relu", "softmax"], loss="cross_entropy",
                         reduction="sum", bias=[True, False]))
    lines = vf.latex_lines()
    assert r"\boldsymbol{\delta}^{(2)} = \mathbf{a}^{(2)} - \mathbf{y} \quad \text{(using } \sum_k y_k = 1\text{)}" in lines
    assert r"\mathbf{z}^{(2)} = W^{(2)} \mathbf{a}^{(1)}" in lines
    assert r"\frac{\partial \bar{L}}{\partial W^{(1)}} = \Delta^{(1)} X^{\top}" in lines
    assert not any(r"\mathbf{b}^{(2)}" in line for line in lines)
    assert vf.latex().startswith("\\begin{aligned}\n\\mathbf{z}^{(1)} &= W^{(1)}")
    assert vf.latex_lines(batch=False) == lines[: lines.index(r"\bar{L} = \sum_{s=1}^{m} L\left(\mathbf{x}_s, \mathbf{y}_s\right)")]


def test_latex_has_balanced_braces_and_no_double_superscripts():
    for cfg in CONFIGS:
        for line in vector_form(net(cfg)).latex_lines():
            assert line.count("{") == line.count("}"), line
            assert not re.search(r"\^\{\(\d+\)\}\^", line), line  # a^{(2)}^{\top} does not compile


def test_custom_graph_error_names_the_node():
    g = Graph()
    x, y = g.inputs("x y")
    q = g.node("q", x + y)
    g.set_output(g.node("f", q * x))
    with pytest.raises(GraphError, match=r"custom graph; node 'q' \(q := x \+ y\) is not a layer"):
        vector_form(g)


def test_node_added_after_building_is_named():
    n = mlp([2, 2, 1])
    n.node("r", n.a[1][0] + n.x[0])  # a residual-style extra node
    with pytest.raises(GraphError, match="node 'r'.*not part of any layer"):
        vector_form(n)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
@pytest.mark.parametrize("method", ["symbolic", "stepwise", "point"])
def test_every_entry_equals_the_scalar_derivation(cfg, method):
    proof = prove_vector_form(net(cfg), method=method)
    assert proof.holds, str(proof)
    assert proof.checked >= net(cfg).n_params


def test_softmax_cross_entropy_proof_states_its_constraint():
    proof = prove_vector_form(net(CONFIGS[1]), method="stepwise")
    assert "using \\sum_k y_k = 1" in proof.detail


@pytest.mark.parametrize("method", ["symbolic", "stepwise", "point"])
def test_a_planted_textbook_error_is_caught(method):
    # The classic slip: δ = a − y for a sigmoid output under squared loss (σ' forgotten).
    vf = vector_form(net(CONFIGS[0]))
    a, y = vf.network.a[2], vf.network.y
    wrong = dataclasses.replace(vf, output_delta=tuple(ak - yk for ak, yk in zip(a, y)),
                                output_rule="a - y", output_entry=ALPHA - ETA)
    proof = prove_vector_form(wrong, method=method)
    assert not proof.holds
    assert proof.failures
    assert "FAILED" in str(proof)


def test_planted_wrong_hidden_derivative_is_caught_stepwise():
    vf = vector_form(net(CONFIGS[0]))
    rules = (dataclasses.replace(vf.rules[0], derivative=ALPHA),) + vf.rules[1:]
    proof = prove_vector_form(dataclasses.replace(vf, rules=rules), method="stepwise")
    assert not proof.holds
    assert any(line.startswith(r"\delta^{(1)}_{1}") for line in proof.failures)


def test_stepwise_scales_to_a_thousand_parameters():
    n = mlp([20, 40, 10, 5], activation=["tanh", "relu", "softmax"], loss="cross_entropy")
    assert n.n_params > 1000
    proof = prove_vector_form(n)
    assert proof.method == "stepwise" and proof.holds, str(proof)


def test_point_proof_on_a_larger_network_samples_parameters():
    n = mlp([64, 32, 10], activation=["relu", "softmax"], loss="cross_entropy")
    proof = prove_vector_form(n, method="point", points=1, sample=50)
    assert proof.method == "point" and proof.holds, str(proof)
    assert proof.checked == 50 + 42  # the sampled parameters and every δ
    assert proof.max_error < 1e-12
