r"""Sums in formulas: ``\sum_{k=1}^{n}`` expanded term by term, its bound read or inferred.

The bound may be left out or written as a letter when the body's names say how far the
index runs (``\sum_k w^{(2)}_{k1} \delta^{(2)}_k`` runs over layer 2).  Mixed into the
formula builder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import lark
import sympy as sp

from symbackprop.errors import FormulaError

from .limits import MAX_STEPS, checked_int
from .names import NameParts, Scope

__all__ = ["SumReader", "MAX_SUM_RANGE"]

#: Most terms a single \sum may expand to.
MAX_SUM_RANGE = 1_000


class SumReader:
    r"""Reads ``\sum``; mixed into the builder, which provides ``expr``, ``fail``, ``scope``,
    ``steps`` and ``name_parts``."""

    scope: Scope
    steps: int

    def expr(self, node: lark.Tree | lark.Token, env: Mapping[str, int]) -> sp.Expr:  # pragma: no cover
        raise NotImplementedError

    def fail(self, message: str, node: lark.Tree | lark.Token | int | None) -> FormulaError:  # pragma: no cover
        raise NotImplementedError

    def name_parts(self, base: lark.Token, scripts: list[lark.Tree],
                   env: Mapping[str, int]) -> tuple[NameParts, list[lark.Tree]]:  # pragma: no cover
        raise NotImplementedError

    def _bigsum(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        scripts = [c for c in node.children[1:-1]]
        body = node.children[-1]
        subs = [s for s in scripts if s.data == "sub"]
        sups = [s for s in scripts if s.data == "sup"]
        if len(subs) != 1 or len(sups) > 1:
            raise self.fail("write a sum as \\sum_{k=1}^{n} (one index below, at most one bound above)", node)
        raw = str(subs[0].children[0]).strip("{}")
        m = re.fullmatch(r"\s*([A-Za-z])\s*(?:=\s*(\d+)\s*)?", raw)
        if not m:
            raise self.fail(f"cannot read the sum's index {raw!r}; expected k or k=1", subs[0])
        letter, low = m[1], checked_int(m[2], "the sum's start", FormulaError) if m[2] else 1
        high = self.upper_bound(sups[0].children[0] if sups else None, letter, body, env, node)
        if high - low + 1 > MAX_SUM_RANGE:
            raise self.fail(f"sum over {high - low + 1} terms: expected at most {MAX_SUM_RANGE}", node)
        work = (high - low + 1) * sum(1 for _ in body.iter_subtrees())
        if self.steps + work > MAX_STEPS:
            raise self.fail(f"formula expands to too many terms (over {MAX_STEPS:,} steps)", node)
        terms = [self.expr(body, {**env, letter: k}) for k in range(low, high + 1)]
        return sp.Add(*terms)

    def upper_bound(self, sup: lark.Tree | None, letter: str, body: lark.Tree, env: Mapping[str, int], node: lark.Tree) -> int:
        if sup is not None:
            inner = sup.children[0] if sup.data == "group" else sup
            symbolic = isinstance(inner, lark.Tree) and inner.data in ("name", "bare") and len(inner.children) == 1
            if isinstance(inner, lark.Token):
                symbolic = inner.type == "NAME"
            token = inner if isinstance(inner, lark.Token) else (inner.children[0] if symbolic else None)
            if not (symbolic and str(token) not in env and not self.scope.has(str(token))):
                value = self.expr(sup, env)
                if not value.is_Integer:
                    raise self.fail(f"the sum's upper bound must be an integer, received {value}", sup)
                return int(value)
        size = self.infer_range(letter, body, env)
        if size is None:
            raise self.fail(
                f"cannot tell how far {letter} runs: write the bound, \\sum_{{{letter}=1}}^{{3}}", node
            )
        return size

    def infer_range(self, letter: str, body: lark.Tree, env: Mapping[str, int]) -> int | None:
        """The size of the layer dimension ``letter`` indexes in the sum's body."""
        for sub in body.iter_subtrees_topdown():
            if sub.data != "name":
                continue
            parts, _ = self.name_parts(sub.children[0], list(sub.children[1:]), env)
            pieces = list(parts.pieces)
            if len(pieces) == 1 and parts.kind == "w" and len(pieces[0]) == 2:
                pieces = list(pieces[0])
            if letter in pieces:
                return self.scope.index_range(parts, pieces.index(letter))
        return None
