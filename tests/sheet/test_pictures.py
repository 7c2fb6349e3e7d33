"""Pictures that teach: neurons labelled with layer and index, bias units, the parameter's
own connection named (with its value), the same in LaTeX, and SVG files beside Markdown."""

from __future__ import annotations

import re

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.sheet import build_sheet
from symbackprop.sheet.model import Picture
from symbackprop.sheet.picture import network_picture
from symbackprop.sheet.render.latex import render_latex
from symbackprop.sheet.render.svg import picture_svg


def _pictures(sheet):
    return [b for b in sheet.walk() if isinstance(b, Picture)]


def test_neurons_carry_layer_and_index_and_bias_units_are_drawn():
    net = sbp.mlp([2, 3, 1], bias=[True, False])
    svg = picture_svg(network_picture(net))
    labels = re.findall(r'<text class="label"[^>]*>(.*?)</text>', svg)
    plain = [re.sub(r"<[^>]+>", "", t) for t in labels]
    assert plain.count("1") == 1  # one bias unit: only layer 1 has biases
    assert ["x1", "x2", "a(1)1", "a(1)2", "a(1)3", "a(2)1"] == [t for t in plain if t != "1"]
    # The bias unit feeds every neuron of the layer after it, dashed; none for layer 2.
    assert svg.count('class="edge bias"') == 3


def test_the_parameters_connection_is_named_with_its_value():
    sheet = build_sheet(sbp.EXAMPLE, params=["w1_21", "b2_1"])
    b, w = [p for p in _pictures(sheet) if p.focus is not None]  # output layer first
    assert w.focus == (1, 2, 1) and w.focus_label == "w^{(1)}_{21} = 0.25"
    assert b.focus == (2, 1, 0) and b.focus_label == "b^{(2)}_{1} = 0.6"
    svg = picture_svg(w)
    assert re.search(r'<text class="focus-label"[^>]*>w<tspan[^>]*>\(1\)</tspan><tspan[^>]*>21</tspan>', svg)
    assert svg.count('class="edge focus"') == 1
    assert 'class="bias-unit focus"' in picture_svg(b)
    # Without numbers, the name alone.
    assert network_picture(sbp.mlp([2, 2, 2]), sbp.mlp([2, 2, 2]).W[1][1][0]).focus_label == "w^{(1)}_{21}"


def test_latex_picture_has_the_same_labels():
    sheet = build_sheet(sbp.EXAMPLE, params=["w1_21"])
    tex = render_latex(sheet)
    assert r"$a^{(1)}_{2}$" in tex and r"$x_{1}$" in tex
    assert r"\footnotesize $w^{(1)}_{21} = 0.25$" in tex
    assert tex.count(r"\framebox(5.8,5.8){\scriptsize 1}") == 2 * len(_pictures(sheet))


def test_markdown_file_gets_its_pictures_beside_it(tmp_path, capsys):
    out = tmp_path / "net.md"
    assert main(["sheet", "-o", str(out)]) == 0
    text = out.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", text)
    assert links == ["net-1.svg", "net-2.svg", "net-3.svg"]
    for name in links:
        svg = (tmp_path / name).read_text()
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<style>" in svg
    # To standard output there is no file to put a picture beside: captions only.
    assert main(["sheet"]) == 0
    assert ".svg)" not in capsys.readouterr().out
