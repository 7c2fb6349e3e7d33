"""The rules of one layer of the vector form, written in generic scalars ``t``, ``alpha``, ``eta``.

Both the vector form (:mod:`symbackprop.derive.vector`) and its printer
(:mod:`symbackprop.derive.vector_latex`) read these, so the printer needs nothing of the
vector form's module.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbackprop.graph import Activation

__all__ = ["LayerRule", "T", "ALPHA", "ETA", "OUTPUT_RULES"]

#: Generic scalars the elementwise rules are written in: ``z``, ``a = f(z)``, target ``y``.
T = sp.Symbol("t", real=True)
ALPHA = sp.Symbol("alpha", real=True)
ETA = sp.Symbol("eta", real=True)

#: How δ of the output layer is formed.
OUTPUT_RULES = {
    "a - y": "δ = a − y (proved equal to the chain rule)",
    "hadamard": "δ = ∇_a L ⊙ f′(z)",
    "jacobian": "δ = J_f(z)ᵀ ∇_a L (coupled activation)",
}


@dataclass(frozen=True)
class LayerRule:
    """The rules of one non-input layer.

    Attributes:
        layer: ``l`` (1-based).
        size: neurons ``n_l``.
        activation: the registry entry.
        bias: whether the layer has a bias vector.
        value: ``f(t)`` for an elementwise activation, ``None`` for a coupled one.
        derivative: ``f'(t)`` written in ``t`` and ``alpha = f(t)``; ``None`` when coupled.
        jacobian: ``"diag(a) - a a^T"`` for a softmax-like layer, else ``None``.
    """

    layer: int
    size: int
    activation: Activation
    bias: bool
    value: sp.Expr | None
    derivative: sp.Expr | None
    jacobian: str | None = None

    @property
    def coupled(self) -> bool:
        return self.jacobian is not None
