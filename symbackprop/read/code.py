"""Reading NumPy and PyTorch code into an array program, without running it.

The code is parsed by Python's :mod:`ast` and walked over a stated subset; nothing reaches
``exec``, ``eval`` or ``compile``.  What is read:

* statements: ``name = expression`` (each name assigned once), ``B, T, C = x.shape`` (sizes
  as numbers), and ``import`` of numpy, torch, ``torch.nn.functional`` and math (noted only);
* arithmetic with broadcasting (``+ - * / ** @``, unary minus), comparisons (masks);
* the calls and methods of :mod:`symbackprop.read.code_calls` in NumPy and PyTorch
  spellings alike (``np.exp(x)``, ``torch.exp(x)``, ``x.exp()``);
* indexing: integer-array gathers (``C[Xb]``, ``x[range(n), Y]``), slices, ``None``;
* numbers: literals, the spec's named constants (``n``), ``x.shape[0]``, ``len(x)``,
  ``range(n)``, ``float('-inf')``, ``math.sqrt(d)``.

Every line's shapes are checked as it is read; an error names the line and column and the
shapes involved.  A line over the limits (:data:`MAX_CODE_CHARS`, :data:`MAX_CODE_LINES`,
:data:`MAX_NESTING`, :data:`MAX_ARRAY_ENTRIES`) is refused before any work.

>>> p = read_program("h = np.tanh(x @ W + b)\\nloss = (h ** 2).mean()",
...                  {"x": [4, 3], "W": [3, 2], "b": [2]})
>>> [(ln.name, ln.shape) for ln in p.lines]
[('h', (4, 2)), ('loss', ())]
>>> read_program("h = x @ W", {"x": [4, 3], "W": [4, 2]})
Traceback (most recent call last):
    ...
symbackprop.errors.CodeError: line 1, column 5: x @ W is (4, 3) @ (4, 2): inner dimensions differ (3 versus 4)
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import Any

from symbackprop.errors import CodeError, GraphError
from symbackprop.graph.array_ops import ShapeError, shape_text
from symbackprop.graph.array_program import ArrayProgram, Leaf, Line
from symbackprop.graph.terms import Const, Ref, Term, call, names_in

from .code_calls import BUILTINS, CALLS, CONSTANTS, HELPER_FUNCTIONS, METHODS, Module, Num, Pair, as_term, bound_of, dialect_of
from .code_limits import MAX_ARRAY_ENTRIES, MAX_CODE_CHARS, MAX_CODE_LINES, MAX_NESTING, MAX_TOTAL_ENTRIES, check_loss, check_size, construct, parse
from .code_index import index_term
from .code_spec import check_values, leaves_from_shapes

__all__ = ["read_program", "MAX_CODE_CHARS", "MAX_CODE_LINES", "MAX_NESTING", "MAX_ARRAY_ENTRIES",
           "MAX_TOTAL_ENTRIES"]

#: Modules the code may import, and the names they are usually imported as.
MODULES = {"numpy": "np", "torch": "torch", "torch.nn.functional": "F", "math": "math"}

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.MatMult: "matmul"}
_COMPARE = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge"}
_PYTHON_NUMBER_OPS = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__,
                      ast.FloorDiv: int.__floordiv__, ast.Mod: int.__mod__}


class _Reader:
    """Walks the statements of one program; ``env`` maps every name to its value so far."""

    def __init__(self, code: str, leaves: tuple[Leaf, ...]) -> None:
        self.code = code
        self.leaves = leaves
        # The usual aliases need no import: a notebook cell imports them once, elsewhere.
        self.env: dict[str, Any] = {alias: Module(alias) for alias in ("np", "torch", "F", "math")}
        self.int_leaves = {leaf.name for leaf in leaves if leaf.kind == "int"}
        self.bounds: dict[str, int] = {}
        for leaf in leaves:
            if leaf.kind == "const":
                assert leaf.value is not None
                self.env[leaf.name] = Num(leaf.value, Ref(leaf.name, (), leaf.dtype))
            else:
                self.env[leaf.name] = Ref(leaf.name, leaf.shape, leaf.dtype)
                if leaf.bound is not None:
                    self.bounds[leaf.name] = leaf.bound
        self.lines: list[Line] = []
        self.total = 0
        self.dialect = "either"

    # ----- errors
    def fail(self, node: ast.AST, message: str) -> CodeError:
        return CodeError(message, getattr(node, "lineno", None), getattr(node, "col_offset", -1) + 1)

    def text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.code, node) or ast.unparse(node)

    # ----- statements
    def program(self, tree: ast.Module) -> list[Line]:
        self.dialect = dialect_of(tree)
        for stmt in tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.imports(stmt)
            elif isinstance(stmt, ast.Assign):
                self.assign(stmt)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # a docstring or comment string
            else:
                raise self.fail(stmt, f"{construct(stmt)} is not read; a forward pass is lines 'name = expression'")
        return self.lines

    def imports(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.ImportFrom):
            if stmt.module == "torch.nn" and [a.name for a in stmt.names] == ["functional"]:
                self.env[stmt.names[0].asname or "functional"] = Module("F")
                return
            raise self.fail(stmt, f"'from {stmt.module} import ...' is not read; write 'import numpy as np', "
                                  "'import torch' or 'import torch.nn.functional as F'")
        for alias in stmt.names:
            if alias.name not in MODULES:
                raise self.fail(stmt, f"import {alias.name!r} is not read; the code may use {', '.join(MODULES)}")
            if alias.asname is None and "." in alias.name:
                self.env[alias.name.split(".")[0]] = Module("torch")
            else:
                self.env[alias.asname or alias.name] = Module(MODULES[alias.name])

    def assign(self, stmt: ast.Assign) -> None:
        target = stmt.targets[0]
        if len(stmt.targets) == 1 and isinstance(target, ast.Tuple) and all(type(e) is ast.Name for e in target.elts):
            sizes = self.expr(stmt.value)  # B, T, C = x.shape: names for sizes, as numbers
            if not isinstance(sizes, tuple) or len(sizes) != len(target.elts):
                got = shape_text(sizes) if isinstance(sizes, tuple) else "no shape"
                raise self.fail(stmt, f"{self.text(stmt.value)} is unpacked into {len(target.elts)} names: expected a "
                                      f"shape with {len(target.elts)} axes, received {got}")
            for name, n in zip(target.elts, sizes):
                self.fresh(stmt, name.id)
                self.env[name.id] = Num(n, Const(n, (), "int"))
            return
        if len(stmt.targets) != 1 or not isinstance(target, ast.Name):
            raise self.fail(stmt, "only 'name = expression' is read (one plain name on the left)")
        name = target.id
        self.fresh(stmt, name)
        value = self.expr(stmt.value)
        if isinstance(value, Pair):
            raise self.fail(stmt.value, f"{self.text(stmt.value)} is a (values, indices) pair in PyTorch; "
                                        "take .values or .indices")
        term = as_term(value)
        if term is None:
            raise self.fail(stmt.value, f"{self.text(stmt.value)} is not an array or a number")
        self.total += (size := math.prod(term.shape))
        if size > MAX_ARRAY_ENTRIES or self.total > MAX_TOTAL_ENTRIES:
            raise self.fail(stmt, f"{name} has shape {shape_text(term.shape)} ({size:,} entries); at most "
                                  f"{MAX_ARRAY_ENTRIES:,} per array and {MAX_TOTAL_ENTRIES:,} in all are computed")
        line = Line(name, term, self.text(stmt.value), stmt.lineno, stmt.col_offset + 1)
        self.lines.append(line)
        self.env[name] = Ref(name, term.shape, term.dtype)
        bound = bound_of(term, self.bounds)
        if bound is not None:
            self.bounds[name] = bound

    def fresh(self, stmt: ast.stmt, name: str) -> None:
        """Refuse a second assignment of ``name``, so that ``dname`` means one gradient."""
        if name in self.env:
            what = "a module" if isinstance(self.env[name], Module) else "a leaf of the program" if any(
                leaf.name == name for leaf in self.leaves) else "assigned above"
            raise self.fail(stmt, f"{name!r} is {what}; give each line a name of its own, so that d{name} "
                                  "means one gradient")

    # ----- expressions
    def expr(self, node: ast.expr) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"{construct(node)} is not read in a forward pass")
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if isinstance(v, (bool, str)) or v is None:
                return v
            raise self.fail(node, f"{v!r} is not a number the code may use")
        if isinstance(v, float) and not math.isfinite(v):  # 1e400 overflows as Python reads it
            raise self.fail(node, f"{self.text(node)} is not a finite number; write float('inf') for an infinity")
        return Num(v, Const(v, (), "int" if isinstance(v, int) else "float"))

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in BUILTINS or node.id in HELPER_FUNCTIONS:
            return Module("builtins", node.id)
        raise self.fail(node, f"{node.id!r} is used before it is assigned, and it is not in program.shapes")

    def _Attribute(self, node: ast.Attribute) -> Any:
        base = self.expr(node.value)
        if isinstance(base, Module):
            if base.attr is None and (base.name, node.attr) in CONSTANTS:
                return CONSTANTS[base.name, node.attr]
            if base.attr is None:
                return Module(base.name, node.attr)
            raise self._no(node)
        if isinstance(base, Pair):
            if node.attr in ("values", "indices"):
                return base.values if node.attr == "values" else base.indices
            raise self.fail(node, f"a (values, indices) pair has no attribute {node.attr!r}")
        term = as_term(base)
        if term is None:
            raise self._no(node)
        if node.attr in ("T", "mT"):
            if node.attr == "mT" and term.ndim < 2:
                raise self.fail(node, f"{self.text(node.value)}.mT needs two axes")
            perm = tuple(reversed(range(term.ndim))) if node.attr == "T" else \
                (*range(term.ndim - 2), term.ndim - 1, term.ndim - 2)
            return self.op(node, "permute", [term], [self.text(node.value)], perm=perm)
        if node.attr == "shape":
            return tuple(term.shape)
        if node.attr == "ndim":
            return Num(term.ndim, Const(term.ndim, (), "int"))
        return _Bound(self, term, node.attr, node)

    def _no(self, node: ast.AST) -> CodeError:
        return self.fail(node, f"{self.text(node)} is not read in a forward pass")

    def _Call(self, node: ast.Call) -> Any:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise self.fail(node, "*args and **kwargs are not read; write the arguments out")
        callee = self.expr(node.func)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords}
        texts = [self.text(a) for a in node.args]
        if isinstance(callee, _Bound):
            handler = METHODS.get(callee.attr)
            if handler is None:
                raise self.fail(node, f"the method .{callee.attr}() is not read; see the docs (Programs and backward code) for what is")
            return handler(_Site(self, node, texts, self.text(node.func.value)), callee.term, args, kwargs)  # type: ignore[attr-defined]
        if isinstance(callee, Module) and callee.attr is not None:
            handler = CALLS.get((callee.name, callee.attr)) or CALLS.get(("*", callee.attr))
            if handler is None:
                prefix = "" if callee.name == "builtins" else callee.name + "."
                raise self.fail(node, f"{prefix}{callee.attr}() is not read; see the docs (Programs and backward code) for the calls that are")
            return handler(_Site(self, node, texts, None), None, args, kwargs)
        raise self.fail(node, f"{self.text(node.func)} is not a function the code may call")

    def _Subscript(self, node: ast.Subscript) -> Any:
        base = self.expr(node.value)
        if isinstance(base, tuple):  # x.shape[0]
            k = self.expr(node.slice)
            if not isinstance(k, Num) or not isinstance(k.value, int) or not -len(base) <= k.value < len(base):
                raise self.fail(node, f"{self.text(node)}: expected an axis of {shape_text(base)}")
            return Num(base[k.value], Const(base[k.value], (), "int"))
        if isinstance(base, Pair):
            k = self.expr(node.slice)
            if isinstance(k, Num) and k.value in (0, 1):
                return base.values if k.value == 0 else base.indices
            raise self.fail(node, "a (values, indices) pair takes [0] or [1]")
        term = as_term(base)
        if term is None:
            raise self._no(node)
        return index_term(_Site(self, node, [self.text(node.value)], None), term, node.slice)

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(left, Num) and isinstance(right, Num):
            return self.number(node, left, right)
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise self.fail(node, f"the operator {construct(node.op)} is not read on arrays")
        texts = [self.text(node.left), self.text(node.right)]
        terms = [self.array(node.left, left), self.array(node.right, right)]
        for t, text in zip(terms, texts):
            if isinstance(t, Ref) and t.name in self.int_leaves:
                raise self.fail(node, f"{text} holds integers (indices in [0, {self.bounds[t.name]})) and is used "
                                      f"as a float array in {self.text(node)}; index with it (C[{text}]) or "
                                      f"one_hot it")
        return self.op(node, op, terms, texts)

    def number(self, node: ast.BinOp, left: Num, right: Num) -> Num:
        """Arithmetic of two numbers: the value now, and the term to print (``1/n``)."""
        a, b = left.value, right.value
        kind = type(node.op)
        if isinstance(a, int) and isinstance(b, int) and kind in _PYTHON_NUMBER_OPS:
            if kind in (ast.FloorDiv, ast.Mod) and b == 0:
                raise self.fail(node, f"{self.text(node)} divides by zero")
            value: float | int = _PYTHON_NUMBER_OPS[kind](a, b)
            if abs(value) > 10**12:
                raise self.fail(node, f"{self.text(node)} is {value:.3g}; numbers in the code are at most 1e12")
        else:
            try:
                value = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__,
                         ast.Div: float.__truediv__, ast.Pow: float.__pow__}[kind](float(a), float(b))
            except KeyError:
                raise self.fail(node, f"the operator {construct(node.op)} is not read") from None
            except (ZeroDivisionError, OverflowError):
                raise self.fail(node, f"{self.text(node)} is not a finite number") from None
            if isinstance(value, complex) or value != value:
                raise self.fail(node, f"{self.text(node)} is not a real number")
            if math.isinf(value) and math.isfinite(a) and math.isfinite(b):
                raise self.fail(node, f"{self.text(node)} is not a finite number")
        op = _BINOPS.get(kind)
        term = call(op, left.term, right.term) if op else Const(value, (), "int" if isinstance(value, int) else "float")
        return Num(value, term)

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.expr(node.operand)
        if isinstance(node.op, ast.UAdd):
            return value
        if not isinstance(node.op, ast.USub):
            raise self.fail(node, f"the operator {construct(node.op)} is not read")
        if isinstance(value, Num):
            return Num(-value.value, call("neg", value.term))
        return self.op(node, "neg", [self.array(node.operand, value)], [self.text(node.operand)])

    def _Compare(self, node: ast.Compare) -> Any:
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
            raise self.fail(node, "one comparison (==, !=, <, <=, >, >=) at a time is read")
        left, right = self.expr(node.left), self.expr(node.comparators[0])
        texts = [self.text(node.left), self.text(node.comparators[0])]
        return self.op(node, _COMPARE[type(node.ops[0])],
                       [self.array(node.left, left), self.array(node.comparators[0], right)], texts)

    def _Tuple(self, node: ast.Tuple) -> Any:
        return [self.expr(e) for e in node.elts]

    _List = _Tuple

    # ----- helpers the call table uses
    def array(self, node: ast.AST, value: Any) -> Term:
        term = as_term(value)
        if term is None:
            if isinstance(value, Pair):
                raise self.fail(node, f"{self.text(node)} is a (values, indices) pair in PyTorch; take .values")
            raise self.fail(node, f"{self.text(node)} is not an array or a number")
        return term

    def op(self, node: ast.AST, name: str, args: list[Term], texts: list[str], **attrs: Any) -> Term:
        try:
            return call(name, *args, _texts=tuple(texts), **attrs)
        except ShapeError as exc:
            raise self.fail(node, str(exc)) from None


class _Bound:
    """``x.method`` before it is called."""

    def __init__(self, reader: _Reader, term: Term, attr: str, node: ast.AST) -> None:
        self.term, self.attr = term, attr
        if attr not in METHODS:
            raise reader.fail(node, f"{reader.text(node)}: arrays have no attribute {attr!r} here; see the docs (Programs and backward code) "
                                    "for the methods that are read")


class _Site:
    """Where a call is: the reader, its node, and the arguments' text (for messages)."""

    def __init__(self, reader: _Reader, node: ast.AST, texts: list[str], self_text: str | None) -> None:
        self.reader, self.node, self.texts, self.self_text = reader, node, texts, self_text

    @property
    def dialect(self) -> str:
        return self.reader.dialect

    @property
    def text(self) -> str:
        return self.reader.text(self.node)

    def fail(self, message: str) -> CodeError:
        return self.reader.fail(self.node, message)

    def op(self, name: str, args: list[Term], texts: list[str] | None = None, **attrs: Any) -> Term:
        return self.reader.op(self.node, name, args, texts or [self.self_text or "?", *self.texts], **attrs)

    def bound(self, term: Term) -> int | None:
        return bound_of(term, self.reader.bounds)


def read_program(code: str, shapes: Mapping[str, Any], *, loss: str | None = None,
                 values: Mapping[str, Any] | None = None, title: str = "") -> ArrayProgram:
    """Read a forward pass written as NumPy or PyTorch code into an :class:`ArrayProgram`.

    Args:
        code: the forward pass, one ``name = expression`` a line.
        shapes: every name the code uses but does not assign: a list of sizes for a float
            array (it gets a gradient), ``{"shape": [...], "integers": K}`` for an integer
            array with entries in ``[0, K)``, or a number for a constant (``n = 32``).
        loss: the name whose value is the loss (default: the last name assigned).
        values: numbers by name (nested lists), checked against the shapes.
        title: a title for sheets.

    Raises:
        CodeError: the code is outside the subset, or its shapes do not fit; the message
            gives the line and column and what was expected versus received.
        SpecError: a malformed entry of ``shapes`` or ``values``, named by its field.
    """
    if not isinstance(code, str):
        raise CodeError(f"expected the code as a string, received {type(code).__name__}")
    check_size(code)
    leaves = leaves_from_shapes(shapes)
    reader = _Reader(code, leaves)
    tree = parse(code)
    lines = reader.program(tree)
    if not lines:
        raise CodeError("the code assigns no name; a forward pass is lines 'name = expression'")
    used = {name for line in lines for name in names_in(line.term)}
    unused = [leaf.name for leaf in leaves if leaf.name not in used and leaf.kind != "const"]
    if unused:
        raise CodeError(f"program.shapes names {unused[0]!r}, which the code never uses")
    check_loss(lines, loss or lines[-1].name)
    checked = check_values(values, leaves) if values is not None else None
    try:
        return ArrayProgram(tuple(leaves), tuple(lines), loss or "", checked, title, code)
    except GraphError as exc:  # the loss is missing or not a scalar
        raise CodeError(str(exc)) from None
