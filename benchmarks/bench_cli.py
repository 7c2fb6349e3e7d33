"""Whole-process start-up: the command line and ``import symbackprop``, against importing SymPy.

Run from the repository root:  python benchmarks/bench_cli.py [--repeat 5]

Each command runs as a fresh process (what a user waits for), interleaved with the others,
best of --repeat; the baseline is ``python -c "import sympy"``, the floor every command
stands on, measured in the same run.  Targets: ``symbackprop verify`` on a small network
under 0.4 s, ``symbackprop sheet`` on 2-2-2 under 0.8 s.  The import's own breakdown comes
from ``python -X importtime``.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CLI = [PY, "-m", "symbackprop"]
FORMULA = "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1"

COMMANDS = {
    "python -c 'import sympy' (baseline)": ([PY, "-c", "import sympy"], None),
    "python -c 'import symbackprop'": ([PY, "-c", "import symbackprop"], None),
    "symbackprop --help": ([*CLI, "--help"], None),
    "symbackprop verify 2-2-1 --param w2_11 --formula ...": (
        [*CLI, "verify", "2-2-1", "--param", "w2_11", "--formula", FORMULA], 0.4),
    "symbackprop sheet (2-2-2 with numbers, Markdown)": ([*CLI, "sheet"], 0.8),
    "symbackprop sheet -o sheet.html": ([*CLI, "sheet", "-o", "{tmp}/sheet.html"], None),
    "symbackprop derive 2-2-2": ([*CLI, "derive", "2-2-2"], None),
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU: what the process spent, whatever else runs)."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def import_breakdown() -> list[tuple[str, float]]:
    result = subprocess.run([PY, "-X", "importtime", "-c", "import symbackprop"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    totals = {}
    for line in result.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m[2]) <= 3:  # top-level packages and their direct imports
            totals[m[3]] = int(m[1]) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])[:6]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        commands = {name: ([a.replace("{tmp}", tmp) for a in argv_], target)
                    for name, (argv_, target) in COMMANDS.items()}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for name, (argv_, _) in commands.items():
            run(argv_)  # warm the file cache and .pyc files
        for _ in range(args.repeat):
            for name, (argv_, _) in commands.items():
                times[name].append(run(argv_))
    base = min(times[next(iter(times))])
    print(f"Whole process, best of {args.repeat} (python {sys.version.split()[0]}); wall and CPU seconds")
    print(f"   {'command':<56}{'wall':>7}{'CPU':>7}{'× sympy':>9}  target (wall)")
    for name, (_, target) in commands.items():
        best = min(times[name])
        verdict = "" if target is None else f"< {target} s {'ok' if best[0] < target else 'MISSED'}"
        print(f"   {name:<56}{best[0]:>7.3f}{min(c for _, c in times[name]):>7.3f}"
              f"{best[0] / base[0]:>8.2f}×  {verdict}")
    print("\n`python -X importtime -c 'import symbackprop'`, cumulative seconds of the largest imports:")
    for module, seconds in import_breakdown():
        print(f"   {module:<40}{seconds:>7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
