"""What ``derive``, ``grad`` and ``check`` print for a spec with ``[program]``.

A program's numbers are the spec's ``[values]`` or, without them, drawn from ``--seed``;
every command says which.  ``grad --json`` prints ``{"loss": ..., "gradients": {leaf:
nested lists}, "values": "..."}`` with a gradient for every float leaf.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from symbackprop.errors import SpecError, TooLargeError
from symbackprop.read import Spec

if TYPE_CHECKING:
    from symbackprop.graph.array_program import ArrayProgram

__all__ = ["refuse_program", "derive_text", "grad_result", "grad_table", "check_report",
           "MAX_CHECK_WORK", "check_work"]

#: The most entry evaluations ``check`` does without ``--force``: for every entry of every
#: float leaf, two evaluations of each line downstream of it (the makemore program: 1.3e8).
MAX_CHECK_WORK = 2_000_000_000


def refuse_program(spec: Spec, command: str, takes: str, instead: str) -> None:
    """One clear line for a command that does not take programs: what it takes, what to use."""
    if spec.is_program:
        raise SpecError(f"{command}: takes {takes}; for a [program], {instead}")


def derive_text(spec: Spec, names: list[str] | None = None) -> str:
    """The backward pass in LaTeX, each group under the forward line it comes from."""
    from symbackprop.derive.programs import Program

    program = Program(spec.network)  # type: ignore[arg-type]
    wanted = None
    if names:
        known = set(program.backward.differentiated)
        for name in names:
            if name not in known:
                raise SpecError(f"--param: {name!r} has no gradient in this program; expected one of "
                                f"{', '.join(program.backward.differentiated)}")
        wanted = set(names)
    out = [f"% {spec.title}",
           r"% the backward pass, output first; \overline{X} is the gradient of the loss with respect to X"]
    for line in reversed(program.lines):
        group = [gl for gl in program.backward.by_forward_line.get(line.name, ())
                 if wanted is None or gl.target in wanted]
        if not group:
            continue
        out.append(f"% line {line.lineno}: {line.name} = {line.text}")
        for gl in group:
            left, right = program.backward_latex(gl)
            out.append(f"{left} {right}")
    return "\n".join(out)


def _arrays(spec: Spec, seed: int) -> tuple[Any, Any, str]:
    from symbackprop.derive.programs import Program
    from symbackprop.numeric.array_eval import compile_program

    program = Program(spec.network)  # type: ignore[arg-type]
    numbers = compile_program(program.forward, program.backward)
    if program.values is not None:
        return numbers, numbers.arrays_from(), "the spec's values"
    return numbers, numbers.draw(seed), f"numbers drawn with seed {seed}"


def grad_result(spec: Spec, seed: int = 0) -> dict[str, Any]:
    """The ``grad --json`` object of a program spec."""
    numbers, arrays, source = _arrays(spec, seed)
    loss, grads = numbers.loss_and_gradients(arrays)
    return {"loss": loss, "gradients": {k: v.tolist() for k, v in grads.items()}, "values": source}


def grad_table(spec: Spec, result: dict[str, Any]) -> str:
    """The loss, then each leaf's gradient: whole when small, else its size and extremes."""
    import numpy as np

    program: ArrayProgram = spec.network  # type: ignore[assignment]
    lines = [f"# {spec.title}: {result['values']}", f"loss  {result['loss']:.9g}", ""]
    rows = [["leaf", "shape", "gradient"]]
    for leaf in program.float_leaves:
        g = np.asarray(result["gradients"][leaf.name])
        if g.size <= 6:
            text = json.dumps(np.round(g, 9).tolist())
        else:
            at = [int(i) for i in np.unravel_index(np.abs(g).argmax(), g.shape)]
            text = f"max |g| {np.abs(g).max():.4g} at {at}, ‖g‖ {np.linalg.norm(g):.4g}"
        rows.append([leaf.name, str(leaf.shape), text])
    widths = [max(len(r[k]) for r in rows) for k in range(2)]
    lines += [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]}".rstrip() for r in rows]
    lines += ["", "(grad --json prints every entry)"]
    return "\n".join(lines)


def check_work(program: ArrayProgram) -> int:
    """The entry evaluations a full check makes (see :data:`MAX_CHECK_WORK`)."""
    from symbackprop.graph.terms import names_in

    total = 0
    sizes = {line.name: _size(line.shape) for line in program.lines}
    for leaf in program.float_leaves:
        touched, downstream = {leaf.name}, 0
        for line in program.upto(program.loss):
            if touched & set(names_in(line.term)):
                touched.add(line.name)
                downstream += sizes[line.name]
        total += 2 * leaf.size * downstream
    return total


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for k in shape:
        n *= k
    return n


def check_report(spec: Spec, *, seed: int, eps: float, atol: float, rtol: float, force: bool) -> Any:
    """The :class:`~symbackprop.numeric.array_check.ProgramCheck` of a program spec."""
    from symbackprop.derive.programs import Program
    from symbackprop.numeric.array_check import check_program

    program = Program(spec.network)  # type: ignore[arg-type]
    work = check_work(program.forward)
    if work > MAX_CHECK_WORK and not force:
        raise TooLargeError(f"check: central differences on every entry of this program evaluate {work:,} array "
                            f"entries (over {MAX_CHECK_WORK:,}); give --force to go on")
    return check_program(program, seed=seed, eps=eps, atol=atol, rtol=rtol)
