"""``symbackprop grad | check | train``: exact JSON, exit codes, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_cli

import symbackprop as sbp
from symbackprop.numeric import NumericNetwork

EXAMPLE = {k: v for k, v in sbp.EXAMPLE.items() if k != "title"}


def _spec(tmp_path, table, name="spec.json"):
    path = tmp_path / name
    path.write_text(json.dumps(table))
    return str(path)


def test_grad_json_is_exactly_the_documented_object(tmp_path, capsys):
    code, out, err = run_cli(capsys, "grad", _spec(tmp_path, EXAMPLE), "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert list(result) == ["loss", "forward", "delta", "gradients", "updated"]
    assert list(result["forward"]) == ["z1", "a1", "z2", "a2"]
    assert list(result["delta"]) == ["delta1", "delta2"]
    assert list(result["gradients"]) == ["W1", "b1", "W2", "b2", "x"]
    assert list(result["updated"]) == ["W1", "b1", "W2", "b2"]
    assert result["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert result["forward"]["a2"] == pytest.approx([0.75136507, 0.772928465], abs=1e-9)
    assert result["gradients"]["W2"][0] == pytest.approx([0.082167041, 0.0826676278], abs=1e-9)
    assert result["updated"]["W2"][0][0] == pytest.approx(0.35891648, abs=1e-8)
    assert result["updated"]["W1"][0][0] == pytest.approx(0.14978072, abs=1e-8)
    assert np.shape(result["gradients"]["W1"]) == (2, 2) and np.shape(result["gradients"]["x"]) == (2,)


def test_grad_json_for_a_batch_has_rows_and_reduced_gradients(tmp_path, capsys):
    values = {**EXAMPLE["values"], "x": [[0.05, 0.1], [0.5, -0.2], [1.0, 0.0]],
              "y": [[0.01, 0.99], [0.5, 0.5], [1.0, 0.0]]}
    del values["learning_rate"]
    table = {**EXAMPLE, "values": values, "reduction": "sum"}
    code, out, _ = run_cli(capsys, "grad", _spec(tmp_path, table), "--json")
    result = json.loads(out)
    assert code == 0 and "updated" not in result
    assert np.shape(result["forward"]["z1"]) == (3, 2) and np.shape(result["delta"]["delta2"]) == (3, 2)
    assert np.shape(result["gradients"]["W1"]) == (2, 2) and np.shape(result["gradients"]["x"]) == (3, 2)
    nn = sbp.compile_network(sbp.load_spec(table).network, backend="scalar")
    params = {k: np.array(v) for k, v in values.items() if k not in ("x", "y")}
    per_sample = [nn.loss_and_gradients(params, x, y) for x, y in zip(values["x"], values["y"])]
    assert result["loss"] == pytest.approx(sum(l for l, _ in per_sample), rel=1e-12)
    np.testing.assert_allclose(result["gradients"]["W2"], sum(g["W2"] for _, g in per_sample), rtol=1e-12)


def test_grad_table_is_readable(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "grad", _spec(tmp_path, EXAMPLE))
    assert code == 0
    assert "loss  0.298371109" in out
    assert any(line.split() == ["w2_11", "0.4", "0.0821670406", "0.35891648"] for line in out.splitlines())
    assert any(line.split() == ["delta2_1", "0.138498562"] for line in out.splitlines())


@pytest.mark.parametrize("change,argv,message", [
    (lambda v: v.pop("learning_rate"), ["--updated"], "values.learning_rate: missing; 'updated' needs a learning rate"),
    (lambda v: v.pop("W2"), [], "values.W2: missing; expected a 2×2 list of lists (W2[j][i])"),
    (lambda v: v.pop("y"), [], "values.y: missing; the squared loss needs targets"),
    (lambda v: v.update(x=[0.1, float("nan")]), [], "values.x[1]: expected a finite number, received nan"),
    (lambda v: v.update(x=[0.1, 0.2, 0.3]), [], "values.x: expected 2 numbers, received 3"),
    (lambda v: None, ["--learning-rate", "-1"], "--learning-rate: expected a positive number, received -1.0"),
])
def test_grad_bad_input_is_one_line_and_exit_2(tmp_path, capsys, change, argv, message):
    values = json.loads(json.dumps(EXAMPLE["values"]))
    change(values)
    code, out, err = run_cli(capsys, "grad", _spec(tmp_path, {**EXAMPLE, "values": values}), "--json", *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"symbackprop: error: {message}") and err.count("\n") == 1


def test_grad_needs_values(capsys):
    code, _, err = run_cli(capsys, "grad", "2-2-1")
    assert code == 2 and "values: missing; grad needs numbers" in err and err.count("\n") == 1


def test_check_prints_the_table_and_exits_0(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "check", _spec(tmp_path, EXAMPLE), "--inputs")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()[3:]]
    assert "all pass" in out and names[0] == "w1_11" and names[-2:] == ["x1", "x2"]


def test_check_without_values_uses_seeded_random_numbers(capsys):
    code, out, _ = run_cli(capsys, "check", "3-4-2", "--seed", "3")
    assert code == 0 and "random numbers (seed 3, 4 samples)" in out and "b2_2" in out


def test_check_exits_1_and_names_a_planted_wrong_gradient(tmp_path, capsys, monkeypatch):
    original = NumericNetwork.loss_and_gradients

    def planted(self, params, X, Y=None, *, wrt_inputs=False):
        loss, grads = original(self, params, X, Y, wrt_inputs=wrt_inputs)
        grads["b1"] = grads["b1"] * np.array([1.0, 1.001])
        return loss, grads

    monkeypatch.setattr(NumericNetwork, "loss_and_gradients", planted)
    code, out, _ = run_cli(capsys, "check", _spec(tmp_path, EXAMPLE))
    assert code == 1
    assert "1 FAIL; worst b1_2" in out
    assert [line.split()[0] for line in out.splitlines() if line.endswith("FAIL")] == ["b1_2"]


def test_train_fits_xor_from_csv_and_writes_the_result(tmp_path, capsys):
    data = tmp_path / "xor.csv"
    data.write_text("x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    target = tmp_path / "trained.json"
    code, out, _ = run_cli(capsys, "train", "2-2-1", "--data", str(data), "--epochs", "1000",
                        "--learning-rate", "5", "--seed", "1", "--output", str(target))
    assert code == 0 and "after epoch 1000" in out
    saved = json.loads(target.read_text())
    assert saved["loss"] < 0.01 and len(saved["history"]) == 1000
    assert np.shape(saved["params"]["W1"]) == (2, 2)
    assert [p.name for p in tmp_path.iterdir()] != [] and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_train_starts_from_the_spec_parameters(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("0.05,0.10,0.01,0.99\n")
    code, out, _ = run_cli(capsys, "train", _spec(tmp_path, EXAMPLE), "--data", str(data), "--epochs", "1", "--json")
    trained = json.loads(out)
    # One full-batch step of η = 0.5 from the textbook numbers.
    assert code == 0 and trained["params"]["W2"][0][0] == pytest.approx(0.35891648, abs=1e-8)


@pytest.mark.parametrize("text,message", [
    ("0,0,0\n0,1\n", "line 2: expected 3 columns (2 inputs, 1 target), received 2"),
    ("0,0,0\n0,nan,1\n", "line 2 column 2: expected a finite number, received 'nan'"),
    ("0,0,0\n0,inf,1\n", "line 2 column 2: expected a finite number, received 'inf'"),
    ("a,b,c\n0,x,1\n", "line 2 column 2: expected a number, received 'x'"),
    ("x1,x2\n", "line 1 (header): expected 3 columns (2 inputs, 1 target), received 2"),
    ("\n\n", "has no data rows"),
])
def test_train_bad_csv_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, text, message):
    data = tmp_path / "bad.csv"
    data.write_text(text)
    target = tmp_path / "out.json"
    code, out, err = run_cli(capsys, "train", "2-2-1", "--data", str(data), "--learning-rate", "1",
                          "--output", str(target))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message in err and not target.exists()


def test_train_other_errors(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_bytes(b"\xff\xfe0,0,0\n")
    code, _, err = run_cli(capsys, "train", "2-2-1", "--data", str(data), "--learning-rate", "1")
    assert code == 2 and "is not UTF-8 text" in err
    code, _, err = run_cli(capsys, "train", "2-2-1", "--data", str(tmp_path / "none.csv"), "--learning-rate", "1")
    assert code == 2 and "not found" in err
    data.write_text("0,0,0\n")
    code, _, err = run_cli(capsys, "train", "2-2-1", "--data", str(data))
    assert code == 2 and "learning_rate: missing" in err
    code, _, err = run_cli(capsys, "train", "2-2-1", "--data", str(data), "--learning-rate", "1", "--output",
                        str(tmp_path / "no" / "dir.json"))
    assert code == 2 and "--output" in err


def test_train_output_through_a_symlink_keeps_the_link(tmp_path, capsys):
    # The rename replaced the link itself (and -o /dev/null the device, as root).
    data = tmp_path / "d.csv"
    data.write_text("0,0,0\n1,1,1\n")
    target = tmp_path / "real.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    code, _, _ = run_cli(capsys, "train", "2-2-1", "--data", str(data), "--learning-rate", "1",
                      "--epochs", "2", "--output", str(link))
    assert code == 0 and link.is_symlink() and '"history"' in target.read_text()
