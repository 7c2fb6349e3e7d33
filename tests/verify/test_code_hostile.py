"""Unlucky and hostile backward cells: a result or one clear error, never a traceback or a NaN
printed as a number."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, run_cli

from symbackprop.read.code_limits import MAX_NESTING
from symbackprop.verify.code_verdict import verify_code

MAKEMORE = str(ROOT / "examples" / "makemore.toml")


def _cell(tmp_path, text):
    path = tmp_path / "cell.py"
    path.write_text(text)
    return str(path)


def test_values_that_are_not_finite_are_said_and_json_stays_json(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "verify", MAKEMORE, "--file", _cell(tmp_path, "dW2 = h.T @ dlogits / 0\n"), "--json")
    (obj,) = json.loads(out)  # strict JSON: no Infinity, no NaN
    assert code == 1 and obj["maxdiff"] is None and obj["counterexample"]["value"] is None
    assert obj["counterexample"]["not_finite"] in ("inf", "-inf", "nan")
    code, out, _ = run_cli(capsys, "verify", MAKEMORE, "--file", _cell(tmp_path, "dW2 = h.T @ dlogits / 0\n"))
    assert code == 1 and "not finite at [" in out


@pytest.mark.parametrize(("text", "message"), [
    ("dW2 = " + "(" * (MAX_NESTING + 5) + "h" + ")" * (MAX_NESTING + 5), f"brackets nested more than {MAX_NESTING}"),
    ("dW2 = h.T @ dlogits\n" * 401, "the code is 402 lines; at most 400 are read"),
    ("dh = torch.zeros((100000, 100000))\n", "the cell passes the work budget of 20,000,000 array entries"),
    ("dC = torch.zeros_like(C)\nfor k in range(1000000000000):\n  dC += 1\n", "the cell runs more than 20,000 statements"),
    ("dh = dlogits @ W2.T\ndh = dh[dh]\n", "dh holds floats and cannot index an array"),
])
def test_input_past_a_limit_is_one_line(tmp_path, capsys, text, message):
    code, out, err = run_cli(capsys, "verify", MAKEMORE, "--file", _cell(tmp_path, text))
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err


def test_a_reshape_that_fails_only_because_of_an_earlier_line_follows_from_it():
    cell = (ROOT / "examples" / "makemore_backward.py").read_text().replace(
        "dembcat = dhprebn @ W1.T", "dembcat = dhprebn @ W1.T[:, :29]")
    v = verify_code(MAKEMORE, cell.replace("demb = dembcat.view(emb.shape)", "demb = dembcat.view(32, 3, -1)"))
    assert v["dembcat"].diagnosis is not None and v["dembcat"].follows_from is None
    assert v["demb"].follows_from == (v["dembcat"].line, "dembcat")


def test_an_integer_array_cannot_take_float_gradients_in_place():
    v = verify_code(MAKEMORE, "dW2 = h.T @ dlogits\ndC = Xb[:27, :1] * 0\ndC += 1.0")
    assert v["dC"].status == "wrong" and "holds integers" in (v["dC"].failure or "")
