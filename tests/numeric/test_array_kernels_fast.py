"""Kernels that take a faster route than the obvious numpy call give its numbers."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop.graph.terms import Const, Ref, call
from symbackprop.numeric.array_kernels import KERNELS


@pytest.mark.parametrize("exponent", [2, -1, 0.5, -0.5, 3, -2, 1.5])
def test_powers_equal_np_power(exponent):
    x = np.array([[0.0, 1e-300, 0.3, 1.0, 2.5, 1e200, np.inf, -0.7, -2.0]])
    t = call("pow", Ref("x", x.shape), Const(exponent, (), "int" if isinstance(exponent, int) else "float"))
    with np.errstate(all="ignore"):
        got, expected = KERNELS["pow"](t, x, exponent), np.power(x, float(exponent))
    np.testing.assert_allclose(got, expected, rtol=4e-16, atol=0)
    assert got.shape == expected.shape
    # A stack of copies (the checker's leading axis) too.
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(KERNELS["pow"](t, np.stack([x, 2 * x]), exponent),
                                   np.power(np.stack([x, 2 * x]), float(exponent)), rtol=4e-16)


def test_an_integer_power_of_integers_stays_an_integer():
    t = call("pow", Ref("k", (3,), "int"), Const(2, (), "int"))
    got = KERNELS["pow"](t, np.array([1, 2, 3]), 2)
    assert got.dtype.kind == "i" and got.tolist() == [1, 4, 9]


@pytest.mark.parametrize("shape, index_shape", [((27, 10), (32, 3)), ((5,), (7,)), ((4, 2, 3), (6,)), ((3, 2), (2, 2, 2))])
def test_the_gradient_of_a_row_gather_equals_np_add_at(shape, index_shape):
    rng = np.random.default_rng(1)
    rows = rng.integers(0, shape[0], index_shape)
    values = rng.standard_normal((*index_shape, *shape[1:]))
    t = call("scatter_add", Ref("g", values.shape), Ref("X", index_shape, "int"), shape=shape,
             items=(("array", 1),), unique=False)
    expected = np.zeros(shape)
    np.add.at(expected, rows, values)
    np.testing.assert_allclose(KERNELS["scatter_add"](t, values, rows), expected, rtol=1e-14, atol=1e-15)
    # Repeated rows are summed, not overwritten: the reason a plain assignment will not do.
    assert len(np.unique(rows)) < rows.size
