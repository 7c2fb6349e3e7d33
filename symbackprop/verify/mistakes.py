"""The mistakes students make in a gradient, each built from the true derivation as numbers.

A *variant* is the derivative as it comes out with one mistake: one activation-derivative
factor dropped, one path of the chain rule missing or doubled, the derivative of another
parameter (swapped indices, wrong input, wrong layer), or a factor taken at the wrong layer.
Variants are built from the values of every chain-rule factor at the check points, so a
network with hundreds of paths costs arithmetic on numbers, not hundreds of expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from symbackprop.derive import Derivation, Path
from symbackprop.graph import plain_text
from symbackprop.graph.notation import Name, parse_name, symbol_for
from symbackprop.read import budget

from .points import Point, as_float

__all__ = ["Variant", "variants", "MISTAKES"]

#: The kinds of mistakes recognised, in the order they are tried.
MISTAKES = (
    "constant_factor",
    "missing_activation_derivative",
    "activation_derivative_wrong_layer",
    "input_wrong_layer",
    "missing_path",
    "extra_path",
    "swapped_indices",
    "wrong_index",
    "wrong_layer",
    "wrong_parameter",
    "missing_factor",
)
_MAX_OTHERS = 60

Key = tuple[sp.Symbol, sp.Symbol]
Values = list[float | None]
#: How a sentence names a symbol or writes an expression (plain text, in the student's aliases).
Show = Callable[[sp.Basic], str]


@dataclass(frozen=True)
class Variant:
    """A mistaken derivative: its kind, the sentence naming it, and its value at each point
    (or, for ``transform``, a change to apply to the *formula* before comparing)."""

    kind: str
    sentence: str
    values: Values | None = None
    transform: Callable[[sp.Expr], sp.Expr] | None = None


def _num(v: sp.Expr | None) -> float | None:
    return as_float(v)


class _Table:
    """Every chain-rule factor's value at every point, each path's product, and sums over
    paths with some factors dropped or replaced (only the paths touched are recomputed)."""

    def __init__(self, d: Derivation, paths: Sequence[Path], points: Sequence[Point]) -> None:
        self.paths = paths
        self.points = points
        values = {(f.of, f.wrt): f.value for p in paths for f in p.factors}
        self.factor = [{k: _num(pt.value(v)) for k, v in values.items()} for pt in points]
        self.keys = [[(f.of, f.wrt) for f in p.factors] for p in paths]
        self.sets = [set(k) for k in self.keys]
        self.prod = [[self._product(i, keys, set(), {}) for keys in self.keys] for i in range(len(points))]

    def _product(self, i: int, keys: list[Key], drop: set[Key], swap: dict[Key, Values]) -> float | None:
        prod = 1.0
        for key in keys:
            if key in drop:
                continue
            v = swap[key][i] if key in swap else self.factor[i][key]
            if v is None:
                return None
            prod *= v
        return prod

    def sums(self, *, drop: set[Key] = frozenset(), swap: dict[Key, Values] | None = None,  # type: ignore[assignment]
             only: int | None = None) -> Values:
        swap = swap or {}
        touched = set(drop) | set(swap)
        out: Values = []
        for i in range(len(self.points)):
            total: float | None = 0.0
            for k, keys in enumerate(self.keys):
                if only is not None and k != only:
                    continue
                v = self._product(i, keys, drop, swap) if self.sets[k] & touched else self.prod[i][k]
                if v is None or total is None:
                    total = None
                    break
                total += v
            out.append(total)
        return out


def _sibling(s: sp.Symbol, *, layer: int | None = None, indices: tuple[int, ...] | None = None) -> sp.Symbol | None:
    name = parse_name(s.name)
    if name is None:
        return None
    return symbol_for(Name(name.kind, name.layer if layer is None else layer, name.indices if indices is None else indices))


def _activation_variants(d: Derivation, t: _Table, acts: dict[Key, sp.Expr], show: Show) -> list[Variant]:
    graph, out = d.graph, []
    for (a, z), value in acts.items():
        out.append(Variant(
            "missing_activation_derivative",
            f"Missing the activation-derivative factor ∂{show(a)}/∂{show(z)} = {show(value)}: "
            f"the chain rule passes through the activation of {show(z)}.",
            t.sums(drop={(a, z)}),
        ))
    by_layer: dict[int, set[Key]] = {}
    for key in acts:
        by_layer.setdefault(graph.node_of(key[0]).layer or 0, set()).add(key)
    for layer, keys in sorted(by_layer.items()):
        if 1 < len(keys) < len(acts):
            out.append(Variant(
                "missing_activation_derivative",
                f"Missing the activation derivatives of layer {layer}: every path through layer "
                f"{layer} carries ∂a/∂z of the neuron it passes.",
                t.sums(drop=keys),
            ))
    if len(by_layer) > 2:
        hidden = {k for layer, keys in by_layer.items() if layer != max(by_layer) for k in keys}
        out.append(Variant(
            "missing_activation_derivative",
            "Missing the activation derivatives of every hidden layer: each σ′(z^(l)) on the "
            "way back belongs in the chain, not only the output's.",
            t.sums(drop=hidden),
        ))
    if len(acts) > 1:
        out.append(Variant(
            "missing_activation_derivative",
            "Missing every activation-derivative factor: each layer's σ′(z) belongs in the chain.",
            t.sums(drop=set(acts)),
        ))
    return out


def _custom_activation_variants(d: Derivation, t: _Table, show: Show) -> list[Variant]:
    """Custom graphs: ``h := f(u)`` with ``u`` not a leaf; the factor without ``f'(u)``."""
    graph, out, seen = d.graph, [], set()
    for p in t.paths:
        for f in p.factors:
            key = (f.of, f.wrt)
            if key in seen or not graph.is_node(f.of) or graph.node_of(f.of).role == "a":
                continue
            seen.add(key)
            body = graph.node_of(f.of).expr
            if isinstance(body, sp.Function) and len(body.args) == 1 and not body.args[0].is_Symbol:
                inner = sp.diff(body.args[0], f.wrt)
                out.append(Variant(
                    "missing_activation_derivative",
                    f"Missing the activation derivative: {show(f.of)} = {show(body)}, so "
                    f"∂{show(f.of)}/∂{show(f.wrt)} = {show(f.value)} carries the derivative of "
                    f"{body.func.__name__}.",
                    t.sums(swap={key: [_num(pt.value(inner)) for pt in t.points]}),
                ))
    return out


def _wrong_layer_variants(d: Derivation, t: _Table, acts: dict[Key, sp.Expr], show: Show) -> list[Variant]:
    graph, bp, out = d.graph, d.backprop, []
    layers = getattr(graph, "layers", None)
    if layers is None:
        return out
    known = set(graph.symbols().values())
    for (a, z) in acts:
        for other in range(1, len(layers)):
            a2, z2 = _sibling(a, layer=other), _sibling(z, layer=other)
            if other == graph.node_of(a).layer or a2 not in known or z2 not in graph.parents(a2):
                continue
            wrong = bp.partial(a2, z2)
            out.append(Variant(
                "activation_derivative_wrong_layer",
                f"The activation derivative is taken at the wrong layer: ∂{show(a2)}/∂{show(z2)} "
                f"where ∂{show(a)}/∂{show(z)} belongs.",
                t.sums(swap={(a, z): [_num(pt.value(wrong)) for pt in t.points]}),
            ))
    first = t.paths[0].factors[-1] if t.paths else None
    name = parse_name(first.value.name) if first is not None and first.value.is_Symbol else None
    if first is not None and name is not None and name.kind in ("a", "x"):
        layer = name.layer or 0
        wrongs = [symbol_for(Name("a", layer + 1, name.indices))]
        if layer >= 1:
            wrongs.append(symbol_for(Name("a", layer - 1, name.indices)) if layer > 1
                          else symbol_for(Name("x", None, name.indices)))
        for wrong in wrongs:
            if wrong in known and wrong != first.value:
                swap = {(f.of, f.wrt): [_num(pt.value(wrong)) for pt in t.points]
                        for p in t.paths for f in p.factors if f.value == first.value}
                out.append(Variant(
                    "input_wrong_layer",
                    f"The input factor is taken at the wrong layer: {show(wrong)} where "
                    f"{show(first.value)} (the input to {show(first.of)}) belongs.",
                    t.sums(swap=swap),
                ))
    return out


def _path_variants(d: Derivation, t: _Table, show: Show) -> list[Variant]:
    out = []
    truth = t.sums()
    for k, p in enumerate(t.paths):
        alone = t.sums(only=k)
        route = " → ".join(show(s) for s in p.nodes)
        if len(t.paths) > 1:
            out.append(Variant(
                "missing_path",
                f"Missing one path of the chain rule: the term through {route}. A parameter "
                "that reaches the loss along several paths gets one term per path.",
                [None if a is None or b is None else a - b for a, b in zip(truth, alone)],
            ))
        out.append(Variant(
            "extra_path",
            f"An extra term: the path {route} is counted twice.",
            [None if a is None or b is None else a + b for a, b in zip(truth, alone)],
        ))
    return out


def _other_parameter(wrt: sp.Symbol, other: sp.Symbol, show: Show) -> tuple[str, str]:
    """How a formula that is really ∂L/∂other went wrong, as (kind, sentence)."""
    a, b = parse_name(wrt.name), parse_name(other.name)
    head = f"This is ∂L/∂{show(other)}, not ∂L/∂{show(wrt)}"
    if a is None or b is None or a.kind != b.kind:
        return "wrong_parameter", head + "."
    if a.layer != b.layer and a.indices == b.indices:
        return "wrong_layer", f"{head}: the derivative for layer {b.layer}, not layer {a.layer}."
    if a.kind == "w" and a.indices == b.indices[::-1]:
        j, i = a.indices
        return "swapped_indices", (
            f"{head}: the indices are swapped; {show(wrt)} connects neuron {i} of layer "
            f"{a.layer - 1} to neuron {j} of layer {a.layer} (w_(ji): to j, from i)."
        )
    if a.kind == "w" and a.indices[0] == b.indices[0] and a.layer == b.layer:
        return "wrong_index", (f"{head}: the input factor belongs to index {b.indices[1]}; "
                               f"{show(wrt)} multiplies input {a.indices[1]}.")
    if a.layer == b.layer and a.indices[1:] == b.indices[1:]:
        return "wrong_index", (f"{head}: the error signal belongs to neuron {b.indices[0]}; "
                               f"{show(wrt)} feeds neuron {a.indices[0]}.")
    return "wrong_parameter", head + "."


def _parameter_variants(d: Derivation, points: Sequence[Point], show: Show) -> list[Variant]:
    bp, graph, out = d.backprop, d.graph, []
    params = frozenset(graph.params)  # graph.params is a fresh tuple: membership once, not per weight
    name = parse_name(d.wrt.name)
    layers = getattr(graph, "layers", None)
    truth = [_num(pt.value(d.delta_form)) for pt in points]
    if name is not None and name.kind in ("w", "b") and layers is not None:
        for k in range(1, layers[name.layer] + 1):
            sib = _sibling(d.wrt, indices=(k, *name.indices[1:]))
            if k != name.indices[0] and sib in params:
                extra = [_num(pt.value(bp[sib].delta_form)) for pt in points]
                out.append(Variant(
                    "extra_path",
                    f"An extra term: it adds ∂L/∂{show(sib)}, the path through z{name.layer}_{k}, "
                    f"which {show(d.wrt)} does not reach.",
                    [None if a is None or b is None else a + b for a, b in zip(truth, extra)],
                ))
    for other in [p for p in graph.params if p != d.wrt][:_MAX_OTHERS]:
        kind, sentence = _other_parameter(d.wrt, other, show)
        out.append(Variant(kind, sentence, [_num(pt.value(bp[other].delta_form)) for pt in points]))
    weight_layers = sorted({n.layer for s in graph.params if (n := parse_name(s.name)) and n.kind == "w"})
    for layer in weight_layers:
        mapping = {}
        for s in graph.params:
            n = parse_name(s.name)
            if n is not None and n.kind == "w" and n.layer == layer:
                t = _sibling(s, indices=(n.indices[1], n.indices[0]))
                if t in params and t != s:
                    mapping[s] = t
        if mapping:
            out.append(Variant(
                "swapped_indices",
                f"Swapped indices, a missing transpose: the formula writes w^({layer})_(ij) where "
                f"w^({layer})_(ji) belongs (the first index is the neuron the weight feeds, the second "
                f"the neuron it comes from), so a δ sum runs down a column of W^({layer}): (W^({layer}))ᵀδ.",
                transform=lambda e, m=mapping: e.xreplace(m),
            ))
    return out


def _delta_variants(d: Derivation, points: Sequence[Point], show: Show) -> list[Variant]:
    """When the paths are too many to list: the parameter's own σ′ dropped, at the δ level."""
    bp, graph, out = d.backprop, d.graph, []
    for c, _, _ in d.terms:
        if not graph.is_node(c) or c not in bp.deltas:
            continue
        acts = [a for a in graph.consumers(c) if graph.node_of(a).role == "a"]
        if len(acts) != 1:
            continue
        delta = bp.deltas[c].symbol
        without = d.delta_form.xreplace({delta: bp.adjoint(acts[0])})
        out.append(Variant(
            "missing_activation_derivative",
            f"Missing the activation-derivative factor ∂{show(acts[0])}/∂{show(c)} = "
            f"{show(bp.partial(acts[0], c))}: δ of {show(c)} carries it.",
            [_num(pt.value(without)) for pt in points],
        ))
    return out


def variants(d: Derivation, paths: Sequence[Path], points: Sequence[Point], *,
             show: Show = plain_text) -> list[Variant]:
    """Every mistaken version of ``d`` at ``points``, most specific mistakes first.

    ``paths`` may be empty when there are too many to list; the δ-level variants are used then.
    """
    out: list[Variant] = []
    keys = {(f.of, f.wrt) for p in paths for f in p.factors}
    if len(points) * sum(len(p.factors) for p in paths) * len(keys) > budget.MAX_DIAGNOSIS_WORK:
        paths = ()  # one variant per factor over every path: counted, too much; δs instead
    if paths:
        t = _Table(d, paths, points)
        graph = d.graph
        acts = {(f.of, f.wrt): f.value for p in paths for f in p.factors
                if graph.is_node(f.of) and graph.node_of(f.of).role == "a" and f.value != 1}
        out += _activation_variants(d, t, acts, show)
        out += _custom_activation_variants(d, t, show)
        out += _wrong_layer_variants(d, t, acts, show)
        out += _path_variants(d, t, show)
    else:
        out += _delta_variants(d, points, show)
    out += _parameter_variants(d, points, show)
    if paths:
        acts_keys = {(f.of, f.wrt) for p in paths for f in p.factors
                     if d.graph.is_node(f.of) and d.graph.node_of(f.of).role == "a"}
        seen: set[Key] = set()
        for p in paths:
            for f in p.factors:
                key = (f.of, f.wrt)
                if key in seen or key in acts_keys or f.value == 1:
                    continue
                seen.add(key)
                out.append(Variant(
                    "missing_factor",
                    f"Missing the factor ∂{show(f.of)}/∂{show(f.wrt)} = {show(f.value)} of the chain rule.",
                    t.sums(drop={key}),
                ))
    return out
