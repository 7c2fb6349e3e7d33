"""Hostile and unlucky input (issue 13): every class ends in a result or one line and exit 2.

Each test here failed before its fix: a traceback, a hang that the budget now refuses by
counting, a silent inf/NaN, a wrong status or a file left behind.  No test times anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from conftest import run_cli

from symbackprop.cli import main
from symbackprop.errors import FormulaError, SpecError, TooLargeError
from symbackprop.graph import mlp
from symbackprop.read import budget, load_spec, parse_formula
from symbackprop.read.limits import MAX_SPEC_BYTES, MAX_SPEC_DEPTH, checked_int

BIG = "9" * 5000  # past Python's 4,300-digit int-conversion limit


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, err = run_cli(capsys, *argv)
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
    assert budget.network_parameters([3, 2, 4], [True, False]) == 3 * 2 + 2 + 2 * 4
    assert load_spec("-".join(["1"] * budget.MAX_LAYERS)).network.layers[0] == 1
    with pytest.raises(TooLargeError, match=f"{budget.MAX_LAYERS + 1} layers"):
        load_spec("-".join(["1"] * (budget.MAX_LAYERS + 1)))
    assert len(load_spec("-".join(["1"] * (budget.MAX_LAYERS + 1)), force=True).network.layers) == budget.MAX_LAYERS + 1


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


# ----- iterative graph algorithms

def _chain_spec(path: Path, length: int) -> Path:
    nodes = ", ".join(['n0 = "x * w"'] + [f'n{k} = "n{k - 1} * w"' for k in range(1, length)])
    path.write_text(f'[graph]\ninputs = ["x"]\nparameters = ["w", "v"]\nnodes = {{ {nodes}, u = "v" }}\n'
                    f'output = "n{length - 1}"\n')
    return path


def test_a_long_graph_chain_derives_without_recursion(tmp_path: Path, capsys) -> None:
    import sys
    spec = load_spec(_chain_spec(tmp_path / "chain.toml", 400), force=True)  # past the node limit
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(250)  # below the chain's length: any recursion per node fails
    try:
        from symbackprop.derive import derive
        d = derive(spec.network)[spec.network.lookup("w")]
        # w feeds every node: 400 paths, the longest through all 400 nodes.
        assert d.path_count() == 400 and max(len(p.nodes) for p in d.path_list(max_paths=400)) == 401
    finally:
        sys.setrecursionlimit(limit)
    w = spec.network.lookup("w")
    # Independent route: sympy.diff of the composed output, x·w^400.
    assert sp.simplify(d.expanded(max_size=10**6) - sp.diff(spec.network.composed(), w)) == 0


def test_a_parameter_that_does_not_reach_the_output_gets_a_sheet(tmp_path: Path, capsys) -> None:
    status, out, err = run_cli(capsys, "sheet", str(_chain_spec(tmp_path / "c.toml", 3)), "--params", "v")
    assert status == 0 and "No path leads" in out, err


def test_graph_and_depth_limits_are_stated_and_forced(tmp_path: Path, capsys) -> None:
    path = _chain_spec(tmp_path / "long.toml", budget.MAX_GRAPH_NODES + 1)
    assert "--force" in one_line_error(capsys, "derive", str(path))


# ----- the one exit path: escaped text, closed or full stdout, signals

def test_control_characters_in_user_text_are_escaped(tmp_path: Path, capsys) -> None:
    path = tmp_path / "esc.json"
    path.write_text('{"layers": [2, 2], "\\u001b[31mred\\u202e": 1}')
    err = one_line_error(capsys, "derive", str(path))
    assert "\x1b" not in err and "\\x1b[31mred\\u202e" in err
    # verify's own checks (here: a homework file that is not there) take the same exit path.
    err = one_line_error(capsys, "verify", "2-2-1", "--file", str(tmp_path / "\x1b[31mmissing.txt"))
    assert err.startswith("symbackprop: error: --file") and "\x1b" not in err and "\\x1b[31mmissing" in err
    path.write_text('{"layers": [2, 2], "title": "\\ud800 lone"}')  # a lone surrogate
    status, out, _ = run_cli(capsys, "derive", str(path))
    assert status == 0 and "% \\ud800 lone" in out


class _Failing:
    def __init__(self, exc: OSError) -> None:
        self.exc = exc

    def write(self, text: str) -> int:
        raise self.exc

    def flush(self) -> None:
        raise self.exc


@pytest.mark.parametrize("errno_", [32, 28, 5])  # EPIPE: a reader that closed; ENOSPC: a full disk; EIO
def test_a_failing_stdout_keeps_the_earned_status(monkeypatch, capsys, errno_: int) -> None:
    import sys
    lost = errno_ != 32  # a closed pipe keeps the earned status; lost output is a failure
    monkeypatch.setattr(sys, "stdout", _Failing(OSError(errno_, "failed")))
    wrong = ["verify", "2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1) * a1_1"]
    assert main(wrong) == (2 if lost else 1)  # a wrong verdict stays 1 after a closed pipe
    monkeypatch.setattr(sys, "stdout", _Failing(OSError(errno_, "failed")))
    assert main(["derive", "2-1"]) == (2 if lost else 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("cannot write the output" in err) == lost


def test_sigterm_during_sheet_output_removes_the_temporary_file(tmp_path: Path, monkeypatch, capsys) -> None:
    import os
    import signal

    import symbackprop.cli.sheet as sheet_cli
    real = os.fsync

    def killed(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        real(fd)

    monkeypatch.setattr(sheet_cli.os, "fsync", killed)
    status = main(["sheet", "2-1", "-o", str(tmp_path / "s.md")])
    assert status == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
    assert "terminated" in capsys.readouterr().err


def test_a_negative_seed_is_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", "2-2", "--seed", "-1"])
    assert exit_.value.code == 2 and "non-negative" in capsys.readouterr().err


# ----- finite or refused

def test_an_update_that_overflows_is_refused_not_printed_as_infinity(tmp_path: Path, capsys) -> None:
    path = tmp_path / "o.toml"
    path.write_text('layers = [1, 1]\nactivation = "identity"\n[values]\nx = [1e3]\ny = [0.0]\n'
                    'W1 = [[1e3]]\nb1 = [0.0]\nlearning_rate = 1e300\n')  # η·∂L/∂W = 1e309
    err = one_line_error(capsys, "grad", str(path), "--json")
    assert "updated.W1" in err


def test_a_sheet_refuses_what_grad_refuses(tmp_path: Path, capsys) -> None:
    path = tmp_path / "o.toml"
    path.write_text('layers = [1, 1]\nactivation = "identity"\n[values]\nx = [1e200]\ny = [0]\n'
                    'W1 = [[1e200]]\nb1 = [0]\n')
    assert "within float64's range" in one_line_error(capsys, "sheet", str(path))
    assert "finite" in one_line_error(capsys, "grad", str(path))


# ----- papercuts

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_grad_on_layer_sizes_says_it_needs_numbers(capsys) -> None:
    err = one_line_error(capsys, "grad", "2-2-2")
    assert "grad needs numbers" in err and "[values]" in err


def test_train_warns_when_the_loss_stalls_in_a_local_minimum(capsys) -> None:
    base = ["train", str(EXAMPLES / "xor.toml"), "--data", str(EXAMPLES / "xor.csv"), "--epochs", "1000",
            "--learning-rate", "5"]
    status, _, err = run_cli(capsys, *base)  # seed 0: XOR's local minimum, loss 0.064
    assert status == 0 and "local minimum" in err and "--seed" in err
    status, _, err = run_cli(capsys, *base, "--seed", "1")  # reaches 0.001: no warning
    assert status == 0 and "warning" not in err


def test_a_typo_in_the_first_csv_row_is_not_a_header(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d.csv"
    data.write_text("0,l,1\n1,0,1\n")
    err = one_line_error(capsys, "train", "2-1", "--data", str(data), "--learning-rate", "1")
    assert "line 1 column 2" in err and "'l'" in err
    data.write_text("x1,x2,y\n1,0,1\n")  # a real header still works
    assert run_cli(capsys, "train", "2-1", "--data", str(data), "--learning-rate", "1", "--epochs", "1")[0] == 0


def test_a_formula_may_start_with_a_minus_sign(capsys) -> None:
    status, out, err = run_cli(capsys, "verify", "2-2-1", "--param", "w2_11", "--formula", "-a1_1")
    assert status == 1 and "wrong" in out, err


def test_verify_skips_the_symbolic_route_when_the_expansion_is_huge() -> None:
    from symbackprop.verify import verify
    factors = ["x_1", "x_2", "a1_1", "a1_2", "w1_11", "w1_12", "w1_21", "w1_22", "w2_11", "w2_12", "b1_1",
               "b1_2", "b2_1", "y1"]
    text = "".join(f"({f}+1)({f}-1)" for f in factors)  # 2^28 terms once expanded
    substituted = budget.expansion_terms(parse_formula(text, mlp([2, 2, 1])))
    assert substituted > budget.MAX_EXPANSION_TERMS
    assert verify(mlp([2, 2, 1]), "w2_11", text).status == "wrong"


# ----- the gradient checker

def test_the_checker_scales_its_step_to_the_parameter() -> None:
    import numpy as np

    from symbackprop.numeric import check_gradients
    net = mlp([1, 1], activation="identity", loss="squared")
    params = {"W1": np.array([[5e153]]), "b1": np.array([5e153])}
    report = check_gradients(net, params, [[1.0]], [[0.0]])
    # ∂L/∂w = ∂L/∂b = w·x + b − y = 1e154; a step of 1e-6 is below float64's spacing there.
    assert report.ok, str(report)
    assert [r.derived for r in report.rows] == [pytest.approx(1e154)] * 2
    wrong = check_gradients(net, params, [[1.0]], [[0.0]],
                            gradient=lambda p, X, Y: {"W1": np.array([[1.1e154]]), "b1": np.array([1e154])})
    assert [r.passed for r in wrong.rows] == [False, True]  # a planted 10 % error is still caught


def test_two_kinks_moving_apart_are_reported_not_failed() -> None:
    import numpy as np

    from symbackprop.numeric import check_gradients
    net = mlp([1, 2, 1], activation=["relu", "identity"], loss="squared")
    # x = 0 puts both hidden units on their kinks; x moves them apart (weights +1 and −1).
    params = {"W1": np.array([[1.0], [-1.0]]), "b1": np.zeros(2), "W2": np.array([[2.0, 3.0]]), "b2": np.array([0.5])}
    report = check_gradients(net, params, [[0.0]], [[0.0]], inputs=True)
    x_row = report.rows[-1]
    assert x_row.name == "x1[0]" and not x_row.checked and "2 ReLU kinks" in x_row.note
    assert report.ok and "not checkable" in report.summary() and "n/a" in str(report)
    wrong = check_gradients(net, params, [[0.0]], [[0.0]], gradient=lambda p, X, Y: {
        **net_grads(net, params), "W2": np.array([[9.0, 9.0]])})
    assert not wrong.ok  # rows off the kinks are still judged


def net_grads(net, params):  # a test helper
    from symbackprop.numeric import compile_network
    return compile_network(net).loss_and_gradients(params, [[0.0]], [[0.0]])[1]


def test_a_nan_row_says_nan() -> None:
    import numpy as np

    from symbackprop.numeric import check_gradients
    net = mlp([1, 1], activation="identity", loss="squared")
    params = {"W1": np.array([[0.5]]), "b1": np.array([0.1])}
    report = check_gradients(net, params, [[1.0]], [[0.0]],
                             gradient=lambda p, X, Y: {"W1": np.array([[np.nan]]), "b1": np.array([0.6])})
    row = report.rows[0]
    assert not row.passed and np.isnan(row.rel_err) and "derived is nan" in row.note
    assert "nan" in str(report).splitlines()[2] and "0.0e+00" not in str(report).splitlines()[2]


def test_the_mistake_search_counts_its_work(monkeypatch) -> None:
    from symbackprop.verify import verify
    net = mlp([2, 2, 1])
    wrong = "(a2_1 - y1) * a1_1"  # the σ′ factor is missing
    assert verify(net, "w2_11", wrong).diagnosis.kind == "missing_activation_derivative"
    monkeypatch.setattr(budget, "MAX_DIAGNOSIS_WORK", 0)  # over budget: δ-level variants only
    v = verify(net, "w2_11", wrong)
    assert v.status == "wrong" and v.diagnosis is not None and v.counterexample is not None


@pytest.mark.parametrize("argv", [["check", "16-64-64-10"],
                                  ["verify", "16-64-64-10", "--param", "w1_1_1", "--formula", "x_1"]])
def test_check_and_verify_refuse_large_networks_without_force(capsys, argv: list[str]) -> None:
    err = one_line_error(capsys, *argv)
    assert "5,898 parameters" in err and f"at most {budget.MAX_CHECKED_PARAMETERS:,}" in err and "--force" in err


def test_grad_and_train_have_their_own_limit(capsys) -> None:
    assert budget.COMMAND_PARAMETERS["grad"] < budget.MAX_PARAMETERS
    err = one_line_error(capsys, "train", "16-64-64-10", "--data", str(EXAMPLES / "xor.csv"), "--learning-rate", "1")
    assert "train: a network of 5,898 parameters" in err and "--force" in err
