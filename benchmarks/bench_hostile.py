"""The worst inputs of the docs' "Limits and refusals" (docs/how-to/limits.md), through the command line: time and peak memory.

    python benchmarks/bench_hostile.py

Each case runs ``python -m symbackprop ...`` in a fresh process (so its peak memory is its
own) and prints its wall time and peak resident memory, and its time as a ratio against
``symbackprop derive 2-2-2`` measured in the same run (the machine is noisy).  The promise
checked: no input under 1 MB keeps the command busy for more than 5 s or above 1 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _files(folder: Path) -> dict[str, str]:
    chain = ", ".join(['n0 = "x * w"'] + [f'n{k} = "\\\\sigma(n{k - 1}) * w"' for k in range(1, 300)])
    files = {
        "deep.json": '{"layers": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "dup.json": '{"layers": [2, 2], "layers": [2, 1]}',
        "digits.json": '{"layers": [2, ' + "9" * 900_000 + "]}",
        "chain.toml": f'[graph]\ninputs = ["x"]\nparameters = ["w"]\nnodes = {{ {chain} }}\n',
        "big.json": '{"layers": [2, 2], "title": "' + "x" * 999_000 + '"}',
    }
    rng = __import__("random").Random(0)
    for name, sizes in (("grad.json", [16, 48, 40, 10]), ("grad2.json", [16, 40, 40, 10])):
        values = {"x": [[rng.random() for _ in range(16)] for _ in range(4)],
                  "y": [[rng.random() for _ in range(10)] for _ in range(4)]}
        for l in range(1, 4):
            values[f"W{l}"] = [[rng.gauss(0, 0.1) for _ in range(sizes[l - 1])] for _ in range(sizes[l])]
            values[f"b{l}"] = [0.0] * sizes[l]
        files[name] = json.dumps({"layers": sizes, "values": values})
    for name, text in files.items():
        (folder / name).write_text(text)
    return {name: str(folder / name) for name in files}


def _cases(f: dict[str, str]) -> list[tuple[str, list[str]]]:
    primes = "\\sigma" + "'" * 20 + "(z^{(1)}_1)"
    tower = "{{w^{(1)}_{11}}^{1000}}^{1000}"
    nested = "\\exp(" * 40 + "x_1" + ")" * 40
    product = "".join(f"({v}+1)({v}-1)" for v in ["x_1", "x_2", "a1_1", "a1_2", "w1_11", "w1_12", "y1"])
    deep = "-".join(["2"] * 40)
    return [
        ("spec nested 100,000 deep", ["derive", f["deep.json"]]),
        ("duplicate JSON keys", ["derive", f["dup.json"]]),
        ("a 900,000-digit layer size", ["derive", f["digits.json"]]),
        ("a 1 MB spec", ["derive", f["big.json"]]),
        ("derive 1000-999", ["derive", "1000-999"]),
        ("derive 16-64-64-10 (5,898 parameters)", ["derive", "16-64-64-10"]),
        ("derive 16-88-64-10 (7,842: refused)", ["derive", "16-88-64-10"]),
        ("sheet 16-64-64-10, HTML", ["sheet", "16-64-64-10", "-o", str(Path(f["big.json"]).parent / "s.html")]),
        ("grad, 4 samples, 3,186 parameters", ["grad", f["grad.json"]]),
        ("grad, 4 samples, 2,730 parameters", ["grad", f["grad2.json"]]),
        ("check 16-64-64-10 (refused)", ["check", "16-64-64-10"]),
        ("check 8-24-24-8 (1,016 parameters)", ["check", "8-24-24-8"]),
        ("check 8-20-20-8 (768 parameters)", ["check", "8-20-20-8"]),
        ("verify 8-20-20-8", ["verify", "8-20-20-8", "--param", "w1_1_1", "--formula", "x_1"]),
        ("20 primes", ["verify", "2-2-1", "--param", "w1_11", "--formula", primes]),
        ("a tower of powers", ["verify", "2-2-1", "--param", "w1_11", "--formula", tower]),
        ("exp nested 40 deep", ["verify", "2-2-1", "--param", "w1_11", "--formula", nested]),
        ("a product of 14 sums", ["verify", "2-2-1", "--param", "w2_11", "--formula", product]),
        ("verify a 40-layer network", ["verify", deep, "--param", "w1_11", "--formula", "x_1"]),
        ("sheet of a 40-layer network", ["sheet", deep]),
        ("sheet of a 40-layer network, HTML", ["sheet", deep, "-o", str(Path(f["big.json"]).parent / "d.html")]),
        ("a 300-node [graph] chain: derive", ["derive", f["chain.toml"]]),
        ("a 300-node [graph] chain: sheet", ["sheet", f["chain.toml"]]),
        ("a 300-node [graph] chain: verify, wrong", ["verify", f["chain.toml"], "--param", "w", "--formula", "x"]),
    ]


def _run(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB, and exit status of one command in a fresh process."""
    script = ("import resource, subprocess, sys, json; r = subprocess.run(sys.argv[1:], "
              "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
              "print(json.dumps([r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, sys.executable, "-m", "symbackprop", *argv],
                         capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - start
    status, kilobytes = json.loads(out)
    return seconds, kilobytes / 1024, status


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        base, base_mb, _ = min(_run(["derive", "2-2-2"]) for _ in range(3))
        print(f"baseline: symbackprop derive 2-2-2 {base:.2f} s, {base_mb:.0f} MB")
        print(f"{'input':<36} {'status':>6} {'seconds':>8} {'× base':>7} {'peak MB':>8}")
        worst_s = worst_mb = 0.0
        for label, argv in _cases(files):
            seconds, mb, status = _run(argv)
            if "--force" not in argv:  # the promise is for what runs without --force
                worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, mb)
            print(f"{label:<36} {status:>6} {seconds:>8.2f} {seconds / base:>7.1f} {mb:>8.0f}")
            sys.stdout.flush()
        ok = worst_s <= 5 and worst_mb <= 1024
        print(f"worst without --force: {worst_s:.2f} s, {worst_mb:.0f} MB; promise (≤ 5 s, ≤ 1 GB) {'kept' if ok else 'BROKEN'}")
        print(f"(inputs are under 1 MB each: largest {max(os.path.getsize(p) for p in files.values()):,} bytes)")


if __name__ == "__main__":
    main()
