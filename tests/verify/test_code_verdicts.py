"""Verdicts on backward cells: the makemore exercise's own cell, planted mistakes, layered networks.

Every planted mistake is named on the line it was planted in, and the correction the verdict
prints is put back into the cell and checked again: it must make every gradient right.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from symbackprop.verify.code_mistakes import CODE_MISTAKES
from symbackprop.verify.code_points import code_setting
from symbackprop.verify.code_verdict import verify_code

MAKEMORE = str(ROOT / "examples" / "makemore.toml")
CELL = (ROOT / "examples" / "makemore_backward.py").read_text()
LOOP = "for k in range(Xb.shape[0]):\n  for j in range(Xb.shape[1]):\n    ix = Xb[k,j]\n    dC[ix] += demb[k,j]"


def _line(text: str, cell: str = CELL) -> int:
    return next(k for k, line in enumerate(cell.splitlines(), start=1) if line.startswith(text))


def test_the_makemore_cell_is_right_line_by_line():
    v = verify_code(MAKEMORE, CELL)
    assert v.ok and len(v.verdicts) == 26
    assert [g.variable for g in v.verdicts][:5] == ["dlogprobs", "dprobs", "dcounts_sum_inv", "dcounts", "dcounts_sum"]
    assert [g.line for g in v.verdicts] == sorted(g.line for g in v.verdicts)
    assert all(g.facts.approximate and g.facts.maxdiff is not None and g.facts.maxdiff < 1e-12 for g in v.verdicts)
    assert all(g.points == 3 for g in v.verdicts)
    # The exercise keeps dbnmeani as (64,) where bnmeani is (1, 64): the same numbers, said so.
    assert v["dbnmeani"].ok and not v["dbnmeani"].facts.shape_right and "same numbers" in v["dbnmeani"].notes[0]
    assert v["dC"].lines == (_line("dC = "), _line("    dC[ix]"))


def test_the_makemore_cell_gives_what_pytorch_autograd_gives():
    torch = pytest.importorskip("torch")
    setting = code_setting(MAKEMORE)
    arrays = setting.draw(0)
    t = {k: torch.tensor(v, dtype=torch.float64 if v.dtype.kind == "f" else torch.int64) for k, v in arrays.items()}
    for name in ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias"):
        t[name].requires_grad_(True)
    n, Xb, Yb = 32, t["Xb"], t["Yb"]
    emb = t["C"][Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ t["W1"] + t["b1"]
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bnvar = 1 / (n - 1) * (bndiff ** 2).sum(0, keepdim=True)
    bnraw = bndiff * (bnvar + 1e-5) ** -0.5
    h = torch.tanh(t["bngain"] * bnraw + t["bnbias"])
    logits = h @ t["W2"] + t["b2"]
    loss = -torch.log_softmax(logits, 1)[range(n), Yb].mean()
    for kept in (h, emb):
        kept.retain_grad()
    loss.backward()
    point = setting.point(arrays, "seed 0")
    from symbackprop.numeric.cell_run import run_cell
    from symbackprop.read.cell import read_cell

    program = setting.program
    run = run_cell(read_cell(CELL, program.forward, program.grad_names), program.forward, point.forward)
    for var, tensor in (("dC", t["C"]), ("dW1", t["W1"]), ("dbngain", t["bngain"]), ("dW2", t["W2"]), ("dh", h),
                        ("demb", emb)):
        assert np.allclose(run.values[var], tensor.grad.numpy(), rtol=1e-10, atol=1e-13), var


# (kind, the exercise's line, the planted line, the variable diagnosed)
PLANTED = [
    ("missing_path", "dcounts += torch.ones_like(counts) * dcounts_sum\n", "", "dcounts"),
    ("overwrite", "dcounts += torch.ones_like(counts) * dcounts_sum", "dcounts = torch.ones_like(counts) * dcounts_sum",
     "dcounts"),
    ("missing_sum", "dbnbias = dhpreact.sum(0, keepdim=True)", "dbnbias = dhpreact", "dbnbias"),
    ("wrong_axis", "db2 = dlogits.sum(0)", "db2 = dlogits.sum(1)", "db2"),
    ("dropped_keepdim", "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
     "dcounts_sum_inv = (counts * dprobs).sum(1)", "dcounts_sum_inv"),
    ("missing_transpose", "dW2 = h.T @ dlogits", "dW2 = h @ dlogits", "dW2"),
    ("extra_transpose", "dW2 = h.T @ dlogits", "dW2 = h.T @ dlogits.T", "dW2"),
    ("swapped_operands", "dh = dlogits @ W2.T", "dh = W2.T @ dlogits", "dh"),
    ("constant_factor", "dbndiff2 = (1.0/(n-1))", "dbndiff2 = (1.0/n)", "dbndiff2"),
    ("sign", "dbnmeani = (-dbndiff).sum(0)", "dbnmeani = dbndiff.sum(0)", "dbnmeani"),
    ("wrong_array", "dhpreact = (1.0 - h**2) * dh", "dhpreact = (1.0 - hpreact**2) * dh", "dhpreact"),
    ("wrong_gradient", "dbnraw = bngain * dhpreact", "dbnraw = bngain * dh", "dbnraw"),
    ("shared_array", "dhprebn = dbndiff.clone()", "dhprebn = dbndiff", "dbndiff"),
]


def _apply(cell: str, line: int, correct: tuple[str, ...], kind: str) -> str:
    """The cell with the verdict's correction in place of (or, for a missing path, after) ``line``."""
    lines = cell.splitlines()
    indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    fixed = [indent + c for c in correct]
    lines[line - 1: line] = [lines[line - 1], *fixed] if kind == "missing_path" else fixed
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("kind", "old", "new", "variable"), PLANTED, ids=[p[0] for p in PLANTED])
def test_a_planted_mistake_is_named_on_its_line_and_its_correction_is_right(kind, old, new, variable):
    assert old in CELL
    cell = CELL.replace(old, new)
    v = verify_code(MAKEMORE, cell)
    g = v[variable]
    assert g.status == "wrong" and g.follows_from is None and g.diagnosis is not None
    assert g.diagnosis.kind == kind, g.text()
    planted = _line(new or "dcounts = counts_sum_inv", cell)
    assert g.diagnosis.line == planted
    assert v.roots == [planted]
    # Every other wrong gradient follows from that line.
    assert all(w.follows_from == (planted, variable) for w in v.verdicts if not w.ok and w is not g)
    where = _line("dcounts_sum =", cell) if kind == "missing_path" else planted
    if kind == "missing_path":
        assert f"after line {where}: dcounts += dcounts_sum" in g.diagnosis.fix
    assert verify_code(MAKEMORE, _apply(cell, where, g.diagnosis.correct, kind)).ok


def test_every_kind_planted_is_a_kind_the_verdict_names():
    assert {p[0] for p in PLANTED} <= set(CODE_MISTAKES)


def test_repeated_positions_need_a_scatter_that_adds_them_all():
    cell = CELL.replace(LOOP, "dC[Xb] += demb")
    g = verify_code(MAKEMORE, cell)["dC"]
    assert g.diagnosis.kind == "overwrite" and g.diagnosis.correct == ("dC.index_put_((Xb,), demb, accumulate=True)",)
    for written in ("dC.index_put_((Xb,), demb, accumulate=True)", "dC.index_add_(0, Xb.view(-1), demb.view(-1, 10))"):
        assert verify_code(MAKEMORE, CELL.replace(LOOP, written)).ok
    loop = verify_code(MAKEMORE, CELL.replace("dC[ix] += demb[k,j]", "dC[ix] = demb[k,j]"))["dC"]
    assert loop.diagnosis.kind == "overwrite" and loop.diagnosis.correct == ("dC[ix] += demb[k, j]",)


def test_an_early_mistake_makes_the_later_lines_follow_from_it_and_two_roots_are_both_named():
    cell = CELL.replace("dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
                        "dcounts_sum_inv = (counts * dprobs).sum(1)").replace("dW2 = h.T @ dlogits", "dW2 = h @ dlogits")
    v = verify_code(MAKEMORE, cell)
    first, second = _line("dcounts_sum_inv", cell), _line("dW2", cell)
    assert v.roots == [first, second]
    assert v["dW2"].diagnosis.kind == "missing_transpose"  # wrong on its own, though its input is wrong too
    assert v["dcounts"].follows_from == (first, "dcounts_sum_inv")
    # dcounts += ones * dcounts_sum fails its shapes ((32, 27) against (32, 32)), yet only because of line 10.
    assert "do not broadcast" in (v["dcounts"].failure or "")
    assert v["dC"].follows_from == (first, "dcounts_sum_inv")
    text = v.text()
    assert f"start at line {first}, {second}" in text


def test_a_line_that_fails_its_own_shapes_is_a_wrong_answer_in_words():
    v = verify_code(MAKEMORE, CELL.replace("dh = dlogits @ W2.T", "dh = dlogits @ W1"))
    g = v["dh"]
    assert g.status == "wrong" and g.facts.shape is None and g.diagnosis.kind == "shape"
    assert g.failure == "dlogits @ W1 is (32, 27) @ (30, 64): inner dimensions differ (27 versus 30)"
    assert g.diagnosis.correct == ("dh = dlogits @ W2.T",)
    assert v["dhpreact"].follows_from == (g.line, "dh") and "left undefined" in v["dhpreact"].failure


def test_feedback_levels_give_away_less_and_less():
    cell = CELL.replace("dhpreact = (1.0 - h**2) * dh", "dhpreact = (1.0 - hpreact**2) * dh")
    v = verify_code(MAKEMORE, cell)
    g = v["dhpreact"]
    full, hint, verdict = (g.as_dict(level) for level in ("full", "hint", "verdict"))
    assert full["correct_line"] == "dhpreact = (1.0 - h ** 2) * dh" and "h ** 2" in full["diagnosis"]["message"]
    assert "correct_line" not in hint and "h ** 2" not in hint["diagnosis"]["message"]
    assert hint["diagnosis"]["kind"] == "wrong_array" and hint["counterexample"]["index"]
    assert verdict["diagnosis"] is None and verdict["counterexample"] is None and verdict["maxdiff"] > 0
    hint_text = "\n".join(g.text("hint"))
    assert "correct:" not in hint_text and "counterexample" in hint_text and "h ** 2" not in hint_text
    assert "mistake" not in "\n".join(g.text("verdict"))


def test_json_objects_carry_the_number_facts():
    v = verify_code(MAKEMORE, CELL.replace("db2 = dlogits.sum(0)", "db2 = dlogits.sum(1)"))
    objects = v.as_list()
    assert {"target", "variable", "status", "diagnosis", "exact", "approximate", "maxdiff", "shape",
            "expected_shape", "shape_right", "points"} <= set(objects[0])
    db2 = next(o for o in objects if o["variable"] == "db2")
    assert db2["target"] == "b2" and db2["status"] == "wrong" and db2["shape"] == [32] and db2["expected_shape"] == [27]
    assert db2["diagnosis"]["kind"] == "wrong_axis" and db2["maxdiff"] is None


LAYERED = {"layers": [2, 3, 2], "activation": ["sigmoid", "softmax"], "loss": "cross_entropy"}
NUMPY_CELL = """import numpy as np
dZ2 = (A2 - Y) / m
dW2 = dZ2.T @ A1
db2 = dZ2.sum(axis=0)
dA1 = dZ2 @ W2
dZ1 = dA1 * A1 * (1 - A1)
dW1 = dZ1.T @ X
db1 = dZ1.sum(axis=0)
dX = dZ1 @ W1
"""


def test_a_layered_network_s_backward_cell_in_numpy():
    v = verify_code(LAYERED, NUMPY_CELL)
    assert v.ok and [g.target for g in v.verdicts] == ["Z2", "W2", "b2", "A1", "Z1", "W1", "b1", "X"]
    # The targets are one-hot rows, so (A2 - Y) / m is the gradient exactly where softmax meets cross entropy.
    wrong = verify_code(LAYERED, NUMPY_CELL.replace("/ m", "").replace("dW2 = dZ2.T @ A1", "dW2 = A1.T @ dZ2"))
    assert wrong["dZ2"].diagnosis.kind == "constant_factor" and "m" in wrong["dZ2"].diagnosis.hint
    assert wrong["dZ2"].diagnosis.correct == ("dZ2 = 1 / m * (A2 - Y)",)
    assert wrong["dW2"].diagnosis.kind == "missing_transpose" and wrong["dW2"].diagnosis.correct == ("dW2 = dZ2.T @ A1",)
    assert wrong["dX"].follows_from == (2, "dZ2")
    batch = verify_code({**LAYERED, "values": {"x": [[0.1, 0.2], [0.3, 0.4], [0.5, -0.6]],
                                                "y": [[1, 0], [0, 1], [1, 0]]}}, NUMPY_CELL)
    assert batch.ok and "the spec's values" not in batch.notes[0]  # weights are missing: numbers are drawn


def test_a_layered_sigmoid_network_with_the_squared_loss():
    cell = """dA2 = (A2 - Y) / m
dZ2 = dA2 * A2 * (1 - A2)
dW2 = dZ2.T @ A1
db2 = dZ2.sum(axis=0)
dA1 = dZ2 @ W2
dZ1 = dA1 * A1 * (1 - A1)
dW1 = dZ1.T @ X
db1 = dZ1.sum(axis=0)
"""
    v = verify_code(str(ROOT / "examples" / "mazur.toml"), cell)
    assert v.ok and "a batch of 4 was drawn" in " ".join(v.notes)
    missing = verify_code(str(ROOT / "examples" / "mazur.toml"), cell.replace("dZ2 = dA2 * A2 * (1 - A2)", "dZ2 = dA2"))
    assert missing["dZ2"].status == "wrong" and missing["dW2"].follows_from == (2, "dZ2")


def test_a_gradient_read_but_not_computed_is_given_and_said():
    v = verify_code(MAKEMORE, "dW2 = h.T @ dlogits\ndb2 = dlogits.sum(0)")
    assert v.ok and [g.variable for g in v.verdicts] == ["dW2", "db2"]
    assert any("dlogits is read but not computed here" in n for n in v.notes)
