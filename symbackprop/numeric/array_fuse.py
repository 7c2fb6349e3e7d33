"""A fused formula checked at the program's numbers against the unfused backward pass.

:func:`check_fused` runs the program's forward pass and its whole derived backward pass
(:mod:`.array_eval`) at the given arrays, evaluates the fused formula for ``d<start>`` with
the same forward values and the same ``d<end>``, and compares it with the unfused ``d<start>``
entry by entry.  The symbolic proof (:attr:`~symbackprop.derive.fuse.Fused.proof`) holds at
small shapes; this holds at the spec's own shapes and numbers.

>>> from symbackprop.derive.programs import program
>>> p = program("z = x @ W\\nloss = -np.log(np.exp(z) / np.exp(z).sum(1, keepdims=True))[range(n), y].mean()",
...             {"x": [4, 3], "W": [3, 2], "y": {"shape": [4], "integers": 2}, "n": 4})
>>> fused = p.fuse("z", "loss")
>>> print(fused.code())
dz = (softmax(z, axis=1) - np.eye(2)[y]) / n
>>> check = check_fused(fused, compile_program(p.forward, p.backward).draw(0))
>>> check.ok, check.entries
(True, 8)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from symbackprop.derive.fuse import Fused

from .array_eval import compile_program, evaluate

__all__ = ["FusedCheck", "check_fused"]


@dataclass(frozen=True)
class FusedCheck:
    """The fused formula against the unfused lines at one set of numbers.

    Attributes:
        entries: the entries of ``d<start>`` compared.
        max_abs_error: the largest difference.
        scale: the largest entry of the unfused gradient (the differences are relative to it).
        rtol, atol: the tolerance: ``|fused - unfused| <= atol + rtol * |unfused|`` entry by entry.
    """

    entries: int
    max_abs_error: float
    scale: float
    ok: bool
    rtol: float
    atol: float

    def summary(self) -> str:
        verdict = "equal" if self.ok else "NOT equal"
        return (f"{verdict} to the unfused lines at these numbers in all {self.entries:,} entries "
                f"(largest difference {self.max_abs_error:.1e}, largest entry {self.scale:.3g})")


def check_fused(fused: Fused, arrays: Mapping[str, Any], *, rtol: float = 1e-9, atol: float = 1e-12) -> FusedCheck:
    """Compare ``fused`` with the unfused backward pass at ``arrays`` (every leaf's numbers)."""
    numbers = compile_program(fused.program)
    env = numbers.forward(arrays)
    grads = numbers.gradients(env)
    with np.errstate(all="ignore"):
        value = np.broadcast_to(evaluate(fused.term, env, grads), fused.program.shape(fused.start))
    want = np.asarray(grads[fused.start], dtype=np.float64)
    error = np.abs(value - want)
    ok = bool(np.all(np.isfinite(value)) and np.all(error <= atol + rtol * np.abs(want)))
    return FusedCheck(int(want.size), float(error.max(initial=0.0)), float(np.abs(want).max(initial=0.0)), ok, rtol,
                      atol)
