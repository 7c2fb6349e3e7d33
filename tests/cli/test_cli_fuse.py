"""``derive SPEC --fuse FROM..TO``: the formula, its code and its proofs; bad spans in one line."""

from __future__ import annotations

import pytest
from conftest import ROOT, run_cli

from symbackprop.derive import fuse_rules

MAKEMORE = str(ROOT / "examples" / "makemore.toml")


def test_both_known_formulas_are_printed_with_their_proofs(capsys):
    status, out, err = run_cli(capsys, "derive", MAKEMORE, "--fuse", "logits..loss", "--fuse", "hprebn..hpreact")
    assert status == 0 and err == ""
    assert "% numpy: dlogits = (probs - np.eye(27)[Yb]) / n" in out
    assert "% torch: dlogits = (probs - F.one_hot(Yb, num_classes=27)) / n" in out
    assert "% vanishing: dlogit_maxes = 0 identically" in out
    assert ("% numpy: dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(axis=0) - n / (n - 1) * "
            "bnraw * (dhpreact * bnraw).sum(axis=0))") in out
    assert out.count("% proof: equal to the unfused lines in every one of 12 entries, symbolically") == 2
    assert out.count("% check: equal to the unfused lines at numbers drawn with seed 0") == 2
    assert r"\overline{\mathit{hprebn}} = \frac{\mathit{bngain} \odot \mathit{bnvar\_inv}}{n}" in out


def test_a_layered_network_fuses_as_its_program(capsys):
    status, out, _ = run_cli(capsys, "derive", "3-4-2", "--fuse", "Z1..loss")
    assert status == 0 and "% numpy: dZ1 = A1 * (1 - A1) * (A2 * (1 - A2) * (A2 - Y) / m @ W2)" in out


def test_a_refuted_formula_exits_1(capsys, monkeypatch):
    real = fuse_rules.standardized
    monkeypatch.setattr(fuse_rules, "standardized", lambda t: None if real(t) is None else (*real(t)[:2], 0, real(t)[3]))
    status, out, _ = run_cli(capsys, "derive", MAKEMORE, "--fuse", "hprebn..hpreact")
    assert status == 1 and "% proof: the fused formula differs" in out and "% check: NOT equal" in out


@pytest.mark.parametrize("span, message", [
    ("logits..logits", "fuse logits..logits: the span is empty"),
    ("loss..logits", "the span runs backwards"),
    ("logits", "--fuse: expected FROM..TO"),
    ("..loss", "--fuse: expected FROM..TO"),
    ("hprebn..bnvar_inv", "bndiff is also read by bnraw (line 9), outside the span, so dhprebn has a second input"),
])
def test_bad_spans_are_one_line_exit_2_and_print_nothing(span, message, capsys):
    status, out, err = run_cli(capsys, "derive", MAKEMORE, "--fuse", "logits..loss", "--fuse", span)
    assert status == 2 and out == "" and err.count("\n") == 1 and message in err


def test_a_graph_has_no_spans_to_fuse(capsys):
    status, out, err = run_cli(capsys, "derive", str(ROOT / "examples" / "graph.toml"), "--fuse", "q..f")
    assert status == 2 and out == "" and "takes a [program] spec or a layered network" in err
