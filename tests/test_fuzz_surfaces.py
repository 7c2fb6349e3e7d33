"""Fuzzing the surfaces the third hostile round found: vector formulas, notation tables,
notebooks and keys for ``mark``, and multi-file output cut short by a signal.  Each case
ends in a result or the project's own error (never another exception), within a counted
budget: the vector mistake search's node visits, the aliases read, the students marked."""

from __future__ import annotations

import copy
import json
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symbackprop as sbp
from symbackprop.errors import SymbackpropError
from symbackprop.read import budget
from symbackprop.verify import matrix_verdict

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
NET = sbp.mlp([2, 3, 2])

# ----- vector formulas

VECTOR_PIECES = [
    r"\delta^{(2)}", r"\delta^{(1)}", r"(a^{(1)})^T", r"a^{(1)}", r"(W^{(2)})^T", r"W^{(2)}", "x^T", "x", "y",
    r"\odot", r"\sigma'(z^{(1)})", r"\sigma(z^{(2)})", "+", "-", "(", ")", "^T", "2", r"\frac{1}{2}", "0",
    "/", "e^{800}", "10^{400}", r"\ln(0)", r"\operatorname{diag}(", r"a^{(2)} - y", r"\cdot", "'", " ",
]


@FUZZ
@given(st.lists(st.sampled_from(VECTOR_PIECES), min_size=1, max_size=30),
       st.sampled_from([r"\frac{\partial L}{\partial W^{(2)}} = ", r"\delta^{(1)} = ", r"\frac{\partial L}{\partial b^{(1)}} = "]))
def test_vector_formulas_give_a_verdict_or_one_error(pieces: list[str], left: str) -> None:
    visits = [0]
    real = matrix_verdict.shape

    def counted(*args, **kwargs):
        visits[0] += 1
        return real(*args, **kwargs)

    matrix_verdict.shape = counted  # type: ignore[assignment]
    try:
        v = sbp.verify(NET, None, left + " ".join(pieces))
    except SymbackpropError as exc:
        assert str(exc)
        return
    finally:
        matrix_verdict.shape = real  # type: ignore[assignment]
    assert v.status in sbp.STATUSES
    d = v.as_dict()
    json.dumps(d, allow_nan=False)  # every number in a verdict is finite or null
    assert visits[0] <= budget.MAX_VECTOR_SEARCH + 20  # the search is counted (each visit ≥ 1 node)


# ----- notation tables

NAMES = st.sampled_from(["w_5", "out_{o1}", "E_{total}", "y", "T", "d", "n", "x", "q", r"\theta", "h_1", "W",
                         "w^{(2)}_{11}", "a1_1", r"\sigma", "e", "1", "", "w_5 + 1", "k_{1}", "ŷ"])
TARGETS = st.sampled_from(["w^{(2)}_{11}", "a^{(2)}_1", "L", "x_1", "nothing", "w_5", "", "2", r"\delta^{(1)}_1"])


@FUZZ
@given(st.dictionaries(NAMES, TARGETS, max_size=8))
def test_notation_tables_load_or_are_refused_by_field(table: dict[str, str]) -> None:
    try:
        spec = sbp.load_spec({"layers": [2, 2, 1], "notation": table})
    except SymbackpropError as exc:
        assert str(exc).startswith("notation")
        return
    for alias in table:
        assert alias.strip() not in ("y", "T", "d", "n", "x", "W", "E", "L")
        spec.network.lookup(alias)  # every accepted alias names something


# ----- notebooks and keys for mark

@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    pytest.importorskip("nbformat")
    from symbackprop.exercise import exercise_files

    folder = tmp_path_factory.mktemp("fuzz-exercise")
    for name, text in exercise_files("2-2-1", "w2_11,W2", variants=2, seed=1, formats=["ipynb"]).items():
        (folder / name).write_text(text)
    return folder


JUNK = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=8)


def _mutate(doc: object, path: list[int], value: object) -> object:
    """``doc`` with the node reached by following ``path`` (indices into keys or items) replaced."""
    doc = copy.deepcopy(doc)
    parent, key = None, None
    node = doc
    for step in path:
        if isinstance(node, dict) and node:
            key = list(node)[step % len(node)]
        elif isinstance(node, list) and node:
            key = step % len(node)
        else:
            break
        parent, node = node, node[key]
    if parent is None:
        return value
    parent[key] = value
    return doc


@FUZZ
@given(st.lists(st.integers(0, 50), max_size=6), JUNK, st.booleans())
def test_a_mutated_notebook_is_one_students_rows(exercise, tmp_path_factory, path, value, as_key) -> None:
    from symbackprop.exercise.marking import mark

    folder = tmp_path_factory.mktemp("class")
    notebook = json.loads((exercise / "exercise-v1.ipynb").read_text())
    key = json.loads((exercise / "key.json").read_text())
    if as_key:
        key = _mutate(key, path, value)
    else:
        notebook = _mutate(notebook, path, value)
    (folder / "zed.ipynb").write_text(json.dumps(notebook))
    (folder / "amy.ipynb").write_text((exercise / "exercise-v2.ipynb").read_text())
    (folder / "key.json").write_text(json.dumps(key))
    try:
        rows = mark([folder], folder / "key.json")
    except SymbackpropError as exc:
        assert as_key and str(exc).startswith("--key")  # only the teacher's key may stop the class
        return
    assert {r.student for r in rows} == {"amy", "zed"}  # both marked, whatever zed's file holds
    if not as_key:  # amy's file and key are untouched: her rows are as before
        assert [r.status for r in rows if r.student == "amy"] == ["unanswered", "unanswered"]


# ----- multi-file output with signals

@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 30), st.booleans())
def test_an_exercise_cut_at_any_file_leaves_nothing_or_everything(tmp_path_factory, cut: int, existing: bool) -> None:
    from symbackprop.cli import main
    from symbackprop.cli import files as cli_files

    base = tmp_path_factory.mktemp("cut")
    out = base / "class"
    if existing:
        out.mkdir()
        (out / "notes.txt").write_text("kept\n")
    written = [0]
    real_open = open

    def counting_open(path, *args, **kwargs):  # the cut: SIGTERM while the cut-th file is written
        if str(path).startswith(str(base)) and "w" in (args[0] if args else kwargs.get("mode", "r")):
            written[0] += 1
            if written[0] == cut:
                os.kill(os.getpid(), signal.SIGTERM)
        return real_open(path, *args, **kwargs)

    cli_files.open = counting_open  # type: ignore[attr-defined]
    try:
        status = main(["exercise", "2-2-1", "--ask", "w2_11", "-o", str(out), "--variants", "3", "--format", "md"])
    finally:
        del cli_files.open  # type: ignore[attr-defined]
    names = sorted(p.name for p in out.iterdir()) if out.exists() else []
    if status == 0:
        assert "key.json" in names and len([n for n in names if n.endswith(".md")]) == 6
    else:
        assert status == 128 + signal.SIGTERM
        assert names == (["notes.txt"] if existing else [])
    assert not [p for p in base.iterdir() if p.name.startswith(".")]  # no temporary folder left
