"""Reading one line of code a student wrote against a program: ``dX = expression``, never run.

The answer to a fused-formula question is one assignment; it may read every name of the
program's forward pass (leaves and lines) and the gradients the caller declares.  It is read
with the code reader of :mod:`.code` over those names, so every construct, spelling and
check of a forward pass holds, and an error names the line and column.

>>> line = read_answer("dz = (p - F.one_hot(y, 3)) / n", {"p": [4, 3], "y": {"shape": [4], "integers": 3}, "n": 4})
>>> line.name, str(line.term), line.shape
('dz', '((p - one_hot(y, classes=3)) / n)', (4, 3))
"""

from __future__ import annotations

import ast

from collections.abc import Mapping
from typing import Any

from symbackprop.errors import CodeError
from symbackprop.graph.array_program import Line

from .code import _Reader
from .code_limits import check_size, parse
from .code_spec import leaves_from_shapes

__all__ = ["read_answer", "assigned_name"]


def assigned_name(code: str) -> str:
    """The name the one line of ``code`` assigns (read before its expression, so that a
    wrong name is said as such).

    Raises:
        CodeError: not Python, or not one ``name = expression`` line.
    """
    check_size(code)
    body = parse(code).body
    if len(body) != 1 or not isinstance(body[0], ast.Assign) or len(body[0].targets) != 1 \
            or not isinstance(body[0].targets[0], ast.Name):
        raise CodeError("expected one line 'dX = expression'")
    return body[0].targets[0].id


def read_answer(code: str, shapes: Mapping[str, Any]) -> Line:
    """The one line ``name = expression`` of ``code``, over the names of ``shapes`` (as in
    :func:`~symbackprop.read.code.read_program`; names it does not use are no error).

    Raises:
        CodeError: not one assignment, or code outside the subset (line and column given).
    """
    if not isinstance(code, str):
        raise CodeError(f"expected the answer as a string, received {type(code).__name__}")
    check_size(code)
    reader = _Reader(code, tuple(leaves_from_shapes(shapes)))
    lines = reader.program(parse(code))
    if len(lines) != 1:
        raise CodeError(f"expected one line 'dX = expression', received {len(lines)} assignments")
    return lines[0]
