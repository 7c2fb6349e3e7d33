"""Backward lines as code statements: ``dX = ...``, ``dX += ...``, scatters into zeros.

A term prints as an expression (:mod:`symbackprop.graph.array_code`); a backward line is a
statement around it, written as the exercises write them:

* a gradient that only passes another one on is copied (``dlogits = dnorm_logits.copy()``),
  so a later ``dlogits += ...`` cannot change ``dnorm_logits``;
* a broadcast at the top of a line is left to ``+=``, which broadcasts (``dcounts +=
  dcounts_sum``), or written as a product with ``ones_like`` when it starts a gradient;
* the gradient of a gather is a scatter into zeros: ``dX[range(n), Y] = ...`` where no
  position repeats, ``np.add.at`` (PyTorch: ``index_put_(..., accumulate=True)``) where
  positions may repeat, as in ``C[Xb]``.

>>> from symbackprop.read.code import read_program
>>> from symbackprop.derive.array_backward import backward_program
>>> from symbackprop.graph.array_code import CodePrinter
>>> p = read_program("e = C[X]\\nloss = e.sum()", {"C": [5, 2], "X": {"shape": [3], "integers": 5}})
>>> b = backward_program(p)
>>> for gl in b.lines:
...     print("\\n".join(statement(gl, CodePrinter(), p, b)))
de = np.ones_like(e) * 1.0
dC = np.zeros_like(C)
np.add.at(dC, X, de)
"""

from __future__ import annotations

from symbackprop.graph.array_code import CodePrinter
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Grad, Ref, Term, call

from .array_backward import BackwardProgram, GradLine

__all__ = ["grad_names", "statement"]


def grad_names(program: ArrayProgram) -> dict[str, str]:
    """``{name: variable}`` for every name's gradient: ``d<name>``, or ``d_<name>`` (then
    ``grad_<name>``) where the program already uses that name."""
    taken = set(program.names)
    out: dict[str, str] = {}
    for name in program.names:
        for candidate in (f"d{name}", f"d_{name}", f"grad_{name}", f"grad_{name}_"):
            if candidate not in taken:
                out[name] = candidate
                taken.add(candidate)
                break
    return out


def statement(gl: GradLine, printer: CodePrinter, program: ArrayProgram, backward: BackwardProgram) -> list[str]:
    """The code of one backward line (one statement, or two for a scatter into zeros)."""
    target = printer.grad_names.get(gl.target, "d" + gl.target)
    term = gl.term
    lib = "torch" if printer.torch else "np"
    if isinstance(term, Call) and term.op == "scatter_add":
        return _scatter(gl, term, target, printer, lib)
    if gl.accumulate:
        if isinstance(term, Call) and term.op == "broadcast_to":
            term = term.args[0]  # += broadcasts
        return [f"{target} += {printer.doprint(term)}"]
    if isinstance(term, Call) and term.op == "broadcast_to":
        ones = call("ones_like", Ref(gl.target, term.shape))
        return [f"{target} = {printer.doprint(call('mul', ones, term.args[0]))}"]
    text = printer.doprint(term)
    if isinstance(term, (Grad, Ref)) and len(backward.contributions(gl.target)) > 1:
        text += ".clone()" if printer.torch else ".copy()"
    return [f"{target} = {text}"]


def _scatter(gl: GradLine, term: Call, target: str, printer: CodePrinter, lib: str) -> list[str]:
    values: Term = term.args[0]
    if isinstance(values, Call) and values.op == "broadcast_to":
        values = values.args[0]  # assignment into the picked positions broadcasts
    where = printer.index_text(term.attr("items"), term.args[1:])
    start = [] if gl.accumulate else [f"{target} = {lib}.zeros_like({gl.target})"]
    if term.attr("unique", False):
        return start + [f"{target}[{where}] {'+=' if gl.accumulate else '='} {printer.doprint(values)}"]
    if printer.torch:
        return start + [f"{target}.index_put_(({where},), {printer.doprint(values)}, accumulate=True)"]
    return start + [f"np.add.at({target}, ({where}), {printer.doprint(values)})" if "," in where
                    else f"np.add.at({target}, {where}, {printer.doprint(values)})"]
