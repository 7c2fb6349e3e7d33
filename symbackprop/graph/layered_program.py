"""A layered network as an array program: the batch form of its forward pass, one line a step.

Examples are rows, as in NumPy and PyTorch code: ``X`` is ``(m, n_0)``, ``W{l}`` keeps the
spec's layout ``(n_l, n_{l-1})`` (row = destination neuron), so a layer is
``Z1 = X @ W1.T + b1`` and ``A1 = sigmoid(Z1)``.  The loss is the network's (mean or sum
over the batch, per its reduction), written the way the vector backend computes it: a
log-probability of a softmax or sigmoid output through ``log_softmax`` or ``softplus``, so
saturated outputs stay finite.  Every activation and loss of the registry has its array
form here; an elementwise activation of one's own is the ``act`` operation, computed from
its SymPy function; one that couples its layer is refused by name.

This is how the array machinery (rules, printers, numbers) serves layered networks: their
backward code, generated code and the checking of student code all start here.

>>> from symbackprop.graph.network import mlp
>>> p = layered_program(mlp([2, 3, 2], activation=["relu", "softmax"], loss="cross_entropy"), batch=4)
>>> for line in p.lines:
...     print(line.name, "=", line.text)
Z1 = X @ W1.T + b1
A1 = np.maximum(Z1, 0)
Z2 = A1 @ W2.T + b2
A2 = softmax(Z2, axis=1)
loss = -(Y * log_softmax(Z2, axis=1)).sum() / m
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from symbackprop.errors import GraphError

from .array_code import code
from .array_program import ArrayProgram, Leaf, Line
from .network import Network
from .notation import matrix_name
from .terms import Ref, Term, call

__all__ = ["layered_program", "ACTIVATION_OPS"]

#: The array form of each registered activation (``Z`` → ``A``).
ACTIVATION_OPS: dict[str, Callable[[Term], Term]] = {
    "identity": lambda z: z,
    "sigmoid": lambda z: call("sigmoid", z),
    "tanh": lambda z: call("tanh", z),
    "relu": lambda z: call("relu", z),
    "leaky_relu": lambda z: call("leaky_relu", z),
    "softplus": lambda z: call("softplus", z),
    "softmax": lambda z: call("softmax", z, axis=1),
}


def _log_output(activation: str, z: Term, a: Term) -> Term:
    """``log a`` of the output, stable where the output activation allows it."""
    if activation == "softmax":
        return call("log_softmax", z, axis=1)
    if activation == "sigmoid":
        return -call("softplus", -z)
    return call("log", a)


def _log_one_minus(activation: str, z: Term, a: Term) -> Term:
    """``log(1 - a)`` of the output."""
    if activation == "sigmoid":
        return -call("softplus", z)
    return call("log", 1 - a)


def _per_batch(loss: str, activation: str, z: Term, a: Term, y: Term | None) -> Term:
    """The loss summed over the batch (before the mean's division by ``m``)."""
    if loss == "squared":
        return 0.5 * ((a - y) ** 2).sum()  # type: ignore[operator]
    if loss == "sse":
        return ((a - y) ** 2).sum()  # type: ignore[operator]
    if loss == "mse":
        return ((a - y) ** 2).sum() / a.shape[1]  # type: ignore[operator]
    if loss == "cross_entropy":
        return -(y * _log_output(activation, z, a)).sum()  # type: ignore[operator]
    if loss == "binary_cross_entropy":
        return -(y * _log_output(activation, z, a) + (1 - y) * _log_one_minus(activation, z, a)).sum()  # type: ignore[operator]
    if loss == "output":
        return a.sum()
    raise GraphError(f"loss: the registered loss {loss!r} has no array form; layered programs take "
                     "squared, sse, mse, cross_entropy, binary_cross_entropy and output")


def layered_program(net: Network, *, batch: int = 4, values: Mapping[str, Any] | None = None,
                    inputs: bool = True, reduction: str | None = None) -> ArrayProgram:
    """The forward pass of ``net`` on a batch of ``batch`` examples, as an array program.

    Args:
        net: a network from :func:`~symbackprop.graph.network.mlp`.
        batch: the number of examples ``m`` (rows of ``X``); taken from ``values["X"]`` when given.
        values: numbers by name (``X``, ``Y``, ``W1``, ``b1``, ...), nested lists.
        inputs: whether ``X`` gets a gradient (``dX``); without, it is data.
        reduction: ``"mean"`` or ``"sum"`` over the batch; default the network's.

    Raises:
        GraphError: an activation or loss with no array form (one registered by the user).
    """
    if values is not None and "X" in values:
        batch = len(values["X"])
    if not isinstance(batch, int) or batch < 1:
        raise GraphError(f"batch: expected a positive number of examples, received {batch!r}")
    sizes = net.layers
    leaves = [Leaf("X", (batch, sizes[0]), "float" if inputs else "data")]
    if net.y:
        leaves.append(Leaf("Y", (batch, sizes[-1]), "data"))
    lines: list[Line] = []
    a: Term = Ref("X", (batch, sizes[0]))
    z: Term = a
    for l in range(1, len(sizes)):
        w = Ref(matrix_name("w", l), (sizes[l], sizes[l - 1]))
        leaves.append(Leaf(w.name, w.shape))
        term = a @ w.T
        if net.bias[l - 1]:
            b = Ref(matrix_name("b", l), (sizes[l],))
            leaves.append(Leaf(b.name, b.shape))
            term = term + b
        lines.append(Line(f"Z{l}", term, code(term)))
        z = Ref(f"Z{l}", term.shape)
        activation = net.activations[l - 1]
        act = activation.name
        if act in ACTIVATION_OPS:
            out = ACTIVATION_OPS[act](z)
        elif activation.elementwise:
            out = call("act", z, name=act)  # one's own, computed from its SymPy function
        else:
            raise GraphError(f"layer {l}: the activation {act!r} couples its layer and has no array form; layered "
                             f"programs take elementwise activations and {', '.join(ACTIVATION_OPS)}")
        lines.append(Line(f"A{l}", out, code(out)))
        a = Ref(f"A{l}", out.shape)
    y = Ref("Y", (batch, sizes[-1])) if net.y else None
    total = _per_batch(net.loss.name, net.activations[-1].name, z, a, y)
    m = Ref("m", (), "int")
    loss = total / m if (reduction or net.reduction) == "mean" else total
    leaves.append(Leaf("m", (), "const", value=batch))
    lines.append(Line("loss", loss, code(loss, counts={batch: "m"})))
    numbers = None
    if values is not None:
        numbers = {k: v for k, v in values.items() if k != "m"}
    return ArrayProgram(tuple(leaves), tuple(lines), "loss", numbers, f"A {net.describe()}, as a program")

