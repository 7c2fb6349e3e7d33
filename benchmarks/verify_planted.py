"""Planted mistakes on random networks, typed as LaTeX through the parser, checked by verify().

For a random weight of each network: the correct δ form and Leibniz sum (must be correct),
and planted mistakes (constant factor, swapped indices, wrong layer, one σ′ dropped, one
path dropped) that must be found wrong *and* named.

Run from the repository root: ``python -m benchmarks.verify_planted`` (about 20 seconds).
"""

from __future__ import annotations

import collections
import random
import time

import sympy as sp

from symbackprop.derive import derive
from symbackprop.graph import latex, mlp
from symbackprop.graph.notation import Name, parse_name, symbol_for
from symbackprop.verify import verify


def plants(net, bp, w, rng: random.Random) -> dict[str, sp.Expr]:
    d, name = bp[w], parse_name(w.name)
    out = {"correct": d.delta_form, "correct_chain": d.chain,
           "constant_factor": rng.choice([2, -1, sp.Rational(1, 2)]) * d.chain}
    t = symbol_for(Name("w", name.layer, name.indices[::-1]))
    if t in net.params and t != w:
        out["swapped_indices"] = bp[t].chain
    other = [l for l in range(1, len(net.layers))
             if l != name.layer and symbol_for(Name("w", l, name.indices)) in net.params]
    if other:
        out["wrong_layer"] = bp[symbol_for(Name("w", other[0], name.indices))].chain
    acts = [f for p in d.paths for f in p.factors if net.node_of(f.of).role == "a" and f.value != 1]
    # ReLU's σ′ is 0 or 1, so dropping it can coincide with other variants; keep the test sharp.
    if acts and net.activations[net.node_of(acts[0].of).layer - 1].name != "relu":
        key = (acts[0].of, acts[0].wrt)
        out["missing_activation_derivative"] = sp.Add(
            *[sp.Mul(*[f.value for f in p.factors if (f.of, f.wrt) != key]) for p in d.paths])
    if len(d.paths) > 1:
        out["missing_path"] = d.chain - d.paths[-1].product
    return out


def main(networks: int = 40, seed: int = 1) -> None:
    rng = random.Random(seed)
    tally: collections.Counter[tuple[str, bool]] = collections.Counter()
    start, slowest = time.perf_counter(), 0.0
    for _ in range(networks):
        depth = rng.randint(1, 3)
        layers = [rng.randint(2, 3) for _ in range(depth + 1)]
        acts = [rng.choice(["sigmoid", "tanh", "relu", "softplus"]) for _ in range(depth)]
        loss = rng.choice(["squared", "cross_entropy"])
        if loss == "cross_entropy":
            acts[-1] = "softmax"
        net = mlp(layers, acts, loss)
        bp = derive(net)
        w = rng.choice([p for p in net.params if p.name.startswith("w")])
        for kind, expr in plants(net, bp, w, rng).items():
            t0 = time.perf_counter()
            v = verify(net, w, latex(expr))
            slowest = max(slowest, time.perf_counter() - t0)
            if kind.startswith("correct"):
                ok = v.status in ("correct", "correct_under_constraint")
            else:
                ok = v.status == "wrong" and v.diagnosis is not None and v.diagnosis.kind == kind
            tally[(kind, ok)] += 1
    for (kind, ok), k in sorted(tally.items()):
        print(f"{kind:32s} {'ok' if ok else 'MISSED':6s} {k}")
    print(f"{time.perf_counter() - start:.1f} s total, slowest verify {slowest:.2f} s")


if __name__ == "__main__":
    main()
