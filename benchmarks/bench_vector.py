"""Benchmark of the vector backend on a [784, 128, 10] ReLU/softmax cross-entropy network.

Run from the repository root:  python benchmarks/bench_vector.py [--batch 10000] [--repeat 7]

Every ratio is measured in this one run, side by side (runs interleaved, best of --repeat):
  1. building: mlp() (the core's scalar graph) and compile_vector() (vector form + lambdify);
  2. gradient evaluation, float64: compile_vector vs a hand-written numpy backprop of the
     same network (target ≤ 1.3×) and vs PyTorch CPU autograd if torch is importable;
  3. the gradient check: 1 global + 4 per-array directions and 100 sampled parameters;
  4. peak memory of one gradient evaluation (tracemalloc) vs the hand-written version
     (target ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symbackprop.graph import mlp
from symbackprop.numeric import compile_vector, directional_check

LAYERS = [784, 128, 10]


def hand_written(p, X, Y):
    """Textbook numpy backprop of the same network (mean cross entropy), written by hand."""
    m = X.shape[0]
    Z1 = X @ p["W1"].T + p["b1"]
    A1 = np.maximum(Z1, 0.0)
    Z2 = A1 @ p["W2"].T + p["b2"]
    Z2 -= Z2.max(axis=1, keepdims=True)
    E = np.exp(Z2)
    S = E.sum(axis=1, keepdims=True)
    loss = -float((Y * (Z2 - np.log(S))).sum()) / m
    D2 = (E / S - Y) / m
    g = {"W2": D2.T @ A1, "b2": D2.sum(axis=0)}
    D1 = (D2 @ p["W2"]) * (Z1 > 0)
    g["W1"] = D1.T @ X
    g["b1"] = D1.sum(axis=0)
    return loss, g


def torch_runner(p, X, Y):
    try:
        import torch
    except ImportError:
        return None
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    tX, tY = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)

    def run(_p, _X, _Y):
        for t in tp.values():
            t.grad = None
        A1 = torch.relu(tX @ tp["W1"].T + tp["b1"])
        logp = torch.log_softmax(A1 @ tp["W2"].T + tp["b2"], dim=1)
        loss = -(tY * logp).sum() / tX.shape[0]
        loss.backward()
        return float(loss), {k: t.grad.numpy() for k, t in tp.items()}

    return run


def best_of(fns, args, repeat):
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():  # interleaved, so load changes hit every contender alike
            start = time.perf_counter()
            fn(*args)
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def peak_memory(fn, args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                                       "OPENBLAS_NUM_THREADS") if k in os.environ}
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, env {env}")

    start = time.perf_counter()
    net = mlp(LAYERS, activation=["relu", "softmax"], loss="cross_entropy")
    t_mlp = time.perf_counter() - start
    start = time.perf_counter()
    f = compile_vector(net)
    t_compile = time.perf_counter() - start
    print(f"build   mlp({LAYERS}) {t_mlp:.2f} s (core scalar graph, {net.n_params:,} parameters); "
          f"compile_vector {t_compile:.2f} s (target < 2 s); together {t_mlp + t_compile:.2f} s")

    rng = np.random.default_rng(0)
    m = args.batch
    X = rng.random((m, LAYERS[0]))
    Y = np.eye(LAYERS[-1])[rng.integers(0, LAYERS[-1], m)]
    p = {"W1": rng.normal(0, 0.05, (128, 784)), "b1": rng.normal(0, 0.1, 128),
         "W2": rng.normal(0, 0.1, (10, 128)), "b2": np.zeros(10)}

    ours, ref = f.loss_and_gradients(p, X, Y), hand_written(p, X, Y)
    err = max(float(np.abs(ours[1][k] - ref[1][k]).max()) for k in p)
    print(f"agree   loss {ours[0]:.12f} vs {ref[0]:.12f}; max gradient difference {err:.1e}")

    contenders = {"vector": f.loss_and_gradients, "hand-written numpy": hand_written}
    torch_fn = torch_runner(p, X, Y)
    if torch_fn is not None:
        contenders["torch autograd"] = torch_fn
    times = best_of(contenders, (p, X, Y), args.repeat)
    base = times["hand-written numpy"]
    for name, t in times.items():
        print(f"grad    {name:<20} {t * 1000:8.1f} ms  {t / base:5.2f}× hand-written")
    if torch_fn is None:
        print("grad    torch autograd       skipped: torch is not installed (pip install torch to compare)")
    else:
        print(f"grad    vector / torch = {times['vector'] / times['torch autograd']:.2f}× (target < 1)")

    start = time.perf_counter()
    report = directional_check(f, p, X, Y, samples=100)
    t_check = time.perf_counter() - start
    print(f"check   {report} (wall {t_check:.2f} s, target < 10 s)")

    mem_vec = peak_memory(f.loss_and_gradients, (p, X, Y))
    mem_hand = peak_memory(hand_written, (p, X, Y))
    print(f"memory  peak vector {mem_vec / 2**20:.1f} MiB, hand-written {mem_hand / 2**20:.1f} MiB: "
          f"{mem_vec / mem_hand:.2f}× (target ≤ 1.5×; X itself, {X.nbytes / 2**20:.0f} MiB, is excluded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
