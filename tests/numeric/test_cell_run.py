"""Running backward cells: NumPy's own meaning of assignment, checked against NumPy doing it.

Each cell's statements are also written out below as plain Python on numpy arrays (the
reference), so the interpreter is compared with NumPy itself, not with a model of it.
"""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop.numeric import cell_run
from symbackprop.numeric.cell_run import CellWorkError, run_cell
from symbackprop.read.cell import read_cell
from symbackprop.read.code import read_program

PROGRAM = read_program("h = x @ W\ne = x[X]\nloss = (h ** 2).sum() + (e * e).sum()",
                       {"x": [4, 3], "W": [3, 2], "X": {"shape": [6], "integers": 4}})
NAMES = {"x": "dx", "W": "dW", "h": "dh", "e": "de", "loss": "dloss", "X": "dX"}
RNG = np.random.default_rng(3)
FORWARD = {"x": RNG.normal(size=(4, 3)), "W": RNG.normal(size=(3, 2)), "X": np.array([0, 2, 2, 1, 2, 0])}
FORWARD["h"] = FORWARD["x"] @ FORWARD["W"]
FORWARD["e"] = FORWARD["x"][FORWARD["X"]]


def _run(code: str, **kw):
    return run_cell(read_cell(code, PROGRAM, NAMES), PROGRAM, FORWARD, **kw)


def test_a_plain_name_shares_the_array_and_an_in_place_change_shows_through():
    run = _run("dh = 2 * h\ndW = dh\ndW *= 3")
    h = FORWARD["h"]
    dh = 2 * h
    dW = dh
    dW *= 3
    assert np.array_equal(run.values["dh"], dh) and run.changed["dh"][1] == "dW"
    copied = _run("dh = 2 * h\ndW = dh.copy()\ndW *= 3")
    assert np.array_equal(copied.values["dh"], 2 * h) and "dh" not in copied.changed


def test_a_view_shares_the_array_too():
    run = _run("dh = 2 * h\nde = dh.T\nde += 1")
    dh = 2 * FORWARD["h"]
    de = dh.T
    de += 1
    assert np.array_equal(run.values["dh"], dh) and run.changed["dh"][1] == "de"


def test_repeated_positions_get_one_write_with_plus_equals_and_every_one_with_add_at():
    de = np.arange(18.0).reshape(6, 3)
    X = FORWARD["X"]
    once = np.zeros((4, 3))
    once[X] += de
    every = np.zeros((4, 3))
    np.add.at(every, X, de)
    supplied = {"de": de}
    assert np.array_equal(_run("dx = np.zeros_like(x)\ndx[X] += de", supplied=supplied).values["dx"], once)
    assert np.array_equal(_run("dx = np.zeros_like(x)\nnp.add.at(dx, X, de)", supplied=supplied).values["dx"], every)
    torch_style = "dx = np.zeros_like(x)\ndx.index_add_(0, X, de)"
    assert np.array_equal(_run(torch_style, supplied=supplied).values["dx"], every)
    loop = "dx = np.zeros_like(x)\nfor k in range(6):\n  ix = X[k]\n  dx[ix] += de[k]"
    assert np.array_equal(_run(loop, supplied=supplied).values["dx"], every)
    assert not np.array_equal(once, every)  # X repeats 2 and 0: the two differ


def test_positions_with_ranges_slices_and_operators():
    run = _run("dh = np.zeros_like(h)\ndh[range(4), X[1:5] - 1] = 1.0\ndh[:, 1] -= 0.5\ndh /= 4")
    dh = np.zeros((4, 2))
    dh[range(4), FORWARD["X"][1:5] - 1] = 1.0
    dh[:, 1] -= 0.5
    dh /= 4
    assert not run.errors and np.array_equal(run.values["dh"], dh)


def test_a_line_that_does_not_fit_fails_and_the_lines_reading_it_follow():
    run = _run("dh = np.zeros_like(h)\ndh += np.ones_like(x)\ndW = x.T @ dh")
    first, second = run.errors
    assert first.kind == "shape" and first.message == (
        "the right side has shape (4, 3), which does not fit dh, of shape (4, 2)")
    assert second.kind == "upstream" and second.cause == "dh" and "line 2 left undefined" in second.message
    assert "dh" not in run.values and "dW" not in run.values
    wrong = _run("dW = x @ h")
    assert wrong.errors[0].message == "x @ h is (4, 3) @ (4, 2): inner dimensions differ (3 versus 4)"


def test_integers_take_no_float_gradient_in_place():
    run = _run("dh = X[:4] * 0\ndh += 0.5")
    assert run.errors[0].kind == "shape" and "holds integers" in run.errors[0].message


def test_only_one_gradient_s_lines_with_the_others_supplied():
    supplied = {"dh": np.full((4, 2), 7.0), "de": np.ones((6, 3))}
    run = _run("dh = 2 * h\ndW = x.T @ dh\nde = 2 * e", supplied=supplied, only="dW")
    assert "de" not in run.values and np.array_equal(run.values["dW"], FORWARD["x"].T @ supplied["dh"])
    assert np.array_equal(supplied["dh"], np.full((4, 2), 7.0))  # the supplied array is not changed


def test_work_is_counted_and_a_run_past_the_budget_stops(monkeypatch):
    run = _run("dh = 2 * h\ndW = x.T @ dh")
    cost = cell_run.STATEMENT_COST
    assert run.work == (cost + 8 + 8) + (cost + 12 + 6 + 6)  # per statement, the entries computed and written
    monkeypatch.setattr(cell_run, "MAX_RUN_WORK", 2 * cost)
    with pytest.raises(CellWorkError, match=f"line 2, column 1: the cell passes the work budget of {2 * cost:,}"):
        _run("dh = 2 * h\ndW = x.T @ dh")


def test_a_huge_array_is_refused_before_it_is_made():
    with pytest.raises(CellWorkError, match="line 1, column 1: the cell passes the work budget"):
        _run("dh = np.zeros((100000, 100000))")
