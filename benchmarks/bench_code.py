"""Benchmark of verdicts on backward cells (issue 20): python benchmarks/bench_code.py

The makemore program (examples/makemore.toml) and three cells: the exercise's own (26
gradients, all right), the four planted mistakes (nine wrong, four roots, each found by its
repair) and a cell with a missing path at the top (21 wrong, one root).  Baseline in the same
run: deriving the program's backward pass and one loss and gradient in numpy
(``compile_program(...).loss_and_gradients``), the least a numeric check must do.  Each
verdict compares at three points; printed: best of 3 wall and CPU times (ratios of CPU time), the work counted (array
entries of the runs and of the search), and the ratio to the baseline.  Target: every
verdict under 2 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

from symbackprop.derive.programs import Program  # noqa: E402
from symbackprop.numeric.array_eval import compile_program  # noqa: E402
from symbackprop.read import load_spec  # noqa: E402
from symbackprop.verify import code_verdict  # noqa: E402

SPEC = str(ROOT / "examples" / "makemore.toml")
CELL = (ROOT / "examples" / "makemore_backward.py").read_text()
CELLS = [
    ("the exercise's own cell", CELL),
    ("four planted mistakes", (ROOT / "examples" / "makemore_backward_mistakes.py").read_text()),
    ("a missing path at the top", CELL.replace("dcounts += torch.ones_like(counts) * dcounts_sum\n", "")),
]


def _time(fn, repeat: int = 3) -> tuple[float, float, object]:
    """Best wall and best CPU time of ``repeat`` runs (the machine is shared), and the result."""
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = min(wall, time.perf_counter() - start), min(cpu, time.process_time() - start_cpu)
    return wall, cpu, out


def main() -> None:
    def baseline() -> None:
        program = Program(load_spec(SPEC).network)
        numbers = compile_program(program.forward, program.backward)
        numbers.loss_and_gradients(numbers.draw(0))

    base_wall, base, _ = _time(baseline)
    print(f"baseline (read the spec, derive the backward pass, one loss and gradient): {base_wall:.3f} s wall, "
          f"{base:.3f} s CPU\n")
    print("| cell | verdicts | wrong (roots) | search work | wall | CPU | CPU vs baseline | target |")
    print("|---|---|---|---|---|---|---|---|")
    spent: dict[str, int] = {}
    original = code_verdict._Judge.__init__

    def spy(self, *args, **kwargs) -> None:  # the search's work, as the judge counts it
        original(self, *args, **kwargs)
        spent["judge"] = self

    code_verdict._Judge.__init__ = spy  # type: ignore[method-assign]
    for label, cell in CELLS:
        wall, t, v = _time(lambda c=cell: code_verdict.verify_code(SPEC, c))
        wrong = sum(not g.ok for g in v.verdicts)  # type: ignore[attr-defined]
        work = spent["judge"].budget.spent  # type: ignore[attr-defined]
        print(f"| {label} | {len(v.verdicts)} | {wrong} ({len(v.roots)}) | {work:,} | {wall:.2f} s | "  # type: ignore[attr-defined]
              f"{t:.2f} s | {t / base:.1f}× | < 2 s |")


if __name__ == "__main__":
    main()
