"""Whole-process start-up: the command line and ``import symbackprop``, against importing SymPy.

Run from the repository root:  python benchmarks/bench_cli.py [--repeat 5]

Each command runs as a fresh process (what a user waits for), interleaved with the others,
from a scratch directory (so the installed copy runs, not the source tree), best of
--repeat; the baseline is ``python -c "import sympy"``, the floor every command stands on,
measured in the same run.  Targets, as ratios to that baseline (CPU time, which other load
on the machine disturbs less than wall time): ``verify`` within 1.3×, ``sheet`` within 1.8×.
Where the rest goes: SymPy's own lazy imports on first use (``Add`` imports
``sympy.tensor``), lark, and the stages the command runs, from ``python -X importtime``.
"""

from __future__ import annotations

import argparse
import os
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
#: The floor under every command that reads a formula: SymPy, the parser library, and SymPy's
#: own lazy imports on its first sum of three terms (``Add.flatten`` imports ``sympy.tensor``,
#: which imports ``sympy.combinatorics``), before any of this package's code runs.
FIRST_SUM = "import sympy, lark; x, y, z = sympy.symbols('x y z'); x + y + z"

COMMANDS = {
    "python -c 'import sympy' (baseline)": ([PY, "-c", "import sympy"], None),
    "python -c 'import sympy, lark'": ([PY, "-c", "import sympy, lark"], None),
    "... and add three symbols (SymPy's first sum)": ([PY, "-c", FIRST_SUM], None),
    "python -c 'import symbackprop'": ([PY, "-c", "import symbackprop"], None),
    "symbackprop --help": ([*CLI, "--help"], None),
    "symbackprop verify 2-2-1 --param w2_11 --formula ...": (
        [*CLI, "verify", "2-2-1", "--param", "w2_11", "--formula", FORMULA], 1.3),
    "symbackprop sheet (2-2-2 with numbers, Markdown)": ([*CLI, "sheet"], 1.8),
    "symbackprop sheet -o sheet.html": ([*CLI, "sheet", "-o", "{tmp}/sheet.html"], None),
    "symbackprop derive 2-2-2": ([*CLI, "derive", "2-2-2"], None),
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_env(tmp: str) -> dict[str, str]:
    """The environment of every measured process: bytecode is cached, in a scratch folder.

    An installed package has its ``.pyc`` files (pip compiles them), but an editable install
    run with ``PYTHONDONTWRITEBYTECODE`` set compiles this package's sources in every process,
    which SymPy, already compiled, does not pay: about 0.08 s that no user waits for.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
    return env


def run(argv: list[str], cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU: what the process spent, whatever else runs)."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=child_env(cwd))
    return time.perf_counter() - start, _children_cpu() - cpu


def import_breakdown(cwd: str) -> list[tuple[str, float]]:
    """Cumulative import seconds of the top-level imports of ``symbackprop verify``."""
    argv = [*CLI[:1], "-X", "importtime", *CLI[1:], "verify", "2-2-1", "--param", "w2_11", "--formula", FORMULA]
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True, env=child_env(cwd))
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m[2]) <= 3:  # imported at the top level or one below
            totals[m[3]] = totals.get(m[3], 0.0) + int(m[1]) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])[:10]


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
            run(argv_, tmp)  # warm the file cache and .pyc files
        for _ in range(args.repeat):
            for name, (argv_, _) in commands.items():
                times[name].append(run(argv_, tmp))
        breakdown = import_breakdown(tmp)
    base = min(times[next(iter(times))])
    print(f"Whole process, best of {args.repeat} (python {sys.version.split()[0]}); wall and CPU seconds")
    print(f"   {'command':<56}{'wall':>7}{'CPU':>7}{'× wall':>8}{'× CPU':>8}  target (CPU ratio)")
    base_cpu = min(c for _, c in times[next(iter(times))])
    for name, (_, target) in commands.items():
        best = min(times[name])
        cpu = min(c for _, c in times[name])
        verdict = "" if target is None else f"≤ {target}× {'ok' if cpu / base_cpu <= target else 'MISSED'}"
        print(f"   {name:<56}{best[0]:>7.3f}{cpu:>7.3f}{best[0] / base[0]:>7.2f}×{cpu / base_cpu:>7.2f}×  {verdict}")
    print("\n`python -X importtime -m symbackprop verify ...`, cumulative seconds of the largest imports:")
    for module, seconds in breakdown:
        print(f"   {module:<40}{seconds:>7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
