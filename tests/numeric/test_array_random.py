"""Random programs: derived gradients equal PyTorch's autograd in float64, and central differences.

:mod:`program_generator` writes random valid forward passes over every construct of the
subset, in NumPy and in PyTorch spelling.  Both spellings are read by ``read_program``;
the PyTorch spelling also runs under PyTorch itself (test code, in a namespace holding only
torch, F and the leaves), and its autograd gradients must equal the derived ones, as must
the NumPy spelling's and ``check_program``'s central differences.

PyTorch is in the test extras; without it these tests skip, saying so, except where
``SYMBACKPROP_REQUIRE_TOOLS=1`` (CI), where a missing PyTorch fails the run.
"""

from __future__ import annotations

import builtins
import math
import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from program_generator import CONSTRUCTS, Generator, Program

from symbackprop.derive.programs import program as derived_program
from symbackprop.errors import NumericalError
from symbackprop.numeric.array_check import check_program
from symbackprop.numeric.array_eval import compile_program
from symbackprop.read.code import read_program

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - CI installs the test extras
    torch = None

REQUIRED = os.environ.get("SYMBACKPROP_REQUIRE_TOOLS") == "1"
needs_torch = pytest.mark.skipif(torch is None and not REQUIRED,
                                 reason="PyTorch is not installed (it is in the test extras: pip install '.[test]')")
#: Beyond this, float64 sums lose the digits a comparison needs: such a program is drawn again.
LARGEST = 1e6


def test_torch_is_there_where_required():
    if not REQUIRED:
        pytest.skip("SYMBACKPROP_REQUIRE_TOOLS is not set (only CI requires PyTorch)")
    assert torch is not None, "PyTorch missing although SYMBACKPROP_REQUIRE_TOOLS=1 (it is in the test extras)"


def by_torch(p: Program, arrays: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and autograd's gradients of the PyTorch spelling, run under PyTorch."""
    torch.set_num_threads(1)
    # PyTorch's C code imports through the caller's builtins: __import__ is all they hold.
    namespace: dict = {"__builtins__": {"__import__": builtins.__import__}, "torch": torch, "F": F, "math": math,
                       "range": range, "len": len, "n": p.shapes["n"]}
    leaves = {}
    for name, value in arrays.items():
        leaves[name] = torch.tensor(value, dtype=torch.float64, requires_grad=True) if value.dtype.kind == "f" \
            else torch.tensor(value, dtype=torch.int64)
    namespace.update(leaves)
    for line in p.torch_lines:
        exec(line, namespace)  # test code written by the generator, never user input
    loss = namespace["loss"]
    loss.backward()
    grads = {name: (t.grad.numpy() if t.grad is not None else np.zeros(t.shape)) for name, t in leaves.items()
             if t.dtype == torch.float64}
    return float(loss.detach()), grads


def compare(p: Program, seed: int = 0) -> bool:
    """Every route agrees on ``p``: PyTorch, both spellings read, central differences.
    ``False`` (nothing compared) where PyTorch's numbers are beyond :data:`LARGEST`."""
    arrays = p.numbers(seed)
    torch_loss, torch_grads = by_torch(p, arrays)
    values = [torch_loss, *(float(np.max(np.abs(g))) for g in torch_grads.values())]
    if not all(math.isfinite(v) and abs(v) < LARGEST for v in values):
        return False
    for code in (p.torch_code, p.numpy_code):
        forward = read_program(code, p.shapes)
        try:
            loss, grads = compile_program(forward).loss_and_gradients(arrays)
        except NumericalError:
            pytest.fail(f"not finite although PyTorch's are:\n{code}")
        scale = max(1.0, *(abs(v) for v in values))
        assert loss == pytest.approx(torch_loss, rel=1e-10, abs=1e-10 * scale), code
        assert sorted(grads) == sorted(torch_grads), code
        for name, g in torch_grads.items():
            np.testing.assert_allclose(grads[name], g, rtol=1e-9, atol=1e-10 * scale, err_msg=f"d{name} of\n{code}")
    checked = check_program(derived_program(read_program(p.torch_code, p.shapes)), arrays)
    assert checked.ok, f"{checked.summary()}\n{p.torch_code}"
    return True


def from_random(seed: int, first: str | None = None, length: int = 4) -> Program:
    rng = random.Random(seed)
    return Generator(rng.choice).program(length, first)


@needs_torch
@pytest.mark.parametrize("construct", CONSTRUCTS)
def test_each_construct_against_pytorch(construct):
    """A random program that opens with ``construct``, for every construct: none is left to chance."""
    compared = 0
    for seed in range(20):
        p = from_random(seed * 101 + CONSTRUCTS.index(construct), first=construct)
        assert p.constructs[0] == construct
        compared += compare(p, seed)
        if compared == 2:
            break
    assert compared == 2


@needs_torch
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data(), st.integers(2, 7))
def test_random_programs_against_pytorch(data, length):
    p = Generator(lambda options: data.draw(st.sampled_from(list(options)))).program(length)
    assume(compare(p))


def test_the_generator_makes_every_construct_and_only_valid_programs():
    seen: set[str] = set()
    for seed in range(300):
        p = from_random(seed, length=5)
        seen.update(p.constructs)
        read_program(p.torch_code, p.shapes)
        read_program(p.numpy_code, p.shapes)
    assert seen == set(CONSTRUCTS)


@needs_torch
def test_a_wrong_rule_is_caught_by_the_comparison(monkeypatch):
    """The comparison can fail: tanh's rule without its 1 - ans**2 disagrees with PyTorch."""
    from symbackprop.derive.array_rules import VJPS

    p = from_random(5, first="tanh", length=3)
    assert compare(p)
    monkeypatch.setitem(VJPS, "tanh", (lambda c, g, ans, x: g,))
    with pytest.raises(AssertionError, match=r"Not equal to tolerance"):
        compare(p)


@pytest.mark.parametrize("code,shapes", [
    ("h = x.argmax(1)\ng = x[torch.arange(3), h]\nloss = (g ** 3).sum()", {"x": [3, 4]}),
    ("h = x.argmax(1)\ng = y[range(3), h]\nloss = (g * x[:, 0]).sum()", {"x": [3, 4], "y": [3, 4]}),
    ("h = x.argmin(0)\ng = y[h, 1:]\nloss = (g * x[0, :, None]).sum()", {"x": [3, 4], "y": [3, 2]}),
    ("h = x.argmax(1)\nloss = F.cross_entropy(y, h) * x.sum()", {"x": [3, 4], "y": [3, 4]}),
    ("h = x.argmax(1)\nloss = F.cross_entropy(x * 2, h)", {"x": [3, 4]}),
    ("h = x.argmax(0)\ng = x[h]\nloss = (g * g).sum()", {"x": [4, 4]}),
])
def test_check_perturbs_a_leaf_that_decides_an_index(code, shapes):
    """Central differences stack perturbed copies; an argmax of a perturbed leaf is then a
    stack of index arrays, one per copy (it was indexed as one, and broadcast against them)."""
    forward = read_program("import torch\nimport torch.nn.functional as F\n" + code, shapes)
    report = check_program(derived_program(forward), seed=1)
    assert report.ok, report.summary()


@pytest.mark.parametrize("seed", range(6))
def test_random_programs_equal_the_scalar_chain_rule(seed):
    """A third route, without PyTorch: every entry a symbol, the program a scalar graph."""
    from symbackprop.derive.array_proof import prove_program

    p = from_random(1000 + seed, length=4)
    proof = prove_program(read_program(p.numpy_code, p.shapes))
    assert proof.ok, f"{proof.summary()}\n{p.numpy_code}"
