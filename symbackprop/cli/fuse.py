"""What ``derive SPEC --fuse FROM..TO`` prints: a fused formula, its code and its proofs.

For each span: the formula in LaTeX, the lines it replaces and how it was found, the code in
NumPy and PyTorch, the symbolic proof at small shapes and the check at the spec's numbers
(``[values]``, or drawn from ``--seed``).  A layered network is taken as its program
(``Z1 = X @ W1.T + b1``...), so ``derive 3-4-2 --fuse Z2..loss`` works as well.
"""

from __future__ import annotations

from typing import Any

from symbackprop.errors import SpecError
from symbackprop.read import Spec

__all__ = ["fuse_text"]


def _program(spec: Spec) -> Any:
    from symbackprop.derive.layered_code import layered_batch
    from symbackprop.derive.programs import Program
    from symbackprop.graph import Network
    from symbackprop.graph.layered_program import layered_program

    if spec.is_program:
        return Program(spec.network)
    if isinstance(spec.network, Network):
        return Program(layered_program(spec.network, batch=layered_batch(spec.network)))
    raise SpecError("--fuse: takes a [program] spec or a layered network; a custom [graph] has no array lines")


def fuse_text(spec: Spec, spans: list[str], seed: int = 0) -> tuple[str, bool]:
    """The text for ``spans`` (``"FROM..TO"`` each), and whether every proof and check held.

    Everything is derived before anything is returned, so a bad span leaves no output.
    """
    from symbackprop.derive.fuse import parse_span
    from symbackprop.numeric.array_eval import compile_program
    from symbackprop.numeric.array_fuse import check_fused

    program = _program(spec)
    wanted = [parse_span(text) for text in spans]
    fused = [program.fuse(start, end) for start, end in wanted]
    numbers = compile_program(program.forward, program.backward)
    if program.values is not None:
        arrays, source = numbers.arrays_from(), "the spec's values"
    else:
        arrays, source = numbers.draw(seed), f"numbers drawn with seed {seed}"
    out = [f"% {spec.title}"]
    ok = True
    for f in fused:
        proof, check = f.proof, check_fused(f, arrays)
        ok = ok and proof.ok is not False and check.ok
        out.append(f"% the span {f.span}: {len(f.lines)} forward lines ({', '.join(f.lines)}), "
                   f"{len(f.unfused)} backward lines, as one formula for d{f.start} in d{f.end}")
        out.append(f"% found by: {f.rule}")
        if proof.vanishing:
            out.append(f"% vanishing: {', '.join('d' + n for n in proof.vanishing)} = 0 identically "
                       "(this line changes no gradient)")
        out.append(f.latex())
        out.append(f"% numpy: {f.code('numpy', program.grad_names)}")
        out.append(f"% torch: {f.code('torch', program.grad_names)}")
        out.append(f"% proof: {proof.summary()}")
        out.append(f"% check: {check.summary().replace('at these numbers', f'at {source}')}")
    return "\n".join(out), ok
