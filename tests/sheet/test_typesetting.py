"""What a class sees of the typesetting (issue 22): products with their dot, a unary minus set
as a sign, rows broken only when the measured width needs it, a proper prime, headings that
make clean PDF bookmarks, an author line or none, a last layer not named L, indexed notes,
δs output layer first, and long expanded formulas folded away in a worked sheet.

Widths are measured by pdflatex itself (``\\setbox0\\hbox{...}\\wd0``) and by Chromium, not
by the estimate under test.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import sympy as sp
from test_real_tools import PDFLATEX, _chromium, _pdflatex, needs_chromium, needs_pdflatex

import symbackprop as sbp
from symbackprop.graph.activations import activation_names, get_activation, register_activation
from symbackprop.graph.losses import get_loss, loss_names
from symbackprop.sheet import build_sheet
from symbackprop.sheet.linebreak import ROW_WIDTH, visual_width
from symbackprop.sheet.model import Equation, Math, Paragraph
from symbackprop.sheet.render.html import mathml
from symbackprop.sheet.render.latex import _PREAMBLE


def _rows(section) -> list[str]:
    return [right for b in section.blocks if isinstance(b, Equation) for _, right in b.rows]


def _numbers_rows(sheet) -> list[str]:
    """Rows that hold worked numbers (a decimal point and no letters but \\sigma and brackets)."""
    out = []
    for b in sheet.walk():
        if isinstance(b, Equation):
            for _, right in b.rows:
                letters = re.sub(r"\\(left|right|cdot|sigma|frac|quad)|\\text\{[^}]*\}", "", right)
                if re.search(r"\d\.\d", right) and not re.search(r"[A-Za-z]", letters):
                    out.append(right)
    return out


# --- products and signs ---------------------------------------------------------------

def test_every_product_of_numbers_carries_its_dot():
    sheet = build_sheet(sbp.EXAMPLE, detail="full")
    rows = _numbers_rows(sheet)
    assert len(rows) > 20
    # A number beside a bracket, or two brackets side by side, is a product without its dot
    # ("(-0.0380982365) 0.5"): none is left.
    juxtaposed = re.compile(r"(\d|\\right\)) +(\d|\\left\()")
    assert [r for r in rows if juxtaposed.search(r)] == []
    assert r"\left(-0.0380982365\right) \cdot 0.5" in "\n".join(_rows(sheet.section("deltas")))


def test_the_dot_check_can_fail():
    assert re.search(r"(\d|\\right\)) +(\d|\\left\()", r"0.1 \cdot 0.4 + \left(-0.03\right) 0.5")


def test_a_minus_after_a_bracket_or_relation_is_a_sign_in_mathml():
    markup = mathml(r"a + \left(-0.5\right) \cdot 0.4 = -2 - \left(b\right) - c")
    signs = re.findall(r'<mo form="prefix"[^>]*>&#x02212;</mo>', markup)
    assert len(signs) == 2  # (-0.5) and = -2
    # After a closing bracket or an operand the minus stays binary.
    assert markup.count("<mo>&#x02212;</mo>") == 2
    # A prime follows its letter instead of being raised once more as a superscript.
    prime = mathml(r"\sigma'\left(z^{(l)}_{j}\right)")
    assert "<msup><mi>&#x003C3;</mi><mi>&#x02032;</mi></msup>" not in prime
    assert re.search(r"<mi>&#x003C3;</mi><mo [^>]*>&#x02032;</mo>", prime)


_SPACING = """<script>
(function () {
  function width(id) { return document.getElementById(id).getBoundingClientRect().width; }
  var o = document.createElement('pre'); o.id = 'sbp-spacing';
  o.textContent = JSON.stringify({unary: width('u1') - width('u0'), binary: width('b1') - width('b0'),
                                  em: parseFloat(getComputedStyle(document.body).fontSize)});
  document.body.appendChild(o);
})();
</script>"""


@needs_chromium
def test_chromium_sets_the_unary_minus_tight_and_the_binary_one_spaced(tmp_path):
    # The same formula with and without its minus: a sign adds its glyph, a binary minus its
    # glyph and a medium space on either side (0.44em more).
    cases = {"u1": r"x + \left(-0.5\right)", "u0": r"x + \left(0.5\right)",
             "b1": r"x + \left(1 - 0.5\right)", "b0": r"x + \left(1 0.5\right)"}
    body = "".join(f'<p><span id="{k}">{mathml(v)}</span></p>' for k, v in cases.items())
    probe = tmp_path / "spacing.html"
    probe.write_text(f"<!DOCTYPE html><html><body style='font-size:32px'>{body}{_SPACING}</body></html>",
                     encoding="utf-8")
    proc = _chromium("--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="sbp-spacing">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    m = json.loads(found.group(1).replace("&quot;", '"'))
    assert m["unary"] > 0 and m["binary"] - m["unary"] > 0.3 * m["em"], m


# --- line breaks -----------------------------------------------------------------------

def _tex_widths(rows: list[str], folder: Path) -> tuple[float, list[float]]:
    """pdflatex's own widths of display formulas, in pt, and the text width."""
    body = "\n".join(r"\setbox0\hbox{$\displaystyle %s$}\typeout{SBPW:\the\wd0}" % r for r in rows)
    (folder / "w.tex").write_text(_PREAMBLE + r"\begin{document}\typeout{SBPT:\the\textwidth}" + body
                                  + r"\end{document}", encoding="utf-8")
    subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-no-shell-escape", "w.tex"], cwd=folder,
                   capture_output=True, timeout=120)
    log = (folder / "w.log").read_text(encoding="latin-1")
    text = float(re.search(r"SBPT:([\d.]+)pt", log).group(1))
    widths = [float(x) for x in re.findall(r"^SBPW:([\d.]+)pt", log, re.M)]
    assert len(widths) == len(rows), log[-2000:]
    return text, widths


def _breaks(sheet) -> list[tuple[str, str, str]]:
    """(widest left-hand side, a row, the row after it) wherever a formula was broken for
    width; a chain rule's one product per path is a layout, not a break."""
    out = []
    for b in sheet.walk():
        if not isinstance(b, Equation):
            continue
        lhs = max((left for left, _ in b.rows if left), key=visual_width, default="")
        for (_, first), (left, second) in zip(b.rows, b.rows[1:]):
            if left or second.startswith(r"+ \frac{\partial"):
                continue
            if re.match(r"(\\quad \\left\.)*\s*(\\cdot|\+|-)", second):
                out.append((lhs, first, second))
    return out


@needs_pdflatex
def test_rows_are_broken_only_when_pdflatex_measures_them_too_wide(tmp_path):
    pairs = [p for detail in ("worked", "full") for p in _breaks(build_sheet(sbp.EXAMPLE, detail=detail))]
    assert len(pairs) > 10
    flat = [x for lhs, first, second in pairs for x in (lhs or "x", first, first + " " + second)]
    text, widths = _tex_widths(flat, tmp_path)
    early = []
    for k, (lhs, first, second) in enumerate(pairs):
        left, joined = widths[3 * k], widths[3 * k + 2]
        # Joined, the row would have stood beside its left-hand side within the line.
        if joined + left + 10 <= text:
            early.append((round(joined), first[:60], second[:40]))
    assert early == []
    # The δ rows of the default sheet stand on one line each: none starts with a dot.
    deltas = _rows(build_sheet(sbp.EXAMPLE).section("deltas"))
    assert not [r for r in deltas if r.startswith(r"\cdot")], deltas


@needs_pdflatex
def test_the_width_estimate_follows_pdflatex(tmp_path):
    sheet = build_sheet(sbp.EXAMPLE, detail="full")
    rows = [r for r in (right for b in sheet.walk() if isinstance(b, Equation) for _, right in b.rows)
            if r and not re.search(r"\\(frac|mathbf|boldsymbol|sum|nabla|Delta|odot|text|top)", r)]
    assert len(rows) > 100
    _, widths = _tex_widths(rows, tmp_path)
    ratios = [visual_width(r) * 5 / w for r, w in zip(rows, widths) if w > 100]
    # A digit is 5pt; the estimate is within 10% of what pdflatex sets, erring wide.
    assert 0.9 <= min(ratios) and max(ratios) <= 1.15, (min(ratios), max(ratios))
    assert ROW_WIDTH * 5 < 458.8 - 20  # a row and a left-hand side fit the line


# --- headings, author, PDF bookmarks ----------------------------------------------------

@needs_pdflatex
def test_pdflatex_log_has_no_bookmark_token_warnings_and_no_author_warning(tmp_path):
    code, log = _pdflatex(build_sheet(sbp.EXAMPLE).render("tex"), tmp_path)
    assert code == 0, log[-2000:]
    assert "Token not allowed in a PDF string" not in log
    assert "No \\author given" not in log
    # The bookmarks keep the math as text: ∂L/∂w2_11 and δ (UTF-16 in the .out file).
    bookmarks = (tmp_path / "sheet.out").read_text(encoding="latin-1")
    assert bookmarks.count("\\BOOKMARK") >= 10
    assert "\\042\\002" in bookmarks and "\\003\\264" in bookmarks  # ∂ and δ


@needs_pdflatex
def test_an_author_line_is_set_when_given(tmp_path):
    sheet = build_sheet(sbp.EXAMPLE, detail="summary", author="Dr. Kim, Deep Learning 101")
    tex = sheet.render("tex")
    assert "\\author{Dr. Kim, Deep Learning 101}" in tex
    assert '<p class="author">Dr. Kim, Deep Learning 101</p>' in sheet.render("html")
    assert "Dr. Kim, Deep Learning 101" in sheet.render("md").splitlines()[2]
    code, log = _pdflatex(tex, tmp_path)
    assert code == 0 and "No \\author given" not in log
    assert 'class="author"' not in build_sheet(sbp.EXAMPLE, detail="summary").render("html")


def test_cli_takes_an_author(capsys):
    from symbackprop.cli import main

    assert main(["sheet", "--detail", "summary", "--format", "tex", "--author", "A. Teacher"]) == 0
    assert "\\author{A. Teacher}" in capsys.readouterr().out


# --- names and notes --------------------------------------------------------------------

@pytest.mark.parametrize("name", loss_names())
def test_no_loss_names_the_last_layer_L(name):
    text = get_loss(name).latex
    assert not re.search(r"\^\{\(L\)\}", text)


def test_the_sheet_says_which_layer_is_the_output():
    sheet = build_sheet(sbp.mlp([2, 3, 3, 1]), detail="summary")
    loss = build_sheet(sbp.mlp([2, 3, 3, 1])).section("loss")
    text = " ".join(part for b in loss.blocks if isinstance(b, Equation) for row in b.rows for part in row)
    assert r"a^{(\mathrm{out})}_k = a^{(3)}_k" in text and "(L)" not in sheet.render("tex")


def _delta_note(sheet) -> str:
    """The math of the paragraph that begins "with" under the δ recursion."""
    para = next(b for b in sheet.section("deltas").blocks
                if isinstance(b, Paragraph) and b.spans and b.spans[0] == "with ")
    return " ".join(s.latex for s in para.spans if isinstance(s, Math))


def test_derivative_notes_are_indexed():
    from symbackprop.sheet.notes import derivative_note

    note = _delta_note(build_sheet(sbp.EXAMPLE))
    assert note == r"\sigma'\left(z^{(l)}_{j}\right) = a^{(l)}_{j} \left(1 - a^{(l)}_{j}\right)"
    for name in activation_names():
        text = derivative_note(get_activation(name))
        assert "z^{(l)}_{j}" in text or "a^{(l)}_{k}" in text, text
        assert not re.search(r"(?<![\w{])a(?![\w^])", text.replace(r"\operatorname", "")), text


def test_a_note_of_ones_own_activation_is_derived_not_written():
    from symbackprop.sheet.notes import derivative_note

    # The registry's hand-written derivative is deliberately wrong: the note must not use it.
    cube = register_activation("cube22", lambda z: z**3, latex=r"\operatorname{cube}",
                               derivative_latex=r"WRONG", replace=True)
    text = derivative_note(cube)
    z = sp.Symbol("z^{(l)}_{j}", real=True)
    assert text.endswith("= " + sbp.latex(sp.diff(z**3, z))) and "WRONG" not in text


def test_deltas_under_a_parameter_run_output_layer_first():
    sheet = build_sheet(sbp.mlp([2, 2, 2, 2]), detail="full")
    for anchor in ("w1_11", "b1_2", "w2_21"):
        rows = [left for b in sheet.section(anchor).blocks if isinstance(b, Equation)
                for left, _ in b.rows if left.startswith(r"\delta^{(")]
        layers = [int(re.match(r"\\delta\^\{\((\d+)\)\}", r).group(1)) for r in rows]
        assert len(layers) >= 2 and layers == sorted(layers, reverse=True), (anchor, layers)


# --- folding -----------------------------------------------------------------------------

def test_long_expanded_formulas_are_folded_in_worked_and_shown_in_full():
    from symbackprop.sheet.model import Fold
    from symbackprop.sheet.params import MAX_UNFOLDED_ROWS

    worked, full = build_sheet(sbp.EXAMPLE), build_sheet(sbp.EXAMPLE, detail="full")
    folds = [b for b in worked.section("w1_11").blocks if isinstance(b, Fold)]
    assert len(folds) == 1
    rows = folds[0].blocks[1].rows
    assert len(rows) > MAX_UNFOLDED_ROWS
    assert not [b for b in full.walk() if isinstance(b, Fold)]
    first = rows[1][1]  # a row of the expanded formula
    html, tex, md = worked.render("html"), worked.render("tex"), worked.render("md")
    assert html.count('<details class="fold">') == 1
    assert r"\texttt{symbackprop sheet -{}-{}detail full}" in tex and "`symbackprop sheet --detail full`" in md
    assert first not in tex and first not in md
    assert first in full.render("tex")
    # Every formula a worked sheet shows unfolded is within the stated size.
    for b in worked.walk():
        if isinstance(b, Equation) and b not in folds[0].blocks and any(r"\sigma\left(b^{(1)}" in r for _, r in b.rows):
            assert len(b.rows) <= MAX_UNFOLDED_ROWS
