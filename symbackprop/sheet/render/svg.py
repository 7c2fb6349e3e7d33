"""The network picture of a sheet as inline SVG (used by the HTML renderer).

Neurons are circles in columns, connections lines; the paths of a parameter are drawn
thick and coloured, its own connection (or bias neuron) in a second colour.  Colours are
CSS classes, so print styles can change them; the SVG holds no script and no links.

>>> from symbackprop.sheet.model import Picture
>>> svg = picture_svg(Picture((2, 1), ((1, 2), (1,)), highlight_edges=frozenset({(1, 1, 2)})))
>>> svg.count("<line"), svg.count('class="edge on"')
(2, 1)

A circuit (:class:`~symbackprop.sheet.model.Circuit`) is drawn by :func:`circuit_svg`.
"""

from __future__ import annotations

from html import escape

from symbackprop.sheet.model import Circuit, Picture

__all__ = ["picture_svg", "circuit_svg"]

_GAP_Y = 44
_GAP_X = 170
_R = 14


def _label(layer: int, last: int, index: int) -> str:
    letter = "x" if layer == 0 else "a"
    return f'{letter}<tspan class="sub" dy="4">{index}</tspan>'


def picture_svg(p: Picture) -> str:
    """The ``<svg>`` element of a network picture."""
    tallest = max(len(s) + sum(1 for k in range(1, len(s)) if s[k] != s[k - 1] + 1) for s in p.shown)
    height = tallest * _GAP_Y + 50
    width = (len(p.layers) - 1) * _GAP_X + 100
    last = len(p.layers) - 1
    # Vertical position of every drawn neuron; a gap (elided neurons) takes one slot.
    ys: list[dict[int, float]] = []
    for shown in p.shown:
        slots = len(shown) + sum(1 for k in range(1, len(shown)) if shown[k] != shown[k - 1] + 1)
        top = 40 + (tallest - slots) * _GAP_Y / 2 + _GAP_Y / 2
        pos, slot = {}, 0
        for k, idx in enumerate(shown):
            if k and idx != shown[k - 1] + 1:
                slot += 1
            pos[idx] = top + slot * _GAP_Y
            slot += 1
        ys.append(pos)
    xs = [50 + l * _GAP_X for l in range(len(p.layers))]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(p.caption)}">']
    lines_off, lines_on = [], []
    for l in range(1, len(p.layers)):
        for j in p.shown[l]:
            for i in p.shown[l - 1]:
                edge = (l, j, i)
                cls = "edge focus" if edge == p.focus else ("edge on" if edge in p.highlight_edges else "edge")
                line = (f'<line class="{cls}" x1="{xs[l - 1] + _R}" y1="{ys[l - 1][i]:.1f}" '
                        f'x2="{xs[l] - _R}" y2="{ys[l][j]:.1f}"/>')
                (lines_on if cls != "edge" else lines_off).append(line)
    out += lines_off + lines_on  # highlighted lines drawn last, on top
    for l, shown in enumerate(p.shown):
        name = "input" if l == 0 else ("output" if l == last else f"layer {l}")
        out.append(f'<text class="head" x="{xs[l]}" y="20">{name} ({p.layers[l]})</text>')
        for k, idx in enumerate(shown):
            if k and idx != shown[k - 1] + 1:
                out.append(f'<text class="gap" x="{xs[l]}" y="{ys[l][idx] - _GAP_Y / 2 + 5:.1f}">⋮</text>')
            bias_focus = p.focus is not None and p.focus[2] == 0 and (p.focus[0], p.focus[1]) == (l, idx)
            cls = "neuron focus" if bias_focus else ("neuron on" if (l, idx) in p.highlight_nodes else "neuron")
            out.append(f'<circle class="{cls}" cx="{xs[l]}" cy="{ys[l][idx]:.1f}" r="{_R}"/>')
            out.append(f'<text class="label" x="{xs[l]}" y="{ys[l][idx] + 4:.1f}">{_label(l, last, idx)}</text>')
    out.append("</svg>")
    return "\n".join(out)


_BOX_W, _BOX_H, _COL, _ROW = 96, 34, 170, 62


def _name_svg(text: str) -> str:
    """``h_out`` as h with a subscript (the name's own text, escaped)."""
    base, _, sub = text.partition("_")
    return escape(base) + (f'<tspan class="sub" dy="4">{escape(sub)}</tspan><tspan dy="-4"> </tspan>' if sub else " ")


def circuit_svg(c: Circuit) -> str:
    """The ``<svg>`` of a circuit: boxes with forward values, wires with gradients."""
    columns = max(n.column for n in c.nodes) + 1
    tallest = max(n.row for n in c.nodes) + 1
    width, height = columns * _COL + 60, tallest * _ROW + 40
    pos = [(30 + n.column * _COL, 24 + n.row * _ROW) for n in c.nodes]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="circuit" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(c.caption)}">']
    for a, b, grad in c.wires:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        x1, y1, y2 = x1 + _BOX_W, y1 + _BOX_H / 2, y2 + _BOX_H / 2
        out.append(f'<line class="wire" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
        if grad:
            # The gradient sits under the wire, near the box it flows back into.
            gx, gy = x1 + (x2 - x1) * 0.3, y1 + (y2 - y1) * 0.3 + 14
            out.append(f'<text class="grad" x="{gx:.1f}" y="{gy:.1f}">{escape(grad)}</text>')
    last = max(range(len(c.nodes)), key=lambda k: (c.nodes[k].column, -c.nodes[k].row))
    for k, n in enumerate(c.nodes):
        x, y = pos[k]
        out.append(f'<rect class="box" x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="4"/>')
        out.append(f'<text class="value" x="{x + _BOX_W / 2}" y="{y + _BOX_H / 2 + 5}">'
                   f'{_name_svg(n.text)}= {escape(n.value)}</text>')
        if k == last and n.gradient:
            out.append(f'<line class="wire" x1="{x + _BOX_W}" y1="{y + _BOX_H / 2}" x2="{x + _BOX_W + 40}" y2="{y + _BOX_H / 2}"/>')
            out.append(f'<text class="grad" x="{x + _BOX_W + 20}" y="{y + _BOX_H / 2 + 14}">{escape(n.gradient)}</text>')
    out.append("</svg>")
    return "\n".join(out)
