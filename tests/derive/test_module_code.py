"""Generated modules of random layered networks and of programs: they run as written, at any
batch size, and give the vector backend's numbers and PyTorch autograd's; the text is what a
person writes (no ``1.0 *``, ``keepdims`` only where the gradient's shape needs it)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from code_helpers import assert_close, load_module, run_numpy, run_torch
from conftest import LOSSES, output_activation_for
from hypothesis import given
from hypothesis import strategies as st

import symbackprop as sbp
from symbackprop.derive.programs import program
from symbackprop.derive.layered_code import layered_module
from symbackprop.derive.module_code import program_module
from symbackprop.errors import SpecError
from symbackprop.numeric.array_eval import compile_program

HIDDEN = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus")


@st.composite
def networks(draw: st.DrawFn) -> sbp.Network:
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(LOSSES))
    if loss == "output":
        sizes[-1] = 1
    if loss == "cross_entropy" and sizes[-1] == 1:
        sizes[-1] = 2
    hidden = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)]
    out = output_activation_for(loss, draw(st.sampled_from(("sigmoid", "softmax", "identity", "tanh"))))
    if loss == "cross_entropy":
        out = "softmax"
    bias = [draw(st.booleans()) for _ in range(depth)]
    return sbp.mlp(sizes, activation=hidden + [out], loss=loss, bias=bias,
                   reduction=draw(st.sampled_from(("mean", "sum"))))


def _arrays(net: sbp.Network, m: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {"X": rng.normal(size=(m, net.layers[0]))}
    if net.y:
        n = net.layers[-1]
        out["Y"] = rng.dirichlet(np.ones(n), m) if net.loss.name == "cross_entropy" else rng.uniform(0.05, 0.95, (m, n))
    for l in range(1, len(net.layers)):
        out[f"W{l}"] = rng.normal(size=(net.layers[l], net.layers[l - 1]))
        if net.bias[l - 1]:
            out[f"b{l}"] = rng.normal(size=net.layers[l])
    return out


@given(net=networks(), m=st.integers(1, 7), seed=st.integers(0, 1000))
def test_random_networks_give_the_vector_backends_numbers_at_any_batch(net, m, seed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("layered")
    arrays = _arrays(net, m, seed)
    params = {k: v for k, v in arrays.items() if k[0] in "Wb"}
    loss, grads = sbp.compile_vector(net).loss_and_gradients(params, arrays["X"], arrays.get("Y"), wrt_inputs=True)
    grads["X"] = grads.pop("x")
    order = list(arrays)
    got_loss, got = run_numpy(load_module(layered_module(net, "numpy"), folder), arrays, order)
    assert got_loss == pytest.approx(loss, rel=1e-11, abs=1e-13)
    assert_close(got, grads, rtol=1e-9, atol=1e-12)


@given(net=networks(), m=st.integers(1, 5), seed=st.integers(0, 1000))
def test_random_networks_in_pytorch_match_autograd(net, m, seed, tmp_path_factory):
    pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("layered_torch")
    arrays = _arrays(net, m, seed)
    _, ours, auto = run_torch(load_module(layered_module(net, "torch"), folder), arrays, list(arrays))
    assert_close(ours, auto, rtol=1e-9, atol=1e-12)


def _statements(text: str) -> list[str]:
    body = text[text.index("    # backward"):].splitlines()[1:-1]
    return [line.split("  #")[0].strip() for line in body]


@given(net=networks())
def test_the_text_has_no_needless_work(net):
    lines = _statements(layered_module(net))
    assert not any(re.search(r"\b1\.0 \*|\* 1\.0\b|ones_like\([^)]*\) \* 1\b", ln) for ln in lines)
    # keepdims only where the gradient keeps the reduced axis: nowhere in a layered network
    assert not any("keepdims" in ln for ln in lines if not ln.startswith("dZ"))
    # one backward line per forward line and input: dW, db (with a bias), dA or dX per layer
    depth = len(net.layers) - 1
    assert [ln.split(" ")[0] for ln in lines if ln.startswith("dW")] == [f"dW{l}" for l in range(depth, 0, -1)]
    assert sum(ln.startswith("db") for ln in lines) == sum(net.bias)


def test_keepdims_only_where_the_gradient_needs_it():
    p = program("h = x * g + b\nloss = (h ** 2).sum()", {"x": [4, 3], "g": [1, 3], "b": [3]})
    lines = p.code_lines()
    assert "dg = (x * dh).sum(axis=0, keepdims=True)" in lines  # g is (1, 3)
    assert "db = dh.sum(axis=0)" in lines  # b is (3,)


def test_a_constant_that_is_no_row_count_is_a_keyword_argument(tmp_path):
    p = program("h = x * k\nloss = (h ** 2).sum()", {"x": [4, 3], "k": 5})
    text = program_module(p)
    assert "def forward_backward(x, *, k=5):" in text
    module = load_module(text, tmp_path)
    x = np.arange(12.0).reshape(4, 3)
    loss, grads = module.forward_backward(x, k=2)
    assert loss == pytest.approx(((2 * x) ** 2).sum()) and np.allclose(grads["x"], 8 * x)


def test_a_leaf_that_does_not_reach_the_loss_gets_zeros(tmp_path):
    p = program("h = x * 2\nu = w * 3\nloss = (h ** 2).sum()", {"x": [2, 2], "w": [3]})
    text = program_module(p)
    assert "dw = np.zeros_like(w)  # w does not reach loss" in text
    loss, grads = run_numpy(load_module(text, tmp_path), {"x": np.ones((2, 2)), "w": np.ones(3)}, ["x", "w"])
    assert np.array_equal(grads["w"], np.zeros(3)) and np.allclose(grads["x"], 8.0)


def test_repeated_gathers_and_slices_beside_index_arrays_are_valid_code(tmp_path):
    """A gather whose positions repeat, beside a slice, in both languages: np.add.at with a
    slice object, and the torch helper that adds repeated positions up."""
    code = "e = C[:, X]\nf = C[X] * 1.5\nloss = (e ** 2).sum() + (f * f).sum()"
    p = program(code, {"C": [3, 4], "X": {"shape": [5], "integers": 3}})
    numbers = compile_program(p.forward)
    arrays = {"C": np.random.default_rng(1).normal(size=(3, 4)), "X": np.array([0, 2, 2, 1, 0])}
    loss, grads = numbers.loss_and_gradients(arrays)
    got_loss, got = run_numpy(load_module(program_module(p), tmp_path), arrays, ["C", "X"])
    assert got_loss == pytest.approx(loss) and np.allclose(got["C"], grads["C"])
    torch = pytest.importorskip("torch")
    assert torch is not None
    _, ours, auto = run_torch(load_module(program_module(p, "torch"), tmp_path), arrays, ["C", "X"])
    assert_close(ours, auto)


def test_a_language_not_offered_is_refused():
    with pytest.raises(SpecError, match=r"--to: expected one of numpy, torch, received 'jax'"):
        layered_module(sbp.mlp([2, 2]), "jax")


@pytest.mark.parametrize("language", ["numpy", "torch"])
def test_an_activation_of_ones_own_is_written_out_from_its_sympy_function(language, tmp_path, monkeypatch):
    from symbackprop.graph import activations, register_activation
    from symbackprop.graph.functions import softplus

    if language == "torch":
        pytest.importorskip("torch")
    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))  # undone after the test
    register_activation("smooth", lambda z: softplus(3 * z) / 3, latex="s", derivative_latex="\\sigma(3z)")
    net = sbp.mlp([2, 3, 1], activation=["smooth", "identity"], loss="squared")
    text = layered_module(net, language)
    assert "def smooth(x):" in text and "def smooth_prime(x):" in text
    arrays = _arrays(net, 4, 9)
    params = {k: v for k, v in arrays.items() if k[0] in "Wb"}
    if language == "numpy":
        loss, grads = sbp.compile_vector(net).loss_and_gradients(params, arrays["X"], arrays["Y"], wrt_inputs=True)
        grads["X"] = grads.pop("x")
        got_loss, got = run_numpy(load_module(text, tmp_path), arrays, list(arrays))
        assert got_loss == pytest.approx(loss) and not set(grads) ^ set(got)
        assert_close(got, grads, rtol=1e-9, atol=1e-12)
    else:
        _, ours, auto = run_torch(load_module(text, tmp_path), arrays, list(arrays))
        assert_close(ours, auto, rtol=1e-9, atol=1e-12)


def _random_numbers(rp, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, spec in rp.shapes.items():
        if isinstance(spec, dict):
            out[name] = rng.integers(0, spec["integers"], spec["shape"])
        elif isinstance(spec, list):
            out[name] = rng.uniform(0.5, 1.5, spec) if name in rp.positive else rng.normal(0, 0.8, spec)
    return out


@given(seed=st.integers(0, 10**6), length=st.integers(1, 7))
def test_random_programs_run_as_written_in_numpy_and_pytorch(seed, length, tmp_path_factory):
    from random_programs import random_program

    rp = random_program(seed, length)
    p = program(rp.code, rp.shapes)
    folder = tmp_path_factory.mktemp("programs")
    arrays = _random_numbers(rp, seed)
    loss, grads = compile_program(p.forward, p.backward).loss_and_gradients(arrays)
    order = [leaf.name for leaf in p.forward.leaves if leaf.kind != "const"]
    got_loss, got = run_numpy(load_module(program_module(p, "numpy"), folder), arrays, order)
    assert got_loss == pytest.approx(loss, rel=1e-12, abs=1e-14), rp.code
    assert_close(got, grads)
    pytest.importorskip("torch")
    torch_loss, ours, auto = run_torch(load_module(program_module(p, "torch"), folder), arrays, order)
    assert torch_loss == pytest.approx(loss, rel=1e-12, abs=1e-14), rp.code
    assert_close(ours, auto, rtol=1e-9, atol=1e-12)
    assert_close(ours, grads, rtol=1e-9, atol=1e-12)


def test_the_modules_sigmoid_keeps_every_digit_where_it_is_tiny(tmp_path):
    module = load_module(layered_module(sbp.mlp([1, 1], activation="sigmoid")), tmp_path)
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    assert np.allclose(module.sigmoid(x), [0.0, 1 / (1 + np.exp(40.0)), 0.5, 1 / (1 + np.exp(-40.0)), 1.0],
                       rtol=1e-15, atol=0)
