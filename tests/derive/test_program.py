"""The derived backward program of array programs: the lines a person writes, proven by numbers.

The makemore program's backward pass is pinned line by line (the lines of the exercise's
own solution, up to spelling); its numbers are checked against central differences in
tests/numeric/test_array_check.py and against PyTorch elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

import symbackprop as sbp
from symbackprop.derive.programs import Program, program
from symbackprop.errors import CodeError, SpecError

MAKEMORE = ROOT / "examples" / "makemore.toml"


@pytest.fixture(scope="module")
def makemore() -> Program:
    return program(sbp.load_spec(str(MAKEMORE)).network)


def test_makemore_backward_lines_are_the_exercises_own(makemore):
    assert makemore.code_lines("torch") == [
        "dlogprobs = torch.zeros_like(logprobs)",
        "dlogprobs[range(n), Yb] = -1.0 / n",
        "dprobs = dlogprobs / probs",
        "dcounts = counts_sum_inv * dprobs",
        "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
        "dcounts_sum = -counts_sum**-2 * dcounts_sum_inv",
        "dcounts += dcounts_sum",
        "dnorm_logits = counts * dcounts",
        "dlogits = dnorm_logits.clone()",
        "dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)",
        "dlogits += F.one_hot(logits.argmax(1), num_classes=27) * dlogit_maxes",
        "dh = dlogits @ W2.T",
        "dW2 = h.T @ dlogits",
        "db2 = dlogits.sum(0)",
        "dhpreact = (1 - h**2) * dh",
        "dbngain = (bnraw * dhpreact).sum(0, keepdim=True)",
        "dbnraw = bngain * dhpreact",
        "dbnbias = dhpreact.sum(0, keepdim=True)",
        "dbndiff = bnvar_inv * dbnraw",
        "dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)",
        "dbnvar = -0.5 * (bnvar + 1e-5)**-1.5 * dbnvar_inv",
        "dbndiff2 = 1 / (n - 1) * dbnvar * torch.ones_like(bndiff2)",
        "dbndiff += 2 * bndiff * dbndiff2",
        "dhprebn = dbndiff.clone()",
        "dbnmeani = (-dbndiff).sum(0, keepdim=True)",
        "dhprebn += 1 / n * dbnmeani",
        "dembcat = dhprebn @ W1.T",
        "dW1 = embcat.T @ dhprebn",
        "db1 = dhprebn.sum(0)",
        "demb = dembcat.view(emb.shape)",
        "dC = torch.zeros_like(C)",
        "dC.index_put_((Xb,), demb, accumulate=True)",
    ]


def test_every_line_is_output_first_and_names_used_twice_accumulate(makemore):
    order = [gl.via for gl in makemore.backward.lines]
    forward = [line.name for line in makemore.lines]
    positions = [forward.index(v) for v in order]
    assert positions == sorted(positions, reverse=True)
    assert makemore.paths("counts") == "counts reaches the loss along two paths: through probs and through counts_sum"
    for name in makemore.backward.differentiated:
        kinds = [gl.accumulate for gl in makemore.backward.contributions(name)]
        assert kinds[0] is False and all(kinds[1:])


def test_the_notes_say_where_sums_become_broadcasts_and_back(makemore):
    notes = {line.name: [str(n) for n in makemore.notes(line.name)] for line in makemore.lines}
    assert notes["hprebn"] == ["b1 is broadcast over axis 0 here, so its gradient is summed over axis 0"]
    assert notes["bnmeani"] == ["the sum over axis 0 becomes a broadcast back over axis 0 in the gradient"]
    assert notes["counts_sum"] == ["the sum over axis 1 becomes a broadcast back over axis 1 in the gradient"]
    assert notes["emb"][0].startswith("this line picks entries of C")
    assert notes["h"] == []


def test_gradient_names_avoid_the_programs_own_names():
    p = program("dh = x * 2\nh = dh.sum()\nloss = h * h", {"x": [3]})
    assert p.grad_names["h"] == "d_h" and p.grad_names["dh"] == "ddh"
    assert all(line.split(" ")[0] not in ("dh",) or line.startswith("ddh") for line in p.code_lines())


def test_every_program_gradient_matches_central_differences_with_the_generated_code_too(makemore):
    # The printed numpy code, run on the forward values, gives the evaluated gradients:
    # the printer and the evaluator read the same terms.
    from symbackprop.graph.array_code import NUMPY_HELPERS
    from symbackprop.numeric.array_eval import compile_program

    numbers = compile_program(makemore.forward, makemore.backward)
    env = numbers.forward(numbers.draw(3))
    grads = numbers.gradients(env)
    scope = {"np": np, **{k: np.asarray(v) if not np.isscalar(v) else v for k, v in env.items()}}
    for helper in NUMPY_HELPERS.values():
        exec(helper, scope)  # our own generated helpers, not user text
    exec("\n".join(makemore.code_lines("numpy")), scope)  # our own printed code, not user text
    for name in makemore.backward.differentiated:
        assert np.allclose(scope[makemore.grad_names[name]], grads[name], rtol=1e-12, atol=1e-14), name


def test_program_needs_shapes_and_reads_only_code():
    with pytest.raises(SpecError, match="shapes: missing"):
        program("loss = x.sum()")
    with pytest.raises(CodeError, match=r"line 1, column 8: '__import__' is used before it is assigned"):
        program("loss = __import__('os').system('echo hi')", {"x": [2]})


def test_the_package_name_program_stays_the_function_after_the_modules_load():
    # A submodule named like a function the package exports would replace it on import.
    import importlib

    for name in ("symbackprop.derive.programs", "symbackprop.numeric.array_eval", "symbackprop.numeric.array_check"):
        importlib.import_module(name)
    assert callable(sbp.program) and sbp.program is importlib.import_module("symbackprop.derive").program
    assert isinstance(sbp.program("loss = (x ** 2).sum()", {"x": [3]}), Program)
