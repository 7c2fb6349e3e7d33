"""``derive``, ``grad``, ``check`` and ``sheet`` on ``[program]`` specs; one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, run_cli

from symbackprop.derive import array_rules
from symbackprop.graph.terms import call

MAKEMORE = str(ROOT / "examples" / "makemore.toml")

SMALL = """
title = "a small program"
[program]
code = '''
h = np.tanh(x @ W + b)
loss = ((h - y) ** 2).mean()
'''
[program.shapes]
x = { shape = [3, 2], gradient = false }
y = { shape = [3, 2], gradient = false }
W = [2, 2]
b = [2]
[values]
x = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]
y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
W = [[0.15, 0.2], [0.25, 0.3]]
b = [0.35, -0.35]
"""


def _small(tmp_path, text=SMALL):
    path = tmp_path / "small.toml"
    path.write_text(text)
    return str(path)


def _reference(values):
    """The small program's loss, written out in numpy by hand (not from the derivation)."""
    x, y, W, b = (np.asarray(values[k], dtype=float) for k in ("x", "y", "W", "b"))
    return float(((np.tanh(x @ W + b) - y) ** 2).mean())


def test_grad_json_has_every_float_leaf_and_matches_differences_of_a_hand_written_loss(tmp_path, capsys):
    code, out, err = run_cli(capsys, "grad", _small(tmp_path), "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert list(result) == ["loss", "gradients", "values"] and list(result["gradients"]) == ["W", "b"]
    values = {"x": [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], "y": [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]],
              "W": [[0.15, 0.2], [0.25, 0.3]], "b": [0.35, -0.35]}
    assert result["loss"] == pytest.approx(_reference(values), abs=1e-15)
    for name in ("W", "b"):
        base = np.asarray(values[name], dtype=float)
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            moved = {}
            for sign in (1, -1):
                arr = base.copy()
                arr[index] += sign * 1e-6
                moved[sign] = _reference({**values, name: arr})
            numeric[index] = (moved[1] - moved[-1]) / 2e-6
        assert np.allclose(result["gradients"][name], numeric, atol=1e-9)


def test_makemore_grad_draws_numbers_from_the_seed_and_says_so(capsys):
    code, out, _ = run_cli(capsys, "grad", MAKEMORE, "--json", "--seed", "3")
    result = json.loads(out)
    assert code == 0 and result["values"] == "numbers drawn with seed 3"
    assert {k: np.shape(v) for k, v in result["gradients"].items()} == {
        "C": (27, 10), "W1": (30, 64), "b1": (64,), "W2": (64, 27), "b2": (27,), "bngain": (1, 64), "bnbias": (1, 64)}
    # Batch normalisation removes b1's effect: its gradient is zero up to rounding.
    assert np.abs(result["gradients"]["b1"]).max() < 1e-15
    code, table, _ = run_cli(capsys, "grad", MAKEMORE, "--seed", "3")
    assert code == 0 and f"loss  {result['loss']:.9g}" in table and "bngain" in table


def test_check_passes_on_every_entry_and_catches_a_planted_wrong_rule(capsys, monkeypatch):
    code, out, _ = run_cli(capsys, "check", MAKEMORE, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["entries"] == 4137
    # tanh's rule without its 1 - ans**2: the check names the leaves upstream of h.
    monkeypatch.setitem(array_rules.VJPS, "tanh", (lambda c, g, ans, x: g,))
    code, out, _ = run_cli(capsys, "check", MAKEMORE)
    assert code == 1 and "FAIL" in out
    failed = {line.split()[0] for line in out.splitlines()[2:] if "FAIL" in line}
    assert failed == {"C", "W1", "bngain", "bnbias"}  # b1's gradient is 0 either way


def test_check_retries_a_kink_with_one_sided_differences(tmp_path, capsys):
    text = SMALL.replace("np.tanh(x @ W + b)", "np.maximum(x @ W + b, 0)").replace(
        "b = [0.35, -0.35]", "b = [-0.1, -0.35]")  # z = 0.1*0.15+0.2*0.25-0.1 ... makes a unit sit on 0
    values = text.split("[values]")[1]
    # Put the first unit of the second example exactly on the kink: 0.3*0.15 - 0.4*0.25 + b0 = 0.
    text = text.replace(values, values.replace("b = [-0.1, -0.35]", "b = [0.055, -0.35]"))
    code, out, _ = run_cli(capsys, "check", _small(tmp_path, text))
    assert code == 0, out


@pytest.mark.parametrize("body, message", [
    ("h = W @ x\nloss = h.sum()", "line 1, column 5: W @ x is (2, 2) @ (3, 2): inner dimensions differ (2 versus 3)"),
    ("h = x @ Q\nloss = h.sum()", "line 1, column 9: 'Q' is used before it is assigned, and it is not in program.shapes"),
    ("h = x @ W + b - y\nloss = h", "line 2, column 1: loss must be a float scalar, and it is a float array of shape (3, 2)"),
    ("h = x.foo()\nloss = h.sum()", "x.foo: arrays have no attribute 'foo' here"),
    ("import os\nloss = x.sum()", "line 1, column 1: import 'os' is not read"),
])
def test_bad_code_is_one_line_naming_the_line_and_exit_2(tmp_path, capsys, body, message):
    text = SMALL.replace("h = np.tanh(x @ W + b)\nloss = ((h - y) ** 2).mean()", body)
    code, out, err = run_cli(capsys, "grad", _small(tmp_path, text))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert message in err


def test_bad_tables_name_the_field(tmp_path, capsys):
    for old, new, message in [
        ("W = [2, 2]", "W = [2, 0]", "program.shapes.W: expected positive sizes"),
        ("b = [0.35, -0.35]", "b = [0.35]", "values.b: expected 2 entries (shape (2,)), received 1 entries"),
        ('title = "a small program"', 'title = "x"\nlayers = [2, 2]', "layers: a spec with [program]"),
        ("[program.shapes]", "colour = 1\n[program.shapes]", "program.colour: unknown key"),
    ]:
        code, _, err = run_cli(capsys, "grad", _small(tmp_path, SMALL.replace(old, new)))
        assert code == 2 and message in err, err


@pytest.mark.parametrize("command", [["train", "--data", "x.csv"], ["verify", "--param", "W", "--formula", "x"],
                                     ["exercise", "--ask", "W", "-o", "out"]])
def test_commands_that_take_networks_refuse_programs_in_one_line(tmp_path, capsys, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, command[0], _small(tmp_path), *command[1:])
    assert code == 2 and len(err.strip().splitlines()) == 1 and "[program]" in err


def test_derive_prints_every_backward_line_under_its_forward_line(capsys):
    code, out, _ = run_cli(capsys, "derive", MAKEMORE)
    lines = out.splitlines()
    assert code == 0 and lines[2] == "% line 20: loss = -logprobs[range(n), Yb].mean()"
    assert sum(1 for line in lines if line.startswith(r"\overline")) == 30
    code, out, _ = run_cli(capsys, "derive", MAKEMORE, "--param", "counts")
    assert code == 0 and [line for line in out.splitlines() if line.startswith(r"\overline")] == [
        r"\overline{\mathit{counts}} = \mathit{counts\_sum\_inv} \odot \overline{\mathit{probs}}",
        r"\overline{\mathit{counts}} \mathrel{+}= \overline{\mathit{counts\_sum}} \mathbf{1}_{27}^{\top}",
    ]
    code, _, err = run_cli(capsys, "derive", MAKEMORE, "--param", "Xb")
    assert code == 2 and "'Xb' has no gradient" in err


def test_sheet_of_a_program_in_every_format(tmp_path, capsys):
    for suffix in ("md", "html", "tex"):
        out = tmp_path / f"s.{suffix}"
        code, _, err = run_cli(capsys, "sheet", MAKEMORE, "-o", str(out), "--code", "torch")
        assert code == 0 and out.exists(), err
        text = out.read_text()
        assert "dh = dlogits @ W2.T" in text.replace("&#x27;", "'") or suffix == "tex"


def test_a_wrong_rule_in_the_sheet_is_refuted_by_its_stamp(tmp_path, monkeypatch):
    from symbackprop.sheet import build_sheet

    monkeypatch.setitem(array_rules.VJPS, "exp", (lambda c, g, ans, x: call("mul", g, x),))
    sheet = build_sheet(MAKEMORE)
    stamp = sheet.section("check").blocks[0]
    assert stamp.ok is False
