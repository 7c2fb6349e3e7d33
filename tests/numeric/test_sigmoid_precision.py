"""σ keeps its relative precision for every float64 input in every numpy form the backends
use (the array kernel the vector backend computes with, the lambdified table, the scalar
backend), against mpmath at 50 digits over [−745, 745]; the old ½ + ½ tanh(z/2) form fails
the same comparison."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from symbackprop.numeric.rules import NUMPY_FUNCTIONS
from symbackprop.graph.terms import Ref, call
from symbackprop.numeric.array_kernels import KERNELS
from symbackprop.numeric.vector_kernels import _NUMPY

Z = np.concatenate([np.linspace(-745.0, 745.0, 20_001), [-744.4, -708.3, -40.0, -37.5, -1e-300, 0.0, 1e-300, 36.7]])
TINY = np.finfo(np.float64).tiny  # below it, subnormals carry fewer digits: judged absolutely


def _reference(z: np.ndarray) -> np.ndarray:
    mpmath.mp.dps = 50
    return np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in z])


REFERENCE = _reference(Z)


def _worst_error(got: np.ndarray) -> float:
    normal = REFERENCE >= TINY
    rel = np.abs(got[normal] - REFERENCE[normal]) / REFERENCE[normal]
    absolute = np.abs(got[~normal] - REFERENCE[~normal]) / TINY
    return float(max(rel.max(initial=0.0), absolute.max(initial=0.0)))


def _array_kernel(z: np.ndarray) -> np.ndarray:
    return KERNELS["sigmoid"](call("sigmoid", Ref("z", z.shape)), z)


@pytest.mark.parametrize("form", [_array_kernel, _NUMPY["sigmoid"], NUMPY_FUNCTIONS["sigmoid"]],
                         ids=["array kernel (vector backend)", "vector table", "scalar backend"])
def test_sigmoid_keeps_relative_precision_everywhere(form) -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to a subnormal is right
        got = np.asarray(form(Z.copy()), dtype=np.float64)
    assert _worst_error(got) < 4 * np.finfo(np.float64).eps


def test_the_tanh_form_is_caught_by_the_same_comparison() -> None:
    planted = 0.5 + 0.5 * np.tanh(0.5 * Z)
    assert _worst_error(planted) > 0.5  # σ(−40) came out as 0 (or a handful of ulps of 1)


def test_the_array_kernel_keeps_float32_precision_where_its_exponential_overflows_sooner() -> None:
    # e^{-z} overflows float32 below z ≈ -88, where σ is still a float32 (subnormal below
    # -87.3): the kernel's fix-up follows the array's type, not float64's -708.
    z = np.linspace(-110.0, 100.0, 4001).astype(np.float32)
    mpmath.mp.dps = 50
    reference = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in z])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = _array_kernel(z)
    assert got.dtype == np.float32
    tiny = float(np.finfo(np.float32).tiny)
    scale = np.maximum(np.abs(reference), tiny)  # subnormals judged against the smallest normal
    assert float(np.max(np.abs(got.astype(np.float64) - reference) / scale)) < 4 * float(np.finfo(np.float32).eps)
