"""Name the mistake in a wrong gradient formula, the way a tutor would.

Each common mistake is built from the true derivation as a *variant* (the derivative with
one activation-derivative factor dropped, one path missing, the indices swapped, ...), and
the formula is compared with every variant, and with constant multiples of it, at the same
random points.  The first variant that matches names the mistake in one sentence.

>>> from symbackprop.mlp import mlp
>>> from symbackprop.verify import verify
>>> v = verify(mlp([1, 1, 1]), "w2_11", "(a2_1 - y1) * a1_1")
>>> v.diagnosis.kind
'missing_activation_derivative'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .derive import Backprop, Derivation, Path
from .errors import TooLargeError
from .notation import parse_name, plain, symbol_for
from .verify_points import Point, close

__all__ = ["Diagnosis", "diagnose", "MISTAKES"]

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
_MAX_PATHS = 64
_MAX_OTHERS = 60


def _other_parameter(wrt: sp.Symbol, other: sp.Symbol) -> tuple[str, str]:
    """How a formula that is really ∂L/∂other went wrong, as (kind, sentence)."""
    a, b = parse_name(wrt.name), parse_name(other.name)
    head = f"This is ∂L/∂{plain(other)}, not ∂L/∂{plain(wrt)}"
    if a is None or b is None or a.kind != b.kind:
        return "wrong_parameter", head + "."
    if a.layer != b.layer and a.indices == b.indices:
        return "wrong_layer", f"{head}: the derivative for layer {b.layer}, not layer {a.layer}."
    if a.kind == "w" and a.indices == b.indices[::-1]:
        j, i = a.indices
        return "swapped_indices", (
            f"{head}: the indices are swapped; {plain(wrt)} connects neuron {i} of layer "
            f"{a.layer - 1} to neuron {j} of layer {a.layer} (w_(ji): to j, from i)."
        )
    if a.kind == "w" and a.indices[0] == b.indices[0] and a.layer == b.layer:
        return "wrong_index", f"{head}: the input factor belongs to index {b.indices[1]}; {plain(wrt)} multiplies input {a.indices[1]}."
    if a.layer == b.layer and a.indices[1:] == b.indices[1:]:
        return "wrong_index", f"{head}: the error signal belongs to neuron {b.indices[0]}; {plain(wrt)} feeds neuron {a.indices[0]}."
    return "wrong_parameter", head + "."


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a formula.

    Attributes:
        kind: one of :data:`MISTAKES`, or ``"unknown"``.
        sentence: the explanation, one sentence.
        factor: the constant the formula is off by on top of the mistake (1 if none).
    """

    kind: str
    sentence: str
    factor: sp.Rational = sp.S.One


@dataclass(frozen=True)
class _Variant:
    kind: str
    sentence: str
    expr: sp.Expr | None = None
    transform: Callable[[sp.Expr], sp.Expr] | None = None  # applied to the formula instead


def _constant(formula: Sequence[sp.Expr | None], truth: Sequence[sp.Expr | None]) -> Fraction | None:
    """The constant ``c`` with ``formula = c · truth`` at every point, if there is one."""
    ratio: Fraction | None = None
    for f, t in zip(formula, truth):
        if f is None or t is None:
            return None
        if abs(float(t)) < 1e-9:
            if abs(float(f)) > 1e-9:
                return None
            continue
        r = Fraction(float(f / t)).limit_denominator(1000)
        if abs(float(f / t) - float(r)) > 1e-9 * max(1.0, abs(float(r))):
            return None
        if ratio is None:
            ratio = r
        elif r != ratio:
            return None
    return ratio


def _factor_sentence(c: Fraction, bp: Backprop) -> str:
    loss = getattr(getattr(bp.graph, "loss", None), "name", "")
    layers = getattr(bp.graph, "layers", (1,))
    if c == -1:
        return "The sign is flipped: the formula is −1 times the derivative (check the sign of a − y)."
    if c == 2 and loss == "squared":
        return ("Off by a factor 2: the squared loss is ½ Σ (a − y)², so its derivative is (a − y); "
                "the ½ cancels the 2.")
    if c == -2 and loss == "squared":
        return "Off by a factor −2: both the ½ of the squared loss and the sign of (a − y) are off."
    if loss == "mse" and c == layers[-1] and c != 1:
        return f"Off by a factor {c}: the mean squared error divides by n = {layers[-1]}, so the 1/n stays in the derivative."
    return f"Off by a constant factor {c}: the formula is {c} times the derivative."


def _text(expr: sp.Expr) -> str:
    from .printing import plain_text  # a later stage, used only for the message

    return plain_text(expr)


def _path_text(path: Path) -> str:
    return " → ".join(plain(s) for s in path.nodes)


def _paths_without(paths: Sequence[Path], drop: Callable[[object], bool], swap: Callable[[object], sp.Expr | None] | None = None) -> sp.Expr:
    total = []
    for p in paths:
        factors = []
        for f in p.factors:
            if drop(f):
                continue
            replaced = swap(f) if swap is not None else None
            factors.append(f.value if replaced is None else replaced)
        total.append(sp.Mul(*factors))
    return sp.Add(*total)


def _layer_sibling(symbol: sp.Symbol, *, layer: int | None = None, indices: tuple[int, ...] | None = None) -> sp.Symbol | None:
    name = parse_name(symbol.name)
    if name is None:
        return None
    new = type(name)(name.kind, name.layer if layer is None else layer, name.indices if indices is None else indices)
    return symbol_for(new)


def _variants(d: Derivation, paths: Sequence[Path]) -> list[_Variant]:
    bp, graph = d.backprop, d.graph
    out: list[_Variant] = []
    known = set(graph.symbols().values())
    inner: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
    act_factors = {(f.of, f.wrt): f for p in paths for f in p.factors
                   if graph.is_node(f.of) and graph.node_of(f.of).role == "a" and f.value != 1}
    # missing activation derivative (one factor, then all of them)
    for (a, z), f in act_factors.items():
        out.append(_Variant(
            "missing_activation_derivative",
            f"Missing the activation-derivative factor ∂{plain(a)}/∂{plain(z)} = {_text(f.value)}: "
            f"the chain rule passes through the activation of {plain(z)}.",
            _paths_without(paths, lambda g, a=a, z=z: (g.of, g.wrt) == (a, z)),
        ))
    # custom graphs: h := f(u) with an activation-like f; the factor without f'(u)
    for p in paths:
        for f in p.factors:
            if not graph.is_node(f.of) or graph.node_of(f.of).role == "a" or (f.of, f.wrt) in inner:
                continue
            body = graph.node_of(f.of).expr
            if isinstance(body, sp.Function) and len(body.args) == 1 and not body.args[0].is_Symbol:
                inner[(f.of, f.wrt)] = sp.diff(body.args[0], f.wrt)
                out.append(_Variant(
                    "missing_activation_derivative",
                    f"Missing the activation derivative: {plain(f.of)} = {_text(body)}, so "
                    f"∂{plain(f.of)}/∂{plain(f.wrt)} = {_text(f.value)} carries the derivative of {body.func.__name__}.",
                    _paths_without(paths, lambda g: False,
                                   lambda g, key=(f.of, f.wrt), v=inner[(f.of, f.wrt)]: v if (g.of, g.wrt) == key else None),
                ))
    by_layer: dict[int, list[tuple[sp.Symbol, sp.Symbol]]] = {}
    for key in act_factors:
        by_layer.setdefault(graph.node_of(key[0]).layer or 0, []).append(key)
    for layer, keys in sorted(by_layer.items()):
        if len(keys) > 1 and len(keys) < len(act_factors):
            out.append(_Variant(
                "missing_activation_derivative",
                f"Missing the activation derivatives of layer {layer}: every path through layer "
                f"{layer} carries ∂a/∂z of the neuron it passes.",
                _paths_without(paths, lambda g, ks=set(keys): (g.of, g.wrt) in ks),
            ))
    if len(by_layer) > 2:
        hidden = {k for layer, keys in by_layer.items() if layer != max(by_layer) for k in keys}
        out.append(_Variant(
            "missing_activation_derivative",
            "Missing the activation derivatives of every hidden layer: each σ′(z^(l)) on the "
            "way back belongs in the chain, not only the output's.",
            _paths_without(paths, lambda g, ks=hidden: (g.of, g.wrt) in ks),
        ))
    if len(act_factors) > 1:
        out.append(_Variant(
            "missing_activation_derivative",
            "Missing every activation-derivative factor: each layer's σ′(z) belongs in the chain.",
            _paths_without(paths, lambda g: (g.of, g.wrt) in act_factors),
        ))
    # activation derivative or input taken at the wrong layer
    layers = getattr(graph, "layers", None)
    if layers is not None:
        for (a, z), f in act_factors.items():
            nd = graph.node_of(a)
            for other in range(1, len(layers)):
                a2 = _layer_sibling(a, layer=other)
                z2 = _layer_sibling(z, layer=other)
                if other == nd.layer or a2 not in known or z2 not in graph.parents(a2):
                    continue
                value = bp.partial(a2, z2)
                out.append(_Variant(
                    "activation_derivative_wrong_layer",
                    f"The activation derivative is taken at the wrong layer: ∂{plain(a2)}/∂{plain(z2)} "
                    f"where ∂{plain(a)}/∂{plain(z)} belongs.",
                    _paths_without(paths, lambda g: False,
                                   lambda g, a=a, z=z, v=value: v if (g.of, g.wrt) == (a, z) else None),
                ))
        first = paths[0].factors[-1] if paths else None
        if first is not None and first.value.is_Symbol:
            src = first.value
            name = parse_name(src.name)
            if name is not None and name.kind in ("a", "x"):
                layer = name.layer or 0
                cand = [symbol_for(type(name)("a", layer + 1, name.indices))]
                if layer >= 1:
                    cand.append(symbol_for(type(name)("a", layer - 1, name.indices)) if layer > 1
                                else symbol_for(type(name)("x", None, name.indices)))
                for wrong in cand:
                    if wrong in known and wrong != src:
                        out.append(_Variant(
                            "input_wrong_layer",
                            f"The input factor is taken at the wrong layer: {plain(wrong)} where "
                            f"{plain(src)} (the input to {plain(first.of)}) belongs.",
                            _paths_without(paths, lambda g: False,
                                           lambda g, s=src, w=wrong: w if g.value == s else None),
                        ))
    # missing or doubled path
    if len(paths) > 1:
        for p in paths:
            out.append(_Variant(
                "missing_path",
                f"Missing one path of the chain rule: the term through {_path_text(p)}. "
                "A parameter that reaches the loss along several paths gets one term per path.",
                d.chain - p.product,
            ))
    for p in paths:
        out.append(_Variant(
            "extra_path",
            f"An extra term: the path {_path_text(p)} is counted twice.",
            d.chain + p.product,
        ))
    # sibling parameters: the sum ran over a neuron the parameter does not reach
    name = parse_name(d.wrt.name)
    if name is not None and name.kind in ("w", "b") and layers is not None:
        j = name.indices[0]
        for k in range(1, layers[name.layer] + 1):
            sib = _layer_sibling(d.wrt, indices=(k, *name.indices[1:]))
            if k != j and sib in known:
                out.append(_Variant(
                    "extra_path",
                    f"An extra term: it adds ∂L/∂{plain(sib)}, the path through "
                    f"z{name.layer}_{k}, which {plain(d.wrt)} does not reach.",
                    d.chain + bp[sib].chain,
                ))
    # the derivative of another parameter: swapped indices, wrong input, wrong layer
    params = [p for p in graph.params if p != d.wrt][:_MAX_OTHERS]
    for other in params:
        kind, sentence = _other_parameter(d.wrt, other)
        out.append(_Variant(kind, sentence, bp[other].chain if len(bp[other].paths) <= _MAX_PATHS else bp[other].delta_form))
    for layer in sorted({n.layer for s in graph.params if (n := parse_name(s.name)) and n.kind == "w"}):
        mapping = {}
        for s in graph.params:
            n = parse_name(s.name)
            if n is not None and n.kind == "w" and n.layer == layer:
                t = _layer_sibling(s, indices=(n.indices[1], n.indices[0]))
                if t in known and t != s:
                    mapping[s] = t
        if mapping:
            out.append(_Variant(
                "swapped_indices",
                f"Swapped indices: the formula writes w^({layer})_(ij) where w^({layer})_(ji) belongs "
                "(the first index is the neuron the weight feeds, the second the neuron it comes from).",
                transform=lambda e, m=mapping: e.xreplace(m),
            ))
    # any other single factor of the chain left out
    factors = {(f.of, f.wrt): f for p in paths for f in p.factors if f.value != 1 and (f.of, f.wrt) not in act_factors}
    for (of, wrt), f in factors.items():
        out.append(_Variant(
            "missing_factor",
            f"Missing the factor ∂{plain(of)}/∂{plain(wrt)} = {_text(f.value)} of the chain rule.",
            _paths_without(paths, lambda g, key=(of, wrt): (g.of, g.wrt) == key),
        ))
    return out


def diagnose(d: Derivation, formula: sp.Expr, points: Sequence[Point]) -> Diagnosis:
    """The most likely mistake in ``formula``, a wrong formula for ``d``'s derivative.

    Args:
        d: the true derivation.
        formula: the formula in node symbols (as parsed).
        points: the points it was found wrong at (node and δ values included).
    """
    try:
        paths = d.path_list(max_paths=_MAX_PATHS)
    except TooLargeError:
        paths = ()
    values = [pt.value(formula) for pt in points]
    truth = [pt.value(d.chain if paths else d.delta_form) for pt in points]
    c = _constant(values, truth)
    if c is not None and c != 0:
        return Diagnosis("constant_factor", _factor_sentence(c, d.backprop), sp.Rational(c.numerator, c.denominator))
    variants = _variants(d, paths) if paths else []
    scaled: list[tuple[_Variant, Fraction]] = []
    for v in variants:
        if v.transform is not None:
            changed = v.transform(formula)
            if changed == formula:
                continue
            got = [pt.value(changed) for pt in points]
            if all(close(a, b) for a, b in zip(got, truth)):
                return Diagnosis(v.kind, v.sentence)
            continue
        expected = [pt.value(v.expr) for pt in points]
        if all(close(a, b) for a, b in zip(values, expected)):
            return Diagnosis(v.kind, v.sentence)
        k = _constant(values, expected)
        if k is not None and k not in (0, 1) and any(e is not None and abs(float(e)) > 1e-9 for e in expected):
            scaled.append((v, k))
    if scaled:
        v, k = scaled[0]
        return Diagnosis(v.kind, f"{v.sentence[:-1]}, and the result is off by a factor {k}.",
                         sp.Rational(k.numerator, k.denominator))
    return Diagnosis(
        "unknown",
        "The formula differs from the derivative and matches none of the usual mistakes "
        "(a constant factor, a missing activation derivative, a missing or extra path, "
        "swapped indices, a wrong layer).",
    )
