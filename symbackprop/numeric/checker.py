"""A gradient checker that says which gradient is wrong, by how much, in a table.

Central differences in float64 for every parameter (and, on request, every input), of a
step ``eps`` scaled by the value's magnitude (``eps·max(1, |θ|)``), compared with the
derived gradient or with any Python callable of your own.  Where a ReLU-like kink
lies within the step, the step is shrunk until it no longer crosses, or a one-sided
difference on the side the convention ``H(0) = 0`` follows is used; the row says so.  On
several kinks at once that the step moves apart, no difference can follow the convention:
the row says ``n/a``, not a pass or a fail.  A NaN on either side fails, shown as ``nan``.

>>> import symbackprop as sbp
>>> net = sbp.mlp([2, 2, 1])
>>> params = {"W1": [[0.1, -0.2], [0.3, 0.4]], "b1": [0.1, 0.0], "W2": [[0.5, -0.6]], "b2": [0.2]}
>>> report = check_gradients(net, params, [[1.0, 2.0], [0.5, -1.0]], [[1.0], [0.0]])
>>> report.ok, len(report.rows), report.rows[0].name
(True, 9, 'w1_11')
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from symbackprop.errors import DataError, SymbackpropError
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import plain

from .scalar import NumericNetwork, compiled
from .check_vector import VectorTarget
from .vector import VectorFunctions, compile_vector

__all__ = ["check_gradients", "GradcheckReport", "GradcheckRow", "GradcheckError"]


@dataclass(frozen=True)
class GradcheckRow:
    """One checked quantity: derived and numeric derivative, their errors, and the verdict."""

    name: str
    derived: float
    numeric: float
    abs_err: float
    rel_err: float
    passed: bool
    note: str = ""
    #: ``False`` when finite differences cannot decide (a point on several kinks whose
    #: one-sided differences both leave the ``H(0) = 0`` side): shown as ``n/a``, not a pass.
    checked: bool = True
    #: What was differentiated: ``"parameter"``, ``"input"`` or ``"target"`` (a graph
    #: without parameters is checked with respect to its leaves).
    kind: str = "parameter"

    def badness(self, atol: float, rtol: float) -> float:
        """How many tolerances apart the two values are (``> 1`` fails)."""
        return self.abs_err / (atol + rtol * abs(self.numeric))


@dataclass(frozen=True)
class GradcheckReport:
    """The result of :func:`check_gradients`: one row per parameter (and input)."""

    rows: tuple[GradcheckRow, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        """Whether every row passes (rows that could not be checked do not fail)."""
        return all(r.passed or not r.checked for r in self.rows)

    @property
    def unchecked(self) -> tuple[GradcheckRow, ...]:
        """Rows finite differences could not decide; the summary counts them."""
        return tuple(r for r in self.rows if not r.checked)

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        return tuple(r for r in self.rows if not r.passed and r.checked)

    @property
    def worst(self) -> GradcheckRow | None:
        """The row furthest outside its tolerance (``None`` when there are no rows)."""
        return max(self.rows, key=lambda r: r.badness(self.atol, self.rtol), default=None)

    def summary(self) -> str:
        head = f"gradient check of {len(self.rows)} quantities (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}): "
        skipped = f"; {len(self.unchecked)} not checkable by differences (see notes)" if self.unchecked else ""
        if self.ok:
            return head + ("all pass" if not skipped else "the others pass" + skipped)
        w = max(self.failures, key=lambda r: (np.isnan(r.abs_err), r.badness(self.atol, self.rtol)))
        return head + (
            f"{len(self.failures)} FAIL; worst {w.name}: derived {w.derived:.9g}, numeric "
            f"{w.numeric:.9g} (abs err {w.abs_err:.2e}, rel err {w.rel_err:.2e})" + skipped
        )

    @property
    def label(self) -> str:
        """The first column's heading: ``parameter`` or ``input`` when every row is one,
        else ``leaf``."""
        kinds = {r.kind for r in self.rows} or {"parameter"}
        return kinds.pop() if len(kinds) == 1 else "leaf"

    def __str__(self) -> str:
        label = self.label
        width = max([len(label)] + [len(r.name) for r in self.rows])
        lines = [self.summary(), f"{label:<{width}}  {'derived':>16}  {'numeric':>16}  {'abs err':>8}  {'rel err':>8}  pass"]
        for r in self.rows:
            lines.append(
                f"{r.name:<{width}}  {r.derived:>16.9e}  {r.numeric:>16.9e}  {r.abs_err:>8.1e}  "
                f"{r.rel_err:>8.1e}  {_verdict(r)}" + (f"  ({r.note})" if r.note else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            "<tr{}><td><code>{}</code></td><td>{:.9e}</td><td>{:.9e}</td><td>{:.1e}</td><td>{:.1e}</td><td>{}</td><td>{}</td></tr>".format(
                "" if r.passed else ' style="background:#fdd"', html.escape(r.name), r.derived, r.numeric,
                r.abs_err, r.rel_err, _verdict(r) if r.passed or not r.checked else "<b>FAIL</b>", html.escape(r.note),
            )
            for r in self.rows
        )
        return (
            f"<p>{html.escape(self.summary())}</p><table><thead><tr><th>{self.label}</th><th>derived</th>"
            f"<th>numeric</th><th>abs err</th><th>rel err</th><th>pass</th><th>note</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: settings, ``ok`` and the rows."""
        return {
            "ok": self.ok, "eps": self.eps, "atol": self.atol, "rtol": self.rtol,
            "rows": [r.__dict__ | {"passed": bool(r.passed)} for r in self.rows],
        }


def _verdict(row: GradcheckRow) -> str:
    return "n/a" if not row.checked else ("ok" if row.passed else "FAIL")


class GradcheckError(SymbackpropError):
    """A gradient check failed; the message names the worst quantity and both values.

    Raised by this checker (with its report) and by the directional checker of
    :mod:`symbackprop.numeric.directional` (with its table), so one ``except`` catches both.
    """

    def __init__(self, report: "GradcheckReport | str") -> None:
        self.report = report
        super().__init__(report if isinstance(report, str) else report.summary())


def _difference(f: Callable[[float], float], kinks: Callable[[float], np.ndarray], eps: float
                ) -> tuple[float, str, tuple[float, ...], bool]:
    """The derivative of ``f`` at 0 by central differences of step ``eps``, kept off kinks.

    Returns ``(value, note, alternatives, checked)``; ``alternatives`` are other defensible
    values (both one-sided differences) when the point sits on a kink, and ``checked`` is
    ``False`` when no difference can stand for the ``H(0) = 0`` convention there.
    """
    base = np.sign(kinks(0.0))
    h = eps
    for _ in range(4):
        if np.array_equal(np.sign(kinks(h)), base) and np.array_equal(np.sign(kinks(-h)), base):
            note = "" if h == eps else f"step shrunk to {h:.0e} to stay off a ReLU kink"
            return (f(h) - f(-h)) / (2 * h), note, (), True
        h /= 10
    # On a kink (an argument exactly 0, or closer than eps/1000): use the side on which every
    # argument at 0 goes negative, the side the convention H(0) = 0 takes its slope from.
    f0 = f(0.0)
    forward, backward = (f(eps) - f0) / eps, (f0 - f(-eps)) / eps
    for step, value, side in ((eps, forward, "forward"), (-eps, backward, "backward")):
        moved = np.sign(kinks(step))
        if np.all((moved == base) | ((base == 0) & (moved <= 0))):
            return value, f"on a ReLU kink: {side} difference (H(0) = 0 side)", (forward, backward), True
    on = int(np.sum(base == 0))
    # Several kinks at 0, moved to opposite sides by this parameter: either one-sided
    # difference takes one kink's slope from the wrong side, so neither can judge H(0) = 0.
    note = (f"on {on} ReLU kinks at once, moving apart: finite differences cannot follow "
            "H(0) = 0 on both; not checked")
    return (forward + backward) / 2, note, (forward, backward), on < 2


def check_gradients(
    graph_or_compiled: Graph | NumericNetwork | VectorFunctions,
    params: Mapping[str, Any],
    X: Any,
    Y: Any = None,
    *,
    gradient: Callable[..., Any] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    inputs: bool = False,
    raise_on_failure: bool = False,
    backend: str | None = None,
) -> GradcheckReport:
    """Compare gradients with central finite differences of the loss, in float64.

    Args:
        graph_or_compiled: a network or graph, or its :func:`~symbackprop.numeric.compile.compile_network` result (for
            the vector backend, its own gradients are checked against differences of the
            scalar backend's loss).
        params: parameter values (``{"W1": ..., "b1": ...}``, or plain names for a graph).
        X, Y: a batch of inputs and targets (rows), or one sample.
        gradient: the gradient to check: a callable with the signature of
            ``loss_and_gradients(params, X, Y)`` returning ``(loss, grads)`` or just
            ``grads``; ``None`` checks the derived gradient.
        eps: the finite-difference step.
        atol, rtol: a row passes when ``|derived - numeric| <= atol + rtol·|numeric|``.
        inputs: also check ``∂L/∂x`` for every input of every sample (key ``"x"``).
        raise_on_failure: raise :class:`GradcheckError` instead of returning a failing report.
        backend: ``"vector"`` checks the vector backend's gradients against differences of
            its own loss and compiles nothing else; ``"scalar"`` the scalar backend's;
            ``None`` the backend given, the scalar one for a graph.

    Raises:
        GradcheckError: with ``raise_on_failure``, when any row fails.
        DataError: bad parameters or data, or the callable returned something unusable.
    """
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0) or (name == "eps" and value == 0):
            raise DataError(f"{name}: expected a {'positive' if name == 'eps' else 'non-negative'} number, received {value!r}")
    if backend not in (None, "scalar", "vector"):
        raise DataError(f"backend: expected 'scalar', 'vector' or None, received {backend!r}")
    vector = graph_or_compiled if isinstance(graph_or_compiled, VectorFunctions) else None
    if backend == "vector" and vector is None:
        vector = compile_vector(graph_or_compiled.graph if isinstance(graph_or_compiled, NumericNetwork)
                                else graph_or_compiled)
    nn: NumericNetwork | VectorTarget
    if backend == "vector":  # the vector backend alone: its loss is differenced too
        nn = VectorTarget(vector)  # type: ignore[arg-type]
    else:
        nn = compiled(vector.graph if vector is not None else graph_or_compiled)
        if backend == "scalar":
            vector = None
    theta = nn.flatten(params)
    if gradient is None:
        derived = (vector or nn).loss_and_gradients(params, X, Y, wrt_inputs=inputs)[1]  # type: ignore[union-attr]
    else:
        got = gradient(params, X, Y)
        derived = got[1] if isinstance(got, tuple) and len(got) == 2 else got
        if not isinstance(derived, Mapping):
            raise DataError(f"gradient: expected the callable to return (loss, grads) or grads as a dict, received {type(got).__name__}")
    flat = _flat_derived(nn, derived)
    loss_at, kinks_at = nn.loss_function(X, Y), nn.kink_function(X)
    rows = []
    for k, entry in enumerate(nn.entries):
        unit = np.zeros_like(theta)
        unit[k] = 1.0
        # A step relative to the value: eps alone is below float64's spacing near 1e154.
        h = eps * max(1.0, abs(float(theta[k])))
        value, note, alt, ok = _difference(lambda t: loss_at(theta + t * unit), lambda t: kinks_at(theta + t * unit), h)
        # A network's entries are its weights and biases (asking its graph would build the
        # scalar graph the vector backend avoids); a custom graph's may be its inputs.
        kind = "parameter" if isinstance(nn.graph, Network) else nn.graph.kind_of(entry.symbol)
        rows.append(replace(_row(entry.name, flat[k], value, note, alt, atol, rtol, ok), kind=kind))
    if inputs:
        rows.extend(_input_rows(nn, params, X, Y, derived, eps, atol, rtol))
    report = GradcheckReport(tuple(rows), float(eps), float(atol), float(rtol))
    if raise_on_failure and not report.ok:
        raise GradcheckError(report)
    return report


def _flat_derived(nn: NumericNetwork | VectorTarget, derived: Mapping[str, Any]) -> np.ndarray:
    for key, shape in nn.shapes.items():
        if key not in derived:
            raise DataError(f"gradient.{key}: missing from the gradients; expected an array of shape {shape}")
        if np.shape(derived[key]) != shape:
            raise DataError(f"gradient.{key}: expected shape {shape}, received {np.shape(derived[key])}")
    return np.array([float(np.asarray(derived[e.key], dtype=np.float64)[e.index]) for e in nn.entries])


def _row(name: str, derived: float, numeric: float, note: str, alternatives: tuple[float, ...],
         atol: float, rtol: float, checked: bool = True) -> GradcheckRow:
    if not (np.isfinite(derived) and np.isfinite(numeric)):
        # NaN is not an error of 0: say which side is not a number, and fail.
        which = "derived" if not np.isfinite(derived) else "numeric (the loss is not finite near here)"
        nan = float("nan")
        return GradcheckRow(name, float(derived), float(numeric), nan, nan, False,
                            "; ".join(filter(None, (note, f"{which} is {derived if which == 'derived' else numeric}"))))
    candidates = (numeric, *alternatives)
    best = min(candidates, key=lambda n: abs(derived - n))
    abs_err = abs(derived - best)
    scale = max(abs(derived), abs(best))
    rel_err = abs_err / scale if scale > 0 else 0.0
    passed = bool(np.isfinite(derived) and abs_err <= atol + rtol * abs(best))
    return GradcheckRow(name, float(derived), float(best), float(abs_err), float(rel_err), passed, note, checked)


def _input_rows(nn: NumericNetwork | VectorTarget, params: Mapping[str, Any], X: Any, Y: Any, derived: Mapping[str, Any],
                eps: float, atol: float, rtol: float) -> list[GradcheckRow]:
    Xa = np.array(X, dtype=np.float64)
    single = Xa.ndim == 1
    Xm = Xa[None, :] if single else Xa
    if "x" not in derived:
        raise DataError("gradient.x: missing; checking inputs needs the gradient with respect to x")
    gx = np.asarray(derived["x"], dtype=np.float64).reshape(Xm.shape)
    names = [plain(s) for s in nn.inputs]
    rows = []
    for b in range(Xm.shape[0]):
        for i in range(Xm.shape[1]):
            def moved(t: float, b: int = b, i: int = i) -> np.ndarray:
                Z = Xm.copy()
                Z[b, i] += t
                return Z

            value, note, alt, ok = _difference(
                lambda t: nn.loss(params, moved(t), Y), lambda t: nn.kinks(params, moved(t)),
                eps * max(1.0, abs(float(Xm[b, i]))),
            )
            label = names[i] if single else f"{names[i]}[{b}]"
            rows.append(replace(_row(label, gx[b, i], value, note, alt, atol, rtol, ok), kind="input"))
    return rows
