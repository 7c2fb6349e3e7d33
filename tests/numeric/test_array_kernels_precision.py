"""The array kernels' stable forms keep relative precision (against mpmath, 50 digits)."""

from __future__ import annotations

import mpmath
import numpy as np

from symbackprop.graph.terms import Ref, call
from symbackprop.numeric.array_kernels import KERNELS


def test_sigmoid_keeps_relative_precision_for_every_float64_input():
    xs = np.concatenate([np.linspace(-745.0, 745.0, 4001), [-1e-300, 0.0, 1e-300, -40.0, 40.0]])
    got = KERNELS["sigmoid"](call("sigmoid", Ref("x", xs.shape)), xs)
    with mpmath.workdps(50):
        want = [1 / (1 + mpmath.exp(-mpmath.mpf(float(x)))) for x in xs]
    rel = max(abs(float(g) - float(w)) / float(w) for g, w in zip(got, want))
    assert rel < 4e-16


def test_softplus_and_log_softmax_stay_finite_and_exact_at_saturation():
    z = np.array([[1000.0, 0.0, -1000.0]])
    lsm = KERNELS["log_softmax"](call("log_softmax", Ref("z", (1, 3)), axis=1), z)
    assert lsm.tolist() == [[0.0, -1000.0, -2000.0]]
    sp = KERNELS["softplus"](call("softplus", Ref("z", (1, 3))), z)
    assert sp.tolist() == [[1000.0, np.log(2.0), 0.0]]
