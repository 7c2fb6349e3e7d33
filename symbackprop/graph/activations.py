"""The registry of activation functions: one entry each, written in one place.

An entry maps a layer's pre-activations ``z_1..z_n`` to its activations ``a_1..a_n``.
Elementwise entries wrap a SymPy function with ``fdiff``; softmax couples its layer.

>>> get_activation("sigmoid").latex
'\\\\sigma'
>>> register_activation("cube", lambda z: z**3, latex=r"(\\cdot)^3",
...                     derivative_latex=r"3z^2", replace=True).name
'cube'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from symbackprop.errors import NotDifferentiableError, SpecError, closest

from .functions import leaky_relu, relu, sigmoid, softmax, softplus

__all__ = [
    "Activation",
    "get_activation",
    "register_activation",
    "activation_names",
    "OUTPUT_RANGES",
]

#: What an activation's outputs can be; losses state which ranges they accept.
OUTPUT_RANGES = {
    "real": "any real number",
    "bounded": "a number in (-1, 1)",
    "nonnegative": "a number ≥ 0",
    "positive": "a number > 0",
    "probability": "a probability in (0, 1)",
    "distribution": "a probability vector (each in (0, 1), summing to 1)",
}


@dataclass(frozen=True)
class Activation:
    """One activation function of the registry.

    Attributes:
        name: the registry key (``"sigmoid"``).
        layer: maps the tuple of a layer's pre-activations to the tuple of its activations.
        latex: the function's symbol in LaTeX (``\\sigma``).
        derivative_latex: its derivative in lecture-note form, in terms of ``a`` and ``z``.
        output_range: a key of :data:`OUTPUT_RANGES`.
        elementwise: ``False`` when an output depends on several inputs (softmax).
        description: one line for sheets and help texts.
    """

    name: str
    layer: Callable[[Sequence[sp.Expr]], tuple[sp.Expr, ...]]
    latex: str
    derivative_latex: str
    output_range: str = "real"
    elementwise: bool = True
    description: str = ""


_REGISTRY: dict[str, Activation] = {}

#: Choices that look like activations but cannot carry a gradient, with the reason.
_REFUSED = {
    "step": (
        "its derivative is zero almost everywhere and undefined at 0, so no gradient flows "
        "through it and gradient descent cannot learn; use sigmoid for a smooth step"
    ),
    "sign": "its derivative is zero almost everywhere and undefined at 0, so no gradient flows",
}


def _elementwise(f: Callable[[sp.Expr], sp.Expr]) -> Callable[[Sequence[sp.Expr]], tuple[sp.Expr, ...]]:
    return lambda zs: tuple(f(z) for z in zs)


def register_activation(
    name: str,
    function: Callable[[sp.Expr], sp.Expr] | None = None,
    *,
    latex: str,
    derivative_latex: str,
    output_range: str = "real",
    layer: Callable[[Sequence[sp.Expr]], tuple[sp.Expr, ...]] | None = None,
    description: str = "",
    replace: bool = False,
) -> Activation:
    """Add an activation to the registry and return its entry.

    Give either ``function`` (applied to each neuron: a SymPy function with ``fdiff``, or any
    callable building a differentiable SymPy expression) or ``layer`` (the whole layer at
    once, for coupled activations like softmax).

    Raises:
        SpecError: the name is taken (without ``replace=True``), refused, or the arguments
            are inconsistent.
    """
    if not name or not name.replace("_", "").isalnum():
        raise SpecError(f"activation name: expected letters, digits and '_', received {name!r}")
    if name in _REFUSED:
        raise SpecError(f"activation name: {name!r} is refused: {_REFUSED[name]}")
    if name in _REGISTRY and not replace:
        raise SpecError(f"activation name: {name!r} is already registered (pass replace=True)")
    if (function is None) == (layer is None):
        raise SpecError("register_activation: give exactly one of 'function' or 'layer'")
    if output_range not in OUTPUT_RANGES:
        raise SpecError(
            f"output_range: expected one of {sorted(OUTPUT_RANGES)}, received {output_range!r}"
        )
    entry = Activation(
        name=name,
        layer=layer if layer is not None else _elementwise(function),  # type: ignore[arg-type]
        latex=latex,
        derivative_latex=derivative_latex,
        output_range=output_range,
        elementwise=layer is None,
        description=description,
    )
    _REGISTRY[name] = entry
    return entry


def activation_names() -> list[str]:
    """The registered activation names, in registration order."""
    return list(_REGISTRY)


def get_activation(name: str, *, field: str = "activation") -> Activation:
    """The registry entry for ``name``.

    Raises:
        NotDifferentiableError: for ``step`` and other refused choices, with the reason.
        SpecError: for unknown names, suggesting the closest registered one.
    """
    if not isinstance(name, str):
        raise SpecError(f"{field}: expected an activation name, received {name!r}")
    if name in _REFUSED:
        raise NotDifferentiableError(f"{field}: {name!r} cannot be used: {_REFUSED[name]}")
    try:
        return _REGISTRY[name]
    except KeyError:
        raise SpecError(
            f"{field}: unknown activation {name!r}{closest(name, _REGISTRY)}; "
            f"expected one of {', '.join(_REGISTRY)}"
        ) from None


def _softmax_layer(zs: Sequence[sp.Expr]) -> tuple[sp.Expr, ...]:
    return tuple(softmax(k, *zs) for k in range(1, len(zs) + 1))


register_activation(
    "identity", lambda z: z, latex=r"\operatorname{id}", derivative_latex="1",
    description="a = z (linear output)",
)
register_activation(
    "sigmoid", sigmoid, latex=r"\sigma", derivative_latex=r"a\,(1 - a)",
    output_range="probability", description="logistic function 1/(1+e^{-z})",
)
register_activation(
    "tanh", sp.tanh, latex=r"\tanh", derivative_latex=r"1 - a^{2}",
    output_range="bounded", description="hyperbolic tangent",
)
register_activation(
    "relu", relu, latex=r"\operatorname{ReLU}", derivative_latex=r"H(z),\ H(0) = 0",
    output_range="nonnegative", description="max(0, z); derivative H(z) with H(0) = 0",
)
register_activation(
    "leaky_relu", leaky_relu, latex=r"\operatorname{LeakyReLU}",
    derivative_latex=r"H(z) + \alpha\,(1 - H(z)),\ \alpha = 0.01",
    description="z for z > 0, else 0.01 z",
)
register_activation(
    "softplus", softplus, latex=r"\operatorname{softplus}", derivative_latex=r"\sigma(z)",
    output_range="positive", description="ln(1 + e^{z})",
)
register_activation(
    "softmax", layer=_softmax_layer, latex=r"\operatorname{softmax}",
    derivative_latex=r"a_k\,(\delta_{kj} - a_j)", output_range="distribution",
    description="e^{z_k} / Σ_j e^{z_j}, coupling the neurons of its layer",
)
