"""The limits of the code reader, the shape its loss must have, and the names of what it does not read.

Every limit is counted before or while reading (characters, lines, brackets, array
entries), never timed; an input past one is refused in one line.

>>> check_size("x = (" * 50)
Traceback (most recent call last):
    ...
symbackprop.errors.CodeError: line 1, column 205: brackets nested more than 40 deep
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence

from symbackprop.errors import CodeError
from symbackprop.graph.array_ops import shape_text
from symbackprop.graph.array_program import Line

__all__ = ["MAX_CODE_CHARS", "MAX_CODE_LINES", "MAX_NESTING", "MAX_ARRAY_ENTRIES", "MAX_TOTAL_ENTRIES",
           "check_size", "check_loss", "construct", "parse"]

#: The largest program read: characters, lines, bracket nesting.
MAX_CODE_CHARS = 20_000
MAX_CODE_LINES = 400
MAX_NESTING = 40
#: The most entries one array may have, and all of a program's arrays together (float64
#: entries, so 20,000,000 is 160 MB for one array).
MAX_ARRAY_ENTRIES = 20_000_000
MAX_TOTAL_ENTRIES = 200_000_000


def check_size(code: str) -> None:
    if len(code) > MAX_CODE_CHARS:
        raise CodeError(f"the code is {len(code):,} characters; at most {MAX_CODE_CHARS:,} are read")
    lines = code.count("\n") + 1
    if lines > MAX_CODE_LINES:
        raise CodeError(f"the code is {lines:,} lines; at most {MAX_CODE_LINES:,} are read")
    depth = 0
    for k, ch in enumerate(code):
        if ch in "([{":
            depth += 1
            if depth > MAX_NESTING:
                line = code.count("\n", 0, k) + 1
                raise CodeError(f"brackets nested more than {MAX_NESTING} deep", line,
                                k - code.rfind("\n", 0, k))
        elif ch in ")]}":
            depth = max(0, depth - 1)


def check_loss(lines: Sequence[Line], loss: str) -> None:
    """The loss line holds a float scalar; else the error names that line."""
    line = next((ln for ln in lines if ln.name == loss), None)
    if line is not None and (line.shape != () or line.term.dtype != "float"):
        kind = {"float": "a float", "int": "an integer", "bool": "a true/false"}[line.term.dtype]
        raise CodeError(f"{loss} must be a float scalar, and it is {kind} array of shape {shape_text(line.shape)}",
                        line.lineno, line.col)


def parse(code: str) -> ast.Module:
    """Python's ``ast`` of ``code``, or a one-line error; the parser's own warnings (``1if``)
    are kept off stderr and do not turn into errors where warnings are errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise CodeError(f"not Python: {exc.msg}", exc.lineno, exc.offset) from None
    except (RecursionError, MemoryError):
        raise CodeError(f"the code is nested too deeply to read (at most {MAX_NESTING} brackets)") from None


def construct(node: ast.AST) -> str:
    names = {"For": "a for loop", "While": "a while loop", "If": "an if statement", "FunctionDef": "a function",
             "Lambda": "a lambda", "AugAssign": "an augmented assignment (+=)", "ListComp": "a list comprehension",
             "GeneratorExp": "a generator", "Attribute": "an attribute", "AnnAssign": "an annotated assignment",
             "With": "a with statement", "Expr": "an expression statement", "ClassDef": "a class",
             "Dict": "a dictionary", "Set": "a set", "JoinedStr": "an f-string", "IfExp": "a conditional expression",
             "BoolOp": "'and'/'or'", "Starred": "a starred argument", "FloorDiv": "//", "Mod": "%",
             "BitAnd": "&", "BitOr": "|", "BitXor": "^", "LShift": "<<", "RShift": ">>", "Invert": "~",
             "Not": "not", "NamedExpr": "':='", "Await": "await", "Yield": "yield", "Delete": "del",
             "Return": "return", "Global": "global", "Assert": "assert", "Raise": "raise", "Try": "try"}
    name = type(node).__name__
    return names.get(name, f"'{name}'")
