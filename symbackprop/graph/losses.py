"""The registry of loss functions: each builds ``L`` from the outputs ``a`` and targets ``y``.

>>> import sympy as sp
>>> a, y = sp.symbols("a y", real=True)
>>> get_loss("squared").build((a,), (y,))
(a - y)**2/2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from symbackprop.errors import SpecError, closest

__all__ = ["Loss", "get_loss", "register_loss", "loss_names"]

Vector = Sequence[sp.Expr]


@dataclass(frozen=True)
class Loss:
    """One loss function of the registry.

    Attributes:
        name: the registry key.
        build: ``build(a, y)`` returns the loss of one sample as a SymPy expression.
        latex: the formula in lecture-note form.
        accepts: output ranges (keys of ``activations.OUTPUT_RANGES``) the loss is defined
            on, or ``None`` for any.
        single_output: only defined for a network with one output neuron.
        uses_targets: ``False`` for the ``output`` pseudo-loss.
        target_constraint: a constraint the targets satisfy in this setting, used to
            simplify δ (``"distribution"``: Σ_k y_k = 1).
        description: one line for sheets and help texts.
    """

    name: str
    build: Callable[[Vector, Vector], sp.Expr]
    latex: str
    accepts: frozenset[str] | None = None
    single_output: bool = False
    uses_targets: bool = True
    target_constraint: str | None = None
    description: str = ""


_REGISTRY: dict[str, Loss] = {}


def register_loss(
    name: str,
    build: Callable[[Vector, Vector], sp.Expr],
    *,
    latex: str,
    accepts: Sequence[str] | None = None,
    single_output: bool = False,
    uses_targets: bool = True,
    target_constraint: str | None = None,
    description: str = "",
    replace: bool = False,
) -> Loss:
    """Add a loss to the registry and return its entry.

    >>> register_loss("abs4", lambda a, y: sum((ai - yi)**4 for ai, yi in zip(a, y)),
    ...               latex=r"\\sum_k (a_k - y_k)^4", replace=True).name
    'abs4'
    """
    if not name or not name.replace("_", "").isalnum():
        raise SpecError(f"loss name: expected letters, digits and '_', received {name!r}")
    if name in _REGISTRY and not replace:
        raise SpecError(f"loss name: {name!r} is already registered (pass replace=True)")
    entry = Loss(
        name=name,
        build=build,
        latex=latex,
        accepts=frozenset(accepts) if accepts is not None else None,
        single_output=single_output,
        uses_targets=uses_targets,
        target_constraint=target_constraint,
        description=description,
    )
    _REGISTRY[name] = entry
    return entry


def loss_names() -> list[str]:
    """The registered loss names, in registration order."""
    return list(_REGISTRY)


def get_loss(name: str, *, field: str = "loss") -> Loss:
    """The registry entry for ``name``; unknown names suggest the closest one.

    Raises:
        SpecError: unknown name.
    """
    if not isinstance(name, str):
        raise SpecError(f"{field}: expected a loss name, received {name!r}")
    try:
        return _REGISTRY[name]
    except KeyError:
        raise SpecError(
            f"{field}: unknown loss {name!r}{closest(name, _REGISTRY)}; "
            f"expected one of {', '.join(_REGISTRY)}"
        ) from None


def _pairs(a: Vector, y: Vector) -> list[tuple[sp.Expr, sp.Expr]]:
    return list(zip(a, y, strict=True))


register_loss(
    "squared",
    lambda a, y: sp.Rational(1, 2) * sp.Add(*[(ak - yk) ** 2 for ak, yk in _pairs(a, y)]),
    latex=r"L = \frac{1}{2}\sum_k \left(a^{(\mathrm{out})}_k - y_k\right)^2",
    description="half the sum of squared errors",
)
register_loss(
    "sse",
    lambda a, y: sp.Add(*[(ak - yk) ** 2 for ak, yk in _pairs(a, y)]),
    latex=r"L = \sum_k \left(a^{(\mathrm{out})}_k - y_k\right)^2",
    description="sum of squared errors",
)
register_loss(
    "mse",
    lambda a, y: sp.Add(*[(ak - yk) ** 2 for ak, yk in _pairs(a, y)]) / len(a),
    latex=r"L = \frac{1}{n}\sum_{k=1}^{n} \left(a^{(\mathrm{out})}_k - y_k\right)^2",
    description="mean of squared errors over the n outputs",
)
register_loss(
    "cross_entropy",
    lambda a, y: -sp.Add(*[yk * sp.log(ak) for ak, yk in _pairs(a, y)]),
    latex=r"L = -\sum_k y_k \ln a^{(\mathrm{out})}_k",
    accepts=("probability", "distribution"),
    target_constraint="distribution",
    description="categorical cross entropy (natural log); targets a probability vector",
)
register_loss(
    "binary_cross_entropy",
    lambda a, y: -sp.Add(
        *[yk * sp.log(ak) + (1 - yk) * sp.log(1 - ak) for ak, yk in _pairs(a, y)]
    ),
    latex=r"L = -\sum_k \left[y_k \ln a^{(\mathrm{out})}_k + (1 - y_k)\ln\left(1 - a^{(\mathrm{out})}_k\right)\right]",
    accepts=("probability",),
    description="binary cross entropy of each output (natural log)",
)
register_loss(
    "output",
    lambda a, y: a[0],
    latex=r"L = a^{(\mathrm{out})}_1",
    single_output=True,
    uses_targets=False,
    description="no loss: differentiate the single output neuron itself",
)
