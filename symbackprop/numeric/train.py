"""Gradient descent with the derived gradients: one step, and ``fit`` over data.

>>> import symbackprop as sbp
>>> net = sbp.mlp([2, 2, 1])
>>> params = init_params(net, seed=0)
>>> X, Y = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]
>>> result = fit(net, params, X, Y, epochs=3, learning_rate=0.5, progress=False)
>>> len(result.history), result.history[-1] < result.history[0]
(3, True)
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from symbackprop.errors import DataError
from symbackprop.graph import Graph, Network
from symbackprop.graph.notation import matrix_name, plain

from .compile import compile_network
from .scalar import NumericNetwork

__all__ = ["step", "fit", "FitResult", "init_params"]


def _positive(value: object, field: str, kind: type = float) -> Any:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if not ok or (kind is int and not isinstance(value, int)):
        noun = "a positive integer" if kind is int else "a positive number"
        raise DataError(f"{field}: expected {noun}, received {value!r}")
    return value


def step(params: Mapping[str, Any], grads: Mapping[str, Any], learning_rate: float) -> dict[str, Any]:
    """One gradient-descent step ``θ ← θ − η ∂L/∂θ`` for every parameter at once.

    Every update uses the old values (a new dict is returned; ``params`` is not changed).
    A gradient for ``"x"`` (the inputs) is ignored: inputs are data, not parameters.

    >>> step({"w": 1.0, "W1": [[1.0, 2.0]]}, {"w": 0.5, "W1": [[1.0, -1.0]], "x": [9.0]}, 0.1)
    {'w': 0.95, 'W1': array([[0.9, 2.1]])}

    Raises:
        DataError: a gradient is missing or has another shape, or η is not positive.
    """
    _positive(learning_rate, "learning_rate")
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in grads:
            raise DataError(f"gradients.{name}: missing; every parameter needs a gradient")
        old, g = np.asarray(value, dtype=np.float64), np.asarray(grads[name], dtype=np.float64)
        if old.shape != g.shape:
            raise DataError(f"gradients.{name}: expected shape {old.shape} like the parameter, received {g.shape}")
        new = old - learning_rate * g
        out[name] = float(new) if new.shape == () else new
    return out


def init_params(network: "Graph | NumericNetwork | Any", *, seed: int = 0) -> dict[str, Any]:
    """Seeded starting values: Xavier (Glorot) uniform weights, zero biases.

    ``W{l}`` entries are drawn from ``U(-r, r)`` with ``r = sqrt(6 / (n_{l-1} + n_l))``,
    which keeps the variance of activations roughly constant through sigmoid and tanh
    layers.  A custom graph's parameters are drawn from ``U(-1, 1)``.

    >>> from symbackprop.graph.network import mlp
    >>> p = init_params(mlp([2, 3, 1]), seed=1)
    >>> p["W1"].shape, p["b1"].tolist()
    ((3, 2), [0.0, 0.0, 0.0])
    """
    rng = np.random.default_rng(seed)
    # A compiled network (either backend) stands for its graph.  The shapes come from the
    # graph itself: compiling the scalar backend only to read them took longer than mlp().
    graph = network if isinstance(network, Graph) else network.graph
    if not isinstance(graph, Network):
        return {plain(p): float(rng.uniform(-1, 1)) for p in graph.params}
    out: dict[str, Any] = {}
    for l in range(1, graph.depth + 1):
        shape = (graph.layers[l], graph.layers[l - 1])
        r = math.sqrt(6.0 / (shape[0] + shape[1]))
        out[matrix_name("w", l)] = rng.uniform(-r, r, size=shape)
        if graph.bias[l - 1]:
            out[matrix_name("b", l)] = np.zeros(shape[0])
    return out


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` returns: the final parameters and the loss after every epoch."""

    params: dict[str, Any]
    history: tuple[float, ...]

    @property
    def loss(self) -> float:
        """The loss on all the data after the last epoch."""
        return self.history[-1]


def fit(
    graph: Graph | NumericNetwork,
    params: Mapping[str, Any],
    X: Any,
    Y: Any = None,
    *,
    epochs: int = 100,
    batch_size: int | None = None,
    learning_rate: float = 0.1,
    seed: int = 0,
    progress: bool | None = None,
    stream: TextIO | None = None,
) -> FitResult:
    """Minibatch gradient descent over the data for ``epochs`` passes.

    Args:
        graph: a network or graph (or its compiled form).
        params: starting values (see :func:`init_params`).
        X, Y: inputs and targets, one row per sample.
        epochs: passes over the data.
        batch_size: samples per step; ``None`` uses the whole data (full-batch descent).
        learning_rate: η.
        seed: seeds the shuffling of samples between epochs.
        progress: ``None`` shows a progress bar only when ``stream`` (default stderr) is a
            terminal; ``True``/``False`` force it on or off.

    Returns:
        :class:`FitResult` with the final parameters and the loss on all the data after
        each epoch.

    Raises:
        DataError: bad settings or data, named.
        NumericalError: the loss or a gradient became NaN or infinite (a diverging descent:
            try a smaller learning rate).
    """
    _positive(epochs, "epochs", int)
    _positive(learning_rate, "learning_rate")
    # Training only needs loss and gradients, so take the fastest backend for the graph.
    nn = compile_network(graph) if isinstance(graph, Graph) else graph
    Xa = np.asarray(X, dtype=np.float64) if not isinstance(X, np.ndarray) else X
    if Xa.ndim != 2:
        raise DataError(f"X: expected rows of {len(nn.inputs)} numbers (a 2-D array), received shape {Xa.shape}")
    n = Xa.shape[0]
    Ya = None if Y is None else np.asarray(Y, dtype=np.float64)
    if Ya is not None and (Ya.ndim != 2 or Ya.shape[0] != n):
        raise DataError(f"Y: expected {n} rows like X, received shape {Ya.shape}")
    size = n if batch_size is None else min(_positive(batch_size, "batch_size", int), n)
    nn.loss(params, Xa[:1], None if Ya is None else Ya[:1])  # validates params and data once
    out = sys.stderr if stream is None else stream
    show = progress if progress is not None else bool(getattr(out, "isatty", lambda: False)())
    rng = np.random.default_rng(seed)
    current: dict[str, Any] = {k: np.array(v, dtype=np.float64) if np.ndim(v) else float(v) for k, v in params.items()}
    history: list[float] = []
    started = time.monotonic()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n) if size < n else np.arange(n)
        for start in range(0, n, size):
            rows = order[start:start + size]
            _, grads = nn.loss_and_gradients(current, Xa[rows], None if Ya is None else Ya[rows])
            current = step(current, grads, learning_rate)
        history.append(nn.loss(current, Xa, Ya))
        if show:
            _bar(out, epoch, epochs, history[-1], time.monotonic() - started)
    if show:
        out.write("\n")
    return FitResult(current, tuple(history))


def _bar(out: TextIO, epoch: int, epochs: int, loss: float, elapsed: float) -> None:
    if epoch != epochs and epoch % max(1, epochs // 200):
        return  # about 200 redraws whatever the number of epochs
    done = int(30 * epoch / epochs)
    out.write(f"\repoch {epoch:>{len(str(epochs))}}/{epochs} [{'#' * done}{'.' * (30 - done)}] "
              f"loss {loss:.6g}  {elapsed:.1f}s")
    out.flush()
