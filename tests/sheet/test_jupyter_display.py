"""What a notebook shows for every value a user holds, read from the MIME bundles of a
notebook executed in a real kernel: a network (table and picture), a graph (its nodes), a
derivation (the whole chain, factors, δ form, as MathML and LaTeX), a proof, a
backpropagation (a table), and sheets and verdicts as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CELLS = {
    "network": "import symbackprop as sbp\nnet = sbp.mlp([2, 2, 2])\nnet",
    "backprop": "bp = sbp.derive(net)\nbp",
    "derivation": 'bp["w1_11"]',
    "proof": 'sbp.prove(net, "w1_11")',
    "graph": f"g = sbp.load_spec({str(EXAMPLES / 'graph.toml')!r}).network\ng",
    "sheet": 'sbp.build_sheet(sbp.EXAMPLE, detail="summary")',
    "verdict": r'sbp.verify(net, "w2_11", r"(a^{(2)}_1 - y_1) a^{(1)}_1")',
}


@pytest.fixture(scope="module")
def shown():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS.values()]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    out = {}
    for name, cell in zip(CELLS, nb.cells):
        (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
        out[name] = result["data"]
    return out


def test_a_network_shows_its_table_and_picture(shown):
    html = shown["network"]["text/html"]
    assert "<table" in html and "<svg" in html and "2-2-2 sigmoid network, squared loss" in html
    assert html.count("<tr") == 4  # the header, the input layer and two layers of neurons
    assert "| Layer |" in shown["network"]["text/markdown"]


def test_a_backprop_shows_every_gradient_in_a_table(shown):
    html = shown["backprop"]["text/html"]
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    assert len(rows) == 1 + 12 and all("<math" in r for r in rows[1:])


def test_a_derivation_shows_the_whole_chain_as_mathml_and_latex(shown):
    data = shown["derivation"]
    tex = data["text/latex"]
    # Two paths from w1_11 to the loss, each a product of partials, then the δ form.
    first = tex.split(r"\\")[0]
    assert first.count(r"\frac{\partial L}{\partial a^{(2)}") == 2 and " + " in first
    assert r"\delta^{(1)}_{1} x_{1}" in tex or r"x_{1} \delta^{(1)}_{1}" in tex
    html = data["text/html"]
    assert html.count("<math") > 5 and "Chain rule" in html and "Each factor worked out" in html
    assert "Verified" in html
    assert r"\frac{\partial L}{\partial w^{(1)}_{11}}" in data["text/markdown"]


def test_a_proof_says_what_was_proved(shown):
    data = shown["proof"]
    assert "proved (symbolic)" in data["text/html"] and "proved (symbolic)" in data["text/markdown"]


def test_a_graph_shows_every_node(shown):
    html = shown["graph"]["text/html"]
    assert "Every node" in html and html.count("<math") >= 3 and "computation graph of 2 nodes" in html


def test_sheets_and_verdicts_show_as_before(shown):
    assert "<math" in shown["sheet"]["text/html"] and "text/markdown" in shown["sheet"]
    assert "<math" in shown["verdict"]["text/html"]
