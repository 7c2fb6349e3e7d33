"""The generated NumPy module of the makemore program against symbackprop's own numpy route
and PyTorch eager autograd, at a batch of 10,000, in one run.

Run from the repository root:  python benchmarks/bench_codegen.py [--batch 10000] [--repeat 7]

Contenders (float64, one BLAS/torch thread each, interleaved, best CPU time of --repeat):

  1. the module ``symbackprop code examples/makemore.toml --to numpy`` writes, imported from
     a temporary folder and called as ``forward_backward(C, W1, ..., Xb, Yb)``;
  2. the same program's numpy route inside symbackprop (``compile_program(...)``
     ``.loss_and_gradients``: the derived terms evaluated by the array kernels);
  3. PyTorch eager autograd on the same forward pass, written out by hand as in the
     exercise, ``loss.backward()``.

Every contender's loss and gradients are checked against the numpy route before anything is
timed.  Targets: the module within 1.1× of the numpy route and within 1.3× of PyTorch.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symbackprop.derive.module_code import program_module  # noqa: E402
from symbackprop.derive.programs import program  # noqa: E402
from symbackprop.numeric.array_eval import compile_program  # noqa: E402
from symbackprop.read import load_spec  # noqa: E402


def makemore(batch: int):
    """The makemore program of examples/makemore.toml at ``batch`` examples."""
    forward = load_spec(str(ROOT / "examples" / "makemore.toml")).network
    shapes = {leaf.name: (leaf.value if leaf.kind == "const" else
                          {"shape": [batch, *leaf.shape[1:]], "integers": leaf.bound} if leaf.kind == "int" else
                          list(leaf.shape)) for leaf in forward.leaves}
    shapes["n"] = batch
    return program(forward.code, shapes, loss=forward.loss, title=forward.title)


def load(text: str, folder: str):
    """Import the generated module (symbackprop's own output; importing it runs it)."""
    path = Path(folder) / "makemore_generated.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("makemore_generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_route(arrays):
    """The exercise's forward pass in PyTorch, by hand; autograd does the backward pass."""
    import torch

    def run():
        t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in arrays.items()
             if k not in ("Xb", "Yb")}
        Xb, Yb = torch.tensor(arrays["Xb"]), torch.tensor(arrays["Yb"])
        n = Xb.shape[0]
        emb = t["C"][Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ t["W1"] + t["b1"]
        bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
        bndiff = hprebn - bnmeani
        bndiff2 = bndiff**2
        bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
        bnvar_inv = (bnvar + 1e-5)**-0.5
        bnraw = bndiff * bnvar_inv
        hpreact = t["bngain"] * bnraw + t["bnbias"]
        h = torch.tanh(hpreact)
        logits = h @ t["W2"] + t["b2"]
        logit_maxes = logits.max(1, keepdim=True).values
        norm_logits = logits - logit_maxes
        counts = norm_logits.exp()
        counts_sum = counts.sum(1, keepdims=True)
        counts_sum_inv = counts_sum**-1
        probs = counts * counts_sum_inv
        logprobs = probs.log()
        loss = -logprobs[range(n), Yb].mean()
        loss.backward()
        return float(loss.detach()), {k: v.grad.numpy() for k, v in t.items()}
    return run


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    p = makemore(args.batch)
    numbers = compile_program(p.forward, p.backward)
    arrays = numbers.draw(0)
    order = [leaf.name for leaf in p.forward.leaves if leaf.kind != "const"]
    floats = [leaf.name for leaf in p.forward.float_leaves]
    contenders = {"numpy route (compile_program)": lambda: numbers.loss_and_gradients(arrays)}
    with tempfile.TemporaryDirectory() as folder:
        module = load(program_module(p, "numpy"), folder)
        contenders["generated module"] = lambda: module.forward_backward(*(arrays[k] for k in order))
        try:
            import torch
        except ImportError:
            print("(torch is not installed: pip install torch; the PyTorch column is left out)")
        else:
            torch.set_num_threads(1)
            contenders["PyTorch eager autograd"] = torch_route(arrays)

        loss, grads = numbers.loss_and_gradients(arrays)
        for name, fn in contenders.items():
            got_loss, got = fn()
            assert abs(float(got_loss) - loss) <= 1e-12 * abs(loss), name
            for k in floats:
                assert np.allclose(got[k], grads[k], rtol=1e-9, atol=1e-12), (name, k)

        times = {name: [] for name in contenders}
        for _ in range(args.repeat):  # interleaved, so a burst of other load hits every contender
            for name, fn in contenders.items():
                times[name].append(best(fn, 1))
    best_of = {name: min(ts) for name, ts in times.items()}
    ours = best_of["generated module"]
    print(f"makemore program, batch {args.batch:,}, float64, one thread, best CPU time of {args.repeat}\n")
    print("| contender | CPU time | generated module / contender | target |")
    print("|---|---|---|---|")
    targets = {"numpy route (compile_program)": "≤ 1.1×", "PyTorch eager autograd": "≤ 1.3×"}
    for name, t in best_of.items():
        ratio = "" if name == "generated module" else f"{ours / t:.2f}×"
        print(f"| {name} | {t * 1000:.1f} ms | {ratio} | {targets.get(name, '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
