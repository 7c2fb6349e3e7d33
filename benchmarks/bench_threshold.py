"""Scalar (per-weight lambdified formulas) against vector (matrix form) evaluation, by size.

Run from the repository root:  python benchmarks/bench_threshold.py

Both backends compute the same loss and gradients of a sigmoid network on a batch of 100;
the ratio scalar/vector, measured side by side in this run, sets what backend="auto" picks.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symbackprop.graph import mlp
from symbackprop.numeric import (
    compile_network,  # noqa: E402
    init_params,
)

SIZES = [[2, 2, 2], [3, 4, 2], [4, 6, 3], [4, 8, 3], [8, 8, 4], [8, 16, 8], [16, 16, 10]]


def best(f, repeats: int = 20) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    print(f"{'layers':<14} {'params':>6} {'scalar ms':>10} {'vector ms':>10} {'scalar/vector':>14}")
    for layers in SIZES:
        net = mlp(layers)
        params = init_params(net, seed=0)
        rng = np.random.default_rng(0)
        X = rng.normal(size=(100, layers[0]))
        Y = rng.uniform(size=(100, layers[-1]))
        scalar = compile_network(net, backend="scalar")
        vector = compile_network(net, backend="vector")
        ls, gs = scalar.loss_and_gradients(params, X, Y)
        lv, gv = vector.loss_and_gradients(params, X, Y)
        assert abs(ls - lv) <= 1e-12 * max(1.0, abs(ls)), "backends disagree on the loss"
        assert all(np.allclose(gs[k], gv[k], rtol=1e-10, atol=1e-14) for k in gs), "backends disagree"
        a = best(lambda: scalar.loss_and_gradients(params, X, Y))
        b = best(lambda: vector.loss_and_gradients(params, X, Y))
        print(f"{'-'.join(map(str, layers)):<14} {net.n_params:>6} {a * 1e3:>10.3f} {b * 1e3:>10.3f} {a / b:>14.2f}")


if __name__ == "__main__":
    main()
