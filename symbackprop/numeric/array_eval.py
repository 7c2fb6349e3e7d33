"""Numbers of array programs: the forward lines and the derived backward lines, in numpy.

:func:`compile_program` pairs a program with its derived :class:`BackwardProgram`; the
result evaluates both with the kernels of :mod:`.array_kernels`.  Nothing is written by
hand per program: every number comes from the program's terms and the rules' terms.

Arrays come from the spec's ``[values]`` or are drawn from a seed (:meth:`ProgramNumbers.draw`):
float leaves from a normal distribution (positive where the code takes their log or
square root), integer arrays uniformly in ``[0, K)``.  A value that is not finite is an
error naming the line that made it.

>>> from symbackprop.read.code import read_program
>>> p = read_program("h = np.tanh(x @ W)\\nloss = (h ** 2).sum()", {"x": [4, 3], "W": [3, 2]})
>>> f = compile_program(p)
>>> arrays = f.draw(seed=0)
>>> loss, grads = f.loss_and_gradients(arrays)
>>> sorted(grads), grads["W"].shape
(['W', 'x'], (3, 2))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from symbackprop.derive.array_backward import BackwardProgram, backward_program
from symbackprop.errors import CodeError, DataError, NumericalError
from symbackprop.graph.array_program import ArrayProgram, Line
from symbackprop.graph.terms import Call, Const, Grad, Ref, Term, walk

from .array_kernels import KERNELS

__all__ = ["ProgramNumbers", "compile_program", "evaluate"]

Array = np.ndarray


def evaluate(term: Term, env: Mapping[str, Any], grads: Mapping[str, Any] | None = None) -> Any:
    """The value of ``term`` with names from ``env`` and gradients from ``grads``."""
    memo: dict[int, Any] = {}
    stack: list[tuple[Term, bool]] = [(term, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in memo:
            continue
        if isinstance(node, Ref):
            memo[id(node)] = env[node.name]
        elif isinstance(node, Grad):
            memo[id(node)] = grads[node.name] if grads is not None else None
        elif isinstance(node, Const):
            memo[id(node)] = node.value
        elif isinstance(node, Call):
            if ready:
                memo[id(node)] = KERNELS[node.op](node, *(memo[id(a)] for a in node.args))
            else:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if id(a) not in memo)
    return memo[id(term)]


def _at(line: Line) -> tuple[int | None, int | None]:
    return (line.lineno or None, line.col or None)


class ProgramNumbers:
    """Forward values, the loss and gradients of one array program, in float64.

    Build with :func:`compile_program`.  ``arrays`` map every float and integer leaf to a
    numpy array (:meth:`arrays_from`, :meth:`draw`); constants come from the program.
    """

    def __init__(self, program: ArrayProgram, backward: BackwardProgram) -> None:
        self.program = program
        self.backward = backward
        self.constants = {leaf.name: leaf.value for leaf in program.leaves if leaf.kind == "const"}
        self._lines = program.upto(program.loss)

    # ----- arrays in
    def arrays_from(self, values: Mapping[str, Any] | None = None) -> dict[str, Array]:
        """The spec's ``[values]`` (or ``values``) as arrays, checked against the leaves.

        Raises:
            DataError: a missing leaf, a wrong shape, or integers out of their range.
        """
        values = self.program.values if values is None else values
        if values is None:
            raise DataError("values: the program has no [values]; give them, or draw numbers with a seed")
        out = {}
        for leaf in self.program.leaves:
            if leaf.kind == "const":
                continue
            if leaf.name not in values:
                raise DataError(f"values.{leaf.name}: missing; expected an array of shape {leaf.shape}")
            dtype = np.int64 if leaf.kind == "int" else np.float64
            try:
                arr = np.asarray(values[leaf.name], dtype=dtype)
            except (TypeError, ValueError, OverflowError):
                raise DataError(f"values.{leaf.name}: expected numbers of shape {leaf.shape}") from None
            if arr.shape != leaf.shape:
                raise DataError(f"values.{leaf.name}: expected shape {leaf.shape}, received {arr.shape}")
            if leaf.kind != "int" and not np.all(np.isfinite(arr)):
                raise DataError(f"values.{leaf.name}: expected finite numbers")
            if leaf.kind == "int" and arr.size and (arr.min() < 0 or arr.max() >= (leaf.bound or 0)):
                raise DataError(f"values.{leaf.name}: expected integers in [0, {leaf.bound}), received "
                                f"{int(arr.min())}..{int(arr.max())}")
            out[leaf.name] = arr
        return out

    def draw(self, seed: int = 0) -> dict[str, Array]:
        """Numbers for every leaf from ``seed``: normal floats (scale 0.5; uniform in
        [0.5, 1.5) where the code takes a leaf's log, square root or fractional power),
        integers uniform in ``[0, K)``."""
        rng = np.random.default_rng(seed)
        positive = self._needs_positive()
        out = {}
        for leaf in self.program.leaves:
            if leaf.kind in ("float", "data"):
                out[leaf.name] = (rng.uniform(0.5, 1.5, leaf.shape) if leaf.name in positive
                                  else 0.5 * rng.standard_normal(leaf.shape))
            elif leaf.kind == "int":
                out[leaf.name] = rng.integers(0, leaf.bound or 1, leaf.shape)
        return out

    def _needs_positive(self) -> set[str]:
        names = set()
        for line in self.program.lines:
            for node in walk(line.term):
                if isinstance(node, Call) and isinstance(node.args[0] if node.args else None, Ref):
                    fractional = node.op == "pow" and isinstance(node.args[1], Const) and \
                        not float(node.args[1].value).is_integer()
                    if node.op in ("log", "sqrt") or fractional:
                        names.add(node.args[0].name)  # type: ignore[union-attr]
        return names

    # ----- forward and backward
    def forward(self, arrays: Mapping[str, Array], *, check: bool = True) -> dict[str, Array]:
        """Every line's value, by name (leaves and constants included)."""
        env: dict[str, Any] = {**self.constants, **arrays}
        with np.errstate(all="ignore"):
            for line in self._lines:
                try:
                    env[line.name] = evaluate(line.term, env)
                except IndexError as exc:
                    raise CodeError(f"{line.name} = {line.text}: an index is out of range at these numbers ({exc})",
                                    *_at(line)) from None
        if check:
            self._finite_forward(env)
        return env

    def _finite_forward(self, env: Mapping[str, Any]) -> None:
        loss = env[self.program.loss]
        if np.isfinite(loss):
            return
        for line in self._lines:
            value = np.asarray(env[line.name])
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                bad = np.argwhere(~np.isfinite(value))[0] if value.ndim else ()
                raise NumericalError(
                    f"line {line.lineno}: {line.name} = {line.text} is {value[tuple(bad)]} at index "
                    f"{tuple(int(b) for b in bad)} for these numbers, so the loss is not finite")

    def loss(self, arrays: Mapping[str, Array]) -> float:
        return float(self.forward(arrays)[self.program.loss])

    def gradients(self, env: Mapping[str, Any]) -> dict[str, Array]:
        """Every derived gradient ``dX`` (float leaves and lines), from forward values ``env``."""
        grads: dict[str, Array] = {}
        owned: set[str] = set()
        with np.errstate(all="ignore"):
            for gl in self.backward.lines:
                value = evaluate(gl.term, env, grads)
                shape = self.program.shape(gl.target)
                if not gl.accumulate:
                    grads[gl.target] = value
                elif gl.target in owned:
                    grads[gl.target] += value
                else:  # the first contribution may be another array's buffer: add into a new one
                    grads[gl.target] = np.add(np.broadcast_to(grads[gl.target], shape), value)
                    owned.add(gl.target)
        for name, value in grads.items():
            shape = self.program.shape(name)
            if np.shape(value) != shape or not isinstance(value, np.ndarray) or not value.flags.writeable:
                grads[name] = np.array(np.broadcast_to(value, shape), dtype=np.float64)
        return grads

    def loss_and_gradients(self, arrays: Mapping[str, Array]) -> tuple[float, dict[str, Array]]:
        """The loss and its gradient with respect to every float leaf.

        Raises:
            NumericalError: the loss or a gradient is not finite; the message names it.
        """
        env = self.forward(arrays)
        grads = self.gradients(env)
        out = {}
        for leaf in self.program.float_leaves:
            g = grads.get(leaf.name)
            out[leaf.name] = np.zeros(leaf.shape) if g is None else g
            if not np.all(np.isfinite(out[leaf.name])):
                raise NumericalError(f"gradients.{leaf.name}: not finite at these numbers")
        return float(env[self.program.loss]), out

    def __repr__(self) -> str:
        return f"<ProgramNumbers of {self.program.describe()}>"


def compile_program(program: ArrayProgram, backward: BackwardProgram | None = None) -> ProgramNumbers:
    """numpy evaluation of ``program`` and of its derived backward pass."""
    return ProgramNumbers(program, backward or backward_program(program))
