"""examples/digits.py: its training function on synthetic data always; on the real digits when
scikit-learn (an example-only extra) is installed."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
from conftest import ROOT

PATH = ROOT / "examples" / "digits.py"


@pytest.fixture(scope="module")
def digits():
    spec = importlib.util.spec_from_file_location("digits_example", PATH)
    module = importlib.util.module_from_spec(spec)
    # The example puts the checkout on sys.path (to run uninstalled): restore it afterwards.
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_train_learns_separable_synthetic_classes(digits):
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (4, 16))
    labels = rng.integers(0, 4, 600)
    X = centres[labels] + rng.normal(0, 0.6, (600, 16))
    f, params, history = digits.train(X[:400], labels[:400], (16, 12, 4), epochs=8, seed=1)
    assert history[-1] < history[0]
    assert digits.accuracy(f, params, X[400:], labels[400:]) > 0.95


def test_real_digits_reach_90_percent(digits, capsys):
    pytest.importorskip("sklearn", reason="scikit-learn is an example-only extra: pip install '.[examples]'")
    assert digits.main(["--epochs", "20"]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("test accuracy")[1].split()[0])
    assert accuracy > 0.90
