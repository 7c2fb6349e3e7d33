"""Hostile and unlucky input (issue 13): every class ends in a result or one line and exit 2.

Each test here failed before its fix: a traceback, a hang that the budget now refuses by
counting, a silent inf/NaN, a wrong status or a file left behind.  No test times anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from symbackprop.cli import main
from symbackprop.errors import FormulaError, SpecError, TooLargeError
from symbackprop.graph import mlp
from symbackprop.read import budget, load_spec, parse_formula
from symbackprop.read.limits import MAX_SPEC_BYTES, MAX_SPEC_DEPTH, checked_int

BIG = "9" * 5000  # past Python's 4,300-digit int-conversion limit


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, err = run(capsys, *argv)
    assert status == 2, (status, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ----- spec files: depth, size, duplicate keys, integers

@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_deep_specs_are_refused_by_depth_before_parsing(tmp_path: Path, capsys, suffix: str) -> None:
    body = "[" * 3000 + "]" * 3000
    path = tmp_path / f"deep{suffix}"
    path.write_text(f'{{"layers": {body}}}' if suffix == ".json" else f"layers = {body}\n")
    assert f"deeper than {MAX_SPEC_DEPTH}" in one_line_error(capsys, "derive", str(path))


def test_brackets_inside_strings_do_not_count_as_depth(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    formula = "{" * 40 + "x" + "}" * 40
    path.write_text(f'[graph]\ninputs = ["x"]\n# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nnodes = {{ f = "{formula}" }}\n')
    assert [nd.symbol.name for nd in load_spec(path).network.nodes] == ["f"]


def test_a_spec_over_the_size_limit_is_refused_at_once(tmp_path: Path, capsys) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"layers": [2, 2], "title": "' + "x" * MAX_SPEC_BYTES + '"}')
    assert "bytes; expected at most" in one_line_error(capsys, "derive", str(path))


def test_duplicate_json_keys_are_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"layers": [2, 2, 2], "values": {"x": [1, 2], "x": [3, 4]}}')
    err = one_line_error(capsys, "derive", str(path))
    assert "'x' twice" in err


@pytest.mark.parametrize("argv", [
    ["derive", f"2-{BIG}"],
    ["verify", "2-2-1", "--param", "w1_11", "--formula", f"x_{BIG}"],
    ["verify", "2-2-1", "--param", "w1_11", "--formula", f"w^{{({BIG})}}_{{11}}"],
    ["verify", "2-2-1", "--param", "w1_11", "--formula", f"\\sum_{{k={BIG}}}^{{3}} x_k"],
])
def test_integers_of_thousands_of_digits_are_one_clear_error(capsys, argv: list[str]) -> None:
    assert "at most 12 digits" in one_line_error(capsys, *argv)


def test_a_long_integer_in_a_spec_file_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "n.json"
    path.write_text('{"layers": [2, ' + BIG + "]}")
    assert "5,000 digits" in one_line_error(capsys, "derive", str(path))


def test_checked_int_is_the_one_conversion() -> None:
    assert checked_int("007", "f") == 7
    with pytest.raises(SpecError, match="f: expected an integer"):
        checked_int("1e3", "f")
    with pytest.raises(FormulaError, match="at most 12 digits"):
        checked_int("1" * 13, "g", FormulaError)


def test_networks_over_the_parameter_limit_need_force(capsys) -> None:
    err = one_line_error(capsys, "derive", "1000-999")
    assert "999,999 parameters" in err and "--force" in err
    with pytest.raises(TooLargeError):
        load_spec("1000-999")
    assert load_spec("3-2", max_parameters=8).network.layers == (3, 2)
    with pytest.raises(TooLargeError):
        load_spec("3-2", max_parameters=7)  # 6 weights + 2 biases: the count is exact


# ----- the parser's budget

NET = mlp([2, 2, 1])


@pytest.mark.parametrize(("text", "message"), [
    ("\\sigma" + "'" * 20 + "(z^{(1)}_1)", "derivative of order 20"),
    ("{{w^{(1)}_{11}}^{1000}}^{1000}", "multiply to 1,000,000"),
    ("\\sigma(" * 40 + "x_1" + ")" * 40, "nested 40 deep"),
    ("\\exp(" * 5 + "x_1" + ")" * 5, "nested 5 deep"),
])
def test_the_parser_refuses_work_beyond_its_budget(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula(text, NET)


def test_the_budget_limits_are_exact() -> None:
    ok = "\\sigma" + "'" * budget.MAX_PRIME_ORDER + "(z^{(1)}_1)"
    parse_formula(ok, NET)
    parse_formula("{x_1^{10}}^{100}", NET)  # exactly 1,000
    with pytest.raises(FormulaError):
        parse_formula("{x_1^{11}}^{100}", NET)
    parse_formula("\\exp(" * 4 + "x_1" + ")" * 4, NET)


def test_expansion_estimates_bound_sympy_expand() -> None:
    x, y, z = sp.symbols("x y z")
    for e in [(x + y) ** 5 * (x - z), (x + y + z) ** 4, sp.exp((x + y) ** 2) * (x + 1), (x + 1) * (y + 1) * (z + 1)]:
        assert budget.expansion_terms(e) >= len(sp.Add.make_args(sp.expand(e)))
    assert budget.expansion_terms(sp.Mul(*[(sp.Symbol(f"a{k}") + 1) for k in range(30)])) == 2**30
