"""The scalable gradient check: passes on derived gradients, catches planted errors, names them."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop import SymbackpropError, mlp
from symbackprop.numeric import GradcheckError, compile_vector, directional_check


def problem(layers, act, loss, batch, seed=0):
    net = mlp(layers, activation=act, loss=loss)
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layers)):
        params[f"W{l}"] = rng.normal(0, 1 / np.sqrt(layers[l - 1]), (layers[l], layers[l - 1]))
        params[f"b{l}"] = rng.normal(0, 0.1, layers[l])
    X = rng.normal(size=(batch, layers[0]))
    Y = np.eye(layers[-1])[rng.integers(0, layers[-1], batch)]
    return compile_vector(net), params, X, Y


@pytest.fixture(scope="module")
def small():
    return problem([4, 5, 3], ["tanh", "softmax"], "cross_entropy", batch=8)


def test_derived_gradients_pass_and_every_entry_is_checked_when_samples_cover_them(small):
    f, p, X, Y = small
    report = directional_check(f, p, X, Y, samples=1000)
    assert report.ok, report.table()
    assert report.n_params == 43
    assert len(report.rows) == 1 + 4 + 43  # one global direction, one per array, every entry
    report.raise_if_failed()


def test_one_entry_scaled_by_1_001_is_caught_and_named(small):
    f, p, X, Y = small
    _, grads = f.loss_and_gradients(p, X, Y)
    wrong = {k: v.copy() for k, v in grads.items()}
    j, i = np.unravel_index(np.abs(wrong["W1"]).argmax(), wrong["W1"].shape)
    wrong["W1"][j, i] *= 1.001
    report = directional_check(f, p, X, Y, gradients=wrong, samples=1000)
    entries = [r.name for r in report.failures if not r.name.startswith("direction")]
    assert entries == [f"W1[{j}, {i}]"]
    # On a network this small the directions within W1 and overall see it too.
    assert {r.name for r in report.failures} - set(entries) <= {"direction (all)", "direction W1"}
    with pytest.raises(GradcheckError, match=rf"W1\[{j}, {i}\].*WRONG"):
        report.raise_if_failed()
    assert isinstance(GradcheckError("x"), SymbackpropError)


def test_a_whole_matrix_error_is_caught_by_the_directions_alone(small):
    f, p, X, Y = small
    _, grads = f.loss_and_gradients(p, X, Y)
    wrong = dict(grads, W2=grads["W2"] * 1.01)
    report = directional_check(f, p, X, Y, gradients=wrong, samples=0)
    assert "direction W2" in [r.name for r in report.failures]
    assert not any(r.name in ("direction W1", "direction b1", "direction b2") for r in report.failures)


def test_a_transposed_relu_mask_bug_is_caught():
    # A common hand-written slip: the ReLU mask taken from the wrong layer (here: all ones).
    f, p, X, Y = problem([6, 8, 3], ["relu", "softmax"], "cross_entropy", batch=16, seed=1)
    Z1 = X @ p["W1"].T + p["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ p["W2"].T + p["b2"]
    A2 = np.exp(Z2 - Z2.max(1, keepdims=True))
    A2 /= A2.sum(1, keepdims=True)
    D2 = (A2 - Y) / len(X)
    D1 = D2 @ p["W2"]  # mask forgotten
    wrong = {"W1": D1.T @ X, "b1": D1.sum(0), "W2": D2.T @ A1, "b2": D2.sum(0)}
    report = directional_check(f, p, X, Y, gradients=wrong, samples=0)
    assert {r.name for r in report.failures} >= {"direction W1", "direction b1"}
    assert "direction W2" not in {r.name for r in report.failures}


class LossOnly:
    """A model without ``prepare``: every entry costs two full forward passes."""

    def __init__(self, f):
        self.f = f

    def loss(self, params, X, Y=None):
        return self.f.loss(params, X, Y)

    def loss_and_gradients(self, params, X, Y=None):
        return self.f.loss_and_gradients(params, X, Y)


def test_models_without_prepare_are_checked_by_full_passes(small):
    f, p, X, Y = small
    fast = directional_check(f, p, X, Y, samples=20, seed=3)
    slow = directional_check(LossOnly(f), p, X, Y, samples=20, seed=3)
    assert slow.ok and [r.name for r in slow.rows] == [r.name for r in fast.rows]
    for a, b in zip(fast.rows, slow.rows):
        assert a.numeric == pytest.approx(b.numeric, rel=1e-5, abs=1e-9)


def test_same_seed_same_rows_and_a_readable_summary(small):
    f, p, X, Y = small
    a = directional_check(f, p, X, Y, samples=5, seed=7)
    b = directional_check(f, p, X, Y, samples=5, seed=7)
    assert [r.name for r in a.rows] == [r.name for r in b.rows]
    assert str(a).startswith("gradient check passed: 5 directions and 5 of 43 parameters in ")


class CountingModel:
    """A model that counts its whole-batch evaluations and its single-entry moves."""

    def __init__(self, model):
        self.model, self.losses, self.entries = model, 0, 0

    def loss(self, params, X, Y):
        self.losses += 1
        return self.model.loss(params, X, Y)

    def loss_and_gradients(self, params, X, Y):
        self.losses += 1
        return self.model.loss_and_gradients(params, X, Y)

    def prepare(self, params, X, Y):
        prepared, outer = self.model.prepare(params, X, Y), self

        class Counted:
            def entry_loss(self, name, index, step):
                outer.entries += 1
                return prepared.entry_loss(name, index, step)

        return Counted()


def test_784_128_10_check_costs_a_few_evaluations_not_one_per_parameter():
    f, p, X, Y = problem([784, 128, 10], ["relu", "softmax"], "cross_entropy", batch=500)
    model = CountingModel(f)
    report = directional_check(model, p, X, Y, samples=100)
    assert report.ok, report.table(only_failures=True)
    assert report.n_params == 101_770
    # One gradient, two whole-batch losses per direction (one global, one per array), two
    # single-entry moves per sampled entry: independent of the 101,770 parameters.
    assert (model.losses, model.entries) == (1 + 2 * (1 + 4), 2 * 100)
