"""Renderers: golden LaTeX of small derivations, Markdown, HTML (MathML checks, no scripts)."""

from __future__ import annotations

import re

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.graph import notation as n
from symbackprop.sheet import build_sheet
from symbackprop.sheet.model import Equation, Math, Paragraph, Section, Sheet
from symbackprop.sheet.render.html import UnknownLatexError, mathml, raw_latex_in, render_html
from symbackprop.sheet.render.latex import escape_text, render_latex
from symbackprop.sheet.render.markdown import render_markdown


def _equations(sheet, anchor):
    for s in sheet.sections:
        for sub in s.subsections:
            if sub.anchor == anchor:
                return [b for b in sub.blocks if isinstance(b, Equation)]
    raise AssertionError(anchor)


def _align(eq: Equation) -> str:
    # The LaTeX renderer's form of one equation, from the complete document.
    return "\\begin{align*}\n" + " \\\\\n".join(f"{l} &{r}" if r else l for l, r in eq.rows) + "\n\\end{align*}"


@pytest.fixture(scope="module")
def tiny():
    return build_sheet(sbp.mlp([1, 1, 1]), params=["w2_11", "b1_1"])


GOLDEN_W2 = [
    r"""\begin{align*}
\frac{\partial L}{\partial w^{(2)}_{11}} &= \frac{\partial L}{\partial a^{(2)}_{1}} \, \frac{\partial a^{(2)}_{1}}{\partial z^{(2)}_{1}} \, \frac{\partial z^{(2)}_{1}}{\partial w^{(2)}_{11}}
\end{align*}""",
    r"""\begin{align*}
\frac{\partial L}{\partial a^{(2)}_{1}} &= a^{(2)}_{1} - y_{1} \\
\frac{\partial a^{(2)}_{1}}{\partial z^{(2)}_{1}} &= a^{(2)}_{1} \left(1 - a^{(2)}_{1}\right) \\
\frac{\partial z^{(2)}_{1}}{\partial w^{(2)}_{11}} &= a^{(1)}_{1}
\end{align*}""",
    r"""\begin{align*}
\frac{\partial L}{\partial w^{(2)}_{11}} &= \left(a^{(2)}_{1} - y_{1}\right) \cdot a^{(2)}_{1} \left(1 - a^{(2)}_{1}\right) \cdot a^{(1)}_{1}
\end{align*}""",
    r"""\begin{align*}
\frac{\partial L}{\partial w^{(2)}_{11}} &= \delta^{(2)}_{1} a^{(1)}_{1}
\end{align*}""",
    r"""\begin{align*}
\delta^{(2)}_{1} &= a^{(2)}_{1} \left(1 - a^{(2)}_{1}\right) \left(a^{(2)}_{1} - y_{1}\right)
\end{align*}""",
]


def test_golden_latex_output_weight(tiny):
    eqs = [_align(e) for e in _equations(tiny, "w2_11")]
    assert eqs[:5] == GOLDEN_W2
    tex = render_latex(tiny)
    for g in GOLDEN_W2:
        assert g in tex


def test_golden_latex_hidden_bias(tiny):
    eqs = [_align(e) for e in _equations(tiny, "b1_1")]
    assert eqs[0] == (
        "\\begin{align*}\n\\frac{\\partial L}{\\partial b^{(1)}_{1}} &= \\frac{\\partial L}{\\partial a^{(2)}_{1}} "
        "\\, \\frac{\\partial a^{(2)}_{1}}{\\partial z^{(2)}_{1}} \\, \\frac{\\partial z^{(2)}_{1}}{\\partial a^{(1)}_{1}} "
        "\\, \\frac{\\partial a^{(1)}_{1}}{\\partial z^{(1)}_{1}} \\, \\frac{\\partial z^{(1)}_{1}}{\\partial b^{(1)}_{1}}\n\\end{align*}"
    )
    assert eqs[3] == "\\begin{align*}\n\\frac{\\partial L}{\\partial b^{(1)}_{1}} &= \\delta^{(1)}_{1}\n\\end{align*}"
    assert eqs[4] == (
        # Output layer first, as the recursion runs (issue 22).
        "\\begin{align*}\n\\delta^{(2)}_{1} &= a^{(2)}_{1} \\left(1 - a^{(2)}_{1}\\right) \\left(a^{(2)}_{1} - y_{1}\\right) \\\\\n"
        "\\delta^{(1)}_{1} &= \\delta^{(2)}_{1} a^{(1)}_{1} w^{(2)}_{11} \\left(1 - a^{(1)}_{1}\\right)\n\\end{align*}"
    )


def test_golden_generic_forward_equation():
    sheet = build_sheet(sbp.mlp([3, 2, 1], activation=["relu", "sigmoid"]), params=["b2_1"])
    forward = next(s for s in sheet.sections if s.anchor == "forward")
    eq = next(b for b in forward.blocks if isinstance(b, Equation))
    assert eq.rows == (
        ("z^{(1)}_j", r"= \sum_{i=1}^{3} w^{(1)}_{ji}\, a^{(0)}_i + b^{(1)}_j"),
        ("a^{(1)}_j", r"= \operatorname{ReLU}\left(z^{(1)}_j\right)"),
        ("z^{(2)}_j", r"= \sum_{i=1}^{2} w^{(2)}_{ji}\, a^{(1)}_i + b^{(2)}_j"),
        ("a^{(2)}_j", r"= \sigma\left(z^{(2)}_j\right)"),
    )


def test_latex_document_is_complete_and_escapes_text():
    tex = render_latex(build_sheet(sbp.EXAMPLE, params=["b2_1"]))
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    used = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", tex)
    # All of them ship with texlive-latex-base.
    assert used == ["inputenc", "amsmath,amssymb", "color,graphicx", "hyperref"]
    assert escape_text("50% of a_b & {c}") == r"50\% of a\_b \& \{c\}"


def test_markdown_math_blocks_and_escaping():
    md = render_markdown(build_sheet(sbp.EXAMPLE, params=["w2_11"]))
    assert md.startswith("# A 2-2-2 sigmoid network, worked by hand\n")
    assert "### $\\partial L / \\partial w^{(2)}_{11}$" in md
    assert "$$\n\\begin{aligned}\n" in md and md.count("$$") % 2 == 0
    assert "> ✓ **Verified.**" in md
    assert "| Layer | Neurons | Activation | Parameters |" in md
    plain = render_markdown(Sheet("T", (Section("S", (Paragraph(("a*b_c [d]",)),)),)))
    assert r"a\*b\_c \[d\]" in plain


def test_html_is_self_contained_and_every_formula_is_mathml():
    page = render_html(build_sheet(sbp.EXAMPLE, detail="full"))
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower() and "javascript:" not in page.lower()
    # No external resources: the only URLs are XML namespaces.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
        "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert page.count("<svg") == 13  # the overview and one per parameter
    assert page.count('class="edge focus"') == 8  # one per weight; biases mark a neuron
    assert raw_latex_in(page) == []
    # Outside MathML and the style sheet, no LaTeX command text reaches the page.
    text = re.sub(r"<math.*?</math>|<style>.*?</style>", "", page, flags=re.S)
    assert not re.search(r"\\[A-Za-z]+", text)


def test_unknown_latex_commands_are_refused():
    with pytest.raises(UnknownLatexError, match=r"\\foo"):
        mathml(r"a + \foo{b}")
    with pytest.raises(UnknownLatexError):
        render_html(Sheet("T", (Section("S", (Paragraph(("x ", Math(r"\unknowncmd{L}"))),)),)))
    # aligned (as opposed to align*) is not converted; its '&' would reach the page raw.
    assert raw_latex_in(_convert(r"\begin{aligned} a &= b \end{aligned}")) == ["&"]
    with pytest.raises(UnknownLatexError):
        mathml(r"\begin{aligned} a &= b \end{aligned}")
    assert raw_latex_in(mathml(r"\frac{\partial L}{\partial w} \cdot \sigma\left(z\right)")) == []


def _convert(latex: str) -> str:
    from latex2mathml.converter import convert

    return convert(latex)


def test_sheet_jupyter_reprs():
    sheet = build_sheet(sbp.EXAMPLE, params=["b2_2"])
    html = sheet._repr_html_()
    assert html.startswith('<div class="sbp">') and "<body" not in html and "<math" in html
    assert sheet._repr_markdown_().startswith("# ")
    with pytest.raises(ValueError, match="format"):
        sheet.render("pdf")


def test_long_product_of_a_coefficient_and_one_factor_breaks_into_rows():
    # 2·σ(long sum) (the expanded MSE gradient of a batch sheet) recursed without end:
    # the coefficient was folded back into the factor, giving the same product again.
    from symbackprop.graph.printing import latex
    from symbackprop.sheet.linebreak import break_rows

    terms = sp.Add(*(sp.Symbol(f"w_{{{k}}}") * sp.Symbol(f"x_{{{k}}}") for k in range(12)))
    rows = break_rows(2 * sp.sin(terms), width=40)
    assert rows == [r"2 \sin{\left(" + latex(terms) + r" \right)}"]
    rows = break_rows(-sp.Rational(2, 3) * sp.sin(terms) * sp.cos(terms), width=40)
    assert len(rows) == 2 and rows[0].startswith("- \\frac{2}{3} \\") and rows[1].startswith("\\cdot \\")


def test_batch_sheet_with_mse_builds():
    spec = {"layers": [2, 2, 1], "activation": "sigmoid", "loss": "mse", "values": {
        "x": [[0.0, 1.0], [1.0, 0.0]], "y": [[1.0], [0.0]], "W1": [[0.5, -0.5], [0.3, 0.8]],
        "b1": [0.0, 0.1], "W2": [[1.0, -1.0]], "b2": [0.2]}}
    text = build_sheet(spec, params=["w1_11"]).render("tex")
    assert r"\frac{\partial L}{\partial w^{(1)}_{11}}" in text


def test_natural_logarithm_prints_as_ln():
    # The loss is stated as -Σ y ln a, but its worked lines printed SymPy's \log, which
    # many students read as base 10.
    from symbackprop.graph.printing import latex

    assert latex(sp.log(sp.Symbol("a"))) == r"\ln{\left(a \right)}"
    text = build_sheet({"layers": [2, 2], "activation": "softmax", "loss": "cross_entropy"}).render("tex")
    assert r"\log" not in text and r"\ln{\left(a^{(1)}_{1} \right)}" in text


def test_indices_of_ten_and_more_print_in_numeric_order():
    # SymPy sorts names as text, so a 10-output sheet printed (a_10 - y_10)² before
    # (a_1 - y_1)² and δ recursions began with δ_10 w_{10,1}, δ_11, δ_12, then δ_1.
    from symbackprop.graph.printing import latex
    from symbackprop.sheet.linebreak import break_rows

    net = sbp.mlp([2, 2, 12])
    bp = sbp.derive(net)
    text = latex(bp.deltas[n.pre(1, 1)].expr)
    order = [int(k) for k in re.findall(r"\\delta\^\{\(2\)\}_\{(\d+)\}", text)]
    assert order == list(range(1, 13)), text
    loss = sum((sp.Symbol(f"a_{{{k}}}") - sp.Symbol(f"y_{{{k}}}")) ** 2 for k in range(1, 13))
    rows = " ".join(break_rows(loss, width=60))
    assert rows.index("a_{1} -") < rows.index("a_{2} -") < rows.index("a_{10} -")
    assert latex(sp.Symbol("b") + sp.Symbol("w") * sp.Symbol("x")) == "b + w x"


def test_formats_are_looked_up_by_name_and_a_new_one_can_be_registered(monkeypatch, tmp_path):
    from symbackprop.cli import main
    from symbackprop.sheet import model

    sheet = Sheet("Demo", sections=(Section("Loss", (Paragraph(("The loss is ", Math("L"), ".")),)),))
    assert [f.name for f in model.formats()] == ["tex", "md", "html"]
    with pytest.raises(ValueError, match=r"^format: expected 'tex', 'md' or 'html', received 'rst'$"):
        sheet.render("rst")
    monkeypatch.setattr(model, "_FORMATS", dict(model._FORMATS))
    model.register_format(model.Format("rst", lambda s: f"{s.title}\n{'=' * len(s.title)}\n", suffixes=(".rst",)))
    assert sheet.render("rst") == "Demo\n====\n"
    assert sheet.render("md") == render_markdown(sheet)
    assert sheet._repr_html_() != render_html(sheet) and "<math" in sheet._repr_html_()
    # One registration is all the command line needs too: the -o suffix and --format.
    assert main(["sheet", "2-2-1", "-o", str(tmp_path / "s.rst")]) == 0
    assert (tmp_path / "s.rst").read_text().startswith("A 2-2-1 ")
    assert main(["sheet", "2-2-1", "--format", "rst", "-o", str(tmp_path / "t.txt")]) == 0
    assert (tmp_path / "t.txt").read_text() == (tmp_path / "s.rst").read_text()
