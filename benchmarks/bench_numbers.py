"""Speed of the numeric backend, as ratios measured side by side in one run.

    python benchmarks/bench_numbers.py [--quick]

1. Loss and gradients of a [4, 8, 3] sigmoid network (squared loss, mean) on 100,000
   samples: the lambdified derivation against a hand-written numpy backprop of the same
   network (matrix products).  Target: at most 1.5x.
2. Lambdifying every gradient of a [16, 64, 64, 10] network.  Target: under 5 s.
3. The gradient checker on a [4, 8, 3] network (compiling included).  Target: under 1 s.

Timings are the best (and median) of several interleaved repeats; nothing here is asserted
by the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread for both sides, set before numpy loads: on a shared machine a threaded
# BLAS in the hand-written matmuls spins against other processes and made the baseline
# up to 6x slower, which would flatter the ratio.  This compares the algorithms.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symbackprop as sbp  # noqa: E402
from symbackprop.numeric import check_gradients, compile_network, init_params  # noqa: E402


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # The same stable sigmoid the lambdified code uses, so the comparison is of backprop.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def hand_backprop(p: dict, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict]:
    """Textbook matrix backprop of a 2-layer sigmoid network, squared loss, batch mean."""
    n = X.shape[0]
    A1 = _sigmoid(X @ p["W1"].T + p["b1"])
    A2 = _sigmoid(A1 @ p["W2"].T + p["b2"])
    E = A2 - Y
    loss = 0.5 * float(np.sum(E * E)) / n
    D2 = E * A2 * (1.0 - A2)
    D1 = (D2 @ p["W2"]) * A1 * (1.0 - A1)
    return loss, {"W1": D1.T @ X / n, "b1": D1.sum(0) / n, "W2": D2.T @ A1 / n, "b2": D2.sum(0) / n}


def interleaved(a, b, repeats: int) -> tuple[list[float], list[float]]:
    """Times of ``a`` and ``b``, alternating, so load from other processes hits both alike."""
    ta, tb = [], []
    for _ in range(repeats):
        for fn, out in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return ta, tb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    repeats = 3 if args.quick else 15
    rng = np.random.default_rng(0)

    net = sbp.mlp([4, 8, 3], activation="sigmoid", loss="squared")
    t = time.perf_counter()
    nn = compile_network(net, backend="scalar")
    nn.loss_and_gradients(init_params(net, seed=0), np.zeros((1, 4)), np.zeros((1, 3)))
    compile_small = time.perf_counter() - t
    params = init_params(net, seed=0)
    X, Y = rng.normal(size=(100_000, 4)), rng.uniform(size=(100_000, 3))
    ours_loss, ours = nn.loss_and_gradients(params, X, Y)
    ref_loss, ref = hand_backprop(params, X, Y)
    agree = max(float(np.max(np.abs(ours[k] - ref[k]))) for k in ref)
    ours, hand = interleaved(lambda: nn.loss_and_gradients(params, X, Y), lambda: hand_backprop(params, X, Y), repeats)
    best = min(ours) / min(hand)
    typical = float(np.median(ours) / np.median(hand))
    print(f"[4, 8, 3] on 100,000 samples: lambdified {min(ours) * 1e3:.1f} ms, hand-written numpy "
          f"{min(hand) * 1e3:.1f} ms (best of {repeats}); ratio {best:.2f}x best, {typical:.2f}x median "
          f"(target <= 1.5x); largest gradient difference {agree:.1e}; compile {compile_small:.2f} s")

    t = time.perf_counter()
    big = sbp.mlp([16, 64, 64, 10], activation="sigmoid", loss="squared")
    built = time.perf_counter() - t
    t = time.perf_counter()
    nb = compile_network(big, backend="scalar")
    nb.loss_and_gradients(init_params(big, seed=0), rng.normal(size=(8, 16)), rng.uniform(size=(8, 10)))
    lam = time.perf_counter() - t
    print(f"[16, 64, 64, 10] ({big.n_params} parameters): derive + lambdify every gradient "
          f"{lam:.2f} s (target < 5 s; building the network took {built:.2f} s more)")

    t = time.perf_counter()
    report = check_gradients(sbp.mlp([4, 8, 3]), init_params(net, seed=1),
                             rng.normal(size=(16, 4)), rng.uniform(size=(16, 3)))
    took = time.perf_counter() - t
    print(f"checker on [4, 8, 3], 16 samples, {len(report.rows)} parameters: {took:.2f} s "
          f"including compilation (target < 1 s); all pass: {report.ok}")


if __name__ == "__main__":
    main()
