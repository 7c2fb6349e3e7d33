"""``[notation]``: other textbooks' names, in every place a name is taken, and what is bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.read import load_spec, parse_formula
from symbackprop.verify import verify

MAZUR = {
    "layers": [2, 2, 2],
    "notation": {
        "w_5": "w^{(2)}_{11}", "out_{h1}": "a^{(1)}_1", "out_{o1}": "a^{(2)}_1",
        "target_{o1}": "y_1", "E_{total}": "L", "net_{o1}": "z_1^{(2)}",
    },
}
RIGHT = r"(out_{o1} - target_{o1}) \cdot out_{o1}(1 - out_{o1}) \cdot out_{h1}"
WRONG = r"(out_{o1} - target_{o1}) \cdot out_{h1}"


def test_aliases_in_formulas_mean_what_they_stand_for() -> None:
    net = load_spec(MAZUR).network
    assert parse_formula(RIGHT, net) == parse_formula(
        r"(a^{(2)}_1 - y_1) a^{(2)}_1 (1 - a^{(2)}_1) a^{(1)}_1", net)
    # every spelling of an alias, and powers of it
    for text in ("w_5", "w_{5}", "{w_5}"):
        assert parse_formula(text, net) == net.lookup("w2_11")
    assert parse_formula("w_5^2", net) == net.lookup("w2_11") ** 2
    assert net.lookup("E_total") == net.output


@pytest.mark.parametrize("param, formula", [
    ("w_5", RIGHT),
    (None, rf"\frac{{\partial E_{{total}}}}{{\partial w_5}} = {RIGHT}"),
    (None, rf"dE_total/dw_{{5}} = {RIGHT}"),
    ("w_5", rf"\partial E_{{total}}/\partial w^{{(2)}}_{{11}} = {RIGHT}"),
    (None, r"\frac{\partial E_{total}}{\partial net_{o1}} = (out_{o1} - target_{o1}) out_{o1}(1 - out_{o1})"),
])
def test_aliases_in_every_place_a_name_is_taken(param, formula) -> None:
    net = load_spec(MAZUR).network
    assert verify(net, param, formula).status == "correct"


def test_the_verdict_answers_in_the_students_names() -> None:
    v = verify(load_spec(MAZUR).network, "w_5", WRONG)
    text = str(v)
    assert v.status == "wrong"
    assert text.startswith("∂E_{total}/∂w_5: wrong")
    # in LaTeX, as the student typed LaTeX (\cdot), and in their names
    assert r"correct:  out_{h1} out_{o1} \left(1 - out_{o1}\right) \left(out_{o1} - target_{o1}\right)" in text
    plain = str(verify(load_spec(MAZUR).network, "w_5", "(out_{o1} - target_{o1}) * out_{h1}"))
    assert "correct:  out_{h1}*out_{o1}*(1 - out_{o1})*(out_{o1} - target_{o1})" in plain
    assert "target_{o1} = " in text and "w_5 = " in text
    # the sentence naming the mistake speaks the student's names too
    assert "∂out_{o1}/∂net_{o1} = out_{o1}*(1 - out_{o1})" in v.diagnosis.sentence
    assert "out_{o1}" in v._repr_markdown_()


def test_homework_and_cli_take_aliases(tmp_path, capsys) -> None:
    spec = tmp_path / "mazur.toml"
    spec.write_text('layers = [2, 2, 2]\n[notation]\nw_5 = "w^{(2)}_{11}"\n"out_{h1}" = "a^{(1)}_1"\n'
                    '"out_{o1}" = "a^{(2)}_1"\n"target_{o1}" = "y_1"\n"E_{total}" = "L"\n', encoding="utf-8")
    hw = tmp_path / "hw.txt"
    hw.write_text(f"w_5: {RIGHT}\n\\frac{{\\partial E_{{total}}}}{{\\partial w_5}} = {WRONG}\n", encoding="utf-8")
    assert main(["verify", str(spec), "--file", str(hw)]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 correct, 1 wrong" in out
    assert main(["verify", str(spec), "--param", "w_5", "--formula", RIGHT]) == 0


def test_graph_specs_take_aliases_too() -> None:
    spec = load_spec({"graph": {"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q * z"}},
                      "notation": {"s": "q", "F": "f"}})
    assert verify(spec, None, r"\frac{\partial F}{\partial x} = z").status == "correct"
    assert verify(spec, None, r"\frac{\partial F}{\partial s} = z").status == "correct"
    assert verify(spec, None, r"\frac{\partial F}{\partial s} = s").status == "wrong"


@pytest.mark.parametrize("notation, message", [
    ({"w_5": "w^{(3)}_{11}"}, r"notation.w_5: expected a name of this network.*did you mean"),
    ({"x_1": "a^{(1)}_1"}, r"notation.x_1: 'x_1' already names 'x1'"),
    ({"out": "a1_1", "h": "out"}, r"notation.h: 'out' is itself an alias"),
    ({"w_5": "w2_11", "w_{5}": "w2_12"}, r"notation.w_\{5\}: the same name as notation.w_5"),
    ({"2 w": "w2_11"}, r"notation.2 w: expected a name"),
    ({"sigma": "a1_1"}, r"notation.sigma: 'sigma' is a function or constant"),
    ({"w_5": 3}, r"notation.w_5: expected a name of the network as text"),
    (["w_5"], r"notation: expected a table"),
])
def test_bad_notation_tables(notation, message) -> None:
    with pytest.raises(SpecError, match=message):
        load_spec({"layers": [2, 2, 2], "notation": notation})


def test_bad_notation_is_one_line_exit_2(tmp_path, capsys) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('layers = [2, 2, 2]\n[notation]\nout = "a1_1"\nh = "out"\n', encoding="utf-8")
    assert main(["verify", str(spec), "--param", "w2_11", "--formula", "x1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notation.h" in err


def test_sheet_and_derive_take_aliases(capsys) -> None:
    spec = str(Path(__file__).resolve().parents[2] / "examples" / "mazur_notation.toml")
    assert main(["sheet", spec, "--format", "md", "--params", "w_5"]) == 0
    out = capsys.readouterr().out
    assert r"\partial w^{(2)}_{11}" in out and r"\partial w^{(1)}_{11}}" not in out
    assert main(["derive", spec, "--param", "w_{5}"]) == 0
    assert r"\partial w^{(2)}_{11}" in capsys.readouterr().out
