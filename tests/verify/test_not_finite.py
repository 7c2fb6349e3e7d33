"""Verdicts on formulas whose constants are not finite numbers: a wrong verdict whose
counterexample value is null (not ``Infinity``), or one line with exit 2; never a traceback,
never a numpy warning on stderr."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

import symbackprop as sbp

W2 = r"\frac{\partial L}{\partial W^{(2)}} = "
VECTOR = [r"\delta^{(2)} (a^{(1)})^T / 0", r"e^{800} \delta^{(2)} (a^{(1)})^T", r"10^{400} \delta^{(2)} (a^{(1)})^T",
          r"\ln(0\,z^{(2)}) (a^{(1)})^T", r"\sqrt{-1} \delta^{(2)} (a^{(1)})^T", r"10^{308} \delta^{(2)} (a^{(1)})^T"]
SCALAR = ["10^{308} a1_1", "10^{400} a1_1", "e^{800} a1_1", "10^{308} 10^{308} a1_1", "10^{-400} a1_1"]


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in JSON")


@pytest.mark.parametrize("formula", [W2 + f for f in VECTOR] + SCALAR)
def test_a_formula_that_is_not_finite_is_judged_wrong_or_refused(formula: str, capsys) -> None:
    argv = ["verify", "2-2-1", "--formula", formula, "--json"]
    if not formula.startswith(W2):
        argv[2:2] = ["--param", "w2_11"]
    status, out, err = run_cli(capsys, *argv)
    assert "Traceback" not in err and "Warning" not in err, err
    if status == 2:
        assert len(err.splitlines()) == 1 and out == ""
        return
    assert status == 1 and err == "", err
    verdict = json.loads(out, parse_constant=_no_constants)
    assert verdict["status"] == "wrong"
    value = verdict["counterexample"]["formula_value"]
    assert value is None or abs(value) < 1.8e308


def test_the_library_raises_no_warning_on_a_vector_division_by_zero() -> None:
    # pytest turns warnings into errors: a numpy RuntimeWarning would fail this call.
    v = sbp.verify(sbp.mlp([2, 2, 1]), None, W2 + VECTOR[0])
    assert v.status == "wrong"
