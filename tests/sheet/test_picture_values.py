"""The network picture of a sheet with numbers is the problem as a textbook draws it: every
connection carries its weight, every bias unit's connection its bias, each number on its
own line, touching no neuron and no other number (measured in Chromium as drawn)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from test_real_tools import _chromium, _pdflatex, needs_chromium, needs_pdflatex

import symbackprop as sbp
from symbackprop.sheet import build_sheet
from symbackprop.sheet.layout import VALUE_HEIGHT, fit_number, network_layout, value_width
from symbackprop.sheet.model import Picture
from symbackprop.sheet.picture import MAX_VALUES, network_picture


def _overview(sheet) -> Picture:
    """The network section's picture (the one without a highlighted parameter)."""
    found = [b for s in sheet.sections for b in s.blocks if isinstance(b, Picture) and b.focus is None]
    assert len(found) == 1
    return found[0]


def _spec_numbers(spec: dict) -> dict[tuple[int, int, int], float]:
    """Every connection's number read from the spec's own tables, not from the network."""
    out = {}
    for l, layer in ((1, "1"), (2, "2")):
        for j, row in enumerate(spec["values"]["W" + layer], start=1):
            out.update({(l, j, i): w for i, w in enumerate(row, start=1)})
        out.update({(l, j, 0): b for j, b in enumerate(spec["values"]["b" + layer], start=1)})
    return out


def test_every_connection_carries_the_specs_number_on_its_own_line():
    sheet = build_sheet(sbp.EXAMPLE)
    pic = _overview(sheet)
    expected = _spec_numbers(sbp.EXAMPLE)
    assert {edge: float(text) for edge, text in pic.edge_values} == expected
    lay = network_layout(pic)
    assert {v.edge for v in lay.values} == set(expected)
    for v in lay.values:
        l, j, i = v.edge
        # The line as drawn: from the source's right edge to the target's left edge.
        (x1, y1), (x2, y2) = (lay.xs[l - 1] + lay.radius, lay.ys[l - 1][i]), (lay.xs[l] - lay.radius, lay.ys[l][j])
        # On the segment between its own two neurons: collinear, and between them.
        assert abs((x2 - x1) * (v.y - y1) - (y2 - y1) * (v.x - x1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 < 0.5
        assert x1 < v.x < x2
    svg = sheet.render("html")
    drawn = re.findall(r'<text class="val" x="[\d.]+" y="[\d.]+">([^<]+)</text>', svg.split('class="network"')[1])
    assert sorted(drawn) == sorted(fit_number(str(w)) for w in expected.values())
    assert "Every connection carries its weight" in svg


def test_no_number_touches_a_neuron_or_another_number_and_no_other_line_runs_through_it():
    net = sbp.mlp([2, 3, 2])
    numbers = {s: round(0.1 * k - 0.8, 2) for k, s in enumerate(net.params)}  # 0.1 to -0.8: 3-4 characters
    pic = network_picture(net, numbers=numbers)
    lay = network_layout(pic)
    assert len(pic.edge_values) == len(lay.values) == 17
    boxes = [(v.x - value_width(v.shown) / 2, v.y - VALUE_HEIGHT / 2, v.x + value_width(v.shown) / 2,
              v.y + VALUE_HEIGHT / 2) for v in lay.values]
    neurons = [(x - lay.radius, y - lay.radius, x + lay.radius, y + lay.radius)
               for x, col in zip(lay.xs, lay.ys) for y in col.values()]
    for k, a in enumerate(boxes):
        for b in boxes[k + 1:] + neurons:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # Sampled along every other drawn line: none enters a number's middle (70 % x 60 %).
    lines = {(l, j, i): (lay.xs[l - 1] + lay.radius, lay.ys[l - 1][i], lay.xs[l] - lay.radius, lay.ys[l][j])
             for l in range(1, len(lay.ys)) for j in pic.shown[l] for i in lay.ys[l - 1]}
    for v in lay.values:
        half_w, half_h = 0.7 * value_width(v.shown) / 2, 0.6 * VALUE_HEIGHT / 2
        for edge, (x1, y1, x2, y2) in lines.items():
            inside = [t for t in (k / 400 for k in range(401)) if edge != v.edge
                      and abs(x1 + (x2 - x1) * t - v.x) < half_w and abs(y1 + (y2 - y1) * t - v.y) < half_h]
            assert inside == [], (v.shown, edge)


def test_all_numbers_or_none():
    net = sbp.mlp([2, 2, 2])
    numbers = {s: 0.5 for s in net.params}
    assert len(network_picture(net, numbers=numbers).edge_values) == 12
    # A number missing, a network too wide to draw whole, one with too many connections:
    # no numbers at all, and the caption does not promise them.
    assert network_picture(net, numbers={s: v for s, v in list(numbers.items())[1:]}).edge_values == ()
    for big in (sbp.mlp([2, 12, 2]), sbp.mlp([5, 6, 3])):
        pic = network_picture(big, numbers={s: 0.5 for s in big.params})
        assert pic.edge_values == () and "weight" not in pic.caption
    # Where the numbers cannot all be placed, none is, and the caption does not promise them:
    # 3-3-3's lines leave no room for seven-character numbers.
    wide = sbp.mlp([3, 3, 3])
    pic = network_picture(wide, numbers={s: 0.123456789 for s in wide.params})
    assert pic.edge_values == () and "weight" not in pic.caption
    # The layout's own rule: beside a focus label as wide as the picture, no number at all.
    crowded = dataclasses.replace(network_picture(net, numbers=numbers), focus=(1, 1, 1), focus_label="w")
    assert len(crowded.edge_values) == 12 and network_layout(crowded, 4000.0).values == ()
    # A picture of one parameter keeps to its own label.
    assert network_picture(net, net.W[1][0][0], "0.15", numbers=numbers).edge_values == ()


def test_the_search_for_places_counts_its_tries(monkeypatch):
    from symbackprop.sheet import layout

    net = sbp.mlp([2, 3, 2])
    pic = network_picture(net, numbers={s: 0.5 for s in net.params})
    assert len(network_layout(pic).values) == 17  # found within the limit
    monkeypatch.setattr(layout, "MAX_PLACEMENT_TRIES", 16)  # fewer tries than numbers
    assert network_layout(pic).values == ()


def test_a_sheet_without_numbers_draws_none_and_korean_says_so():
    assert _overview(build_sheet(sbp.mlp([2, 2, 2]))).edge_values == ()
    ko = _overview(build_sheet(sbp.EXAMPLE, lang="ko"))
    assert len(ko.edge_values) == 12 and "가중치" in ko.caption


def test_the_latex_picture_writes_every_number():
    tex = build_sheet(sbp.EXAMPLE).render("tex")
    overview = tex.split(r"\begin{picture}")[1].split(r"\end{picture}")[0]
    written = re.findall(r"\\colorbox\{white\}\{\\scriptsize ([^}]+)\}", overview)
    assert sorted(written) == sorted(fit_number(str(w)) for w in _spec_numbers(sbp.EXAMPLE).values())
    negative = build_sheet({**sbp.EXAMPLE, "values": {**sbp.EXAMPLE["values"], "b1": [-0.35, 0.35]}}).render("tex")
    assert r"\scriptsize $-$0.35}" in negative


@needs_pdflatex
def test_the_picture_with_numbers_compiles(tmp_path):
    code, log = _pdflatex(build_sheet(sbp.EXAMPLE).render("tex"), tmp_path)
    assert code == 0, log[-2000:]


_PROBE = """<script>
(function () {
  var svg = document.querySelector('svg.network'), box = function (e) {
    var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  var out = {values: [], neurons: []};
  svg.querySelectorAll('text.val').forEach(function (t) { out.values.push({box: box(t), text: t.textContent}); });
  svg.querySelectorAll('circle, rect').forEach(function (c) { out.neurons.push(box(c)); });
  var o = document.createElement('pre'); o.id = 'sbp-values'; o.textContent = JSON.stringify(out);
  document.body.appendChild(o);
})();
</script>"""


def _overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _measure(page: str, folder) -> dict:
    probe = folder / "values.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    proc = _chromium("--window-size=1100,1800", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="sbp-values">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def _collisions(m: dict) -> list[str]:
    values = m["values"]
    return [a["text"] for k, a in enumerate(values)
            if any(_overlaps(a["box"], b["box"]) for b in values[k + 1:])
            or any(_overlaps(a["box"], n) for n in m["neurons"])]


@needs_chromium
def test_as_drawn_no_number_touches_a_neuron_or_another(tmp_path):
    measured = _measure(build_sheet(sbp.EXAMPLE).render("html"), tmp_path)
    assert len(measured["values"]) == 12
    assert _collisions(measured) == []


@needs_chromium
def test_the_collision_check_can_fail(tmp_path):
    # Every number moved to the middle of its line, where 2-2-2's lines cross: they collide.
    page = build_sheet(sbp.EXAMPLE).render("html")
    page = re.sub(r'<text class="val" x="[\d.]+" y="[\d.]+">', '<text class="val" x="145" y="110">', page)
    assert _collisions(_measure(page, tmp_path)) != []
