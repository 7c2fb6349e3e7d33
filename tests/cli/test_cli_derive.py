"""``symbackprop derive``: output on good input; one line on stderr and status 2 on bad input."""

from __future__ import annotations

import json
import subprocess

from conftest import console_script, count_calls, user_env

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.derive import Path


def test_default_prints_every_parameter_of_the_2_2_2_network(capsys):
    assert main(["derive"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("% A 2-2-2 sigmoid network, squared loss\n")
    assert out.count("\\begin{aligned}") == 12
    for name in ("w^{(1)}_{11}", "w^{(1)}_{22}", "b^{(1)}_{2}", "w^{(2)}_{21}", "b^{(2)}_{1}"):
        assert r"\frac{\partial L}{\partial %s} &=" % name in out


def test_one_parameter_inline(capsys):
    assert main(["derive", "2-3-1", "--param", "w1_12", "--param", "b^{(2)}_{1}", "--inline"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        "% A 2-3-1 sigmoid network, squared loss",
        r"\frac{\partial L}{\partial w^{(1)}_{12}} = \delta^{(1)}_{1} x_{2}",
        r"\frac{\partial L}{\partial b^{(2)}_{1}} = \delta^{(2)}_{1}",
    ]


def test_spec_file(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"layers": [2, 2], "activation": "softmax", "loss": "cross_entropy",
                                "title": "Softmax regression"}))
    assert main(["derive", str(path), "--param", "w1_21"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("% Softmax regression\n")
    assert r"\delta^{(1)}_{2} &= a^{(1)}_{2} - y_{2} \quad \text{(using } \sum_k y_k = 1\text{)}" in out


def test_a_deep_network_prints_without_listing_its_paths(capsys, monkeypatch):
    # 4^9 = 262,144 paths from w1_11 to the loss: listed lines are summarised, not enumerated.
    listed = count_calls(monkeypatch, Path, "__init__")
    assert main(["derive", "1-" + "4-" * 10 + "1", "--param", "w1_11"]) == 0
    assert listed[0] == 0
    out, _ = capsys.readouterr()
    assert r"\text{(a sum over 262144 paths" in out


def _bad(tmp_path):
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("layers = [2, 2\n")
    step = tmp_path / "step.toml"
    step.write_text('layers = [2, 2]\nactivation = "step"\n')
    ce = tmp_path / "ce.toml"
    ce.write_text('layers = [2, 2]\nactivation = "identity"\nloss = "cross_entropy"\n')
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"layers": [2, 2], "activaton": "relu"}')
    shape = tmp_path / "shape.toml"
    shape.write_text("layers = [2, 1]\n[values]\nx = [1, 2, 3]\n")
    return [
        (["derive", "2-0-2"], "layers[1]: expected a positive integer, received 0"),
        (["derive", "2-x"], "expected a file (.toml/.json) or sizes like '2-2-2', received '2-x'"),
        (["derive", str(tmp_path / "none.toml")], "not found"),
        (["derive", str(bad_toml)], "is not valid TOML"),
        (["derive", str(step)], "'step' cannot be used: its derivative is zero almost everywhere"),
        (["derive", str(ce)], "'cross_entropy' takes the logarithm"),
        (["derive", str(unknown)], "activaton: unknown key (did you mean 'activation'?)"),
        (["derive", str(shape)], "values.x: expected 2 numbers, received 3"),
        (["derive", "2-2-2", "--param", "w3_11"], "'w3_11' is not in this graph"),
        (["derive", "2-2-2", "--param", "z1_1"], "is a node, not a leaf"),
        (["derive", "2-2", "--bogus"], "unrecognized arguments: --bogus"),
        (["nonsense"], "invalid choice: 'nonsense'"),
    ]


def test_bad_input_prints_one_line_and_exits_2(tmp_path, capsys):
    for argv, fragment in _bad(tmp_path):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's own errors
            status = exc.code
        out, err = capsys.readouterr()
        assert status == 2, argv
        assert out == "", argv
        assert err.count("\n") == 1 and err.endswith("\n"), (argv, err)
        assert err.startswith("symbackprop: error: "), (argv, err)
        assert fragment in err, (argv, err)
        assert "Traceback" not in err


def test_command_line_in_a_subprocess(tmp_path):
    # The installed console script, outside the source tree, as a user runs it.
    env = user_env()
    bad = subprocess.run(console_script("derive", "2-2", "--param", "w1_3"),
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert bad.returncode == 2
    assert bad.stdout == ""
    lines = bad.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("symbackprop: error: name 'w1_3' is not in this graph")
    good = subprocess.run(console_script("derive", "2-2", "--inline"),
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert good.returncode == 0 and good.stderr == ""
    assert len(good.stdout.splitlines()) == 1 + sbp.mlp([2, 2]).n_params


def test_many_parameters_print_each_delta_once(capsys):
    assert main(["derive", "6-8-4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    net = sbp.mlp([6, 8, 4])
    deltas = [line for line in lines if line.startswith(r"\delta")]
    assert len(deltas) == 8 + 4  # one definition per neuron, not one per weight
    gradients = [line for line in lines if line.startswith(r"\frac{\partial L}")]
    assert len(gradients) == net.n_params == 92


def test_a_graph_without_parameters_is_differentiated_in_its_inputs(tmp_path, capsys):
    spec = tmp_path / "g.toml"
    spec.write_text('[graph]\ninputs = ["x", "y", "z"]\nnodes = { q = "x + y", f = "q * z" }\noutput = "f"\n')
    assert main(["derive", str(spec), "--inline"]) == 0
    out = capsys.readouterr().out
    assert r"\frac{\partial f}{\partial x} = \delta_{q}" in out and r"\partial z}" in out
