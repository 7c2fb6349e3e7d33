"""A verdict on a student's fused formula: one line of code for ``dFROM``, in ``dTO`` alone.

The answer (``dhprebn = bngain*bnvar_inv/n * (n*dhpreact - ...)``) is read, never run
(:func:`~symbackprop.read.code_answer.read_answer`); it may read every forward name and the
upstream gradient ``dTO``, and must assign ``dFROM``.  It is then compared, entry by entry,
with the fused formula (:meth:`Program.fuse <symbackprop.derive.programs.Program.fuse>`,
itself proven equal to the unfused lines) at the program's numbers and at points drawn from
seeds: *correct* where every entry agrees at every point, *wrong* with the entry that differs
most and both values, *unreadable* with the reader's one-line reason.  An answer that reads
another gradient (``dbnraw``) is wrong: it is not one formula in ``dTO``.

>>> from symbackprop.derive.programs import program
>>> p = program("z = x @ W\\np = np.exp(z) / np.exp(z).sum(1, keepdims=True)\\n"
...             "loss = -np.log(p)[range(n), y].mean()",
...             {"x": [4, 3], "W": [3, 5], "y": {"shape": [4], "integers": 5}, "n": 4})
>>> verify_fused(p, "z..loss", "dz = (p - np.eye(5)[y]) / n").status
'correct'
>>> v = verify_fused(p, "z..loss", "dz = p - np.eye(5)[y]")
>>> v.status, v.message.split(":")[0]
('wrong', 'dz differs from the gradient of z at entry (1, 4) of numbers drawn with seed 0')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from symbackprop.derive.fuse import parse_span
from symbackprop.derive.programs import Program
from symbackprop.errors import CodeError
from symbackprop.graph.terms import names_in
from symbackprop.numeric.array_eval import compile_program, evaluate
from symbackprop.read.code_answer import assigned_name, read_answer

__all__ = ["FusedVerdict", "verify_fused", "answer_shapes"]


@dataclass(frozen=True)
class FusedVerdict:
    """``status``: ``"correct"``, ``"wrong"`` or ``"unreadable"``; ``message`` says why;
    ``points`` how many sets of numbers were compared; ``max_abs_error`` the largest difference."""

    status: str
    message: str
    points: int = 0
    max_abs_error: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "correct"


def answer_shapes(program: Program) -> dict[str, Any]:
    """The shapes table an answer is read against: every forward name (none of them gets a
    gradient) and every gradient variable, as arrays of their names' shapes."""
    forward = program.forward
    shapes: dict[str, Any] = {}
    for leaf in forward.leaves:
        if leaf.kind == "const":
            shapes[leaf.name] = leaf.value
        elif leaf.kind == "int":
            shapes[leaf.name] = {"shape": list(leaf.shape), "integers": leaf.bound or 1}
        else:
            shapes[leaf.name] = {"shape": list(leaf.shape), "gradient": False}
    for line in forward.lines:
        if line.term.dtype == "float":
            shapes[line.name] = {"shape": list(line.shape), "gradient": False}
        elif line.term.dtype == "int":
            shapes[line.name] = {"shape": list(line.shape), "integers": max(line.shape, default=1) or 1}
    for name in program.backward.differentiated:
        shapes.setdefault(program.grad_names[name], {"shape": list(forward.shape(name)), "gradient": False})
    return shapes


def _fail(message: str) -> FusedVerdict:
    return FusedVerdict("unreadable", message)


def verify_fused(program: Program, span: str, answer: str, *, points: int = 3, seed: int = 0,
                 rtol: float = 1e-7, atol: float = 1e-10) -> FusedVerdict:
    """Judge ``answer``, one line for ``d<FROM>`` of the span ``FROM..TO``.

    Raises:
        SpecError: the span itself is bad (that is the question's fault, not the answer's).
    """
    start, end = parse_span(span)
    fused = program.fuse(start, end)
    grads = program.grad_names
    shapes = answer_shapes(program)
    try:
        assigned = assigned_name(answer)
        if assigned != grads[start]:
            return FusedVerdict("wrong", f"the answer assigns {assigned}; the question asks for {grads[start]}")
        shapes.pop(grads[start], None)
        line = read_answer(answer, shapes)
    except CodeError as exc:
        return _fail(str(exc))
    if line.shape not in (program.forward.shape(start), ()) and line.term.dtype == "float":
        return FusedVerdict("wrong", f"{line.name} has shape {line.shape}; {start} has shape "
                                     f"{program.forward.shape(start)}")
    others = [n for n in names_in(line.term) if n in grads.values() and n != grads[end]]
    if others:
        return FusedVerdict("wrong", f"the answer reads {', '.join(others)}: a fused formula takes {grads[end]} "
                                     "and the forward values, no other gradient")
    numbers = compile_program(program.forward, program.backward)
    sets = ([("the spec numbers", numbers.arrays_from())] if program.values is not None else []) + \
        [(f"numbers drawn with seed {seed + k}", numbers.draw(seed + k)) for k in range(points)]
    worst = 0.0
    for label, arrays in sets:
        env = numbers.forward(arrays)
        flowing = numbers.gradients(env)
        given = {grads[n]: v for n, v in flowing.items() if n in grads}
        want = np.broadcast_to(evaluate(fused.term, env, flowing), program.forward.shape(start))
        with np.errstate(all="ignore"):
            got = np.broadcast_to(evaluate(line.term, {**env, **given}, flowing), want.shape)
        error = np.abs(got - want)
        worst = max(worst, float(np.nanmax(error, initial=0.0)) if np.all(np.isfinite(got)) else float("inf"))
        bad = ~(error <= atol + rtol * np.abs(want))
        if bad.any():
            at = tuple(int(i) for i in np.unravel_index(np.argmax(np.where(bad, error, -1.0)), want.shape))
            return FusedVerdict("wrong", f"{line.name} differs from the gradient of {start} at entry {at} of "
                                         f"{label}: the answer gives {got[at]:.6g}, the gradient is {want[at]:.6g}",
                                len(sets), worst)
    return FusedVerdict("correct", f"equals the fused formula of {fused.span} at every entry, at {len(sets)} sets "
                                   f"of numbers (largest difference {worst:.1e})", len(sets), worst)
