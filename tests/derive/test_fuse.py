"""Fused formulas: the two known results come out in the known form, are proven, hold in other
spellings, and a planted mistake in a rule is caught by the proof and by the numbers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

import symbackprop as sbp
from symbackprop.derive.programs import Program, program
from symbackprop.derive import array_rules, fuse_rules
from symbackprop.derive.fuse import Fused
from symbackprop.errors import SpecError
from symbackprop.numeric.array_eval import compile_program
from symbackprop.numeric.array_fuse import check_fused

MAKEMORE = str(ROOT / "examples" / "makemore.toml")


@pytest.fixture(scope="module")
def makemore() -> Program:
    return program(sbp.load_spec(MAKEMORE).network)


@pytest.fixture(scope="module")
def arrays(makemore):
    return compile_program(makemore.forward, makemore.backward).draw(3)


def test_softmax_with_cross_entropy_is_probs_minus_onehot_over_n(makemore, arrays):
    f = makemore.fuse("logits", "loss")
    assert f.code() == "dlogits = (probs - np.eye(27)[Yb]) / n"
    assert f.code("torch") == "dlogits = (probs - F.one_hot(Yb, num_classes=27)) / n"
    assert f.rule == "softmax with cross entropy"
    assert f.lines == ("logit_maxes", "norm_logits", "counts", "counts_sum", "counts_sum_inv", "probs", "logprobs",
                       "loss")
    assert f.latex() == (r"\overline{\mathit{logits}} = \frac{\mathit{probs} - "
                         r"\operatorname{onehot}_{27}\left(\mathit{Yb}\right)}{n}")
    assert f.proof.ok is True and f.proof.vanishing == ("logit_maxes",)  # the max trick changes no gradient
    assert check_fused(f, arrays).ok


def test_the_batchnorm_block_is_the_three_term_formula_with_bessels_correction(makemore, arrays):
    f = makemore.fuse("hprebn", "hpreact")
    assert f.code() == ("dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(axis=0) - n / (n - 1) * "
                        "bnraw * (dhpreact * bnraw).sum(axis=0))")
    assert f.rule == "batch normalisation" and f.proof.ok is True
    assert check_fused(f, arrays).ok


def test_the_known_formulas_written_by_hand_agree_with_the_derived_gradients(makemore, arrays):
    """The results as the exercise's solution writes them, in plain numpy, against the whole
    unfused backward pass (an independent route to both formulas)."""
    numbers = compile_program(makemore.forward, makemore.backward)
    env = numbers.forward(arrays)
    grads = numbers.gradients(env)
    n = 32
    probs = np.exp(env["logits"] - env["logits"].max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    onehot = np.eye(27)[arrays["Yb"]]
    assert np.allclose((probs - onehot) / n, grads["logits"], rtol=1e-10, atol=1e-14)
    bngain, bnvar_inv, bnraw, dhpreact = arrays["bngain"], env["bnvar_inv"], env["bnraw"], grads["hpreact"]
    known = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    assert np.allclose(known, grads["hprebn"], rtol=1e-10, atol=1e-14)


BATCHNORM_SPELLINGS = {
    "pytorch": "mu = h.mean(0, keepdim=True)\nv = h.var(0, keepdim=True)\nr = (h - mu) / torch.sqrt(v + 1e-5)\n"
               "out = g * r + b\nloss = (out * out * w).sum()",
    "numpy, no Bessel": "mu = h.mean(axis=0, keepdims=True)\nv = ((h - mu) ** 2).mean(axis=0, keepdims=True)\n"
                        "r = (h - mu) * (v + 1e-5) ** -0.5\nout = g * r + b\nloss = (out * out * w).sum()",
}


@pytest.mark.parametrize("name", list(BATCHNORM_SPELLINGS))
def test_batchnorm_in_other_spellings(name):
    p = program(BATCHNORM_SPELLINGS[name], {"h": [6, 3], "g": [1, 3], "b": [1, 3], "w": [6, 3], "n": 6})
    f = p.fuse("h", "out")
    assert f.rule == "batch normalisation" and f.proof.ok is True
    if name == "pytorch":  # torch's var is unbiased: n / (n - 1)
        assert "n / (n - 1) * r * (dout * r).sum(0)" in f.code("torch")
    else:
        assert " - r * (dout * r).sum(axis=0))" in f.code()
    assert check_fused(f, compile_program(p.forward, p.backward).draw(1)).ok


def test_cross_entropy_in_pytorch_spelling_and_as_log_softmax():
    shapes = {"x": [5, 3], "W": [3, 4], "y": {"shape": [5], "integers": 4}, "n": 5}
    a = program("z = x @ W\nloss = F.cross_entropy(z, y)", shapes)
    b = program("z = x @ W\nlp = z - torch.logsumexp(z, 1, keepdim=True)\nloss = -lp[range(n), y].mean()", shapes)
    assert a.fuse("z", "loss").code() == "dz = (softmax(z, axis=1) - np.eye(4)[y]) / n"
    assert b.fuse("z", "loss").code() == "dz = (softmax(z, axis=1) - np.eye(4)[y]) / n"
    assert b.fuse("z", "loss").proof.ok is True


def test_a_span_with_no_known_block_is_its_lines_composed_and_still_proven(makemore):
    f = makemore.fuse("h", "logits")
    assert f.code() == "dh = dlogits @ W2.T" and f.rule == "the lines composed"
    assert f.proof.ok is True


def test_a_planted_wrong_block_rule_is_refuted_by_the_proof_and_the_numbers(makemore, arrays, monkeypatch):
    """The block rule told the variance has no Bessel correction: the biased formula comes out
    for an unbiased variance (the n/(n-1) forgotten), and both proofs refuse it."""
    real = fuse_rules.standardized
    monkeypatch.setattr(fuse_rules, "standardized", lambda t: None if real(t) is None else (*real(t)[:2], 0, real(t)[3]))
    f = makemore.fuse("hprebn", "hpreact")
    assert "n / (n - 1)" not in f.code()
    assert f.proof.ok is False
    assert not check_fused(f, arrays).ok


def test_a_planted_wrong_vjp_is_refuted(makemore, monkeypatch):
    """(softmax − onehot) without the 1/n of the mean: the fused formula is wrong, and says so."""
    monkeypatch.setitem(array_rules.VJPS, "cross_entropy", (
        lambda c, g, ans, logits, target, reduction: (array_rules.call("softmax", logits, axis=1) - array_rules.call(
            "one_hot", target, classes=logits.shape[1])) * g, None))
    f = program(makemore.forward).fuse("logits", "loss")
    assert isinstance(f, Fused)
    assert f.code() == "dlogits = probs - np.eye(27)[Yb]"
    assert f.proof.ok is False


@pytest.mark.parametrize("span, message", [
    (("logits", "logits"), "the span is empty"),
    (("loss", "logits"), "the span runs backwards: logits (line 12) comes before loss (line 20); write logits..loss"),
    (("logit", "loss"), "no array named 'logit' (did you mean 'logits'?)"),
    (("Yb", "loss"), "'Yb' has no gradient"),
    (("logits", "W1"), "'W1' is a leaf; a span ends at a line"),
    (("counts", "bnraw"), "runs backwards"),
    (("h", "bnraw"), "runs backwards"),
    (("bndiff", "bnvar"), "bndiff..bnvar: cannot be fused into one formula in dbnvar: bndiff is also read by bnraw"),
    (("hprebn", "bnvar_inv"), "bndiff is also read by bnraw (line 9), outside the span, so dhprebn has a second "
                              "input, dbnraw; the span hprebn..bnraw takes it in"),
])
def test_bad_spans_say_what_is_wrong(makemore, span, message):
    with pytest.raises(SpecError) as err:
        makemore.fuse(*span)
    assert message in str(err.value)


def test_a_line_that_does_not_depend_on_the_start_is_no_end():
    p = program("a = x * 2\nb = y * 3\nloss = (a * b).sum()", {"x": [2], "y": [2]})
    with pytest.raises(SpecError, match="fuse x..b: b does not depend on x"):
        p.fuse("x", "b")


def test_the_program_finds_its_blocks(makemore):
    assert [f.span for f in makemore.fusions] == ["hprebn..hpreact", "logits..loss"]
    assert program("h = x @ W\nloss = (h * h).sum()", {"x": [2, 2], "W": [2, 2]}).fusions == ()


def _run_printed(f: Fused, dialect: str, env: dict, grads: dict, folder) -> np.ndarray:
    """The printed ``d<start> = ...`` line run as a function of the names it reads (our own
    generated code; running it is what the test is for)."""
    from code_helpers import load_module

    from symbackprop.graph.code_helpers import NUMPY_HELPERS, helpers_used, imports_used
    from symbackprop.graph.terms import Grad, Ref, walk

    refs = sorted({t.name for t in walk(f.term) if isinstance(t, Ref)})
    given = sorted({t.name for t in walk(f.term) if isinstance(t, Grad)})
    helpers = [NUMPY_HELPERS[h] for h in helpers_used([f.term])] if dialect == "numpy" else []
    text = "\n".join([*imports_used([f.term], dialect), *helpers,
                      f"def fused({', '.join(refs + ['d' + g for g in given])}):", f"    {f.code(dialect)}",
                      f"    return d{f.start}"])
    args = [env[r] for r in refs] + [grads[g] for g in given]
    if dialect == "torch":
        import torch

        args = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    return np.asarray(load_module(text, folder).fused(*args), dtype=np.float64)


@pytest.mark.parametrize("dialect", ["numpy", "torch"])
def test_the_printed_code_of_a_fused_formula_runs_and_gives_the_gradient(makemore, arrays, dialect, tmp_path):
    if dialect == "torch":
        pytest.importorskip("torch")
    other = program("h = x @ W\nz = h * (h @ V)\nloss = (z * z).sum()", {"x": [3, 2], "W": [2, 4], "V": [4, 4]})
    for p, numbers in ((makemore, arrays), (other, None)):
        compiled = compile_program(p.forward, p.backward)
        env = compiled.forward(numbers if numbers is not None else compiled.draw(2))
        grads = compiled.gradients(env)
        for f in [*p.fusions, *([p.fuse("h", "loss")] if p is other else [])]:
            got = _run_printed(f, dialect, env, grads, tmp_path)
            assert np.allclose(got, grads[f.start], rtol=1e-10, atol=1e-14), f.span
