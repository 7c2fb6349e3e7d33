r"""The scalar route: an array program at small shapes as a scalar graph of its entries.

An :class:`~symbackprop.graph.array_program.ArrayProgram` is turned into a scalar
:class:`~symbackprop.graph.graph.Graph`: every entry of every float leaf is a SymPy symbol
(a parameter of the graph), data leaves (floats without a gradient), integer leaves and
constants are fixed numbers, and every entry of every float line is a node defined from the
entries it reads, operation by operation (:mod:`.array_sympy`).  The project's scalar chain rule (:func:`~symbackprop.derive.derive`,
:func:`~symbackprop.derive.gradients`) then differentiates the program with no array rule
in sight, and :mod:`.array_proof` compares the two.

The graph is made at a point (given numbers, or distinct rationals drawn from a seed): what
the numbers decide, an ``argmax`` or an index computed from floats, is decided there.
Symbols cost work, so at most :data:`MAX_SCALAR_ENTRIES` entries are made.

>>> import symbackprop as sbp
>>> from symbackprop.read.code import read_program
>>> p = read_program("h = np.tanh(x @ W)\nloss = (h ** 2).sum()", {"x": [2, 2], "W": [2, 1]})
>>> s = scalar_program(p)
>>> len(s.graph.nodes), s.symbols("W")[1, 0]
(3, W[1,0])
>>> s.graph.node_of(s.symbols("h")[0, 0]).expr
tanh(W[0,0]*x[0,0] + W[1,0]*x[0,1])
>>> sbp.derive(s.graph)[s.symbols("W")[1, 0]].delta_form
\delta_{h[0,0]}*x[0,1]*(1 - h[0,0]**2) + \delta_{h[1,0]}*x[1,1]*(1 - h[1,0]**2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import prod
from typing import Any

import numpy as np
import sympy as sp

from symbackprop.errors import SpecError, TooLargeError
from symbackprop.graph import Graph
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Const, Ref, walk

from .array_backward import BackwardProgram, backward_program
from .array_sympy import SymbolicEvaluator, as_array, as_number, number
from .backprop import Backprop, derive
from .evaluate import gradients

__all__ = ["ScalarProgram", "scalar_program", "program_ops", "point_name", "MAX_SCALAR_ENTRIES", "DATA_DEPENDENT",
           "TRANSCENDENTAL", "DIGITS"]

#: The most entries (leaves and lines together) the scalar route makes symbols for.
MAX_SCALAR_ENTRIES = 2_000
#: Operations whose derivative the numbers decide: proven at points, not as identities.
DATA_DEPENDENT = frozenset({"max", "min", "maximum", "minimum", "relu", "leaky_relu", "abs", "sign", "where",
                            "argmax", "argmin", "eq", "ne", "lt", "le", "gt", "ge"})
#: Operations whose values leave the rationals: the points are then carried in 60 digits.
TRANSCENDENTAL = frozenset({"exp", "log", "tanh", "sigmoid", "softplus", "sqrt", "std", "logsumexp", "softmax",
                            "log_softmax", "cross_entropy"})
#: Digits of the points of programs that leave the rationals.
DIGITS = 60


def point_name(name: str, index: tuple[int, ...]) -> str:
    """``W[1,0]``: the name of one entry."""
    return f"{name}[{','.join(map(str, index))}]" if index else name


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sp.Symbol(point_name(name, index), real=True)
    return out


def program_ops(program: ArrayProgram) -> set[str]:
    """The operations the program's lines use."""
    return {node.op for line in program.lines for node in walk(line.term) if isinstance(node, Call)}


def _irrational(program: ArrayProgram) -> bool:
    for line in program.lines:
        for node in walk(line.term):
            if isinstance(node, Call) and (node.op in TRANSCENDENTAL or (
                    node.op == "pow" and not (isinstance(node.args[1], Const)
                                              and float(node.args[1].value).is_integer()))):
                return True
    return False


def _positive(program: ArrayProgram) -> set[str]:
    """Leaves the code takes a log, square root or fractional power of: drawn positive."""
    names = set()
    for line in program.lines:
        for node in walk(line.term):
            if isinstance(node, Call) and node.args and isinstance(node.args[0], Ref) and (
                    node.op in ("log", "sqrt") or (node.op == "pow" and not (
                        isinstance(node.args[1], Const) and float(node.args[1].value).is_integer()))):
                names.add(node.args[0].name)
    return names


def _budget(program: ArrayProgram, max_entries: int) -> None:
    entries = sum(leaf.size for leaf in program.leaves) + sum(prod(ln.shape) for ln in program.lines)
    if entries > max_entries:
        raise TooLargeError(f"scalar route: the program has {entries:,} array entries; at most {max_entries:,} "
                            "are made symbols (choose smaller shapes)")


def _exact(value: Any) -> sp.Rational:
    frac = Fraction(repr(float(value)))
    return sp.Rational(frac.numerator, frac.denominator)


def _draw(program: ArrayProgram, seed: int) -> dict[str, np.ndarray]:
    """Distinct rationals for every float leaf (in (-2, 2), or [1/2, 3/2) where taken a log
    of), so that no two entries tie for a maximum; integers uniform in [0, K)."""
    rng = np.random.default_rng(seed)
    positive = _positive(program)
    out = {}
    for leaf in program.leaves:
        if leaf.kind in ("float", "data"):
            den = max(16, leaf.size)
            pool = np.arange(den // 2, 3 * den // 2) if leaf.name in positive else \
                np.setdiff1d(np.arange(-2 * den + 1, 2 * den), [0])
            picks = rng.choice(pool, size=leaf.size, replace=False)
            out[leaf.name] = np.array([sp.Rational(int(k), den) for k in picks], dtype=object).reshape(leaf.shape)
        elif leaf.kind == "int":
            out[leaf.name] = rng.integers(0, leaf.bound or 1, leaf.shape)
    return out


def _given(program: ArrayProgram, values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    out = {}
    for leaf in program.leaves:
        if leaf.kind == "const":
            continue
        if leaf.name not in values:
            raise SpecError(f"values.{leaf.name}: missing; expected an array of shape {leaf.shape}")
        arr = np.asarray(values[leaf.name], dtype=object)
        if arr.shape != leaf.shape:
            raise SpecError(f"values.{leaf.name}: expected shape {leaf.shape}, received {arr.shape}")
        out[leaf.name] = (np.vectorize(_exact, otypes=[object])(arr) if leaf.kind in ("float", "data") and arr.size
                          else np.asarray(arr, dtype=np.int64) if leaf.kind == "int" else arr)
    return out


@dataclass(frozen=True, eq=False)
class ScalarProgram:
    """An array program as a scalar graph, at one point.

    Attributes:
        program: the array program.
        graph: one parameter per float-leaf entry, one node per float-line entry, the
            loss line's entry as output.
        arrays: every name's entries: symbols for float leaves and lines, SymPy integers
            for integer arrays and constants, conditions for masks.
        point: the value of every leaf and node symbol at the point (exact rationals, or
            60-digit floats where the program leaves the rationals).
        exact: whether :attr:`point` is exact.
    """

    program: ArrayProgram
    graph: Graph
    arrays: Mapping[str, np.ndarray]
    point: Mapping[sp.Symbol, sp.Expr] = field(repr=False)
    exact: bool = True

    def symbols(self, name: str) -> np.ndarray:
        """The entries of ``name`` (an object array)."""
        return self.arrays[name]

    @property
    def leaf_point(self) -> dict[sp.Symbol, sp.Expr]:
        """The point's value of every parameter of :attr:`graph`."""
        return {s: self.point[s] for s in self.graph.params}

    @cached_property
    def backprop(self) -> Backprop:
        """The scalar chain rule of :attr:`graph` (:func:`~symbackprop.derive.derive`)."""
        return derive(self.graph)

    def evaluator(self) -> SymbolicEvaluator:
        point = self.point
        return SymbolicEvaluator(lambda e: sp.N(e.xreplace(point), DIGITS))

    def chain_rule_gradients(self) -> dict[str, np.ndarray]:
        """The scalar chain rule's gradient of every float leaf at the point, by entry."""
        values = gradients(self.graph, self.leaf_point, exact=True)
        out = {}
        for leaf in self.program.float_leaves:
            syms = self.arrays[leaf.name]
            out[leaf.name] = np.array([values[s] for s in syms.flat], dtype=object).reshape(leaf.shape)
        return out

    def at_point(self) -> dict[str, np.ndarray]:
        """Every name's entries at the point (numbers; masks as true or false)."""
        point = self.point
        return {name: np.vectorize(lambda e: point.get(e) if e in point else as_array(e)[()].xreplace(point),
                                   otypes=[object])(entries) if entries.size else entries
                for name, entries in self.arrays.items()}

    def backward_gradients(self, backward: BackwardProgram | None = None, *, at_point: bool = False
                           ) -> dict[str, np.ndarray]:
        """The backward program's gradient of every float leaf, its terms evaluated over the
        symbols (expressions in the graph's leaf and node symbols), or ``at_point`` over the
        point's numbers (much faster than substituting them into those expressions)."""
        backward = backward or backward_program(self.program)
        ev = self.evaluator()
        env = self.at_point() if at_point else self.arrays
        grads: dict[str, np.ndarray] = {}
        for gl in backward.lines:
            shape = self.program.shape(gl.target)
            value = np.broadcast_to(ev.evaluate(gl.term, env, grads), shape)
            grads[gl.target] = value if not gl.accumulate else as_array(grads[gl.target] + value)
        return {leaf.name: as_array(np.array(grads[leaf.name], dtype=object)) if leaf.name in grads
                else np.full(leaf.shape, sp.S.Zero, dtype=object) for leaf in self.program.float_leaves}


def scalar_program(program: ArrayProgram, values: Mapping[str, Any] | None = None, *, seed: int = 0,
                   max_entries: int = MAX_SCALAR_ENTRIES, exact_constants: bool = True) -> ScalarProgram:
    """``program`` as a scalar graph, one symbol per entry, at a point.

    Args:
        program: the array program (small shapes).
        values: numbers for the leaves (nested lists by name), made exact (``0.1`` is
            ``1/10``); default the program's ``[values]``, else distinct rationals drawn
            from ``seed``.  The point decides what the numbers decide (an ``argmax``).
        max_entries: the budget of entries, leaves and lines together.
        exact_constants: keep the code's numbers exact (``d**-0.5`` is ``√3/3``); with
            ``False``, a program whose point is carried in digits has its constants in
            digits too, so that numbers at the point stay numbers instead of growing sums
            of ``√3`` terms.

    Raises:
        TooLargeError: more entries than ``max_entries``.
        SpecError: ``values`` misses a leaf or has the wrong shape.
    """
    _budget(program, max_entries)
    given = values if values is not None else program.values
    numbers = _given(program, given) if given is not None else _draw(program, seed)
    exact = not _irrational(program)
    graph = Graph()
    arrays: dict[str, np.ndarray] = {}
    point: dict[sp.Symbol, sp.Expr] = {}
    ev = SymbolicEvaluator(lambda e: sp.N(e.xreplace(point), DIGITS))
    for leaf in program.leaves:
        if leaf.kind == "float":
            syms = _symbols(leaf.name, leaf.shape)
            graph.parameters(list(syms.flat))
            for s, v in zip(syms.flat, np.asarray(numbers[leaf.name], dtype=object).flat):
                point[s] = v if exact else sp.Float(v, DIGITS + 10)
            arrays[leaf.name] = syms
        elif leaf.kind == "int":
            arrays[leaf.name] = as_array(np.asarray(numbers[leaf.name], dtype=np.int64))
        elif leaf.kind == "data":  # a float array without a gradient: numbers, as the integers are
            data = np.asarray(numbers[leaf.name], dtype=object)
            arrays[leaf.name] = data if exact or not data.size else \
                np.vectorize(lambda v: sp.Float(v, DIGITS + 10), otypes=[object])(data)
        else:
            assert leaf.value is not None
            arrays[leaf.name] = as_array(number(leaf.value))
    for line in program.upto(program.loss):
        value = ev.evaluate(line.term, arrays)
        if line.term.dtype == "float":
            syms = _symbols(line.name, line.shape)
            for s, entry in zip(syms.flat, value.flat):
                expr = as_number(entry)
                if not exact and not exact_constants:
                    expr = expr.evalf(DIGITS + 10)
                graph.node(s, expr)
                point[s] = expr.xreplace(point) if exact else sp.N(expr.xreplace(point), DIGITS + 10)
            arrays[line.name] = syms
        elif line.term.dtype == "int":
            arrays[line.name] = as_array(ev.ints(value))
        else:
            arrays[line.name] = value
    graph.set_output(arrays[program.loss][()])
    return ScalarProgram(program, graph, arrays, point, exact)
