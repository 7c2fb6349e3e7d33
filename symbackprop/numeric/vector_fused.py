"""In-place numpy kernels for the registry's elementwise activations, keyed by the rule they compute.

A layer of [784, 128, 10] on a batch of 10,000 is a 10 MB array; allocating one costs more
than the arithmetic on it (fresh pages), and ``np.logaddexp`` is 80× slower than ``np.exp``.
So the vector backend's hot path computes ``a = f(z)`` into ``z``'s own buffer and
``g ⊙= f'(z)`` into ``g``, in the fastest stable form per function:

* σ(z) = 1/(1 + e^{−|z|}) or e^{−|z|}/(1 + e^{−|z|}) by the sign of z: no overflow anywhere,
  ``σ(±1000)`` exactly 1 and 0, full relative precision for every float64 input;
* softplus(z) = max(z, 0) + log1p(e^{−|z|}); its derivative σ(z) = −expm1(−a) from ``a``;
* leaky ReLU = max(z, s z) for its slope 0 < s < 1.

Every derivative is computed from ``a = f(z)`` alone (ReLU′ is ``a > 0``), so ``z`` need not
be kept.  A kernel is used only for a layer whose derived rule, ``f(t)`` and ``f'(t)`` as
:mod:`symbackprop.derive.vector` writes it, is exactly the kernel's key; anything else (a
user's activation, a changed ``fdiff``) is lambdified as before.  ``tests/numeric/
test_vector_fused.py`` compares every kernel with the lambdified rule it stands for.

>>> import numpy as np
>>> z = np.array([-1000.0, 0.0, 1000.0])
>>> KERNELS[0].forward(z, z).tolist()
[0.0, 0.5, 1.0]
>>> float(KERNELS[0].forward(np.array([-700.0]), np.empty(1))[0])  # e^{-700}, not 0
9.85967654375977e-305
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symbackprop.derive import LayerRule
from symbackprop.derive.layer_rules import ALPHA, T
from symbackprop.graph.functions import LEAKY_SLOPE, leaky_relu, relu, sigmoid, softplus

__all__ = ["KERNELS", "Fused", "fused_kernel"]

Array = np.ndarray


@dataclass(frozen=True)
class Fused:
    """One activation's kernels.

    Attributes:
        value: ``f(t)`` as the layer rule writes it.
        derivative: ``f'(t)`` in ``t`` and ``alpha = f(t)``, as the layer rule writes it.
        forward: ``(z, out) -> out``: ``f(z)`` written into ``out``, which may be ``z``.
        backward: ``(g, a) -> None``: ``g *= f'(z)`` given ``a = f(z)``; overwrites ``a``.
            ``None`` when ``f' = 1``.
    """

    value: sp.Expr
    derivative: sp.Expr
    forward: Callable[[Array, Array], Array]
    backward: Callable[[Array, Array], None] | None


def _sigmoid(z: Array, out: Array) -> Array:
    # e = e^{-|z|} never overflows; σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) below, each to a
    # few ulps relative.  (½ + ½ tanh(z/2) lost every digit below z ≈ −37: it returned 0
    # where σ is 1e-17, and 1e-300.)
    negative = z < 0.0
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.add(e, 1.0, out=out)
    np.divide(e, out, out=e)  # e/(1 + e): σ for z < 0
    np.reciprocal(out, out=out)  # 1/(1 + e): σ for z ≥ 0
    np.copyto(out, e, where=negative)
    return out


def _sigmoid_back(g: Array, a: Array) -> None:
    g *= a
    np.subtract(1.0, a, out=a)
    g *= a


def _tanh(z: Array, out: Array) -> Array:
    return np.tanh(z, out=out)


def _tanh_back(g: Array, a: Array) -> None:
    np.multiply(a, a, out=a)
    np.subtract(1.0, a, out=a)
    g *= a


def _relu(z: Array, out: Array) -> Array:
    return np.maximum(z, 0.0, out=out)


def _relu_back(g: Array, a: Array) -> None:
    np.multiply(g, a > 0.0, out=g)  # relu(z) > 0 exactly where z > 0, so H(0) = 0 as derived


_SLOPE = float(LEAKY_SLOPE)


def _leaky(z: Array, out: Array) -> Array:
    return np.maximum(z, _SLOPE * z, out=out)  # max(z, s z) is z for z > 0 and s z below, as 0 < s < 1


def _leaky_back(g: Array, a: Array) -> None:
    positive = a > 0.0  # the sign of s z is the sign of z
    np.multiply(positive, 1.0 - _SLOPE, out=a)
    a += _SLOPE
    g *= a


def _softplus(z: Array, out: Array) -> Array:
    tail = np.abs(z)
    np.negative(tail, out=tail)
    np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    np.maximum(z, 0.0, out=out)
    out += tail
    return out


def _softplus_back(g: Array, a: Array) -> None:
    # a = ln(1 + e^z), so e^{-a} = 1 - σ(z) and σ(z) = -expm1(-a), accurate where σ is tiny.
    np.negative(a, out=a)
    np.expm1(a, out=a)
    g *= a
    np.negative(g, out=g)


def _identity(z: Array, out: Array) -> Array:
    if out is not z:
        np.copyto(out, z)
    return out


#: The kernels, one per registry activation (sigmoid first).
KERNELS: tuple[Fused, ...] = (
    Fused(sigmoid(T), ALPHA * (1 - ALPHA), _sigmoid, _sigmoid_back),
    Fused(sp.tanh(T), 1 - ALPHA**2, _tanh, _tanh_back),
    Fused(relu(T), sp.Heaviside(T, 0), _relu, _relu_back),
    Fused(leaky_relu(T), (1 - LEAKY_SLOPE) * sp.Heaviside(T, 0) + LEAKY_SLOPE, _leaky, _leaky_back),
    Fused(softplus(T), sigmoid(T), _softplus, _softplus_back),
    Fused(T, sp.S.One, _identity, None),
)


def fused_kernel(rule: LayerRule) -> Fused | None:
    """The kernels for a layer whose rule is exactly one of :data:`KERNELS`, else ``None``."""
    if rule.coupled:
        return None
    for kernel in KERNELS:
        if kernel.value == rule.value and kernel.derivative == rule.derivative:
            return kernel
    return None
