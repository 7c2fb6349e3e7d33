"""``symbackprop code``: every example as a module that runs as written and gives the numbers
of ``grad --json`` and of PyTorch autograd (float64); bad input in one line, nothing written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from code_helpers import assert_close, load_module, run_numpy, run_torch
from conftest import ROOT, run_cli

import symbackprop as sbp
from symbackprop.derive.programs import program
from symbackprop.derive import array_rules
from symbackprop.graph import Network
from symbackprop.graph.notation import plain
from symbackprop.graph.terms import call

EXAMPLES = ROOT / "examples"
SPECS = sorted(p.name for p in EXAMPLES.glob("*.toml"))


def _layered_arrays(net: Network, values: sbp.Values | None, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The spec's numbers in the module's layout (examples in rows), or random ones."""
    if values is not None and values.x is not None:
        out = {"X": np.atleast_2d(np.asarray(values.x, dtype=float))}
        if values.y is not None:
            out["Y"] = np.atleast_2d(np.asarray(values.y, dtype=float))
        out.update({k: np.asarray(v, dtype=float) for k, v in values.params.items()})
        return out
    m = 5
    out = {"X": rng.normal(size=(m, net.layers[0])), "Y": rng.dirichlet(np.ones(net.layers[-1]), m)}
    for l in range(1, len(net.layers)):
        out[f"W{l}"] = rng.normal(size=(net.layers[l], net.layers[l - 1]))
        out[f"b{l}"] = rng.normal(size=net.layers[l])
    return out


def _case(name: str, capsys):
    """``(arrays, argument order, reference loss, reference gradients)`` of an example."""
    spec = sbp.load_spec(str(EXAMPLES / name))
    net = spec.network
    if isinstance(net, sbp.Graph) and not isinstance(net, Network):
        values = {plain(net.lookup(k)): float(v) for k, v in spec.values.leaves.items()} if spec.values else None
        status, out, _ = run_cli(capsys, "grad", str(EXAMPLES / name), "--json")
        assert status == 0
        result = json.loads(out)
        order = [plain(s) for s in net.leaves()]
        return {k: np.float64(values[k]) for k in order}, order, result["output"], result["gradients"]
    if isinstance(net, Network):
        arrays = _layered_arrays(net, spec.values, np.random.default_rng(3))
        params = {k: v for k, v in arrays.items() if k[0] in "Wb"}
        loss, grads = sbp.compile_vector(net).loss_and_gradients(params, arrays["X"], arrays.get("Y"), wrt_inputs=True)
        grads["X"] = grads.pop("x")
        if spec.values is not None:  # and grad --json says the same
            status, out, _ = run_cli(capsys, "grad", str(EXAMPLES / name), "--json")
            result = json.loads(out)
            assert result["loss"] == pytest.approx(loss, rel=1e-12)
            for k in params:
                assert np.allclose(result["gradients"][k], grads[k], rtol=1e-12, atol=1e-15)
        order = ["X"] + (["Y"] if net.y else []) + [k for k in arrays if k[0] in "Wb"]
        return arrays, order, loss, grads
    status, out, _ = run_cli(capsys, "grad", str(EXAMPLES / name), "--json")
    result = json.loads(out)
    from symbackprop.numeric.array_eval import compile_program

    numbers = compile_program(net)
    arrays = numbers.arrays_from() if net.values is not None else numbers.draw(0)  # what grad computes at
    order = [leaf.name for leaf in net.leaves if leaf.kind != "const"]
    return arrays, order, result["loss"], result["gradients"]


@pytest.mark.parametrize("name", SPECS)
def test_every_example_runs_as_written_and_gives_grads_numbers(name, tmp_path, capsys):
    arrays, order, loss, grads = _case(name, capsys)
    status, text, err = run_cli(capsys, "code", str(EXAMPLES / name), "--to", "numpy")
    assert status == 0 and err == ""
    module = load_module(text, tmp_path)
    got_loss, got = run_numpy(module, arrays, order)
    assert got_loss == pytest.approx(loss, rel=1e-12, abs=1e-15)
    assert_close(got, grads)


@pytest.mark.parametrize("name", SPECS)
def test_every_example_in_pytorch_matches_autograd(name, tmp_path, capsys):
    pytest.importorskip("torch")
    arrays, order, loss, grads = _case(name, capsys)
    status, text, _ = run_cli(capsys, "code", str(EXAMPLES / name), "--to", "torch")
    assert status == 0
    got_loss, ours, auto = run_torch(load_module(text, tmp_path), arrays, order)
    assert got_loss == pytest.approx(loss, rel=1e-12, abs=1e-15)
    assert_close(ours, auto)
    assert_close(ours, grads)


def test_the_makemore_module_reads_like_the_exercise(capsys):
    status, text, _ = run_cli(capsys, "code", str(EXAMPLES / "makemore.toml"))
    assert status == 0
    body = text[text.index("    # backward"):]
    lines = [" ".join(ln.split()) for ln in body.splitlines()[1:-1]]
    assert lines[0] == "dlogprobs = np.zeros_like(logprobs) # sheet: line-loss; (n, 27)"
    assert "dhpreact = (1 - h**2) * dh" in body
    assert "n = Xb.shape[0]" in text and "def forward_backward(C, W1, b1, W2, b2, bngain, bnbias, Xb, Yb):" in text
    # every backward statement cites the sheet section of its forward line, and its shape
    cited = [ln for ln in lines if "# sheet:" in ln]
    backward = program(sbp.load_spec(str(EXAMPLES / "makemore.toml")).network).backward
    assert [ln.split(" # sheet: ")[1].split(";")[0] for ln in cited] == [f"line-{gl.via}" for gl in backward.lines]
    assert len(lines) == len(cited) + 2  # two scatters into zeros take a second line
    assert not any("1.0 *" in ln or "* 1.0" in ln for ln in lines)
    assert text.count("import") == 1  # numpy, and nothing else


def test_a_module_runs_at_another_batch_size(tmp_path, capsys):
    """``n = Xb.shape[0]``: the makemore module at 7 examples equals the program read at 7."""
    from symbackprop.numeric.array_eval import compile_program

    status, text, _ = run_cli(capsys, "code", str(EXAMPLES / "makemore.toml"))
    spec_text = (EXAMPLES / "makemore.toml").read_text()
    small = tmp_path / "seven.toml"
    small.write_text(spec_text.replace("[32, 3]", "[7, 3]").replace("[32]", "[7]").replace("n = 32", "n = 7"))
    p = program(sbp.load_spec(str(small)).network)
    numbers = compile_program(p.forward)
    arrays = numbers.draw(5)
    loss, grads = numbers.loss_and_gradients(arrays)
    got_loss, got = run_numpy(load_module(text, tmp_path), arrays, [l.name for l in p.forward.leaves if l.kind != "const"])
    assert got_loss == pytest.approx(loss, rel=1e-12)
    assert_close(got, grads)


def test_a_wrong_rule_makes_the_module_disagree_with_autograd(tmp_path, capsys, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setitem(array_rules.VJPS, "tanh", (lambda c, g, ans, x: (1 - ans) * g,))
    arrays, order, *_ = _case("makemore.toml", capsys)
    status, text, _ = run_cli(capsys, "code", str(EXAMPLES / "makemore.toml"), "--to", "torch")
    _, ours, auto = run_torch(load_module(text, tmp_path), arrays, order)
    assert not np.allclose(ours["W1"], auto["W1"], rtol=1e-6)


def test_output_file_is_written_whole(tmp_path, capsys):
    target = tmp_path / "net.py"
    status, out, err = run_cli(capsys, "code", "2-3-2", "--to", "torch", "-o", str(target))
    assert status == 0 and out == "" and err.startswith(f"wrote {target}")
    assert "def forward_backward(X, Y, W1, b1, W2, b2):" in target.read_text()


@pytest.mark.parametrize("argv, message", [
    (["code", "2-2-1", "--to", "jax"], "--to: expected one of numpy, torch, received 'jax'"),
    (["code", "examples/makemore.toml", "--to", "jax", "-o", "{dir}/out.py"], "--to: expected one of numpy, torch"),
    (["code", "missing.toml"], "missing.toml"),
    (["code", "2-2-1", "-o", "{dir}"], "is a directory"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(argv, message, tmp_path, capsys):
    argv = [a.format(dir=tmp_path).replace("examples/", f"{EXAMPLES}/") for a in argv]
    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_a_graph_whose_names_python_cannot_use_is_refused(tmp_path, capsys):
    spec = tmp_path / "np.toml"
    spec.write_text('[graph]\ninputs = ["np", "y"]\nnodes = { f = "np * y" }\noutput = "f"\n')
    status, out, err = run_cli(capsys, "code", str(spec), "-o", str(tmp_path / "out.py"))
    assert status == 2 and out == "" and "'np' cannot be a variable" in err
    assert not (tmp_path / "out.py").exists()


def test_a_title_cannot_break_the_modules_syntax(tmp_path, capsys):
    spec = tmp_path / "t.toml"
    spec.write_text('title = "a \\"\\"\\" quote \\\\ and \\u001b"\n[graph]\ninputs = ["x"]\nnodes = { f = "x * x" }\n'
                    'output = "f"\n')
    status, text, _ = run_cli(capsys, "code", str(spec))
    assert status == 0
    module = load_module(text, tmp_path)
    assert module.forward_backward(3.0) == (9.0, {"x": 6.0})
    assert module.__doc__.startswith('a """ quote \\ and \x1b')


def test_a_planted_wrong_rule_shows_in_the_generated_numbers(tmp_path, capsys, monkeypatch):
    """The module is the derivation: a wrong rule in the table makes a wrong module."""
    arrays, order, loss, grads = _case("makemore.toml", capsys)  # before the rule is changed
    monkeypatch.setitem(array_rules.VJPS, "matmul", (
        lambda c, g, ans, a, b: call("matmul", g, call("permute", b, perm=(1, 0))) * 2,
        array_rules.VJPS["matmul"][1]))
    status, text, _ = run_cli(capsys, "code", str(EXAMPLES / "makemore.toml"))
    _, got = run_numpy(load_module(text, tmp_path), arrays, order)
    assert not np.allclose(got["C"], grads["C"])


def test_the_module_the_docs_show_is_what_the_command_writes(capsys):
    # The page shows the module by running the command when the site is built (markdown-exec,
    # in .ci/run), so what it shows is what the command writes; the command must succeed.
    page = (ROOT / "docs" / "tutorials" / "programs.md").read_text(encoding="utf-8")
    assert '```bash exec="on" source="above" result="python"\nsymbackprop code 2-2-1\n```' in page
    status, out, _ = run_cli(capsys, "code", "2-2-1")
    assert status == 0 and out.startswith('"""A 2-2-1 sigmoid network') and "def forward_backward(" in out
