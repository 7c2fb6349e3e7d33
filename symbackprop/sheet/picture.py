"""The network picture of a sheet: which neurons to draw and which paths to highlight.

A layer of more than :data:`MAX_SHOWN` neurons is elided to its first and last few (plus
the neurons the highlighted parameter touches), so the picture of a [784, 128, 10]
network stays readable and small.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 2])
>>> pic = network_picture(net, net.W[1][0][0])
>>> pic.focus, sorted(pic.highlight_edges), pic.focus_label
((1, 1, 1), [(1, 1, 1), (2, 1, 1), (2, 2, 1)], 'w^{(1)}_{11}')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import sympy as sp

from symbackprop.graph import Network
from symbackprop.graph.notation import parse_name
from symbackprop.graph.printing import latex

from .lang import say
from .layout import network_layout
from .model import Picture
from .numbers import number_text

__all__ = ["MAX_SHOWN", "MAX_VALUES", "network_picture"]

#: Most neurons drawn per layer.
MAX_SHOWN = 8
#: Most connections written with their numbers; beyond, the numbers are in the sheet's tables.
MAX_VALUES = 40


def _shown(size: int, keep: set[int]) -> tuple[int, ...]:
    if size <= MAX_SHOWN:
        return tuple(range(1, size + 1))
    base = {1, 2, 3, size - 1, size} | {k for k in keep if 1 <= k <= size}
    return tuple(sorted(base))


def _focus(param: sp.Symbol | None) -> tuple[int, int, int] | None:
    if param is None:
        return None
    name = parse_name(param.name)
    if name is None or name.layer is None:
        return None
    if name.kind == "w":
        return (name.layer, name.indices[0], name.indices[1])
    if name.kind == "b":
        return (name.layer, name.indices[0], 0)
    return None


def network_picture(net: Network, param: sp.Symbol | None = None, value: str | None = None, *,
                    lang: str = "en", numbers: Mapping[sp.Symbol, object] | None = None) -> Picture:
    """The picture of ``net``; with ``param``, every path from it to the loss highlighted
    and its connection labelled with its name (and ``value``, as LaTeX, when given).

    The highlighted set is everything downstream of the parameter's neuron: in a fully
    connected network every later neuron lies on a path to the loss.  With ``numbers``
    (the sheet's values) and no ``param``, a network small enough to draw whole has every
    connection written with its weight, and every bias unit's with its bias, when the
    layout finds a place for every one of them.
    """
    focus = _focus(param)
    keep: dict[int, set[int]] = {l: set() for l in range(len(net.layers))}
    nodes: set[tuple[int, int]] = set()
    edges: set[tuple[int, int, int]] = set()
    if focus is not None:
        l0, j0, i0 = focus
        keep[l0].add(j0)
        if i0:
            keep[l0 - 1].add(i0)
            nodes.add((l0 - 1, i0))
        nodes.add((l0, j0))
        if i0:
            edges.add(focus)
    shown = tuple(_shown(size, keep[l]) for l, size in enumerate(net.layers))
    if focus is not None:
        frontier = {focus[1]}
        for l in range(focus[0] + 1, len(net.layers)):
            targets = set(range(1, net.layers[l] + 1))
            # Only drawn connections matter; a layer's neurons all feed every next one.
            edges.update((l, j, i) for j in shown[l] for i in shown[l - 1] if i in frontier)
            nodes.update((l, j) for j in targets)
            frontier = targets
    caption = say(lang, "pic.paths" if focus is not None else "pic.network")
    if any(len(s) < size for s, size in zip(shown, net.layers)):
        caption += say(lang, "pic.elided")
    if focus is not None and not focus[2]:
        edges.add(focus)  # a bias's connection runs from the bias unit
    label = ""
    if focus is not None and param is not None:
        label = latex(param) + (f" = {value}" if value is not None else "")
    picture = Picture(
        layers=net.layers,
        shown=shown,
        highlight_nodes=frozenset(nodes),
        highlight_edges=frozenset(edges),
        focus=focus,
        caption=caption,
        bias=tuple(net.bias),
        focus_label=label,
        heads=tuple(
            say(lang, "pic.head.input" if l == 0 else "pic.head.output" if l == net.depth else "pic.head.layer", l=l)
            + f" ({size})" for l, size in enumerate(net.layers)),
        elsewhere=say(lang, "pic.elsewhere"),
    )
    if numbers is None or focus is not None:
        return picture
    # Kept, and said in the caption, only when the layout found a place for every number.
    with_values = replace(picture, edge_values=_edge_values(net, shown, numbers))
    if not with_values.edge_values or not network_layout(with_values).values:
        return picture
    return replace(with_values, caption=caption + say(lang, "pic.values"))


def _edge_values(net: Network, shown: tuple[tuple[int, ...], ...],
                 numbers: Mapping[sp.Symbol, object]) -> tuple[tuple[tuple[int, int, int], str], ...]:
    """``((layer, j, i), number)`` for every connection (``i = 0``: from the bias unit),
    when the whole network is drawn, has at most :data:`MAX_VALUES` of them and every one
    has a number; otherwise none."""
    if any(len(s) < size for s, size in zip(shown, net.layers)):
        return ()
    out = []
    for l in range(1, len(net.layers)):
        for j in range(1, net.layers[l] + 1):
            sources = [(i, net.W[l][j - 1][i - 1]) for i in range(1, net.layers[l - 1] + 1)]
            sources += [(0, net.b[l][j - 1])] if net.b[l] else []
            for i, symbol in sources:
                if symbol not in numbers:
                    return ()
                out.append(((l, j, i), number_text(numbers[symbol])))
    return tuple(out) if len(out) <= MAX_VALUES else ()
