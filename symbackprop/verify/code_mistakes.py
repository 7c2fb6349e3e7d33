"""The mistakes students make in backward code, each found by the one repair that fixes it.

A *repair* is a small edit of the student's line: the edits of one statement live in
:mod:`.code_edits` (a ``keepdim`` kept, a sum over another axis, a transpose added or
dropped, the operands of ``@`` swapped, another array in a derivative); here are the ones
that look at all of a gradient's statements (``+=`` for ``=``, a scatter that adds at
repeated positions).  Each pattern is one function in :data:`STEP_REPAIRS` or
:data:`TARGET_REPAIRS`; :func:`repairs` tries them in order and the search (:class:`~symbackprop.verify.code_search.Search`) keeps the first that
makes the gradient right at every point.  Two mistakes are found from numbers rather than
edits: a missing path (the gradient equals the sum over some of the paths of
:meth:`BackwardProgram.contributions`) and a constant factor or sign (the gradient is
affine in a line's value, so two replays give the factor).

A new pattern: a function ``(search, step) -> Iterator[Repair]`` appended to
:data:`STEP_REPAIRS` (or ``(search) -> ...`` to :data:`TARGET_REPAIRS`), its kind added to
:data:`CODE_MISTAKES`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction
from itertools import combinations

import numpy as np

from symbackprop.derive.backward_code import statement
from symbackprop.graph.terms import Grad, walk
from symbackprop.read.cell import Step

from .code_edits import (
    Repair, dropped_keepdim, edit, extra_transpose, missing_sum, missing_transpose, statement_values, swapped_operands,
    with_value, wrong_array, wrong_axis, wrong_gradient,
)
from .code_search import Search, aligned, close

__all__ = ["Repair", "CODE_MISTAKES", "STEP_REPAIRS", "TARGET_REPAIRS", "repairs", "scaled"]

#: The mistakes named, in the order they are tried (``shape`` and ``unknown`` when no repair works).
CODE_MISTAKES = (
    "overwrite", "missing_path", "dropped_keepdim", "wrong_axis", "missing_sum", "missing_transpose",
    "extra_transpose", "swapped_operands", "wrong_array", "wrong_gradient", "sign", "constant_factor",
    "shared_array", "follows_from", "shape", "unknown",
)


# ----- target-level: a second assignment, repeated positions, a missing path
def overwrite(search: Search) -> Iterator[Repair]:
    writes = search.cell.writes(search.var)
    loops = {id(s) for loop in search.cell.walk() if loop.kind == "loop" for s in loop.walk() if s is not loop}
    for k, step in enumerate(writes):
        if step.kind == "assign" and k > 0:
            fixed = replace(step, kind="update", op="add", copied=False)
            yield Repair("overwrite", step, (fixed,),
                         f"line {step.lineno} assigns {step.name} again with =, which throws away what line "
                         f"{writes[k - 1].lineno} put in it; the paths into {search.name} add up",
                         f"add to it: {fixed.code}")
        if step.kind == "setitem" and step.op in (None, "add"):
            if step.op is None and id(step) in loops:
                fixed = replace(step, op="add")
                yield Repair("overwrite", step, (fixed,),
                             f"{step.code} replaces the entries each time the loop comes back to a position; the "
                             "gradient adds up every time a position is picked", f"add to them: {fixed.code}")
            torch = search.cell.dialect == "torch"
            index = step.index if not torch or isinstance(step.index, ast.Tuple) else ast.Tuple([step.index], ast.Load())
            fixed = replace(step, kind="addat", op="add", index=index, spelling="index_put_" if torch else "np.add.at")
            yield Repair("overwrite", step, (fixed,),
                         f"{step.code} writes each picked position once, even where the same position is picked "
                         "several times (NumPy and PyTorch keep one write); the gradient adds up every pick",
                         f"add at every position: {fixed.code}")


def missing_path(search: Search) -> Iterator[Repair]:
    own = search.value(search.base)
    parts = search.contributions(0)
    truth = search.truth(0)
    if len(parts) < 2 or len(parts) > 6 or not isinstance(own, np.ndarray) or aligned(own, truth) is None:
        return
    for size in range(len(parts) - 1, 0, -1):
        for kept in combinations(range(len(parts)), size):
            if not close(own, sum(parts[k][1] for k in kept)):
                continue
            if not all(close(search.value(search.replay(search.cell, j)),
                             sum(search.contributions(j)[k][1] for k in kept)) for j in range(1, len(search.points))):
                continue
            missing = [parts[k][0] for k in range(len(parts)) if k not in kept]
            yield _path_repair(search, [parts[k][0].via for k in kept], missing)
            return


def _path_repair(search: Search, kept: list[str], missing: list[object]) -> Repair:
    forward = search.program.forward
    readers = [forward.line(v).source for v in search.program.backward.vias(search.name)]  # type: ignore[union-attr]
    words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    vias = [m.via for m in missing]  # type: ignore[attr-defined]
    hint = (f"{search.name} is read by {words.get(len(readers), len(readers))} lines of the forward pass "
            f"({'; '.join(readers)}); {search.var} has the path through {' and '.join(kept)} but not through "
            f"{' and '.join(vias)}")
    printer = search.program.code_printer("torch" if search.cell.dialect == "torch" else "numpy")
    added: list[str] = []
    for gl in missing:
        added += statement(replace(gl, accumulate=True), printer, forward, search.program.backward)  # type: ignore[type-var]
    step = search.cell.writes(search.var)[-1]
    # The added line goes where everything it reads is computed.
    inputs = {search.program.grad_names.get(g.name, "") for gl in missing for g in walk(gl.term)  # type: ignore[attr-defined]
              if isinstance(g, Grad)}
    after = max([step.lineno, *(w.lineno for v in inputs for w in search.cell.writes(v))])
    return Repair("missing_path", step, (step,), hint, f"add the path through {' and '.join(vias)} after line {after}: "
                  + "; ".join(added), tuple(added))


#: Edits of one statement, in the order they are tried.
STEP_REPAIRS: tuple[Callable[[Search, Step], Iterator[Repair]], ...] = (
    dropped_keepdim, wrong_axis, missing_sum, missing_transpose, extra_transpose, swapped_operands, wrong_array,
    wrong_gradient,
)
#: Repairs that look at every statement of the gradient, tried first.
TARGET_REPAIRS: tuple[Callable[[Search], Iterator[Repair]], ...] = (overwrite, missing_path)


def repairs(search: Search) -> Iterator[Repair]:
    """Every candidate repair of the gradient's statements, most specific first."""
    yield from (r for fn in TARGET_REPAIRS for r in fn(search))
    for step in search.cell.writes(search.var):
        for fn in STEP_REPAIRS:
            yield from fn(search, step)


# ----- a constant factor or a sign, from two replays
def scaled(search: Search) -> Iterator[Repair]:
    """The statement whose value, times a constant, makes the gradient right."""
    base = search.value(search.base)
    truth = search.truth(0)
    one = aligned(base, truth) if isinstance(base, np.ndarray) else None
    if one is None:
        return
    for step in search.cell.writes(search.var):
        if step.value is None:
            continue
        zero = search.value(search.replay(search.cell.replaced(step, (with_value(step, _times(Fraction(0), step.value, {})),)), 0))
        zero_a = aligned(zero, truth) if isinstance(zero, np.ndarray) else None
        if zero_a is None:
            continue
        d = one - zero_a
        dd = float(np.sum(d * d))
        if not np.isfinite(dd) or dd < 1e-300:
            continue
        k = float(np.sum(d * (truth - zero_a)) / dd)
        fraction = Fraction(k).limit_denominator(10_000)
        if fraction in (0, 1) or abs(float(fraction) - k) > 1e-9 * max(1.0, abs(k)):
            continue
        if not close(zero_a + float(fraction) * d, truth):
            continue
        yield _factor_repair(search, step, fraction)


def _times(k: Fraction, value: ast.expr, counts: dict[int, str]) -> ast.expr:
    if k == -1:
        return ast.UnaryOp(op=ast.USub(), operand=value)
    factor = _count(k.numerator, counts)
    if k.denominator != 1:
        factor = ast.BinOp(left=factor, op=ast.Div(), right=_count(k.denominator, counts))
    return ast.BinOp(left=factor, op=ast.Mult(), right=value)


def _count(n: int, counts: dict[int, str]) -> ast.expr:
    """``n`` as the program writes it: ``m`` for the batch, ``(n - 1)`` for 31 when n is 32."""
    if n in counts and n != 1:
        return ast.Name(id=counts[n], ctx=ast.Load())
    if n + 1 in counts and n > 1:
        return ast.BinOp(left=ast.Name(id=counts[n + 1], ctx=ast.Load()), op=ast.Sub(), right=ast.Constant(1))
    return ast.Constant(n)


def _factor_repair(search: Search, step: Step, k: Fraction) -> Repair:
    c = 1 / k  # the student's factor
    fixed = _substituted(search, step) or with_value(step, _times(k, step.value, search.program.counts))  # type: ignore[arg-type]
    if c == -1:
        return Repair("sign", step, (fixed,), f"the sign of line {step.lineno} is flipped", f"flip it: {fixed.code}")
    return Repair("constant_factor", step, (fixed,), _factor_words(c, search.program.counts),
                  f"scale it: {fixed.code}")


def _factor_words(c: Fraction, counts: dict[int, str]) -> str:
    """Why a line is ``c`` times the gradient, in the program's own constants where they explain it."""
    for n, name in counts.items():
        if n < 2:
            continue
        if c == Fraction(n - 1, n):
            return (f"the line is ({name} − 1)/{name} = {c} times the gradient: it divides by {name} where the "
                    f"forward pass divides by {name} − 1 (Bessel's correction)")
        if c == Fraction(n, n - 1):
            return (f"the line is {name}/({name} − 1) = {c} times the gradient: it divides by {name} − 1 where the "
                    f"forward pass divides by {name}")
        if c == n:
            return (f"the line is {name} = {n} times the gradient: the forward pass divides by {name} (a mean), and "
                    f"the line leaves the 1/{name} out")
        if c == Fraction(1, n):
            return f"the line is 1/{name} = {c} times the gradient: it divides by {name} once too often"
    return f"the line is {c} times the gradient"


def _substituted(search: Search, step: Step) -> Step | None:
    """``n`` for ``n - 1`` or the reverse, when that alone makes the line right."""
    names = set(search.program.counts.values())
    for path, node in statement_values(step):
        new: ast.expr | None = None
        if isinstance(node, ast.Name) and node.id in names:
            new = ast.BinOp(left=ast.Name(id=node.id, ctx=ast.Load()), op=ast.Sub(), right=ast.Constant(1))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and isinstance(node.left, ast.Name) \
                and node.left.id in names and isinstance(node.right, ast.Constant) and node.right.value == 1:
            new = ast.Name(id=node.left.id, ctx=ast.Load())
        if new is not None:
            fixed = with_value(step, edit(step.value, path, new))  # type: ignore[arg-type]
            if search.right(search.cell.replaced(step, (fixed,))):
                return fixed
    return None
