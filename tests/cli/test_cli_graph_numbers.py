"""Custom ``[graph]`` specs with ``[values]``, end to end: the spec, ``grad``, ``check`` and
``sheet`` agree with the Python API and with hand-derived gradients."""

from __future__ import annotations

import json
import re

import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.sheet import build_sheet
from symbackprop.sheet.model import Circuit

CIRCUIT = '[graph]\ninputs = ["x", "y", "z"]\nnodes = { q = "x + y", f = "q * z" }\noutput = "f"\n'
# A graph with parameters, targets and a learning rate: one neuron, squared error.
NEURON = ('[graph]\ninputs = ["x"]\nparameters = ["w", "b"]\ntargets = ["t"]\n'
          'nodes = { u = "w x + b", a = "\\\\tanh(u)", L = "(a - t)^2" }\noutput = "L"\n'
          '[values]\nx = 0.5\nw = -1.5\nb = 0.25\nt = 0.3\nlearning_rate = 0.1\n')


@pytest.fixture
def circuit(tmp_path):
    path = tmp_path / "circuit.toml"
    path.write_text(CIRCUIT + "[values]\nx = -2\ny = 5\nz = -4\n")
    return path


@pytest.fixture
def neuron(tmp_path):
    path = tmp_path / "neuron.toml"
    path.write_text(NEURON)
    return path


def _grad_json(path, capsys) -> dict:
    assert main(["grad", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_grad_of_the_circuit_is_cs231ns(circuit, capsys):
    out = _grad_json(circuit, capsys)
    # By hand: f = (x + y) z, so ∂f/∂x = ∂f/∂y = z = -4 and ∂f/∂z = x + y = 3.
    assert out == {"output": -12.0, "forward": {"q": 3.0, "f": -12.0},
                   "gradients": {"x": -4.0, "y": -4.0, "z": 3.0}}
    spec = sbp.load_spec(circuit)
    api = sbp.gradients(spec.network, {"x": -2, "y": 5, "z": -4})
    assert {s.name: float(v) for s, v in api.items()} == out["gradients"]


def test_grad_of_a_neuron_matches_the_api_and_sympy_diff(neuron, capsys):
    out = _grad_json(neuron, capsys)
    spec = sbp.load_spec(neuron)
    g = spec.network
    values = spec.values.assignment(g)
    wrt = [s for s in g.leaves() if g.kind_of(s) != "target"]
    api = sbp.gradients(g, values, wrt=wrt, exact=False)
    assert out["gradients"] == pytest.approx({s.name: float(v) for s, v in api.items()}, rel=1e-12)
    # Independently: differentiate the composed expression with sympy.diff.
    x, w, b, t = sp.symbols("x w b t")
    loss = (sp.tanh(w * x + b) - t) ** 2
    point = {x: 0.5, w: -1.5, b: 0.25, t: 0.3}
    for name, sym in (("w", w), ("b", b), ("x", x)):
        assert out["gradients"][name] == pytest.approx(float(sp.diff(loss, sym).subs(point)), rel=1e-12)
    assert out["output"] == pytest.approx(float(loss.subs(point)), rel=1e-12)
    assert out["updated"] == pytest.approx({"w": -1.5 - 0.1 * out["gradients"]["w"],
                                            "b": 0.25 - 0.1 * out["gradients"]["b"]})
    assert main(["grad", str(neuron)]) == 0
    table = capsys.readouterr().out
    assert "output  L = " in table and "updated (η = 0.1)" in table


def test_check_passes_on_graphs_and_catches_a_wrong_formula(circuit, neuron, capsys, monkeypatch):
    assert main(["check", str(circuit)]) == 0
    report = capsys.readouterr().out
    assert "3 quantities" in report and "all pass" in report  # x, y, z: no parameters, so the inputs
    assert main(["check", str(neuron), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["name"] for r in rows} == {"w", "b"}
    # Plant a wrong derivative in the compiled program: the checker must fail the row.
    from symbackprop.numeric import scalar

    real = scalar.NumericNetwork.loss_and_gradients

    def wrong(self, *args, **kwargs):
        value, grads = real(self, *args, **kwargs)
        return value, {k: (v * 1.01 if k == "w" else v) for k, v in grads.items()}

    monkeypatch.setattr(scalar.NumericNetwork, "loss_and_gradients", wrong)
    assert main(["check", str(neuron)]) == 1


def test_graph_values_are_checked_by_name(tmp_path, capsys):
    cases = {
        "x = -2\ny = 5\n": "values.z: missing; every leaf needs a number",
        "x = -2\ny = 5\nz = -4\nw = 1\n": "values.w: unknown name",
        "x = -2\ny = 5\nz = -4\nq = 3\n": "values.q: 'q' is a node",
        "x = -2\ny = 5\nz = \"four\"\n": "values.z: expected a number",
        "x = -2\ny = 5\nz = -4\nlearning_rate = -1\n": "values.learning_rate: expected a positive number",
    }
    for values, message in cases.items():
        path = tmp_path / "bad.toml"
        path.write_text(CIRCUIT + "[values]\n" + values)
        with pytest.raises(SpecError, match=re.escape(message)):
            sbp.load_spec(path)
        assert main(["grad", str(path)]) == 2
        assert message in capsys.readouterr().err


def test_sheet_of_the_circuit_speaks_of_output_and_leaves(circuit, tmp_path, capsys):
    sheet = build_sheet(sbp.load_spec(circuit))
    titles = [s.title if isinstance(s.title, str) else "" for s in sheet.sections]
    assert "Output" in titles and "Loss" not in titles
    md = sheet.render("md")
    assert "0 parameters" not in md and "For each parameter" not in md
    assert "differentiates $f$ with respect to each of its leaves, $x$, $y$ and $z$" in md
    assert "For each leaf" in md and "-2.0" not in md and "= -12" in md
    (pic,) = [b for b in sheet.walk() if isinstance(b, Circuit)]
    assert [(n.text, n.value) for n in pic.nodes] == [("x", "-2"), ("y", "5"), ("z", "-4"), ("q", "3"), ("f", "-12")]
    assert sorted(w[2] for w in pic.wires) == ["-4", "-4", "-4", "3"]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="circuit"' in sheet.render("html")
    assert r"\framebox" in sheet.render("tex")
    # The command line writes the same sheet, the circuit as an SVG file beside it.
    out = tmp_path / "circuit.md"
    assert main(["sheet", str(circuit), "-o", str(out)]) == 0
    written = out.read_text()
    assert "![Each gate shows its operation" in written and "(circuit-1.svg)" in written
    svg = (tmp_path / "circuit-1.svg").read_text()
    assert svg.startswith("<svg") and "<style>" in svg and "<title>f = -12; ∂f/∂f = 1</title>" in svg and "<title>x = -2; ∂f/∂x = -4</title>" in svg
    caption = ("Each gate shows its operation; on every wire, the forward value above (green) and the gradient "
               "of the output flowing back below (red).")
    assert written.replace(f"![{caption}](circuit-1.svg)",
                           f"*{caption} (The circuit is drawn in the HTML and LaTeX sheets.)*") == md


def test_a_graph_with_targets_keeps_loss(neuron):
    sheet = build_sheet(sbp.load_spec(neuron))
    titles = [s.title for s in sheet.sections if isinstance(s.title, str)]
    assert "Loss" in titles
    summary = sheet.render("md")
    assert "loss falls from" in summary or "loss does not fall from" in summary
