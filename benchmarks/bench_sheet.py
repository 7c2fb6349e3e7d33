"""Benchmark of derivation sheets (issue 6): python benchmarks/bench_sheet.py

Each sheet is built from scratch (spec -> network -> derivation -> sheet -> text), so the
time is what ``symbackprop sheet`` spends.  The baseline, measured in the same run, is
``derive()`` alone on a freshly built network of the same size; ratios are against it.
Targets: 2-2-2 in every format under 2 s each (the default worked sheet, and also every
parameter in full, and in Korean); [16, 64, 64, 10] with five chosen parameters under 10 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

import symbackprop as sbp  # noqa: E402
from symbackprop.sheet import build_sheet

LARGE = "16-64-64-10"
FIVE = ["w1_1_1", "w2_5_7", "w3_10_64", "b3_10", "b1_1"]


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _derive_baseline(layers: list[int]) -> float:
    net = sbp.mlp(layers)
    return _time(lambda: sbp.derive(net))


def main() -> int:
    failed = False
    rows = []
    small_base = min(_derive_baseline([2, 2, 2]) for _ in range(3))
    for fmt in ("md", "tex", "html"):
        t = min(_time(lambda: build_sheet(sbp.EXAMPLE).render(fmt)) for _ in range(2))
        rows.append((f"2-2-2 example, {fmt}", t, small_base, 2.0))
    for label, kwargs in (("full", {"detail": "full"}), ("summary", {"detail": "summary"}), ("ko", {"lang": "ko"})):
        t = min(_time(lambda: build_sheet(sbp.EXAMPLE, **kwargs).render("html")) for _ in range(2))
        rows.append((f"2-2-2 example, {label}, html", t, small_base, 2.0))
    large_base = _derive_baseline([16, 64, 64, 10])
    for fmt in ("md", "tex", "html"):
        t = _time(lambda: build_sheet(LARGE, params=FIVE).render(fmt))
        rows.append((f"{LARGE}, 5 params, {fmt}", t, large_base, 10.0))
    print(f"{'sheet':34} {'time':>8} {'derive()':>9} {'ratio':>7}  target")
    for name, t, base, limit in rows:
        ok = t < limit
        failed |= not ok
        print(f"{name:34} {t:7.2f}s {base:8.3f}s {t / base:6.0f}x  < {limit:g} s {'ok' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
