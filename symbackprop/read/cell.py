"""Reading a backward cell: the lines a student writes to compute gradients, never run.

A backward cell assigns ``dX``, the gradient of the loss with respect to the forward pass's
name ``X`` (the variable names come from the caller: ``derive.backward_code.grad_names``).
It is parsed by :mod:`ast` and read into :class:`Step` values over a stated subset:

* ``dX = expr`` and ``dX += expr`` (also ``-=``, ``*=``, ``/=``, ``dX.add_(expr)``...), and
  helpers (``ix = Xb[k, j]``); ``.clone()``/``.copy()`` make a new array, a plain name or a
  view (``.T``, ``.view``) shares one, as in NumPy and PyTorch;
* assignment into positions: ``dX[range(n), Yb] = expr``, ``dX[:, 0] += expr``;
* scatters that add where a position repeats: ``np.add.at(dX, positions, values)``,
  ``dX.index_put_((i, j), values, accumulate=True)``, ``dX.index_add_(dim, index, values)``;
* ``for k in range(...)`` with bounds known from the code, nested;
* imports, docstrings, and ``print(...)``/``cmp(...)`` lines (skipped).

Every name read must be a forward name, a number of the program, or assigned above; a
gradient read but never assigned is *given* (the checker supplies the correct one).  The
expressions themselves are read when the cell runs, against the shapes of that moment
(:mod:`.cell_terms`).  Bad input (one line, naming where): not Python, a construct outside
the subset, a name that is nowhere, no gradient of the program assigned, a loop past
:data:`MAX_CELL_STATEMENTS` statements.

>>> from symbackprop.read.code import read_program
>>> p = read_program("h = np.tanh(x @ W)\\nloss = (h ** 2).sum()", {"x": [4, 3], "W": [3, 2]})
>>> cell = read_cell("dh = 2 * h\\ndW = x.T @ ((1 - h**2) * dh)", p, {"h": "dh", "W": "dW", "x": "dx"})
>>> [(s.kind, s.name, s.lineno) for s in cell.steps], cell.targets
([('assign', 'dh', 1), ('assign', 'dW', 2)], {'dh': 'h', 'dW': 'W'})
>>> read_cell("dW = x.T @ dq", p, {"h": "dh", "W": "dW", "x": "dx"})
Traceback (most recent call last):
    ...
symbackprop.errors.CodeError: line 1, column 12: 'dq' is not a name of the program, and nothing above assigns it (did you mean 'dx'?)
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from symbackprop.errors import CodeError, SymbackpropError, closest
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Ref

from .cell_steps import OPERATORS, Cell, Step
from .cell_terms import Bound, CellReader
from .code_calls import BUILTINS, HELPER_FUNCTIONS
from .code_limits import MAX_NESTING, check_size, construct
from .code_values import Num, Range, dialect_of

__all__ = ["Cell", "Step", "read_cell", "MAX_CELL_STATEMENTS", "OPERATORS"]

#: The most statements one run of a cell executes, loops unrolled (the makemore cell: 227).
MAX_CELL_STATEMENTS = 20_000
_AUG = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
_METHOD_UPDATES = {"add_": "add", "sub_": "sub", "mul_": "mul", "div_": "div"}
_MODULES = frozenset({"np", "numpy", "torch", "F", "math"})
_BUILTINS = BUILTINS | HELPER_FUNCTIONS
#: Lines a notebook's check cell holds that are not part of the backward pass.
_SKIPPED_CALLS = frozenset({"print", "cmp"})
# Methods and attributes that give a view of the same numbers (so an in-place change shows through).
_VIEWS = frozenset({"T", "mT", "t", "view", "reshape", "transpose", "permute", "squeeze", "unsqueeze", "swapaxes"})


class _Static:
    """Reads the statements in order, checking every name against what is known so far."""

    def __init__(self, code: str, program: ArrayProgram, gradients: Mapping[str, str], reader: CellReader) -> None:
        self.code, self.program, self.reader = code, program, reader
        self.variables = {var: name for name, var in gradients.items()}
        self.forward = set(program.names)
        self.assigned: dict[str, int] = {}
        self.read_first: dict[str, int] = {}
        self.helper_grads: dict[str, frozenset[str]] = {}
        self.numbers: dict[str, Num] = {}
        self.counters: dict[str, int] = {}
        self.targets: dict[str, str] = {}
        self.notes: list[str] = []
        self.executed = 0

    def fail(self, node: ast.AST, message: str) -> CodeError:
        return CodeError(message, getattr(node, "lineno", None), getattr(node, "col_offset", -1) + 1)

    def text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.code, node) or ast.unparse(node)

    # ----- statements
    def block(self, body: list[ast.stmt], repeat: int, depth: int) -> tuple[Step, ...]:
        steps: list[Step] = []
        for stmt in body:
            step = self.statement(stmt, repeat, depth)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def statement(self, stmt: ast.stmt, repeat: int, depth: int) -> Step | None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return None
        if isinstance(stmt, ast.Expr):
            return self.expression(stmt, repeat)
        if isinstance(stmt, ast.For):
            return self.loop(stmt, repeat, depth)
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1:
                raise self.fail(stmt, "one target a line is read (dX = ..., not dX = dY = ...)")
            return self.assign(stmt, stmt.targets[0], None, stmt.value, repeat)
        if isinstance(stmt, ast.AugAssign):
            op = _AUG.get(type(stmt.op))
            if op is None:
                raise self.fail(stmt, f"the operator {construct(stmt.op)}= is not read; +=, -=, *= and /= are")
            return self.assign(stmt, stmt.target, op, stmt.value, repeat)
        raise self.fail(stmt, f"{construct(stmt)} is not read in a backward cell; it assigns gradients "
                              "(dX = ..., dX += ..., dX[...] = ...) in for loops over range(...)")

    def expression(self, stmt: ast.Expr, repeat: int) -> Step | None:
        node = stmt.value
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return None  # a docstring
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _SKIPPED_CALLS:
            self.notes.append(f"line {stmt.lineno}: {node.func.id}(...) is not part of the backward pass; skipped")
            return None
        if isinstance(node, ast.Call) and not node.keywords and _dotted(node.func) == "np.add.at" and len(node.args) == 3:
            return self.scatter(stmt, node.args[0], node.args[1], node.args[2], "np.add.at", 0, repeat)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            method, this = node.func.attr, node.func.value
            if method == "index_put_" and len(node.args) == 2 and _accumulates(node):
                return self.scatter(stmt, this, node.args[0], node.args[1], "index_put_", 0, repeat)
            if method == "index_add_" and len(node.args) == 3 and not node.keywords:
                dim = self.reader.value(node.args[0], self.bound())
                if not isinstance(dim, Num) or not isinstance(dim.value, int):
                    raise self.fail(node.args[0], "index_add_ takes the axis as an integer known from the code")
                return self.scatter(stmt, this, node.args[1], node.args[2], "index_add_", dim.value, repeat)
            if method in _METHOD_UPDATES and len(node.args) == 1 and not node.keywords:
                return self.assign(stmt, this, _METHOD_UPDATES[method], node.args[0], repeat)
        raise self.fail(stmt, f"{self.text(node)[:60]} is not read: a backward cell assigns gradients; the "
                              "calls read on their own are np.add.at, index_put_(..., accumulate=True), "
                              "index_add_ and add_/sub_/mul_/div_")

    def assign(self, stmt: ast.stmt, target: ast.expr, op: str | None, value: ast.expr, repeat: int) -> Step:
        index = None
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            index, target = target.slice, target.value
        if not isinstance(target, ast.Name):
            raise self.fail(target, f"{self.text(target)} cannot be assigned here; assign a name (dX = ...) or "
                                    "its entries (dX[...] = ...)")
        name = target.id
        if (op is not None or index is not None) and name not in self.assigned:
            raise self.fail(target, f"{self.text(stmt).splitlines()[0][:60]} changes {name}, which nothing above "
                                    f"assigns; start it with {name} = ... (such as zeros_like)")
        reads = self.names(value) | (self.names(index) if index is not None else set())
        if op is not None or index is not None:
            reads |= self.names(target)
        else:
            self.writable(target)
        kind = "assign" if index is None and op is None else ("update" if index is None else "setitem")
        step = Step(kind, name, stmt.lineno, stmt.col_offset + 1, self.text(stmt), value, index, op,
                    copied=kind == "assign" and _copies(value), reads=frozenset(reads), grads=self.grads_of(reads))
        self.written(step, repeat)
        return step

    def scatter(self, stmt: ast.Expr, target: ast.expr, index: ast.expr, value: ast.expr, spelling: str, dim: int,
                repeat: int) -> Step:
        if not isinstance(target, ast.Name):
            raise self.fail(target, f"{spelling} adds into a name here (the gradient it builds), not "
                                    f"{self.text(target)}")
        if target.id not in self.assigned:
            raise self.fail(target, f"{spelling} adds into {target.id}, which nothing above assigns; start it "
                                    f"with {target.id} = zeros_like(...)")
        if spelling == "index_put_" and not isinstance(index, ast.Tuple):
            raise self.fail(index, "index_put_ takes a tuple of index arrays, as in dC.index_put_((Xb,), demb, "
                                   "accumulate=True)")
        positions = _slices(index)
        if spelling == "index_add_":
            positions = ast.Tuple([*(ast.Slice() for _ in range(dim)), index], ast.Load())
        reads = self.names(target) | self.names(positions) | self.names(value)
        step = Step("addat", target.id, stmt.lineno, stmt.col_offset + 1, self.text(stmt), value, positions,
                    "add", spelling=spelling, dim=dim, reads=frozenset(reads), grads=self.grads_of(reads))
        self.written(step, repeat)
        return step

    def loop(self, stmt: ast.For, repeat: int, depth: int) -> Step:
        if not isinstance(stmt.target, ast.Name) or stmt.orelse:
            raise self.fail(stmt, "a loop is read as 'for k in range(...)', one counter and no else")
        if depth >= MAX_NESTING:
            raise self.fail(stmt, f"loops nested more than {MAX_NESTING} deep")
        self.names(stmt.iter)
        try:
            bounds = self.reader.value(stmt.iter, self.bound())
        except SymbackpropError:
            bounds = None
        if not isinstance(bounds, Range):
            raise self.fail(stmt.iter, f"{self.text(stmt.iter)}: a loop goes over range(...) with bounds known from "
                                       "the code (numbers, the program's constants, x.shape[0])")
        counter = stmt.target.id
        self.writable(stmt.target)
        times = len(range(bounds.start, bounds.stop, bounds.step))
        self.counters[counter] = max(bounds.start, bounds.stop - 1) + 1 if bounds.step > 0 else bounds.start + 1
        self.assigned.setdefault(counter, stmt.lineno)
        self.executed += repeat
        body = self.block(stmt.body, repeat * times, depth + 1)
        first = self.text(stmt).splitlines()[0]
        return Step("loop", counter, stmt.lineno, stmt.col_offset + 1, first, body=body,
                    bounds=(bounds.start, bounds.stop, bounds.step))

    # ----- names
    def names(self, node: ast.AST) -> set[str]:
        """The cell's variables ``node`` reads; every other name must be known."""
        out = set()
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Name):
                continue
            name = sub.id
            if name in self.assigned or name in self.variables:
                out.add(name)
                if name in self.variables and name not in self.assigned:
                    self.read_first.setdefault(name, sub.lineno)
            elif name not in self.forward and name not in _MODULES and name not in _BUILTINS:
                known = [*self.forward, *self.assigned, *self.variables]
                raise self.fail(sub, f"{name!r} is not a name of the program, and nothing above assigns it"
                                     f"{closest(name, known)}")
        return out

    def writable(self, target: ast.Name) -> None:
        name = target.id
        if name in self.forward:
            raise self.fail(target, f"{name!r} is a name of the forward pass; the backward cell reads it and "
                                    f"assigns its gradient ({self.variable_of(name)})")
        if name in _MODULES or name in _BUILTINS:
            raise self.fail(target, f"{name!r} means something of its own in the code; choose another name")
        if name in self.read_first and name not in self.assigned:
            raise self.fail(target, f"line {self.read_first[name]} reads {name} before this line assigns it; "
                                    "compute each gradient before the lines that use it")

    def variable_of(self, name: str) -> str:
        return next((v for v, n in self.variables.items() if n == name), "d" + name)

    def grads_of(self, reads: set[str]) -> frozenset[str]:
        out: set[str] = set()
        for name in reads:
            if name in self.variables:
                out.add(name)
            out |= self.helper_grads.get(name, frozenset())
        return frozenset(out)

    def written(self, step: Step, repeat: int) -> None:
        self.executed += repeat
        if self.executed > MAX_CELL_STATEMENTS:
            raise CodeError(f"the cell runs more than {MAX_CELL_STATEMENTS:,} statements (loops unrolled); "
                            "that is past the work budget of a backward cell", step.lineno, step.col)
        self.assigned.setdefault(step.name, step.lineno)
        if step.name in self.variables:
            self.targets.setdefault(step.name, self.variables[step.name])
            return
        self.helper_grads[step.name] = self.helper_grads.get(step.name, frozenset()) | step.grads
        if step.kind == "assign" and step.name not in self.numbers:
            try:
                value = self.reader.value(step.value, self.bound())  # type: ignore[arg-type]
            except SymbackpropError:
                value = None
            if isinstance(value, Num):
                self.numbers[step.name] = value

    def bound(self) -> dict[str, Bound]:
        """The variables as the static pass knows them: gradients at their forward shapes."""
        out: dict[str, Bound] = dict(self.numbers)
        for var, name in self.variables.items():
            out.setdefault(var, Ref(var, self.program.shape(name), "float"))
        return out


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _accumulates(node: ast.Call) -> bool:
    for k in node.keywords:
        if k.arg == "accumulate":
            return isinstance(k.value, ast.Constant) and k.value.value is True
    return False


def _copies(value: ast.expr) -> bool:
    """Whether the value is a new array: a copy anywhere along its chain of views."""
    node = value
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("clone", "copy"):
                return True
            if node.func.attr not in _VIEWS:
                return False
            node = node.func.value
        elif isinstance(node, ast.Call) and _dotted(node.func) in ("np.copy", "torch.clone", "numpy.copy"):
            return True
        elif isinstance(node, ast.Attribute) and node.attr in _VIEWS:
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return False


def read_cell(code: str, program: ArrayProgram, gradients: Mapping[str, str]) -> Cell:
    """Read a backward cell for ``program``.

    Args:
        code: the cell's text.
        program: the forward pass whose names the cell reads.
        gradients: ``{forward name: variable}``, the variable holding each gradient (``dW1``).

    Raises:
        CodeError: not Python, a construct outside the subset, a name that is nowhere, no
            gradient of the program assigned, or more than :data:`MAX_CELL_STATEMENTS`
            statements to run; the message starts with the line and column.
    """
    if not isinstance(code, str):
        raise CodeError(f"expected the cell as text, received {type(code).__name__}")
    check_size(code)
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise CodeError(f"not Python: {exc.msg}", exc.lineno, exc.offset) from None
    except (RecursionError, MemoryError):
        raise CodeError(f"the code is nested too deeply to read (at most {MAX_NESTING} brackets)") from None
    dialect = dialect_of(tree)
    if dialect == "either":
        try:
            dialect = dialect_of(ast.parse(program.code)) if program.code else "numpy"
        except SyntaxError:
            dialect = "numpy"
        dialect = "numpy" if dialect == "either" else dialect
    static = _Static(code, program, gradients, CellReader(program, code, dialect))
    steps = static.block(tree.body, 1, 0)
    if not static.targets:
        assigned = [name for name in static.assigned if name.startswith("d") and name not in static.counters]
        if not assigned:
            raise CodeError("the cell assigns no gradient; expected lines like "
                            f"{static.variable_of(program.lines[-2].name if len(program.lines) > 1 else program.loss)}"
                            " = ... for the names of the program")
        raise CodeError(f"the cell names nothing in the program: {', '.join(assigned[:3])} "
                        f"{'is not the gradient' if len(assigned) == 1 else 'are not gradients'} of its arrays"
                        f"{closest(assigned[0], static.variables)}; expected d + one of "
                        f"{', '.join(list(program.names)[:8])}...")
    helpers = tuple(name for name in static.assigned if name not in static.variables)
    notes = list(static.notes)
    for name in helpers:
        if name.startswith("d") and name not in static.counters and name[1:] not in static.forward:
            notes.append(f"{name} is not the gradient of a name of the program{closest(name, static.variables)}; "
                         "it is read as a helper")
    given = {var: static.variables[var] for var in static.read_first if var not in static.assigned}
    return Cell(code, steps, static.targets, given, helpers, dialect, tuple(notes), static.executed)


def _slices(index: ast.expr) -> ast.expr:
    """``np.add.at``'s positions with ``slice(a, b)`` read as ``a:b``: outside brackets a
    tuple cannot hold ``:``, so ``dx[:, idx]`` is written ``(slice(None), idx)``."""
    if not isinstance(index, ast.Tuple):
        return index

    def one(e: ast.expr) -> ast.expr:
        if (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "slice" and not e.keywords
                and 1 <= len(e.args) <= 3 and not any(isinstance(a, ast.Starred) for a in e.args)):
            args = [None if isinstance(a, ast.Constant) and a.value is None else a for a in e.args]
            lower, upper, step = (None, args[0], None) if len(args) == 1 else (*args, None)[:3]
            return ast.copy_location(ast.Slice(lower, upper, step), e)
        return e

    return ast.copy_location(ast.Tuple([one(e) for e in index.elts], ast.Load()), index)
