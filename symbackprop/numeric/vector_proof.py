"""Proof that a network's vector form equals its scalar derivation, entry by entry.

Three routes, each comparing the vector rules (instantiated in the network's own scalar
symbols) with :func:`symbackprop.derive.backprop.derive` of the same network:

* ``symbolic``: every entry of ``∂L/∂W^{(l)}`` and ``∂L/∂b^{(l)}``, expanded into the
  leaves, minus the scalar derivation's ``expanded()`` result expands to zero.  Small networks.
* ``stepwise``: by induction from the output layer.  Each vector rule, given the δ symbols of
  the next layer, equals the scalar chain rule for the same node (with ``a`` replaced by
  ``f(z)``), and each gradient entry equals the scalar ``δ`` form.  Symbolic, but every
  comparison stays the size of one layer, so it handles thousands of parameters.
* ``point``: at random points, the numpy evaluation of the vector rules equals the scalar
  derivation evaluated by SymPy (:func:`symbackprop.derive.evaluate.backward`), for every δ and for
  every parameter (or a random sample of them).  Large networks.

A rule that relies on the targets summing to one (``a - y`` for softmax with cross entropy)
is compared under that constraint, and the proof says so.

>>> from symbackprop.graph.network import mlp
>>> prove_vector_form(mlp([2, 2, 2], activation=["relu", "softmax"], loss="cross_entropy")).holds
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symbackprop.derive import Substitution, VectorForm, vector_form
from symbackprop.derive.evaluate import backprop_of, backward
from symbackprop.derive.layer_rules import ALPHA, ETA, T
from symbackprop.errors import SpecError
from symbackprop.graph import Graph, Network

from .vector import compile_vector
from .vector_kernels import lambdify_numpy

__all__ = ["VectorProof", "prove_vector_form", "METHODS"]

METHODS = ("auto", "symbolic", "stepwise", "point")
#: ``auto`` proves symbolically up to this many parameters, stepwise up to the next.
SYMBOLIC_LIMIT = 40
STEPWISE_LIMIT = 3_000


@dataclass(frozen=True)
class VectorProof:
    """The outcome of comparing a vector form with the scalar derivation.

    Attributes:
        method: ``"symbolic"``, ``"stepwise"`` or ``"point"``.
        holds: every compared entry agreed.
        checked: how many entries were compared.
        detail: one sentence saying what was compared.
        failures: one line per disagreeing entry (empty when ``holds``).
        max_error: the largest relative difference (``point`` only; 0 when exact).
    """

    method: str
    holds: bool
    checked: int
    detail: str
    failures: tuple[str, ...] = ()
    max_error: float = 0.0

    def __str__(self) -> str:
        head = f"{'proved' if self.holds else 'FAILED'} ({self.method}, {self.checked} entries): {self.detail}"
        return "\n".join([head, *self.failures])


def _zero(diff: sp.Expr, ys: tuple[sp.Symbol, ...] | None) -> bool:
    """Whether ``diff`` is identically zero (under ``Σ ys = 1`` when ``ys`` is given)."""
    if ys:
        diff = diff.xreplace({ys[-1]: 1 - sp.Add(*ys[:-1])})
    diff = sp.expand(diff)
    # Quotients (binary cross entropy's y/a) cancel only over a common denominator.
    return diff == 0 or sp.cancel(sp.together(diff)) == 0


def _constraint_targets(vf: VectorForm) -> tuple[sp.Symbol, ...] | None:
    return tuple(vf.network.y) if vf.constraint else None


def _symbolic(vf: VectorForm) -> VectorProof:
    net, bp = vf.network, backprop_of(vf.network)
    ys = _constraint_targets(vf)
    definitions = {nd.symbol: nd.expr for nd in net.nodes}
    for l in range(1, vf.depth + 1):
        definitions.update(zip(vf.delta(l), vf.delta_rule(l)))
    full = Substitution(definitions)

    failures, checked = [], 0
    for l in range(1, vf.depth + 1):
        pairs = list(zip(vf.W(l), vf.weight_gradient(l)))
        if net.b[l]:
            pairs += list(zip(vf.b(l), vf.bias_gradient(l)))
        for param, entry in pairs:
            ours = full(entry)
            checked += 1
            if not _zero(ours - bp[param].expanded(max_size=10**6), ys):
                failures.append(f"∂L/∂{param.name}: vector entry {entry} does not expand to the scalar result")
    return VectorProof("symbolic", not failures, checked,
                       "every gradient entry of the vector form, expanded into the leaves, equals the "
                       "scalar derivation's expanded result" + _using(vf), tuple(failures))


def _stepwise(vf: VectorForm) -> VectorProof:
    net, bp = vf.network, backprop_of(vf.network)
    failures, checked = [], 0
    for l in range(1, vf.depth + 1):
        nodes_z = [net.node_of(s) for s in net.z[l]]
        nodes_a = [net.node_of(s) for s in net.a[l]]
        for nd, entry in zip(nodes_z, vf.pre_activation(l)):
            checked += 1
            if sp.expand(entry - nd.expr) != 0:
                failures.append(f"{nd.symbol.name}: W a + b gives {entry}, the network defines {nd.expr}")
        for nd, entry in zip(nodes_a, vf.activation(l)):
            checked += 1
            if entry != nd.expr:
                failures.append(f"{nd.symbol.name}: f(z) gives {entry}, the network defines {nd.expr}")
        in_z = {nd.symbol: nd.expr for nd in nodes_a}
        ys = _constraint_targets(vf) if l == vf.depth else None
        for nd, entry in zip(nodes_z, vf.delta_rule(l)):
            d = bp.deltas[nd.symbol]
            checked += 1
            if not _zero(entry.xreplace(in_z) - d.chain.xreplace(in_z), ys):
                failures.append(f"{d.symbol.name}: vector rule {entry} differs from the chain rule {d.chain}")
        grads = list(zip(vf.W(l), vf.weight_gradient(l)))
        if net.b[l]:
            grads += list(zip(vf.b(l), vf.bias_gradient(l)))
        for param, entry in grads:
            checked += 1
            if sp.expand(entry - bp[param].delta_form) != 0:
                failures.append(f"∂L/∂{param.name}: vector entry {entry} differs from {bp[param].delta_form}")
    return VectorProof("stepwise", not failures, checked,
                       "layer by layer from the output: every z, a and δ entry of the vector rules, given "
                       "the next layer's δ, equals the scalar chain rule, and every gradient entry equals "
                       "the scalar δ form" + _using(vf), tuple(failures))


def _random_values(net: Network, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {"x": rng.uniform(-1, 1, net.layers[0])}
    for l in range(1, net.depth + 1):
        values[f"W{l}"] = rng.normal(0, 1 / np.sqrt(net.layers[l - 1]), (net.layers[l], net.layers[l - 1]))
        if net.b[l]:
            values[f"b{l}"] = rng.normal(0, 0.5, net.layers[l])
    if net.y:
        k = net.layers[-1]
        # Targets obey the loss's constraint, so the a − y rule is compared where it claims to hold.
        values["y"] = rng.dirichlet(np.ones(k)) if net.loss.target_constraint == "distribution" \
            else rng.uniform(0.05, 0.95, k)
    return values


def _by_rules(vf: VectorForm, arrays: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray | None
              ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The gradients and δs of one sample computed from the vector form's own rules (the
    equations the sheets print: its f′, its output δ), not from the layered program."""
    net = vf.network
    zs, acts = [], [x]
    for rule in vf.rules:
        l = rule.layer
        z = arrays[f"W{l}"] @ acts[-1] + (arrays[f"b{l}"] if rule.bias else 0.0)
        if rule.coupled:
            e = np.exp(z - z.max())
            a = e / e.sum()
        else:
            a = np.broadcast_to(lambdify_numpy([T], rule.value)(z), z.shape).astype(float)
        zs.append(z)
        acts.append(a)
    L = vf.depth
    if vf.output_entry is not None:
        d = np.broadcast_to(lambdify_numpy([T, ALPHA, ETA], vf.output_entry)(zs[-1], acts[-1], 0.0 if y is None else y),
                            zs[-1].shape).astype(float)
    else:
        cols = lambdify_numpy([net.z[L], net.a[L], net.y], list(vf.output_delta))
        d = np.array(cols(list(zs[-1]), list(acts[-1]), [] if y is None else list(y)), dtype=float)
    deltas = {f"delta{L}": d}
    for rule in reversed(vf.rules[:-1]):
        l = rule.layer
        back = arrays[f"W{l + 1}"].T @ d
        a, z = acts[l], zs[l - 1]
        d = a * (back - a @ back) if rule.coupled else \
            back * np.broadcast_to(lambdify_numpy([T, ALPHA], rule.derivative)(z, a), z.shape)
        deltas[f"delta{l}"] = d
    grads = {}
    for rule in vf.rules:
        l = rule.layer
        grads[f"W{l}"] = np.outer(deltas[f"delta{l}"], acts[l - 1])
        if rule.bias:
            grads[f"b{l}"] = deltas[f"delta{l}"]
    return grads, deltas


def _point(vf: VectorForm, points: int, seed: int, sample: int | None) -> VectorProof:
    net = vf.network
    fn = compile_vector(vf)
    rng = np.random.default_rng(seed)
    chooser = random.Random(seed)
    params = list(net.params)
    failures: list[str] = []
    worst, checked = 0.0, 0
    for _ in range(points):
        v = _random_values(net, rng)
        arrays = {k: a for k, a in v.items() if k not in ("x", "y")}
        Y = v.get("y")
        _, grads = fn.loss_and_gradients(arrays, v["x"], Y)
        deltas = fn.deltas(arrays, v["x"], Y)
        rule_grads, rule_deltas = _by_rules(vf, arrays, v["x"], Y)
        assignment: dict[sp.Symbol, float] = dict(zip(net.x, v["x"].tolist()))
        if Y is not None:
            assignment.update(zip(net.y, Y.tolist()))
        ours: dict[sp.Symbol, float] = {}  # the vector backend (the layered program)
        by_rules: dict[sp.Symbol, float] = {}  # the vector form's printed rules
        for l in range(1, net.depth + 1):
            for j, row in enumerate(net.W[l]):
                assignment.update(zip(row, arrays[f"W{l}"][j].tolist()))
                ours.update(zip(row, grads[f"W{l}"][j].tolist()))
                by_rules.update(zip(row, rule_grads[f"W{l}"][j].tolist()))
            if net.b[l]:
                assignment.update(zip(net.b[l], arrays[f"b{l}"].tolist()))
                ours.update(zip(net.b[l], grads[f"b{l}"].tolist()))
                by_rules.update(zip(net.b[l], rule_grads[f"b{l}"].tolist()))
            d_syms = [net.node_of(z).delta for z in net.z[l]]
            ours.update(zip(d_syms, deltas[f"delta{l}"].tolist()))
            by_rules.update(zip(d_syms, rule_deltas[f"delta{l}"].tolist()))
        chosen = params if sample is None or sample >= len(params) else chooser.sample(params, sample)
        ref = backward(net, assignment, wrt=chosen, exact=False)
        reference = {**ref.gradients, **ref.deltas}
        for s, want in reference.items():
            want_f = float(want)
            checked += 1
            for route, got in (("vector rules", by_rules[s]), ("vector backend", ours[s])):
                err = abs(got - want_f) / max(1.0, abs(want_f))
                worst = max(worst, err)
                if err > 1e-9:
                    failures.append(f"{s.name}: {route} {got!r}, scalar {want_f!r} (relative error {err:.2e})")
    return VectorProof(
        "point", not failures, checked,
        f"at {points} random point(s), numpy evaluation of the vector rules, and the vector backend "
        f"(the layered program), equal the scalar δ recursion evaluated by SymPy for every δ and "
        + ("every parameter" if sample is None or sample >= len(params) else f"{sample} random parameters")
        + " (relative error ≤ 1e-9)" + _using(vf),
        tuple(failures), worst)


def _using(vf: VectorForm) -> str:
    return f", using {vf.constraint} for the output δ" if vf.constraint else ""


def prove_vector_form(
    network: Graph | VectorForm,
    *,
    method: str = "auto",
    points: int = 2,
    seed: int = 0,
    sample: int | None = None,
) -> VectorProof:
    """Prove that the vector form of ``network`` equals its scalar derivation.

    Args:
        network: a layered network or its :class:`~symbackprop.derive.vector.VectorForm`.
        method: one of :data:`METHODS`; ``auto`` picks symbolic up to
            :data:`SYMBOLIC_LIMIT` parameters, stepwise up to :data:`STEPWISE_LIMIT`, else point.
        points: random points for ``point``.
        seed: seed for ``point`` (results are reproducible).
        sample: for ``point``, compare this many random parameters (all δs are always compared).

    Raises:
        SpecError: unknown method.
        GraphError: the graph is not layered.
    """
    if method not in METHODS:
        raise SpecError(f"method: expected one of {METHODS}, received {method!r}")
    vf = network if isinstance(network, VectorForm) else vector_form(network)
    count = vf.network.n_params
    if method == "auto":
        method = "symbolic" if count <= SYMBOLIC_LIMIT else "stepwise" if count <= STEPWISE_LIMIT else "point"
    if method == "symbolic":
        return _symbolic(vf)
    if method == "stepwise":
        return _stepwise(vf)
    return _point(vf, points, seed, sample)
