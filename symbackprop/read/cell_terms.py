"""The expressions of a backward cell as terms, read against the shapes the cell's names have now.

A backward cell's names change as it runs (``dcounts`` is assigned, then added to), and a
line that is wrong upstream can give a name the wrong shape, so an expression is read each
time it is needed, against the shapes of that moment: the forward pass's names as the
program has them, the cell's own variables (:class:`~symbackprop.graph.terms.Ref` terms of
their current shape, or numbers) as the caller binds them.  The programs' reader does the
reading (:mod:`.code`, the same calls and spellings); what differs is that a shape that does
not fit is a :class:`CellShapeError`, the student's wrong answer, not bad input.

>>> from symbackprop.read.code import read_program
>>> p = read_program("h = np.tanh(x @ W)\\nloss = (h ** 2).sum()", {"x": [4, 3], "W": [3, 2]})
>>> code = "dW = x.T @ dh\\ndW = x @ dh"
>>> r, lines = CellReader(p, code), ast.parse(code).body
>>> r.term(lines[0].value, {"dh": Ref("dh", (4, 2))}).shape
(3, 2)
>>> r.term(lines[1].value, {"dh": Ref("dh", (4, 2))})
Traceback (most recent call last):
    ...
symbackprop.read.cell_terms.CellShapeError: line 2, column 6: x @ dh is (4, 3) @ (4, 2): inner dimensions differ (3 versus 4)
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from symbackprop.errors import CodeError
from symbackprop.graph.array_ops import ShapeError
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Ref, Term, call

from .code import _Reader, _Site
from .code_index import index_term
from .code_values import Num, Pair, as_term, bound_of

__all__ = ["CellReader", "CellShapeError", "Bound"]

#: What a cell's variable is bound to while a line is read: an array term or a known number.
Bound = Ref | Num


class CellShapeError(CodeError):
    """A line of the cell whose shapes do not fit: a wrong answer, said with the shapes."""


class CellReader(_Reader):
    """The programs' code reader over a program's forward names, with the cell's variables
    bound line by line (:meth:`term`, :meth:`positions`)."""

    def __init__(self, program: ArrayProgram, code: str, dialect: str = "either") -> None:
        super().__init__(code, program.leaves)
        for line in program.lines:
            self.env[line.name] = Ref(line.name, line.shape, line.term.dtype)
            bound = bound_of(line.term, self.bounds)
            if bound is not None:
                self.bounds[line.name] = bound
        self.dialect = dialect
        self._env, self._bounds = dict(self.env), dict(self.bounds)

    def bind(self, variables: Mapping[str, Bound], bounds: Mapping[str, int] | None = None) -> None:
        """Read the next expressions with ``variables`` (and integer ``bounds``) in scope."""
        self.env = {**self._env, **variables}
        self.bounds = {**self._bounds, **(bounds or {})}

    def value(self, node: ast.expr, variables: Mapping[str, Bound], bounds: Mapping[str, int] | None = None) -> Any:
        """What ``node`` reads as: a term, a number (:class:`Num`), a tuple of sizes..."""
        self.bind(variables, bounds)
        return self.expr(node)

    def term(self, node: ast.expr, variables: Mapping[str, Bound], bounds: Mapping[str, int] | None = None) -> Term:
        """``node`` as an array term.

        Raises:
            CellShapeError: the shapes do not fit (the student's wrong answer).
            CodeError: outside the subset read (bad input).
        """
        value = self.value(node, variables, bounds)
        if isinstance(value, Pair):
            raise self.fail(node, f"{self.text(node)} is a (values, indices) pair in PyTorch; take .values or "
                                  ".indices")
        term = as_term(value)
        if term is None:
            raise self.fail(node, f"{self.text(node)} is not an array or a number")
        return term

    def positions(self, base: Term, index: ast.expr, variables: Mapping[str, Bound],
                  bounds: Mapping[str, int] | None = None, text: str = "") -> Term:
        """The ``index`` term of ``base[index]``: which entries an assignment writes."""
        self.bind(variables, bounds)
        site = _Site(self, index, [text or str(base)], None)
        return index_term(site, base, index)

    def text(self, node: ast.AST) -> str:
        # A repaired line (verify's candidate edits) holds new nodes with no place in the code.
        try:
            return ast.get_source_segment(self.code, node) or ast.unparse(node)
        except IndexError:
            return ast.unparse(node)

    def op(self, node: ast.AST, name: str, args: list[Term], texts: list[str], **attrs: Any) -> Term:
        try:
            return call(name, *args, _texts=tuple(texts), **attrs)
        except ShapeError as exc:
            raise CellShapeError(str(exc), getattr(node, "lineno", None), getattr(node, "col_offset", -1) + 1) \
                from None
