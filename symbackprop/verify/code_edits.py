"""Edits of one statement of a backward cell, each the repair of one kind of mistake.

An edit changes the statement's syntax tree (so the repaired line keeps the student's
spelling, and a line that fails its shapes can be repaired too): a ``keepdim`` kept, a sum
over another axis or a sum added over the axes a forward broadcast stretched, a transpose
added or dropped, the operands of ``@`` swapped, another array in a derivative
(``1 - hpreact**2`` for ``1 - h**2``), another gradient.  Each function yields candidates
with the mistake in words; :mod:`.code_mistakes` keeps the first that makes the gradient
right.  Shapes in the words come from the line read with correct inputs
(:meth:`~symbackprop.verify.code_search.Search.shape_of`).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from symbackprop.graph.terms import Call, names_in
from symbackprop.read.cell import Step

from .code_search import Search

__all__ = ["Repair", "edit", "with_value", "statement_values", "transposed", "dropped_keepdim", "wrong_axis",
           "missing_sum", "missing_transpose", "extra_transpose", "swapped_operands", "wrong_array",
           "wrong_gradient"]


@dataclass(frozen=True)
class Repair:
    """One repair: the statement at fault, what replaces it, and the mistake in words.

    Attributes:
        kind: one of :data:`CODE_MISTAKES`.
        step: the student's statement at fault.
        new: the statements that replace it.
        hint: the mistake in words, without the answer.
        fix: what the repair does, with the corrected code (shown with full feedback).
        added: code added after the statement (a missing path), already known right.
    """

    kind: str
    step: Step
    new: tuple[Step, ...]
    hint: str
    fix: str
    added: tuple[str, ...] = ()

    @property
    def lines(self) -> tuple[str, ...]:
        """The corrected code: the repaired statement(s) and any line added."""
        if self.added:
            return self.added
        return tuple(s.code for s in self.new)


# ----- syntax trees
def _nodes(tree: ast.AST, path: tuple = ()) -> Iterator[tuple[tuple, ast.AST]]:
    yield path, tree
    for fld, value in ast.iter_fields(tree):
        if isinstance(value, ast.AST) and isinstance(value, ast.expr):
            yield from _nodes(value, path + ((fld, None),))
        elif isinstance(value, list):
            for k, item in enumerate(value):
                if isinstance(item, ast.expr):
                    yield from _nodes(item, path + ((fld, k),))
                elif isinstance(item, ast.keyword):
                    yield from _nodes(item.value, path + ((fld, k), ("value", None)))


def edit(tree: ast.expr, path: tuple, new: ast.expr) -> ast.expr:
    """``tree`` with the node at ``path`` replaced by ``new``; the changed nodes lose their
    place in the source, so they print as what they now are."""
    if not path:
        return new
    root = copy.deepcopy(tree)
    node: ast.AST = root
    for fld, k in path[:-1]:
        _unplace(node)
        node = getattr(node, fld) if k is None else getattr(node, fld)[k]
    _unplace(node)
    fld, k = path[-1]
    if k is None:
        setattr(node, fld, new)
    else:
        getattr(node, fld)[k] = new
    return root


def _unplace(node: ast.AST) -> None:
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if hasattr(node, attr):
            delattr(node, attr)


def _text(search: Search, node: ast.AST) -> str:
    try:
        return ast.get_source_segment(search.cell.code, node) or ast.unparse(node)
    except IndexError:
        return ast.unparse(node)


def _shape_words(shape: tuple[int, ...] | None) -> str:
    return "?" if shape is None else str(tuple(shape))


def with_value(step: Step, value: ast.expr) -> Step:
    """``step`` with a new right side; names it now reads join ``reads`` (the run binds the
    cell's own variables among them)."""
    names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return replace(step, value=value, reads=step.reads | names)


def statement_values(step: Step) -> Iterator[tuple[tuple, ast.AST]]:
    if step.value is not None:
        yield from _nodes(step.value)


# ----- reductions and their axes
_REDUCE = ("sum", "mean")


def _reduction(node: ast.AST) -> tuple[bool, ast.expr] | None:
    """``(is a method, the array reduced)`` for ``x.sum(...)``/``np.sum(x, ...)``."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or node.func.attr not in _REDUCE:
        return None
    base = node.func.value
    if isinstance(base, ast.Name) and base.id in ("np", "torch", "numpy"):
        return (False, node.args[0]) if node.args else None
    return True, base


def _axis_at(node: ast.Call, method: bool) -> tuple[str, int | str | None]:
    """Where the axis argument is: ``("arg", position)``, ``("kw", name)`` or ``("none", None)``."""
    for k, kw in enumerate(node.keywords):
        if kw.arg in ("axis", "dim"):
            return "kw", k
    pos = 0 if method else 1
    return ("arg", pos) if len(node.args) > pos else ("none", None)


def _keep_word(search: Search, node: ast.Call) -> str:
    for kw in node.keywords:
        if kw.arg in ("keepdim", "keepdims"):
            return kw.arg
    return "keepdim" if search.cell.dialect == "torch" else "keepdims"


def _callwith_value(node: ast.Call, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
    return ast.Call(func=node.func, args=args, keywords=keywords)


def _keep(node: ast.Call, word: str) -> ast.Call:
    keywords = [kw for kw in node.keywords if kw.arg not in ("keepdim", "keepdims")]
    return _callwith_value(node, list(node.args), [*keywords, ast.keyword(arg=word, value=ast.Constant(True))])


def dropped_keepdim(search: Search, step: Step) -> Iterator[Repair]:
    for path, node in statement_values(step):
        found = _reduction(node)
        if found is None or _axis_at(node, found[0])[0] == "none":  # type: ignore[arg-type]
            continue
        keeps = [kw for kw in node.keywords if kw.arg in ("keepdim", "keepdims")]  # type: ignore[attr-defined]
        if keeps and isinstance(keeps[0].value, ast.Constant) and keeps[0].value.value is True:
            continue
        new = _keep(node, _keep_word(search, node))  # type: ignore[arg-type]
        got, want = search.shape_of(step, node), search.shape_of(step, new)  # type: ignore[arg-type]
        text = _text(search, node)
        hint = (f"{text} drops the axis it sums over (shape {_shape_words(got)}, not {_shape_words(want)}), so "
                "it no longer lines up with the array it came from when it is broadcast")
        fixed = with_value(step, edit(step.value, path, new))  # type: ignore[arg-type]
        yield Repair("dropped_keepdim", step, (fixed,), hint, f"keep the axis: {fixed.code}")


def wrong_axis(search: Search, step: Step) -> Iterator[Repair]:
    for path, node in statement_values(step):
        found = _reduction(node)
        if found is None:
            continue
        method, base = found
        shape = search.shape_of(step, base)
        if not shape:
            continue
        where, at = _axis_at(node, method)  # type: ignore[arg-type]
        current = None
        if where == "kw":
            value = node.keywords[at].value  # type: ignore[attr-defined, index]
            current = value.value if isinstance(value, ast.Constant) else None
        elif where == "arg":
            value = node.args[at]  # type: ignore[attr-defined, index]
            current = value.value if isinstance(value, ast.Constant) else None
        for axis in range(len(shape)):
            if current is not None and axis % len(shape) == current % len(shape):
                continue
            args, keywords = list(node.args), list(node.keywords)  # type: ignore[attr-defined]
            if where == "kw":
                keywords[at] = ast.keyword(arg=keywords[at].arg, value=ast.Constant(axis))  # type: ignore[index]
            elif where == "arg":
                args[at] = ast.Constant(axis)  # type: ignore[index]
            else:
                args.insert(0 if method else 1, ast.Constant(axis))
            text = _text(search, node)
            said = f"over axis {current}" if current is not None else "over every axis"
            fixed = with_value(step, edit(step.value, path, _callwith_value(node, args, keywords)))  # type: ignore[arg-type]
            yield Repair("wrong_axis", step, (fixed,), f"{text} sums {said} of {_shape_words(shape)}, the wrong axis",
                         f"sum over axis {axis}: {fixed.code}")


def missing_sum(search: Search, step: Step) -> Iterator[Repair]:
    if step.kind not in ("assign", "update") or step.value is None:
        return
    got = search.shape_of(step, step.value)
    want = search.shape
    if step.kind == "update":
        written = search.base.values.get(step.name)
        want = tuple(np.shape(written)) if written is not None else want
    if got is None or got == want or len(got) < len(want):
        return
    lead = len(got) - len(want)
    if any(w != 1 and w != g for w, g in zip(want, got[lead:])):
        return
    ones = tuple(lead + k for k, w in enumerate(want) if w == 1 and got[lead + k] != 1)
    value: ast.expr = step.value
    word = "keepdim" if search.cell.dialect == "torch" else "keepdims"
    if lead:
        value = _sum(value, tuple(range(lead)), None)
    if ones:
        value = _sum(value, tuple(a - lead for a in ones), word)
    axes = tuple(range(lead)) + ones
    fixed = with_value(step, value)
    forward = _broadcast_line(search)
    hint = (f"{step.text.split('=', 1)[-1].strip()[:60]} has shape {_shape_words(got)} and {search.var} has "
            f"{_shape_words(want)}: {search.name} was broadcast over axis {', '.join(map(str, axes))}"
            f"{forward}, and a broadcast in the forward pass is a sum in the backward pass")
    yield Repair("missing_sum", step, (fixed,), hint, f"sum over axis {', '.join(map(str, axes))}: {fixed.code}")


def _sum(value: ast.expr, axes: tuple[int, ...], keep: str | None) -> ast.expr:
    axis: ast.expr = ast.Constant(axes[0]) if len(axes) == 1 else ast.Tuple([ast.Constant(a) for a in axes], ast.Load())
    keywords = [ast.keyword(arg=keep, value=ast.Constant(True))] if keep else []
    return ast.Call(func=ast.Attribute(value=value, attr="sum", ctx=ast.Load()), args=[axis], keywords=keywords)


def _broadcast_line(search: Search) -> str:
    for via in search.program.backward.vias(search.name):
        if any(n.kind == "broadcast" and n.name == search.name for n in search.program.notes(via)):
            line = search.program.forward.line(via)
            return f" in {line.source}" if line is not None else ""
    return ""


def _matmul_operands(step: Step) -> Iterator[tuple[tuple, ast.AST]]:
    for path, node in statement_values(step):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            yield path + (("left", None),), node.left
            yield path + (("right", None),), node.right


def transposed(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return node.value
    return ast.Attribute(value=node, attr="T", ctx=ast.Load())


def missing_transpose(search: Search, step: Step) -> Iterator[Repair]:
    if step.value is None:
        return
    candidates = [((), step.value), *_matmul_operands(step)]
    for path, node in candidates:
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
            continue
        new = transposed(node)
        if not path and isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            new = ast.BinOp(left=transposed(node.right), op=ast.MatMult(), right=transposed(node.left))  # (AB)ᵀ = BᵀAᵀ
        fixed = with_value(step, edit(step.value, path, new))  # type: ignore[arg-type]
        text = _text(search, node)
        if not path:
            hint = (f"{text} is the transpose of {search.var}: a gradient has the shape of its array, "
                    f"{_shape_words(search.shape)} for {search.name}")
        else:
            hint = f"a transpose is missing: {text} (shape {_shape_words(search.shape_of(step, node))}) enters the product as it is"
        yield Repair("missing_transpose", step, (fixed,), hint, f"transpose it: {fixed.code}")


def extra_transpose(search: Search, step: Step) -> Iterator[Repair]:
    for path, node in statement_values(step):
        inner = None
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
            inner = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("t", "transpose") \
                and not node.args and not node.keywords:
            inner = node.func.value
        if inner is None:
            continue
        fixed = with_value(step, edit(step.value, path, inner))  # type: ignore[arg-type]
        yield Repair("extra_transpose", step, (fixed,), f"the transpose in {_text(search, node)} does not belong",
                     f"drop it: {fixed.code}")


def swapped_operands(search: Search, step: Step) -> Iterator[Repair]:
    for path, node in statement_values(step):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
            continue
        left, right = node.right, node.left
        for a, b in ((left, right), (transposed(left), transposed(right)), (transposed(left), right),
                     (left, transposed(right))):
            fixed = with_value(step, edit(step.value, path, ast.BinOp(left=a, op=ast.MatMult(), right=b)))  # type: ignore[arg-type]
            yield Repair("swapped_operands", step, (fixed,),
                         f"the operands of @ in {_text(search, node)} are the wrong way round",
                         f"swap them: {fixed.code}")


def _neighbours(search: Search, name: str) -> list[str]:
    """Forward names of ``name``'s shape on a line next to it: read by its line, or reading it."""
    program = search.program.forward
    if program.line(name) is None and program.leaf(name) is None:
        return []
    shape, out = program.shape(name), []
    own = program.line(name)
    for other in program.names:
        if other == name or program.dtype(other) != "float" or program.shape(other) != shape:
            continue
        line = program.line(other)
        if (line is not None and name in names_in(line.term)) or (own is not None and other in names_in(own.term)):
            out.append(other)
    return out


def wrong_array(search: Search, step: Step) -> Iterator[Repair]:
    program = search.program.forward
    for path, node in statement_values(step):
        if not isinstance(node, ast.Name) or node.id not in program.names or node.id in search.cell.targets:
            continue
        for other in _neighbours(search, node.id):
            fixed = with_value(step, edit(step.value, path, ast.Name(id=other, ctx=ast.Load())))  # type: ignore[arg-type]
            line = program.line(other) or program.line(node.id)
            how = f" ({line.source})" if line is not None else ""
            kind = "the derivative is taken at" if _elementwise(line) else "the line uses"
            yield Repair("wrong_array", step, (fixed,), f"{kind} the wrong array: {node.id}{how}",
                         f"use {other}: {fixed.code}")


def _elementwise(line: object) -> bool:
    term = getattr(line, "term", None)
    return isinstance(term, Call) and term.op in ("tanh", "sigmoid", "exp", "relu", "log", "sqrt", "softplus",
                                                  "leaky_relu", "pow")


def wrong_gradient(search: Search, step: Step) -> Iterator[Repair]:
    variables = {**search.cell.targets, **search.cell.given}
    names = {n: v for v, n in variables.items()}
    for path, node in statement_values(step):
        if not isinstance(node, ast.Name) or node.id not in variables or node.id == search.var:
            continue
        for other in _neighbours(search, variables[node.id]):
            if other not in names:
                continue
            fixed = with_value(step, edit(step.value, path, ast.Name(id=names[other], ctx=ast.Load())))  # type: ignore[arg-type]
            yield Repair("wrong_gradient", step, (fixed,), f"{node.id} is the gradient of the wrong array here",
                         f"use {names[other]}: {fixed.code}")
