r"""Marks of the notation that are not names: indicators and Leibniz factors.

``\mathbb{1}[z > 0]``, ``\mathbf{1}\{z > 0\}`` and Iverson's ``[z > 0]`` are 1 where the
comparison holds (the step H with H(0) = 0 for ``>``, so ReLU′(0) = 0 as everywhere here);
``\frac{\partial a}{\partial z}`` inside a formula is the local partial of node a's own
formula by its input z, as a printed chain rule means it.  Mixed into the formula builder.

>>> from symbackprop.read.parser import parse_formula
>>> from symbackprop.graph.network import mlp
>>> parse_formula(r"[z^{(1)}_1 > 0]", mlp([1, 1, 1], activation="relu"))
Heaviside(z^{(1)}_{1}, 0)
"""

from __future__ import annotations

from collections.abc import Mapping

import lark
import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph
from symbackprop.graph.functions import step

__all__ = ["MarkReader", "comparison", "indicator"]


def _partial_of(t: object) -> lark.Tree | None:
    """``u`` of ``\\partial u`` (a product of the name \\partial and u), else ``None``."""
    if isinstance(t, lark.Tree) and t.data == "mul" and len(t.children) == 2:
        head = t.children[0]
        if isinstance(head, lark.Tree) and head.data == "name" and len(head.children) == 1 \
                and str(head.children[0]) == "\\partial":
            return t.children[1]  # type: ignore[return-value]
    return None


def comparison(node: lark.Tree) -> tuple[lark.Tree, lark.Token, lark.Tree]:
    """The two sides and the sign of an indicator's comparison."""
    cmp = next(c for c in node.children if isinstance(c, lark.Tree) and c.data == "compare")
    left, op, right = cmp.children
    return left, op, right  # type: ignore[return-value]


def indicator(left: sp.Expr, op: str, right: sp.Expr) -> sp.Expr:
    r"""1 where ``left op right`` holds, 0 elsewhere: the step H (with H(0) = 0) of the gap.

    >>> u = sp.Symbol("u")
    >>> indicator(u, ">", sp.S.Zero), indicator(u, r"\geq", sp.S.Zero)
    (Heaviside(u, 0), Heaviside(u, 1))
    """
    strict = op in (">", "<", "\\gt", "\\lt")
    gap = left - right if op in (">", ">=", "\\gt", "\\ge", "\\geq") else right - left
    return step(gap) if strict else sp.Heaviside(gap, 1)


class MarkReader:
    """Reads indicators, the column of ones and Leibniz factors; mixed into the builder, which
    provides ``expr``, ``fail``, ``checked`` and ``graph``."""

    graph: Graph | None

    def expr(self, node: lark.Tree | lark.Token, env: Mapping[str, int]) -> sp.Expr:  # pragma: no cover
        raise NotImplementedError

    def fail(self, message: str, node: lark.Tree | lark.Token | int | None) -> FormulaError:  # pragma: no cover
        raise NotImplementedError

    def checked(self, value: sp.Expr, node: lark.Tree) -> sp.Expr:  # pragma: no cover
        raise NotImplementedError

    def _leibniz(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr | None:
        """``\\frac{\\partial a}{\\partial z}`` as a factor of a printed chain: the local partial of
        node a's own formula by z (one of its inputs), as the sheet's chain rule means it."""
        top, bottom = (_partial_of(c) for c in node.children[1:3])
        if top is None or bottom is None:
            return None
        of, by = self.expr(top, env), self.expr(bottom, env)
        graph = self.graph
        if graph is None or not isinstance(of, sp.Symbol) or not graph.is_node(of):
            raise self.fail("a factor \\frac{\\partial u}{\\partial v} is a local partial: u must be a node of "
                            "the graph (a z, an a or the loss)", node)
        expr = graph.node_of(of).expr
        if by not in expr.free_symbols:
            raise self.fail(f"{of} is not computed from {by} directly, so \\partial {of}/\\partial {by} is no "
                            "local partial; write the chain through the quantities between them", node)
        return self.checked(sp.diff(expr, by), node)

    def _indicator(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        """``\\mathbb{1}[u > v]``, ``[u > v]``: 1 where it holds, else 0 (so ReLU′(0) = 0)."""
        left, op, right = comparison(node)
        return self.checked(indicator(self.expr(left, env), str(op), self.expr(right, env)), node)

    def _ones(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        raise self.fail("\\mathbf{1}_m, the column of ones, belongs in a formula of batch matrices "
                        "(A^{[l]}, Z^{[l]}, dZ^{[l]})", node)
