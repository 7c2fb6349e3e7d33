"""Backward lines as code statements: ``dX = ...``, ``dX += ...``, scatters into zeros.

A term prints as an expression (:mod:`symbackprop.graph.array_code`); a backward line is a
statement around it, written as the exercises write them:

* a gradient that only passes another one on is copied (``dlogits = dnorm_logits.copy()``),
  so a later ``dlogits += ...`` cannot change ``dnorm_logits``;
* a broadcast at the top of a line is left to ``+=``, which broadcasts (``dcounts +=
  dcounts_sum``), or written as a product with ``ones_like`` when it starts a gradient
  (``dbndiff2 = 1 / (n - 1) * dbnvar * np.ones_like(bndiff2)``);
* the gradient of a gather is a scatter into zeros: ``dX[range(n), Y] = ...`` where no
  position repeats, ``np.add.at`` (PyTorch: ``index_put_(..., accumulate=True)``) where
  positions may repeat, as in ``C[Xb]``.

>>> from symbackprop.read.code import read_program
>>> from symbackprop.derive.array_backward import backward_program
>>> from typing import Any

from symbackprop.graph.array_code import CodePrinter
>>> p = read_program("e = C[X]\\nloss = e.sum()", {"C": [5, 2], "X": {"shape": [3], "integers": 5}})
>>> b = backward_program(p)
>>> for gl in b.lines:
...     print("\\n".join(statement(gl, CodePrinter(), p, b)))
de = np.ones_like(e)
dC = np.zeros_like(C)
np.add.at(dC, X, de)
"""

from __future__ import annotations

from typing import Any

from symbackprop.graph.array_code import CodePrinter
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Grad, Ref, Term, call

from .array_backward import BackwardProgram, GradLine
from .array_simplify import is_const

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
        inner = term.args[0]
        if is_const(inner, 1):
            full: Term = ones
        elif isinstance(inner, Call) and inner.op == "div" and is_const(inner.args[0], 1):
            full = call("div", ones, inner.args[1])  # ones_like(x) / m, not ones_like(x) * 1.0 / m
        else:
            # The small factor first, spread over the shape by one product at the end (ones
            # first, ``ones * 1 / (n - 1) * g`` would make three arrays of the full size).
            full = call("mul", inner, ones)
        return [f"{target} = {printer.doprint(full)}"]
    text = printer.doprint(term)
    if _shares_memory(term) and len(backward.contributions(gl.target)) > 1:
        # A later += must not write into the array this one is (or is a view of).
        text += ".clone()" if printer.torch else ".copy()"
    return [f"{target} = {text}"]


#: Operations whose result numpy and PyTorch may give as a view of their argument.
_VIEWS = frozenset({"reshape", "permute", "index"})


def _shares_memory(term: Term) -> bool:
    while isinstance(term, Call) and term.op in _VIEWS:
        if term.op == "index" and len(term.args) > 1:
            return False  # indexing by arrays copies
        term = term.args[0]
    return isinstance(term, (Grad, Ref))


def _scatter(gl: GradLine, term: Call, target: str, printer: CodePrinter, lib: str) -> list[str]:
    values: Term = term.args[0]
    if isinstance(values, Call) and values.op == "broadcast_to":
        values = values.args[0]  # assignment into the picked positions broadcasts
    items, arrays = term.attr("items"), term.args[1:]
    where = printer.index_text(items, arrays)
    start = [] if gl.accumulate else [f"{target} = {lib}.zeros_like({gl.target})"]
    shown = printer.doprint(values)
    if term.attr("unique", False):
        return start + [f"{target}[{where}] {'+=' if gl.accumulate else '='} {shown}"]
    kinds = [it[0] for it in items]
    if not printer.torch:
        # np.add.at takes the subscript as a tuple, so a slice is written as slice(...).
        parts = [_python_item(it, arrays, printer) for it in items]
        subscript = parts[0] if len(parts) == 1 else f"({', '.join(parts)})"
        return start + [f"np.add.at({target}, {subscript}, {shown})"]
    if set(kinds) == {"array"}:
        return start + [f"{target}.index_put_(({where},), {shown}, accumulate=True)"]
    if kinds.count("array") == 1 and set(kinds) <= {"array", "slice"} and \
            all(it[1:] == (None, None, None) for it in items if it[0] == "slice"):
        # x[:, idx] read every position of idx along one axis: index_add_ along that axis.
        axis, index = kinds.index("array"), arrays[items[kinds.index("array")][1] - 1]
        flat = printer.doprint(index) if index.ndim == 1 else f"{printer.atom(index)}.flatten()"
        if index.ndim > 1:
            shown = f"{printer.atom(values)}.flatten({axis}, {axis + index.ndim - 1})"
        return start + [f"{target}.index_add_({axis}, {flat}, {shown})"]
    # Any other subscript: the flat positions it reads, found by reading them from an arange.
    positions = f"torch.arange({gl.target}.numel()).view({gl.target}.shape)[{where}].flatten()"
    return start + [f"{target}.view(-1).index_add_(0, {positions}, {printer.atom(values)}.flatten())"]


def _python_item(item: tuple[Any, ...], arrays: tuple[Term, ...], printer: CodePrinter) -> str:
    """One position of a subscript as a Python value: ``slice(None)``, ``None``, ``3``, an array."""
    if item[0] == "slice":
        a, b, c = item[1:]
        bounds = (a, b) if c is None else (a, b, c)
        return "slice(None)" if bounds == (None, None) else f"slice({', '.join(map(str, bounds))})"
    if item[0] in ("new", "int"):
        return "None" if item[0] == "new" else str(item[1])
    return printer.index_text((("array", 1),), (arrays[item[1] - 1],))
