"""Gradient descent: one step at the old values, fit over data, the XOR example."""

from __future__ import annotations

import io
import math
import runpy
import sys

import numpy as np
import pytest
from conftest import ROOT

import symbackprop as sbp
from symbackprop.errors import DataError
from symbackprop.numeric import fit, init_params, step
from symbackprop.numeric.scalar import compiled


def test_step_updates_every_parameter_from_the_old_values():
    spec = sbp.load_spec(sbp.EXAMPLE)
    nn = compiled(spec.network)
    params = {k: np.array(v) for k, v in spec.values.params.items()}
    _, grads = nn.loss_and_gradients(params, spec.values.x, spec.values.y)
    new = step(params, grads, 0.5)
    # The textbook's updated weights (w5 = 0.35891648, w1 = 0.14978072).
    assert new["W2"][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert new["W1"][0, 0] == pytest.approx(0.14978072, abs=1e-8)
    assert params["W2"][0, 0] == 0.40  # unchanged input
    for k in params:
        np.testing.assert_array_equal(new[k], params[k] - 0.5 * grads[k])


def test_step_rejects_missing_or_misshapen_gradients():
    with pytest.raises(DataError, match="gradients.b: missing"):
        step({"w": 1.0, "b": 2.0}, {"w": 1.0}, 0.1)
    with pytest.raises(DataError, match=r"gradients.W1: expected shape \(1, 2\) like the parameter, received \(2,\)"):
        step({"W1": [[1.0, 2.0]]}, {"W1": [1.0, 2.0]}, 0.1)
    with pytest.raises(DataError, match="learning_rate: expected a positive number, received -1"):
        step({"w": 1.0}, {"w": 1.0}, -1)


def test_full_batch_fit_is_repeated_steps_and_history_is_the_loss_after_each_epoch():
    net = sbp.mlp([2, 3, 1], activation="tanh")
    nn = compiled(net)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    start = init_params(net, seed=3)
    result = fit(net, start, X, Y, epochs=3, learning_rate=0.1, progress=False)
    manual = start
    for epoch in range(3):
        manual = step(manual, nn.loss_and_gradients(manual, X, Y)[1], 0.1)
        assert result.history[epoch] == pytest.approx(nn.loss(manual, X, Y), rel=1e-12)
    for k in manual:
        np.testing.assert_allclose(result.params[k], manual[k], rtol=1e-12)


def test_minibatch_fit_is_seeded_and_decreases_the_loss():
    net = sbp.mlp([2, 4, 1], activation=["tanh", "identity"])
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 2))
    Y = X[:, :1] * 0.5 - X[:, 1:] * 0.25
    a = fit(net, init_params(net, seed=0), X, Y, epochs=20, batch_size=8, learning_rate=0.1, seed=7, progress=False)
    b = fit(net, init_params(net, seed=0), X, Y, epochs=20, batch_size=8, learning_rate=0.1, seed=7, progress=False)
    assert a.history == b.history
    assert a.history[-1] < 0.1 * a.history[0]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_when_asked_or_on_a_terminal():
    net = sbp.mlp([1, 1])
    quiet, loud, terminal = io.StringIO(), io.StringIO(), _Terminal()
    fit(net, init_params(net), [[1.0]], [[0.5]], epochs=5, learning_rate=0.1, stream=quiet)
    fit(net, init_params(net), [[1.0]], [[0.5]], epochs=5, learning_rate=0.1, stream=loud, progress=True)
    fit(net, init_params(net), [[1.0]], [[0.5]], epochs=5, learning_rate=0.1, stream=terminal)
    assert quiet.getvalue() == ""
    assert "epoch 5/5 [##############################] loss" in loud.getvalue()
    assert terminal.getvalue().startswith("\repoch 1/5 [######") and terminal.getvalue().endswith("\n")


def test_init_params_is_seeded_xavier_uniform():
    net = sbp.mlp([4, 8, 3])
    p, q = init_params(net, seed=2), init_params(net, seed=2)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert np.abs(p["W1"]).max() <= math.sqrt(6 / 12) and np.abs(p["W2"]).max() <= math.sqrt(6 / 11)
    assert not p["b1"].any()


@pytest.mark.parametrize("kwargs,message", [
    ({"epochs": 0}, "epochs: expected a positive integer, received 0"),
    ({"epochs": 2.5}, "epochs: expected a positive integer, received 2.5"),
    ({"batch_size": 0}, "batch_size: expected a positive integer, received 0"),
    ({"learning_rate": float("nan")}, "learning_rate: expected a positive number, received nan"),
])
def test_fit_rejects_bad_settings(kwargs, message):
    net = sbp.mlp([1, 1])
    settings = {"epochs": 1, "learning_rate": 0.1, **kwargs}
    with pytest.raises(DataError, match=message):
        fit(net, init_params(net), [[1.0]], [[0.5]], progress=False, **settings)


def test_xor_example_reaches_a_loss_below_0_01(capsys, monkeypatch):
    # The example puts the checkout on sys.path (to run uninstalled); restored afterwards, or
    # later lookups (the installed package's metadata) would find the source tree instead.
    monkeypatch.setattr(sys, "path", [str(ROOT / "examples"), *sys.path])
    namespace = runpy.run_path(str(ROOT / "examples" / "xor.py"), run_name="xor_example")
    net, result = namespace["train_xor"](progress=False)
    assert result.loss < 0.01
    predictions = compiled(net).forward(result.params, namespace["X"])["a2"][:, 0]
    assert np.all(np.round(predictions) == namespace["Y"][:, 0])
    namespace["main"]()
    out = capsys.readouterr().out
    assert "x = (1, 1)  target 0  prediction" in out


def test_init_params_of_a_compiled_network_has_the_network_shapes():
    """compiled() passes a compiled network through, so init_params(compile_network(net,
    backend="scalar")) drew one float per parameter *entry* under each array name and
    returned {"W1": 0.27, "b1": -0.46, ...}; the vector backend (the default) raised
    AttributeError.  Both now stand for their network, with the same seeded numbers."""
    net = sbp.mlp([2, 3, 1], bias=[False, True])
    want = init_params(net, seed=3)
    assert {k: v.shape for k, v in want.items()} == {"W1": (3, 2), "W2": (1, 3), "b2": (1,)}
    for backend in ("scalar", "vector"):
        got = init_params(sbp.compile_network(net, backend=backend), seed=3)
        assert list(got) == list(want) and all(np.array_equal(got[k], want[k]) for k in want)
