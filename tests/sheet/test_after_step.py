"""The loss after one gradient-descent step, both ways: every parameter updated, and the
weights alone (the figure the classic worked example prints), checked against exact
rational arithmetic done here with SymPy, not the library's float route."""

from __future__ import annotations

import re

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.sheet import build_sheet
from symbackprop.sheet.model import Math, Paragraph

R = sp.Rational
X = [R(5, 100), R(10, 100)]
Y = [R(1, 100), R(99, 100)]
# w1_11 w1_12 w1_21 w1_22 b1_1 b1_2 w2_11 w2_12 w2_21 w2_22 b2_1 b2_2
START = [R(15, 100), R(20, 100), R(25, 100), R(30, 100), R(35, 100), R(35, 100),
         R(40, 100), R(45, 100), R(50, 100), R(55, 100), R(60, 100), R(60, 100)]
BIASES = {4, 5, 10, 11}
ETA = R(1, 2)


def _loss(p):
    s = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    a1 = [s(p[0] * X[0] + p[1] * X[1] + p[4]), s(p[2] * X[0] + p[3] * X[1] + p[5])]
    a2 = [s(p[6] * a1[0] + p[7] * a1[1] + p[10]), s(p[8] * a1[0] + p[9] * a1[1] + p[11])]
    return sum((a2[k] - Y[k]) ** 2 for k in range(2)) / 2


def _exact_after(update):
    symbols = sp.symbols("p0:12")
    loss = _loss(symbols)
    env = dict(zip(symbols, START))
    grads = [sp.diff(loss, s).xreplace(env) for s in symbols]
    moved = [v - ETA * g if k in update else v for k, (v, g) in enumerate(zip(START, grads))]
    return sp.N(loss.xreplace(dict(zip(symbols, moved))), 30)


@pytest.fixture(scope="module")
def summary_text():
    sheet = build_sheet(sbp.EXAMPLE, detail="summary")
    text = "".join(s.latex if isinstance(s, Math) else str(s)
                   for b in sheet.section("summary").blocks if isinstance(b, Paragraph) for s in b.spans)
    return " ".join(text.split())


def test_exact_weights_only_step_is_0_291027774_not_the_published_0_291027924():
    exact = _exact_after(set(range(12)) - BIASES)
    assert f"{exact:.9f}" == "0.291027774"
    assert abs(exact - sp.Float("0.291027924")) > 1e-7  # the published figure's slip
    assert f"{_exact_after(set(range(12))):.9f}" == "0.280471447"


def test_sheet_prints_both_steps_labelled(summary_text):
    everything = f"{_exact_after(set(range(12))):.9f}"
    weights = f"{_exact_after(set(range(12)) - BIASES):.9f}"
    assert re.search(r"every parameter updated, the loss falls from L = 0\.298371109 to " + everything, summary_text)
    assert re.search(r"with the weights alone \(biases kept\), it is " + weights, summary_text)


def test_sheet_names_the_published_figure_and_where_it_differs(summary_text):
    assert "it is 0.291027774, where Mazur's example (2015) prints 0.291027924." in summary_text


def test_a_network_without_biases_has_one_step_only():
    spec = {"layers": [2, 2], "activation": "sigmoid", "loss": "squared", "bias": False,
            "values": {"x": [0.5, -0.5], "y": [0.2, 0.8], "W1": [[0.1, 0.2], [0.3, 0.4]], "learning_rate": 0.5}}
    text = build_sheet(spec, detail="summary").render("md")
    assert "every parameter updated" in text and "weights alone" not in text


def test_other_numbers_get_no_published_note():
    spec = dict(sbp.EXAMPLE, values={**sbp.EXAMPLE["values"], "learning_rate": 0.25})
    text = build_sheet(spec, detail="summary").render("md")
    assert "weights alone" in text and "Mazur" not in text


def test_korean_sheet_has_both_steps():
    text = build_sheet(sbp.EXAMPLE, detail="summary", lang="ko").render("md")
    assert "가중치만 갱신" in text and "0.291027774" in text and "0.280471447" in text
