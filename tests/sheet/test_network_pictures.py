"""Network pictures alike in every format (issue 22, item 1): the parameter's connection is
never run through its own label (measured in Chromium), it is drawn visibly thicker in the
PDF as in the HTML, and a bias unit's connections are dotted in both."""

from __future__ import annotations

import json
import re

import pytest
from test_real_tools import _chromium, _pdflatex, needs_chromium, needs_pdflatex

import symbackprop as sbp
from symbackprop.sheet import build_sheet
from symbackprop.sheet.render.html import _PARTS_CSS
from symbackprop.sheet.render.svg import _STYLE

_PROBE = """<script>
(function () {
  var out = [];
  document.querySelectorAll('svg.network').forEach(function (svg) {
    var label = svg.querySelector('text.focus-label'), line = svg.querySelector('line.edge.focus');
    if (!label || !line) return;
    var m = line.getScreenCTM(), p = svg.createSVGPoint(), ends = [];
    [['x1', 'y1'], ['x2', 'y2']].forEach(function (k) {
      p.x = parseFloat(line.getAttribute(k[0])); p.y = parseFloat(line.getAttribute(k[1]));
      var q = p.matrixTransform(m); ends.push([q.x, q.y]);
    });
    var r = label.getBoundingClientRect(), c = svg.getBoundingClientRect();
    out.push({label: [r.left, r.top, r.right, r.bottom], line: ends, canvas: [c.left, c.top, c.right, c.bottom],
              text: label.textContent});
  });
  var o = document.createElement('pre'); o.id = 'sbp-net'; o.textContent = JSON.stringify(out);
  document.body.appendChild(o);
})();
</script>"""


def _crossings(m: dict) -> bool:
    """Whether the focus line passes through the label's box (sampled along the line)."""
    (x1, y1), (x2, y2) = m["line"]
    l, t, r, b = m["label"]
    for k in range(201):
        x, y = x1 + (x2 - x1) * k / 200, y1 + (y2 - y1) * k / 200
        if l + 0.5 < x < r - 0.5 and t + 0.5 < y < b - 0.5:
            return True
    return False


def _measure(page: str, folder) -> list[dict]:
    probe = folder / "net.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    proc = _chromium("--window-size=1100,1800", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="sbp-net">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@needs_chromium
def test_no_connection_runs_through_its_own_label(tmp_path):
    sheets = [build_sheet(sbp.EXAMPLE, detail="full"),
              build_sheet(sbp.mlp([3, 4, 2]), params=["w1_13", "w1_41", "w2_14", "b1_4", "w2_21"])]
    measured = [m for s in sheets for m in _measure(s.render("html"), tmp_path)]
    assert len(measured) == 12 + 5
    crossed = [m["text"] for m in measured if _crossings(m)]
    assert crossed == []
    for m in measured:
        (l, t, r, b), (cl, ct, cr, cb) = m["label"], m["canvas"]
        assert cl <= l and r <= cr and ct <= t and b <= cb, m["text"]


@needs_chromium
def test_the_crossing_check_can_fail(tmp_path):
    page = build_sheet(sbp.EXAMPLE, params=["w1_21"]).render("html")
    # The old placement: 35% along, 8px above the centre line, which the slope runs through.
    x1, y1, x2, y2 = (float(v) for v in re.search(
        r'<line class="edge focus" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"', page).groups())
    old = f'<text class="focus-label" x="{x1 + (x2 - x1) * 0.35:.1f}" y="{y1 + (y2 - y1) * 0.35 + 4:.1f}">'
    page = re.sub(r'<text class="focus-label" x="[\d.]+" y="[\d.]+">', old, page)
    assert any(_crossings(m) for m in _measure(page, tmp_path))


def test_bias_connections_are_dotted_and_the_focus_thickest_in_every_format():
    sheet = build_sheet(sbp.EXAMPLE, params=["w1_21", "b2_1"])
    tex = sheet.render("tex")
    # Dotted: SVG's dash pattern of dots, and LaTeX's \qbezier[n] (n dots) for every bias connection.
    assert re.search(r"\.edge\.bias \{ stroke-dasharray: 1\.5 3;", _STYLE)
    assert ".sbp svg .edge.bias { stroke-dasharray: 1.5 3; }" in _PARTS_CSS
    pictures = tex.count(r"\begin{picture}")
    # 2-2-2 with biases: 2 + 2 bias connections per picture (into layers 1 and 2).
    assert len(re.findall(r"\\qbezier\[\d+\]", tex)) == 4 * pictures
    # The focused connection drawn at 1.6pt, its paths at 0.9pt, the rest hairlines.
    assert tex.count(r"\linethickness{1.6pt}") == 2
    assert r"\linethickness{0.9pt}" in tex and r"\thicklines" not in tex.split(r"\begin{picture}")[2]


@needs_pdflatex
def test_the_pictures_compile(tmp_path):
    code, log = _pdflatex(build_sheet(sbp.EXAMPLE, params=["w1_21", "b2_1"]).render("tex"), tmp_path)
    assert code == 0 and "Overfull \\hbox" not in log, log[-2000:]


def test_latex_draws_the_svgs_layout():
    from symbackprop.sheet.picture import network_picture
    from symbackprop.sheet.render.latex import _picture
    from symbackprop.sheet.render.svg import picture_svg

    net = sbp.mlp([3, 12, 2])  # an elided layer too
    pic = network_picture(net, net.W[1][10][2])
    svg, tex = picture_svg(pic), _picture(pic)
    centres = [(float(x), float(y)) for x, y in re.findall(r'<circle class="[^"]*" cx="([\d.]+)" cy="([\d.]+)"', svg)]
    puts = [(float(x), float(y)) for x, y in re.findall(r"\\put\(([\d.]+),([\d.]+)\)\{\\circle\{", tex)]
    assert len(centres) == len(puts) == sum(len(s) for s in pic.shown) == 3 + 5 + 2
    width, height = (float(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    w_mm, h_mm = (float(v) for v in re.search(r"\\begin\{picture\}\((\d+),(\d+)\)", tex).groups())
    scale = w_mm / width
    for (cx, cy), (x, y) in zip(centres, puts):
        assert x == pytest.approx(cx * scale, abs=0.6) and y == pytest.approx(h_mm - cy * scale, abs=0.6)
