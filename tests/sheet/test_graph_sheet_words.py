"""A custom graph's sheet says only what holds for that graph: no parameter or target talk
without parameters or targets, no chain rule of one factor written as "∂f/∂z = ∂f/∂z",
and a gradient check that calls inputs inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.graph import Graph
from symbackprop.numeric import check_gradients
from symbackprop.sheet import build_sheet
from symbackprop.sheet.model import Equation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CS231N = EXAMPLES / "graph.toml"


def _prose(sheet) -> str:
    return " ".join(sheet.render("md").split())


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_graph_without_parameters_or_targets_never_mentions_them(lang):
    text = _prose(build_sheet(CS231N, detail="full", lang=lang)).lower()
    for word in {"en": ("parameter", "target"), "ko": ("매개변수", "목표값")}[lang]:
        assert word not in text, word


def test_a_graph_with_parameters_and_no_targets_names_what_it_has():
    g = Graph()
    x = g.inputs("x")[0]
    w, b = g.parameters("w b")
    g.node("u", w * x + b)
    g.node("f", g.lookup("u") ** 2)
    g.set_output(g.lookup("f"))
    text = _prose(build_sheet(g, values={"x": 2, "w": 0.5, "b": -1}, detail="full"))
    assert "Expanded, in inputs and parameters only:" in text
    assert "target" not in text.lower()


def _rows(sheet):
    return [(left, right) for b in sheet.walk() if isinstance(b, Equation) for left, right in b.rows]


@pytest.mark.parametrize("source", [CS231N, EXAMPLES / "mazur.toml"])
def test_no_equation_says_a_thing_equals_itself(source):
    for left, right in _rows(build_sheet(source, detail="full")):
        parts = [p.strip() for p in re.split(r"(?<![<>!\\])=", left + right) if p.strip()]
        for a, b in zip(parts, parts[1:]):
            assert a != b, (left, right)


def test_a_leaf_read_directly_by_the_output_gets_its_one_factor():
    sheet = build_sheet(CS231N, detail="full")
    rows = [row for b in sheet.section("z").blocks if isinstance(b, Equation) for row in b.rows]
    assert (r"\frac{\partial f}{\partial z}", "= q") in rows
    assert r"\frac{\partial f}{\partial z}" not in [r.removeprefix("= ") for _, r in rows]
    assert "reads $z$ directly" in sheet.render("md")


def test_check_table_heads_inputs_as_inputs_and_parameters_as_parameters():
    from symbackprop.numeric.data import spec_arrays

    spec = sbp.load_spec(CS231N)
    graph_report = check_gradients(spec.network, *spec_arrays(spec), inputs=True)
    assert str(graph_report).splitlines()[1].split()[0] == "input"
    assert "<th>input</th>" in graph_report._repr_html_()
    net = sbp.mlp([2, 2, 1])
    params = {"W1": [[0.1, -0.2], [0.3, 0.4]], "b1": [0.1, 0.0], "W2": [[0.5, -0.6]], "b2": [0.2]}
    plain = check_gradients(net, params, [[1.0, 2.0]], [[1.0]])
    assert str(plain).splitlines()[1].split()[0] == "parameter"
    mixed = check_gradients(net, params, [[1.0, 2.0]], [[1.0]], inputs=True)
    assert str(mixed).splitlines()[1].split()[0] == "leaf"
    assert {r.kind for r in mixed.rows} == {"parameter", "input"}


def test_check_command_on_a_graph_heads_the_table_input(capsys):
    assert main(["check", str(CS231N)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^input\s+derived", out, re.M) and not re.search(r"^parameter", out, re.M)
