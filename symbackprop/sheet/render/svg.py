"""The network picture of a sheet as inline SVG (used by the HTML renderer).

Neurons are circles in columns labelled ``x_i`` and ``a^{(l)}_j``, bias units squares
holding 1, connections lines; the paths of a parameter are drawn thick and coloured, its
own connection in a second colour and labelled with its name (and value).  Colours are
CSS classes, so print styles can change them; the SVG holds no script and no links.

>>> from symbackprop.sheet.model import Picture
>>> svg = picture_svg(Picture((2, 1), ((1, 2), (1,)), highlight_edges=frozenset({(1, 1, 2)})))
>>> svg.count("<line"), svg.count('class="edge on"')
(2, 1)

A circuit (:class:`~symbackprop.sheet.model.Circuit`) is drawn by :func:`circuit_svg`.
"""

from __future__ import annotations

import re
from html import escape

from symbackprop.sheet.layout import NET_GAP_Y, circuit_layout, network_layout
from symbackprop.sheet.linebreak import visual_width
from symbackprop.sheet.model import Circuit, Picture

__all__ = ["picture_svg", "circuit_svg", "standalone"]

# The pictures' colours for an SVG file of its own (the HTML page styles them itself).
_STYLE = """<style>
.edge { stroke: #c8c8c8; stroke-width: 1; } .edge.bias { stroke-dasharray: 1.5 3; }
.edge.on { stroke: #1565c0; stroke-width: 2.5; } .edge.focus { stroke: #e65100; stroke-width: 4; }
.neuron { fill: #fff; stroke: #1b1b1b; stroke-width: 1.2; } .neuron.on { fill: #e3f2fd; stroke: #1565c0; stroke-width: 2; }
.bias-unit { fill: #f6f6f6; stroke: #666; stroke-width: 1.2; } .bias-unit.focus { fill: #ffe0b2; stroke: #e65100; stroke-width: 3; }
.wire { stroke: #1b1b1b; stroke-width: 1.2; fill: none; } .box { fill: #fff; stroke: #1b1b1b; stroke-width: 1.2; }
.gate { fill: #fffde7; stroke: #1b1b1b; stroke-width: 1.4; } text.op { font-size: 16px; font-weight: bold; }
text.name { font-size: 10px; fill: #666; font-style: italic; } text.leaf { font-style: italic; font-size: 15px; }
text.val { fill: #2e7d32; font-size: 12px; } text.val, text.grad { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
text { font-family: Georgia, serif; font-size: 13px; text-anchor: middle; } text.head { fill: #666; }
text.label { font-style: italic; } tspan.sub { font-size: 9px; }
text.grad { fill: #c62828; font-size: 12px; } text.focus-label { fill: #e65100; font-size: 14px; font-style: italic; }
text.focus-label { paint-order: stroke; stroke: #fff; stroke-width: 4px; }
</style>"""


def standalone(svg: str) -> str:
    """An ``<svg>`` of this module as a file of its own: with its styles inside."""
    head, _, rest = svg.partition(">")
    return head + ">" + _STYLE + rest



def _math_svg(latex_name: str) -> str:
    """A network name as SVG text: ``a^{(1)}_{2}`` as a with a raised (1) and a lowered 2."""
    m = re.fullmatch(r"(\\?[A-Za-z]+)(?:\^\{(.+?)\})?(?:_\{?(.+?)\}?)?( = .+)?", latex_name)
    if m is None:
        return escape(latex_name)
    base, sup, sub, rest = m.groups()
    out = escape({"\\delta": "δ", "\\sigma": "σ"}.get(base, base))
    if sup:
        out += f'<tspan class="sub" dy="-6">{escape(sup)}</tspan>'
    if sub:
        # Stacked under the superscript, as TeX sets them: step back over its width.
        back = f' dx="-{len(sup) * 4.6:.1f}"' if sup else ""
        out += f'<tspan class="sub"{back} dy="{10 if sup else 4}">{escape(sub)}</tspan>'
    if sup or sub:
        out += f'<tspan dy="{-4 if sup else -4}"></tspan>'
    if rest:
        out += escape(rest.replace("-", "−"))
    return out


def _label(layer: int, index: int) -> str:
    return _math_svg(f"x_{{{index}}}" if layer == 0 else f"a^{{({layer})}}_{{{index}}}")


def picture_svg(p: Picture) -> str:
    """The ``<svg>`` element of a network picture, from :func:`~symbackprop.sheet.layout.network_layout`."""
    # The focus label's width: 8px a digit at 14px.
    lay = network_layout(p, visual_width(p.focus_label) * 8 if p.focus_label else 0.0)
    xs, ys, r = lay.xs, lay.ys, lay.radius
    width, height = int(lay.width), int(lay.height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(p.caption)}">']
    lines_off, lines_on = [], []
    for l in range(1, len(p.layers)):
        sources = list(p.shown[l - 1]) + ([0] if 0 in ys[l - 1] else [])
        for j in p.shown[l]:
            for i in sources:
                edge = (l, j, i)
                cls = "edge focus" if edge == p.focus else ("edge on" if edge in p.highlight_edges else "edge")
                if i == 0:
                    cls += " bias"
                line = (f'<line class="{cls}" x1="{xs[l - 1] + r:g}" y1="{ys[l - 1][i]:.1f}" '
                        f'x2="{xs[l] - r:g}" y2="{ys[l][j]:.1f}"/>')
                (lines_off if cls.split()[:2] == ["edge"] or cls == "edge bias" else lines_on).append(line)
    out += lines_off + lines_on  # highlighted lines drawn last, on top
    for v in lay.values:  # centred on its line, on a white ground; the exact value as a tooltip
        out.append(_wire_label("val", v.x, v.y + 4, v.shown, v.full))
    if lay.label is not None:
        tx, ty = lay.label
        out.append(f'<text class="focus-label" x="{tx:.1f}" y="{ty:.1f}">{_math_svg(p.focus_label)}</text>')
    for l, shown in enumerate(p.shown):
        head = p.heads[l] if l < len(p.heads) else f"({p.layers[l]})"
        out.append(f'<text class="head" x="{xs[l]:g}" y="20">{escape(head)}</text>')
        for k, idx in enumerate(shown):
            if k and idx != shown[k - 1] + 1:
                out.append(f'<text class="gap" x="{xs[l]:g}" y="{ys[l][idx] - NET_GAP_Y / 2 + 5:.1f}">⋮</text>')
            cls = "neuron on" if (l, idx) in p.highlight_nodes else "neuron"
            out.append(f'<circle class="{cls}" cx="{xs[l]:g}" cy="{ys[l][idx]:.1f}" r="{r:g}"/>')
            out.append(f'<text class="label" x="{xs[l]:g}" y="{ys[l][idx] + 3:.1f}">{_label(l, idx)}</text>')
        if 0 in ys[l]:
            y = ys[l][0]
            cls = "bias-unit focus" if p.focus is not None and p.focus[2] == 0 and p.focus[0] == l + 1 else "bias-unit"
            out.append(f'<rect class="{cls}" x="{xs[l] - 12:g}" y="{y - 12:.1f}" width="24" height="24" rx="3"/>')
            out.append(f'<text class="label" x="{xs[l]:g}" y="{y + 5:.1f}">1</text>')
    out.append("</svg>")
    return "\n".join(out)


def _wire_label(cls: str, x: float, y: float, shown: str, full: str) -> str:
    """A wire's number; shortened ones carry the full value as their tooltip (``<title>``)."""
    tip = f"<title>{escape(full)}</title>" if full != shown else ""
    return f'<g>{tip}<text class="{cls}" x="{x:.1f}" y="{y:.1f}">{escape(shown.replace("-", "−"))}</text></g>'


def circuit_svg(c: Circuit, engine: str | None = None) -> str:
    """The ``<svg>`` of a circuit, CS231n's way: each gate shows its operation (and the
    node's name), each wire its forward value above and its gradient below, on the short
    run into its gate; laid out by :func:`~symbackprop.sheet.layout.circuit_layout`."""
    lay = circuit_layout(c, engine=engine)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="circuit" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
           f'width="{lay.width:.0f}" height="{lay.height:.0f}" role="img" aria-label="{escape(c.caption)}" '
           f'data-engine="{lay.engine}">']
    for w in lay.wires:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in w.points)
        out.append(f'<g class="wire-group"><polyline class="wire" points="{points}"/>')
        out.append(_wire_label("val", w.label_x, w.label_y - 6, *w.value))
        if w.gradient[0]:
            out.append(_wire_label("grad", w.label_x, w.label_y + 16, *w.gradient))
        out.append("</g>")
    # The tooltip names the gradient as ∂out/∂name, not in words: a picture has no language.
    feeds = {w[0] for w in c.wires}
    out_name = next((n.text for k, n in enumerate(c.nodes) if k not in feeds), "")
    for n, b in zip(c.nodes, lay.boxes):
        tip = (f"<title>{escape(n.text)} = {escape(n.value)}"
               + (f"; ∂{escape(out_name)}/∂{escape(n.text)} = {escape(n.gradient)}" if n.gradient else "") + "</title>")
        x, y = b.x - b.w / 2, b.y - b.h / 2
        if n.op:
            out.append(f'<g class="node">{tip}<rect class="gate" x="{x:.1f}" y="{y:.1f}" width="{b.w:.0f}" '
                       f'height="{b.h:.0f}" rx="{min(b.w, b.h) / 2:.0f}"/>'
                       f'<text class="op" x="{b.x:.1f}" y="{b.y + 2:.1f}">{escape(n.op)}</text>'
                       f'<text class="name" x="{b.x:.1f}" y="{b.y + 15:.1f}">{_name_svg(n.text)}</text></g>')
        else:
            out.append(f'<g class="node">{tip}<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{b.w:.0f}" '
                       f'height="{b.h:.0f}" rx="4"/>'
                       f'<text class="leaf" x="{b.x:.1f}" y="{b.y + 5:.1f}">{_name_svg(n.text)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def _name_svg(text: str) -> str:
    """``h_out`` as h with a subscript (the name's own text, escaped)."""
    base, _, sub = text.partition("_")
    return escape(base) + (f'<tspan class="sub" dy="3">{escape(sub)}</tspan>' if sub else "")
