"""Round trip over random networks: every printed formula parses back to an equal expression.

Printed: node definitions, δ forms, δ definitions (simplified and chain), path products and
their factors, expanded forms up to 2,000 nodes; through ``printing.latex``, ``sympy.latex``
and ``printing.plain_text``.

Run from the repository root: ``python -m benchmarks.notation_roundtrip`` (about 2.5 minutes).
"""

from __future__ import annotations

import random
import time

import sympy as sp

from symbackprop.derive import derive
from symbackprop.errors import TooLargeError
from symbackprop.graph import latex, mlp, plain_text
from symbackprop.read import parse_formula

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"]
LOSSES = ["squared", "sse", "mse", "cross_entropy", "binary_cross_entropy", "output"]


def random_network(rng: random.Random):
    depth = rng.randint(1, 3)
    layers = [rng.randint(1, 3) for _ in range(depth + 1)]
    acts = [rng.choice(ACTIVATIONS) for _ in range(depth)]
    loss = rng.choice(LOSSES)
    if loss == "cross_entropy":
        acts[-1] = "softmax" if layers[-1] > 1 else "sigmoid"
    elif loss == "binary_cross_entropy":
        acts[-1] = "sigmoid"
    elif loss == "output":
        layers[-1] = 1
    return mlp(layers, acts, loss, bias=rng.random() < 0.7)


def main(networks: int = 100, seed: int = 0) -> None:
    rng = random.Random(seed)
    count = unequal = longest = 0
    start = time.perf_counter()
    for _ in range(networks):
        net = random_network(rng)
        exprs = [nd.expr for nd in net.nodes]
        for _, d in derive(net).items():
            exprs += [d.delta_form] + [x.expr for x in d.deltas] + [x.chain for x in d.deltas]
            for p in d.path_list(max_paths=50):
                exprs += [p.product] + [f.value for f in p.factors]
            try:
                exprs.append(d.expanded(max_size=2000))
            except TooLargeError:
                pass
        for e in exprs:
            for printer in (latex, sp.latex, plain_text):
                text = printer(e)
                longest = max(longest, len(text))
                count += 1
                back = parse_formula(text, net)
                if back != e and sp.expand(back - e) != 0:
                    unequal += 1
                    print("UNEQUAL:", text)
    print(f"{networks} networks, {count} printed formulas parsed back, {unequal} unequal, "
          f"longest {longest} characters, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
