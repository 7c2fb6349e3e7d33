"""The third hostile round's classes, each closed at its root and guarded by a count: the one
work budget (aliases, vector formulas, the vector mistake search, exercises), names the
notation reserves, and numbers that are not finite in a [graph]'s table."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from conftest import count_calls, run_cli

import symbackprop as sbp
from symbackprop.errors import FormulaError, SpecError, TooLargeError
from symbackprop.exercise import build as exercise_build
from symbackprop.read import budget
from symbackprop.verify import matrix_verdict


# ----- names the notation reserves cannot be aliases

@pytest.mark.parametrize("alias", ["y", "x", "T", "W", "d", "n", "E", "L", "a", "z", "b", r"\delta"])
def test_the_notations_own_words_cannot_be_aliases(alias: str) -> None:
    with pytest.raises(SpecError, match=f"notation.{alias.replace(chr(92), '.')}") as caught:
        sbp.load_spec({"layers": [2, 2, 1], "notation": {alias: "a^{(2)}_1"}})
    assert "word of the notation" in str(caught.value) or "already names" in str(caught.value)


def test_a_reserved_alias_would_have_changed_a_right_answer() -> None:
    # Why: with y standing for â, the right δ (a - y) σ'(z) read as 0 and was judged wrong.
    net = sbp.mlp([2, 2, 1])
    right = r"\delta^{(2)} = (a^{(2)} - y) \odot \sigma'(z^{(2)})"
    assert sbp.verify(net, None, right).status == "correct"
    with pytest.raises(SpecError):
        sbp.load_spec({"layers": [2, 2, 1], "notation": {"y": "a^{(2)}_1"}})
    ok = sbp.load_spec({"layers": [2, 2, 1], "notation": {"w_5": "w^{(2)}_{11}", "E_{total}": "L"}})
    assert ok.network.lookup("w_5").name == "w^{(2)}_{11}"


def test_aliases_are_counted_and_make_no_suggestions(monkeypatch) -> None:
    with pytest.raises(TooLargeError, match="1,001 aliases"):
        sbp.load_spec({"layers": [2, 2, 1],
                       "notation": {f"q_{{{k}}}": "w^{(2)}_{11}" for k in range(budget.MAX_ALIASES + 1)}})
    suggestions = count_calls(monkeypatch, difflib, "get_close_matches")
    sbp.load_spec({"layers": [2, 2, 1], "notation": {f"q_{{{k}}}": "w^{(2)}_{11}" for k in range(200)}})
    assert suggestions == [0]  # none made and thrown away


# ----- vector formulas pass the parser's limits; the mistake search is counted

def test_a_vector_formula_meets_the_prime_limit() -> None:
    primes = "'" * 12
    with pytest.raises(FormulaError, match="order 12"):
        sbp.verify(sbp.mlp([2, 2, 1]), None, rf"\delta^{{(1)}} = (W^{{(2)}})^T \delta^{{(2)}} \odot \sigma{primes}(z^{{(1)}})")


def test_the_vector_mistake_search_stays_within_its_budget(monkeypatch) -> None:
    terms = 50
    formula = r"\frac{\partial L}{\partial W^{(2)}} = " + " + ".join([r"\delta^{(2)} (a^{(1)})^T"] * terms)
    visits = count_calls(monkeypatch, matrix_verdict, "shape")
    v = sbp.verify(sbp.mlp([2, 2, 1]), None, formula)
    assert v.status == "wrong"
    size = 3 * terms  # at least: each term is δ, a and a product (and a transpose, a sum)
    assert visits[0] * size <= budget.MAX_VECTOR_SEARCH + 2 * size, visits
    # A small mistake is still named (the search is not simply off).
    small = sbp.verify(sbp.mlp([2, 3, 2]), None, r"\frac{\partial L}{\partial W^{(2)}} = a^{(1)} (\delta^{(2)})^T")
    assert small.diagnosis.kind == "transposed_gradient"


# ----- exercises: the work is counted before any sheet is made

def test_an_exercise_past_its_budget_is_refused_before_any_sheet(monkeypatch, tmp_path: Path, capsys) -> None:
    made = count_calls(monkeypatch, exercise_build, "problem_sheet")
    status, _, err = run_cli(capsys, "exercise", "2-3-2", "--ask", "layer,W2,b2,delta1", "-o", str(tmp_path / "x"),
                             "--variants", "100", "--format", "html,tex,md")
    assert status == 2 and "sheet-questions" in err and "--force" in err
    assert made == [0] and not (tmp_path / "x").exists()


def test_the_readme_exercise_fits_the_budget() -> None:
    # examples/xor.toml (2-2-1), --ask layer,b2 (3 questions), 30 variants, html + ipynb.
    assert budget.exercise_work(3, [3] * 30, [9] * 30) <= budget.MAX_EXERCISE_WORK


# ----- a [graph]'s table: every number finite or refused

def test_a_huge_learning_rate_on_a_graph_is_refused_not_minus_infinity(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "g.toml"
    spec.write_text('[graph]\ninputs = ["x"]\nparameters = ["w"]\nnodes = { f = "w * x" }\noutput = "f"\n'
                    "[values]\nx = 1e200\nw = 1.0\nlearning_rate = 1e200\n")
    for extra in (["--json"], []):
        status, out, err = run_cli(capsys, "grad", str(spec), *extra)
        assert status == 2 and out == "" and "updated.w" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("node", ["w / x", r"\ln(w * x)", r"\sqrt{w * x - 1}"])
def test_a_graph_sheet_refuses_what_grad_refuses(node: str, tmp_path: Path, capsys) -> None:
    spec = tmp_path / "g.toml"
    spec.write_text(f'[graph]\ninputs = ["x"]\nparameters = ["w"]\nnodes = {{ q = {json.dumps(node)}, f = "q * q" }}\n'
                    'output = "f"\n[values]\nx = 0\nw = 2\n')
    for command in ("sheet", "grad"):
        status, out, err = run_cli(capsys, command, str(spec))
        assert status == 2 and "Traceback" not in err and len(err.splitlines()) == 1, (command, err)


def test_five_chained_exponentials_are_refused_at_once(tmp_path: Path, capsys, monkeypatch) -> None:
    spec = tmp_path / "g.toml"
    spec.write_text('[graph]\ninputs = ["x"]\nparameters = ["w"]\n'
                    'nodes = { a = "\\\\exp(w * x)", b = "\\\\exp(a)", c = "\\\\exp(b)", d = "\\\\exp(c)", f = "\\\\exp(d)" }\n'
                    'output = "f"\n[values]\nx = 1\nw = 1\n')
    import mpmath

    exps = count_calls(monkeypatch, mpmath.libmp, "mpf_exp")  # the call that never returned
    status, _, err = run_cli(capsys, "sheet", str(spec))
    assert status == 2 and "d: expected a finite number" in err
    assert exps[0] < 1_000
