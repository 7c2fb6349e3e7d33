"""Gradient checks that scale: random directional derivatives plus sampled parameters.

Checking every parameter of a 100,000-parameter network by central differences costs
200,000 forward passes.  Instead (as JAX's ``check_grads`` does) compare ``vᵀ∇L`` with the
central difference of the loss along a random unit direction ``v``, once over all
parameters and once within each parameter array (so a wrong array is named), and check a
random sample of individual entries.  With a model that offers ``prepare`` (the vector
backend), moving one entry recomputes only the layers after it.

A direction catches an error whose size is comparable to the gradient's (a wrong or
mis-scaled array); a single wrong entry among ``N`` is caught by the sample with
probability ``k/N``, or always when ``samples >= N``.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.numeric.vector import compile_vector
>>> import numpy as np
>>> f = compile_vector(mlp([3, 4, 2], activation=["tanh", "softmax"], loss="cross_entropy"))
>>> rng = np.random.default_rng(0)
>>> p = {"W1": rng.normal(size=(4, 3)), "b1": np.zeros(4), "W2": rng.normal(size=(2, 4)), "b2": np.zeros(2)}
>>> directional_check(f, p, rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 0, 1, 1]]).ok
True
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .checker import GradcheckError

__all__ = ["DirectionalReport", "CheckRow", "directional_check"]


class _Model(Protocol):
    def loss(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> float: ...
    def loss_and_gradients(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> tuple[float, dict[str, np.ndarray]]: ...


@dataclass(frozen=True)
class CheckRow:
    """One comparison: a direction (``"direction (all)"``, ``"direction W1"``) or an entry (``"W1[3, 5]"``)."""

    name: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


@dataclass(frozen=True)
class DirectionalReport:
    """The report of :func:`directional_check`.

    Attributes:
        rows: every comparison made, directions first.
        n_params: the number of parameters of the model.
        seconds: wall time of the check.
        settings: ``step``, ``rtol``, ``atol``, ``seed``.
    """

    rows: tuple[CheckRow, ...]
    n_params: int
    seconds: float
    settings: dict[str, float]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    def table(self, *, only_failures: bool = False) -> str:
        """A fixed-width table: name, analytic, numeric, absolute and relative error."""
        rows = self.failures if only_failures else self.rows
        width = max([len(r.name) for r in rows] + [9])
        lines = [f"{'parameter':<{width}}  {'analytic':>14}  {'numeric':>14}  {'abs err':>9}  {'rel err':>9}"]
        for r in rows:
            lines.append(f"{r.name:<{width}}  {r.analytic:>14.7e}  {r.numeric:>14.7e}  "
                         f"{r.abs_error:>9.2e}  {r.rel_error:>9.2e}" + ("" if r.ok else "  WRONG"))
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`GradcheckError` with the table of failures, if any."""
        if not self.ok:
            raise GradcheckError(
                f"gradient check: {len(self.failures)} of {len(self.rows)} comparisons failed "
                f"(rtol={self.settings['rtol']:g}, atol={self.settings['atol']:g}):\n"
                + self.table(only_failures=True))

    def __str__(self) -> str:
        entries = sum(1 for r in self.rows if not r.name.startswith("direction"))
        head = (f"gradient check {'passed' if self.ok else 'FAILED'}: {len(self.rows) - entries} "
                f"directions and {entries} of {self.n_params} parameters in {self.seconds:.2f} s")
        return head + ("" if self.ok else "\n" + self.table(only_failures=True))


def _row(name: str, analytic: float, numeric: float, rtol: float, atol: float) -> CheckRow:
    err = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    return CheckRow(name, analytic, numeric, err, err / scale if scale else 0.0, err <= atol + rtol * scale)


def directional_check(
    model: _Model,
    params: Mapping[str, Any],
    X: Any,
    Y: Any = None,
    *,
    gradients: Mapping[str, Any] | None = None,
    samples: int = 100,
    directions: int = 1,
    per_array: bool = True,
    step: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    seed: int = 0,
) -> DirectionalReport:
    """Compare analytic gradients with central differences, at a cost independent of size.

    Args:
        model: has ``loss`` and ``loss_and_gradients`` (and optionally ``prepare``, for
            cheap single-entry moves), such as :func:`~symbackprop.numeric.vector.compile_vector`.
        params, X, Y: the point and the batch.
        gradients: the gradients to check (default: the model's own); pass your own to
            check a hand-written backpropagation.
        samples: individual entries checked, drawn without replacement (all when larger
            than the parameter count).
        directions: random unit directions over all parameters.
        per_array: also one random direction within each parameter array.
        step: the central-difference step (along a unit direction, or for one entry).
        rtol, atol: a comparison passes when ``|analytic - numeric| <= atol + rtol * max(|.|)``.
        seed: the random seed; the same seed checks the same directions and entries.

    Returns:
        A :class:`DirectionalReport`; call ``raise_if_failed()`` to turn failures into an error.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    point = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    if gradients is None:
        _, gradients = model.loss_and_gradients(point, X, Y)
    grads = {k: np.asarray(gradients[k], dtype=np.float64) for k in point}
    rows: list[CheckRow] = []

    def along(v: dict[str, np.ndarray]) -> float:
        plus = {k: point[k] + step * v[k] if k in v else point[k] for k in point}
        minus = {k: point[k] - step * v[k] if k in v else point[k] for k in point}
        return (model.loss(plus, X, Y) - model.loss(minus, X, Y)) / (2 * step)

    def unit(names: list[str]) -> dict[str, np.ndarray]:
        v = {k: rng.standard_normal(point[k].shape) for k in names}
        norm = np.sqrt(sum(float((a * a).sum()) for a in v.values()))
        return {k: a / norm for k, a in v.items()}

    groups = [("all", list(point))] * directions
    if per_array:
        groups += [(k, [k]) for k in point]
    for label, names in groups:
        v = unit(names)
        analytic = sum(float((v[k] * grads[k]).sum()) for k in names)
        rows.append(_row(f"direction ({label})" if label == "all" else f"direction {label}",
                         analytic, along(v), rtol, atol))

    sizes = [point[k].size for k in point]
    total = int(sum(sizes))
    flat = np.arange(total) if samples >= total else np.sort(rng.choice(total, size=samples, replace=False))
    prepared = model.prepare(point, X, Y) if hasattr(model, "prepare") else None
    offsets = np.cumsum([0] + sizes)
    names = list(point)
    for f in flat.tolist():
        a = int(np.searchsorted(offsets, f, side="right") - 1)
        name = names[a]
        index = tuple(int(i) for i in np.unravel_index(f - offsets[a], point[name].shape))
        if prepared is not None:
            numeric = (prepared.entry_loss(name, index, step) - prepared.entry_loss(name, index, -step)) / (2 * step)
        else:
            numeric = _entry_difference(model, point, X, Y, name, index, step)
        label = f"{name}[{', '.join(map(str, index))}]"
        rows.append(_row(label, float(grads[name][index]), numeric, rtol, atol))
    return DirectionalReport(tuple(rows), total, time.perf_counter() - start,
                         {"step": step, "rtol": rtol, "atol": atol, "seed": seed})


def _entry_difference(model: _Model, point: dict[str, np.ndarray], X: Any, Y: Any,
                      name: str, index: tuple[int, ...], step: float) -> float:
    values = []
    for sign in (1, -1):
        moved = dict(point)
        moved[name] = point[name].copy()
        moved[name][index] += sign * step
        values.append(model.loss(moved, X, Y))
    return (values[0] - values[1]) / (2 * step)
