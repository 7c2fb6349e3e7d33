"""Fuzzing: any text gives an expression or a FormulaError, never another exception, and
what it gives stays inside the work budget: counted (depth, exponents, terms), not timed."""

from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop.graph import mlp
from symbackprop.read import FormulaError, budget, parse_formula
from symbackprop.read.build import MAX_STEPS

NET = mlp([2, 2, 2], activation=["relu", "softmax"], loss="cross_entropy")
VALID = [
    r"\delta^{(2)}_1 w^{(2)}_{11} H(z^{(1)}_1) x_2",
    r"\frac{1}{2}\left(\hat{y}_1 - y_1\right)^{2} + e^{-z^{(1)}_{1}}",
    r"\sum_{k=1}^{n} w^{(2)}_{k1} \delta^{(2)}_k \cdot \max(0, z^{(1)}_1)",
    "(a2_1 - y1) * a2_1 * (1 - a2_1) * x1 ** 2",
    r"\operatorname{softmax}_{1}\left(z^{(2)}_{1}, z^{(2)}_{2}\right) \ln a^{(2)}_2",
    "sigmoid(z1_1)*(1-sigmoid(z1_1))*x1 / 0.5",
    r"\sqrt[3]{x_1} - \tanh^2(z^{(1)}_2) + f'(z^{(1)}_1)",
]
# Pieces of the notation, so random text reaches deep into the grammar, not just the lexer.
PIECES = [
    "x_1", "y_2", "a^{(1)}_2", "w^{(2)}_{12}", "z^{(1)}_1", r"\delta^{(2)}_1", r"\hat{y}_1",
    r"\frac{", "}{", "}", "{", "(", ")", "[", "]", r"\left(", r"\right)", "+", "-", "*", "/",
    "^", "_", "**", "'", ",", r"\cdot", r"\sum_{k=1}^{n}", "_k", "k", "e^{", r"\sigma", r"\ln",
    r"\max(0,", "H(", "0", "1", "2.5", "999999999", r"\sqrt{", "f'(", r"\exp", "w1_12", "q", " ",
    r"\operatorname{softmax}_{1}(", r"\{", r"\}", "\\", "$", "0/", "^{-1}", "^{999}",
]


def within_budget(expr: sp.Expr) -> None:
    """The work a formula can cause later is bounded by what the budget counts now."""
    assert budget.function_depth(expr) <= budget.MAX_FUNCTION_DEPTH
    assert budget.exponent_product(expr) <= budget.MAX_EXPONENT_PRODUCT
    assert sp.count_ops(expr, visual=False) <= 4 * MAX_STEPS


def check(text: str) -> None:
    try:
        result = parse_formula(text, NET)
    except FormulaError as exc:
        assert exc.message
        str(exc)
    else:
        assert isinstance(result, sp.Expr)
        assert not result.has(sp.zoo, sp.nan)
        within_budget(result)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_random_text(text: str) -> None:
    check(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=25))
def test_random_notation_pieces(pieces: list[str]) -> None:
    check("".join(pieces))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(st.sampled_from(PIECES))
        if op == "insert":
            text = text[:pos] + piece + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)):]
        elif op == "replace":
            text = text[:pos] + piece + text[pos + 1:]
        else:
            text = text[:pos] + text[pos:pos + 8] * 2 + text[pos + 8:]
    return text


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_valid_formulas(text: str) -> None:
    check(text)


def test_valid_seeds_parse() -> None:
    for text in VALID:
        assert isinstance(parse_formula(text, NET), sp.Expr)


def test_pathological_inputs_are_refused_within_the_budget() -> None:
    for text in ["(" * 5000, "-" * 15000 + "x_1", "x_1" + "^{2}" * 3000, "9" * 10_000,
                 r"\sum_{k=1}^{999}" * 4 + "x_1", "2^{2^{2^{2^{2^{2}}}}}", "x_1 " * 6000,
                 r"\frac{" * 90 + "1" + "}{2}" * 90, "\\sigma" + "'" * 20 + "(z^{(1)}_1)",
                 "{{x_1^{1000}}^{1000}}^{1000}", "\\exp(" * 30 + "x_1" + ")" * 30, "x_" + "9" * 5000]:
        check(text)


VERIFY_NET = mlp([2, 2, 1], activation=["relu", "sigmoid"], loss="binary_cross_entropy")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(VERIFY_NET.params))
def test_verify_returns_a_verdict_or_a_symbackprop_error(text: str, param) -> None:
    from symbackprop.errors import SymbackpropError
    from symbackprop.verify.verifier import STATUSES, verify

    try:
        v = verify(VERIFY_NET, param, text)
    except SymbackpropError:
        pass
    else:
        assert v.status in STATUSES
        within_budget(v.formula)
        str(v)


# ----- specs, graph nodes and CSV files through the command line, in-process

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**30) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["layers", "activation", "loss", "bias", "values", "graph", "title", "x", "W1", "nodes"]),
        inner, max_size=4),
    max_leaves=12,
)
_SPEC = st.fixed_dictionaries(
    {"layers": st.lists(st.integers(-1, 4), min_size=1, max_size=4)},
    optional={"activation": st.sampled_from(["relu", "sigmoid", "softmax", "step", 3]), "values": _JSON,
              "loss": st.sampled_from(["squared", "cross_entropy", "output", "nope"]), "bias": _JSON},
) | st.builds(lambda nodes: {"graph": {"inputs": ["x", "y"], "parameters": ["w"], "nodes": nodes}},
              st.dictionaries(st.sampled_from(["q", "f", "h"]), mutated() | st.sampled_from(
                  ["x * w", "\\sigma(q)", "q^{2} + y", "\\ln(w)"]), min_size=1, max_size=3))


def _cli(argv: list[str]) -> int:
    import contextlib
    import io

    from symbackprop.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main(argv)
    assert status in (0, 1, 2), status
    assert "Traceback" not in err.getvalue() and err.getvalue().count("\n") <= 1, err.getvalue()
    return status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(spec=_SPEC, command=st.sampled_from(["derive", "grad", "check"]))
def test_random_specs_end_in_a_result_or_one_line(tmp_path_factory, spec: dict, command: str) -> None:
    import json

    path = tmp_path_factory.mktemp("spec") / "s.json"
    path.write_text(json.dumps(spec))
    _cli([command, str(path)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.sampled_from(["0", "1", "x1", "", "nan", "1e999", "0.5", "l", " 2 "]),
                              min_size=1, max_size=4), max_size=5))
def test_random_csv_ends_in_a_result_or_one_line(tmp_path_factory, rows: list[list[str]]) -> None:
    folder = tmp_path_factory.mktemp("csv")
    (folder / "d.csv").write_text("\n".join(",".join(r) for r in rows))
    _cli(["train", "2-1", "--data", str(folder / "d.csv"), "--epochs", "2", "--learning-rate", "0.1"])
