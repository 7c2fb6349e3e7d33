"""The program examples: each runs through the command line and equals PyTorch autograd.

Each spec in ``examples/`` with a ``[program]`` (makemore, layer normalisation, a residual
block, causal self-attention, a recurrent layer unrolled over three steps, a 1-D
convolution written with gathers) is run as its header says: ``derive``, ``grad --json``
and ``check`` exit 0.  PyTorch is the independent route: the test runs the spec's own code
text with ``torch`` in a namespace of its own, at the numbers the command used (the spec's
``[values]``, else those drawn with seed 0), and compares ``loss.backward()`` with the
gradients ``grad --json`` printed, in float64.  The backward code the program prints runs
too, in NumPy and PyTorch, and gives the same gradients.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, run_cli
from test_backward_code_runs import assert_printed_code_gives_the_gradients

from symbackprop.derive.programs import Program
from symbackprop.numeric.array_eval import compile_program
from symbackprop.read import load_spec

EXAMPLES = ["makemore", "layernorm", "residual", "attention", "rnn", "conv1d"]


def _path(name: str) -> str:
    return str(ROOT / "examples" / f"{name}.toml")


def _arrays(name: str) -> tuple[Program, dict[str, np.ndarray]]:
    """The program and the numbers the commands use by default."""
    p = Program(load_spec(_path(name)).network)
    numbers = compile_program(p.forward, p.backward)
    return p, (numbers.arrays_from() if p.values is not None else numbers.draw(0))


def torch_gradients(p: Program, arrays: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and every float leaf's gradient by PyTorch autograd, running the code as written."""
    torch = pytest.importorskip("torch")
    namespace: dict[str, Any] = {"torch": torch, "F": torch.nn.functional, "np": np, "math": math}
    leaves = {}
    for leaf in p.forward.leaves:
        if leaf.kind == "const":
            namespace[leaf.name] = leaf.value
            continue
        tensor = torch.tensor(arrays[leaf.name], dtype=torch.int64 if leaf.kind == "int" else torch.float64)
        if leaf.kind == "float":
            tensor.requires_grad_(True)
            leaves[leaf.name] = tensor
        namespace[leaf.name] = tensor
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch.ones(T, T), torch.zeros(n, 4): float64 as the leaves
    try:
        exec(p.forward.code, namespace)  # the example's own code: this is the reference, in the test
    finally:
        torch.set_default_dtype(before)
    loss = namespace[p.loss]
    loss.backward()
    return loss.detach().item(), {k: v.grad.numpy() if v.grad is not None else np.zeros(v.shape) for k, v in leaves.items()}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_derives_and_checks_through_the_command_line(name, capsys):
    p, _ = _arrays(name)
    code, out, err = run_cli(capsys, "derive", _path(name))
    assert code == 0, err
    # One LaTeX line per backward line, under a comment naming its forward line.
    assert sum(1 for line in out.splitlines() if line.startswith(r"\overline")) == len(p.backward.lines)
    code, out, err = run_cli(capsys, "check", _path(name))
    assert code == 0, err
    assert f"central differences on all {p.forward.parameter_count:,} entries" in out and "all pass" in out


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_has_pytorchs_gradients(name, capsys):
    p, arrays = _arrays(name)
    code, out, err = run_cli(capsys, "grad", _path(name), "--json")
    assert code == 0, err
    result = json.loads(out)
    loss, expected = torch_gradients(p, arrays)
    assert set(result["gradients"]) == {leaf.name for leaf in p.forward.float_leaves} == set(expected)
    assert math.isclose(result["loss"], loss, rel_tol=1e-12)
    for leaf, grad in expected.items():
        np.testing.assert_allclose(result["gradients"][leaf], grad, rtol=1e-9, atol=1e-13, err_msg=leaf)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_examples_printed_backward_code_runs(name):
    p, arrays = _arrays(name)
    assert_printed_code_gives_the_gradients(p, arrays)


def test_the_torch_comparison_catches_a_wrong_rule(monkeypatch, capsys):
    # softmax's rule without its correction term: attention's gradients must differ from torch's.
    from symbackprop.derive import array_rules

    monkeypatch.setitem(array_rules.VJPS, "softmax", (lambda c, g, ans, x, **attrs: ans * g,))
    with pytest.raises(AssertionError, match=r"Not equal to tolerance[^\n]*\nx\n"):  # the first leaf
        test_every_example_has_pytorchs_gradients("attention", capsys)


@pytest.mark.parametrize("name", EXAMPLES[1:])
def test_every_example_header_says_how_to_run_it(name):
    text = Path(_path(name)).read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    for command in ("derive", "grad", "check", "sheet"):
        assert any(re.search(rf"symbackprop {command} examples/{name}\.toml", line) for line in header), command
    # Small enough to read: numbers given where they are few, else drawn from the seed.
    p, _ = _arrays(name)
    assert p.forward.parameter_count <= 120
    assert (p.values is not None) == (sum(leaf.size for leaf in p.forward.leaves if leaf.kind != "const") <= 60)


def test_each_example_shows_what_it_is_for():
    """The reason each example is in the set, read from its derivation."""
    rnn, _ = _arrays("rnn")
    for weight in ("Wxh", "Whh", "bh"):
        assert len(rnn.backward.contributions(weight)) == 3  # one term per step
    residual, _ = _arrays("residual")
    assert residual.paths("x") == "x reaches the loss along two paths: through out and through h"
    conv, _ = _arrays("conv1d")
    assert [n.kind for n in conv.notes("windows")] == ["gather"]
    assert "np.add.at(dx, (slice(None), idx), dwindows)" in conv.code_lines("numpy")
    attention, _ = _arrays("attention")
    assert any("d**-0.5" in line for line in attention.code_lines("torch"))
    layernorm, _ = _arrays("layernorm")
    assert len(layernorm.backward.contributions("x")) == 2  # through xc and through mu
