"""Which parameters a sheet derives: those asked for, read by the graph's own names (and
``w1_1_1`` for ``w1_11``), or without a list every one up to :data:`MAX_PARAMS_ALL`, one per
layer in a worked sheet, a sample beyond; a graph without parameters differentiates its inputs.

>>> from symbackprop.graph import mlp
>>> chosen, notes = choose_params(mlp([2, 2, 1]), ["w2_11", "w1_1_2"])
>>> [plain(s) for s in chosen], notes
(['w2_11', 'w1_12'], [])
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from symbackprop.errors import GraphError, SpecError, closest
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import parse_name, plain, symbol_for

from .lang import say
from .order import one_per_layer

__all__ = ["MAX_PARAMS_ALL", "choose_params", "differentiable", "lookup_param", "valid_param_names"]

#: Without ``params``, every parameter gets a section up to this many; beyond, a sample.
MAX_PARAMS_ALL = 40


def valid_param_names(graph: Graph) -> str:
    """The parameter names, all of them for small graphs, else per layer as ranges."""
    names = [plain(p) for p in differentiable(graph)]
    if len(names) <= 30:
        return ", ".join(names)
    if isinstance(graph, Network):
        parts = []
        for l in range(1, len(graph.layers)):
            w = graph.W[l]
            parts.append(f"{plain(w[0][0])} ... {plain(w[-1][-1])}")
            if graph.b[l]:
                parts.append(f"{plain(graph.b[l][0])} ... {plain(graph.b[l][-1])}")
        return ", ".join(parts)
    return ", ".join(names[:20]) + f", ... ({len(names)} in all)"


def lookup_param(graph: Graph, name: str | sp.Symbol) -> sp.Symbol:
    """``graph.lookup``, also reading ``w1_1_1`` for ``w1_11`` (indices always separated)."""
    try:
        return graph.lookup(name)
    except GraphError:
        parsed = parse_name(name) if isinstance(name, str) else None
        if parsed is None:
            raise
        return graph.lookup(symbol_for(parsed))


def differentiable(graph: Graph) -> list[sp.Symbol]:
    """The parameters; for a graph without any (x, y, z -> f), its inputs, as ``derive`` does."""
    return list(graph.params) or [s for s in graph.leaves() if graph.kind_of(s) != "target"]


def choose_params(graph: Graph, params: Iterable[str | sp.Symbol] | None,
            detail: str = "full", lang: str = "en") -> tuple[list[sp.Symbol], list[str]]:
    all_params = differentiable(graph)
    if params is None and detail == "summary":
        return [], []
    if params is None and detail == "worked" and isinstance(graph, Network):
        return one_per_layer(graph), []
    if params is None:
        if len(all_params) <= MAX_PARAMS_ALL:
            return all_params, []
        chosen = []
        if isinstance(graph, Network):
            for l in range(1, len(graph.layers)):
                chosen.append(graph.W[l][0][0])
        else:
            chosen = all_params[:5]
        note = say(lang, "omit.params" if graph.params else "omit.leaves",
                   n=f"{len(all_params) - len(chosen):,}", total=f"{len(all_params):,}")
        return chosen, [note]
    chosen = []
    for name in params:
        try:
            symbol = lookup_param(graph, name)
        except GraphError:
            text = getattr(name, "name", str(name))
            hint = closest(text, [plain(p) for p in all_params])
            raise SpecError(
                f"params: unknown parameter {text!r}{hint}; valid names: {valid_param_names(graph)}"
            ) from None
        if symbol not in all_params:
            raise SpecError(
                f"params: {plain(symbol)!r} is a {graph.kind_of(symbol)}, not a parameter; "
                f"valid names: {valid_param_names(graph)}"
            )
        if symbol not in chosen:
            chosen.append(symbol)
    if not chosen:
        raise SpecError(f"params: expected at least one name; valid names: {valid_param_names(graph)}")
    return chosen, []
