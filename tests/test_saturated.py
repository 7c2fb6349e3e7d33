"""Saturated inputs through every activation and loss in every command that computes numbers.

At x = [±800, 0] a sigmoid or softmax prediction rounds to exactly 0 or 1; the losses are
still modest finite numbers through their stable forms.  Each command either gives finite
numbers (JSON parsed strictly, no ``Infinity``) or refuses in one line with exit 2; none
ends in a traceback.  The loss ``grad`` reports is compared with an independent value: the
loss written out in mpmath at 400 digits.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import pytest
from conftest import ACTIVATIONS, LOSSES, output_activation_for, run_cli

HIDDEN = [a for a in ACTIVATIONS if a != "softmax"]


def _spec(path: Path, hidden: str, loss: str, x0: float) -> Path:
    out = output_activation_for(loss, "sigmoid")
    n_out = 1 if loss in ("binary_cross_entropy", "output") else 2
    if loss == "cross_entropy":
        out, n_out = "softmax", 2
    y = [0.0] if n_out == 1 else [1.0, 0.0]
    targets = "" if loss == "output" else f"y = {y}\n"
    w2 = [[1.0]] if n_out == 1 else [[1.0], [-1.0]]
    path.write_text(
        f'layers = [2, 1, {n_out}]\nactivation = ["{hidden}", "{out}"]\nloss = "{loss}"\n'
        f"[values]\nx = [{x0}, 0.0]\n{targets}W1 = [[1.0, 0.5]]\nb1 = [0.0]\nW2 = {w2}\nb2 = {[0.0] * n_out}\n"
        "learning_rate = 0.001\n")
    return path


def _reference_loss(hidden: str, loss: str, x0: float) -> mpmath.mpf:
    mpmath.mp.dps = 400
    z1 = mpmath.mpf(x0)
    f = {"identity": lambda z: z, "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)), "tanh": mpmath.tanh,
         "relu": lambda z: max(z, 0), "leaky_relu": lambda z: z if z > 0 else z / 100,
         "softplus": lambda z: mpmath.log(1 + mpmath.exp(z))}[hidden]
    a1 = f(z1)
    if loss == "cross_entropy":
        z = [a1, -a1]
        return -(z[0] - mpmath.log(mpmath.exp(z[0]) + mpmath.exp(z[1])))
    sig = lambda z: 1 / (1 + mpmath.exp(-z))  # noqa: E731
    if loss == "binary_cross_entropy":
        a = sig(a1)
        return -mpmath.log(1 - a)
    if loss == "output":
        return sig(a1)
    a, y = [sig(a1), sig(-a1)], [1, 0]
    sq = sum((ai - yi) ** 2 for ai, yi in zip(a, y))
    return {"squared": sq / 2, "sse": sq, "mse": sq / 2}[loss]


def _strict(text: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("x0", [800.0, -800.0])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_grad_check_and_sheet_on_saturated_inputs(hidden: str, loss: str, x0: float, tmp_path: Path, capsys) -> None:
    spec = str(_spec(tmp_path / "s.toml", hidden, loss, x0))
    status, out, err = run_cli(capsys, "grad", spec, "--json")
    assert "Traceback" not in err
    if status == 2:  # refused: one line naming what is not finite
        assert len(err.splitlines()) == 1 and "finite" in err, err
        grad_loss = None
    else:
        assert status == 0, err
        grad_loss = _strict(out)["loss"]
        expected = _reference_loss(hidden, loss, x0)
        assert math.isclose(grad_loss, float(expected), rel_tol=1e-9, abs_tol=1e-12), (grad_loss, expected)
    status, out, err = run_cli(capsys, "check", spec)
    assert status in (0, 1, 2) and "Traceback" not in err
    if status == 2:
        assert len(err.splitlines()) == 1, err
    for fmt in ("md", "html"):
        status, out, err = run_cli(capsys, "sheet", spec, "--format", fmt, "--detail", "summary")
        assert "Traceback" not in err
        if status == 2:
            assert len(err.splitlines()) == 1 and "finite" in err, err
            assert grad_loss is None, "the sheet refused what grad computed"
        else:
            assert status == 0, err
            for bad in ("zoo", "nan", "\\infty", "oo}"):
                assert bad not in out, (bad, fmt)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy", "squared"])
def test_worked_sheet_verify_and_exercise_on_saturated_inputs(loss: str, tmp_path: Path, capsys) -> None:
    spec = str(_spec(tmp_path / "s.toml", "sigmoid", loss, 800.0))
    status, out, err = run_cli(capsys, "sheet", spec, "--detail", "full")
    assert status == 0 and "zoo" not in out, err
    status, out, err = run_cli(capsys, "verify", spec, "--param", "w1_11", "--formula", "x1", "--json")
    assert status in (0, 1) and "Traceback" not in err, err
    _strict(out)
    status, _, err = run_cli(capsys, "exercise", spec, "--ask", "w2_11,w1_11", "-o", str(tmp_path / "ex"),
                             "--format", "md")
    assert status == 0, err
    key = _strict((tmp_path / "ex" / "key.json").read_text())
    assert all(math.isfinite(a["value"]) for a in key[0]["answers"].values() if a["value"] is not None)
