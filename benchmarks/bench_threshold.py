"""Where the vector backend overtakes per-scalar evaluation, to set backend="auto"'s threshold.

Run from the repository root:  python benchmarks/bench_threshold.py

The scalar side is a STAND-IN for numeric.compile_network (issue 5, not on this branch):
each node definition, δ definition and gradient δ form of the scalar derivation is
lambdified once and evaluated in order on batch columns, one numpy operation per
scalar quantity.  Re-measure with the real scalar backend before fixing the number.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symbackprop.derive import derive  # noqa: E402
from symbackprop.functions import softmax  # noqa: E402
from symbackprop.mlp import mlp  # noqa: E402
from symbackprop.vector_numeric import _lambdify, compile_vector  # noqa: E402

SIZES = [[2, 2, 2], [3, 4, 2], [4, 6, 3], [8, 8, 4], [8, 16, 8], [16, 16, 10], [32, 32, 10]]


def _plain(expr):
    """softmax_k(z) as exp(z_k)/Σ exp(z_j): enough for timing, not meant to be stable."""
    return expr.replace(lambda e: isinstance(e, softmax), lambda e: e.rewrite(sp.exp))


def scalar_standin(net):
    bp = derive(net)
    steps = [(nd.symbol, nd.parents, _lambdify(list(nd.parents), _plain(nd.expr))) for nd in net.nodes]
    for d in bp.deltas.values():
        body = d.expr if d.constraint is None else d.chain
        args = sorted(body.free_symbols, key=str)
        steps.append((d.symbol, tuple(args), _lambdify(args, body)))
    grads = []
    for p, der in bp.items():
        args = sorted(der.delta_form.free_symbols, key=str)
        grads.append((p, tuple(args), _lambdify(args, der.delta_form)))

    def run(env):
        env = dict(env)
        for sym, args, fn in steps:
            env[sym] = fn(*[env[a] for a in args])
        return {p: np.mean(fn(*[env[a] for a in args])) for p, args, fn in grads}

    return run


def timed(fn, *args, repeat=30):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    rng = np.random.default_rng(0)
    print(f"{'layers':<14} {'params':>6} {'batch':>5} {'scalar µs':>10} {'vector µs':>10} {'scalar/vector':>14}")
    for layers in SIZES:
        net = mlp(layers, activation=["sigmoid", "softmax"], loss="cross_entropy")
        f, s = compile_vector(net), scalar_standin(net)
        params = {f"W{l}": rng.normal(size=(layers[l], layers[l - 1])) for l in range(1, len(layers))}
        params.update({f"b{l}": rng.normal(size=layers[l]) for l in range(1, len(layers))})
        for batch in (1, 100):
            X = rng.normal(size=(batch, layers[0]))
            Y = np.eye(layers[-1])[rng.integers(0, layers[-1], batch)]
            env = {sym: X[:, i] for i, sym in enumerate(net.x)}
            env.update({sym: Y[:, k] for k, sym in enumerate(net.y)})
            for l in range(1, len(layers)):
                for j, row in enumerate(net.W[l]):
                    env.update(zip(row, params[f"W{l}"][j].tolist()))
                env.update(zip(net.b[l], params[f"b{l}"].tolist()))
            ts, tv = timed(s, env), timed(f.loss_and_gradients, params, X, Y)
            print(f"{'-'.join(map(str, layers)):<14} {net.n_params:>6} {batch:>5} {ts * 1e6:>10.0f} "
                  f"{tv * 1e6:>10.0f} {ts / tv:>13.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
