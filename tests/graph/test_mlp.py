"""Fully connected networks: structure, naming, per-layer options, registries, bad input."""

from __future__ import annotations

import random

import pytest
import sympy as sp
from conftest import assert_same_function, count_calls

import symbackprop as sbp
from symbackprop.graph import activations, losses
from symbackprop.graph import notation as n
from symbackprop.graph.network import _weighted_sum


def test_structure_and_naming_of_a_network():
    net = sbp.mlp([3, 4, 2], activation=["relu", "sigmoid"], bias=[True, False])
    assert net.layers == (3, 4, 2) and net.depth == 2
    assert net.n_params == 3 * 4 + 4 + 4 * 2
    assert net.x == tuple(n.input_(i) for i in (1, 2, 3))
    assert net.y == (n.target(1), n.target(2))
    assert net.b[2] == ()
    assert [a.name for a in net.activations] == ["relu", "sigmoid"]
    for l in (1, 2):
        for j in range(net.layers[l]):
            # W[l][j][i]: from neuron i of layer l-1 to neuron j of layer l (0-based arrays).
            row = [n.weight(l, j + 1, i + 1) for i in range(net.layers[l - 1])]
            assert net.W[l][j] == tuple(row)
            prev = net.x if l == 1 else net.a[1]
            expected = sp.Add(*[w * a for w, a in zip(row, prev)]) + (n.bias(l, j + 1) if l == 1 else 0)
            z = net.node_of(n.pre(l, j + 1))
            assert z.expr == expected and (z.role, z.layer, z.index) == ("z", l, j + 1)
            assert z.delta == n.delta(l, j + 1)
    assert net.node_of(n.act(1, 2)).expr == sbp.relu(n.pre(1, 2))
    assert net.output == n.loss_symbol()
    assert net.describe() == "3-4-2 relu/sigmoid network, squared loss"


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("squared", lambda a, y: sum((ak - yk) ** 2 for ak, yk in zip(a, y)) / 2),
        ("sse", lambda a, y: sum((ak - yk) ** 2 for ak, yk in zip(a, y))),
        ("mse", lambda a, y: sum((ak - yk) ** 2 for ak, yk in zip(a, y)) / 3),
        ("cross_entropy", lambda a, y: -sum(yk * sp.log(ak) for ak, yk in zip(a, y))),
        ("binary_cross_entropy",
         lambda a, y: -sum(yk * sp.log(ak) + (1 - yk) * sp.log(1 - ak) for ak, yk in zip(a, y))),
    ],
)
def test_losses_are_the_documented_formulas(loss, expected):
    net = sbp.mlp([2, 3], activation="sigmoid", loss=loss)
    a = net.a[1]
    assert sp.expand(net.node_of(net.output).expr - expected(a, net.y)) == 0


def test_softmax_layer_couples_its_neurons():
    net = sbp.mlp([2, 3], activation="softmax", loss="cross_entropy")
    zs = net.z[1]
    for k in range(3):
        assert net.node_of(net.a[1][k]).expr == sbp.softmax(k + 1, *zs)


def test_weighted_sum_fast_path_is_the_canonical_sympy_sum():
    rng = random.Random(3)
    for _ in range(40):
        layer = rng.randint(1, 12)
        fan_in = rng.randint(1, 14)
        j = rng.randint(1, 12)
        weights = [n.weight(layer, j, i) for i in range(1, fan_in + 1)]
        inputs = [n.input_(i) if layer == 1 else n.act(layer - 1, i) for i in range(1, fan_in + 1)]
        for bias in (n.bias(layer, j), None):
            fast = _weighted_sum(weights, inputs, bias)
            slow = sp.Add(*[w * a for w, a in zip(weights, inputs)], *([bias] if bias else []))
            assert fast == slow and hash(fast) == hash(slow)
            assert fast.args == slow.args and type(fast) is type(slow)


def test_weighted_sum_of_non_symbols_falls_back_to_sympy():
    w, a = sp.symbols("w a", real=True)
    assert _weighted_sum([w, 2 * w], [a, a], None) == 3 * w * a


@pytest.mark.parametrize("bias", [[True, False, True], [False, True, False]])
def test_bias_per_layer(bias):
    net = sbp.mlp([2, 2, 2, 1], bias=bias)
    assert [bool(net.b[l]) for l in (1, 2, 3)] == bias


# ----- registries


def test_registered_names():
    assert activations.activation_names()[:7] == [
        "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax"]
    assert losses.loss_names()[:6] == [
        "squared", "sse", "mse", "cross_entropy", "binary_cross_entropy", "output"]


@pytest.fixture
def private_registries(monkeypatch):
    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))
    monkeypatch.setattr(losses, "_REGISTRY", dict(losses._REGISTRY))


def test_user_activation_and_loss_are_proved(private_registries):
    class cube(sp.Function):
        nargs = 1

        def fdiff(self, argindex=1):
            return 3 * self.args[0] ** 2

    sbp.register_activation("cube", cube, latex=r"(\cdot)^3", derivative_latex="3z^2")
    sbp.register_loss("quartic", lambda a, y: sp.Add(*[(ak - yk) ** 4 for ak, yk in zip(a, y)]),
                      latex=r"\sum_k (a_k - y_k)^4")
    net = sbp.mlp([2, 2, 1], activation=["cube", "identity"], loss="quartic")
    bp = sbp.derive(net)
    z = n.pre(1, 1)
    assert bp.partial(n.act(1, 1), z) == 3 * z**2
    composed = net.composed().replace(cube, lambda u: u**3)
    for p, d in bp.items():
        ours = d.expanded().replace(cube, lambda u: u**3)
        assert_same_function(ours, sp.diff(composed, p), net.leaves(), targets=net.y)


def test_user_layer_activation(private_registries):
    def normalise(zs):
        total = sp.Add(*[z**2 for z in zs])
        return tuple(z / total for z in zs)

    sbp.register_activation("normalise", layer=normalise, latex="N", derivative_latex="...")
    assert not sbp.get_activation("normalise").elementwise
    net = sbp.mlp([2, 2], activation="normalise", loss="sse")
    bp = sbp.derive(net)
    for p, d in bp.items():
        assert_same_function(d.expanded(), sp.diff(net.composed(), p), net.leaves(), targets=net.y)


def test_registration_errors(private_registries):
    f = sbp.sigmoid
    with pytest.raises(sbp.SpecError, match="'sigmoid' is already registered"):
        sbp.register_activation("sigmoid", f, latex="s", derivative_latex="s")
    with pytest.raises(sbp.SpecError, match="'step' is refused: its derivative is zero almost everywhere"):
        sbp.register_activation("step", f, latex="s", derivative_latex="s")
    with pytest.raises(sbp.SpecError, match="give exactly one of 'function' or 'layer'"):
        sbp.register_activation("new", latex="s", derivative_latex="s")
    with pytest.raises(sbp.SpecError, match="activation name: expected letters, digits and '_', received 'a b'"):
        sbp.register_activation("a b", f, latex="s", derivative_latex="s")
    with pytest.raises(sbp.SpecError, match="output_range: expected one of .*received 'huge'"):
        sbp.register_activation("new", f, latex="s", derivative_latex="s", output_range="huge")
    with pytest.raises(sbp.SpecError, match="'mse' is already registered"):
        sbp.register_loss("mse", lambda a, y: a[0], latex="L")


# ----- bad input


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([2, 0, 1], "layers[1]: expected a positive integer, received 0"),
        ([2, -3], "layers[1]: expected a positive integer, received -3"),
        ([2.5, 1], "layers[0]: expected a positive integer, received 2.5"),
        ([True, 1], "layers[0]: expected a positive integer, received True"),
        (["2", 1], "layers[0]: expected a positive integer, received '2'"),
        ([3], "layers: expected at least 2 sizes (input and output), received 1: [3]"),
        ("2-2", "layers: expected a list of positive integers, received '2-2'"),
        (7, "layers: expected a list of positive integers, received 7"),
    ],
)
def test_sizes_that_are_not_positive_integers(layers, message):
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp(layers)
    assert str(info.value) == message


def test_unknown_activation_suggests_the_closest():
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp([2, 1], activation="sigmod")
    message = str(info.value)
    assert message.startswith("activation: unknown activation 'sigmod' (did you mean 'sigmoid'?); expected one of")
    assert "identity, sigmoid, tanh, relu" in message
    with pytest.raises(sbp.SpecError, match=r"activation\[1\]: unknown activation 'tanhh' \(did you mean 'tanh'\?\)"):
        sbp.mlp([2, 2, 1], activation=["relu", "tanhh"])


def test_unknown_loss_suggests_the_closest():
    with pytest.raises(sbp.SpecError, match=r"^loss: unknown loss 'crossentropy' \(did you mean 'cross_entropy'\?\); expected one of squared, sse"):
        sbp.mlp([2, 1], loss="crossentropy")


def test_step_is_refused_with_the_reason():
    with pytest.raises(sbp.NotDifferentiableError) as info:
        sbp.mlp([2, 1], activation="step")
    message = str(info.value)
    assert message.startswith("activation: 'step' cannot be used: ")
    assert "derivative is zero almost everywhere and undefined at 0" in message
    assert "no gradient flows" in message


@pytest.mark.parametrize("output", ["identity", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_cross_entropy_needs_probabilities(output, loss):
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp([2, 2], activation=output, loss=loss)
    message = str(info.value)
    assert message.startswith(f"loss: {loss!r} takes the logarithm of the outputs, so they must be")
    assert f"the output activation {output!r} gives" in message
    assert "the logarithm is undefined" in message


def test_binary_cross_entropy_refuses_softmax_outputs():
    with pytest.raises(sbp.SpecError, match="'binary_cross_entropy'.*must be a probability in \\(0, 1\\).*'softmax' gives a probability vector"):
        sbp.mlp([2, 2], activation="softmax", loss="binary_cross_entropy")
    # It said "where the logarithm is undefined (use sigmoid or softmax outputs)": both false.
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp([2, 2], activation="softmax", loss="binary_cross_entropy")
    assert str(info.value).endswith("summing to 1), which this loss does not take (use sigmoid outputs)")
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp([2, 2], activation="relu", loss="cross_entropy")
    assert str(info.value).endswith("where the logarithm is undefined (use sigmoid or softmax outputs)")


def test_output_loss_needs_one_output():
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp([2, 3], loss="output")
    assert str(info.value) == (
        "loss: 'output' differentiates a single output neuron, but the output layer has 3; expected 1"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": ["relu"]}, "activation: expected one entry per non-input layer (2), received 1"),
        ({"activation": ["relu", 3]}, "activation[1]: expected a str, received 3"),
        ({"activation": 3}, "activation: expected a str or a list of 2, received 3"),
        ({"bias": [True]}, "bias: expected one entry per non-input layer (2), received 1"),
        ({"bias": 1}, "bias: expected a bool or a list of 2, received 1"),
        ({"loss": 3}, "loss: expected a loss name, received 3"),
        ({"reduction": "avg"}, "reduction: expected one of ('mean', 'sum'), received 'avg'"),
    ],
)
def test_bad_options_name_the_field(kwargs, message):
    with pytest.raises(sbp.SpecError) as info:
        sbp.mlp([2, 2, 1], **kwargs)
    assert str(info.value) == message


def test_huge_networks_are_refused_before_anything_is_built(monkeypatch):
    import symbackprop as sbp
    from symbackprop.graph import Graph

    built = count_calls(monkeypatch, Graph, "__init__")
    with pytest.raises(sbp.SpecError, match=r"layers: 10,000,100,000 parameters; expected at most 1,000,000"):
        sbp.mlp([100000, 100000])
    assert built[0] == 0  # refused from the sizes, not after building
    assert sbp.mlp([3, 2], max_params=8).n_params == 8
    with pytest.raises(sbp.SpecError, match="expected at most 7"):
        sbp.mlp([3, 2], max_params=7)
