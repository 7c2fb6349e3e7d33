"""How sheets set their math and words: tight parentheses, whole numbers, (a - y) order,
rows that fit, an unmistakable Kronecker delta, and a stamp in plain words."""

from __future__ import annotations

import re

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.sheet import build_sheet
from symbackprop.sheet.linebreak import ROW_WIDTH, break_rows, visual_width
from symbackprop.sheet.model import Equation, Math, Stamp
from symbackprop.sheet.render.html import mathml


def _rows(section):
    return [right for b in section.blocks if isinstance(b, Equation) for _, right in b.rows]


def test_function_parentheses_are_tight_unless_they_hold_something_tall():
    tight = mathml(r"\sigma\left(0.3775\right)")
    assert 'stretchy="true"' not in tight and tight.count('<mo stretchy="false">') == 2
    tall = mathml(r"\left(\frac{a}{b}\right)")
    assert tall.count('stretchy="true"') == 2
    nested = mathml(r"\left(\left(x\right) + \frac{1}{2}\right) \sigma\left(y\right)")
    assert nested.count('stretchy="true"') == 2 and nested.count('stretchy="false"') == 4


def test_ln_is_spaced_from_its_neighbour():
    markup = mathml(r"y_{k} \ln{\left(a_{k} \right)}")
    assert re.search(r"</msub><mspace width=\"0.1667em\"></mspace><mi>ln</mi><mo>&#x02061;</mo>", markup)


def test_whole_numbers_are_written_whole():
    g = sbp.Graph()
    x, y = g.inputs("x y")
    (w,) = g.parameters("w")
    g.set_output(g.node("f", (w * x - y) ** 2))
    md = build_sheet(g, values={"x": 1.0, "y": 0.0, "w": -2.0}).render("md")
    assert "0.0" not in md and "1.0" not in md and "2.0" not in md
    assert "-2" in md
    full = build_sheet(sbp.EXAMPLE, params=["b2_1"])
    assert r"\cdot 1 = 0.138498562" in "\n".join(_rows(full.section("b2_1")))


def test_expanded_formulas_read_a_minus_y_and_fit_the_row():
    sheet = build_sheet(sbp.EXAMPLE, detail="full")  # a worked sheet folds the long one away
    for anchor in ("w2_11", "w1_11"):
        rows = _rows(sheet.section(anchor))
        expanded = "\n".join(rows)
        assert r"\right) - y_{1}" in expanded and r"\left(- y_{1}" not in expanded
        # Every continuation row starts with its operator.
        assert all(re.match(r"(\\quad |\\left\.)*\s*(\+|-|\\cdot|=|\\leftarrow)", r.strip()) for r in rows if r), rows
    assert max(visual_width(r) for r in _rows(sheet.section("w1_11"))) <= ROW_WIDTH + 10


def test_visual_width_counts_what_is_set_and_breaking_uses_it():
    from symbackprop.graph import sigmoid

    assert visual_width(r"\left(a\right)") == visual_width("(a)")
    assert visual_width("x_{123}") < visual_width("x123")
    long_sum = sum(sp.Symbol(f"w_{k}") * sp.Symbol(f"x_{k}") for k in range(1, 40))
    rows = break_rows(sigmoid(long_sum), width=40)
    # Broken inside the call's parentheses, every row closed so that it stands alone.
    assert len(rows) > 3 and all(visual_width(r) <= 48 for r in rows)
    assert rows[0].startswith(r"\sigma\left(") and rows[-1].endswith(r"\right)")
    assert all(r.count(r"\left") == r.count(r"\right") for r in rows)
    # A function written with braces around its call is left whole rather than broken badly.
    assert len(break_rows(sp.Function("s")(long_sum), width=40)) == 1


def test_softmax_jacobian_does_not_reuse_delta():
    sheet = build_sheet(sbp.mlp([2, 2, 2], activation=["sigmoid", "softmax"], loss="cross_entropy"))
    spans = [s.latex for b in sheet.section("deltas").blocks if hasattr(b, "spans")
             for s in b.spans if isinstance(s, Math)]
    text = " ".join(spans)
    assert "[k = j]" in text and r"\delta_{kj}" not in text


def test_stamp_speaks_plainly_and_folds_the_detail():
    sheet = build_sheet(sbp.EXAMPLE)
    stamp = next(b for b in sheet.section("w2_11").blocks if isinstance(b, Stamp))
    words = "".join(s for s in stamp.lines[0] if isinstance(s, str))
    assert words.startswith("Checked two ways: ") and "sympy.diff" not in words
    assert "sympy.diff" in "".join(s for line in stamp.detail for s in line if isinstance(s, str))
    html, tex = sheet.render("html"), sheet.render("tex")
    assert html.count("<details><summary>") == 2 and "sympy.diff" in html
    assert tex.count(r"\footnotemark") == tex.count(r"\footnotetext{") == 2


@pytest.mark.parametrize("level", ["summary", "worked", "full"])
def test_every_level_renders_in_every_format(level):
    sheet = build_sheet(sbp.EXAMPLE, detail=level)
    for fmt in ("md", "tex", "html"):
        assert sheet.render(fmt)
