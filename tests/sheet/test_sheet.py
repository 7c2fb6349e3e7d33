"""The sheet model: contents, numbers of the classic worked example, choices, large networks."""

from __future__ import annotations

import pytest
import sympy as sp
from conftest import count_calls

import symbackprop as sbp
from symbackprop.derive import Path
from symbackprop.derive.expansion import Substitution
from symbackprop.sheet import build_sheet
from symbackprop.sheet.cost import count_costs
from symbackprop.sheet.model import Equation, Math, Paragraph, Picture, Stamp
from symbackprop.sheet.picture import network_picture


@pytest.fixture(scope="module")
def example():
    # Every parameter in full: the tests below look at each one's section.
    return build_sheet(sbp.EXAMPLE, detail="full")


def _latex_of(section) -> str:
    out = []
    for b in section.blocks:
        if isinstance(b, Equation):
            out += [part for row in b.rows for part in row]
        elif isinstance(b, (Paragraph,)):
            out += [s.latex if isinstance(s, Math) else s for s in b.spans]
        elif isinstance(b, Stamp):
            out += [s.latex if isinstance(s, Math) else s for line in b.lines + b.detail for s in line]
    return "\n".join(out)


def test_example_has_every_section_and_every_parameter(example):
    assert [s.anchor for s in example.sections] == [
        "network", "forward", "loss", "deltas", "gradients", "summary", "vector", "cost"]
    names = [s.anchor for s in example.section("gradients").subsections]
    assert names == ["w2_11", "w2_12", "w2_21", "w2_22", "b2_1", "b2_2",
                     "w1_11", "w1_12", "w1_21", "w1_22", "b1_1", "b1_2"]
    assert example.omitted == ()


def test_classic_hand_worked_numbers(example):
    # The published hand calculation of this network: E_total = 0.298371109,
    # w5 (our w2_11) becomes 0.35891648 and w1 (our w1_11) becomes 0.149780716.
    assert "= 0.298371109" in _latex_of(example.section("loss"))
    w2 = _latex_of(example.section("w2_11"))
    assert "= 0.74136507 \\cdot 0.186815602 \\cdot 0.593269992 = 0.0821670406" in w2
    assert "= 0.4 - 0.5 \\cdot 0.0821670406\n\n= 0.35891648\n" in w2
    w1 = _latex_of(example.section("w1_11"))
    assert r"\text{path 1}" in w1 and r"\text{path 2}" in w1
    assert "= 0.000438567734" in w1 and "= 0.149780716" in w1


def test_worked_numbers_keep_the_order_of_the_formula_above_them(example):
    # Substituting numbers before printing let SymPy re-sort the terms: a - y came out as
    # "-0.01 + 0.75136507" and b + w x + w x as "w x + w x + b" under the symbolic line.
    forward = _latex_of(example.section("forward"))
    assert "= 0.35 + 0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 = 0.3775" in forward
    loss = _latex_of(example.section("loss"))
    assert "\\left(0.75136507 - 0.01\\right)^{2}" in loss
    deltas = _latex_of(example.section("deltas"))
    assert ("\\left(0.138498562 \\cdot 0.4 + \\left(-0.0380982365\\right) \\cdot 0.5\\right)"
            " = 0.00877135469") in deltas
    b2 = _latex_of(example.section("b2_2"))
    # Said once: "= δ = 0.0099 = 0.0099" repeated itself.
    assert "= \\delta^{(2)}_{2} = -0.0380982365\n" in b2 and "-0.0380982365 = -0.0380982365" not in b2


def test_numbers_printer_brackets_negative_numbers_only_where_needed():
    from symbackprop.graph.functions import sigmoid
    from symbackprop.graph.printing import latex_with_numbers

    a, y = sp.symbols("a y")
    values = {a: -0.5, y: -0.25}
    assert latex_with_numbers(a - y, values) == r"\left(-0.5\right) - \left(-0.25\right)"
    assert latex_with_numbers(a**2 * y, values) == r"\left(-0.5\right)^{2} \cdot \left(-0.25\right)"
    assert latex_with_numbers(sigmoid(a), values) == r"\sigma\left(-0.5\right)"
    assert latex_with_numbers(a, values) == "-0.5"


def test_every_parameter_is_stamped_verified(example):
    for sub in example.section("gradients").subsections:
        stamps = [b for b in sub.blocks if isinstance(b, Stamp)]
        assert len(stamps) == 1 and stamps[0].ok is True, sub.anchor
        text = _latex_of(sub)
        assert "Proved (symbolic)" in text and "relative error" in text


def test_stamp_reports_a_wrong_gradient():
    # Plant a wrong gradient: the finite-difference line must say it is outside tolerance.
    from symbackprop.sheet.numbers import verification_stamp

    spec = sbp.load_spec(sbp.EXAMPLE)
    net = spec.network
    env = spec.values.assignment(net)
    p = net.W[2][0][0]
    good = sbp.backward(net, env, exact=False).gradients[p]
    assert verification_stamp(net, p, assignment=env, gradient=good).ok is True
    bad = verification_stamp(net, p, assignment=env, gradient=good * sp.Float(1.001))
    assert bad.ok is False
    assert "OUTSIDE" in "".join(s for s in bad.detail[1] if isinstance(s, str))
    assert "NOT the rate the gradient says" in "".join(s for s in bad.lines[0] if isinstance(s, str))


def test_leibniz_factors_delta_and_expanded_for_a_hidden_weight(example):
    text = _latex_of(example.section("w1_11"))
    assert r"\frac{\partial L}{\partial a^{(2)}_{1}} \, \frac{\partial a^{(2)}_{1}}{\partial z^{(2)}_{1}}" in text
    assert r"= \delta^{(1)}_{1} x_{1}" in text
    assert "Expanded, in inputs, targets and parameters only:" in text


def test_no_expand_and_large_expansions_say_why():
    sheet = build_sheet(sbp.EXAMPLE, params=["w1_11"], expand=False)
    assert "Expanded form not requested." in _latex_of(sheet.section("w1_11"))
    deep = build_sheet("2-2-2-2-2", params=["w1_11"])
    text = _latex_of(deep.section("w1_11"))
    assert "would have about" in text and "over the sheet's limit" in text


def test_params_choice_and_unknown_names_list_valid_ones():
    sheet = build_sheet(sbp.EXAMPLE, params=["w2_12", r"b^{(1)}_{2}"])
    assert [s.anchor for s in sheet.section("gradients").subsections] == ["w2_12", "b1_2"]
    with pytest.raises(sbp.SpecError) as err:
        build_sheet(sbp.EXAMPLE, params=["w3_11"])
    msg = str(err.value)
    assert "unknown parameter 'w3_11'" in msg and "valid names: w1_11, w1_12" in msg and "b2_2" in msg
    with pytest.raises(sbp.SpecError, match="is a input, not a parameter|is a input"):
        build_sheet(sbp.EXAMPLE, params=["x1"])


def test_cost_counts_match_path_enumeration():
    # Independent count: list every path and multiply its nontrivial factors one by one.
    net = sbp.mlp([2, 3, 2])
    bp = sbp.derive(net)
    expected = 0
    for p in net.params:
        for path in bp[p].paths:
            k = sum(1 for f in path.factors if f.value != 1)
            expected += k - 1
    cost = count_costs(bp)
    assert cost.separate_mults == expected
    # Backprop: one multiplication per connection whose partial is not 1, loss edges free:
    # a->z (3+2), z2->a1 (2*3), z->w (2*3 + 3*2) ... counted from the structure:
    n1, n2, n0 = 3, 2, 2
    assert cost.backprop_mults == (n2 + n1) + n2 * n1 + (n1 * n0 + n2 * n1)
    assert cost.ratio > 1


def test_picture_highlights_paths_of_a_bias():
    net = sbp.mlp([2, 2, 2])
    pic = network_picture(net, net.b[1][1])
    assert pic.focus == (1, 2, 0)
    # Its own connection runs from the bias unit of the input layer (index 0).
    assert pic.highlight_edges == {(1, 2, 0), (2, 1, 2), (2, 2, 2)}
    assert (1, 1) not in pic.highlight_nodes


def test_large_network_lists_no_path_expands_nothing_and_says_what_was_left_out(monkeypatch):
    # Work, not seconds: w1_1_1's 640 paths and b1_1's 640 are counted, never listed (24 Path
    # values for the other three), and nothing is expanded.
    listed = count_calls(monkeypatch, Path, "__init__")
    expanded = count_calls(monkeypatch, Substitution, "_full")
    sheet = build_sheet("16-64-64-10", params=["w1_1_1", "w2_5_7", "w3_10_64", "b3_10", "b1_1"])
    assert listed[0] <= 50 and expanded[0] == 0, (listed, expanded)
    grads = sheet.section("gradients").subsections
    # Output layer first, weights before biases.
    assert [s.anchor for s in grads] == ["w3_10_64", "b3_10", "w2_57", "w1_11", "b1_1"]
    assert any("Node and error-signal definitions" in o for o in sheet.omitted)
    w1 = _latex_of(sheet.section("w1_11"))
    assert "640 paths lead from" in w1 and "over the sheet's limit" in w1
    assert "Not verified on this sheet" in w1
    pic = next(b for b in sheet.section("w1_11").blocks if isinstance(b, Picture))
    assert all(len(s) <= 8 for s in pic.shown)
    full = build_sheet("16-64-64-10", detail="full")
    assert len(full.section("gradients").subsections) == 3
    assert any("have no section of their own" in o for o in full.omitted)
    worked = build_sheet("16-64-64-10")
    assert [s.anchor for s in worked.section("gradients").subsections] == ["w3_11", "w2_11", "w1_11"]


def test_custom_graph_sheet():
    g = sbp.Graph()
    x, y = g.inputs("x y")
    (w,) = g.parameters("w")
    q = g.node("q", w * x)
    g.set_output(g.node("f", (q - y) ** 2))
    sheet = build_sheet(g, values={"x": 2, "y": 1, "w": 3})
    text = _latex_of(sheet.section("w"))
    assert r"= \delta_{q} x = 10 \cdot 2 = 20" in text  # 2 (wx - y) x = 2*5*2; whole numbers whole
    assert sheet.render("md") and sheet.render("html") and sheet.render("tex")


def test_softmax_constraint_is_stated_and_numbers_follow_the_chain_when_broken():
    spec = dict(layers=[2, 2, 2], activation=["sigmoid", "softmax"], loss="cross_entropy",
                values=dict(x=[0.5, 0.1], y=[0.3, 0.3], W1=[[0.1, 0.2], [0.3, 0.4]], b1=[0.1, 0.1],
                            W2=[[0.5, 0.6], [0.7, 0.8]], b2=[0.0, 0.0], learning_rate=0.1))
    sheet = build_sheet(spec, params=["w2_11"])
    deltas = _latex_of(sheet.section("deltas"))
    assert r"\text{(using } \sum_k y_k = 1\text{)}" in deltas
    assert "the targets break this assumption" in deltas
    stamp = next(b for b in sheet.section("w2_11").blocks if isinstance(b, Stamp))
    assert stamp.ok is True
    sheet.render("html")  # every formula converts


def test_bounded_expanded_size_agrees_with_the_exact_count():
    from symbackprop.sheet.params import _bounded_size

    bp = sbp.derive(sbp.mlp([3, 2, 2, 2], activation=["relu", "tanh", "sigmoid"], loss="mse"))
    for p in bp:
        assert _bounded_size(bp[p], 10**6) == bp[p].expanded_size(), p
    big = bp[bp.graph.params[0]]
    assert _bounded_size(big, 5) == 51  # stops counting just past 10x the limit


def test_vector_form_section_for_layered_networks_only():
    sheet = sbp.build_sheet(sbp.mlp([2, 3, 3], activation=["tanh", "softmax"], loss="cross_entropy"))
    text = _latex_of(sheet.section("vector"))
    # softmax with cross entropy: the output δ is a − y, per sample and per batch.
    assert r"\mathbf{a}^{(2)} - \mathbf{y}" in text and r"A^{(2)} - Y" in text
    assert r"\left(W^{(2)}\right)^{\top}" in text
    g = sbp.Graph()
    x, y = g.inputs("x y")
    g.set_output(g.node("f", x * y))
    assert "vector" not in [s.anchor for s in sbp.build_sheet(g).sections]


def test_graph_without_parameters_gets_the_gradients_of_its_inputs():
    # f = (x + y) z has inputs only: the sheet had an empty Gradients section, refused
    # --params x ("'x' is a input, not a parameter; valid names: ") and claimed
    # backpropagation needed "inf times fewer" multiplications than 0.
    spec = {"graph": {"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q * z"}, "output": "f"}}
    sheet = build_sheet(spec)
    assert [s.anchor for s in sheet.section("gradients").subsections] == ["x", "y", "z"]
    assert "cost" not in [s.anchor for s in sheet.sections]
    assert "inf" not in sheet.render("md")
    only = build_sheet(spec, params=["z"])
    assert [s.anchor for s in only.section("gradients").subsections] == ["z"]


def test_counts_are_singular_for_one_and_grouped_by_thousands():
    # "2 weights, 1 biases" and "with 5898 parameters" (the cost table writes 5,898).
    text = build_sheet({"layers": [2, 1]}).render("md")
    assert "| 2 weights, 1 bias |" in text and "with 3 parameters" in text
    text = build_sheet({"layers": [1, 1], "bias": False}).render("md")
    assert "| 1 weight |" in text and "with 1 parameter." in text
    big = build_sheet("16-64-64-10", params=["w1_1_1"]).render("md")
    assert "with 5,898 parameters" in big


def test_unchecked_stamp_names_the_parameter_as_python_takes_it():
    # It said "use symbackprop.prove(graph, w^{(3)}_{11}) in Python" with the name as
    # math, which is not Python; prove takes the plain name.
    sheet = build_sheet("16-64-64-10", params=["w3_1_1"])
    text = _latex_of(sheet.section("w3_11"))
    assert "use symbackprop.prove(graph, 'w3_11') in Python." in text


def test_batch_sheet_does_not_show_a_one_sample_descent_step():
    # With x given as rows the sheet showed "w ← w − η ∂L/∂w" with the first sample's
    # gradient, which is not the step the spec's batch (mean or sum) takes.
    spec = {"layers": [2, 1], "loss": "mse", "values": {
        "x": [[0.0, 1.0], [1.0, 0.0]], "y": [[1.0], [0.0]], "W1": [[0.5, -0.5]], "b1": [0.1],
        "learning_rate": 0.5}}
    text = build_sheet(spec).render("md")
    assert r"\leftarrow" not in text
    assert "The gradient-descent step is left out" in text
    single = dict(spec, values=dict(spec["values"], x=[0.0, 1.0], y=[1.0]))
    assert r"\leftarrow" in build_sheet(single).render("md")


def test_a_section_is_found_by_its_anchor_at_any_depth(example):
    # Top level, a subsection, and an anchor nobody has.
    assert example.section("loss").anchor == "loss"
    assert example.section("w1_11") in example.section("gradients").subsections
    with pytest.raises(KeyError, match="no section 'w9_99'"):
        example.section("w9_99")
