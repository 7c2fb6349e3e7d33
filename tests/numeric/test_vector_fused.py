"""The vector backend's in-place kernels: each equals its activation and derivative (SymPy, 30
digits), is used exactly where the derived rule is its key, and a network on them equals the
scalar derivation for every hidden activation and every loss."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import sympy as sp

from symbackprop.derive import LayerRule
from symbackprop.derive.layer_rules import ALPHA, T
from symbackprop.graph import activation_names, get_activation, loss_names, mlp
from symbackprop.numeric import compile_network, compile_vector
from symbackprop.numeric.vector_fused import KERNELS, Fused, fused_kernel

POINTS = np.array([-1000.0, -745.0, -50.0, -30.0, -5.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 5.0, 30.0, 50.0, 1000.0])
HIDDEN = [name for name in activation_names() if get_activation(name).elementwise]


def _reference(expr: sp.Expr, z: np.ndarray) -> np.ndarray:
    return np.array([float(sp.N(expr.subs(T, sp.Float(v, 30)), 30)) for v in z])


def _errors(kernel: Fused, z: np.ndarray, g: np.ndarray) -> tuple[float, float]:
    """Largest error of the forward and the backward kernel against SymPy at 30 digits,
    relative to 1 + |value| (σ near 0 is good to an absolute 1e-16, as float64 allows at 1)."""
    a = kernel.forward(z, np.empty_like(z))
    want_a = _reference(kernel.value, z)
    spent = a.copy()
    got_g = g.copy()
    if kernel.backward is not None:
        kernel.backward(got_g, spent)
    want_g = g * _reference(sp.diff(kernel.value, T), z)  # fdiff, not the kernel's own alpha form
    return (float(np.max(np.abs(a - want_a) / (1 + np.abs(want_a)))),
            float(np.max(np.abs(got_g - want_g) / (1 + np.abs(want_g)))))


@pytest.mark.parametrize("kernel", KERNELS, ids=[str(k.value) for k in KERNELS])
def test_each_kernel_is_its_activation_and_derivative_at_saturation_too(kernel: Fused) -> None:
    rng = np.random.default_rng(1)
    z = np.concatenate([POINTS, rng.normal(0, 4, 25)])
    g = rng.normal(size=z.shape)
    forward_error, backward_error = _errors(kernel, z, g)
    assert forward_error < 4e-16 and backward_error < 4e-16
    inplace = z.copy()
    assert kernel.forward(inplace, inplace) is inplace  # computing into z's own buffer
    np.testing.assert_array_equal(inplace, kernel.forward(z, np.empty_like(z)))


def test_sigmoid_at_plus_minus_1000_is_exact() -> None:
    sigmoid = KERNELS[0]
    z = np.array([-1000.0, 1000.0])
    assert sigmoid.forward(z, np.empty_like(z)).tolist() == [0.0, 1.0]


def test_a_wrong_kernel_is_caught_by_the_comparison() -> None:
    sigmoid = KERNELS[0]
    # Planted: σ' taken as a instead of a(1 - a).
    wrong = Fused(sigmoid.value, sigmoid.derivative, sigmoid.forward, lambda g, a: np.multiply(g, a, out=g))
    assert _errors(wrong, POINTS, np.ones_like(POINTS))[1] > 0.1


def test_every_registry_activation_has_a_kernel_and_other_rules_get_none() -> None:
    for name in HIDDEN:
        net = mlp([2, 2, 1], activation=[name, "sigmoid"])
        assert fused_kernel(compile_vector(net).form.rules[0]) is not None, name
    act = get_activation("sigmoid")
    sigmoid = KERNELS[0]
    # A rule the kernel does not compute (its derivative differs) is lambdified instead.
    assert fused_kernel(LayerRule(1, 2, act, True, sigmoid.value, ALPHA)) is None
    assert fused_kernel(LayerRule(1, 2, act, True, sigmoid.value, sigmoid.derivative)) is sigmoid


def _problem(net, rng, batch=5):
    params = {}
    for l in range(1, net.depth + 1):
        params[f"W{l}"] = rng.normal(0, 1.0, (net.layers[l], net.layers[l - 1]))
        params[f"b{l}"] = rng.normal(0, 0.5, net.layers[l])
    X = rng.normal(0, 2.0, (batch, net.layers[0]))
    Y = None
    if net.y:
        Y = rng.dirichlet(np.ones(net.layers[-1]), size=batch) if net.loss.target_constraint == "distribution" \
            else rng.uniform(0.05, 0.95, (batch, net.layers[-1]))
    return params, X, Y


@pytest.mark.parametrize("loss", sorted(loss_names()))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_hidden_activation_and_loss_equals_the_scalar_derivation(hidden: str, loss: str) -> None:
    out = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(loss, "sigmoid")
    net = mlp([3, 4, 3, 1 if loss == "output" else 2], activation=[hidden, hidden, out], loss=loss)
    vector, scalar = compile_vector(net), compile_network(net, backend="scalar")
    params, X, Y = _problem(net, np.random.default_rng(len(hidden) * 7 + len(loss)))
    before = {k: v.copy() for k, v in params.items()}, X.copy(), None if Y is None else Y.copy()
    loss_v, grads_v = vector.loss_and_gradients(params, X, Y, wrt_inputs=True)
    loss_s, grads_s = scalar.loss_and_gradients(params, X, Y, wrt_inputs=True)
    assert loss_v == pytest.approx(loss_s, rel=1e-12, abs=1e-14)
    for name in grads_s:
        np.testing.assert_allclose(grads_v[name], grads_s[name], rtol=1e-10, atol=1e-13, err_msg=name)
    deltas_v, deltas_s = vector.deltas(params, X, Y), scalar.deltas(params, X, Y)
    for name in deltas_s:
        np.testing.assert_allclose(deltas_v[name], deltas_s[name], rtol=1e-10, atol=1e-13, err_msg=name)
    # Working in place never touches what the caller passed in.
    assert all(np.array_equal(params[k], before[0][k]) for k in params) and np.array_equal(X, before[1])
    assert Y is None or np.array_equal(Y, before[2])


def test_a_gradient_allocates_far_less_than_a_copy_of_x() -> None:
    net = mlp([400, 8, 2], activation=["sigmoid", "softmax"], loss="cross_entropy")
    f = compile_vector(net)
    params, X, Y = _problem(net, np.random.default_rng(0), batch=2000)
    f.loss_and_gradients(params, X, Y)  # warm: lambdified code and caches
    tracemalloc.start()
    f.loss_and_gradients(params, X, Y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < X.nbytes / 4, (peak, X.nbytes)  # X (6.4 MB) is read where it is, never copied


def test_the_module_examples_run() -> None:
    import doctest

    from symbackprop.numeric import vector_fused

    result = doctest.testmod(vector_fused)
    assert result.attempted > 0 and result.failed == 0
