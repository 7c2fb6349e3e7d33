"""Custom graphs from ``[graph]`` spec tables, node formulas read by the notation parser."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from symbackprop.derive import derive
from symbackprop.errors import SpecError
from symbackprop.graph import sigmoid
from symbackprop.read import graph_from_spec, load_spec


def test_textbook_graph_in_order_written() -> None:
    g = graph_from_spec({"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q * z"}, "output": "f"})
    x, y, z, q = (sp.Symbol(s, real=True) for s in "xyzq")
    assert [nd.symbol.name for nd in g.nodes] == ["q", "f"]
    assert [nd.expr for nd in g.nodes] == [x + y, q * z]
    bp = derive(g)
    assert bp["x"].chain == z and bp["z"].chain == q


def test_latex_node_formulas_parameters_and_targets() -> None:
    g = graph_from_spec({
        "inputs": ["x"], "parameters": "w b", "targets": ["t"],
        "nodes": {"h": r"\sigma\left(w \cdot x + b\right)", "L": r"\frac{1}{2}(h - t)^2"},
    })
    w, x, b = (sp.Symbol(s, real=True) for s in "wxb")
    assert g.nodes[0].expr == sigmoid(w * x + b)
    assert g.params == (w, b)
    assert g.output.name == "L"  # the last node when no output is given


def test_from_a_toml_file_through_load_spec(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    path.write_text(
        '[graph]\ninputs = ["x1", "x2"]\nparameters = ["w1", "w2"]\n'
        'nodes = { s = "w1*x1 + w2*x2", h_out = "tanh(s)", f = "h_out**2" }\n'
    )
    g = load_spec(str(path)).network
    assert [nd.symbol.name for nd in g.nodes] == ["s", "h_out", "f"]
    assert derive(g)["w1"].delta_form != 0


@pytest.mark.parametrize(
    "table, fragment",
    [
        ({"nodes": {"q": "x"}}, "graph.inputs: missing"),
        ({"inputs": ["x"], "nodes": {"q": "x + w"}}, "graph.nodes.q: unknown name 'w'"),
        ({"inputs": ["x"], "nodes": {"q": "x +"}}, "graph.nodes.q: formula ends too early"),
        ({"inputs": ["x"], "nodes": {"q": "x", "r": "q + s"}}, "graph.nodes.r: unknown name 's'"),
        ({"inputs": ["x"], "nodes": {"q": "x"}, "output": "r"}, "graph.output: expected one of the nodes"),
        ({"inputs": ["x"], "nodes": {}}, "graph.nodes: expected a table"),
        ({"inputs": ["x"], "nodes": {"q": 3}}, "graph.nodes.q: expected a formula as text"),
        ({"inputs": ["x"], "nodes": {"x": "1"}}, "graph.nodes.x: 'x' is already"),
        ({"inputs": ["x", "x"], "nodes": {"q": "x"}}, "graph.inputs: 'x' is declared twice"),
        ({"inputs": ["1x"], "nodes": {"q": "x"}}, "graph.inputs: '1x' is not a name"),
        ({"inputs": ["x"], "nodes": {"q": "x"}, "outputs": "q"}, "graph.outputs: unknown key (did you mean 'output'?)"),
        ({"inputs": ["x"], "nodes": {"q": "x"}, "parameters": [1]}, "graph.parameters: expected a list of names"),
    ],
)
def test_errors_name_the_field(table, fragment) -> None:
    with pytest.raises(SpecError) as info:
        graph_from_spec(table)
    assert fragment in str(info.value)


def test_spec_with_graph_and_layers_is_refused() -> None:
    with pytest.raises(SpecError, match="either layers or"):
        load_spec({"layers": [2, 1], "graph": {"inputs": ["x"], "nodes": {"q": "x"}}})
