r"""Proof of a program's backward pass by the scalar chain rule, entry by entry.

:func:`prove_program` compares the backward program the array rules derive
(:mod:`.array_backward`) with the scalar chain rule of the program's scalar graph
(:mod:`.array_scalar`), the backward program's terms evaluated over the same symbols:

* where every operation is smooth, as an identity: the difference of the two gradients,
  each written in the leaves, simplifies to 0;
* where the numbers decide (``max``, ``relu``, ``abs``, ``maximum``, ``where``, masks), at
  random rational points: exact rational arithmetic where the program stays rational,
  60 digits where it takes an ``exp`` or a ``log`` (as :func:`~symbackprop.derive.prove`).

Both are work on symbols, so both have a budget: at most
:data:`~symbackprop.derive.array_scalar.MAX_SCALAR_ENTRIES` entries in all, and expanded
gradients of at most :data:`MAX_PROOF_SIZE` expression nodes.

>>> from symbackprop.read.code import read_program
>>> p = read_program("h = np.tanh(x @ W)\nloss = (h ** 2).sum()", {"x": [2, 2], "W": [2, 1]})
>>> proof = prove_program(p)
>>> proof.ok, proof.method
(True, 'identity')
>>> print(proof.summary())
every gradient entry of 2 float leaves (6 entries) equals the scalar chain rule identically (the difference simplifies to 0)
>>> q = read_program("h = np.maximum(x @ W, 0)\nloss = h.max()", {"x": [2, 2], "W": [2, 3]})
>>> print(prove_program(q).summary())
every gradient entry of 2 float leaves (10 entries) equals the scalar chain rule at 2 random rational points (exact rational arithmetic)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
import sympy as sp

from symbackprop.errors import SpecError, TooLargeError
from symbackprop.graph.array_program import ArrayProgram

from .array_backward import BackwardProgram, backward_program
from .array_scalar import (
    DATA_DEPENDENT,
    DIGITS,
    MAX_SCALAR_ENTRIES,
    ScalarProgram,
    point_name,
    program_ops,
    scalar_program,
)
from .array_sympy import as_number
from .expansion import Substitution, expression_size

__all__ = ["prove_program", "ProgramProof", "LeafProof", "MAX_PROOF_SIZE"]


class _OverSize(TooLargeError):
    """The identity's expansion is over its budget (``auto`` then proves at points)."""

#: The largest expanded gradient entry (expression nodes) compared as an identity.
MAX_PROOF_SIZE = 20_000


@dataclass(frozen=True)
class LeafProof:
    """The proof of one float leaf's gradient, entry by entry.

    Attributes:
        name, shape: the leaf.
        failures: ``(index, backward program's value, scalar chain rule's value)`` of each
            entry where the two differ (at the first point that showed it).
    """

    name: str
    shape: tuple[int, ...]
    failures: tuple[tuple[tuple[int, ...], sp.Expr, sp.Expr], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def entries(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class ProgramProof:
    """The outcome of :func:`prove_program`.

    Attributes:
        rows: one :class:`LeafProof` per float leaf.
        method: ``"identity"`` (the difference simplified to 0) or ``"points"``.
        detail: what was compared, in words.
    """

    rows: tuple[LeafProof, ...]
    method: str
    detail: str

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def summary(self) -> str:
        entries = sum(row.entries for row in self.rows)
        head = f"every gradient entry of {len(self.rows)} float leaves ({entries:,} entries)"
        if self.ok:
            return f"{head} equals the scalar chain rule {self.detail}"
        bad = [(row.name, f) for row in self.rows for f in row.failures]
        name, (index, ours, theirs) = bad[0]
        how = "(the difference does not simplify to 0)" if self.method == "identity" else self.detail
        return (f"{len(bad):,} of {entries:,} gradient entries differ from the scalar chain rule {how}; first "
                f"d{point_name(name, index)}: backward program {_short(ours)}, scalar chain rule {_short(theirs)}")

    def __str__(self) -> str:
        return self.summary()


def _short(value: sp.Expr) -> str:
    text = str(sp.N(value, 12) if value.is_number and not value.is_Rational else value)
    return text if len(text) <= 200 else text[:200] + "..."


def prove_program(program: ArrayProgram, values: Mapping[str, Any] | None = None, *, method: str = "auto",
                  points: int = 2, seed: int = 0, max_entries: int = MAX_SCALAR_ENTRIES,
                  max_size: int = MAX_PROOF_SIZE) -> ProgramProof:
    """Prove the derived backward program of ``program`` against the scalar chain rule.

    Args:
        program: the array program, at small shapes.
        values: one point to prove at (nested lists by name); default the program's
            ``[values]``, else ``points`` points drawn from ``seed``.
        method: ``"identity"``, ``"points"``, or ``"auto"``: an identity when no operation
            of :data:`DATA_DEPENDENT` occurs and the expanded gradients are within
            ``max_size``, else points.
        points: how many points for the ``points`` method.
        max_entries: the budget of array entries made symbols.
        max_size: the budget of one expanded gradient entry, for ``identity``.

    Raises:
        TooLargeError: over either budget; the message says which.
        SpecError: an unknown ``method``, or malformed ``values``.
    """
    if method not in ("auto", "identity", "points"):
        raise SpecError(f"method: expected 'auto', 'identity' or 'points', received {method!r}")
    if not isinstance(points, int) or points < 1:
        raise SpecError(f"points: expected a positive integer, received {points!r}")
    decided = sorted(program_ops(program) & DATA_DEPENDENT)
    if method == "identity" and decided:
        raise SpecError(f"method: the numbers decide the derivative of {', '.join(decided)}, so the program is "
                        "proven at points, not as an identity; use method='points'")
    backward = backward_program(program)
    if method == "identity" or (method == "auto" and not decided):
        try:
            return _identity(scalar_program(program, values, seed=seed, max_entries=max_entries), backward, max_size)
        except _OverSize:
            if method == "identity":
                raise
    fixed = values is not None or program.values is not None
    runs = [scalar_program(program, values, seed=seed + k, max_entries=max_entries, exact_constants=False)
            for k in range(1 if fixed else points)]
    failures: dict[str, list[tuple[tuple[int, ...], sp.Expr, sp.Expr]]] = {}
    for s in runs:
        ours, theirs = s.backward_gradients(backward, at_point=True), s.chain_rule_gradients()
        for leaf in program.float_leaves:
            if failures.get(leaf.name):
                continue
            failures[leaf.name] = [(index, ours[leaf.name][index], theirs[leaf.name][index])
                                   for index in np.ndindex(*leaf.shape)
                                   if not _equal(ours[leaf.name][index], theirs[leaf.name][index], s.exact)]
    how = "exact rational arithmetic" if all(s.exact for s in runs) else f"{DIGITS}-digit arithmetic"
    where = "the given point" if fixed else f"{len(runs)} random rational point{'s' * (len(runs) > 1)}"
    rows = tuple(LeafProof(leaf.name, leaf.shape, tuple(failures[leaf.name])) for leaf in program.float_leaves)
    return ProgramProof(rows, "points", f"at {where} ({how})")


def _equal(a: sp.Expr, b: sp.Expr, exact: bool) -> bool:
    d = a - b
    if exact:
        return d == 0
    scale = max(1.0, abs(float(sp.N(b, DIGITS))))
    return abs(float(sp.N(d, DIGITS))) <= 1e-40 * scale


def _identity(s: ScalarProgram, backward: BackwardProgram, max_size: int) -> ProgramProof:
    definitions = {nd.symbol: nd.expr for nd in s.graph.nodes}
    expand = Substitution(definitions)
    bp = s.backprop
    ours = s.backward_gradients(backward)
    memo: dict[sp.Basic, int] = {}
    rows = []
    for leaf in s.program.float_leaves:
        bad = []
        for index in np.ndindex(*leaf.shape):
            symbol = s.arrays[leaf.name][index]
            mine = as_number(ours[leaf.name][index])
            derivation = bp[symbol]
            sizes = (expression_size(mine, definitions, memo), derivation.expanded_size())
            if max(sizes) > max_size:
                raise _OverSize(f"proof of d{symbol.name}: the expanded gradients have {max(sizes):,} expression "
                                    f"nodes, over the budget of {max_size:,}; use method='points' or smaller shapes")
            a, b = expand(mine), derivation.expanded(max_size=max_size)
            if not _is_zero(a - b, s.leaf_point):
                bad.append((index, a, b))
        rows.append(LeafProof(leaf.name, leaf.shape, tuple(bad)))
    return ProgramProof(tuple(rows), "identity", "identically (the difference simplifies to 0)")


def _is_zero(d: sp.Expr, point: Mapping[sp.Symbol, sp.Expr]) -> bool:
    """Whether ``d`` is identically 0: refuted at once by its value at ``point``, else shown
    by ever stronger (and slower) simplifications."""
    if d == 0:
        return True
    at = sp.N(d.xreplace({k: sp.Float(v, DIGITS) for k, v in point.items()}), DIGITS)
    if at.is_Number and abs(float(at)) > 1e-30:
        return False
    for form in (d, d.rewrite(sp.exp)):
        for step in (sp.expand, lambda e: sp.cancel(sp.together(sp.expand(e))), sp.simplify):
            if step(form) == 0:
                return True
    return False
