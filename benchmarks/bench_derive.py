"""How long building a network and deriving every parameter in δ form takes.

Run from the project root:  python benchmarks/bench_derive.py  [--quick]

Three tables:
1. the issue's targets: mlp() + derive() for [16, 64, 64, 10] (< 1 s) and [784, 128, 10]
   (101,770 parameters, < 10 s);
2. linearity: time per connection for networks of growing width, against the time to
   merely create the same number of symbols, measured in the same run;
3. why: local partials of one neuron's weighted sum (what derive does) against the naive
   route, ``sympy.diff`` of the whole sum once per weight, which is quadratic in the fan-in.

Every measurement starts from cold caches (SymPy's and the notation's symbol cache), so a
repeated network is not cheaper than a new one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

import symbackprop as sbp  # noqa: E402
from symbackprop.derive.partials import local_partials  # noqa: E402
from symbackprop.graph import notation as n  # noqa: E402


def _cold() -> None:
    clear_cache()
    n.symbol_for.cache_clear()


def _timed(f, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of up to ``repeat`` cold runs (one when it takes over a second)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        if best != float("inf") and best > 1.0:
            break
        _cold()
        start = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - start)
    return best, result


def connections(layers: list[int]) -> int:
    return sum(a * b for a, b in zip(layers, layers[1:]))


def targets(repeat: int) -> None:
    print("1. Targets: mlp() + derive(), sigmoid, squared loss")
    print(f"   {'layers':<18}{'params':>9}{'mlp s':>9}{'derive s':>10}{'total s':>9}{'target':>8}")
    for layers, limit in (([16, 64, 64, 10], 1.0), ([784, 128, 10], 10.0)):
        t_net, net = _timed(lambda: sbp.mlp(layers), repeat)
        t_der, _ = _timed(lambda: sbp.derive(net), repeat)
        total = t_net + t_der
        verdict = "ok" if total < limit else "MISSED"
        print(f"   {str(layers):<18}{net.n_params:>9,}{t_net:>9.2f}{t_der:>10.2f}{total:>9.2f}"
              f"{'< ' + str(int(limit)) + ' s':>8} {verdict}")


def _symbols_only(layers: list[int]) -> list[sp.Symbol]:
    """The baseline: create one symbol per weight, nothing else."""
    return [n.weight(l, j, i) for l in range(1, len(layers))
            for j in range(1, layers[l] + 1) for i in range(1, layers[l - 1] + 1)]


def linearity(widths: list[int], repeat: int) -> None:
    print("\n2. Linearity: [w, w, 10] networks; μs per connection")
    print(f"   {'w':>5}{'connections':>13}{'mlp+derive s':>14}{'μs/conn':>9}"
          f"{'symbols s':>11}{'μs/conn':>9}{'ratio':>7}")
    for w in widths:
        layers = [w, w, 10]
        conn = connections(layers)
        t_all, _ = _timed(lambda: sbp.derive(sbp.mlp(layers)), repeat)
        t_sym, _ = _timed(lambda: _symbols_only(layers), repeat)
        print(f"   {w:>5}{conn:>13,}{t_all:>14.3f}{1e6 * t_all / conn:>9.2f}"
              f"{t_sym:>11.3f}{1e6 * t_sym / conn:>9.2f}{t_all / t_sym:>7.1f}")


def fan_in(sizes: list[int], repeat: int) -> None:
    print("\n3. One neuron's partials ∂z/∂w_i for every weight: derive's local partials "
          "vs sympy.diff of the whole sum per weight")
    print(f"   {'fan-in':>7}{'local s':>10}{'naive s':>10}{'naive/local':>13}{'naive μs/w':>12}")
    for size in sizes:
        g = sbp.Graph()
        xs = g.inputs([f"x{i}" for i in range(size)])
        ws = g.parameters([f"w{i}" for i in range(size)])
        z = g.node("z", sp.Add(*[w * x for w, x in zip(ws, xs)]))
        expr = g.node_of(z).expr
        t_local, table = _timed(lambda: local_partials(g, z), repeat)
        t_naive, naive = _timed(lambda: {w: sp.diff(expr, w) for w in ws}, repeat)
        assert all(table[w] == naive[w] for w in ws)
        print(f"   {size:>7}{t_local:>10.4f}{t_naive:>10.4f}{t_naive / t_local:>13.1f}"
              f"{1e6 * t_naive / size:>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes, one run each")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    print(f"symbackprop {sbp.__version__}, sympy {sp.__version__}, python {sys.version.split()[0]}\n")
    targets(1)
    linearity([32, 64, 128] if args.quick else [32, 64, 128, 256, 512], repeat)
    fan_in([100, 200, 400] if args.quick else [100, 200, 400, 800], repeat)


if __name__ == "__main__":
    main()
