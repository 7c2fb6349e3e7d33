"""Benchmark of verdicts (issue 10): python benchmarks/bench_verify.py

1. Vector-form verdicts on [784, 128, 10] (sigmoid, squared loss), the network built once
   beforehand (its ``mlp()`` time is printed too): two correct formulas (every entry of
   ∂L/∂W⁽¹⁾, 100,352 of them, and the δ⁽¹⁾ recursion), a product that is not defined, and a
   missing f′ that needs the repairs to be named.  Baseline in the same run: one
   ``compile_vector`` plus one true gradient, the least any numeric check must do.
   Target: each verdict under 2 s.
2. ``symbackprop verify`` on a 2-2-1 network as a whole process (interpreter start, imports,
   derivation, verdict), against ``python -c "import symbackprop"`` in the same run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

import numpy as np

import symbackprop as sbp
from symbackprop.numeric.vector import compile_vector
from symbackprop.verify import verify

SIGMA = "\\sigma'"
VERDICTS = [
    ("∂L/∂W⁽¹⁾ = δ⁽¹⁾xᵀ (correct)", r"\frac{\partial L}{\partial W^{(1)}} = \delta^{(1)} x^T"),
    ("δ⁽¹⁾ recursion (correct)", rf"\delta^{{(1)}} = (W^{{(2)}})^T \delta^{{(2)}} \odot {SIGMA}(z^{{(1)}})"),
    ("W⁽²⁾δ⁽²⁾: not defined", rf"\delta^{{(1)}} = W^{{(2)}} \delta^{{(2)}} \odot {SIGMA}(z^{{(1)}})"),
    ("f′ missing: named by repair", r"\delta^{(1)} = (W^{(2)})^T \delta^{(2)}"),
]


def _time(fn, repeat: int = 3) -> tuple[float, object, float]:
    """Best of ``repeat`` runs, the result, and the first run (caches cold)."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out, times[0]


def _process(argv: list[str], repeat: int = 3) -> float:
    def run() -> None:
        subprocess.run(argv, check=False, capture_output=True)
    return _time(run, repeat)[0]


def main() -> None:
    start = time.perf_counter()
    net = sbp.mlp([784, 128, 10])
    print(f"[784, 128, 10]: mlp() {time.perf_counter() - start:.2f} s (not counted below)")
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(128, 784)) / 28, "b1": np.zeros(128),
              "W2": rng.normal(size=(10, 128)) / 11, "b2": np.zeros(10)}

    def baseline() -> None:
        compile_vector(net).loss_and_gradients(params, rng.uniform(size=784), rng.uniform(size=10))

    base, _, cold = _time(baseline)
    print(f"baseline (compile_vector + one gradient): {base:.2f} s (first run {cold:.2f} s)\n")
    print("| verdict | status | method | time (first run) | vs baseline | target |")
    print("|---|---|---|---|---|---|")
    for label, formula in VERDICTS:
        t, v, first = _time(lambda f=formula: verify(net, None, f))
        kind = f", {v.diagnosis.kind}" if v.diagnosis else ""  # type: ignore[attr-defined]
        print(f"| {label} | {v.status}{kind} | {v.method} | {t:.2f} s ({first:.2f} s) | "  # type: ignore[attr-defined]
              f"{t / base:.1f}× | < 2 s |")

    exe = [sys.executable, "-m", "symbackprop", "verify", "2-2-1", "--formula",
           r"\frac{\partial L}{\partial w^{(1)}_{12}} = \delta^{(2)}_1 w^{(2)}_{11} \sigma'(z^{(1)}_1) x_2"]
    imports = _process([sys.executable, "-c", "import symbackprop"])
    whole = _process(exe)
    print(f"\n`symbackprop verify 2-2-1` (one equation), whole process: {whole:.2f} s; "
          f"`import symbackprop` alone: {imports:.2f} s ({whole / imports:.1f}×)")


if __name__ == "__main__":
    main()
