"""Spec files: TOML, JSON, dicts and shorthand; the public field names; every bad input."""

from __future__ import annotations

import json

import pytest

import symbackprop as sbp
from symbackprop.graph import notation as n

TOML = """
layers = [2, 2, 2]
activation = "sigmoid"
loss = "squared"
bias = true
reduction = "mean"
[values]
x = [0.05, 0.10]
y = [0.01, 0.99]
W1 = [[0.15, 0.20], [0.25, 0.30]]
b1 = [0.35, 0.35]
W2 = [[0.40, 0.45], [0.50, 0.55]]
b2 = [0.60, 0.60]
learning_rate = 0.5
"""


def _error(source) -> str:
    with pytest.raises(sbp.SpecError) as info:
        sbp.load_spec(source)
    return str(info.value)


def _example(**changes):
    table = json.loads(json.dumps(sbp.EXAMPLE))
    for key, value in changes.items():
        if key.startswith("values_"):
            table["values"][key[len("values_"):]] = value
        else:
            table[key] = value
    return table


def test_the_issue_toml_loads(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(TOML)
    spec = sbp.load_spec(path)
    assert spec.network.layers == (2, 2, 2)
    assert spec.source == str(path)
    v = spec.values
    assert v.x == ((0.05, 0.10),) and v.y == ((0.01, 0.99),) and not v.batch
    assert v.learning_rate == 0.5
    values = v.assignment(spec.network)
    # W1[j][i]: from neuron i of layer 0 to neuron j of layer 1.
    assert values[n.weight(1, 1, 2)] == 0.20 and values[n.weight(1, 2, 1)] == 0.25
    assert values[n.bias(2, 2)] == 0.60 and values[n.input_(2)] == 0.10 and values[n.target(1)] == 0.01


def test_json_and_dict_and_toml_agree(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(sbp.EXAMPLE))
    from_json, from_dict = sbp.load_spec(path), sbp.load_spec(sbp.EXAMPLE)
    toml = tmp_path / "net.toml"
    toml.write_text(TOML)
    from_toml = sbp.load_spec(toml)
    for spec in (from_json, from_toml):
        assert spec.values.assignment(spec.network) == from_dict.values.assignment(from_dict.network)
    assert from_dict.title == sbp.EXAMPLE["title"]
    assert from_toml.title == "A 2-2-2 sigmoid network, squared loss"


def test_shorthand():
    spec = sbp.load_spec("3-4-1")
    assert spec.network.layers == (3, 4, 1) and spec.values is None
    assert spec.network.activations[0].name == "sigmoid" and spec.network.loss.name == "squared"
    assert sbp.load_spec(" 2 - 2 ").network.layers == (2, 2)


def test_batches_and_per_layer_lists():
    spec = sbp.load_spec({"layers": [2, 3, 1], "activation": ["relu", "sigmoid"], "bias": [False, True],
                          "loss": "binary_cross_entropy", "reduction": "sum",
                          "values": {"x": [[1, 2], [3, 4], [5, 6]], "y": [[0], [1], [0]]}})
    net = spec.network
    assert [a.name for a in net.activations] == ["relu", "sigmoid"] and net.b[1] == () and net.reduction == "sum"
    assert spec.values.batch and len(spec.values.x) == 3
    assert spec.values.y[2] == (0,)


# ----- bad input: each names the field, what was expected and what was received


def test_unknown_top_level_key():
    assert _error({"layer": [2, 1]}) == (
        "layer: unknown key (did you mean 'layers'?); expected one of "
        "layers, activation, loss, bias, reduction, values, graph, program, title, notation"
    )


def test_unknown_values_key():
    message = _error(_example(values_w1=[[1, 2], [3, 4]]))
    assert message.startswith("values.w1: unknown key (did you mean 'W1'?); expected one of x, y, learning_rate, W1, b1, W2, b2")


def test_bias_values_for_a_layer_without_bias_are_unknown():
    message = _error(_example(bias=[True, False]))
    assert message.startswith("values.b2: unknown key")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"values_x": [0.05]}, "values.x: expected 2 numbers, received 1"),
        ({"values_x": "0.05"}, "values.x: expected a list of 2 numbers, received '0.05'"),
        ({"values_x": [0.05, "a"]}, "values.x[1]: expected a number, received 'a'"),
        ({"values_x": [0.05, True]}, "values.x[1]: expected a number, received True"),
        # A JSON integer beyond float64 raised OverflowError (a traceback from the CLI).
        ({"values_x": [0.05, 10**400]},
         "values.x[1]: expected a number within float64's range (±1.8e308), received an integer of 401 digits"),
        ({"values_y": [0.01, 0.99, 0.5]}, "values.y: expected 2 numbers, received 3"),
        ({"values_W1": [[0.15, 0.20]]},
         "values.W1: expected a 2×2 list of lists (W1[j][i]), received [[0.15, 0.2]]"),
        ({"values_W1": [[0.15, 0.20], [0.25]]}, "values.W1[1]: expected 2 numbers, received 1"),
        ({"values_W2": 0.4}, "values.W2: expected a 2×2 list of lists (W2[j][i]), received 0.4"),
        ({"values_b1": [0.35]}, "values.b1: expected 2 numbers, received 1"),
        ({"values_learning_rate": 0}, "values.learning_rate: expected a positive number, received 0.0"),
        ({"values_learning_rate": "fast"}, "values.learning_rate: expected a number, received 'fast'"),
        ({"values": [1, 2]}, "values: expected a table, received [1, 2]"),
        ({"title": 3}, "title: expected a string, received 3"),
        ({"layers": [2, 0, 2]}, "layers[1]: expected a positive integer, received 0"),
        ({"activation": "sigmod"}, None),
        ({"loss": "output"}, None),
    ],
)
def test_wrong_values_name_field_expected_and_received(change, message):
    got = _error(_example(**change))
    if message is not None:
        assert got == message
    elif "activation" in change:
        assert got.startswith("activation: unknown activation 'sigmod' (did you mean 'sigmoid'?)")
    else:
        assert got.startswith("loss: 'output' differentiates a single output neuron")


def test_rows_of_x_and_y_must_match():
    message = _error(_example(values_x=[[0.05, 0.1], [0.2, 0.3]], values_y=[[0.01, 0.99]]))
    assert message == "values.y: expected 2 row(s) like values.x, received 1"


def test_a_batch_x_with_a_single_sample_y_says_so():
    message = _error(_example(values_x=[[0.05, 0.1]], values_y=[0.01, 0.99]))
    assert "values.y" in message
    assert "expected 1 row(s) like values.x, received 1" not in message  # self-contradictory
    assert "list of rows" in message


def test_targets_for_the_output_loss_are_refused():
    table = {"layers": [2, 1], "loss": "output", "values": {"x": [1, 2], "y": [1]}}
    assert _error(table) == "values.y: the output loss has no targets; remove y"


def test_missing_arrays_are_named_when_assigning():
    spec = sbp.load_spec({"layers": [2, 1], "values": {"x": [1, 2], "y": [1], "W1": [[1, 2]]}})
    with pytest.raises(sbp.SpecError) as info:
        spec.values.assignment(spec.network)
    assert str(info.value) == "values.b1: missing; expected a list of 1 numbers"


def test_missing_layers():
    assert _error({"activation": "relu"}) == "layers: missing; expected a list of layer sizes like [2, 2, 2]"


def test_bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("layers = [2, 2\n")
    message = _error(path)
    assert message.startswith(f"spec: {str(path)!r} is not valid TOML: ")


def test_bad_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"layers": [2, 2],}')
    assert _error(path) == f"spec: {str(path)!r} is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 19"


def test_json_that_is_not_a_table(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[2, 2]")
    assert _error(path) == "spec: expected a table of settings, received list"


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    assert _error(path) == f"spec: file {str(path)!r} not found"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b"title = '\xe9'\n")
    assert _error(path) == f"spec: {str(path)!r} is not UTF-8 text"


def test_neither_file_nor_shorthand():
    assert _error("two-two") == "spec: expected a file (.toml/.json) or sizes like '2-2-2', received 'two-two'"
    assert _error("2-0") == "layers[1]: expected a positive integer, received 0"


def test_wrong_extension(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("layers: [2, 2]")
    assert _error(str(path)) == f"spec: expected a .toml or .json file, received {str(path)!r}"


def test_a_spec_file_saved_with_a_byte_order_mark_loads(tmp_path):
    import symbackprop as sbp

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbflayers = [2, 1]\n")
    assert sbp.load_spec(str(path)).network.layers == (2, 1)
