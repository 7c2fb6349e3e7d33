"""The vector backend against hand-written numpy and PyTorch, every activation and loss, one run.

Run from the repository root:  python benchmarks/bench_vector.py [--batch 10000] [--repeat 5] [--quick]

Everything is measured in this one process, side by side (contenders interleaved, best of
--repeat), float64, one BLAS/torch thread for every contender (so a shared machine's other
load does not decide which threaded library wins), in CPU time of the process:

  1. building [784, 128, 10]: mlp() and compile_vector(), and how many scalar weight
     symbols they made (none: the vector backend never builds the scalar graph);
  2. loss + gradients on a batch, for every hidden activation × every loss, on
     [784, 128, 10] and on the 3-layer [784, 128, 64, 10]: compile_vector against a
     hand-written numpy backprop of the same network (textbook formulas: σ = 1/(1+e^{-z}),
     δ = (a − y) ⊙ σ′ ...; target ≤ 1.1×) and PyTorch CPU autograd (target ≤ 1×) when
     torch is installed (pip install ".[bench]"); each contender's gradients are checked
     against the hand-written ones before anything is timed;
  3. the directional gradient check of [784, 128, 10] (5 directions + 100 sampled entries);
  4. peak memory of one gradient evaluation (tracemalloc) against the hand-written one.

Output activations: softmax for cross entropy, sigmoid for every other loss (the ``output``
loss differentiates a single sigmoid output).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symbackprop.graph import mlp, notation  # noqa: E402
from symbackprop.numeric import compile_vector, directional_check  # noqa: E402

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity")
LOSSES = ("squared", "sse", "mse", "cross_entropy", "binary_cross_entropy", "output")
NETWORKS = ([784, 128, 10], [784, 128, 64, 10])


# ----- the hand-written baseline: what one writes from a textbook, per activation and loss

def _sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


#: activation: (f(Z), f'(Z, A) or None for 1)
HAND_ACT = {
    "sigmoid": (_sigmoid, lambda Z, A: A * (1.0 - A)),
    "tanh": (np.tanh, lambda Z, A: 1.0 - A * A),
    "relu": (lambda Z: np.maximum(Z, 0.0), lambda Z, A: Z > 0),
    "leaky_relu": (lambda Z: np.where(Z > 0, Z, 0.01 * Z), lambda Z, A: np.where(Z > 0, 1.0, 0.01)),
    "softplus": (lambda Z: np.logaddexp(0.0, Z), lambda Z, A: _sigmoid(Z)),
    "identity": (lambda Z: Z, None),
}


def _hand_output(loss, Z, Y):
    """(per-sample losses, δ of the output layer) of the textbook formulas."""
    if loss == "cross_entropy":
        S = Z - Z.max(axis=1, keepdims=True)
        logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
        return -(Y * logp).sum(axis=1), np.exp(logp) - Y
    A = _sigmoid(Z)
    if loss == "binary_cross_entropy":
        return (np.logaddexp(0.0, Z) - Y * Z).sum(axis=1), A - Y
    if loss == "output":
        return A[:, 0], A * (1.0 - A)
    E = A - Y
    scale = {"squared": 0.5, "sse": 1.0, "mse": 1.0 / Y.shape[1]}[loss]
    return scale * (E * E).sum(axis=1), 2.0 * scale * E * A * (1.0 - A)


def hand_written(activation, loss):
    f, df = HAND_ACT[activation]

    def run(p, X, Y):
        m, depth = X.shape[0], len(p) // 2
        As, Zs = [X], []
        for l in range(1, depth):
            Z = As[-1] @ p[f"W{l}"].T + p[f"b{l}"]
            Zs.append(Z)
            As.append(f(Z))
        per_sample, D = _hand_output(loss, As[-1] @ p[f"W{depth}"].T + p[f"b{depth}"], Y)
        D = D / m
        g = {}
        for l in range(depth, 0, -1):
            g[f"W{l}"] = D.T @ As[l - 1]
            g[f"b{l}"] = D.sum(axis=0)
            if l > 1:
                D = D @ p[f"W{l}"]
                if df is not None:
                    D = D * df(Zs[l - 2], As[l - 1])
        return float(per_sample.mean()), g

    return run


def torch_runner(activation, loss, p, X, Y):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    F = torch.nn.functional
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "softplus": F.softplus,
           "identity": lambda z: z}[activation]
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    depth, m = len(p) // 2, X.shape[0]

    def run(_p, _X, _Y):
        for t in tp.values():
            t.grad = None
        A = tX
        for l in range(1, depth):
            A = act(F.linear(A, tp[f"W{l}"], tp[f"b{l}"]))
        Z = F.linear(A, tp[f"W{depth}"], tp[f"b{depth}"])
        if loss == "cross_entropy":
            total = -(tY * torch.log_softmax(Z, dim=1)).sum()
        elif loss == "binary_cross_entropy":
            total = F.binary_cross_entropy_with_logits(Z, tY, reduction="sum")
        elif loss == "output":
            total = torch.sigmoid(Z).sum()
        else:
            scale = {"squared": 0.5, "sse": 1.0, "mse": 1.0 / Y.shape[1]}[loss]
            total = scale * ((torch.sigmoid(Z) - tY) ** 2).sum()
        value = total / m
        value.backward()
        return value.item(), {k: t.grad.numpy() for k, t in tp.items()}

    return run


# ----- measuring

def best_of(fns, args, repeat):
    """Best CPU time of each contender, runs interleaved.  CPU time of this process, not wall
    time: every contender computes on one thread, so what other processes on a shared machine
    do (they made wall times of one contender vary 4× within a run) does not enter."""
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.process_time()
            fn(*args)
            times[name].append(time.process_time() - start)
    return {name: min(t) for name, t in times.items()}


def peak_memory(fn, args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def problem(layers, loss, batch, seed=0):
    rng = np.random.default_rng(seed)
    sizes = list(layers[:-1]) + [1 if loss == "output" else layers[-1]]
    p = {}
    for l in range(1, len(sizes)):
        p[f"W{l}"] = rng.normal(0, 1 / np.sqrt(sizes[l - 1]), (sizes[l], sizes[l - 1]))
        p[f"b{l}"] = rng.normal(0, 0.1, sizes[l])
    X = rng.random((batch, sizes[0]))
    if loss == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    elif loss == "output":
        Y = None
    else:
        Y = rng.random((batch, sizes[-1]))
    return sizes, p, X, Y


def network(sizes, activation, loss):
    out = "softmax" if loss == "cross_entropy" else "sigmoid"
    return mlp(sizes, activation=[activation] * (len(sizes) - 2) + [out], loss=loss)


def _with_targets(fn, Y):
    return lambda p, X, _: fn(p, X, Y)


def table(batch, repeat, networks, hidden, losses):
    print(f"\n2. Loss + gradients, batch {batch:,}, float64, best CPU time of {repeat}: ms, and ratios")
    head = (f"   {'network':<20}{'hidden':<12}{'loss':<22}{'ours':>8}{'hand':>8}{'torch':>8}"
            f"{'ours/hand':>11}{'ours/torch':>12}")
    print(head)
    worst_hand = worst_torch = 0.0
    for layers in networks:
        for activation in hidden:
            for loss in losses:
                sizes, p, X, Y = problem(layers, loss, batch)
                ours = compile_vector(network(sizes, activation, loss)).loss_and_gradients
                hand = hand_written(activation, loss)
                Yh = np.zeros((batch, 1)) if Y is None else Y
                # Every contender is called with the same (p, X, Y); the output loss has Y = None,
                # and the baselines read a column of zeros they ignore.
                contenders = {"ours": ours, "hand": _with_targets(hand, Yh)}
                torch_fn = torch_runner(activation, loss, p, X, Yh)
                if torch_fn is not None:
                    contenders["torch"] = torch_fn
                ref = hand(p, X, Yh)
                for name, fn in contenders.items():
                    value, grads = fn(p, X, Y)
                    err = max(float(np.abs(grads[k] - ref[1][k]).max() / (np.abs(ref[1][k]).max() + 1e-300))
                              for k in p)
                    if err > 1e-9 or abs(value - ref[0]) > 1e-9 * max(1.0, abs(ref[0])):
                        raise SystemExit(f"{name} disagrees with hand-written on {layers} {activation} "
                                         f"{loss}: "
                                         f"relative gradient error {err:.1e}")
                t = best_of(contenders, (p, X, Y), repeat)
                r_hand = t["ours"] / t["hand"]
                worst_hand = max(worst_hand, r_hand)
                line = (f"   {sizes!s:<20}{activation:<12}{loss:<22}"
                        f"{t['ours'] * 1e3:8.1f}{t['hand'] * 1e3:8.1f}")
                if "torch" in t:
                    r_torch = t["ours"] / t["torch"]
                    worst_torch = max(worst_torch, r_torch)
                    line += f"{t['torch'] * 1e3:8.1f}{r_hand:10.2f}×{r_torch:11.2f}×"
                else:
                    line += f"{'-':>8}{r_hand:10.2f}×{'-':>12}"
                print(line, flush=True)
    print(f"   worst ratio to hand-written {worst_hand:.2f}× (target ≤ 1.1×)"
          + (f"; worst ratio to torch {worst_torch:.2f}× (target ≤ 1×)" if worst_torch else
             "; torch skipped: not installed (pip install \".[bench]\")"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="[784, 128, 10] only, sigmoid and relu, two losses")
    args = ap.parse_args(argv)
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if k in os.environ}
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, env {env}")

    layers = list(NETWORKS[0])
    notation.symbol_for.cache_clear()
    start = time.perf_counter()
    net = mlp(layers, activation=["relu", "softmax"], loss="cross_entropy")
    t_mlp = time.perf_counter() - start
    start = time.perf_counter()
    f = compile_vector(net)
    t_compile = time.perf_counter() - start
    made = notation.symbol_for.cache_info().currsize
    print(f"1. build mlp({layers}) {t_mlp * 1e3:.1f} ms, compile_vector {t_compile:.2f} s (target < 2 s); "
          f"{made} symbols made for {net.n_params:,} parameters")

    if args.quick:
        table(args.batch, args.repeat, NETWORKS[:1], ("sigmoid", "relu"), ("squared", "cross_entropy"))
    else:
        table(args.batch, args.repeat, NETWORKS, HIDDEN, LOSSES)

    _, p, X, Y = problem(layers, "cross_entropy", args.batch)
    start = time.perf_counter()
    report = directional_check(f, p, X, Y, samples=100)
    print(f"\n3. check {report} ({time.perf_counter() - start:.2f} s, target < 10 s)")

    hand = hand_written("relu", "cross_entropy")
    mem_vec = peak_memory(f.loss_and_gradients, (p, X, Y))
    mem_hand = peak_memory(hand, (p, X, Y))
    print(f"4. memory peak of one gradient, relu/softmax: ours {mem_vec / 2**20:.1f} MiB, hand-written "
          f"{mem_hand / 2**20:.1f} MiB: {mem_vec / mem_hand:.2f}× (target ≤ 1.5×; X, "
          f"{X.nbytes / 2**20:.0f} MiB, is allocated before)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
