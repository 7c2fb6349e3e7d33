"""How long building a network and deriving every parameter in δ form takes.

Run from the project root:  python benchmarks/bench_derive.py  [--quick]

Three tables:
1. the issue's targets: mlp() + derive() + every parameter's δ form (bp.items()) for
   [16, 64, 64, 10] (< 0.3 s) and [784, 128, 10] (101,770 parameters, < 2 s), from the
   layers, with the peak of Python memory (tracemalloc, a separate untimed run), against
   the same read one parameter at a time (``bp[p]`` for every ``p in net.params``, same
   targets) and the route through the scalar graph (made first, then derived node by
   node), timed in the same run;
2. linearity: time per connection for networks of growing width, against the time to
   merely create the same number of symbols, measured in the same run;
3. why: local partials of one neuron's weighted sum (what derive does on a general graph)
   against the naive route, ``sympy.diff`` of the whole sum once per weight, which is
   quadratic in the fan-in.

Every measurement starts from cold caches (SymPy's and the notation's symbol cache), so a
repeated network is not cheaper than a new one; SymPy's one-time lazy imports are paid by a
small network before anything is timed.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
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
    # What an earlier run left (a Backprop and its derivations refer to each other, so only
    # the collector frees them) would otherwise be walked, and freed, inside the next timing.
    gc.collect()


def _timed(f, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of up to ``repeat`` cold runs (one when it takes over five seconds)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        if best != float("inf") and best > 5.0:
            break
        result = None  # the last run's result is not part of this one's heap
        _cold()
        start = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - start)
    return best, result


def connections(layers: list[int]) -> int:
    return sum(a * b for a, b in zip(layers, layers[1:]))


def _all_forms(layers: list[int], *, through_graph: bool = False, indexed: bool = False) -> dict:
    net = sbp.mlp(layers)
    if through_graph:
        net.nodes  # noqa: B018 - the scalar graph, made as before (a node per neuron)
    bp = sbp.derive(net)
    if indexed:  # the public one-at-a-time route: bp[p] for every parameter
        return {p: bp[p].delta_form for p in net.params}
    return {p: d.delta_form for p, d in bp.items()}


def _digest(forms: dict) -> tuple[int, int]:
    """How many forms, and a hash of every (parameter, form) pair."""
    return len(forms), hash(frozenset(forms.items()))


def _peak_mib(f) -> float:
    _cold()
    tracemalloc.start()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _cpu(f, repeat: int) -> float:
    """Best CPU time of cold runs: what the process itself spent, whatever else the machine runs."""
    best = float("inf")
    for _ in range(repeat):
        _cold()
        start = time.process_time()
        f()
        best = min(best, time.process_time() - start)
    return best


def targets(repeat: int, quick: bool) -> None:
    print("1. Targets: mlp() + derive() + every δ form, sigmoid, squared loss (best of cold runs)")
    print(f"   {'layers':<18}{'params':>9}{'wall s':>9}{'CPU s':>8}{'target':>9}{'peak MiB':>10}"
          f"{'bp[p] s':>9}{'/items':>7}{'via graph s':>13}{'speed-up':>10}")
    _all_forms([2, 3, 2])  # SymPy's lazy imports, once per process
    for layers, limit in (([16, 64, 64, 10], 0.3), ([784, 128, 10], 2.0)):
        t_all, forms = _timed(lambda: _all_forms(layers), repeat)
        # Compared by SymPy's structural hash, so the forms of one route are not alive (and
        # walked by the garbage collector) while the other is timed.
        forms = _digest(forms)
        cpu = _cpu(lambda: _all_forms(layers), repeat)
        verdict = "ok" if t_all < limit else "MISSED"
        peak = _peak_mib(lambda: _all_forms(layers))
        t_indexed, by_index = _timed(lambda: _all_forms(layers, indexed=True), repeat)
        assert _digest(by_index) == forms, "bp[p] and bp.items() disagree"
        del by_index
        verdict += "" if t_indexed < limit else " (bp[p] MISSED)"
        line = (f"   {str(layers):<18}{forms[0]:>9,}{t_all:>9.2f}{cpu:>8.2f}{'< ' + str(limit) + ' s':>9}"
                f"{peak:>10.0f}{t_indexed:>9.2f}{t_indexed / t_all:>6.2f}×")
        if quick and forms[0] > 10_000:
            print(line + f"{'-':>13}{'-':>10} {verdict}")
            continue
        t_graph, old = _timed(lambda: _all_forms(layers, through_graph=True), 1)
        assert _digest(old) == forms, "the two routes disagree"
        print(line + f"{t_graph:>13.2f}{t_graph / t_all:>9.1f}× {verdict}")


def _symbols_only(layers: list[int]) -> list:
    """The baseline: create one symbol per weight, nothing else."""
    return [n.weight_rows(l, layers[l], layers[l - 1]) for l in range(1, len(layers))]


def linearity(widths: list[int], repeat: int) -> None:
    print("\n2. Linearity: [w, w, 10] networks, every δ form; μs per connection")
    print(f"   {'w':>5}{'connections':>13}{'all forms s':>14}{'μs/conn':>9}"
          f"{'symbols s':>11}{'μs/conn':>9}{'ratio':>7}")
    for w in widths:
        layers = [w, w, 10]
        conn = connections(layers)
        t_all, _ = _timed(lambda: _all_forms(layers), repeat)
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
    targets(repeat, args.quick)
    linearity([32, 64, 128] if args.quick else [32, 64, 128, 256, 512], repeat)
    fan_in([100, 200, 400] if args.quick else [100, 200, 400, 800], repeat)


if __name__ == "__main__":
    main()
