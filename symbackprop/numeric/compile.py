"""Choosing a numeric backend: the vector (matrix) form for layered networks, else scalar.

>>> from symbackprop.graph.network import mlp
>>> type(compile_network(mlp([2, 2, 1]))).__name__
'VectorFunctions'
>>> type(compile_network(mlp([2, 2, 1]), backend="scalar")).__name__
'NumericNetwork'
"""

from __future__ import annotations

from symbackprop.errors import DataError, GraphError
from symbackprop.graph import Graph

from .scalar import NumericNetwork
from .vector import VectorFunctions, compile_vector

__all__ = ["compile_network", "BACKENDS"]

#: Backends :func:`compile_network` accepts.
BACKENDS = ("scalar", "vector", "auto")


def compile_network(graph: Graph, *, backend: str = "auto") -> NumericNetwork | VectorFunctions:
    """Lambdify a network's (or graph's) loss and gradients into numpy functions.

    Args:
        graph: a :class:`~symbackprop.graph.network.Network` or any :class:`~symbackprop.graph.graph.Graph`.
        backend: ``"scalar"`` (one lambdified formula per neuron and weight), ``"vector"``
            (matrix form, :mod:`symbackprop.numeric.vector`) or ``"auto"``.

    Raises:
        DataError: unknown backend.
    """
    if backend not in BACKENDS:
        raise DataError(f"backend: expected one of {', '.join(BACKENDS)}, received {backend!r}")
    if backend == "scalar":
        return NumericNetwork(graph)
    if backend == "vector":
        return compile_vector(graph)
    # "auto": the matrix form wherever the graph is layered.  benchmarks/bench_threshold.py
    # measures it faster at every size (2x at 12 parameters, 8x at 442), so the threshold
    # is structural: vector for layered networks, scalar for custom graphs.
    try:
        return compile_vector(graph)
    except GraphError:
        return NumericNetwork(graph)
