"""Fully connected networks, built as one client of the general :class:`~symbackprop.graph.graph.Graph`.

>>> net = mlp([2, 2, 1], activation="sigmoid", loss="squared")
>>> net.nodes[0].symbol, net.nodes[0].expr
(z^{(1)}_{1}, b^{(1)}_{1} + w^{(1)}_{11}*x_{1} + w^{(1)}_{12}*x_{2})
>>> len(net.params)
9
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import chain
from typing import Any

import sympy as sp

from symbackprop.errors import SpecError

from . import notation as n
from .activations import OUTPUT_RANGES, Activation, activation_names, get_activation
from .graph import Graph
from .losses import Loss, get_loss

__all__ = ["Network", "mlp", "REDUCTIONS", "MAX_PARAMS"]

#: Largest network :func:`mlp` builds unless told otherwise: about 40 s of derivation.
MAX_PARAMS = 1_000_000

#: How a batch's per-sample losses are combined.
REDUCTIONS = ("mean", "sum")


class _LayerTable(Mapping[int, tuple]):
    """``{l: the symbols of layer l}``, each layer's made on first access and kept."""

    def __init__(self, layers: range, make: Callable[[int], tuple]) -> None:
        self._layers, self._make, self._made = layers, make, {}  # type: ignore[var-annotated]

    def __getitem__(self, l: int) -> tuple:
        if l not in self._made:
            if l not in self._layers:
                raise KeyError(l)
            self._made[l] = self._make(l)
        return self._made[l]

    def __iter__(self) -> Iterator[int]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        return f"<layers {self._layers.start}..{self._layers.stop - 1}, made {sorted(self._made)}>"


#: What a :class:`Graph` keeps (its leaves, nodes, output...): for a Network, made on first read.
#: Not its version: making the scalar graph does not change the network, so caches stay valid.
_GRAPH_STATE = tuple(name for name in vars(Graph()) if name != "_version")


class Network(Graph):
    """A layered, fully connected network: a :class:`Graph` plus its layer structure.

    The layer structure is all that is made up front.  The scalar graph (a symbol per weight,
    a node per neuron: everything :class:`Graph` offers) is built the first time anything
    reads it, and kept; the vector form, its numpy backend, :func:`init_params` and training
    never need it.  Each layer's symbols in ``W``, ``b``, ``z``, ``a`` are made on first access.

    Attributes:
        layers: neurons per layer, input first.
        activations: one registry entry per non-input layer.
        loss: the loss entry.
        bias: per non-input layer, whether it has biases.
        reduction: ``"mean"`` or ``"sum"`` over a batch.
        x, y: input and target symbols (``y`` is empty for the ``output`` loss).
        W, b, z, a: per layer ``l`` (1-based, ``W[l][j-1][i-1]``) the symbols of the layer;
            ``a[0]`` is ``x``.

    >>> net = mlp([784, 128, 10])
    >>> net.n_params, net.W[1][0][11], net.scalar_graph_built
    (101770, w^{(1)}_{1,12}, False)
    """

    def __init__(
        self,
        layers: Sequence[int],
        activations: Sequence[Activation],
        loss: Loss,
        bias: Sequence[bool],
        reduction: str,
    ) -> None:
        super().__init__()
        for name in _GRAPH_STATE:
            delattr(self, name)  # made by _build_scalar when first read
        self.layers = tuple(layers)
        self.activations = tuple(activations)
        self.loss = loss
        self.bias = tuple(bias)
        self.reduction = reduction
        depth = range(1, len(self.layers))
        # Bound methods, not closures, so a copy of the network makes its own copy's symbols.
        self.W: Mapping[int, tuple[tuple[sp.Symbol, ...], ...]] = _LayerTable(depth, self._weights)
        self.b: Mapping[int, tuple[sp.Symbol, ...]] = _LayerTable(depth, self._biases)
        self.z: Mapping[int, tuple[sp.Symbol, ...]] = _LayerTable(depth, self._pre)
        self.a: Mapping[int, tuple[sp.Symbol, ...]] = _LayerTable(range(len(self.layers)), self._act)

    def _neurons(self, l: int) -> range:
        return range(1, self.layers[l] + 1)

    def _weights(self, l: int) -> tuple[tuple[sp.Symbol, ...], ...]:
        return n.weight_rows(l, self.layers[l], self.layers[l - 1])

    def _biases(self, l: int) -> tuple[sp.Symbol, ...]:
        return tuple(n.bias(l, j) for j in self._neurons(l)) if self.bias[l - 1] else ()

    def _pre(self, l: int) -> tuple[sp.Symbol, ...]:
        return tuple(n.pre(l, j) for j in self._neurons(l))

    def _act(self, l: int) -> tuple[sp.Symbol, ...]:
        return tuple(n.act(l, j) for j in self._neurons(l)) if l else self.x

    @cached_property
    def x(self) -> tuple[sp.Symbol, ...]:
        return tuple(n.input_(i) for i in self._neurons(0))

    @cached_property
    def y(self) -> tuple[sp.Symbol, ...]:
        return tuple(n.target(k) for k in self._neurons(self.depth)) if self.loss.uses_targets else ()

    # ----- the scalar graph, made on first use
    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set: the Graph's state before the scalar graph exists.
        if name in _GRAPH_STATE and "layers" in self.__dict__:
            self._build_scalar()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def scalar_graph_built(self) -> bool:
        """Whether the scalar graph (a symbol per weight, a node per neuron) has been made."""
        return all(name in self.__dict__ for name in _GRAPH_STATE)

    def _build_scalar(self) -> None:
        version = self.version
        self.__dict__.update({name: value for name, value in vars(Graph()).items() if name in _GRAPH_STATE})
        try:
            self.inputs(self.x)
            if self.y:
                self.targets(self.y)
            for l in range(1, len(self.layers)):
                self._add_layer(l)
            out = self.a[self.depth]
            expr = self.loss.build(out, self.y)
            if isinstance(expr, sp.Symbol) and self.is_node(expr):
                self.set_output(expr)
            else:
                self.set_output(self.node(n.loss_symbol(), expr, delta=None, role="loss"))
        except BaseException:
            for name in _GRAPH_STATE:
                self.__dict__.pop(name, None)  # all or nothing: the next read tries again
            raise
        finally:
            self._version = version

    def _add_layer(self, l: int) -> None:
        W, b, prev = self.W[l], self.b[l], self.a[l - 1]
        for row in W:
            self.parameters(row)
        if b:
            self.parameters(b)
        for j, zj in enumerate(self.z[l]):
            self.node(zj, _weighted_sum(W[j], prev, b[j] if b else None),
                      delta=n.delta(l, j + 1), role="z", layer=l, index=j + 1)
        outs = self.activations[l - 1].layer(self.z[l])
        for j, (aj, expr) in enumerate(zip(self.a[l], outs)):
            self.node(aj, expr, delta=None, role="a", layer=l, index=j + 1)

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        """The parameter leaves: each layer's weights, row by row, then its biases."""
        if self.scalar_graph_built:
            return super().params  # parameters may have been added to the graph since
        return tuple(s for l in range(1, len(self.layers)) for s in (*chain.from_iterable(self.W[l]), *self.b[l]))

    @property
    def depth(self) -> int:
        """The number of non-input layers (the ``L`` of ``a^{(L)}``)."""
        return len(self.layers) - 1

    @property
    def n_params(self) -> int:
        if self.scalar_graph_built:
            return len(self.params)
        return sum(self.layers[l] * (self.layers[l - 1] + self.bias[l - 1]) for l in range(1, len(self.layers)))

    def describe(self) -> str:
        """``"2-2-2 sigmoid network, squared loss"``."""
        acts = sorted({a.name for a in self.activations}, key=[a.name for a in self.activations].index)
        return f"{'-'.join(map(str, self.layers))} {'/'.join(acts)} network, {self.loss.name} loss"

    def __repr__(self) -> str:
        return f"<Network {self.describe()}: {self.n_params} parameters>"


def _weighted_sum(
    weights: Sequence[sp.Symbol], inputs: Sequence[sp.Symbol], bias: sp.Symbol | None
) -> sp.Expr:
    """``Σ_i w_i a_i + b``, built in canonical order without SymPy's general flattening.

    Every term is a product of two distinct symbols (or the bias symbol).  SymPy orders
    such arguments by ``Basic.compare``: symbols by name, and symbols before products.
    Sorting with that key directly yields the identical (equal, same-hash) expression
    several times faster, which is most of the cost of building a [784, 128, 10] network.
    ``tests/graph/test_mlp.py`` checks the result against ``sympy.Add`` of the products.
    """
    if not all(type(s) is sp.Symbol for s in (*weights, *inputs)):
        terms = [w * a for w, a in zip(weights, inputs)]
        return sp.Add(*terms, *([bias] if bias is not None else []))
    # (first name, second name) is unique per term, so sorting never compares the symbols.
    pairs = sorted((w.name, a.name, w, a) if w.name < a.name else (a.name, w.name, a, w)
                   for w, a in zip(weights, inputs))
    terms: list[sp.Expr] = [sp.Mul._from_args((p[2], p[3]), is_commutative=True) for p in pairs]
    if bias is not None:
        terms.insert(0, bias)
    if len(terms) == 1:
        return terms[0]
    return sp.Add._from_args(tuple(terms))


def _check_layers(layers: object) -> list[int]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise SpecError(f"layers: expected a list of positive integers, received {layers!r}")
    if len(layers) < 2:
        raise SpecError(
            f"layers: expected at least 2 sizes (input and output), received {len(layers)}: {list(layers)!r}"
        )
    for pos, size in enumerate(layers):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise SpecError(
                f"layers[{pos}]: expected a positive integer, received {size!r}"
            )
    return [int(size) for size in layers]


def _per_layer(value: object, count: int, field: str, kind: type) -> list:
    if isinstance(value, kind):
        return [value] * count
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != count:
            raise SpecError(
                f"{field}: expected one entry per non-input layer ({count}), received {len(value)}"
            )
        for pos, item in enumerate(value):
            if not isinstance(item, kind):
                raise SpecError(f"{field}[{pos}]: expected a {kind.__name__}, received {item!r}")
        return list(value)
    raise SpecError(
        f"{field}: expected a {kind.__name__} or a list of {count}, received {value!r}"
    )


def _check_loss(loss: Loss, output: Activation, size: int) -> None:
    if loss.single_output and size != 1:
        raise SpecError(
            f"loss: {loss.name!r} differentiates a single output neuron, but the output layer "
            f"has {size}; expected 1"
        )
    if loss.accepts is not None and output.output_range not in loss.accepts:
        wanted = " or ".join(OUTPUT_RANGES[r] for r in sorted(loss.accepts))
        # Only for outputs that can be 0 or negative is the logarithm the reason; a softmax
        # under binary cross entropy is refused for being a distribution, not a probability each.
        why = ("where the logarithm is undefined" if output.output_range not in ("probability", "distribution")
               else "which this loss does not take")
        fits = [name for name in activation_names() if get_activation(name).output_range in loss.accepts]
        raise SpecError(
            f"loss: {loss.name!r} takes the logarithm of the outputs, so they must be {wanted}; "
            f"the output activation {output.name!r} gives {OUTPUT_RANGES[output.output_range]}, "
            f"{why}" + (f" (use {' or '.join(fits)} outputs)" if fits else "")
        )


def mlp(
    layers: Sequence[int],
    activation: str | Sequence[str] = "sigmoid",
    loss: str = "squared",
    bias: bool | Sequence[bool] = True,
    reduction: str = "mean",
    *,
    max_params: int = MAX_PARAMS,
) -> Network:
    """Build a fully connected network.

    Args:
        layers: neurons per layer, input first (``[2, 2, 2]``).
        activation: one name for every non-input layer, or a list with one per layer.
        loss: a registered loss name (``squared``, ``sse``, ``mse``, ``cross_entropy``,
            ``binary_cross_entropy``, ``output``).
        bias: whether layers have biases: one flag, or one per non-input layer.
        reduction: how a batch is reduced, ``"mean"`` or ``"sum"``.
        max_params: refuse larger networks before building anything (every parameter
            becomes a SymPy symbol and a derivation).

    Returns:
        The :class:`Network`; its output is the loss ``L`` (or ``a^{(L)}_1`` for ``output``).

    Raises:
        SpecError: any argument is invalid; the message names it.
        NotDifferentiableError: an activation such as ``step`` cannot carry a gradient.

    >>> mlp([2, 3, 2], activation=["tanh", "softmax"], loss="cross_entropy").n_params
    17
    """
    sizes = _check_layers(layers)
    count = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))
    if count > max_params:
        raise SpecError(
            f"layers: {count:,} parameters; expected at most {max_params:,} (symbolic derivation "
            f"costs about 40 μs a connection, so this would take ~{count * 4e-5 / 60:,.0f} min); "
            "pass max_params to raise the limit"
        )
    count = len(sizes) - 1
    names = _per_layer(activation, count, "activation", str)
    acts = [
        get_activation(name, field="activation" if isinstance(activation, str) else f"activation[{k}]")
        for k, name in enumerate(names)
    ]
    flags = _per_layer(bias, count, "bias", bool)
    entry = get_loss(loss)
    _check_loss(entry, acts[-1], sizes[-1])
    if reduction not in REDUCTIONS:
        raise SpecError(f"reduction: expected one of {REDUCTIONS}, received {reduction!r}")
    return Network(sizes, acts, entry, flags, reduction)
