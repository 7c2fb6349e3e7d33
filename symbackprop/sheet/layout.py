"""Where a circuit's boxes and labels go: one layout, drawn alike as SVG and in LaTeX.

A layout engine places the boxes: Graphviz's ``dot`` (through the ``graphviz`` package, the
``pictures`` extra, when its program is installed) or, without it, a built-in layered
layout (columns by depth, rows ordered by the barycentre of their neighbours).  Either
way the wires follow one rule, CS231n's: each wire ends in a short straight run into its
gate, its own input port, with the forward value above that run and the gradient below.
Ports of a gate are :data:`PORT_GAP` apart and the runs of different gates lie in
different rows or columns, so no two labels can meet; numbers longer than
:data:`LABEL_CHARS` are shortened to fit, the full value kept for a tooltip.

>>> from symbackprop.sheet.model import Circuit, CircuitNode
>>> c = Circuit((CircuitNode("x", "x", "-2", "-4", 0, 0), CircuitNode("y", "y", "5", "-4", 0, 1),
...              CircuitNode("q", "q", "3", "-4", 1, 0, op="+")), ((0, 2, "-4"), (1, 2, "-4")))
>>> lay = circuit_layout(c, engine="built-in")
>>> [w.value for w in lay.wires], lay.engine  # the output's own wire last
([('-2', '-2'), ('5', '5'), ('3', '3')], 'built-in')
>>> fit_number("-0.196611933")
'-0.1966'
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

from .model import Circuit, Picture

__all__ = ["Box", "Wire", "Layout", "circuit_layout", "fit_number", "engines", "label_above", "LABEL_CHARS",
           "PORT_GAP", "EdgeValue", "NetworkLayout", "network_layout", "VALUE_HEIGHT", "value_width"]

#: Longest number written on a wire; a longer one is rounded to fit (full value in a tooltip).
LABEL_CHARS = 7
#: Vertical distance between two input ports of a gate: a value above and a gradient below
#: each, 12px text with a gap.
PORT_GAP = 46
#: Length of the straight run into a port, which carries the labels.
STUB = 72
_GAP_X = 44  # room for the slanted part of a wire between columns
_ROW_GAP = 22
_MARGIN = 18
_BOX_H = 44
_CHAR_OP, _CHAR_NAME = 9.5, 7.0  # widths of a character of the gate's operation and name


@dataclass(frozen=True)
class Box:
    """A box (leaf) or gate (node), by its centre and size."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Wire:
    """A wire as a polyline; the labels sit on its last run, from ``points[-2]`` to
    ``points[-1]``; ``value`` and ``gradient`` are ``(shown, full)`` texts."""

    source: int
    target: int
    points: tuple[tuple[float, float], ...]
    value: tuple[str, str]
    gradient: tuple[str, str]

    @property
    def label_x(self) -> float:
        return (self.points[-2][0] + self.points[-1][0]) / 2

    @property
    def label_y(self) -> float:
        return self.points[-1][1]


@dataclass(frozen=True)
class Layout:
    """The geometry of a circuit in px: boxes by node index, wires (the output's own wire,
    leading out of the picture, last, with ``target == -1``), the canvas size, and the
    engine that placed the boxes."""

    boxes: tuple[Box, ...]
    wires: tuple[Wire, ...]
    width: float
    height: float
    engine: str


def fit_number(text: str, chars: int = LABEL_CHARS) -> str:
    """``text`` if it has at most ``chars`` characters, else the same number rounded to fit."""
    if len(text) <= chars:
        return text
    try:
        value = float(text)
    except ValueError:
        return text[: chars - 1] + "…"
    for digits in range(chars, 0, -1):
        shown = f"{value:.{digits}g}"
        if len(shown) <= chars:
            return shown
    return f"{value:.0e}"


def engines() -> tuple[str, ...]:
    """The layout engines available here: ``"dot"`` when Graphviz is installed (both the
    ``graphviz`` package and its ``dot`` program), and always ``"built-in"``."""
    try:
        import graphviz  # noqa: F401 - the optional 'pictures' extra
    except ImportError:
        return ("built-in",)
    return ("dot", "built-in") if shutil.which("dot") else ("built-in",)


def _sizes(c: Circuit) -> tuple[float, list[float]]:
    inputs = [0] * len(c.nodes)
    for _, b, _ in c.wires:
        inputs[b] += 1
    width = max(max(_CHAR_OP * len(n.op or n.text), _CHAR_NAME * len(n.text)) + 18 for n in c.nodes)
    return max(52.0, width), [max(_BOX_H, k * PORT_GAP) for k in inputs]


def _columns(c: Circuit) -> list[list[int]]:
    columns: list[list[int]] = [[] for _ in range(max(n.column for n in c.nodes) + 1)]
    for k, n in enumerate(c.nodes):
        columns[n.column].append(k)
    return columns


def _built_in(c: Circuit, width: float, heights: list[float]) -> dict[int, tuple[float, float]]:
    """Columns by depth; each column ordered by the mean row of its neighbours (a few sweeps
    each way), then stacked and centred."""
    columns = _columns(c)
    parents: dict[int, list[int]] = {k: [] for k in range(len(c.nodes))}
    children: dict[int, list[int]] = {k: [] for k in range(len(c.nodes))}
    for a, b, _ in c.wires:
        parents[b].append(a)
        children[a].append(b)
    rank = {k: float(i) for col in columns for i, k in enumerate(col)}
    for _ in range(4):
        for col, near in [(col, parents) for col in columns[1:]] + [(col, children) for col in reversed(columns[:-1])]:
            for k in col:
                if near[k]:
                    rank[k] = sum(rank[m] for m in near[k]) / len(near[k])
            col.sort(key=lambda k: rank[k])
            for i, k in enumerate(col):
                rank[k] = float(i)
    tallest = max(sum(heights[k] for k in col) + _ROW_GAP * (len(col) - 1) for col in columns)
    centres: dict[int, tuple[float, float]] = {}
    for ci, col in enumerate(columns):
        y = (tallest - (sum(heights[k] for k in col) + _ROW_GAP * (len(col) - 1))) / 2
        for k in col:
            centres[k] = (ci * (width + STUB + _GAP_X) + width / 2, y + heights[k] / 2)
            y += heights[k] + _ROW_GAP
    return centres


def _dot(c: Circuit, width: float, heights: list[float]) -> dict[int, tuple[float, float]]:
    """Graphviz's ``dot``, left to right, with every box its real size (1px taken as 1pt)."""
    import graphviz

    g = graphviz.Digraph(graph_attr={"rankdir": "LR", "nodesep": f"{_ROW_GAP / 72:.3f}",
                                     "ranksep": f"{(STUB + _GAP_X) / 72:.3f}", "splines": "false"},
                         node_attr={"shape": "box", "fixedsize": "true", "label": ""})
    for k, h in enumerate(heights):
        g.node(f"n{k}", width=f"{width / 72:.3f}", height=f"{h / 72:.3f}")
    for a, b, _ in c.wires:
        g.edge(f"n{a}", f"n{b}")
    laid = json.loads(g.pipe(format="json"))
    centres = {}
    for obj in laid.get("objects", []):
        x, y = (float(v) for v in obj["pos"].split(","))
        centres[int(obj["name"][1:])] = (x, -y)  # dot's y grows upwards
    return centres


def circuit_layout(c: Circuit, *, engine: str | None = None) -> Layout:
    """The layout of ``c``; ``engine`` is ``"dot"`` or ``"built-in"`` (default: the first of
    :func:`engines`)."""
    engine = engine or engines()[0]
    if engine not in ("dot", "built-in"):
        raise ValueError(f"engine: expected 'dot' or 'built-in', received {engine!r}")
    width, heights = _sizes(c)
    centres = (_dot if engine == "dot" else _built_in)(c, width, heights)
    left = min(x for x, _ in centres.values()) - width / 2
    top = min(y - heights[k] / 2 for k, (_, y) in centres.items())
    # Room on the left for the labels of a wire into the first column (none run there, but a
    # gate may sit in it under dot) and on the right for the output's own wire.
    dx, dy = _MARGIN + STUB - left, _MARGIN + 14 - top
    boxes = tuple(Box(centres[k][0] + dx, centres[k][1] + dy, width, heights[k]) for k in range(len(c.nodes)))
    incoming: dict[int, list[tuple[int, str]]] = {}
    for a, b, grad in c.wires:
        incoming.setdefault(b, []).append((a, grad))
    wires = []
    for b, ins in incoming.items():
        box = boxes[b]
        ins.sort(key=lambda t: boxes[t[0]].y)  # ports in the order of their sources: no crossing
        for p, (a, grad) in enumerate(ins):
            port_y = box.y - box.h / 2 + box.h * (p + 0.5) / len(ins)
            start = (boxes[a].x + width / 2, boxes[a].y)
            end = (box.x - width / 2, port_y)
            value = c.nodes[a].value
            wires.append(Wire(a, b, (start, (end[0] - STUB, port_y), end),
                              (fit_number(value), value), (fit_number(grad), grad)))
    last = max(range(len(c.nodes)), key=lambda k: (c.nodes[k].column, -c.nodes[k].row))
    out = c.nodes[last]
    ob = boxes[last]
    wires.append(Wire(last, -1, ((ob.x + width / 2, ob.y), (ob.x + width / 2 + STUB, ob.y)),
                      (fit_number(out.value), out.value), (fit_number(out.gradient), out.gradient)))
    right = max(max(bx.x + width / 2 for bx in boxes) + STUB, max(p[0] for w in wires for p in w.points))
    bottom = max(bx.y + bx.h / 2 for bx in boxes)
    return Layout(boxes, tuple(wires), right + _MARGIN, bottom + _MARGIN + 14, engine)


def label_above(start: tuple[float, float], end: tuple[float, float], half_width: float, *,
                at: float = 0.35, gap: float = 3.0) -> tuple[float, float]:
    """Where a label of ``half_width`` stands on a line from ``start`` to ``end`` (y growing
    downwards): centred ``at`` of the way along, its bottom ``gap`` above the line over its
    whole width, so a sloped line never runs through it.  Returns the label's bottom centre.

    >>> label_above((0, 0), (100, 0), 10)
    (35.0, -3.0)
    >>> label_above((0, 0), (100, 50), 10)  # the line is 5 higher at the label's left end
    (35.0, 9.5)
    """
    (x1, y1), (x2, y2) = start, end
    x = x1 + (x2 - x1) * at
    slope = (y2 - y1) / (x2 - x1) if x2 != x1 else 0.0
    y_line = y1 + slope * (x - x1)
    return x, y_line - abs(slope) * half_width - gap


#: A network picture's spacing in px: between neurons of a layer, between layers, a neuron's radius.
NET_GAP_Y, NET_GAP_X, NEURON_R = 48, 180, 17


@dataclass(frozen=True)
class EdgeValue:
    """A connection's number on a network picture: centred at ``(x, y)`` on its line (the
    text's white ground hides the line under it), ``shown`` rounded to fit, ``full`` exact."""

    edge: tuple[int, int, int]
    x: float
    y: float
    shown: str
    full: str


@dataclass(frozen=True)
class NetworkLayout:
    """Where a network picture's neurons stand, in px (y growing downwards): ``xs[l]`` is
    layer ``l``'s column, ``ys[l][j]`` neuron ``j``'s row (``0`` the bias unit), ``label``
    the focus label's baseline centre, ``None`` without one, and ``values`` the numbers on
    the connections; the SVG draws it as it is, the LaTeX picture scaled to mm."""

    xs: tuple[float, ...]
    ys: tuple[dict[int, float], ...]
    width: float
    height: float
    radius: float
    label: tuple[float, float] | None
    values: tuple[EdgeValue, ...] = ()


#: A connection's number: 12px digits with their white ground; where along the connection
#: (fractions of its length from the source) it may stand, nearest 40 % first; and how many
#: places the search for a place for every number may try before it gives up on numbers.
VALUE_HEIGHT = 14.0
_VALUE_AT = tuple(sorted((k / 100 for k in range(12, 90, 4)), key=lambda at: abs(at - 0.4)))
MAX_PLACEMENT_TRIES = 5_000


def value_width(shown: str) -> float:
    """The width in px a number takes on a picture (7px a character, 2px of ground each side)."""
    return 7.0 * len(shown) + 4.0


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_values(p: Picture, xs: tuple[float, ...], ys: list[dict[int, float]], r: float,
                  label: tuple[float, float, float, float] | None) -> tuple[EdgeValue, ...]:
    """A place for every connection's number on its own line, touching no neuron, no focus
    label and no other number: a depth-first search over the places along each line, source
    by source, that gives up after :data:`MAX_PLACEMENT_TRIES` tries.  All of them, or none:
    a picture with some numbers missing would read as if those were not given."""
    fixed = [(xs[l] - r, y - r, xs[l] + r, y + r) for l, col in enumerate(ys) for y in col.values()]
    fixed += [label] if label is not None else []
    lines = {(l, j, i): (xs[l - 1] + r, ys[l - 1][i], xs[l] - r, ys[l][j])
             for l in range(1, len(ys)) for j in p.shown[l] for i in ys[l - 1]}
    edges = sorted(p.edge_values, key=lambda ev: (ev[0][0], ev[0][2], ev[0][1]))
    options: list[list[EdgeValue]] = []
    for edge, full in edges:
        if edge not in lines:
            return ()
        shown = fit_number(full)
        x1, y1, x2, y2 = lines[edge]
        places = [EdgeValue(edge, x1 + (x2 - x1) * at, y1 + (y2 - y1) * at, shown, full) for at in _VALUE_AT]
        # No other line may run through a number's middle (70 % of its width, 60 % of its
        # height): a number crossed there would be read as that line's as well.
        options.append([v for v in places if not any(_overlap(_value_box(v), b) for b in fixed)
                        and not any(_crosses(_value_box(v, 0.7, 0.6), seg) for e, seg in lines.items() if e != edge)])
    chosen: list[EdgeValue] = []
    tried = [0] * len(options)
    tries = 0
    while len(chosen) < len(options):
        k = len(chosen)
        while tried[k] < len(options[k]):
            v = options[k][tried[k]]
            tried[k] += 1
            tries += 1
            if tries > MAX_PLACEMENT_TRIES:
                return ()
            if not any(_overlap(_value_box(v), _value_box(c)) for c in chosen):
                chosen.append(v)
                break
        else:  # no place left for this one: move the one before it
            if not chosen:
                return ()
            tried[k] = 0
            chosen.pop()
    return tuple(chosen)


def _crosses(box: tuple[float, float, float, float], seg: tuple[float, float, float, float]) -> bool:
    """Whether the segment ``(x1, y1, x2, y2)`` passes through the box (Liang–Barsky clipping)."""
    x1, y1, x2, y2 = seg
    lo, hi = 0.0, 1.0
    for p, q in ((x1 - x2, x1 - box[0]), (x2 - x1, box[2] - x1), (y1 - y2, y1 - box[1]), (y2 - y1, box[3] - y1)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
    return lo < hi


def _value_box(v: EdgeValue, wide: float = 1.0, high: float = 1.0) -> tuple[float, float, float, float]:
    """The box a number takes (its central ``wide`` × ``high`` part, as fractions)."""
    half_w, half_h = wide * value_width(v.shown) / 2, high * VALUE_HEIGHT / 2
    return v.x - half_w, v.y - half_h, v.x + half_w, v.y + half_h


def has_bias_unit(p: Picture, layer: int) -> bool:
    """Layer ``layer`` shows a bias unit when the layer after it has biases."""
    return layer < len(p.layers) - 1 and layer < len(p.bias) and p.bias[layer]


def network_layout(p: Picture, label_width: float = 0.0) -> NetworkLayout:
    """The layers in columns, each centred; an elided run of neurons takes one slot and the
    bias unit the slot below the last neuron.  ``label_width`` (px) is the focus label's,
    placed by :func:`label_above` on its connection."""
    def slots(shown: tuple[int, ...], layer: int) -> int:
        gaps = sum(1 for k in range(1, len(shown)) if shown[k] != shown[k - 1] + 1)
        return len(shown) + gaps + (1 if has_bias_unit(p, layer) else 0)

    tallest = max(slots(s, l) for l, s in enumerate(p.shown))
    ys: list[dict[int, float]] = []
    for l, shown in enumerate(p.shown):
        top = 44 + (tallest - slots(shown, l)) * NET_GAP_Y / 2 + NET_GAP_Y / 2
        pos, slot = {}, 0
        for k, idx in enumerate(shown):
            if k and idx != shown[k - 1] + 1:
                slot += 1
            pos[idx] = top + slot * NET_GAP_Y
            slot += 1
        if has_bias_unit(p, l):
            pos[0] = top + slot * NET_GAP_Y
        ys.append(pos)
    xs = tuple(55.0 + l * NET_GAP_X for l in range(len(p.layers)))
    label = None
    if p.focus is not None and p.focus_label:
        l, j, i = p.focus
        start, end = (xs[l - 1] + NEURON_R, ys[l - 1][i]), (xs[l] - NEURON_R, ys[l][j])
        # The baseline: a subscript reaches 7px below it, and 3px more stay clear.
        label = label_above(start, end, label_width / 2, gap=10)
    box = None if label is None else (label[0] - label_width / 2, label[1] - 14.0, label[0] + label_width / 2,
                                      label[1] + 7.0)  # 14px text, a subscript below its baseline
    values = _place_values(p, xs, ys, NEURON_R, box) if p.edge_values else ()
    return NetworkLayout(xs, tuple(ys), (len(p.layers) - 1) * NET_GAP_X + 110.0, tallest * NET_GAP_Y + 60.0,
                         float(NEURON_R), label, values)
