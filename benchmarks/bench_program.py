"""Array programs: the makemore program through the command line, and its gradient at scale.

Run from the repository root:  python benchmarks/bench_program.py [--repeat 5] [--where]

Two measurements, each against a baseline measured in the same run (the machine is shared,
so only ratios within one run mean anything):

  1. Whole processes, best of --repeat, interleaved: ``symbackprop grad
     examples/makemore.toml --json`` and ``symbackprop check examples/makemore.toml``
     (central differences on all 4,137 entries), each against ``python -c "import sympy"``.
     Target: each under 2×.
  2. The gradient of the makemore program at batch 10,000, float64: the numpy route
     (``compile_program(...).loss_and_gradients``) against PyTorch CPU eager autograd
     running the spec's own code (``pip install ".[bench]"``), one thread each, contenders
     interleaved, best of --repeat in CPU seconds.  Both gradients are compared before
     anything is timed.  Target: within 1.2×.

``--where`` adds where the time goes, in CPU seconds: the imports a program command makes,
step by step in a fresh process, and the phases of grad and check in one process (reading
the spec, deriving, compiling, the gradient, the check's numeric work).  Verdicts use CPU
time, which another process's load disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread for numpy's BLAS, here and in every child process

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symbackprop.derive.programs import Program  # noqa: E402
from symbackprop.numeric.array_check import check_program  # noqa: E402
from symbackprop.numeric.array_eval import compile_program  # noqa: E402
from symbackprop.read import load_spec  # noqa: E402
from symbackprop.read.code import read_program  # noqa: E402

PY = sys.executable
MAKEMORE = "examples/makemore.toml"
BATCH = 10_000


def _script() -> list[str]:
    """The ``symbackprop`` command as a user runs it (the console script beside this Python)."""
    exe = shutil.which("symbackprop", path=str(Path(PY).parent))
    return [exe] if exe else [PY, "-m", "symbackprop"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: The children's environment: .pyc files written and read, as in a user's installation
#: (pip compiles them at install); with PYTHONDONTWRITEBYTECODE set, every process compiled
#: this package's modules from source again, 0.2-0.3 s that no user pays.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    return time.perf_counter() - start, _children_cpu() - cpu


def processes(repeat: int) -> None:
    commands = {
        "python -c 'import sympy' (baseline)": [PY, "-c", "import sympy"],
        f"symbackprop grad {MAKEMORE} --json": [*_script(), "grad", MAKEMORE, "--json"],
        f"symbackprop check {MAKEMORE}": [*_script(), "check", MAKEMORE],
    }
    for argv in commands.values():
        run(argv)  # warm the file cache and the .pyc files
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(run(argv))
    base_wall = min(w for w, _ in times[next(iter(times))])
    base_cpu = min(c for _, c in times[next(iter(times))])
    print(f"1. Whole processes, best of {repeat} (python {sys.version.split()[0]}), seconds; target < 2× the baseline"
          " (verdict on CPU time)")
    print(f"   {'command':<52}{'wall':>7}{'CPU':>7}{'× wall':>8}{'× CPU':>7}")
    for name in commands:
        wall, cpu = min(w for w, _ in times[name]), min(c for _, c in times[name])
        verdict = "" if name.startswith("python") else ("  ok" if cpu < 2 * base_cpu else "  MISSED")
        print(f"   {name:<52}{wall:>7.3f}{cpu:>7.3f}{wall / base_wall:>7.2f}×{cpu / base_cpu:>6.2f}×{verdict}")


def batch_program(batch: int) -> Program:
    """The makemore program of the spec at another batch size (the code unchanged)."""
    spec = load_spec(ROOT / MAKEMORE).network
    shapes: dict[str, object] = {}
    for leaf in spec.leaves:
        if leaf.kind == "const":
            shapes[leaf.name] = batch if leaf.name == "n" else leaf.value
        elif leaf.kind == "int":
            shapes[leaf.name] = {"shape": [batch, *leaf.shape[1:]], "integers": leaf.bound}
        else:
            shapes[leaf.name] = list(leaf.shape)
    return Program(read_program(spec.code, shapes, loss=spec.loss))


def _torch_route(p: Program, arrays: dict[str, np.ndarray]):
    import torch

    torch.set_num_threads(1)
    code = compile(p.forward.code, "<makemore>", "exec")  # the spec's code, run by the benchmark
    leaves, fixed = {}, {}
    for leaf in p.forward.leaves:
        if leaf.kind == "const":
            fixed[leaf.name] = leaf.value
        elif leaf.kind == "float":
            leaves[leaf.name] = torch.tensor(arrays[leaf.name], dtype=torch.float64, requires_grad=True)
        else:
            fixed[leaf.name] = torch.tensor(arrays[leaf.name])

    def gradient() -> tuple[float, dict[str, np.ndarray]]:
        for t in leaves.values():
            t.grad = None
        namespace = {"torch": torch, "F": torch.nn.functional, **fixed, **leaves}
        exec(code, namespace)
        loss = namespace[p.loss]
        loss.backward()
        return loss.item(), {k: t.grad for k, t in leaves.items()}

    return gradient


def at_scale(repeat: int, batch: int) -> None:
    p = batch_program(batch)
    numbers = compile_program(p.forward, p.backward)
    arrays = numbers.draw(0)

    def ours():
        return numbers.loss_and_gradients(arrays)

    print(f"\n2. Gradient of the makemore program at batch {batch:,}, float64, one thread each, "
          f"best of {repeat} in CPU seconds; target ≤ 1.2× PyTorch")
    try:
        theirs = _torch_route(p, arrays)
    except ImportError:
        print("   PyTorch is not installed (pip install \".[bench]\"): only the numpy route is timed")
        theirs = None
    loss, grads = ours()
    if theirs is not None:
        tloss, tgrads = theirs()
        worst = max(float(np.max(np.abs(grads[k] - tgrads[k].numpy()))) for k in grads)
        assert abs(loss - tloss) <= 1e-12 * abs(tloss) and worst < 1e-12, (loss, tloss, worst)
        print(f"   same numbers: loss {loss:.12g} both ways, largest gradient difference {worst:.1e}")
    best = {"numpy route": float("inf"), "PyTorch eager": float("inf")}
    for _ in range(repeat):
        for name, fn in (("numpy route", ours), ("PyTorch eager", theirs)):
            if fn is None:
                continue
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    for name, seconds in best.items():
        if seconds < float("inf"):
            print(f"   {name:<16}{seconds * 1e3:>8.1f} ms")
    if theirs is not None:
        ratio = best["numpy route"] / best["PyTorch eager"]
        print(f"   numpy route / PyTorch = {ratio:.2f}×  {'ok' if ratio <= 1.2 else 'MISSED'}")


#: What a program command imports, in the order it happens, each step timed in CPU seconds
#: in a fresh process: the package (its stages load on use), numpy, and the modules the program
#: path runs with everything they import; last, whether SymPy or lark came with them (they
#: should not: code is read into array terms and computed with numpy).
_IMPORTS = """
import sys, time
marks = [time.process_time()]
import symbackprop; marks.append(time.process_time())
import numpy; marks.append(time.process_time())
import symbackprop.numeric.array_check, symbackprop.cli.program, symbackprop.derive.programs
marks.append(time.process_time())
print(*(b - a for a, b in zip(marks, marks[1:])), int(any(m.split(".")[0] in ("sympy", "lark") for m in sys.modules)))
"""
_STEPS = ("import symbackprop (its stages load on use)", "numpy",
          "the program modules, with all they import")


def where(repeat: int) -> None:
    """Where a grad and a check of makemore spend their time, in CPU seconds."""
    best = [float("inf")] * len(_STEPS)
    for _ in range(repeat):
        out = subprocess.run([PY, "-c", _IMPORTS], cwd=ROOT, capture_output=True, text=True, check=True,
                             env=CHILD_ENV).stdout
        *times, symbolic = out.split()
        best = [min(b, float(x)) for b, x in zip(best, times)]
    print(f"\n3. Where the time goes, best of {repeat}, CPU seconds. Imports, step by step in a fresh process:")
    for name, seconds in zip(_STEPS, best):
        print(f"   {name:<58}{seconds:>7.3f}")
    print(f"   SymPy or lark loaded by them: {'yes (a regression)' if symbolic == '1' else 'no'}")
    phases: dict[str, float] = {}
    for _ in range(repeat):
        start = time.process_time()
        spec = load_spec(ROOT / MAKEMORE)
        t1 = time.process_time()
        p = Program(spec.network)
        p.backward  # noqa: B018 -- derive now, to time it
        t2 = time.process_time()
        numbers = compile_program(p.forward, p.backward)
        arrays = numbers.draw(0)
        t3 = time.process_time()
        numbers.loss_and_gradients(arrays)
        t4 = time.process_time()
        check_program(p, seed=0)
        t5 = time.process_time()
        for name, seconds in (("read the spec and the code", t1 - start), ("derive the backward program", t2 - t1),
                              ("compile and draw the numbers", t3 - t2), ("loss and gradients", t4 - t3),
                              ("check: every entry by central differences", t5 - t4)):
            phases[name] = min(phases.get(name, float("inf")), seconds)
    print("   Then the work itself, in one process:")
    for name, seconds in phases.items():
        print(f"   {name:<58}{seconds:>7.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--where", action="store_true", help="also show where the time goes")
    args = ap.parse_args(argv)
    processes(args.repeat)
    at_scale(args.repeat, args.batch)
    if args.where:
        where(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
